package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

type dashboard struct {
	Panels     []dashPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type dashPanel struct {
	Title   string      `json:"title"`
	Type    string      `json:"type"`
	Panels  []dashPanel `json:"panels"` // of a collapsed row
	Targets []struct {
		Query    string `json:"query"`
		RawQuery bool   `json:"rawQuery"`
	} `json:"targets"`
}

// TestInfluxDashboardQueries runs every query of the Grafana dashboard, with
// its variables filled in as Grafana would, against simulated data.
func TestInfluxDashboardQueries(t *testing.T) {
	raw, err := os.ReadFile("grafana/polarbridge.json")
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d))

	srv, h := setup(t, nil)
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var recs []*pluginapi.Record
	for day := range 3 {
		date := from.AddDate(0, 0, day+1).Format(time.DateOnly)
		recs = append(recs,
			testrecords.Exercise("475", fmt.Sprintf("x%d", day), from.AddDate(0, 0, day).Add(17*time.Hour), 45*time.Minute),
			testrecords.Sleep("475", date), testrecords.NightlyRecharge("475", date))
	}
	exportOK(t, h, recs...)

	vars := strings.NewReplacer(
		"$timeFilter", fmt.Sprintf("time >= %dms and time <= %dms", from.UnixMilli(), from.AddDate(0, 0, 5).UnixMilli()),
		"$__interval", "10m",
		"$user", "475",
		"$exercise", "x1",
	)
	var queries []string
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			queries = append(queries, v.Query)
		}
	}
	var walk func([]dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			walk(p.Panels)
			for _, tg := range p.Targets {
				assert.True(t, tg.RawQuery, "%s: raw InfluxQL", p.Title)
				queries = append(queries, tg.Query)
			}
		}
	}
	walk(d.Panels)
	require.Greater(t, len(queries), 15)

	for _, q := range queries {
		q = vars.Replace(q)
		require.NotRegexp(t, `\$[\w{]`, q, "unfilled variable")
		series, err := srv.Query("polar", q)
		if !assert.NoError(t, err) {
			continue
		}
		values := 0
		for _, s := range series {
			for _, row := range s.Values {
				for _, v := range row[1:] {
					if v != nil {
						values++
					}
				}
			}
		}
		assert.Positive(t, values, "no data: %s", q)
	}
}
