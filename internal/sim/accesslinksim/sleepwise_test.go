package accesslinksim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func list(t *testing.T, r response) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.StatusCode, string(r.body))
	var out []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &out), string(r.body))
	return out
}

// Every endpoint answers the documented shapes, 204 for an empty range
// and 400 for a missing or over-28-day range; each call is counted.
func TestSleepWiseAndBiosensingEndpoints(t *testing.T) {
	e := newEnv(t, WithHistoryDays(40))
	tok, userID := e.loginRegistered(t)
	u := e.sim.usersByID[userID]
	today := testNow.In(u.loc)
	from, to := today.AddDate(0, 0, -27).Format(dateLayout), today.Format(dateLayout)

	as := list(t, e.do(t, http.MethodGet, "/v3/users/sleepwise/alertness", bearer(tok), ""))
	require.NotEmpty(t, as)
	assert.LessOrEqual(t, len(as), 28)
	requireKeys(t, as[0], "grade", "grade_validity_seconds", "grade_type", "grade_classification", "validity", "sleep_inertia",
		"sleep_type", "result_type", "period_start_time", "period_end_time", "sleep_period_start_time", "sleep_period_end_time",
		"sleep_timezone_offset_minutes", "hourly_data")
	hour := as[0]["hourly_data"].([]any)[0].(map[string]any)
	requireKeys(t, hour, "validity", "alertness_level", "start_time", "end_time")
	_, err := time.Parse("2006-01-02T15:04:05", as[0]["period_start_time"].(string))
	assert.NoError(t, err, "UTC without a zone, as documented")
	ranged := list(t, e.do(t, http.MethodGet, "/v3/users/sleepwise/alertness/date?from="+from+"&to="+to, bearer(tok), ""))
	assert.Equal(t, len(as), len(ranged))

	cs := list(t, e.do(t, http.MethodGet, "/v3/users/sleepwise/circadian-bedtime", bearer(tok), ""))
	require.Len(t, cs, len(as), "one period after each night")
	requireKeys(t, cs[0], "validity", "quality", "result_type", "period_start_time", "period_end_time", "preferred_sleep_period_start_time",
		"preferred_sleep_period_end_time", "sleep_gate_start_time", "sleep_gate_end_time", "sleep_timezone_offset_minutes")

	for _, path := range []string{"/v3/users/sleepwise/alertness/date", "/v3/users/sleepwise/circadian-bedtime/date?from=" + from,
		"/v3/users/sleepwise/alertness/date?from=" + today.AddDate(0, 0, -28).Format(dateLayout) + "&to=" + to,
		"/v3/users/biosensing/spo2?from=" + to + "&to=" + from, "/v3/users/biosensing/ecg?from=2026-02-30&to=2026-03-01"} {
		assert.Equal(t, http.StatusBadRequest, e.do(t, http.MethodGet, path, bearer(tok), "").StatusCode, path)
	}
	far := today.AddDate(-1, 0, 0).Format(dateLayout)
	for _, path := range []string{"/v3/users/sleepwise/alertness/date", "/v3/users/sleepwise/circadian-bedtime/date",
		"/v3/users/biosensing/skintemperature", "/v3/users/biosensing/ecg"} {
		r := e.do(t, http.MethodGet, path+"?from="+far+"&to="+far, bearer(tok), "")
		assert.Equal(t, http.StatusNoContent, r.StatusCode, path)
		assert.Empty(t, r.body)
	}

	temps := list(t, e.do(t, http.MethodGet, "/v3/users/biosensing/skintemperature", bearer(tok), ""))
	require.NotEmpty(t, temps)
	requireKeys(t, temps[0], "sleep_time_skin_temperature_celsius", "deviation_from_baseline_celsius", "sleep_date")
	for _, v := range temps {
		c := v["sleep_time_skin_temperature_celsius"].(float64)
		assert.True(t, c > 31 && c < 37, "skin temperature %v °C", c)
	}
	contacts := list(t, e.do(t, http.MethodGet, "/v3/users/biosensing/skincontacts", bearer(tok), ""))
	requireKeys(t, contacts[0], "source_device_id", "start_time", "end_time", "modified_time", "skin_contact_changes")
	ecg := list(t, e.do(t, http.MethodGet, "/v3/users/biosensing/ecg?from="+from+"&to="+to, bearer(tok), ""))
	require.NotEmpty(t, ecg, "some mornings have a test")
	requireKeys(t, ecg[0], "source_device_id", "test_time", "time_zone_offset", "average_heart_rate_bpm", "heart_rate_variability_ms",
		"heart_rate_variability_level", "rri_ms", "pulse_transit_time_systolic_ms", "pulse_transit_time_diastolic_ms",
		"pulse_transit_time_quality_index", "samples", "quality_measurements")
	assert.Len(t, ecg[0]["samples"], ECGSampleRate*ecgSeconds)
	spo2 := list(t, e.do(t, http.MethodGet, "/v3/users/biosensing/spo2", bearer(tok), ""))
	require.NotEmpty(t, spo2)
	for _, v := range spo2 {
		p := v["blood_oxygen_percent"].(float64)
		assert.True(t, p >= 90 && p <= 100, "SpO2 %v %%", p)
	}
	st := e.sim.Stats().Requests
	assert.Equal(t, 1, st["GET /v3/users/sleepwise/alertness"])
	assert.Equal(t, 4, st["GET /v3/users/sleepwise/alertness/date"])
	// 400s and 204s count too, each under its endpoint.
	assert.Equal(t, []int{2, 1, 3, 2}, []int{st["GET /v3/users/biosensing/skintemperature"], st["GET /v3/users/biosensing/skincontacts"],
		st["GET /v3/users/biosensing/ecg"], st["GET /v3/users/biosensing/spo2"]})
}

