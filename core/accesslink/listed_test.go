package accesslink

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

var listedNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func helsinki(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Helsinki")
	require.NoError(t, err)
	return loc
}

// normalizeFixture normalizes the only entry of a testdata list.
func normalizeFixture(t *testing.T, kind pluginapi.RecordKind, file string, loc *time.Location) (*pluginapi.Record, []plausible.Warning) {
	t.Helper()
	var list []json.RawMessage
	require.NoError(t, json.Unmarshal(readTestdata(t, file), &list))
	require.Len(t, list, 1)
	rec, warns, err := NormalizeListed(kind, "475", list[0], loc, listedNow)
	require.NoError(t, err)
	require.Equal(t, kind, rec.GetKind())
	return rec, warns
}

func at(t *pluginapi.Time) string {
	return t.GetUtc().AsTime().In(time.FixedZone("", int(t.GetUtcOffsetMinutes())*60)).Format(time.RFC3339Nano)
}

// The docs' example: times are UTC, shown at sleep_timezone_offset_minutes.
func TestNormalizeAlertnessDocsExample(t *testing.T) {
	rec, warns := normalizeFixture(t, pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, "sleepwise_alertness.json", helsinki(t))
	assert.Empty(t, warns)
	assert.Equal(t, "sleepwise_alertness.475.20221120T205220Z", rec.GetKey())
	a := rec.GetSleepwiseAlertness()
	assert.Equal(t, "2022-11-20T22:52:20+02:00", at(a.GetPeriodStart()))
	assert.Equal(t, "2022-11-21T21:15:52+02:00", at(a.GetPeriodEnd()))
	assert.Equal(t, "2022-11-20T22:52:20.57+02:00", at(a.GetSleepPeriodStart()))
	assert.Equal(t, "2022-11-21T06:11:20.57+02:00", at(a.GetSleepPeriodEnd()))
	assert.Equal(t, 9.9, a.GetGrade())
	assert.Equal(t, int64(57600), a.GetGradeValiditySeconds())
	assert.Equal(t, []string{"GRADE_TYPE_PRIMARY", "GRADE_CLASSIFICATION_STRONG", "VALIDITY_ESTIMATE", "SLEEP_INERTIA_MILD", "SLEEP_TYPE_PRIMARY", "ALERTNESS_TYPE_HISTORY"},
		[]string{a.GetGradeType(), a.GetGradeClassification(), a.GetValidity(), a.GetSleepInertia(), a.GetSleepType(), a.GetResultType()})
	require.Len(t, a.GetHourly(), 1)
	h := a.GetHourly()[0]
	assert.Equal(t, "2022-11-21T06:12:00+02:00", at(h.GetStart()))
	assert.Equal(t, "2022-11-21T07:00:00+02:00", at(h.GetEnd()))
	assert.Equal(t, "ALERTNESS_LEVEL_LOW", h.GetAlertnessLevel())
	for _, s := range [][]string{GradeTypes, GradeClassifications, Validities, SleepInertias, SleepTypes, AlertnessResultTypes, AlertnessLevels} {
		assert.NotEmpty(t, s)
	}
}

func TestNormalizeCircadianBedtimeDocsExample(t *testing.T) {
	rec, _ := normalizeFixture(t, pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME, "sleepwise_circadian_bedtime.json", time.UTC)
	assert.Equal(t, "sleepwise_circadian_bedtime.475.20221120T211830Z", rec.GetKey())
	c := rec.GetSleepwiseCircadianBedtime()
	assert.Equal(t, "2022-11-20T23:18:30+02:00", at(c.GetPeriodStart()))
	assert.Equal(t, "2022-11-21T07:18:30+02:00", at(c.GetPreferredSleepPeriodEnd()))
	assert.Equal(t, "2022-11-20T23:03:30+02:00", at(c.GetSleepGateStart()))
	assert.Equal(t, "2022-11-20T23:33:30+02:00", at(c.GetSleepGateEnd()))
	assert.Equal(t, "CIRCADIAN_BEDTIME_QUALITY_COMPROMISED", c.GetQuality())
	assert.Equal(t, int32(120), c.GetSleepTimezoneOffsetMinutes())
}

