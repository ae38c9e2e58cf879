package accesslink

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestDecodeExerciseBothShapes(t *testing.T) {
	tests := []struct {
		file         string
		id           string
		duration     string
		detailed     string
		distance     float64
		transaction  int64
		uploadTime   string
		wantZones    int
		wantSamples  int
		wantTLPDates []string
	}{
		{
			file: "exercise_transaction.json", id: "1937529874", duration: "PT2H44M45S",
			detailed: "RUNNING", distance: 1600.2, transaction: 179879,
			uploadTime: "2008-10-13T10:40:0.000Z", wantTLPDates: []string{"2023-01-01"},
		},
		{
			file: "exercise_hashed.json", id: "2AC312F", duration: "PT2H44M",
			detailed: "WATERSPORTS_WATERSKI", distance: 1600,
			uploadTime: "2008-10-13T10:40:02.000Z", wantZones: 1, wantSamples: 1,
			wantTLPDates: []string{"2023-01-01"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ex, err := DecodeExercise(readTestdata(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, FlexString(tt.id), ex.ID)
			assert.Equal(t, tt.uploadTime, ex.UploadTime)
			assert.Equal(t, "https://www.polaraccesslink/v3/users/1", ex.PolarUser)
			assert.Equal(t, tt.transaction, ex.TransactionID)
			assert.Equal(t, "Polar M400", ex.Device)
			assert.Equal(t, "1111AAAA", ex.DeviceID)
			assert.Equal(t, "2008-10-13T10:40:02", ex.StartTime)
			require.NotNil(t, ex.StartTimeUTCOffset)
			assert.Equal(t, 180, *ex.StartTimeUTCOffset)
			assert.Equal(t, tt.duration, ex.Duration)
			assert.Equal(t, 530.0, ex.Calories)
			assert.Equal(t, tt.distance, ex.Distance)
			assert.Equal(t, HeartRate{Average: 129, Maximum: 147}, ex.HeartRate)
			assert.Equal(t, 143.22, ex.TrainingLoad)
			assert.Equal(t, "OTHER", ex.Sport)
			assert.True(t, ex.HasRoute)
			assert.Equal(t, int64(999), ex.ClubID)
			assert.Equal(t, "Polar Club", ex.ClubName)
			assert.Equal(t, tt.detailed, ex.DetailedSportInfo)
			assert.Equal(t, 60.0, ex.FatPercentage)
			assert.Equal(t, 38.0, ex.CarbPercentage)
			assert.Equal(t, 2.0, ex.ProteinPercentage)
			assert.Equal(t, 51.0, ex.RunningIndex)
			require.Len(t, ex.TrainingLoadPro, len(tt.wantTLPDates))
			assert.Equal(t, TrainingLoadPro{
				Date: "2023-01-01", CardioLoad: 1, MuscleLoad: 1, PerceivedLoad: 1,
				CardioLoadInterpretation: "UNKNOWN", MuscleLoadInterpretation: "UNKNOWN",
				PerceivedLoadInterpretation: "UNKNOWN", UserRPE: "UNKNOWN",
			}, ex.TrainingLoadPro[0])
			require.Len(t, ex.HeartRateZones, tt.wantZones)
			if tt.wantZones > 0 {
				assert.Equal(t, Zone{Index: 1, LowerLimit: 110, UpperLimit: 130, InZone: "PT4S"}, ex.HeartRateZones[0])
			}
			require.Len(t, ex.Samples, tt.wantSamples)
			if tt.wantSamples > 0 {
				assert.Equal(t, int64(5), ex.Samples[0].RecordingRate)
				assert.Equal(t, FlexString("1"), ex.Samples[0].SampleType)
				assert.Contains(t, ex.Samples[0].Data, "0,100,102,97")
			}
		})
	}
}

func TestDecodeExerciseSpellingPrecedence(t *testing.T) {
	// Both spellings present: the hyphenated one wins, whatever the order.
	for _, body := range []string{
		`{"id": 1, "start-time": "2020-01-01T10:00:00", "start_time": "1999-01-01T00:00:00"}`,
		`{"id": 1, "start_time": "1999-01-01T00:00:00", "start-time": "2020-01-01T10:00:00"}`,
	} {
		ex, err := DecodeExercise([]byte(body))
		require.NoError(t, err)
		assert.Equal(t, "2020-01-01T10:00:00", ex.StartTime)
	}
	// A list set by the snake_case key is replaced, not merged, by the
	// hyphenated one; keys match case-insensitively, as encoding/json's do;
	// unknown keys are skipped.
	ex, err := DecodeExercise([]byte(`{"ID": 7, "heart_rate_zones": [{"index": 1}, {"index": 2}], "later": {"x": [1]}, "heart-rate-zones": [{"index": 3}]}`))
	require.NoError(t, err)
	assert.Equal(t, "7", string(ex.ID))
	assert.Equal(t, []Zone{{Index: 3}}, ex.HeartRateZones)
	_, err = DecodeExercise([]byte(`{"id": 1} {"id": 2}`))
	assert.ErrorIs(t, err, ErrInvalidPayload, "data after the object")
}

func TestDecodeExerciseList(t *testing.T) {
	es, err := DecodeExercises(readTestdata(t, "exercises_hashed.json"))
	require.NoError(t, err)
	require.Len(t, es, 1)
	assert.Equal(t, FlexString("2AC312F"), es[0].ID)
	assert.Equal(t, "WATERSPORTS_WATERSKI", es[0].DetailedSportInfo)
	assert.Len(t, es[0].Samples, 1)
}

func TestDecodeSamplesAndZones(t *testing.T) {
	ss, err := DecodeSamples(readTestdata(t, "sample.json"))
	require.NoError(t, err)
	require.Len(t, ss, 1)
	assert.Equal(t, Sample{
		RecordingRate: 5, SampleType: "1",
		Data: "0,100,102,97,97,101,103,106,96,89,88,87,98,108,113,112,114,115,118,121,121,121,121,123,117,119,122",
	}, ss[0])

	ss, err = DecodeSamples([]byte(`[{"recording_rate": null, "sample_type": 11, "data": "800,NULL"}]`))
	require.NoError(t, err)
	assert.Equal(t, []Sample{{SampleType: "11", Data: "800,NULL"}}, ss)

	zs, err := DecodeZones(readTestdata(t, "zones.json"))
	require.NoError(t, err)
	assert.Equal(t, []Zone{{Index: 1, LowerLimit: 110, UpperLimit: 130, InZone: "PT4S"}}, zs)

	zs, err = DecodeZones([]byte(`[{"index": 2, "lower_limit": 130, "upper_limit": 150, "in_zone": "PT1M"}]`))
	require.NoError(t, err)
	assert.Equal(t, []Zone{{Index: 2, LowerLimit: 130, UpperLimit: 150, InZone: "PT1M"}}, zs)
}

func wantDocSleep() Sleep {
	return Sleep{
		PolarUser: "https://www.polaraccesslink/v3/users/1", Date: "2020-01-01",
		SleepStartTime: "2020-01-01T00:39:07+03:00", SleepEndTime: "2020-01-01T09:19:37+03:00",
		DeviceID: "1111AAAA", Continuity: 2.1, ContinuityClass: 2,
		LightSleep: 1000, DeepSleep: 1000, REMSleep: 1000, UnrecognizedSleepStage: 1000,
		SleepScore: 80, TotalInterruptionDuration: 1000, SleepCharge: 3, SleepGoal: 28800,
		SleepRating: 3, ShortInterruptionDuration: 500, LongInterruptionDuration: 300,
		SleepCycles: 6, GroupDurationScore: 100, GroupSolidityScore: 75, GroupRegenerationScore: 54.2,
		Hypnogram:        map[string]float64{"00:39": 2, "00:50": 3, "01:23": 6},
		HeartRateSamples: map[string]float64{"00:41": 76, "00:46": 77, "00:51": 76},
	}
}

func wantDocRecharge() NightlyRecharge {
	return NightlyRecharge{
		PolarUser: "https://www.polaraccesslink/v3/users/1", Date: "2020-01-01",
		HeartRateAvg: 70, BeatToBeatAvg: 816, HeartRateVariabilityAvg: 28, BreathingRateAvg: 14.1,
		NightlyRechargeStatus: 3, ANSCharge: 0, ANSChargeStatus: 3,
		HRVSamples:       map[string]float64{"00:41": 14, "00:46": 14, "00:51": 15},
		BreathingSamples: map[string]float64{"00:39": 13.4, "00:44": 13.5, "00:49": 13.5},
	}
}

func TestDecodeSleepAndRecharge(t *testing.T) {
	s, err := DecodeSleep(readTestdata(t, "sleep.json"))
	require.NoError(t, err)
	assert.Equal(t, wantDocSleep(), *s)

	nights, err := DecodeNights(readTestdata(t, "nights.json"))
	require.NoError(t, err)
	assert.Equal(t, []Sleep{wantDocSleep()}, nights)

	avail, err := DecodeAvailableSleeps(readTestdata(t, "available_sleeps.json"))
	require.NoError(t, err)
	assert.Equal(t, []AvailableSleep{{
		Date: "2020-01-01", StartTime: "2020-01-01T00:39:07+03:00", EndTime: "2020-01-01T09:39:07+03:00",
	}}, avail)

	r, err := DecodeNightlyRecharge(readTestdata(t, "nightly_recharge.json"))
	require.NoError(t, err)
	assert.Equal(t, wantDocRecharge(), *r)

	rs, err := DecodeRecharges(readTestdata(t, "recharges.json"))
	require.NoError(t, err)
	assert.Equal(t, []NightlyRecharge{wantDocRecharge()}, rs)
}

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		file string
		want WebhookPayload
	}{
		{"webhook_exercise.json", WebhookPayload{
			Event: EventExercise, UserID: 475, EntityID: "aQlC83", Timestamp: "2018-05-15T14:22:24Z",
			URL: "https://www.polaraccesslink.com/v3/exercises/aQlC83",
		}},
		{"webhook_sleep.json", WebhookPayload{
			Event: EventSleep, UserID: 475, Date: "2019-12-31", Timestamp: "2018-05-15T14:22:24Z",
			URL: "https://www.polaraccesslink.com/v3/users/sleep/2019-12-31",
		}},
		{"webhook_ping.json", WebhookPayload{Event: EventPing, Timestamp: "2018-05-15T14:22:24Z"}},
		{"webhook_ping_intro.json", WebhookPayload{Event: EventPing, Timestamp: "2019-01-11T08:25:10.02Z"}},
		{"webhook_continuous_heart_rate.json", WebhookPayload{
			// The docs' date "2022-09-31" does not exist; it is kept verbatim.
			Event: EventContinuousHeartRate, UserID: 475, Date: "2022-09-31", Timestamp: "2018-05-15T14:22:24Z",
			URL: "https://www.polaraccesslink.com/v3/users/continuous-heart-rate/2022-09-31",
		}},
		{"webhook_alertness.json", WebhookPayload{
			Event: EventSleepWiseAlertness, UserID: 475, From: "2022-09-31", To: "2022-10-02",
			Timestamp: "2022-10-02T14:22:24Z",
			URL:       "https://www.polaraccesslink.com/v3/users/sleepwise/alertness/date?from=2022-09-31&to=2022-10-02",
		}},
		{"webhook_circadian_bedtime.json", WebhookPayload{
			Event: EventSleepWiseCircadianBedtime, UserID: 475, From: "2022-09-31", To: "2022-10-02",
			Timestamp: "2022-10-02T14:22:24Z",
			URL:       "https://www.polaraccesslink.com/v3/users/sleepwise/circadian_bedtime/date?from=2022-09-31&to=2022-10-02",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := ParseWebhook(readTestdata(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, *p)
			_, err = p.SentAt()
			assert.NoError(t, err)
		})
	}
}

