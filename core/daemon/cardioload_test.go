package daemon_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// cardioDays are the days of cardio load the simulator can calculate for
// the users from their local date from to their local today (from zero:
// the last 28 days, what GET /v3/users/cardio-load/ lists).
func (ps *polarSetup) cardioDays(from string) []accesslinksim.CardioLoadDay {
	var out []accesslinksim.CardioLoadDay
	for _, u := range ps.sim.Users() {
		today := ps.clock.Now().In(u.Location)
		first := today.AddDate(0, 0, -27).Format(time.DateOnly)
		if from != "" {
			first = from
		}
		for d := today; d.Format(time.DateOnly) >= first; d = d.AddDate(0, 0, -1) {
			if c := ps.sim.CardioLoad(u.ID, d.Format(time.DateOnly)); c.Available {
				out = append(out, c)
			}
		}
	}
	return out
}

// assertCardioCSV checks cardio_load.csv holds each day once, as the
// simulator serves it, starting at the user's local midnight (the
// harness adds each user with the simulator's zone). It returns the rows
// by date (for one user's tests).
func (ps *polarSetup) assertCardioCSV(want []accesslinksim.CardioLoadDay) map[string]map[string]string {
	ps.t.Helper()
	rows, byDate := map[string]map[string]string{}, map[string]map[string]string{}
	for _, r := range ps.csv("cardio_load.csv") {
		rows[r["key"]] = r
		byDate[r["date"]] = r
	}
	require.Len(ps.t, rows, len(want))
	assert.Len(ps.t, ps.csv("cardio_load.csv"), len(want), "one row per day")
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, c := range want {
		r := rows[fmt.Sprintf("cardio_load.%d.%s", c.UserID, c.Date)]
		require.NotNil(ps.t, r, "user %d, %s", c.UserID, c.Date)
		assert.Equal(ps.t, fmt.Sprint(c.UserID), r["user_id"])
		assert.Equal(ps.t, ps.localMidnightUTC(c.UserID, c.Date), r["day_start_utc"], "user %d, %s", c.UserID, c.Date)
		assert.Equal(ps.t, c.Status, r["status"])
		assert.Equal(ps.t, []string{f(c.Load), f(c.Strain), f(c.Tolerance), f(c.Ratio), f(c.VeryLow), f(c.Low), f(c.Medium), f(c.High), f(c.VeryHigh)},
			[]string{r["cardio_load"], r["strain"], r["tolerance"], r["ratio"], r["level_very_low"], r["level_low"], r["level_medium"], r["level_high"], r["level_very_high"]}, c.Date)
	}
	return byDate
}

// localMidnightUTC is the start of date in the simulator user's zone, as
// the CSV writes it.
func (ps *polarSetup) localMidnightUTC(user int64, date string) string {
	ps.t.Helper()
	for _, u := range ps.sim.Users() {
		if u.ID == user {
			d, err := time.ParseInLocation(time.DateOnly, date, u.Location)
			require.NoError(ps.t, err)
			require.Equal(ps.t, date, d.Format(time.DateOnly), "the simulator's zones have every midnight")
			return d.UTC().Format(time.RFC3339)
		}
	}
	ps.t.Fatalf("no simulator user %d", user)
	return ""
}

// Polar has no webhook for cardio load: a poll lists the last 28 days in
// one call and every day it could calculate becomes a row; the days
// travel in their events, so nothing else is fetched.
func TestPollerCardioLoadToCSV(t *testing.T) {
	ps := startPolar(t, polarOpts{history: 5, noHook: true})
	ps.poll()
	ps.settle()
	want := ps.cardioDays("")
	require.NotEmpty(t, want)
	ps.assertCardioCSV(want)
	st := ps.sim.Stats().Requests
	assert.Equal(t, 1, st["GET /v3/users/cardio-load/{$}"])
	assert.Zero(t, st["GET /v3/users/cardio-load/{date}"]+st["GET /v3/users/cardio-load/date"])

	assert.Zero(t, ps.poll().Queued, "nothing new")
}

// A day Polar re-computes (a session synced later that day) is a new
// version of its key: one row, updated.
func TestRecomputedCardioLoadDayUpdatesItsRow(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) // far from any user's midnight
	ps := startPolar(t, polarOpts{at: at, history: 5, noHook: true})
	ps.poll()
	ps.settle()
	before := ps.assertCardioCSV(ps.cardioDays(""))

	require.NoError(t, ps.clock.Sleep(context.Background(), time.Hour))
	ex, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 45 * time.Minute})
	require.NoError(t, err)
	day := ex.Start.Format(time.DateOnly)
	require.Equal(t, ps.clock.Now().In(ex.Start.Location()).Format(time.DateOnly), day, "the session is today's")
	prog := ps.poll()
	assert.Equal(t, 1, prog.Changed, "today re-computed")
	ps.settle()

	after := ps.assertCardioCSV(ps.cardioDays(""))
	require.NotNil(t, before[day])
	assert.NotEqual(t, before[day]["version"], after[day]["version"])
	oldLoad, _ := strconv.ParseFloat(before[day]["cardio_load"], 64)
	newLoad, _ := strconv.ParseFloat(after[day]["cardio_load"], 64)
	assert.Greater(t, newLoad, oldLoad)
	for d, r := range before {
		if d != day {
			assert.Equal(t, r["version"], after[d]["version"], "%s is unchanged", d)
		}
	}
}

// A cardio load backfill costs one ranged call per 28 days, not one per
// day: 56 days from Since's date to the latest date on Earth are 2 calls.
func TestBackfillCardioLoadCallsPer28Days(t *testing.T) {
	ps := startPolar(t, polarOpts{history: 70, noHook: true})
	// defaultInstant is 2026-12-01 21:45 UTC: 2026-12-02 in UTC+14.
	since := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 55*24*time.Hour, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC).Sub(since))
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: []string{poller.KindCardioLoad}, Since: since})
	require.NoError(t, err)
	ps.settle()
	want := ps.cardioDays("2026-10-08")
	assert.Equal(t, len(want), prog.Queued)
	assert.Greater(t, len(want), 28, "more days than one call holds")
	ps.assertCardioCSV(want)
	st := ps.sim.Stats().Requests
	assert.Equal(t, 2, st["GET /v3/users/cardio-load/date"], "one call per 28 days")
	assert.Zero(t, st["GET /v3/users/cardio-load/{$}"]+st["GET /v3/users/cardio-load/{date}"])
	assert.Equal(t, 2, totalRequests(ps.sim.Stats()), "nothing else")
}
