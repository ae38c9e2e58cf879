package accesslinksim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// orderedKeys returns the keys of the JSON object at field in raw order.
func orderedKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var v any
		require.NoError(t, dec.Decode(&v))
	}
	return keys
}

// requireChronological checks "HH:MM" keys advance in time from start,
// wrapping past midnight at most once.
func requireChronological(t *testing.T, keys []string, start time.Time) {
	t.Helper()
	require.NotEmpty(t, keys)
	prev := -1
	wraps := 0
	startMin := start.Hour()*60 + start.Minute()
	for _, k := range keys {
		c, err := time.Parse("15:04", k)
		require.NoError(t, err)
		m := c.Hour()*60 + c.Minute()
		if m < startMin {
			m += 24 * 60
		}
		if m <= prev {
			wraps++
		}
		prev = m
	}
	assert.Zero(t, wraps, "keys out of order: %v", keys)
}

func TestSleepShapeAndMidnightOrder(t *testing.T) {
	e := newEnv(t, WithHistoryDays(20))
	tok, _ := e.loginRegistered(t)
	resp := e.do(t, http.MethodGet, "/v3/users/sleep", bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct {
		Nights []json.RawMessage `json:"nights"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &body))
	require.NotEmpty(t, body.Nights)

	var beforeMidnight, afterMidnight int
	for _, raw := range body.Nights {
		var m map[string]any
		require.NoError(t, json.Unmarshal(raw, &m))
		requireKeys(t, m, "polar_user", "date", "sleep_start_time", "sleep_end_time", "device_id", "continuity",
			"continuity_class", "light_sleep", "deep_sleep", "rem_sleep", "unrecognized_sleep_stage", "sleep_score",
			"total_interruption_duration", "sleep_charge", "sleep_goal", "sleep_rating", "short_interruption_duration",
			"long_interruption_duration", "sleep_cycles", "group_duration_score", "group_solidity_score",
			"group_regeneration_score", "hypnogram", "heart_rate_samples")
		start, err := time.Parse(time.RFC3339, m["sleep_start_time"].(string))
		require.NoError(t, err)
		end, err := time.Parse(time.RFC3339, m["sleep_end_time"].(string))
		require.NoError(t, err)
		assert.Equal(t, end.Format(dateLayout), m["date"], "date is the wake-up day")
		if start.Format(dateLayout) != end.Format(dateLayout) {
			beforeMidnight++
		} else {
			afterMidnight++
		}
		var parts struct {
			Hypnogram json.RawMessage `json:"hypnogram"`
			HR        json.RawMessage `json:"heart_rate_samples"`
		}
		require.NoError(t, json.Unmarshal(raw, &parts))
		hyp := orderedKeys(t, parts.Hypnogram)
		assert.Equal(t, start.Format("15:04"), hyp[0], "hypnogram starts when sleep starts")
		requireChronological(t, hyp, start)
		requireChronological(t, orderedKeys(t, parts.HR), start)

		stages := m["hypnogram"].(map[string]any)
		for _, v := range stages {
			assert.Contains(t, []float64{0, 1, 2, 3, 4, 5}, v)
		}
		total := m["light_sleep"].(float64) + m["deep_sleep"].(float64) + m["rem_sleep"].(float64) +
			m["unrecognized_sleep_stage"].(float64) + m["total_interruption_duration"].(float64)
		assert.InDelta(t, end.Sub(start).Seconds(), total, 1, "stages cover the night")
	}
	assert.Positive(t, beforeMidnight, "some nights start before midnight")
	assert.Positive(t, afterMidnight, "some nights start after midnight")
}

func TestSleepByDateAndAvailable(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	nights := e.sim.Nights(id)
	require.NotEmpty(t, nights)
	n := nights[len(nights)-1]

	resp := e.do(t, http.MethodGet, "/v3/users/sleep/"+n.Date, bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, n.Date, resp.object(t)["date"])

	resp = e.do(t, http.MethodGet, "/v3/users/sleep/available", bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	avail := resp.object(t)["available"].([]any)
	require.Len(t, avail, len(nights))
	requireKeys(t, avail[0].(map[string]any), "date", "start_time", "end_time")

	assert.Equal(t, http.StatusNotFound, e.do(t, http.MethodGet, "/v3/users/sleep/2001-01-01", bearer(tok), "").StatusCode)
	assert.Equal(t, http.StatusBadRequest, e.do(t, http.MethodGet, "/v3/users/sleep/yesterday", bearer(tok), "").StatusCode)
}

func TestNoDataStatusOption(t *testing.T) {
	e := newEnv(t, WithNoDataStatus(http.StatusNoContent))
	tok, _ := e.loginRegistered(t)
	for _, p := range []string{"/v3/users/sleep/2001-01-01", "/v3/users/nightly-recharge/2001-01-01"} {
		resp := e.do(t, http.MethodGet, p, bearer(tok), "")
		assert.Equal(t, http.StatusNoContent, resp.StatusCode, p)
		assert.Empty(t, resp.body)
	}
}

func TestNightlyRechargeShape(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	n, err := e.sim.AddSleep(id)
	require.NoError(t, err)
	require.True(t, n.HasRecharge)

	resp := e.do(t, http.MethodGet, "/v3/users/nightly-recharge", bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	list := resp.object(t)["recharges"].([]any)
	require.NotEmpty(t, list)

	resp = e.do(t, http.MethodGet, "/v3/users/nightly-recharge/"+n.Date, bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	m := resp.object(t)
	requireKeys(t, m, "polar_user", "date", "heart_rate_avg", "beat_to_beat_avg", "heart_rate_variability_avg",
		"breathing_rate_avg", "nightly_recharge_status", "ans_charge", "ans_charge_status", "hrv_samples",
		"breathing_samples")
	assert.NotEmpty(t, m["hrv_samples"])
	assert.NotEmpty(t, m["breathing_samples"])
	hr := m["heart_rate_avg"].(float64)
	assert.InDelta(t, 60000/hr, m["beat_to_beat_avg"].(float64), 15)

	var raw struct {
		HRV json.RawMessage `json:"hrv_samples"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &raw))
	requireChronological(t, orderedKeys(t, raw.HRV), n.Start)
}

func TestAddSleepReplacesSameDate(t *testing.T) {
	e := newEnv(t)
	_, id := e.loginRegistered(t)
	a, err := e.sim.AddSleep(id)
	require.NoError(t, err)
	before := len(e.sim.Nights(id))
	b, err := e.sim.AddSleep(id)
	require.NoError(t, err)
	assert.Equal(t, a.Date, b.Date)
	assert.Len(t, e.sim.Nights(id), before)
}