func TestParseWebhookRejects(t *testing.T) {
	for name, body := range map[string]string{
		"not json":          `{"event":`,
		"no event":          `{"user_id": 1}`,
		"exercise no id":    `{"event": "EXERCISE", "user_id": 475}`,
		"exercise no user":  `{"event": "EXERCISE", "entity_id": "x"}`,
		"sleep no date":     `{"event": "SLEEP", "user_id": 475}`,
		"user id as string": `{"event": "SLEEP", "user_id": "475", "date": "2020-01-01"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWebhook([]byte(body))
			assert.ErrorIs(t, err, ErrInvalidPayload)
		})
	}
	p, err := ParseWebhook([]byte(`{"event": "SOMETHING_NEW", "timestamp": "2024-01-01T00:00:00Z"}`))
	require.NoError(t, err)
	assert.Equal(t, WebhookEvent("SOMETHING_NEW"), p.Event)
}

func TestDecodeNotificationsAndLinks(t *testing.T) {
	n, err := DecodeNotifications(readTestdata(t, "notifications.json"))
	require.NoError(t, err)
	assert.Equal(t, []AvailableUserData{{
		UserID: 475, DataType: "ACTIVITY_SUMMARY",
		URL: "https://www.polaraccesslink.com/v3/users/475/activity-transactions",
	}}, n)

	var links ExerciseLinks
	require.NoError(t, decodeJSON("links", readTestdata(t, "exercise_links.json"), &links))
	assert.Equal(t, []string{
		"https://www.polaraccesslink.com/v3/users/12/exercise-transactions/34/exercises/56",
		"https://www.polaraccesslink.com/v3/users/12/exercise-transactions/34/exercises/120",
	}, links.Exercises)

	var loc TransactionLocation
	require.NoError(t, decodeJSON("location", readTestdata(t, "transaction_location.json"), &loc))
	assert.Equal(t, TransactionLocation{
		TransactionID: 122, ResourceURI: "https://polaraccesslink.com/v3/users/21/physical-information-transactions/32",
	}, loc)
}

func TestDecodeRejectsGarbage(t *testing.T) {
	_, err := DecodeExercise([]byte(`{"id": {}}`))
	assert.ErrorIs(t, err, ErrInvalidPayload)
	_, err = DecodeSleep([]byte(`[]`))
	assert.ErrorIs(t, err, ErrInvalidPayload)
	_, err = DecodeNightlyRecharge([]byte(`{"hrv_samples": {"00:41": "x"}}`))
	assert.ErrorIs(t, err, ErrInvalidPayload)
}
