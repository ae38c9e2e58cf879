package accesslink

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/core/sports"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"
	"google.golang.org/protobuf/proto"
)

func assertTime(t *testing.T, want string, wantOffsetMin int32, got *pluginapi.Time) {
	t.Helper()
	require.NotNil(t, got)
	w, err := time.Parse(time.RFC3339Nano, want)
	require.NoError(t, err)
	assert.True(t, w.Equal(got.GetUtc().AsTime()), "got %s, want %s", got.GetUtc().AsTime(), w)
	assert.Equal(t, wantOffsetMin, got.GetUtcOffsetMinutes())
}

func TestNormalizeExerciseDocsExample(t *testing.T) {
	rec, warns, err := NormalizeExercise("475", ExerciseInput{
		Exercise: readTestdata(t, "exercise_transaction.json"),
		Samples:  [][]byte{readTestdata(t, "sample.json")},
		Zones:    readTestdata(t, "zones.json"),
	}, nil, testNow)
	require.NoError(t, err)
	assert.Empty(t, warns, "the docs' example is plausible")
	assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_EXERCISE, rec.GetKind())
	assert.Equal(t, "exercise.475.1937529874", rec.GetKey())
	assert.Equal(t, "475", rec.GetUserId())
	assert.Equal(t, pluginapi.Source_SOURCE_ACCESSLINK, rec.GetSource())
	assert.Empty(t, rec.GetVersion())

	ex := rec.GetExercise()
	require.NotNil(t, ex)
	assert.Equal(t, "1937529874", ex.GetId())
	assertTime(t, "2008-10-13T07:40:02Z", 180, ex.GetStart())
	assert.Equal(t, float64(2*3600+44*60+45), ex.GetDurationSeconds())
	assert.Equal(t, 1600.2, ex.GetDistanceMeters())
	assert.Equal(t, int32(530), ex.GetCalories())
	assert.Equal(t, int32(129), ex.GetHeartRateAvg())
	assert.Equal(t, int32(147), ex.GetHeartRateMax())
	assert.Equal(t, 143.22, ex.GetTrainingLoad())
	assert.Equal(t, "OTHER", ex.GetSport())
	assert.Equal(t, "RUNNING", ex.GetDetailedSport())
	assert.Equal(t, "RUNNING", ex.GetFitSport()) // FIT table: Running → RUNNING, STREET
	assert.Equal(t, "STREET", ex.GetFitSubSport())
	assert.Equal(t, uint32(1), ex.GetFitSportId())
	assert.Equal(t, uint32(2), ex.GetFitSubSportId())
	assert.Equal(t, "Polar M400", ex.GetDevice())
	assert.Equal(t, "1111AAAA", ex.GetDeviceId())
	assert.True(t, ex.GetHasRoute())
	assert.Equal(t, int32(51), ex.GetRunningIndex())
	assert.Equal(t, int32(60), ex.GetFatPercentage())
	assert.Equal(t, int32(38), ex.GetCarbohydratePercentage())
	assert.Equal(t, int32(2), ex.GetProteinPercentage())

	require.Len(t, ex.GetHeartRateZones(), 1)
	assert.True(t, proto.Equal(&pluginapi.HeartRateZone{Index: 1, LowerBpm: 110, UpperBpm: 130, Seconds: 4}, ex.GetHeartRateZones()[0]))

	// The docs' sample: type "1" (speed, km/h) every 5 s, 27 values.
	require.Len(t, ex.GetSamples(), 1)
	s := ex.GetSamples()[0]
	assert.Equal(t, pluginapi.SampleType_SAMPLE_TYPE_SPEED, s.GetType())
	require.Len(t, s.GetValues(), 27)
	assert.Equal(t, int64(26*5000), s.GetOffsetMs()[26])
	assert.InDelta(t, 100/3.6, s.GetValues()[1], 1e-9)
	assert.InDelta(t, 122/3.6, s.GetValues()[26], 1e-9)
	assert.True(t, s.GetStart().AsTime().Equal(time.Date(2008, 10, 13, 7, 40, 2, 0, time.UTC)))
	assert.Empty(t, ex.GetLaps())
	assert.Empty(t, ex.GetFiles(), "file references are the caller's")
}

func TestNormalizeExerciseHashedShape(t *testing.T) {
	rec, _, err := NormalizeExercise("475", ExerciseInput{Exercise: readTestdata(t, "exercise_hashed.json")}, nil, testNow)
	require.NoError(t, err)
	assert.Equal(t, "exercise.475.2AC312F", rec.GetKey())
	ex := rec.GetExercise()
	assertTime(t, "2008-10-13T07:40:02Z", 180, ex.GetStart())
	assert.Equal(t, float64(2*3600+44*60), ex.GetDurationSeconds())
	assert.Equal(t, "WATER_SKIING", ex.GetFitSport())
	assert.Equal(t, uint32(40), ex.GetFitSportId())
	assert.Empty(t, ex.GetFitSubSport(), "generic sub-sport is empty")
	assert.Len(t, ex.GetHeartRateZones(), 1) // inline ?zones=true
	assert.Len(t, ex.GetSamples(), 1)        // inline ?samples=true
	assert.Equal(t, int32(51), ex.GetRunningIndex())
}

