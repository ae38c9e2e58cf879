package intervalsexport

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func testSettings(t *testing.T, cfg map[string]any) *settings {
	t.Helper()
	if cfg == nil {
		cfg = map[string]any{}
	}
	cfg["api_key"] = "k"
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	s, err := parseSettings(raw)
	require.NoError(t, err)
	return s
}

func TestSleepQuality(t *testing.T) {
	for rating, want := range map[int32]int{0: 0, 1: 4, 2: 4, 3: 3, 4: 2, 5: 1, 6: 0} {
		assert.Equal(t, want, SleepQuality(rating), "rating %d", rating)
	}
}

func physical(created time.Time, offsetMin int32, weight float64, resting int32) *pluginapi.Record {
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Key: "physical_information.475." + created.Format("150405"),
		UserId: "475", Version: "v1",
		Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{
			Id: created.Unix(), Created: &pluginapi.Time{Utc: timestamppb.New(created), UtcOffsetMinutes: offsetMin},
			WeightKg: weight, RestingHeartRate: resting,
		}},
	}
}

func spo2(at time.Time, offsetMin int32, status string, pct int32) *pluginapi.Record {
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Key: "spo2_test.475." + at.UTC().Format(stampLayout), UserId: "475", Version: "v1",
		Body: &pluginapi.Record_Spo2Test{Spo2Test: &pluginapi.SpO2Test{
			TestTime: &pluginapi.Time{Utc: timestamppb.New(at), UtcOffsetMinutes: offsetMin}, TestStatus: status, BloodOxygenPercent: pct,
		}},
	}
}

func TestWellnessOf(t *testing.T) {
	s := testSettings(t, nil)
	sl := testrecords.Sleep("475", "2026-03-29")
	w, err := s.wellnessOf(sl)
	require.NoError(t, err)
	assert.Equal(t, "2026-03-29", w.Date, "the night's date as Polar assigns it")
	// 95 heart rate samples cycling 58..52: mean 5231/95, to one decimal.
	assert.Equal(t, map[string]float64{"sleepSecs": 14400 + 5400 + 6300, "sleepScore": 82, "sleepQuality": 2,
		"avgSleepingHR": 55.1}, w.Fields)

	w, err = s.wellnessOf(testrecords.NightlyRecharge("475", "2026-03-29"))
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"hrv": 44, "respiration": 13.6, "restingHR": 56}, w.Fields)

	da := &pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, Key: "daily_activity.475.2026-03-29",
		Body: &pluginapi.Record_DailyActivity{DailyActivity: &pluginapi.DailyActivity{Date: "2026-03-29", ActiveSteps: 10432}}}
	w, err = s.wellnessOf(da)
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"steps": 10432}, w.Fields)

	// The local date: 23:30 UTC is the next day in Helsinki (UTC+3 in
	// summer), 00:30 UTC the previous one in New York.
	for _, tc := range []struct {
		at     time.Time
		offset int32
		date   string
	}{
		{time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC), 180, "2026-07-02"},
		{time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC), -240, "2026-06-30"},
		{time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), 120, "2026-03-29"}, // just before Helsinki's DST change
		{time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), -300, "2026-11-01"},
	} {
		w, err := s.wellnessOf(physical(tc.at, tc.offset, 71.4, 48))
		require.NoError(t, err)
		assert.Equal(t, tc.date, w.Date, "%s %+d", tc.at, tc.offset)
		assert.Equal(t, map[string]float64{"weight": 71.4}, w.Fields, "restingHR comes from Nightly Recharge by default")
		w, err = s.wellnessOf(spo2(tc.at, tc.offset, "SPO2_TEST_PASSED", 97))
		require.NoError(t, err)
		assert.Equal(t, tc.date, w.Date)
		assert.Equal(t, map[string]float64{"spO2": 97}, w.Fields)
	}

	w, err = s.wellnessOf(spo2(time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), 0, "SPO2_TEST_INCONCLUSIVE_TOO_LOW_OVERALL_QUALITY", 91))
	require.NoError(t, err)
	assert.Empty(t, w.Fields, "an inconclusive test writes nothing")
	assert.Contains(t, w.Skip, "inconclusive")

	_, err = s.wellnessOf(&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{Date: "29.3.2026"}}})
	assert.ErrorContains(t, err, `record date "29.3.2026"`)

	// resting_hr_from and exclude_wellness_fields.
	s = testSettings(t, map[string]any{"resting_hr_from": "physical_information", "exclude_wellness_fields": []string{"weight", "respiration"}})
	w, err = s.wellnessOf(physical(time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), 0, 71.4, 48))
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"restingHR": 48}, w.Fields)
	w, err = s.wellnessOf(testrecords.NightlyRecharge("475", "2026-03-29"))
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"hrv": 44}, w.Fields)
}

func TestDayReceiptApply(t *testing.T) {
	var d dayReceipt
	writes := map[string]float64{}
	assert.True(t, d.apply("sleep.1.d", "v1", wellnessSource{Fields: map[string]float64{"sleepSecs": 100, "sleepScore": 80}}, writes))
	assert.Equal(t, map[string]float64{"sleepSecs": 100, "sleepScore": 80}, writes)

	writes = map[string]float64{}
	assert.False(t, d.apply("sleep.1.d", "v1", wellnessSource{Fields: map[string]float64{"sleepSecs": 100, "sleepScore": 80}}, writes), "a redelivery")
	assert.Empty(t, writes)

	// A re-computed night lost its score: it is unset, not left stale.
	assert.True(t, d.apply("sleep.1.d", "v2", wellnessSource{Fields: map[string]float64{"sleepSecs": 120}}, writes))
	assert.Equal(t, map[string]float64{"sleepSecs": 120, "sleepScore": unset}, writes)

	// Two weigh-ins of one day, delivered late one first: the later stays.
	writes = map[string]float64{}
	d.apply("physical_information.1.b", "v1", wellnessSource{Stamp: "20260701T180000Z", Fields: map[string]float64{"weight": 70.9}}, writes)
	d.apply("physical_information.1.a", "v1", wellnessSource{Stamp: "20260701T070000Z", Fields: map[string]float64{"weight": 71.5}}, writes)
	assert.Equal(t, map[string]float64{"weight": 70.9}, writes)
	// The earlier entry losing its weight does not unset the later's.
	writes = map[string]float64{}
	d.apply("physical_information.1.a", "v2", wellnessSource{Stamp: "20260701T070000Z", Fields: map[string]float64{}}, writes)
	assert.Empty(t, writes)

	day := wellnessDay{Date: "2026-07-01", Fields: map[string]float64{"sleepSecs": 25200.4, "hrv": 44.5, "sleepScore": unset}}
	assert.Equal(t, map[string]any{"sleepSecs": int64(25200), "hrv": 44.5, "sleepScore": float64(-1)}, day.body())
}

func TestErrorMessage(t *testing.T) {
	for raw, want := range map[string]string{
		`{"status":422,"error":"Name is too long"}`:                                         "Name is too long",
		`[{"status":422,"error":"Name is too long"}]`:                                       "Name is too long",
		`{"timestamp":"2026-01-01T00:00:00Z","status":404,"error":"Not Found","path":"/x"}`: "Not Found",
		`java.lang.NullPointerException`:                                                    "java.lang.NullPointerException",
		``:                                                                                  "",
	} {
		assert.Equal(t, want, errorMessage([]byte(raw)), raw)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, 3*time.Second, retryAfter("3", now))
	assert.Equal(t, time.Second, retryAfter("", now))
	assert.Equal(t, 90*time.Second, retryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now))
}
