package influxexport

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

var t0 = time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC)

func smallExercise() *pluginapi.Record {
	ser := func(typ pluginapi.SampleType, start time.Time, offs []int64, vals ...float64) *pluginapi.Series {
		return &pluginapi.Series{Type: typ, Start: timestamppb.New(start), OffsetMs: offs, Values: vals}
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: "exercise.475.a1", Version: "v1", UserId: "475",
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id: "a1", Start: &pluginapi.Time{Utc: timestamppb.New(t0), UtcOffsetMinutes: 120},
			DurationSeconds: 1.5, DistanceMeters: 4.25, HeartRateAvg: 120, Sport: "RUNNING", DetailedSport: "TRAIL_RUNNING",
			Device: "Polar Grit X, Pro", DeviceId: "AB\nCD",
			HeartRateZones: []*pluginapi.HeartRateZone{{Index: 1, LowerBpm: 90, UpperBpm: 110, Seconds: 1.5}},
			Samples: []*pluginapi.Series{
				ser(pluginapi.SampleType_SAMPLE_TYPE_SPEED, t0, []int64{0, 1000}, 2.5, 3),
				ser(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, t0.Add(500*time.Millisecond), []int64{0, 500}, 120, 121),
				ser(pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, t0, []int64{0, 480}, 480, 495),
			},
		}},
	}
}

func encode(t *testing.T, ps []*point) string {
	t.Helper()
	chunks, bad := makeChunks([][]*point{ps}, 1000, 1<<20)
	require.Empty(t, bad)
	var b strings.Builder
	for _, c := range chunks {
		b.Write(c.body)
	}
	return b.String()
}

func TestExercisePoints(t *testing.T) {
	ps, err := recordPoints(smallExercise())
	require.NoError(t, err)
	want := `exercise,detailed_sport=TRAIL_RUNNING,device=Polar\ Grit\ X\,\ Pro,source=accesslink,sport=RUNNING,user=475 exercise_id="a1",version="v1",duration_seconds=1.5,distance_meters=4.25,heart_rate_avg=120i,fit_sport_id=0i,fit_sub_sport_id=0i,has_route=false,device_id="AB CD",utc_offset_minutes=120i 1777906800
exercise_hr_zone,user=475,zone=1 seconds=1.5,lower_bpm=90i,upper_bpm=110i,exercise_id="a1" 1777906800
exercise_sample,exercise_id=a1,user=475 speed=2.5 1777906800000
exercise_sample,exercise_id=a1,user=475 heart_rate=120 1777906800500
exercise_sample,exercise_id=a1,user=475 heart_rate=121,speed=3 1777906801000
exercise_rr,exercise_id=a1,user=475 rr=480 1777906800000
exercise_rr,exercise_id=a1,user=475 rr=495 1777906800480
`
	assert.Equal(t, want, encode(t, ps))
}