const fitExerciseJSON = `{
  "id": 42, "start-time": "2024-05-01T07:00:00", "start-time-utc-offset": 180,
  "duration": "PT2M", "sport": "RUNNING", "detailed-sport-info": "RUNNING"
}`

func TestNormalizeExerciseWithFIT(t *testing.T) {
	fitData := buildFIT(t, fitSpec{start: fitStart, seconds: 120, laps: 2, sport: fit.SportCycling, subSport: fit.SubSportRoad, noGPSAt: -1})
	original := bytes.Clone(fitData)
	in := ExerciseInput{
		Exercise: []byte(fitExerciseJSON),
		Samples: [][]byte{
			[]byte(`{"recording-rate": 1, "sample-type": "0", "data": "1,2,3"}`), // FIT's HR wins
			[]byte(`{"recording-rate": null, "sample-type": "11", "data": "800,NULL,810"}`),
		},
		FIT: fitData,
	}
	rec, _, err := NormalizeExercise("7", in, nil, testNow)
	require.NoError(t, err)
	assert.Equal(t, original, fitData, "FIT bytes must stay untouched")

	ex := rec.GetExercise()
	assertTime(t, "2024-05-01T04:00:00Z", 180, ex.GetStart())
	// The FIT session's sport is what Polar wrote: it beats the table.
	assert.Equal(t, "CYCLING", ex.GetFitSport())
	assert.Equal(t, "ROAD", ex.GetFitSubSport())
	assert.Equal(t, uint32(2), ex.GetFitSportId())
	assert.Equal(t, uint32(7), ex.GetFitSubSportId())

	hr := ex.Series(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE)
	require.NotNil(t, hr)
	require.Len(t, hr.GetValues(), 120)
	assert.Equal(t, float64(specHR(5)), hr.GetValues()[5])
	assert.Len(t, ex.GetSamples(), 10, "9 FIT series + RR from JSON")
	rr := ex.Series(pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL)
	require.NotNil(t, rr)
	assert.Equal(t, []int64{800, 1610}, rr.GetOffsetMs())
	for i := 1; i < len(ex.GetSamples()); i++ {
		assert.Less(t, ex.GetSamples()[i-1].GetType(), ex.GetSamples()[i].GetType())
	}

	// A JSON series of a type the FIT file has is not even parsed: a
	// broken one costs nothing. One the FIT lacks still is.
	broken := in
	broken.Samples = [][]byte{[]byte(`{"recording-rate": 1, "sample-type": "0", "data": "1,x,3"}`)}
	_, _, err = NormalizeExercise("7", broken, nil, testNow)
	require.NoError(t, err, "heart rate comes from the FIT file")
	broken.Samples = [][]byte{[]byte(`{"recording-rate": 1, "sample-type": "11", "data": "800,x"}`)}
	_, _, err = NormalizeExercise("7", broken, nil, testNow)
	require.Error(t, err, "RR intervals come from the JSON samples")

	require.Len(t, ex.GetLaps(), 2)
	assertTime(t, "2024-05-01T04:01:00Z", 180, ex.GetLaps()[1].GetStart())
	assert.Equal(t, 60.0, ex.GetLaps()[1].GetDurationSeconds())
	assert.Equal(t, 180.0, ex.GetLaps()[1].GetDistanceMeters())
	assert.Equal(t, int32(121), ex.GetLaps()[1].GetHeartRateAvg())
	assert.Equal(t, int32(161), ex.GetLaps()[1].GetHeartRateMax())

	// A configured override beats the FIT session.
	table, err := sports.NewTable(map[string]string{"RUNNING": "RUNNING/TRAIL"})
	require.NoError(t, err)
	rec, _, err = NormalizeExercise("7", in, table, testNow)
	require.NoError(t, err)
	assert.Equal(t, "RUNNING", rec.GetExercise().GetFitSport())
	assert.Equal(t, "TRAIL", rec.GetExercise().GetFitSubSport())
}

