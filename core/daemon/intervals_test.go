package daemon_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/sim/intervalssim"
	"github.com/polarbridge/polarbridge/plugins/intervals/intervalsexport"
)

const ivUpload = "POST /api/v1/athlete/{id}/activities"

// startIntervals runs the daemon with the Polar simulator, the CSV
// plugin (the records' values, to compare with) and the intervals.icu
// plugin pointed at the fake, its API key given as the environment
// variable the README names.
func startIntervals(t *testing.T, logs *logBuffer, extra string) (*polarSetup, *intervalssim.Sim) {
	t.Helper()
	sim := intervalssim.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	t.Setenv("POLARBRIDGE_PLUGINS__INTERVALS__CONFIG__API_KEY", sim.APIKey())
	ps := startPolar(t, polarOpts{log: logs.logger(), plugins: fmt.Sprintf(`plugins:
  csv:
    path: %s
    config:
      dir: export
  intervals:
    path: %s
    config:
      api_url: %s/api/v1
%s`, binary(t, "plugins/csv"), binary(t, "plugins/intervals"), srv.URL, extra)})
	return ps, sim
}

// checkWellness compares the fake's wellness of a night with the
// records' values as the CSV plugin wrote them.
func checkWellness(t *testing.T, ps *polarSetup, sim *intervalssim.Sim, date string) {
	t.Helper()
	num := func(row map[string]string, col string) float64 {
		v, err := strconv.ParseFloat(row[col], 64)
		require.NoError(t, err, "%s = %q", col, row[col])
		return v
	}
	find := func(file string) map[string]string {
		for _, r := range ps.csv(file) {
			if r["date"] == date {
				return r
			}
		}
		t.Fatalf("%s has no row for %s", file, date)
		return nil
	}
	sl, nr := find("sleep.csv"), find("nightly_recharge.csv")
	w := sim.Wellness(date)
	require.NotNil(t, w, "wellness of %s", date)
	assert.Equal(t, num(sl, "light_sleep_s")+num(sl, "deep_sleep_s")+num(sl, "rem_sleep_s")+num(sl, "unrecognized_sleep_s"), w["sleepSecs"], date)
	assert.Equal(t, num(sl, "sleep_score"), w["sleepScore"], date)
	if q := intervalsexport.SleepQuality(int32(num(sl, "sleep_rating"))); q > 0 {
		assert.Equal(t, float64(q), w["sleepQuality"], date)
	} else {
		assert.NotContains(t, w, "sleepQuality", date)
	}
	assert.Equal(t, num(nr, "hrv_avg_ms"), w["hrv"], date)
	assert.Equal(t, num(nr, "heart_rate_avg_bpm"), w["restingHR"], date)
	assert.InDelta(t, num(nr, "breathing_rate_avg_brpm"), w["respiration"], 1e-9, date)
}

// TestIntervalsEndToEnd: exercises become one activity each, across a
// daemon restart; nights become wellness equal to the records; a
// re-synced night updates it; the API key never reaches the log.
func TestIntervalsEndToEnd(t *testing.T) {
	var logs logBuffer
	ps, sim := startIntervals(t, &logs, "")
	user := ps.users[0]
	sports := map[string]string{"TRAIL_RUNNING": "TrailRun", "MOUNTAIN_BIKING": "MountainBikeRide", "INDOOR_CYCLING": "Ride", "YOGA": "Yoga"}
	want := map[string]string{}  // exercise id → type
	start := map[string]string{} // exercise id → local start
	for sport, typ := range sports {
		ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: sport, Duration: 30 * time.Minute})
		require.NoError(t, err)
		want[ex.ID], start[ex.ID] = typ, ex.Start.Format("2006-01-02T15:04:05")
	}
	manual, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 25 * time.Minute, NoFIT: true})
	require.NoError(t, err)
	want[manual.ID] = "Run"
	night, err := ps.sim.AddSleep(user)
	require.NoError(t, err)
	ps.settle("csv", "intervals")

	check := func() {
		t.Helper()
		acts := sim.Activities()
		require.Len(t, acts, len(want), "one activity per exercise")
		for _, a := range acts {
			assert.Equal(t, want[a.ExternalID], a.Type, "exercise %s", a.ExternalID)
			if a.ExternalID == manual.ID {
				assert.Equal(t, "MANUAL", a.Source)
			}
			if s, found := start[a.ExternalID]; found {
				assert.Equal(t, s, a.StartDateLocal, "the user's local time")
			}
		}
	}
	check()
	checkWellness(t, ps, sim, night.Date)
	req := sim.Requests()
	assert.Equal(t, len(want)-1, req[ivUpload], "one upload per exercise with a file")
	// Sleep and recharge are published one after the other: they share
	// a PUT when one batch takes both, and take one each when delivery
	// was quicker than the second publish (as on a loaded machine).
	assert.LessOrEqual(t, req["PUT /api/v1/athlete/{id}/wellness/{date}"], 2, "at most one wellness PUT per record of the night")
	assert.Positive(t, req["PUT /api/v1/athlete/{id}/wellness/{date}"])

	// Polar re-syncs the night with other values: a new version.
	night2, err := ps.sim.AddSleep(user)
	require.NoError(t, err)
	require.Equal(t, night.Date, night2.Date)
	ps.settle("csv", "intervals")
	checkWellness(t, ps, sim, night.Date)

	// A restart redelivers nothing twice; a new exercise after it (found
	// by the poller: the push went to the old daemon's address) is one
	// more activity.
	ps.restart()
	ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "WALKING", Duration: 45 * time.Minute})
	require.NoError(t, err)
	want[ex.ID] = "Walk"
	ps.poll()
	ps.settle("csv", "intervals")
	check()
	assert.Equal(t, len(want)-1, sim.Requests()[ivUpload])

	entries, err := dlq.New(ps.d.Bus).List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, entries)
	assert.NotContains(t, logs.String(), sim.APIKey(), "the API key is never logged")
	t.Logf("intervals.icu calls: %v", sim.Requests())
}

