package accesslinksim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cardioList(t *testing.T, r response) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.StatusCode, string(r.body))
	var list []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &list), string(r.body))
	return list
}

func TestCardioLoadEndpoints(t *testing.T) {
	e := newEnv(t, WithHistoryDays(40))
	tok, userID := e.loginRegistered(t)
	u := e.sim.usersByID[userID]
	today := testNow.In(u.loc).Format(dateLayout)

	list := cardioList(t, e.do(t, http.MethodGet, "/v3/users/cardio-load/", bearer(tok), ""))
	require.Len(t, list, 28, "the last 28 days")
	assert.Equal(t, today, list[27]["date"])
	assert.Equal(t, testNow.In(u.loc).AddDate(0, 0, -27).Format(dateLayout), list[0]["date"])
	requireKeys(t, list[27], "date", "cardio_load_status", "cardio_load", "strain", "tolerance", "cardio_load_ratio", "cardio_load_level")
	level := list[27]["cardio_load_level"].(map[string]any)
	requireKeys(t, level, "very_low", "low", "medium", "high", "very-high")
	requireNoKeys(t, level, "very_high")

	// The day's load is the sum of that day's training loads; strain and
	// tolerance average the days before it.
	var loads [28]float64
	for _, ex := range e.sim.exercises {
		if ex.userID != userID {
			continue
		}
		for i, day := range list {
			if ex.start.In(u.loc).Format(dateLayout) == day["date"] {
				loads[i] += ex.trainingLoad
			}
		}
	}
	var week, month float64
	for i, l := range loads {
		month += l
		if i >= 21 {
			week += l
		}
	}
	require.NotZero(t, month, "40 days of history hold training")
	last := list[27]
	assert.InDelta(t, loads[27], last["cardio_load"], 0.05)
	assert.InDelta(t, week/7, last["strain"], 0.05)
	assert.InDelta(t, month/28, last["tolerance"], 0.05)
	assert.InDelta(t, (week/7)/(month/28), last["cardio_load_ratio"], 0.01)
	assert.Contains(t, []any{"DETRAINING", "MAINTAINING", "PRODUCTIVE", "OVERREACHING"}, last["cardio_load_status"])

	one := cardioList(t, e.do(t, http.MethodGet, "/v3/users/cardio-load/"+today, bearer(tok), ""))
	require.Len(t, one, 1, "a list even for one date")
	assert.Equal(t, last, one[0])

	from := testNow.In(u.loc).AddDate(0, 0, -59).Format(dateLayout)
	rng := cardioList(t, e.do(t, http.MethodGet, "/v3/users/cardio-load/date?from="+from+"&to="+today, bearer(tok), ""))
	require.Len(t, rng, 60, "every day of the range")
	assert.Equal(t, "LOAD_STATUS_NOT_AVAILABLE", rng[0]["cardio_load_status"], "no training in the 28 days before history starts")
	assert.Zero(t, rng[0]["cardio_load"])
	assert.Equal(t, last, rng[59])

	days := cardioList(t, e.do(t, http.MethodGet, "/v3/users/cardio-load/period/days/3", bearer(tok), ""))
	require.Len(t, days, 3)
	assert.Equal(t, today, days[2]["date"])
	months := cardioList(t, e.do(t, http.MethodGet, "/v3/users/cardio-load/period/months/1", bearer(tok), ""))
	assert.Equal(t, testNow.In(u.loc).AddDate(0, -1, 1).Format(dateLayout), months[0]["date"])
	assert.Equal(t, today, months[len(months)-1]["date"])

	ahead := testNow.In(u.loc).AddDate(0, 0, 2).Format(dateLayout)
	future := cardioList(t, e.do(t, http.MethodGet, "/v3/users/cardio-load/"+ahead, bearer(tok), ""))
	assert.Equal(t, "LOAD_STATUS_NOT_AVAILABLE", future[0]["cardio_load_status"])

	for _, bad := range []string{"/v3/users/cardio-load/2026-13-01", "/v3/users/cardio-load/date?from=" + today,
		"/v3/users/cardio-load/date?from=" + today + "&to=" + from, "/v3/users/cardio-load/period/days/0", "/v3/users/cardio-load/period/months/x"} {
		assert.Equal(t, http.StatusBadRequest, e.do(t, http.MethodGet, bad, bearer(tok), "").StatusCode, bad)
	}
	assert.Equal(t, http.StatusUnauthorized, e.do(t, http.MethodGet, "/v3/users/cardio-load/", bearer("nope"), "").StatusCode)

	st := e.sim.Stats().Requests
	assert.Equal(t, 2, st["GET /v3/users/cardio-load/{$}"])
	assert.Equal(t, 3, st["GET /v3/users/cardio-load/{date}"])
	assert.Equal(t, 3, st["GET /v3/users/cardio-load/date"])
}

// A new exercise re-computes its day: the load grows by its training load.
func TestCardioLoadRecomputedByNewExercise(t *testing.T) {
	e := newEnv(t, WithHistoryDays(10))
	_, userID := e.loginRegistered(t)
	today := testNow.In(e.sim.usersByID[userID].loc).Format(dateLayout)
	before := e.sim.CardioLoad(userID, today)
	e.clock.Advance(2 * time.Hour)
	ex, err := e.sim.AddExercise(userID, ExerciseSpec{DetailedSport: "RUNNING", Duration: 40 * time.Minute})
	require.NoError(t, err)
	require.Equal(t, today, ex.Start.Format(dateLayout))
	after := e.sim.CardioLoad(userID, today)
	require.True(t, after.Available)
	assert.InDelta(t, before.Load+e.sim.exByHash[ex.ID].trainingLoad, after.Load, 0.11)
	assert.Greater(t, after.Strain, before.Strain)
}
