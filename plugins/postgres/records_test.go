package main

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// at is a record Time at offset minutes.
func at(t time.Time, offset int32) *pluginapi.Time {
	return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: offset}
}

// everyKind returns one record of every kind for user, around the night
// ending on date, each with every field set (and the exercise with a
// FIT file).
func everyKind(user string, day time.Time) []*pluginapi.Record {
	date := day.Format(time.DateOnly)
	ex := testrecords.Exercise(user, "ex"+date, day.Add(7*time.Hour), 20*time.Minute)
	e := ex.GetExercise()
	e.FitSubSport, e.FitSubSportId, e.DetailedSport = "TRAIL", 3, "TRAIL_RUNNING"
	e.FatPercentage, e.CarbohydratePercentage, e.ProteinPercentage = 30, 60, 10
	e.Laps = []*pluginapi.Lap{
		{Start: e.GetStart(), DurationSeconds: 600, DistanceMeters: 1900.5, HeartRateAvg: 138, HeartRateMax: 150},
		{Start: at(e.GetStart().GetUtc().AsTime().Add(10*time.Minute), 120), DurationSeconds: 600, DistanceMeters: 1950, HeartRateAvg: 146, HeartRateMax: 171},
	}
	e.Samples = append(e.Samples, &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL,
		Start: e.GetStart().GetUtc(), OffsetMs: []int64{0, 431, 870}, Values: []float64{431, 439, 428.5}})
	e.Files = []*pluginapi.File{{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Object: "fit/" + user + "/" + e.GetId(),
		Size: 5, Sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Data: []byte("hello")}}

	team, players := testrecords.TeamProSession("T1", "ts"+date, day.Add(17*time.Hour), 2*time.Minute, 1)
	tz := at(day.Add(-3*time.Hour), 180)
	recs := []*pluginapi.Record{
		ex,
		testrecords.Sleep(user, date),
		testrecords.NightlyRecharge(user, date),
		testrecords.CardioLoad(user, date),
		testrecords.ContinuousHeartRate(user, date),
		team, players[0],
		{Kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, Key: pluginapi.DailyActivityKey(user, date),
			Body: &pluginapi.Record_DailyActivity{DailyActivity: &pluginapi.DailyActivity{
				Date: date, DayStart: tz, Created: at(day.Add(20*time.Hour), 180), Id: 9001,
				Calories: 2450, ActiveCalories: 700, DurationSeconds: 86400, ActiveSteps: 10432,
				StepSampleIntervalMinutes: 60, ZoneSampleIntervalMinutes: 60,
				StepSamples: []*pluginapi.ActivityStepSample{{Time: tz, Steps: 0}, {Time: at(day.Add(-2*time.Hour), 180), Steps: 120}},
				ZoneSamples: []*pluginapi.ActivityZoneSample{
					{Time: tz, Zones: []*pluginapi.ActivityZone{{Index: 0, Name: "SLEEP", InZoneSeconds: 3000}, {Index: 5, Name: "NON_WEAR", InZoneSeconds: 600}}},
					{Time: at(day.Add(-2*time.Hour), 180), Zones: []*pluginapi.ActivityZone{{Index: 2, Name: "LIGHT", InZoneSeconds: 3600}}},
				},
				ZoneTotals: []*pluginapi.ActivityZone{{Index: 0, Name: "SLEEP", InZoneSeconds: 3000}, {Index: 2, Name: "LIGHT", InZoneSeconds: 3600}, {Index: 5, Name: "NON_WEAR", InZoneSeconds: 600}},
			}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Key: pluginapi.PhysicalInformationKey(user, "77"+date[8:]),
			Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{
				Id: 7700 + int64(day.Day()), Created: at(day.Add(8*time.Hour), 180), WeightKg: 71.5, HeightCm: 180,
				MaximumHeartRate: 190, RestingHeartRate: 48 + int32(day.Day()%5), AerobicThreshold: 140, AnaerobicThreshold: 165,
				Vo2Max: 55, WeightSource: "SOURCE_MEASURED",
			}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, Key: "sleepwise_alertness." + user + "." + date,
			Body: &pluginapi.Record_SleepwiseAlertness{SleepwiseAlertness: &pluginapi.SleepWiseAlertness{
				PeriodStart: at(day.Add(4*time.Hour), 120), PeriodEnd: at(day.Add(20*time.Hour), 120),
				Grade: 9.9, GradeValiditySeconds: 57600, GradeType: "GRADE_TYPE_PRIMARY", GradeClassification: "GRADE_CLASSIFICATION_STRONG",
				Validity: "VALIDITY_VALID", SleepInertia: "SLEEP_INERTIA_MILD", SleepType: "SLEEP_TYPE_PRIMARY", ResultType: "ALERTNESS_TYPE_HISTORY",
				SleepPeriodStart: at(day.Add(-3*time.Hour+250*time.Millisecond), 120), SleepPeriodEnd: at(day.Add(4*time.Hour), 120),
				SleepTimezoneOffsetMinutes: 120,
				Hourly: []*pluginapi.AlertnessHour{{Start: at(day.Add(4*time.Hour), 120), End: at(day.Add(5*time.Hour), 120),
					Validity: "VALIDITY_VALID", AlertnessLevel: "ALERTNESS_LEVEL_HIGH"}},
			}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME, Key: "sleepwise_circadian_bedtime." + user + "." + date,
			Body: &pluginapi.Record_SleepwiseCircadianBedtime{SleepwiseCircadianBedtime: &pluginapi.SleepWiseCircadianBedtime{
				PeriodStart: at(day.Add(4*time.Hour), 120), PeriodEnd: at(day.Add(28*time.Hour), 120),
				PreferredSleepPeriodStart: at(day.Add(20*time.Hour), 120), PreferredSleepPeriodEnd: at(day.Add(28*time.Hour), 120),
				SleepGateStart: at(day.Add(20*time.Hour), 120), SleepGateEnd: at(day.Add(21*time.Hour), 120),
				Validity: "VALIDITY_ESTIMATE", Quality: "CIRCADIAN_BEDTIME_QUALITY_WEAK", ResultType: "CIRCADIAN_BEDTIME_TYPE_PREDICTION",
				SleepTimezoneOffsetMinutes: 120,
			}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, Key: "skin_temperature." + user + "." + date,
			Body: &pluginapi.Record_SkinTemperature{SkinTemperature: &pluginapi.SkinTemperature{
				SleepDate: date, DayStart: tz, SleepTimeSkinTemperatureCelsius: 34.25, DeviationFromBaselineCelsius: -0.5,
			}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, Key: "skin_contacts." + user + "." + date,
			Body: &pluginapi.Record_SkinContacts{SkinContacts: &pluginapi.SkinContacts{
				SourceDeviceId: "DEV1", Start: at(day, 120), End: at(day.Add(time.Hour), 120), Modified: at(day.Add(2*time.Hour), 120),
				Changes: []*pluginapi.SkinContactChange{{SkinContact: true, RecordingTimeDeltaMs: 0, At: at(day, 120)},
					{SkinContact: false, RecordingTimeDeltaMs: 1800000, At: at(day.Add(30*time.Minute), 120)}},
			}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_ECG_TEST, Key: "ecg_test." + user + "." + date,
			Body: &pluginapi.Record_EcgTest{EcgTest: &pluginapi.ECGTest{
				SourceDeviceId: "DEV1", TestTime: at(day.Add(9*time.Hour), 180), AverageHeartRateBpm: 61,
				HeartRateVariabilityMs: 45.5, HeartRateVariabilityLevel: "ECG_HRV_LEVEL_USUAL", RriMs: 980,
				PulseTransitTimeSystolicMs: 210.5, PulseTransitTimeDiastolicMs: 250.25, PulseTransitTimeQualityIndex: 0.9,
				Samples:             []*pluginapi.ECGSample{{RecordingTimeDeltaMs: 0, AmplitudeMv: 0.1}, {RecordingTimeDeltaMs: 8, AmplitudeMv: -0.25}, {RecordingTimeDeltaMs: 16, AmplitudeMv: 1.5}},
				QualityMeasurements: []*pluginapi.ECGQuality{{RecordingTimeDeltaMs: 0, QualityLevel: "ECG_QUALITY_HIGH"}},
			}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Key: "spo2_test." + user + "." + date,
			Body: &pluginapi.Record_Spo2Test{Spo2Test: &pluginapi.SpO2Test{
				SourceDeviceId: "DEV1", TestTime: at(day.Add(9*time.Hour), 180), TestStatus: "SPO2_TEST_PASSED",
				BloodOxygenPercent: 97, Spo2Class: "SPO2_CLASS_NORMAL", Spo2ValueDeviationFromBaseline: "DEVIATION_NO_BASELINE",
				Spo2QualityAveragePercent: 88.5, AverageHeartRateBpm: 62, HeartRateVariabilityMs: 40,
				Spo2HrvDeviationFromBaseline: "DEVIATION_USUAL", AltitudeMeters: 12.5,
			}}},
	}
	for _, r := range recs {
		if r.UserId == "" {
			r.UserId, r.Source = user, pluginapi.Source_SOURCE_ACCESSLINK
		}
		if r.Version == "" {
			r.Version = fmt.Sprintf("v1-%s", r.GetKey())
		}
	}
	return recs
}
