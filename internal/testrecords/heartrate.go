package testrecords

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// ContinuousHeartRate returns a day of 24/7 heart rate in UTC (offset 0):
// a sample every 5 minutes, 288 in all.
func ContinuousHeartRate(user, date string) *pluginapi.Record {
	day, _ := time.Parse(time.DateOnly, date)
	s := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, Start: timestamppb.New(day)}
	for i := range 288 {
		s.OffsetMs = append(s.OffsetMs, int64(i)*5*60*1000+2000)
		s.Values = append(s.Values, float64(55+i%30))
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE,
		Key:    pluginapi.ContinuousHeartRateKey(user, date),
		UserId: user,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_ContinuousHeartRate{ContinuousHeartRate: &pluginapi.ContinuousHeartRate{
			Date:       date,
			DayStart:   &pluginapi.Time{Utc: timestamppb.New(day)},
			DayEnd:     &pluginapi.Time{Utc: timestamppb.New(day.AddDate(0, 0, 1))},
			Zone:       "UTC",
			HeartRate:  s,
			UtcOffsets: []*pluginapi.UtcOffsetChange{{Index: 0, UtcOffsetMinutes: 0}},
			PolarUser:  fmt.Sprintf("https://www.polaraccesslink.com/v3/users/%s", user),
		}},
	}
}
