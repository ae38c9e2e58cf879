package daemon_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testinflux"
)

// TestInfluxDBEndToEnd: AccessLink simulator → daemon → InfluxDB plugin
// binary → rows in a real InfluxDB.
func TestInfluxDBEndToEnd(t *testing.T) {
	influx := testinflux.Start(t)
	influx.CreateDatabase("polar")
	ps := startPolar(t, polarOpts{plugins: `plugins:
  influxdb:
    path: ` + binary(t, "plugins/influxdb") + `
    config:
      url: ` + influx.URL + `
      database: polar
      batch_max_points: 2000
`})
	user := ps.users[0]
	ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "TRAIL_RUNNING", Duration: 40 * time.Minute})
	require.NoError(t, err)
	night, err := ps.sim.AddSleep(user)
	require.NoError(t, err)
	ps.settle("influxdb")

	q := func(query string) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, s := range influx.MustQuery("polar", query) {
			for _, v := range s.Values {
				row := map[string]any{}
				for i, c := range s.Columns {
					row[c] = v[i]
				}
				out = append(out, row)
			}
		}
		return out
	}
	u := fmt.Sprint(user)
	sum := q(`SELECT * FROM exercise`)
	require.Len(t, sum, 1)
	assert.Equal(t, u, sum[0]["user"])
	assert.Equal(t, ex.ID, sum[0]["exercise_id"])
	assert.Equal(t, "TRAIL_RUNNING", sum[0]["detailed_sport"])
	assert.Equal(t, "TRAIL", sum[0]["fit_sub_sport"])
	assert.Equal(t, 2400.0, sum[0]["duration_seconds"])

	samples := q(fmt.Sprintf(`SELECT count(heart_rate) FROM exercise_sample WHERE exercise_id = '%s' AND "user" = '%s'`, ex.ID, u))
	require.Len(t, samples, 1)
	assert.InDelta(t, 2400, samples[0]["count"], 5, "about one heart-rate sample per second")

	sleep := q(`SELECT * FROM sleep`)
	require.Len(t, sleep, 1)
	assert.Equal(t, night.Date, sleep[0]["date"])
	day, err := time.Parse(time.DateOnly, night.Date)
	require.NoError(t, err)
	assert.Equal(t, float64(day.UnixMilli()), sleep[0]["time"])
	assert.NotEmpty(t, q(`SELECT stage FROM sleep_stage`))
	if night.HasRecharge {
		rc := q(`SELECT * FROM nightly_recharge`)
		require.Len(t, rc, 1)
		assert.Equal(t, night.Date, rc[0]["date"])
	}

	// Cardio load comes by polling (Polar has no webhook for it): one
	// point per day the exercise made calculable, status a field.
	ps.poll()
	ps.settle("influxdb")
	want := ps.cardioDays("")
	require.NotEmpty(t, want)
	cl := q(`SELECT * FROM cardio_load`)
	require.Len(t, cl, len(want))
	byDate := map[string]map[string]any{}
	for _, r := range cl {
		byDate[r["date"].(string)] = r
	}
	for _, c := range want {
		r := byDate[c.Date]
		require.NotNil(t, r, c.Date)
		// The plugin times a day by its date at UTC midnight, not by
		// day_start: points already written stay the ones replaced.
		day, err := time.Parse(time.DateOnly, c.Date)
		require.NoError(t, err)
		assert.Equal(t, float64(day.UnixMilli()), r["time"])
		assert.Equal(t, u, r["user"])
		assert.Equal(t, c.Status, r["status"])
		assert.Equal(t, []any{c.Load, c.Strain, c.Tolerance, c.Ratio, c.VeryHigh}, []any{r["cardio_load"], r["strain"], r["tolerance"], r["ratio"], r["level_very_high"]})
	}
}
