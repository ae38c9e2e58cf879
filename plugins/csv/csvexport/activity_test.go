package csvexport

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func newDailyActivity(date, version string, steps int32) *pluginapi.Record {
	day, _ := time.Parse(time.DateOnly, date)
	start := day.Add(-3 * time.Hour) // midnight at UTC+3
	at := func(h int) *pluginapi.Time {
		return &pluginapi.Time{Utc: timestamppb.New(start.Add(time.Duration(h) * time.Hour)), UtcOffsetMinutes: 180}
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, Key: pluginapi.DailyActivityKey("475", date), Version: version,
		UserId: "475", Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_DailyActivity{DailyActivity: &pluginapi.DailyActivity{
			Date: date, DayStart: at(0), Created: at(20), Id: 1234, Calories: 2329, ActiveCalories: 428,
			DurationSeconds: 9840, ActiveSteps: steps, StepSampleIntervalMinutes: 60, ZoneSampleIntervalMinutes: 60,
			StepSamples: []*pluginapi.ActivityStepSample{{Time: at(9), Steps: steps / 2}, {Time: at(10), Steps: steps - steps/2}},
			ZoneSamples: []*pluginapi.ActivityZoneSample{{Time: at(9), Zones: []*pluginapi.ActivityZone{
				{Index: 1, Name: "SEDENTARY", InZoneSeconds: 3000}, {Index: 3, Name: "MODERATE", InZoneSeconds: 600}}}},
			ZoneTotals: []*pluginapi.ActivityZone{{Index: 1, Name: "SEDENTARY", InZoneSeconds: 3000}, {Index: 3, Name: "MODERATE", InZoneSeconds: 600}},
		}},
	}
}

func TestExportDailyActivity(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, false)
	requireAllOK(t, export(t, e, newDailyActivity("2024-05-01", "v1", 4000), newDailyActivity("2024-05-02", "v1", 9000)))
	requireAllOK(t, export(t, e, newDailyActivity("2024-05-01", "v1", 4000)))  // redelivered
	requireAllOK(t, export(t, e, newDailyActivity("2024-05-01", "v2", 11000))) // the day synced again

	days := readCSV(t, filepath.Join(dir, "daily_activity.csv"))
	assert.Equal(t, dailyActivityHeader, days[0])
	assert.Equal(t, []string{"daily_activity.475.2024-05-01", "daily_activity.475.2024-05-02"}, column(t, days, "key"))
	assert.Equal(t, []string{"v2", "v1"}, column(t, days, "version"))
	assert.Equal(t, []string{"11000", "9000"}, column(t, days, "active_steps"))
	assert.Equal(t, []string{"2024-04-30T21:00:00Z", "2024-05-01T21:00:00Z"}, column(t, days, "day_start_utc"))
	assert.Equal(t, []string{"2024-05-01T00:00:00+03:00", "2024-05-02T00:00:00+03:00"}, column(t, days, "day_start_local"))
	assert.Equal(t, []string{"600", "600"}, column(t, days, "moderate_s"))

	steps := readCSV(t, filepath.Join(dir, "daily_activity_steps.csv"))
	assert.Equal(t, []string{"v2", "v2", "v1", "v1"}, column(t, steps, "version"), "the old version's samples are gone")
	assert.Equal(t, []string{"5500", "5500", "4500", "4500"}, column(t, steps, "steps"))
	assert.Equal(t, []string{"2024-05-01T06:00:00Z", "2024-05-01T07:00:00Z", "2024-05-02T06:00:00Z", "2024-05-02T07:00:00Z"}, column(t, steps, "time_utc"))
	zones := readCSV(t, filepath.Join(dir, "daily_activity_zones.csv"))
	assert.Equal(t, []string{"SEDENTARY", "MODERATE", "SEDENTARY", "MODERATE"}, column(t, zones, "zone"))
}

func TestExportPhysicalInformation(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, false)
	rec := newPhysicalInformation()
	requireAllOK(t, export(t, e, rec, rec))
	rows := readCSV(t, filepath.Join(dir, "physical_information.csv"))
	require.Len(t, rows, 2, "header and one row, though delivered twice")
	assert.Equal(t, withHeader(physicalInformationHeader, []string{
		"physical_information.475.123", "v1", "475", "accesslink", "123", "2016-04-27T20:11:33Z", "2016-04-27T23:11:33+03:00",
		"80", "180", "160", "60", "123", "140", "52", "SOURCE_MEASURED",
	}), rows)
}

func newPhysicalInformation() *pluginapi.Record {
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Key: pluginapi.PhysicalInformationKey("475", "123"), Version: "v1",
		UserId: "475", Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{
			Id: 123, Created: &pluginapi.Time{Utc: timestamppb.New(time.Date(2016, 4, 27, 20, 11, 33, 0, time.UTC)), UtcOffsetMinutes: 180},
			WeightKg: 80, HeightCm: 180, MaximumHeartRate: 160, RestingHeartRate: 60, AerobicThreshold: 123, AnaerobicThreshold: 140,
			Vo2Max: 52, WeightSource: "SOURCE_MEASURED",
		}},
	}
}
