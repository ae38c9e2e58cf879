package daemon_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

func (ps *polarSetup) poll() poller.Progress {
	ps.t.Helper()
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{})
	require.NoError(ps.t, err)
	return prog
}

// holdings counts what the simulator holds for the users, as exported
// records: exercises, nights and nightly recharges (about one night in ten
// has none, so which days the window covers changes the count).
func (ps *polarSetup) holdings() (exercises, nights, recharges int) {
	for _, u := range ps.users {
		exercises += len(ps.sim.Exercises(u))
		for _, n := range ps.sim.Nights(u) {
			nights++
			if n.HasRecharge {
				recharges++
			}
		}
	}
	return exercises, nights, recharges
}

// assertExportedOnce checks every item is exported exactly once and, with
// fetches > 0, that each exercise was fetched that many times.
func (ps *polarSetup) assertExportedOnce(fetches int) {
	ps.t.Helper()
	exercises, nights, recharges := ps.holdings()
	require.NotZero(ps.t, exercises)
	assert.Len(ps.t, ps.csv("exercises.csv"), exercises)
	assert.Len(ps.t, ps.csv("sleep.csv"), nights)
	assert.Len(ps.t, ps.csv("nightly_recharge.csv"), recharges)
	st := ps.sim.Stats()
	assert.Zero(ps.t, st.TooManyRequests, "the rate limit was respected")
	assert.Equal(ps.t, fetches*exercises, st.Requests["GET /v3/exercises/{exerciseID}"], "fetches per exercise")
	entries, err := dlq.New(ps.d.Bus).List(context.Background(), "")
	require.NoError(ps.t, err)
	assert.Empty(ps.t, entries)
}

func TestPollerAloneExportsEverythingOnce(t *testing.T) {
	ps := startPolar(t, polarOpts{users: 2, history: 4, noHook: true})
	prog := ps.poll()
	ps.settle()
	exercises, nights, recharges := ps.holdings()
	cardio := len(ps.cardioDays(""))
	require.NotZero(t, cardio)
	heartRate := len(ps.heartRateDays())
	require.NotZero(t, heartRate)
	assert.Equal(t, exercises+nights+recharges+cardio+heartRate+ps.listedHoldings(), prog.Queued+prog.Known, "every item listed")
	ps.assertExportedOnce(1)
	assert.Len(t, ps.csv("cardio_load.csv"), cardio)

	// Nothing new: the next cycle costs one list call per user and kind
	// that is listed, and the one pull notifications call (no user has
	// activity or physical information waiting, so no transaction is
	// started).
	before := ps.sim.Stats()
	prog = ps.poll()
	ps.settle()
	after := ps.sim.Stats()
	assert.Zero(t, prog.Queued+prog.Changed)
	listedKinds := len(poller.AllKinds) - 2 // daily activity and physical information are transactions
	assert.Equal(t, listedKinds*len(ps.users)+1, totalRequests(after)-totalRequests(before))
	ps.assertExportedOnce(1)
}

func TestWebhookAndPollerEachItemOnce(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	user := ps.users[0]
	_, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	_, err = ps.sim.AddSleep(user)
	require.NoError(t, err)
	// The webhook's events are processed, then the poller lists the
	// items: an exercise taken in through a webhook and listed unedited
	// is not fetched again (its summary's fingerprint is compared), the
	// night rides on its event; nothing is exported twice, and later
	// cycles fetch nothing.
	ps.settle()
	ps.poll()
	ps.settle()
	prog := ps.poll()
	ps.settle()
	assert.Zero(t, prog.Queued+prog.Changed)
	ps.assertExportedOnce(1)
	prog = ps.poll()
	assert.Zero(t, prog.Queued+prog.Changed)
	ps.settle()
	ps.assertExportedOnce(1)
}