func TestNormalizeExerciseErrors(t *testing.T) {
	good := buildFIT(t, fitSpec{start: fitStart, seconds: 10, noGPSAt: -1, sport: fit.SportRunning})
	tests := []struct {
		name    string
		userID  string
		in      ExerciseInput
		wantErr error
		wantMsg string
	}{
		{"broken FIT", "7", ExerciseInput{Exercise: []byte(fitExerciseJSON), FIT: good[:len(good)-20]}, ErrBadFIT, "exercise 42"},
		{"bad sample", "7", ExerciseInput{Exercise: []byte(fitExerciseJSON),
			Samples: [][]byte{[]byte(`{"recording-rate": 1, "sample-type": "0", "data": "1,x"}`)}}, ErrMalformedSample, "heart rate"},
		{"bad zone duration", "7", ExerciseInput{Exercise: []byte(fitExerciseJSON),
			Zones: []byte(`{"zone": [{"index": 1, "in-zone": "4 seconds"}]}`)}, ErrInvalidDuration, "zone 1"},
		{"bad duration", "7", ExerciseInput{Exercise: []byte(strings.Replace(fitExerciseJSON, "PT2M", "2 min", 1))}, ErrInvalidDuration, ""},
		{"no offset", "7", ExerciseInput{Exercise: []byte(`{"id": 1, "start-time": "2024-05-01T07:00:00"}`)}, ErrInvalidTime, ""},
		{"no id", "7", ExerciseInput{Exercise: []byte(`{"start-time": "2024-05-01T07:00:00", "start-time-utc-offset": 0}`)}, ErrInvalidPayload, ""},
		{"no user", "", ExerciseInput{Exercise: []byte(fitExerciseJSON)}, ErrInvalidPayload, ""},
		{"bad JSON", "7", ExerciseInput{Exercise: []byte(`{`)}, ErrInvalidPayload, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NormalizeExercise(tt.userID, tt.in, nil, testNow)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestNormalizeSleepDocsExample(t *testing.T) {
	rec, warns, err := NormalizeSleep("475", readTestdata(t, "sleep.json"), testNow)
	require.NoError(t, err)
	assert.Empty(t, warns, "the docs' example is plausible")
	assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_SLEEP, rec.GetKind())
	assert.Equal(t, "sleep.475.2020-01-01", rec.GetKey())
	assert.Equal(t, pluginapi.Source_SOURCE_ACCESSLINK, rec.GetSource())
	s := rec.GetSleep()
	assert.Equal(t, "2020-01-01", s.GetDate())
	assertTime(t, "2019-12-31T21:39:07Z", 180, s.GetStart())
	assertTime(t, "2020-01-01T06:19:37Z", 180, s.GetEnd())
	assert.Equal(t, int32(1000), s.GetLightSleepSeconds())
	assert.Equal(t, int32(500), s.GetShortInterruptionSeconds())
	assert.Equal(t, int32(300), s.GetLongInterruptionSeconds())
	assert.Equal(t, int32(28800), s.GetSleepGoalSeconds())
	assert.Equal(t, 54.2, s.GetGroupRegenerationScore())
	assert.Equal(t, 2.1, s.GetContinuity())

	require.Len(t, s.GetHypnogram(), 3)
	wantHyp := []struct {
		at    string
		stage int32
	}{{"2019-12-31T21:39:00Z", 2}, {"2019-12-31T21:50:00Z", 3}, {"2019-12-31T22:23:00Z", 6}}
	for i, w := range wantHyp {
		assertTime(t, w.at, 180, s.GetHypnogram()[i].GetTime())
		assert.Equal(t, w.stage, s.GetHypnogram()[i].GetStage()) // 6 is outside the documented codes: passed through
	}
	hr := s.GetHeartRate()
	require.NotNil(t, hr)
	assert.Equal(t, pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, hr.GetType())
	assert.True(t, hr.GetStart().AsTime().Equal(time.Date(2019, 12, 31, 21, 41, 0, 0, time.UTC)))
	assert.Equal(t, []int64{0, 300000, 600000}, hr.GetOffsetMs())
	assert.Equal(t, []float64{76, 77, 76}, hr.GetValues())

	_, _, err = NormalizeSleep("475", []byte(`{"sleep_start_time": "2020-01-01T00:39:07+03:00"}`), testNow)
	assert.ErrorIs(t, err, ErrInvalidPayload)
}

func TestNormalizeIsDeterministic(t *testing.T) {
	// Map order is random per iteration; the content hash must not be.
	sleepJSON := []byte(`{"date": "2024-03-31", "sleep_start_time": "2024-03-30T23:10:00+02:00",
	  "sleep_end_time": "2024-03-31T07:20:00+03:00",
	  "hypnogram": {"23:10": 1, "23:40": 2, "00:10": 3, "02:55": 4, "04:00": 2, "04:30": 1, "06:00": 0},
	  "heart_rate_samples": {"23:15": 60, "23:45": 58, "00:15": 55, "02:55": 50, "04:00": 52, "07:00": 61}}`)
	first, _, err := NormalizeSleep("1", sleepJSON, testNow)
	require.NoError(t, err)
	for range 20 {
		again, _, err := NormalizeSleep("1", sleepJSON, testNow)
		require.NoError(t, err)
		require.True(t, proto.Equal(first, again))
	}
	hyp := first.GetSleep().GetHypnogram()
	assert.Equal(t, []int32{1, 2, 3, 4, 2, 1, 0}, []int32{
		hyp[0].GetStage(), hyp[1].GetStage(), hyp[2].GetStage(), hyp[3].GetStage(),
		hyp[4].GetStage(), hyp[5].GetStage(), hyp[6].GetStage()})
}

func TestNormalizeNightlyRecharge(t *testing.T) {
	recharge := readTestdata(t, "nightly_recharge.json")
	helsinki := mustLoad(t, "Europe/Helsinki")
	tests := []struct {
		name            string
		sleep           []byte
		fallback        *time.Location
		wantHRVStart    string
		wantBreathStart string
	}{
		{"anchored on sleep", readTestdata(t, "sleep.json"), nil, "2019-12-31T21:41:00Z", "2019-12-31T21:39:00Z"},
		{"date and zone", nil, helsinki, "2019-12-31T22:41:00Z", "2019-12-31T22:39:00Z"},
		{"date only, UTC", nil, nil, "2020-01-01T00:41:00Z", "2020-01-01T00:39:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, warns, err := NormalizeNightlyRecharge("475", recharge, tt.sleep, tt.fallback, testNow)
			require.NoError(t, err)
			assert.Empty(t, warns, "the docs' example is plausible")
			assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, rec.GetKind())
			assert.Equal(t, "nightly_recharge.475.2020-01-01", rec.GetKey())
			nr := rec.GetNightlyRecharge()
			assert.Equal(t, int32(70), nr.GetHeartRateAvg())
			assert.Equal(t, int32(816), nr.GetBeatToBeatAvgMs())
			assert.Equal(t, int32(28), nr.GetHrvAvgMs())
			assert.Equal(t, 14.1, nr.GetBreathingRateAvg())
			assert.Equal(t, int32(3), nr.GetNightlyRechargeStatus())
			assert.Equal(t, int32(3), nr.GetAnsChargeStatus())

			hrv := nr.GetHrv()
			require.NotNil(t, hrv)
			assert.Equal(t, pluginapi.SampleType_SAMPLE_TYPE_HRV, hrv.GetType())
			assert.Equal(t, tt.wantHRVStart, hrv.GetStart().AsTime().Format(time.RFC3339))
			assert.Equal(t, []int64{0, 300000, 600000}, hrv.GetOffsetMs())
			assert.Equal(t, []float64{14, 14, 15}, hrv.GetValues())
			br := nr.GetBreathingRate()
			require.NotNil(t, br)
			assert.Equal(t, pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE, br.GetType())
			assert.Equal(t, tt.wantBreathStart, br.GetStart().AsTime().Format(time.RFC3339))
			assert.Equal(t, []float64{13.4, 13.5, 13.5}, br.GetValues())
		})
	}
}

