package testrecords

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// CardioLoad returns a day of cardio load whose load follows the day of
// the month, so a few days make a curve.
func CardioLoad(user, date string) *pluginapi.Record {
	day, _ := time.Parse(time.DateOnly, date)
	load := float64(20 + 7*(day.Day()%5))
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD,
		Key:    pluginapi.CardioLoadKey(user, date),
		UserId: user,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_CardioLoad{CardioLoad: &pluginapi.CardioLoad{
			Date:       date,
			DayStart:   &pluginapi.Time{Utc: timestamppb.New(day)},
			Status:     "PRODUCTIVE",
			CardioLoad: load,
			Strain:     load * 0.9, Tolerance: 30, Ratio: load * 0.9 / 30,
			LevelVeryLow: 10, LevelLow: 20, LevelMedium: 30, LevelHigh: 40, LevelVeryHigh: 50,
		}},
		Version: fmt.Sprintf("cl-%s", date),
	}
}
