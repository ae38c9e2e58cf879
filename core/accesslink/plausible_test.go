package accesslink

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// testNow is the clock's now in normalization tests: the fixtures are
// from the days before it.
var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func testChecker() *plausible.Checker {
	return plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_EXERCISE, "exercise.1.test")
}

// fieldsOf lists the warnings' fields in order.
func fieldsOf(ws []plausible.Warning) (out []string) {
	for _, w := range ws {
		out = append(out, w.Field)
	}
	return out
}

// A fault run's values: 10^9 bpm, negative distance, 3×10^9 kcal. Each is
// dropped (0, or a gap in a series) with a warning; the rest is kept and
// nothing wraps negative.
func TestNormalizeExerciseDropsImplausibleValues(t *testing.T) {
	rec, warns, err := NormalizeExercise("475", ExerciseInput{Exercise: readTestdata(t, "implausible_exercise.json")}, nil, testNow)
	require.NoError(t, err)
	ex := rec.GetExercise()
	assert.Zero(t, ex.GetCalories(), "3e9 kcal dropped, not wrapped negative")
	assert.Zero(t, ex.GetDistanceMeters())
	assert.Zero(t, ex.GetHeartRateMax())
	assert.Equal(t, int32(129), ex.GetHeartRateAvg())
	assert.Equal(t, 3600.0, ex.GetDurationSeconds())
	assert.Equal(t, 143.22, ex.GetTrainingLoad())
	assert.Equal(t, int32(51), ex.GetRunningIndex())
	assert.Equal(t, int32(60), ex.GetFatPercentage())

	hr := ex.Series(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE)
	require.NotNil(t, hr)
	assert.Equal(t, []int64{0, 2000, 5000}, hr.GetOffsetMs(), "bad samples are gaps")
	assert.Equal(t, []float64{120, 125, 130}, hr.GetValues())
	dist := ex.Series(pluginapi.SampleType_SAMPLE_TYPE_DISTANCE)
	assert.Equal(t, []int64{0, 2000}, dist.GetOffsetMs())
	rr := ex.Series(pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL)
	require.NotNil(t, rr)
	assert.Equal(t, []float64{800, 810}, rr.GetValues())
	assert.Equal(t, []int64{800, 1610}, rr.GetOffsetMs(), "a dropped interval does not advance time")

	require.Len(t, ex.GetHeartRateZones(), 2)
	assert.Equal(t, int32(130), ex.GetHeartRateZones()[1].GetLowerBpm())
	assert.Zero(t, ex.GetHeartRateZones()[1].GetUpperBpm())

	assert.Equal(t, []string{"distance_meters", "calories", "heart_rate_max", "samples.rr_interval",
		"samples.heart_rate", "samples.distance", "heart_rate_zones.upper_bpm"}, fieldsOf(warns))
	byField := map[string]plausible.Warning{}
	for _, w := range warns {
		assert.Equal(t, "exercise", w.Kind)
		assert.Equal(t, "exercise.475.Implaus1", w.Record)
		byField[w.Field] = w
	}
	assert.Equal(t, 3e9, byField["calories"].Value)
	assert.Equal(t, plausible.Calories, byField["calories"].Range)
	assert.Equal(t, -1600.2, byField["distance_meters"].Value)
	assert.Equal(t, 1e9, byField["heart_rate_max"].Value)
	assert.Equal(t, 2, byField["samples.heart_rate"].Count, "1e9 and -3; the 0 is a silent gap")
	assert.Equal(t, 1e9, byField["samples.heart_rate"].Value, "the first bad value")
	assert.Equal(t, 2, byField["samples.rr_interval"].Count)
}