func TestNightlyRechargeFallbackEvening(t *testing.T) {
	// Without a sleep, clock times from noon on are the evening before.
	r := &NightlyRecharge{Date: "2024-01-10", HRVSamples: map[string]float64{"23:50": 1, "00:10": 2, "06:00": 3}}
	rec, _, err := NightlyRechargeRecord("1", r, nil, nil, testNow)
	require.NoError(t, err)
	hrv := rec.GetNightlyRecharge().GetHrv()
	assert.Equal(t, "2024-01-09T23:50:00Z", hrv.GetStart().AsTime().Format(time.RFC3339))
	assert.Equal(t, []int64{0, 20 * 60000, (6*60 + 10) * 60000}, hrv.GetOffsetMs())
	assert.Equal(t, []float64{1, 2, 3}, hrv.GetValues())
}

func TestNightlyRechargeRejects(t *testing.T) {
	s := wantDocSleep()
	night, err := s.Night()
	require.NoError(t, err)
	r := wantDocRecharge()
	r.Date = "2020-01-02"
	_, _, err = NightlyRechargeRecord("475", &r, &night, nil, testNow)
	assert.ErrorIs(t, err, ErrInvalidPayload)

	r = wantDocRecharge()
	r.HRVSamples["bad"] = 1
	_, _, err = NightlyRechargeRecord("475", &r, &night, nil, testNow)
	assert.ErrorIs(t, err, ErrInvalidTime)

	r = wantDocRecharge()
	r.Date = "01.01.2020"
	_, _, err = NightlyRechargeRecord("475", &r, nil, nil, testNow)
	assert.ErrorIs(t, err, ErrInvalidTime)
}
