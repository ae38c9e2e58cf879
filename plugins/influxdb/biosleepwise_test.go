package main

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// bioSleepWiseRecords are a night's SleepWise alertness, skin temperature
// and an SpO2 test the day after from, for the dashboard's panels.
func bioSleepWiseRecords(from time.Time) []*pluginapi.Record {
	at := func(t time.Time) *pluginapi.Time {
		return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: 180}
	}
	sleep := from.AddDate(0, 0, 1).Add(-2 * time.Hour)
	wake := sleep.Add(8 * time.Hour)
	a := &pluginapi.SleepWiseAlertness{PeriodStart: at(sleep), PeriodEnd: at(wake.Add(15 * time.Hour)), Grade: 8.1, ResultType: "ALERTNESS_TYPE_HISTORY"}
	for h, level := range []string{"ALERTNESS_LEVEL_LOW", "ALERTNESS_LEVEL_VERY_HIGH", "ALERTNESS_LEVEL_HIGH", "ALERTNESS_LEVEL_LOW"} {
		a.Hourly = append(a.Hourly, &pluginapi.AlertnessHour{Start: at(wake.Add(time.Duration(h) * time.Hour)), End: at(wake.Add(time.Duration(h+1) * time.Hour)), AlertnessLevel: level})
	}
	date := wake.Format(time.DateOnly)
	return []*pluginapi.Record{
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, Key: pluginapi.SleepWiseAlertnessKey("475", sleep), Version: "v1", UserId: "475",
			Body: &pluginapi.Record_SleepwiseAlertness{SleepwiseAlertness: a}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, Key: pluginapi.SkinTemperatureKey("475", date), Version: "v1", UserId: "475",
			Body: &pluginapi.Record_SkinTemperature{SkinTemperature: &pluginapi.SkinTemperature{SleepDate: date, SleepTimeSkinTemperatureCelsius: 34.2, DeviationFromBaselineCelsius: -0.3}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Key: pluginapi.SpO2TestKey("475", wake.Add(time.Hour)), Version: "v1", UserId: "475",
			Body: &pluginapi.Record_Spo2Test{Spo2Test: &pluginapi.SpO2Test{TestTime: at(wake.Add(time.Hour)), TestStatus: "SPO2_TEST_PASSED", BloodOxygenPercent: 97}}},
	}
}
