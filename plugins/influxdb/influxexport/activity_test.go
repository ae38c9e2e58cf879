package influxexport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// A day at its local midnight (UTC+3), its step samples and zone samples
// on series tagged by user and source only; a new version of the day
// lands on the same series and times.
func TestDailyActivityPoints(t *testing.T) {
	start := time.Date(2026, 5, 4, 21, 0, 0, 0, time.UTC)
	at := func(h int) *pluginapi.Time {
		return &pluginapi.Time{Utc: timestamppb.New(start.Add(time.Duration(h) * time.Hour)), UtcOffsetMinutes: 180}
	}
	rec := func(version string, steps int32) *pluginapi.Record {
		return &pluginapi.Record{
			Kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, Key: "daily_activity.475.2026-05-05", Version: version, UserId: "475",
			Source: pluginapi.Source_SOURCE_ACCESSLINK,
			Body: &pluginapi.Record_DailyActivity{DailyActivity: &pluginapi.DailyActivity{
				Date: "2026-05-05", DayStart: at(0), Created: at(12), Calories: 2329, ActiveCalories: 428, DurationSeconds: 9840, ActiveSteps: steps,
				StepSamples: []*pluginapi.ActivityStepSample{{Time: at(9), Steps: steps}},
				ZoneSamples: []*pluginapi.ActivityZoneSample{{Time: at(9), Zones: []*pluginapi.ActivityZone{{Index: 1, InZoneSeconds: 3000}, {Index: 3, InZoneSeconds: 600}}}},
				ZoneTotals:  []*pluginapi.ActivityZone{{Index: 1, InZoneSeconds: 3000}, {Index: 3, InZoneSeconds: 600}},
			}},
		}
	}
	ps, err := recordPoints(rec("v1", 250))
	require.NoError(t, err)
	assert.Equal(t, `daily_activity,source=accesslink,user=475 date="2026-05-05",version="v1",created="2026-05-05T09:00:00Z",calories=2329i,active_calories=428i,duration_s=9840,active_steps=250i,sleep_s=0,sedentary_s=3000,light_s=0,moderate_s=600,vigorous_s=0,non_wear_s=0 1777928400
activity_steps,source=accesslink,user=475 steps=250i 1777960800000
activity_zones,source=accesslink,user=475 sedentary_s=3000,moderate_s=600 1777960800000
`, encode(t, ps))
	again, err := recordPoints(rec("v2", 9000))
	require.NoError(t, err)
	require.Len(t, again, len(ps))
	for i := range ps {
		assert.Equal(t, ps[i].time, again[i].time)
		assert.Equal(t, ps[i].tags, again[i].tags)
	}
}

func TestPhysicalInformationPoints(t *testing.T) {
	created := time.Date(2016, 4, 27, 20, 11, 33, 0, time.UTC)
	ps, err := recordPoints(&pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Key: "physical_information.475.123", Version: "v1", UserId: "475",
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{
			Id: 123, Created: &pluginapi.Time{Utc: timestamppb.New(created)}, WeightKg: 80, HeightCm: 180, MaximumHeartRate: 160,
			RestingHeartRate: 60, AerobicThreshold: 123, AnaerobicThreshold: 140, Vo2Max: 52, WeightSource: "SOURCE_MEASURED",
		}},
	})
	require.NoError(t, err)
	assert.Equal(t, `physical_information,source=accesslink,user=475 version="v1",id=123i,weight_kg=80,height_cm=180,maximum_heart_rate=160i,resting_heart_rate=60i,aerobic_threshold=123i,anaerobic_threshold=140i,vo2_max=52i,weight_source="SOURCE_MEASURED" 1461787893
`, encode(t, ps))
	_, err = recordPoints(&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Key: "k", UserId: "1",
		Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{}}})
	assert.Error(t, err, "no created time: nowhere to put the point")
}