// A FIT file's values go through the same ranges as the JSON ones.
func TestNormalizeExerciseChecksFITLaps(t *testing.T) {
	fitData := buildFIT(t, fitSpec{start: fitStart, seconds: 60, laps: 1, noGPSAt: -1})
	act, err := DecodeFIT(fitData)
	require.NoError(t, err)
	act.Laps[0].HeartRateMax = 254 // the largest valid FIT value
	act.Laps[0].DistanceMeters = -3
	ex, err := DecodeExercise([]byte(fitExerciseJSON))
	require.NoError(t, err)
	rec, warns, err := ExerciseRecord("7", ex, nil, nil, act, nil, testNow)
	require.NoError(t, err)
	lap := rec.GetExercise().GetLaps()[0]
	assert.Zero(t, lap.GetHeartRateMax())
	assert.Zero(t, lap.GetDistanceMeters())
	assert.Equal(t, int32(120), lap.GetHeartRateAvg())
	assert.Equal(t, []string{"laps.distance_meters", "laps.heart_rate_max"}, fieldsOf(warns))
}

// An exercise whose identity or time cannot be right is not a record.
func TestNormalizeExerciseRejectsImpossible(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		sentinel  error
		wantInMsg string
	}{
		{"1900 start", `{"id": "a1", "start-time": "1900-01-01T10:00:00", "start-time-utc-offset": 0}`, ErrInvalidTime, "before 2000-01-01"},
		{"1999 end of year", `{"id": "a1", "start-time": "1999-12-31T23:59:59", "start-time-utc-offset": 0}`, ErrInvalidTime, "before 2000-01-01"},
		{"two days ahead", `{"id": "a1", "start-time": "2026-12-03T13:00:00", "start-time-utc-offset": 0}`, ErrInvalidTime, "after now"},
		{"id with a dot", `{"id": "a.1", "start-time": "2026-11-30T10:00:00", "start-time-utc-offset": 0}`, ErrInvalidPayload, "record key cannot hold"},
		{"id with a space", `{"id": "a 1", "start-time": "2026-11-30T10:00:00", "start-time-utc-offset": 0}`, ErrInvalidPayload, "record key cannot hold"},
		{"id too long", `{"id": "` + strings.Repeat("a", 129) + `", "start-time": "2026-11-30T10:00:00", "start-time-utc-offset": 0}`, ErrInvalidPayload, "longer than 128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NormalizeExercise("475", ExerciseInput{Exercise: []byte(tt.json)}, nil, testNow)
			require.ErrorIs(t, err, plausible.ErrImpossible)
			require.ErrorIs(t, err, tt.sentinel)
			assert.Contains(t, err.Error(), tt.wantInMsg)
		})
	}
	// Late today in UTC+14 is still fine.
	_, _, err := NormalizeExercise("475", ExerciseInput{Exercise: []byte(`{"id": "a1", "start-time": "2026-12-02T23:00:00", "start-time-utc-offset": 840}`)}, nil, testNow)
	require.NoError(t, err)
}

func TestNormalizeSleepDropsImplausibleValues(t *testing.T) {
	rec, warns, err := NormalizeSleep("475", readTestdata(t, "implausible_sleep.json"), testNow)
	require.NoError(t, err)
	s := rec.GetSleep()
	assert.Equal(t, int32(14000), s.GetLightSleepSeconds())
	assert.Equal(t, int32(5000), s.GetDeepSleepSeconds())
	assert.Zero(t, s.GetRemSleepSeconds(), "longer than the 8 h night")
	assert.Zero(t, s.GetUnrecognizedSleepSeconds())
	assert.Zero(t, s.GetSleepScore())
	assert.Zero(t, s.GetContinuity())
	assert.Equal(t, int32(2), s.GetContinuityClass())
	assert.Equal(t, int32(28800), s.GetSleepGoalSeconds())
	require.Len(t, s.GetHypnogram(), 2, "the 10^12 stage is dropped, not read as 0 (wake)")
	assert.Equal(t, []int32{2, 4}, []int32{s.GetHypnogram()[0].GetStage(), s.GetHypnogram()[1].GetStage()})
	assert.Equal(t, []float64{60, 58}, s.GetHeartRate().GetValues())
	assert.Equal(t, []int64{0, 600000}, s.GetHeartRate().GetOffsetMs())

	assert.Equal(t, []string{"rem_sleep_seconds", "unrecognized_sleep_seconds", "sleep_score", "continuity",
		"heart_rate", "hypnogram.stage"}, fieldsOf(warns))
	assert.Equal(t, plausible.SleepSpan(8*time.Hour), warns[0].Range)
	assert.Equal(t, "0..28860 s", warns[0].Range.String())
}

