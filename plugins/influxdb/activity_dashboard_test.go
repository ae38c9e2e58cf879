package main

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// activityRecords are days of daily activity (hourly samples) and one
// physical information entry for the dashboard's queries, from from on.
func activityRecords(user string, from time.Time, days int) []*pluginapi.Record {
	var out []*pluginapi.Record
	at := func(t time.Time) *pluginapi.Time {
		return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: 180}
	}
	for d := range days {
		start := from.AddDate(0, 0, d).Add(-3 * time.Hour) // midnight at UTC+3
		date := from.AddDate(0, 0, d).Format(time.DateOnly)
		a := &pluginapi.DailyActivity{
			Date: date, DayStart: at(start), Created: at(start.Add(23 * time.Hour)), Id: int64(100 + d),
			Calories: 2300, ActiveCalories: 450, DurationSeconds: 3 * 3600, ActiveSteps: 8000 + int32(d)*500,
			StepSampleIntervalMinutes: 60, ZoneSampleIntervalMinutes: 60,
			ZoneTotals: []*pluginapi.ActivityZone{
				{Index: 0, Name: "SLEEP", InZoneSeconds: 8 * 3600}, {Index: 1, Name: "SEDENTARY", InZoneSeconds: 10 * 3600},
				{Index: 2, Name: "LIGHT", InZoneSeconds: 4 * 3600}, {Index: 3, Name: "MODERATE", InZoneSeconds: 1.5 * 3600},
				{Index: 4, Name: "VIGOROUS", InZoneSeconds: 0.5 * 3600},
			},
		}
		for h := range 24 {
			t := start.Add(time.Duration(h) * time.Hour)
			a.StepSamples = append(a.StepSamples, &pluginapi.ActivityStepSample{Time: at(t), Steps: int32(h * 30)})
			a.ZoneSamples = append(a.ZoneSamples, &pluginapi.ActivityZoneSample{Time: at(t), Zones: []*pluginapi.ActivityZone{{Index: 1, Name: "SEDENTARY", InZoneSeconds: 3600}}})
		}
		out = append(out, &pluginapi.Record{
			Kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, Key: pluginapi.DailyActivityKey(user, date), Version: "v1",
			UserId: user, Source: pluginapi.Source_SOURCE_ACCESSLINK, Body: &pluginapi.Record_DailyActivity{DailyActivity: a},
		})
	}
	out = append(out, &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Key: pluginapi.PhysicalInformationKey(user, "7"), Version: "v1",
		UserId: user, Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{
			Id: 7, Created: at(from.Add(9 * time.Hour)), WeightKg: 72.5, HeightCm: 178, MaximumHeartRate: 188, RestingHeartRate: 52,
			AerobicThreshold: 132, AnaerobicThreshold: 160, Vo2Max: 51, WeightSource: "SOURCE_USER",
		}},
	})
	return out
}