// Without Polar's offset a UTC time is shown in the user's zone, with
// the offset at that instant: across the end of summer time in Helsinki
// (2026-10-25 04:00 EEST → 03:00 EET) start and end differ.
func TestSleepWiseWithoutOffsetOnADSTNight(t *testing.T) {
	raw := `{"grade":7,"period_start_time":"2026-10-24T21:30:00","period_end_time":"2026-10-25T20:00:00",
		"hourly_data":[{"start_time":"2026-10-25T00:30:00","end_time":"2026-10-25T01:00:00"},{"start_time":"2026-10-25T01:00:00","end_time":"2026-10-25T02:00:00"}]}`
	rec, _, err := NormalizeListed(pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, "475", []byte(raw), helsinki(t), listedNow)
	require.NoError(t, err)
	a := rec.GetSleepwiseAlertness()
	assert.Equal(t, "2026-10-25T00:30:00+03:00", at(a.GetPeriodStart()))
	assert.Equal(t, "2026-10-25T22:00:00+02:00", at(a.GetPeriodEnd()))
	assert.Equal(t, "2026-10-25T03:30:00+03:00", at(a.GetHourly()[0].GetStart()))
	assert.Equal(t, "2026-10-25T03:00:00+02:00", at(a.GetHourly()[1].GetStart()), "the repeated hour, after the change")
	assert.Equal(t, time.Hour/2, a.GetHourly()[1].GetStart().GetUtc().AsTime().Sub(a.GetHourly()[0].GetStart().GetUtc().AsTime()))
}

// A night's skin temperature day begins at the user's local midnight;
// on the spring-forward and fall-back days (23 and 25 hours) too.
func TestSkinTemperatureDayStartOnDSTDays(t *testing.T) {
	rec, warns := normalizeFixture(t, pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, "biosensing_skintemperature.json", helsinki(t))
	assert.Empty(t, warns)
	assert.Equal(t, "skin_temperature.475.2023-10-20", rec.GetKey())
	s := rec.GetSkinTemperature()
	assert.Equal(t, "2023-10-20T00:00:00+03:00", at(s.GetDayStart()))
	assert.Equal(t, 36.5, s.GetSleepTimeSkinTemperatureCelsius())
	assert.Equal(t, 0.5, s.GetDeviationFromBaselineCelsius())
	for date, want := range map[string]string{"2026-03-29": "2026-03-29T00:00:00+02:00", "2026-03-30": "2026-03-30T00:00:00+03:00",
		"2026-10-25": "2026-10-25T00:00:00+03:00", "2026-10-26": "2026-10-26T00:00:00+02:00"} {
		rec, _, err := SkinTemperatureRecord("475", &SkinTemperature{SleepDate: date, SleepTimeSkinTemperatureCelsius: 34}, helsinki(t), listedNow)
		require.NoError(t, err)
		assert.Equal(t, want, at(rec.GetSkinTemperature().GetDayStart()), date)
	}
	_, warns, err := SkinTemperatureRecord("475", &SkinTemperature{SleepDate: "2026-11-30", SleepTimeSkinTemperatureCelsius: 80, DeviationFromBaselineCelsius: 30}, time.UTC, listedNow)
	require.NoError(t, err)
	assert.Len(t, warns, 2, "80 °C skin and a 30 °C deviation are dropped")
}

func TestNormalizeSkinContactsDocsExample(t *testing.T) {
	rec, _ := normalizeFixture(t, pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, "biosensing_skincontacts.json", helsinki(t))
	assert.Equal(t, "skin_contacts.475.20231020T040000Z", rec.GetKey())
	s := rec.GetSkinContacts()
	assert.Equal(t, "1111AAAA", s.GetSourceDeviceId())
	assert.Equal(t, "2023-10-20T07:00:00+03:00", at(s.GetStart()), "UTC, shown in the user's zone")
	assert.Equal(t, "2023-10-20T08:00:00+03:00", at(s.GetEnd()))
	require.Len(t, s.GetChanges(), 1)
	assert.Equal(t, "2023-10-20T07:00:00.123+03:00", at(s.GetChanges()[0].GetAt()))
	assert.True(t, s.GetChanges()[0].GetSkinContact())
}

