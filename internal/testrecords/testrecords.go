// Package testrecords builds realistic records for tests, benchmarks and
// the demo: a steady run with drifting heart rate, a night with a
// plausible hypnogram, a nightly recharge.
package testrecords

import (
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Exercise returns an outdoor run of the given length at 1 Hz with heart
// rate, speed, cadence, altitude, distance and position.
func Exercise(user, id string, start time.Time, duration time.Duration) *pluginapi.Record {
	n := int(duration / time.Second)
	series := func(t pluginapi.SampleType) *pluginapi.Series {
		return &pluginapi.Series{Type: t, Start: timestamppb.New(start),
			OffsetMs: make([]int64, 0, n), Values: make([]float64, 0, n)}
	}
	hr := series(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE)
	speed := series(pluginapi.SampleType_SAMPLE_TYPE_SPEED)
	cad := series(pluginapi.SampleType_SAMPLE_TYPE_CADENCE)
	alt := series(pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE)
	dist := series(pluginapi.SampleType_SAMPLE_TYPE_DISTANCE)
	lat := series(pluginapi.SampleType_SAMPLE_TYPE_LATITUDE)
	lon := series(pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE)
	d := 0.0
	for i := range n {
		off := int64(i) * 1000
		s := 3.2 + 0.3*math.Sin(float64(i)/300)
		d += s
		add := func(ser *pluginapi.Series, v float64) {
			ser.OffsetMs = append(ser.OffsetMs, off)
			ser.Values = append(ser.Values, math.Round(v*1e6)/1e6)
		}
		add(hr, math.Round(135+15*math.Sin(float64(i)/600)+float64(i)/float64(max(n, 1))*10))
		add(speed, s)
		add(cad, 84+float64(i%3))
		add(alt, 40+8*math.Sin(float64(i)/900))
		add(dist, d)
		add(lat, 60.1699+d/111320*math.Cos(float64(i)/1200))
		add(lon, 24.9384+d/55800*math.Sin(float64(i)/1200))
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_EXERCISE,
		Key:    fmt.Sprintf("exercise.%s.%s", user, id),
		UserId: user,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id:              id,
			Start:           &pluginapi.Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 120},
			DurationSeconds: duration.Seconds(),
			DistanceMeters:  math.Round(d*10) / 10,
			Calories:        int32(duration.Minutes() * 11),
			HeartRateAvg:    142,
			HeartRateMax:    171,
			TrainingLoad:    math.Round(duration.Minutes()*1.6*100) / 100,
			Sport:           "RUNNING",
			DetailedSport:   "RUNNING",
			FitSport:        "RUNNING",
			FitSportId:      1,
			Device:          "Polar Vantage V3",
			DeviceId:        "1111AAAA",
			HasRoute:        true,
			RunningIndex:    51,
			Samples:         []*pluginapi.Series{hr, speed, cad, alt, dist, lat, lon},
			HeartRateZones: []*pluginapi.HeartRateZone{
				{Index: 1, LowerBpm: 95, UpperBpm: 114, Seconds: duration.Seconds() * 0.1},
				{Index: 2, LowerBpm: 114, UpperBpm: 133, Seconds: duration.Seconds() * 0.3},
				{Index: 3, LowerBpm: 133, UpperBpm: 152, Seconds: duration.Seconds() * 0.4},
				{Index: 4, LowerBpm: 152, UpperBpm: 171, Seconds: duration.Seconds() * 0.2},
				{Index: 5, LowerBpm: 171, UpperBpm: 190},
			},
		}},
	}
}

// Sleep returns the night ending on date (YYYY-MM-DD), from 23:10 to
// 07:02 local time at UTC+2.
func Sleep(user, date string) *pluginapi.Record {
	day, _ := time.Parse("2006-01-02", date)
	zone := time.FixedZone("", 2*3600)
	start := time.Date(day.Year(), day.Month(), day.Day()-1, 23, 10, 0, 0, zone)
	end := time.Date(day.Year(), day.Month(), day.Day(), 7, 2, 0, 0, zone)
	hr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, Start: timestamppb.New(start)}
	var hyp []*pluginapi.HypnogramSample
	stages := []int32{2, 3, 4, 3, 1, 2, 4, 3, 1, 0, 2, 1}
	for i, t := 0, start; t.Before(end); i, t = i+1, t.Add(5*time.Minute) {
		hr.OffsetMs = append(hr.OffsetMs, t.Sub(start).Milliseconds())
		hr.Values = append(hr.Values, float64(58-i%7))
		if i%8 == 0 {
			hyp = append(hyp, &pluginapi.HypnogramSample{
				Time:  &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: 120},
				Stage: stages[(i/8)%len(stages)],
			})
		}
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_SLEEP,
		Key:    fmt.Sprintf("sleep.%s.%s", user, date),
		UserId: user,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{
			Date:                     date,
			Start:                    &pluginapi.Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 120},
			End:                      &pluginapi.Time{Utc: timestamppb.New(end), UtcOffsetMinutes: 120},
			DeviceId:                 "1111AAAA",
			LightSleepSeconds:        14400,
			DeepSleepSeconds:         5400,
			RemSleepSeconds:          6300,
			UnrecognizedSleepSeconds: 0,
			TotalInterruptionSeconds: 2220,
			ShortInterruptionSeconds: 1200,
			LongInterruptionSeconds:  1020,
			SleepScore:               82,
			SleepCharge:              3,
			SleepGoalSeconds:         28800,
			SleepRating:              4,
			SleepCycles:              5,
			Continuity:               3.6,
			ContinuityClass:          3,
			GroupDurationScore:       92,
			GroupSolidityScore:       71.5,
			GroupRegenerationScore:   80.25,
			Hypnogram:                hyp,
			HeartRate:                hr,
		}},
	}
}

// NightlyRecharge returns the recharge of the night ending on date.
func NightlyRecharge(user, date string) *pluginapi.Record {
	day, _ := time.Parse("2006-01-02", date)
	start := time.Date(day.Year(), day.Month(), day.Day()-1, 21, 40, 0, 0, time.UTC)
	hrv := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HRV, Start: timestamppb.New(start)}
	br := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE, Start: timestamppb.New(start)}
	for i := range 48 {
		off := int64(i) * 5 * 60 * 1000
		hrv.OffsetMs = append(hrv.OffsetMs, off)
		hrv.Values = append(hrv.Values, float64(40+i%9))
		br.OffsetMs = append(br.OffsetMs, off)
		br.Values = append(br.Values, 13.4+float64(i%4)/10)
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
		Key:    fmt.Sprintf("nightly_recharge.%s.%s", user, date),
		UserId: user,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_NightlyRecharge{NightlyRecharge: &pluginapi.NightlyRecharge{
			Date:                  date,
			HeartRateAvg:          56,
			BeatToBeatAvgMs:       1071,
			HrvAvgMs:              44,
			BreathingRateAvg:      13.6,
			NightlyRechargeStatus: 4,
			AnsCharge:             2.5,
			AnsChargeStatus:       4,
			Hrv:                   hrv,
			BreathingRate:         br,
		}},
	}
}
