package csvexport

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Test records. Values are realistic for Polar data and fixed, so tests
// can spell out expected cells.

// exerciseStart is 06:30 local time in UTC+2.
var exerciseStart = time.Date(2024, 5, 1, 4, 30, 0, 0, time.UTC)

func ptime(t time.Time, offsetMin int32) *pluginapi.Time {
	return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: offsetMin}
}

// newExercise returns a trail run of user 475 starting at start (UTC+2)
// with seconds samples at 1 Hz of nine series plus RR intervals; seconds
// 0 gives an exercise without samples.
func newExercise(id, version string, start time.Time, seconds int) *pluginapi.Record {
	return &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_EXERCISE,
		Key:     "exercise.475." + id,
		Version: version,
		UserId:  "475",
		Source:  pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id:                     id,
			Start:                  ptime(start, 120),
			DurationSeconds:        3600.5,
			DistanceMeters:         10234.7,
			Calories:               712,
			HeartRateAvg:           148,
			HeartRateMax:           176,
			TrainingLoad:           87.5,
			Sport:                  "RUNNING",
			DetailedSport:          "TRAIL_RUNNING",
			FitSport:               "RUNNING",
			FitSubSport:            "TRAIL",
			FitSportId:             1,
			FitSubSportId:          3,
			Device:                 "Polar Vantage V3",
			DeviceId:               "A1B2C3D4",
			HasRoute:               true,
			RunningIndex:           52,
			FatPercentage:          38,
			CarbohydratePercentage: 57,
			ProteinPercentage:      5,
			Samples:                oneHertzSeries(start, seconds),
			HeartRateZones: []*pluginapi.HeartRateZone{
				{Index: 0, LowerBpm: 95, UpperBpm: 114, Seconds: 120},
				{Index: 1, LowerBpm: 114, UpperBpm: 133, Seconds: 600.5},
				{Index: 2, LowerBpm: 133, UpperBpm: 152, Seconds: 1800},
				{Index: 3, LowerBpm: 152, UpperBpm: 171, Seconds: 1000},
				{Index: 4, LowerBpm: 171, UpperBpm: 190, Seconds: 80},
			},
			Laps: []*pluginapi.Lap{
				{Start: ptime(start, 120), DurationSeconds: 1800, DistanceMeters: 5100.2, HeartRateAvg: 142, HeartRateMax: 165},
				{Start: ptime(start.Add(30*time.Minute), 120), DurationSeconds: 1800.5, DistanceMeters: 5134.5, HeartRateAvg: 154, HeartRateMax: 176},
			},
			Files: []*pluginapi.File{
				{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Object: "475/" + id + ".fit", Size: 123456, Sha256: "ab12"},
				{Format: pluginapi.FileFormat_FILE_FORMAT_GPX, Object: "475/" + id + ".gpx", Size: 654321, Sha256: "cd34"},
			},
		}},
	}
}

// oneHertzSeries returns seconds samples of each exercise series type and
// RR intervals alternating 400 and 410 ms for the same span.
func oneHertzSeries(start time.Time, seconds int) []*pluginapi.Series {
	if seconds == 0 {
		return nil
	}
	// Values are computed as integer / power of ten, so they print as the
	// short decimals tests expect.
	gen := map[pluginapi.SampleType]func(i int) float64{
		pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE:  func(i int) float64 { return float64(120 + i%50) },
		pluginapi.SampleType_SAMPLE_TYPE_SPEED:       func(i int) float64 { return float64(25+i%20) / 10 },
		pluginapi.SampleType_SAMPLE_TYPE_CADENCE:     func(i int) float64 { return float64(84 + i%5) },
		pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE:    func(i int) float64 { return float64(31240+25*(i%100)) / 100 },
		pluginapi.SampleType_SAMPLE_TYPE_POWER:       func(i int) float64 { return float64(250 + i%60) },
		pluginapi.SampleType_SAMPLE_TYPE_DISTANCE:    func(i int) float64 { return float64(284*i) / 100 },
		pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE: func(i int) float64 { return float64(185+5*(i/600)) / 10 },
		pluginapi.SampleType_SAMPLE_TYPE_LATITUDE:    func(i int) float64 { return float64(601699000+100*i) / 1e7 },
		pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE:   func(i int) float64 { return float64(249384000+200*i) / 1e7 },
	}
	var out []*pluginapi.Series
	for _, c := range exerciseSampleColumns[:9] { // fixed order: the nine exercise series
		s := &pluginapi.Series{Type: c.typ, Start: timestamppb.New(start)}
		for i := range seconds {
			s.OffsetMs = append(s.OffsetMs, int64(i)*1000)
			s.Values = append(s.Values, gen[c.typ](i))
		}
		out = append(out, s)
	}
	rr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, Start: timestamppb.New(start)}
	for at, i := int64(0), 0; at < int64(seconds)*1000; i++ {
		v := int64(400 + 10*(i%2))
		rr.OffsetMs = append(rr.OffsetMs, at)
		rr.Values = append(rr.Values, float64(v))
		at += v
	}
	return append(out, rr)
}

