package mqttexport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func at(t time.Time, offsetMin int32) *pluginapi.Time {
	return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: offsetMin}
}

func TestReadingOfEveryKind(t *testing.T) {
	t0 := time.Date(2026, 3, 29, 5, 30, 0, 0, time.UTC) // 08:30 in Helsinki, the morning DST began
	for _, tc := range []struct {
		rec   *pluginapi.Record
		group string
		order string
		at    string
		want  map[string]any
	}{
		{testrecords.CardioLoad("475", "2026-03-29"), "cardio_load", "2026-03-29", "2026-03-29", nil},
		{&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, Body: &pluginapi.Record_DailyActivity{DailyActivity: &pluginapi.DailyActivity{
			Date: "2026-03-29", ActiveSteps: 0, ActiveCalories: 12, Calories: 1400}}},
			"activity", "2026-03-29", "2026-03-29", map[string]any{"steps": int32(0), "active_calories": int32(12), "calories": int32(1400)}},
		{&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{
			Created: at(t0, 180), RestingHeartRate: 48, WeightKg: 71.5, Vo2Max: 52}}},
			"physical", "2026-03-29T05:30:00Z", "2026-03-29T08:30:00+03:00", map[string]any{"resting_heart_rate": int32(48), "weight": 71.5, "vo2max": int32(52)}},
		{&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Body: &pluginapi.Record_Spo2Test{Spo2Test: &pluginapi.SpO2Test{
			TestTime: at(t0, -240), TestStatus: "SPO2_TEST_PASSED", BloodOxygenPercent: 97}}},
			"spo2", "2026-03-29T05:30:00Z", "2026-03-29T01:30:00-04:00", map[string]any{"spo2": int32(97)}},
		{&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, Body: &pluginapi.Record_SkinTemperature{SkinTemperature: &pluginapi.SkinTemperature{
			SleepDate: "2026-03-29", SleepTimeSkinTemperatureCelsius: 34.123, DeviationFromBaselineCelsius: -0.456}}},
			"skin_temperature", "2026-03-29", "2026-03-29", map[string]any{"temperature": 34.12, "deviation": -0.46}},
		{&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, Body: &pluginapi.Record_SleepwiseAlertness{SleepwiseAlertness: &pluginapi.SleepWiseAlertness{
			PeriodStart: at(t0, 180), Grade: 7.04, GradeClassification: "GRADE_CLASSIFICATION_STRONG"}}},
			"alertness", "2026-03-29T05:30:00Z", "2026-03-29T08:30:00+03:00", map[string]any{"grade": 7.0, "classification": "strong"}},
	} {
		r, ok := ReadingOf(tc.rec)
		require.True(t, ok, tc.group)
		assert.Equal(t, tc.group, r.Group)
		assert.Equal(t, tc.order, r.Order, tc.group)
		assert.Equal(t, tc.at, r.MeasuredAt, tc.group)
		assert.Empty(t, r.Skip, tc.group)
		if tc.want != nil {
			assert.Equal(t, tc.want, r.Values, tc.group)
		}
		g, found := groupByName(r.Group)
		require.True(t, found)
		for k := range r.Values {
			assert.True(t, hasSensor(g, k), "%s.%s has a sensor", r.Group, k)
		}
	}
	cl, _ := ReadingOf(testrecords.CardioLoad("475", "2026-03-29"))
	assert.Contains(t, CardioLoadStatuses, cl.Values["status"])

	bad, _ := ReadingOf(&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Body: &pluginapi.Record_Spo2Test{Spo2Test: &pluginapi.SpO2Test{
		TestTime: at(t0, 0), TestStatus: "SPO2_TEST_INCONCLUSIVE_TOO_LOW_OVERALL_QUALITY", BloodOxygenPercent: 90}}})
	assert.Contains(t, bad.Skip, "inconclusive")
	_, ok := ReadingOf(testrecords.ContinuousHeartRate("475", "2026-03-29"))
	assert.False(t, ok, "24/7 heart rate has no sensor")
}

func hasSensor(g Group, key string) bool {
	for _, s := range g.Sensors {
		if s.Key == key {
			return true
		}
	}
	return false
}

func TestApplyKeepsTheLatest(t *testing.T) {
	var d DeviceState
	r := func(order string, v int) Reading {
		return Reading{Group: "sleep", Order: order, MeasuredAt: order, Values: map[string]any{"score": v}}
	}
	changed, added := d.Apply("sleep.1.b", "v1", r("2026-05-04", 80))
	assert.True(t, changed)
	assert.True(t, added)
	changed, _ = d.Apply("sleep.1.a", "v1", r("2026-05-03", 70))
	assert.False(t, changed, "older")
	changed, _ = d.Apply("sleep.1.b", "v1", r("2026-05-04", 80))
	assert.False(t, changed, "redelivered")
	changed, added = d.Apply("sleep.1.b", "v2", r("2026-05-04", 85))
	assert.True(t, changed, "a new version")
	assert.False(t, added)
	assert.Equal(t, 85, d.Groups["sleep"].Values["score"])
	p, err := d.Payload()
	require.NoError(t, err)
	assert.JSONEq(t, `{"sleep":{"score":85,"measured_at":"2026-05-04"}}`, string(p))
}