// TestIntervalsPluginKilledAfterUpload: the plugin is killed (SIGKILL)
// after intervals.icu created the activity and before its receipt was
// stored; the daemon restarts it and redelivers, the second upload is
// answered "all duplicates", and the exercise stays one activity.
func TestIntervalsPluginKilledAfterUpload(t *testing.T) {
	var logs logBuffer
	ps, sim := startIntervals(t, &logs, "      testing:\n        exit_after_upload: true\n")
	ex, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "HIKING", Duration: time.Hour})
	require.NoError(t, err)
	ps.settle("csv", "intervals")
	acts := sim.Activities()
	require.Len(t, acts, 1)
	assert.Equal(t, ex.ID, acts[0].ExternalID)
	assert.Equal(t, "Hiking with Polar", acts[0].Name, "adopted as its own, so named")
	assert.Equal(t, 2, sim.Requests()[ivUpload], "uploaded again after the kill, answered as a duplicate")
	assert.Contains(t, logs.String(), "killing the process before the receipt is stored")
	entries, err := dlq.New(ps.d.Bus).List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// TestIntervalsRevokedKeyDeadLettersThenReplays: the athlete regenerated
// the API key; exports dead-letter saying what to do, without the key;
// with the new key configured, a replay delivers each record once.
func TestIntervalsRevokedKeyDeadLettersThenReplays(t *testing.T) {
	var logs logBuffer
	ps, sim := startIntervals(t, &logs, "")
	old := sim.APIKey()
	sim.SetAPIKey("regenerated-api-key-4242")
	user := ps.users[0]
	_, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "ROAD_BIKING", Duration: time.Hour})
	require.NoError(t, err)
	night, err := ps.sim.AddSleep(user)
	require.NoError(t, err)
	ps.settle("csv", "intervals")

	q := dlq.New(ps.d.Bus)
	var entries []dlq.Entry
	require.Eventually(t, func() bool {
		entries, err = q.List(context.Background(), "intervals")
		return err == nil && len(entries) >= 3
	}, 30*time.Second, 50*time.Millisecond, "the exercise, the sleep and the recharge are dead letters")
	for _, e := range entries {
		assert.Contains(t, e.Error, "check the API key", e.Key)
		assert.Contains(t, e.Error, "POLARBRIDGE_PLUGINS__INTERVALS__CONFIG__API_KEY")
		assert.NotContains(t, e.Error, old)
	}
	assert.Empty(t, sim.Activities())

	// The user puts the new key in the environment and restarts.
	p := ps.cfg.Plugins["intervals"]
	p.Config["api_key"] = "regenerated-api-key-4242"
	ps.cfg.Plugins["intervals"] = p
	ps.restart()
	refused := sim.Requests()[ivUpload]
	q = dlq.New(ps.d.Bus)
	n, err := q.Replay(context.Background(), "intervals", nil)
	require.NoError(t, err)
	assert.Equal(t, len(entries), n)
	ps.settle("csv", "intervals")
	require.Len(t, sim.Activities(), 1)
	checkWellness(t, ps, sim, night.Date)
	assert.Equal(t, refused+1, sim.Requests()[ivUpload], "refused attempts created nothing; the replay uploads once")
	after, err := q.List(context.Background(), "intervals")
	require.NoError(t, err)
	assert.Empty(t, after)
	assert.NotContains(t, logs.String(), old)
	assert.NotContains(t, logs.String(), "regenerated-api-key-4242")
}