func TestSleepAndRechargePoints(t *testing.T) {
	start := time.Date(2026, 5, 4, 21, 10, 0, 0, time.UTC)
	sl := &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "sleep.475.2026-05-05", Version: "v1", UserId: "475",
		Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{
			Date:              "2026-05-05",
			Start:             &pluginapi.Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 120},
			End:               &pluginapi.Time{Utc: timestamppb.New(start.Add(8 * time.Hour)), UtcOffsetMinutes: 120},
			LightSleepSeconds: 100, DeepSleepSeconds: 50, SleepScore: 80, Continuity: 3.5,
			Hypnogram: []*pluginapi.HypnogramSample{
				{Time: &pluginapi.Time{Utc: timestamppb.New(start)}, Stage: 0},
				{Time: &pluginapi.Time{Utc: timestamppb.New(start.Add(time.Minute))}, Stage: 4},
				{Time: &pluginapi.Time{Utc: timestamppb.New(start.Add(2 * time.Minute))}, Stage: 9},
			},
			HeartRate: &pluginapi.Series{Start: timestamppb.New(start), OffsetMs: []int64{0}, Values: []float64{55}},
		}},
	}
	ps, err := recordPoints(sl)
	require.NoError(t, err)
	want := `sleep,user=475 date="2026-05-05",version="v1",start=1777929000i,end=1777957800i,in_bed_seconds=28800i,utc_offset_minutes=120i,device_id="",asleep_seconds=150i,light_sleep_seconds=100i,deep_sleep_seconds=50i,rem_sleep_seconds=0i,unrecognized_sleep_seconds=0i,total_interruption_seconds=0i,short_interruption_seconds=0i,long_interruption_seconds=0i,sleep_score=80i,continuity=3.5 1777939200
sleep_stage,user=475 stage=0i,stage_name="wake",level=4i 1777929000000
sleep_stage,user=475 stage=4i,stage_name="deep_non_rem",level=1i 1777929060000
sleep_stage,user=475 stage=9i 1777929120000
sleep_heart_rate,user=475 heart_rate=55 1777929000000
`
	assert.Equal(t, want, encode(t, ps))

	nr := &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, Key: "nightly_recharge.475.2026-05-05", Version: "v1", UserId: "475",
		Body: &pluginapi.Record_NightlyRecharge{NightlyRecharge: &pluginapi.NightlyRecharge{
			Date: "2026-05-05", HrvAvgMs: 44, AnsCharge: 0,
			Hrv:           &pluginapi.Series{Start: timestamppb.New(start), OffsetMs: []int64{0, 300000}, Values: []float64{40, 41}},
			BreathingRate: &pluginapi.Series{Start: timestamppb.New(start), OffsetMs: []int64{300000}, Values: []float64{13.5}},
		}},
	}
	ps, err = recordPoints(nr)
	require.NoError(t, err)
	assert.Equal(t, `nightly_recharge,user=475 date="2026-05-05",version="v1",hrv_avg_ms=44i,ans_charge=0 1777939200
nightly_recharge_sample,user=475 hrv=40 1777929000000
nightly_recharge_sample,user=475 hrv=41,breathing_rate=13.5 1777929300000
`, encode(t, ps))
}

// One point per day; a re-computed day (another status too) lands on the
// same series and time, every field written again.
func TestCardioLoadPoints(t *testing.T) {
	rec := func(version, status string, load float64) *pluginapi.Record {
		return &pluginapi.Record{
			Kind: pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD, Key: "cardio_load.475.2026-05-05", Version: version, UserId: "475",
			Source: pluginapi.Source_SOURCE_ACCESSLINK,
			Body: &pluginapi.Record_CardioLoad{CardioLoad: &pluginapi.CardioLoad{
				Date: "2026-05-05", Status: status, CardioLoad: load, Strain: 61.3, Tolerance: 52.1, Ratio: 1.18,
				LevelVeryLow: 20.5, LevelLow: 35.9, LevelMedium: 51.3, LevelHigh: 66.7, LevelVeryHigh: 82.1,
			}},
		}
	}
	ps, err := recordPoints(rec("v1", "PRODUCTIVE", 88.4))
	require.NoError(t, err)
	assert.Equal(t, `cardio_load,source=accesslink,user=475 date="2026-05-05",version="v1",status="PRODUCTIVE",cardio_load=88.4,strain=61.3,tolerance=52.1,ratio=1.18,level_very_low=20.5,level_low=35.9,level_medium=51.3,level_high=66.7,level_very_high=82.1 1777939200
`, encode(t, ps))
	ps, err = recordPoints(rec("v2", "OVERREACHING", 0))
	require.NoError(t, err)
	assert.Equal(t, `cardio_load,source=accesslink,user=475 date="2026-05-05",version="v2",status="OVERREACHING",cardio_load=0,strain=61.3,tolerance=52.1,ratio=1.18,level_very_low=20.5,level_low=35.9,level_medium=51.3,level_high=66.7,level_very_high=82.1 1777939200
`, encode(t, ps))
}

func TestRecordPointsErrors(t *testing.T) {
	for _, r := range []*pluginapi.Record{
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "k", UserId: "1"},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "k", UserId: "1", Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{Date: "May 5"}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: "k", UserId: "1", Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{Id: "x"}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_UNSPECIFIED, Key: "k", UserId: "1"},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "k"},
		{Kind: pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD, Key: "k", UserId: "1", Body: &pluginapi.Record_CardioLoad{CardioLoad: &pluginapi.CardioLoad{Date: "5.5."}}},
	} {
		_, err := recordPoints(r)
		assert.Error(t, err, "%v", r)
	}
}
