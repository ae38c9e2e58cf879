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

	"github.com/polarbridge/polarbridge/internal/testinflux"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

type dashboard struct {
	Panels      []dashPanel `json:"panels"`
	Annotations struct {
		List []struct {
			Query string `json:"query"`
		} `json:"list"`
	} `json:"annotations"`
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

// TestInfluxDashboardQueries runs every query of the Grafana dashboards,
// with their variables filled in as Grafana would, against simulated data.
func TestInfluxDashboardQueries(t *testing.T) {
	srv, h := setup(t, nil)
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var recs []*pluginapi.Record
	for day := range 3 {
		date := from.AddDate(0, 0, day+1).Format(time.DateOnly)
		recs = append(recs,
			testrecords.Exercise("475", fmt.Sprintf("x%d", day), from.AddDate(0, 0, day).Add(17*time.Hour), 45*time.Minute),
			testrecords.Sleep("475", date), testrecords.NightlyRecharge("475", date),
			testrecords.ContinuousHeartRate("475", date), testrecords.CardioLoad("475", date))
	}
	// Two team sessions of 4 players, 10 minutes at 10 Hz.
	for i, id := range []string{"S1", "S2"} {
		ts, ps := testrecords.TeamProSession("T1", id, from.AddDate(0, 0, i).Add(16*time.Hour), 10*time.Minute, 4)
		recs = append(append(recs, ts), ps...)
	}
	recs = append(recs, activityRecords("475", from.AddDate(0, 0, 1), 3)...)
	recs = append(recs, bioSleepWiseRecords(from)...)
	exportOK(t, h, recs...)

	vars := strings.NewReplacer(
		"$timeFilter", fmt.Sprintf("time >= %dms and time <= %dms", from.UnixMilli(), from.AddDate(0, 0, 5).UnixMilli()),
		"$__interval", "10m",
		"$user", "475",
		"$exercise", "x1",
		"$team", "FC T1",
		"$session", "(S1|S2)",
	)
	for _, file := range []string{"grafana/polarbridge.json", "grafana/polarbridge-team.json"} {
		t.Run(file, func(t *testing.T) { checkDashboard(t, srv, file, vars) })
	}
}

func checkDashboard(t *testing.T, srv *testinflux.Server, file string, vars *strings.Replacer) {
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d))
	var queries []string
	for _, a := range d.Annotations.List {
		queries = append(queries, a.Query)
	}
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
	require.Greater(t, len(queries), 8)

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
