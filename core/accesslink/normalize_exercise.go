package accesslink

import (
	"github.com/polarbridge/polarbridge/core/polarhttp"

	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/core/sports"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/tormoder/fit"
)

// ExerciseInput is what the fetcher has for one exercise, as raw bodies.
type ExerciseInput struct {
	// Exercise is the summary JSON of either API shape (required). With
	// ?samples=true / ?zones=true it may carry samples and zones inline.
	Exercise []byte
	// Samples are .../samples/{type-id} bodies (or arrays of samples).
	Samples [][]byte
	// Zones is the .../heart-rate-zones body.
	Zones []byte
	// FIT is the original FIT file; it is only read.
	FIT []byte
}

// NormalizeExercise decodes in and builds the exercise record; see
// ExerciseRecord. table is the sport table to use (nil: the default).
func NormalizeExercise(userID string, in ExerciseInput, table *sports.Table) (*pluginapi.Record, error) {
	ex, err := DecodeExercise(in.Exercise)
	if err != nil {
		return nil, err
	}
	var samples []Sample
	for _, body := range in.Samples {
		s, err := DecodeSamples(body)
		if err != nil {
			return nil, fmt.Errorf("exercise %s: %w", ex.ID, err)
		}
		samples = append(samples, s...)
	}
	var zones []Zone
	if len(in.Zones) > 0 {
		if zones, err = DecodeZones(in.Zones); err != nil {
			return nil, fmt.Errorf("exercise %s: %w", ex.ID, err)
		}
	}
	var act *FITActivity
	if len(in.FIT) > 0 {
		if act, err = DecodeFIT(in.FIT); err != nil {
			return nil, fmt.Errorf("exercise %s: %w", ex.ID, err)
		}
	}
	return ExerciseRecord(userID, ex, samples, zones, act, table)
}

// ExerciseRecord builds the record for an exercise: kind EXERCISE, key
// "exercise.<user>.<exercise id>", source ACCESSLINK, no version and no
// file references (the caller adds both).
//
// samples and zones add to any the exercise carries inline (explicit ones
// first). With a decoded FIT file, its records supply the series and its
// laps the laps; JSON samples fill only types the FIT file lacks (RR
// intervals, typically). The FIT session's sport, when present, is what
// Polar actually wrote and wins over the sport table, unless the table
// row was overridden in configuration.
func ExerciseRecord(userID string, ex *Exercise, samples []Sample, zones []Zone, act *FITActivity, table *sports.Table) (*pluginapi.Record, error) {
	id := strings.TrimSpace(string(ex.ID))
	if userID == "" || id == "" {
		return nil, fmt.Errorf("exercise record needs user id and exercise id (got %q, %q): %w", userID, id, ErrInvalidPayload)
	}
	start, err := ParseLocalStart(ex.StartTime, ex.StartTimeUTCOffset)
	if err != nil {
		return nil, fmt.Errorf("exercise %s: %w", id, err)
	}
	var duration time.Duration
	if ex.Duration != "" {
		if duration, err = polarhttp.ParseISODuration(ex.Duration); err != nil {
			return nil, fmt.Errorf("exercise %s: %w", id, err)
		}
	}
	out := &pluginapi.Exercise{
		Id:                     id,
		Start:                  recordTime(start),
		DurationSeconds:        duration.Seconds(),
		DistanceMeters:         ex.Distance,
		Calories:               int32(ex.Calories),
		HeartRateAvg:           int32(ex.HeartRate.Average),
		HeartRateMax:           int32(ex.HeartRate.Maximum),
		TrainingLoad:           ex.TrainingLoad,
		Sport:                  ex.Sport,
		DetailedSport:          ex.DetailedSportInfo,
		Device:                 ex.Device,
		DeviceId:               ex.DeviceID,
		HasRoute:               ex.HasRoute,
		RunningIndex:           int32(ex.RunningIndex),
		FatPercentage:          int32(ex.FatPercentage),
		CarbohydratePercentage: int32(ex.CarbPercentage),
		ProteinPercentage:      int32(ex.ProteinPercentage),
	}
	setSport(out, ex, act, table)

	allSamples := append(slices.Clip(samples), ex.Samples...)
	jsonSeries, err := SeriesFromSamples(allSamples, start)
	if err != nil {
		return nil, fmt.Errorf("exercise %s: %w", id, err)
	}
	out.Samples = jsonSeries
	if act != nil && len(act.Series) > 0 {
		out.Samples = mergeSeries(act.Series, jsonSeries)
	}
	if act != nil {
		for _, l := range act.Laps {
			lap := &pluginapi.Lap{
				DurationSeconds: l.DurationSeconds,
				DistanceMeters:  l.DistanceMeters,
				HeartRateAvg:    int32(l.HeartRateAvg),
				HeartRateMax:    int32(l.HeartRateMax),
			}
			if !l.Start.IsZero() {
				lap.Start = recordTime(l.Start.In(start.Location()))
			}
			out.Laps = append(out.Laps, lap)
		}
	}

	if out.HeartRateZones, err = heartRateZones(append(slices.Clip(zones), ex.HeartRateZones...)); err != nil {
		return nil, fmt.Errorf("exercise %s: %w", id, err)
	}

	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_EXERCISE,
		Key:    pluginapi.ExerciseKey(userID, id),
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_Exercise{Exercise: out},
	}, nil
}

func setSport(out *pluginapi.Exercise, ex *Exercise, act *FITActivity, table *sports.Table) {
	if table == nil {
		table = sports.Default()
	}
	m := table.Lookup(ex.DetailedSportInfo, ex.Sport)
	sport, sub := m.Sport, m.SubSport
	if act != nil && act.HasSession && !m.Overridden {
		sport, sub = act.Sport, act.SubSport
	}
	out.FitSport = sports.SportName(sport)
	out.FitSportId = uint32(sport)
	out.FitSubSportId = uint32(sub)
	if sub != fit.SubSportGeneric {
		out.FitSubSport = sports.SubSportName(sub) // "" means generic in the record model
	}
}

// mergeSeries returns primary plus the series of types primary lacks,
// sorted by type.
func mergeSeries(primary, secondary []*pluginapi.Series) []*pluginapi.Series {
	out := slices.Clone(primary)
	for _, s := range secondary {
		if !slices.ContainsFunc(primary, func(p *pluginapi.Series) bool { return p.Type == s.Type }) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *pluginapi.Series) int { return cmp.Compare(a.Type, b.Type) })
	return out
}

// heartRateZones converts zones sorted by index; a zone index seen twice
// keeps its first occurrence.
func heartRateZones(zones []Zone) ([]*pluginapi.HeartRateZone, error) {
	var out []*pluginapi.HeartRateZone
	seen := map[int]bool{}
	for _, z := range zones {
		if seen[z.Index] {
			continue
		}
		seen[z.Index] = true
		var in time.Duration
		if z.InZone != "" {
			var err error
			if in, err = polarhttp.ParseISODuration(z.InZone); err != nil {
				return nil, fmt.Errorf("heart-rate zone %d: %w", z.Index, err)
			}
		}
		out = append(out, &pluginapi.HeartRateZone{
			Index:    int32(z.Index),
			LowerBpm: int32(z.LowerLimit),
			UpperBpm: int32(z.UpperLimit),
			Seconds:  in.Seconds(),
		})
	}
	slices.SortFunc(out, func(a, b *pluginapi.HeartRateZone) int { return cmp.Compare(a.Index, b.Index) })
	return out, nil
}