func TestNormalizeECGDocsExample(t *testing.T) {
	rec, warns := normalizeFixture(t, pluginapi.RecordKind_RECORD_KIND_ECG_TEST, "biosensing_ecg.json", time.UTC)
	assert.Empty(t, warns, "the example's 0 ms HRV and 100 ms intervals are plausible")
	assert.Equal(t, "ecg_test.475.20231020T073416Z", rec.GetKey())
	e := rec.GetEcgTest()
	assert.Equal(t, "2023-10-20T10:34:16+03:00", at(e.GetTestTime()), "time_zone_offset, not the user's zone")
	assert.Equal(t, uint32(60), e.GetAverageHeartRateBpm())
	assert.Equal(t, "ECG_HRV_LEVEL_NO_BASELINE", e.GetHeartRateVariabilityLevel())
	assert.Equal(t, []float64{100, 100, 100, 100}, []float64{e.GetRriMs(), e.GetPulseTransitTimeSystolicMs(), e.GetPulseTransitTimeDiastolicMs(), e.GetPulseTransitTimeQualityIndex()})
	require.Len(t, e.GetSamples(), 1)
	assert.Equal(t, 0.1, e.GetSamples()[0].GetAmplitudeMv())
	assert.Equal(t, int32(123), e.GetQualityMeasurements()[0].GetRecordingTimeDeltaMs())
	assert.Equal(t, "ECG_QUALITY_HIGH", e.GetQualityMeasurements()[0].GetQualityLevel())
}

func TestNormalizeSpO2DocsExampleAndRange(t *testing.T) {
	rec, warns := normalizeFixture(t, pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, "biosensing_spo2.json", time.UTC)
	assert.Empty(t, warns)
	assert.Equal(t, "spo2_test.475.20231020T073416Z", rec.GetKey())
	s := rec.GetSpo2Test()
	assert.Equal(t, int32(95), s.GetBloodOxygenPercent())
	assert.Equal(t, []string{"SPO2_TEST_PASSED", "SPO2_CLASS_NORMAL", "DEVIATION_NO_BASELINE", "DEVIATION_NO_BASELINE"},
		[]string{s.GetTestStatus(), s.GetSpo2Class(), s.GetSpo2ValueDeviationFromBaseline(), s.GetSpo2HrvDeviationFromBaseline()})
	assert.Equal(t, 50.0, s.GetAltitudeMeters())

	rec, warns, err := NormalizeListed(pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, "475", []byte(`{"test_time":1697787256,"blood_oxygen_percent":140,"average_heart_rate_bpm":60}`), time.UTC, listedNow)
	require.NoError(t, err)
	require.Len(t, warns, 1)
	assert.Equal(t, "blood_oxygen_percent", warns[0].Field)
	assert.Zero(t, rec.GetSpo2Test().GetBloodOxygenPercent())
}

func TestNormalizeListedRejectsWhatCannotBeKeyed(t *testing.T) {
	for name, tc := range map[string]struct {
		kind pluginapi.RecordKind
		raw  string
	}{
		"no period start":    {pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, `{"grade":5}`},
		"garbled start":      {pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME, `{"period_start_time":"yesterday"}`},
		"ends before start":  {pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, `{"start_time":"2023-10-20T05:00:00","end_time":"2023-10-20T04:00:00"}`},
		"no test time":       {pluginapi.RecordKind_RECORD_KIND_ECG_TEST, `{"average_heart_rate_bpm":60}`},
		"test in the future": {pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, `{"test_time":4102444800}`},
		"no sleep date":      {pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, `{"sleep_time_skin_temperature_celsius":34}`},
		"not an object":      {pluginapi.RecordKind_RECORD_KIND_ECG_TEST, `[1]`},
	} {
		_, _, err := NormalizeListed(tc.kind, "475", []byte(tc.raw), time.UTC, listedNow)
		assert.True(t, Permanent(err), "%s: %v", name, err)
	}
}

