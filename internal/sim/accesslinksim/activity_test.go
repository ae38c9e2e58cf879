package accesslinksim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decodeBody[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(r.body, &v), string(r.body))
	return v
}

func TestActivityTransactions(t *testing.T) {
	e := newEnv(t)
	tok, userID := e.loginRegistered(t)
	auth := bearer(tok)
	base := fmt.Sprintf("/v3/users/%d/activity-transactions", userID)

	require.Equal(t, http.StatusNoContent, e.do(t, http.MethodPost, base, auth, "").StatusCode, "nothing synced yet")
	assert.Empty(t, noteTypes(t, e), "no activity notified")

	// The day synced at 10:00 local, then again the next day: two
	// summaries of one date, the later one covering the whole day.
	u := e.sim.usersByID[userID]
	yesterday := testNow.In(u.loc).AddDate(0, 0, -1)
	date := yesterday.Format(dateLayout)
	noon := time.Date(yesterday.Year(), yesterday.Month(), yesterday.Day(), 10, 0, 0, 0, u.loc)
	first, err := e.sim.SyncActivity(userID, ActivitySpec{Date: date, UpTo: noon})
	require.NoError(t, err)
	e.clock.Advance(time.Minute)
	second, err := e.sim.SyncActivity(userID, ActivitySpec{Date: date})
	require.NoError(t, err)
	assert.Greater(t, second.ActiveSteps, first.ActiveSteps, "the full day has more steps than its morning")
	assert.True(t, second.Created.After(first.Created))

	assert.Equal(t, []string{"ACTIVITY_SUMMARY"}, noteTypes(t, e))

	created := e.do(t, http.MethodPost, base, auth, "")
	require.Equal(t, http.StatusCreated, created.StatusCode)
	loc := decodeBody[map[string]any](t, created)
	txID := int64(loc["transaction-id"].(float64))
	list := decodeBody[map[string][]string](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%d", base, txID), auth, ""))
	require.Len(t, list["activity-log"], 2)
	require.Equal(t, http.StatusNoContent, e.do(t, http.MethodPost, base, auth, "").StatusCode, "both are in the open transaction")

	sum := decodeBody[map[string]any](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%d/activities/%d", base, txID, second.ID), auth, ""))
	requireKeys(t, sum, "id", "polar-user", "transaction-id", "date", "created", "calories", "active-calories", "duration", "active-steps")
	assert.Equal(t, date, sum["date"])
	steps := decodeBody[map[string]any](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%d/activities/%d/step-samples", base, txID, second.ID), auth, ""))
	samples := steps["samples"].([]any)
	assert.Len(t, samples, 24, "a full (non-DST) day, hourly")
	assert.Nil(t, samples[3].(map[string]any)["steps"], "a null segment, as documented")
	zones := decodeBody[map[string]any](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%d/activities/%d/zone-samples", base, txID, second.ID), auth, ""))
	requireKeys(t, zones["samples"].([]any)[12].(map[string]any), "activity-zones", "time")

	// Not committed within 10 minutes: disbanded (404), and the data
	// comes back in the next transaction.
	e.clock.Advance(11 * time.Minute)
	assert.Equal(t, http.StatusNotFound, e.do(t, http.MethodGet, fmt.Sprintf("%s/%d", base, txID), auth, "").StatusCode)
	again := decodeBody[map[string]any](t, e.do(t, http.MethodPost, base, auth, ""))
	txID = int64(again["transaction-id"].(float64))
	list = decodeBody[map[string][]string](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%d", base, txID), auth, ""))
	require.Len(t, list["activity-log"], 2)

	e.sim.FailCommits(true)
	assert.Equal(t, http.StatusInternalServerError, e.do(t, http.MethodPut, fmt.Sprintf("%s/%d", base, txID), auth, "").StatusCode)
	e.sim.FailCommits(false)
	require.Equal(t, http.StatusOK, e.do(t, http.MethodPut, fmt.Sprintf("%s/%d", base, txID), auth, "").StatusCode)
	assert.Equal(t, http.StatusNoContent, e.do(t, http.MethodPost, base, auth, "").StatusCode, "committed data is gone")
	for _, s := range e.sim.ActivitySummaries(userID) {
		assert.True(t, s.Committed)
	}
	st := e.sim.Stats().Requests
	assert.Equal(t, 5, st["POST /v3/users/{userID}/activity-transactions"], "204, 201, 204 (open), 201 (disbanded), 204 (committed)")
	assert.Equal(t, 2, st["PUT /v3/users/{userID}/activity-transactions/{txID}"])
}

func TestActivityTransactionHoldsAtMost50(t *testing.T) {
	e := newEnv(t)
	tok, userID := e.loginRegistered(t)
	for i := range 55 {
		_, err := e.sim.SyncActivity(userID, ActivitySpec{Date: testNow.AddDate(0, 0, -(i%25)-1).Format(dateLayout)})
		require.NoError(t, err)
	}
	base := fmt.Sprintf("/v3/users/%d/activity-transactions", userID)
	loc := decodeBody[map[string]any](t, e.do(t, http.MethodPost, base, bearer(tok), ""))
	list := decodeBody[map[string][]string](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%v", base, loc["transaction-id"]), bearer(tok), ""))
	assert.Len(t, list["activity-log"], 50)
	loc = decodeBody[map[string]any](t, e.do(t, http.MethodPost, base, bearer(tok), ""))
	list = decodeBody[map[string][]string](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%v", base, loc["transaction-id"]), bearer(tok), ""))
	assert.Len(t, list["activity-log"], 5, "the rest in a second one")
}

func TestActivityDSTDayHas25Hours(t *testing.T) {
	// Europe/Helsinki leaves DST on 2025-10-26: 01:00-... the 03:00 hour repeats.
	clock := &fakeClock{t: time.Date(2025, 10, 28, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, WithClock(clock.Now))
	e.clock = clock
	tok, userID := e.loginRegistered(t)
	u := e.sim.usersByID[userID]
	require.Equal(t, "Europe/Helsinki", u.loc.String())
	sm, err := e.sim.SyncActivity(userID, ActivitySpec{Date: "2025-10-26"})
	require.NoError(t, err)
	base := fmt.Sprintf("/v3/users/%d/activity-transactions", userID)
	loc := decodeBody[map[string]any](t, e.do(t, http.MethodPost, base, bearer(tok), ""))
	steps := decodeBody[map[string]any](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%v/activities/%d/step-samples", base, loc["transaction-id"], sm.ID), bearer(tok), ""))
	samples := steps["samples"].([]any)
	require.Len(t, samples, 25)
	assert.Equal(t, "03:00:00.000", samples[3].(map[string]any)["time"])
	assert.Equal(t, "03:00:00.000", samples[4].(map[string]any)["time"], "the repeated hour")
}

func TestPhysicalInformationTransaction(t *testing.T) {
	e := newEnv(t)
	tok, userID := e.loginRegistered(t)
	base := fmt.Sprintf("/v3/users/%d/physical-information-transactions", userID)
	require.Equal(t, http.StatusNoContent, e.do(t, http.MethodPost, base, bearer(tok), "").StatusCode)
	id, err := e.sim.AddPhysicalInformation(userID, PhysicalSpec{Weight: 71.5, Measured: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"PHYSICAL_INFORMATION"}, noteTypes(t, e))
	loc := decodeBody[map[string]any](t, e.do(t, http.MethodPost, base, bearer(tok), ""))
	list := decodeBody[map[string][]string](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%v", base, loc["transaction-id"]), bearer(tok), ""))
	require.Len(t, list["physical-informations"], 1)
	p := decodeBody[map[string]any](t, e.do(t, http.MethodGet, fmt.Sprintf("%s/%v/physical-informations/%d", base, loc["transaction-id"], id), bearer(tok), ""))
	requireKeys(t, p, "id", "transaction-id", "created", "polar-user", "weight", "height", "maximum-heart-rate", "resting-heart-rate",
		"aerobic-threshold", "anaerobic-threshold", "vo2-max", "weight-source")
	assert.Equal(t, 71.5, p["weight"])
	assert.Equal(t, "SOURCE_MEASURED", p["weight-source"])
	require.Equal(t, http.StatusOK, e.do(t, http.MethodPut, fmt.Sprintf("%s/%v", base, loc["transaction-id"]), bearer(tok), "").StatusCode)
	assert.Empty(t, noteTypes(t, e), "committed: nothing notified")
}

// noteTypes is the pull notifications' data types other than EXERCISE
// (the generated history holds exercises).
func noteTypes(t *testing.T, e *env) []string {
	t.Helper()
	r := e.do(t, http.MethodGet, "/v3/notifications", e.basic(), "")
	if r.StatusCode == http.StatusNoContent {
		return nil
	}
	var out []string
	for _, d := range decodeBody[map[string][]map[string]any](t, r)["available-user-data"] {
		if d["data-type"] != "EXERCISE" {
			out = append(out, d["data-type"].(string))
		}
	}
	return out
}