func TestDroppedPushCaughtByPoller(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	user := ps.users[0]
	_, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute}, accesslinksim.Drop())
	require.NoError(t, err)
	_, err = ps.sim.AddSleep(user, accesslinksim.Drop())
	require.NoError(t, err)
	ps.settle()
	assert.Empty(t, ps.csv("exercises.csv"))

	prog := ps.poll()
	// The recharge rides on the night's SLEEP event (same Msg-Id); the
	// exercise makes cardio load days (Polar pushes nothing for them).
	assert.Equal(t, 2+len(ps.cardioDays(""))+ps.listedHoldings(), prog.Queued, "exercise, night, cardio load days, SleepWise and biosensing")
	ps.settle()
	ps.assertExportedOnce(1)
}

func TestEditedExerciseUpdatesItsRow(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	user := ps.users[0]
	ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	ps.settle()
	ps.poll() // fingerprints the listing
	ps.settle()
	before := ps.csv("exercises.csv")
	require.Len(t, before, 1)

	_, err = ps.sim.EditExercise(ex.ID, accesslinksim.ExerciseEdit{Calories: 999})
	require.NoError(t, err)
	prog := ps.poll()
	assert.Equal(t, 1, prog.Changed)
	ps.settle()
	after := ps.csv("exercises.csv")
	require.Len(t, after, 1, "one row, updated")
	assert.Equal(t, "999", after[0]["calories_kcal"])
	assert.NotEqual(t, before[0]["version"], after[0]["version"])
	assert.Equal(t, 2, ps.sim.Stats().Requests["GET /v3/exercises/{exerciseID}"], "webhook and the change (the first listing found it unedited)")

	// Unchanged since: no record, no fetch.
	assert.Zero(t, ps.poll().Changed)
}

func TestBackfillSurvivesRestart(t *testing.T) {
	ps := startPolar(t, polarOpts{users: 2, history: 5, noHook: true})
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Since: ps.clock.Now().AddDate(0, 0, -28)})
	require.NoError(t, err)
	require.NotZero(t, prog.Queued)
	// Stop while the worker is in the middle of the queue.
	ps.restart()
	// A second backfill while the daemon runs: nothing is queued twice.
	prog2, err := ps.d.PollOnce(context.Background(), poller.Scope{Since: ps.clock.Now().AddDate(0, 0, -28)})
	require.NoError(t, err)
	assert.Zero(t, prog2.Queued)
	ps.settle()
	exercises, nights, recharges := ps.holdings()
	assert.Len(t, ps.csv("exercises.csv"), exercises)
	assert.Len(t, ps.csv("sleep.csv"), nights)
	assert.Len(t, ps.csv("nightly_recharge.csv"), recharges)
	assert.Zero(t, ps.sim.Stats().TooManyRequests)
}

func TestSilentWebhookReported(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	_, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 10 * time.Minute}, accesslinksim.Drop())
	require.NoError(t, err)
	// The webhook exists but never delivered anything, while the poller
	// finds new data.
	assert.Equal(t, 1+len(ps.cardioDays("")), ps.poll().Queued, "the exercise and its cardio load days")
	assert.Equal(t, 1.0, gaugeValue(t, ps.harness, "polarbridge_webhook_silent"))
}

func totalRequests(st accesslinksim.Stats) int {
	n := 0
	// Every data call: the GETs, and the transactions' POST (create) and
	// PUT (commit); not the set-up (registering users, the webhook).
	for route, c := range st.Requests {
		if strings.HasPrefix(route, "GET /v3/") || strings.Contains(route, "-transactions") {
			n += c
		}
	}
	return n
}

func gaugeValue(t testing.TB, h *harness, name string) float64 {
	t.Helper()
	mfs, err := h.d.Metrics.Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

// An exercise edited after its webhook but before the poller first listed
// it: Polar sends no webhook for edits, and the catch-up poll must notice.
func TestEditBeforeFirstPollPickedUp(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	ex, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	ps.settle()
	_, err = ps.sim.EditExercise(ex.ID, accesslinksim.ExerciseEdit{Calories: 777})
	require.NoError(t, err)
	ps.poll()
	ps.settle()
	rows := ps.csv("exercises.csv")
	require.Len(t, rows, 1)
	assert.Equal(t, "777", rows[0]["calories_kcal"])
}