// sleepStart is 23:45 local time in UTC+2.
var sleepStart = time.Date(2024, 4, 30, 21, 45, 0, 0, time.UTC)

func newSleep(date, version string, start time.Time) *pluginapi.Record {
	return &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_SLEEP,
		Key:     "sleep.475." + date,
		Version: version,
		UserId:  "475",
		Source:  pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{
			Date:                     date,
			Start:                    ptime(start, 120),
			End:                      ptime(start.Add(7*time.Hour+30*time.Minute), 120),
			DeviceId:                 "A1B2C3D4",
			LightSleepSeconds:        13800,
			DeepSleepSeconds:         5400,
			RemSleepSeconds:          6000,
			UnrecognizedSleepSeconds: 300,
			TotalInterruptionSeconds: 1500,
			ShortInterruptionSeconds: 900,
			LongInterruptionSeconds:  600,
			SleepScore:               82,
			SleepCharge:              3,
			SleepGoalSeconds:         28800,
			SleepRating:              4,
			SleepCycles:              5,
			Continuity:               3.6,
			ContinuityClass:          3,
			GroupDurationScore:       85.5,
			GroupSolidityScore:       78.25,
			GroupRegenerationScore:   80,
			Hypnogram: []*pluginapi.HypnogramSample{
				{Time: ptime(start, 120), Stage: 0},
				{Time: ptime(start.Add(12*time.Minute), 120), Stage: 3},
				{Time: ptime(start.Add(40*time.Minute), 120), Stage: 4},
				{Time: ptime(start.Add(95*time.Minute), 120), Stage: 1},
				{Time: ptime(start.Add(7*time.Hour+25*time.Minute), 120), Stage: 9}, // a code outside Polar's list
			},
			HeartRate: &pluginapi.Series{
				Type:     pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
				Start:    timestamppb.New(start),
				OffsetMs: []int64{0, 300_000, 600_000},
				Values:   []float64{58, 54, 51},
			},
		}},
	}
}

func newCardioLoad(date, version string, load float64) *pluginapi.Record {
	day, _ := time.Parse(time.DateOnly, date)
	return &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD,
		Key:     "cardio_load.475." + date,
		Version: version,
		UserId:  "475",
		Source:  pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_CardioLoad{CardioLoad: &pluginapi.CardioLoad{
			Date:          date,
			DayStart:      &pluginapi.Time{Utc: timestamppb.New(day)},
			Status:        "PRODUCTIVE",
			CardioLoad:    load,
			Strain:        61.3,
			Tolerance:     52.1,
			Ratio:         1.18,
			LevelVeryLow:  20.5,
			LevelLow:      35.9,
			LevelMedium:   51.3,
			LevelHigh:     66.7,
			LevelVeryHigh: 82.1,
		}},
	}
}

// rechargeStart is when the nightly recharge series begin.
var rechargeStart = time.Date(2024, 4, 30, 22, 0, 0, 0, time.UTC)

func newNightlyRecharge(date, version string) *pluginapi.Record {
	return &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
		Key:     "nightly_recharge.475." + date,
		Version: version,
		UserId:  "475",
		Source:  pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_NightlyRecharge{NightlyRecharge: &pluginapi.NightlyRecharge{
			Date:                  date,
			HeartRateAvg:          54,
			BeatToBeatAvgMs:       1111,
			HrvAvgMs:              48,
			BreathingRateAvg:      14.2,
			NightlyRechargeStatus: 4,
			AnsCharge:             3.5,
			AnsChargeStatus:       4,
			Hrv: &pluginapi.Series{
				Type:     pluginapi.SampleType_SAMPLE_TYPE_HRV,
				Start:    timestamppb.New(rechargeStart),
				OffsetMs: []int64{0, 300_000},
				Values:   []float64{45, 51},
			},
			// Breathing rate starts later and runs longer than HRV, so the
			// merged rows have gaps on both sides.
			BreathingRate: &pluginapi.Series{
				Type:     pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE,
				Start:    timestamppb.New(rechargeStart.Add(5 * time.Minute)),
				OffsetMs: []int64{0, 300_000},
				Values:   []float64{14.4, 13.9},
			},
		}},
	}
}