// After a sleep the simulator pushes both SleepWise events with the
// night's dates; the bedtime url has Polar's underscore.
func TestAddSleepPushesSleepWise(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	resp, _ := createWebhook(t, e, rc.srv.URL+"/hook", EventSleep, EventAlertness, EventCircadianBedtime)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	_, userID := e.loginRegistered(t)
	n, err := e.sim.AddSleep(userID)
	require.NoError(t, err)
	var events []string
	for _, r := range rc.all() {
		events = append(events, r.event)
		if r.event == EventCircadianBedtime || r.event == EventAlertness {
			var p map[string]any
			require.NoError(t, json.Unmarshal(r.body, &p))
			requireKeys(t, p, "event", "user_id", "from", "to", "timestamp", "url")
			assert.Equal(t, n.Start.Format(dateLayout), p["from"])
			assert.Equal(t, n.End.Format(dateLayout), p["to"])
			if r.event == EventCircadianBedtime {
				assert.Contains(t, p["url"], "/v3/users/sleepwise/circadian_bedtime/date?from=")
			}
		}
	}
	assert.Equal(t, []string{EventPing, EventSleep, EventAlertness, EventCircadianBedtime}, events)
	as, cs := e.sim.SleepWise(userID)
	require.NotEmpty(t, as)
	require.Len(t, cs, len(as))
	assert.Equal(t, n.End.Format(dateLayout), as[len(as)-1].Date(), "the new night's period is the latest")
}

// A prediction becomes history when its period has passed: Polar's
// re-computation, the same period start.
func TestAlertnessPredictionBecomesHistory(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)}
	s, err := New(WithUsers(1), WithHistoryDays(0), WithClock(clock.Now))
	require.NoError(t, err)
	id := s.Users()[0].ID
	_, err = s.AddSleep(id)
	require.NoError(t, err)
	as, _ := s.SleepWise(id)
	require.Len(t, as, 1)
	assert.Equal(t, "ALERTNESS_TYPE_PREDICTION", as[0].ResultType)
	clock.Advance(16 * time.Hour)
	later, _ := s.SleepWise(id)
	assert.Equal(t, "ALERTNESS_TYPE_HISTORY", later[0].ResultType)
	assert.Equal(t, as[0].PeriodStartTime, later[0].PeriodStartTime)
	for _, h := range later[0].HourlyData {
		assert.Equal(t, "VALIDITY_VALID", h.Validity)
	}
}