// The docs' SleepWise payloads: "2022-09-31" does not exist, read as the
// month's last day so the range still covers the announcement.
func TestSleepWiseWebhookPayloads(t *testing.T) {
	for _, f := range []string{"webhook_alertness.json", "webhook_circadian_bedtime.json"} {
		p, err := ParseWebhook(readTestdata(t, f))
		require.NoError(t, err, f)
		from, err := LenientDate(p.From)
		require.NoError(t, err)
		assert.Equal(t, "2022-09-30", from.Format(time.DateOnly))
		to, err := LenientDate(p.To)
		require.NoError(t, err)
		assert.Equal(t, "2022-10-02", to.Format(time.DateOnly))
	}
	_, err := ParseWebhook([]byte(`{"event":"SLEEP_WISE_ALERTNESS","user_id":475,"to":"2022-10-02"}`))
	assert.ErrorIs(t, err, ErrInvalidPayload, "no from")
	_, err = ParseWebhook([]byte(`{"event":"ECG_TEST","user_id":475}`))
	assert.ErrorIs(t, err, ErrInvalidPayload, "the poller's events carry their entry")
	_, err = LenientDate("2022-13-01")
	assert.ErrorIs(t, err, ErrInvalidPayload)
}

// The client against the simulator: the lists, the ranges, 204 as no
// entries, and the 28-day limit refused before Polar is asked.
func TestSleepWiseAndBiosensingClient(t *testing.T) {
	e := newSimEnv(t, nil, accesslinksim.WithHistoryDays(40))
	c := e.client(t)
	ctx := t.Context()
	token, _ := e.loginRegistered(t, c)

	list, err := c.ListSleepWiseAlertness(ctx, token)
	require.NoError(t, err)
	require.NotEmpty(t, list)
	assert.LessOrEqual(t, len(list), 28)
	for _, raw := range list {
		_, _, err := NormalizeListed(pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, "1", raw, time.UTC, simNow)
		require.NoError(t, err)
	}
	to := simNow.Format(time.DateOnly)
	from := simNow.AddDate(0, 0, -27).Format(time.DateOnly)
	rng, err := c.SleepWiseCircadianBedtimeRange(ctx, token, from, to)
	require.NoError(t, err)
	require.NotEmpty(t, rng)
	_, err = c.SleepWiseAlertnessRange(ctx, token, simNow.AddDate(0, 0, -28).Format(time.DateOnly), to)
	assert.ErrorIs(t, err, ErrInvalidArgument, "29 days")
	far := simNow.AddDate(-1, 0, 0).Format(time.DateOnly)
	none, err := c.SleepWiseAlertnessRange(ctx, token, far, far)
	require.NoError(t, err, "204")
	assert.Empty(t, none)

	for _, k := range []Biosensing{BiosensingSkinTemperature, BiosensingSkinContacts, BiosensingECG, BiosensingSpO2} {
		all, err := c.Biosensing(ctx, token, k, "", "")
		require.NoError(t, err, k)
		ranged, err := c.Biosensing(ctx, token, k, from, to)
		require.NoError(t, err, k)
		assert.Equal(t, len(all), len(ranged), "%s: the default is the last 28 days", k)
	}
	_, err = c.Biosensing(ctx, token, "heartbeat", "", "")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	st := e.sim.Stats().Requests
	for _, k := range []Biosensing{BiosensingSkinTemperature, BiosensingSkinContacts, BiosensingECG, BiosensingSpO2} {
		assert.Equal(t, 2, st["GET /v3/users/biosensing/"+string(k)], k)
	}
	assert.Equal(t, 1, st["GET /v3/users/sleepwise/alertness/date"], "the 29-day range never reached Polar")

	// The simulator answers an over-long range 400, as documented.
	u := e.srv.URL + "/v3/users/biosensing/ecg?" + url.Values{"from": {"2026-01-01"}, "to": {"2026-03-01"}}.Encode()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