func TestNormalizeNightlyRechargeDropsImplausibleValues(t *testing.T) {
	rec, warns, err := NormalizeNightlyRecharge("475", readTestdata(t, "implausible_nightly_recharge.json"),
		readTestdata(t, "implausible_sleep.json"), nil, testNow)
	require.NoError(t, err)
	nr := rec.GetNightlyRecharge()
	assert.Zero(t, nr.GetHeartRateAvg())
	assert.Zero(t, nr.GetNightlyRechargeStatus())
	assert.Equal(t, int32(816), nr.GetBeatToBeatAvgMs())
	assert.Equal(t, -4.5, nr.GetAnsCharge())
	assert.Equal(t, []float64{30, 31}, nr.GetHrv().GetValues())
	assert.Equal(t, []float64{13.4}, nr.GetBreathingRate().GetValues())
	assert.Equal(t, []string{"heart_rate_avg", "nightly_recharge_status", "hrv", "breathing_rate"}, fieldsOf(warns))
	for _, w := range warns {
		assert.Equal(t, "nightly_recharge", w.Kind)
		assert.Equal(t, "nightly_recharge.475.2026-11-30", w.Record)
	}
}

func TestNormalizeNightRejectsImpossibleDates(t *testing.T) {
	sleep := func(date, start, end string) []byte {
		return []byte(`{"date": "` + date + `", "sleep_start_time": "` + start + `", "sleep_end_time": "` + end + `"}`)
	}
	for name, body := range map[string][]byte{
		"1900":             sleep("1900-01-01", "1899-12-31T23:00:00Z", "1900-01-01T07:00:00Z"),
		"date 1900":        sleep("1900-01-01", "2026-11-29T23:00:00Z", "2026-11-30T07:00:00Z"),
		"not a date":       sleep("2026-13-01", "2026-11-29T23:00:00Z", "2026-11-30T07:00:00Z"),
		"date ahead":       sleep("2026-12-04", "2026-11-29T23:00:00Z", "2026-11-30T07:00:00Z"),
		"night ahead":      sleep("2026-11-30", "2026-12-05T23:00:00Z", "2026-12-06T07:00:00Z"),
		"date with dot":    sleep("2026.11.30", "2026-11-29T23:00:00Z", "2026-11-30T07:00:00Z"),
		"end before start": sleep("2026-11-30", "2026-11-30T07:00:00Z", "2026-11-29T23:00:00Z"),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := NormalizeSleep("475", body, testNow)
			require.ErrorIs(t, err, plausible.ErrImpossible)
			require.ErrorIs(t, err, ErrInvalidTime)
		})
	}
	_, _, err := NormalizeNightlyRecharge("475", []byte(`{"date": "1900-01-01"}`), nil, nil, testNow)
	require.ErrorIs(t, err, plausible.ErrImpossible)
}

func TestParseSampleCountsImplausibleRR(t *testing.T) {
	c := testChecker()
	v, _, err := ParseSample(Sample{SampleType: "11", Data: "800,-5,0,1e300,6000,750"}, c)
	require.NoError(t, err)
	assert.Equal(t, []float64{800, 750}, v.Values)
	require.Len(t, c.Warnings(), 1, "one warning per field")
	w := c.Warnings()[0]
	assert.Equal(t, "samples.rr_interval", w.Field)
	assert.Equal(t, 3, w.Count, "-5, 1e300 and 6000; 0 is a silent gap")
	assert.Equal(t, -5.0, w.Value)
	assert.Equal(t, plausible.RRInterval, w.Range)
}
