package accesslink

import (
	"github.com/polarbridge/polarbridge/core/plausible"
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
// ExerciseRecord. table is the sport table to use (nil: the default); now
// is the clock's now.
func NormalizeExercise(userID string, in ExerciseInput, table *sports.Table, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	ex, err := DecodeExercise(in.Exercise)
	if err != nil {
		return nil, nil, err
	}
	return NormalizeDecodedExercise(userID, ex, in, table, now)
}

// NormalizeDecodedExercise is NormalizeExercise for an exercise the
// caller decoded already (in.Exercise is not read): a 10 h exercise's
// JSON takes a third of the time of its normalization to decode.
func NormalizeDecodedExercise(userID string, ex *Exercise, in ExerciseInput, table *sports.Table, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	var (
		samples []Sample
		err     error
	)
	for _, body := range in.Samples {
		s, err := DecodeSamples(body)
		if err != nil {
			return nil, nil, fmt.Errorf("exercise %s: %w", ex.ID, err)
		}
		samples = append(samples, s...)
	}
	var zones []Zone
	if len(in.Zones) > 0 {
		if zones, err = DecodeZones(in.Zones); err != nil {
			return nil, nil, fmt.Errorf("exercise %s: %w", ex.ID, err)
		}
	}
	var act *FITActivity
	if len(in.FIT) > 0 {
		if act, err = DecodeFIT(in.FIT); err != nil {
			return nil, nil, fmt.Errorf("exercise %s: %w", ex.ID, err)
		}
	}
	return ExerciseRecord(userID, ex, samples, zones, act, table, now)
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
//
// Values outside their plausible range (package plausible) are dropped,
// samples leaving gaps, and returned as warnings. An id that cannot be
// part of a key, or a start before plausible.Earliest or more than
// plausible.MaxAhead after now, is an error wrapping
// plausible.ErrImpossible.
func ExerciseRecord(userID string, ex *Exercise, samples []Sample, zones []Zone, act *FITActivity, table *sports.Table, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	id := strings.TrimSpace(string(ex.ID))
	if userID == "" || id == "" {
		return nil, nil, fmt.Errorf("exercise record needs user id and exercise id (got %q, %q): %w", userID, id, ErrInvalidPayload)
	}
	if err := plausible.CheckID("exercise id", id); err != nil {
		return nil, nil, fmt.Errorf("exercise: %w: %w", err, ErrInvalidPayload)
	}
	start, err := ParseLocalStart(ex.StartTime, ex.StartTimeUTCOffset)
	if err != nil {
		return nil, nil, fmt.Errorf("exercise %s: %w", id, err)
	}
	if err := plausible.CheckTime("start", start, now); err != nil {
		return nil, nil, fmt.Errorf("exercise %s: %w: %w", id, err, ErrInvalidTime)
	}
	var duration time.Duration
	if ex.Duration != "" {
		if duration, err = polarhttp.ParseISODuration(ex.Duration); err != nil {
			return nil, nil, fmt.Errorf("exercise %s: %w", id, err)
		}
	}
	key := pluginapi.ExerciseKey(userID, id)
	c := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_EXERCISE, key)
	out := &pluginapi.Exercise{
		Id:                     id,
		Start:                  recordTime(start),
		DurationSeconds:        c.Float("duration_seconds", duration.Seconds(), plausible.Duration),
		DistanceMeters:         c.Float("distance_meters", ex.Distance, plausible.Distance),
		Calories:               c.Int32("calories", ex.Calories, plausible.Calories),
		HeartRateAvg:           c.Int32("heart_rate_avg", ex.HeartRate.Average, plausible.HeartRate),
		HeartRateMax:           c.Int32("heart_rate_max", ex.HeartRate.Maximum, plausible.HeartRate),
		TrainingLoad:           c.Float("training_load", ex.TrainingLoad, plausible.Load),
		Sport:                  ex.Sport,
		DetailedSport:          ex.DetailedSportInfo,
		Device:                 ex.Device,
		DeviceId:               ex.DeviceID,
		HasRoute:               ex.HasRoute,
		RunningIndex:           c.Int32("running_index", ex.RunningIndex, plausible.RunningIndex),
		FatPercentage:          c.Int32("fat_percentage", ex.FatPercentage, plausible.Percent),
		CarbohydratePercentage: c.Int32("carbohydrate_percentage", ex.CarbPercentage, plausible.Percent),
		ProteinPercentage:      c.Int32("protein_percentage", ex.ProteinPercentage, plausible.Percent),
	}
	setSport(out, ex, act, table)

	allSamples := append(slices.Clip(samples), ex.Samples...)
	if act != nil {
		allSamples = samplesBesides(allSamples, act.Series)
	}
	jsonSeries, err := SeriesFromSamples(allSamples, start, c)
	if err != nil {
		return nil, nil, fmt.Errorf("exercise %s: %w", id, err)
	}
	out.Samples = jsonSeries
	if act != nil && len(act.Series) > 0 {
		out.Samples = mergeSeries(act.Series, jsonSeries)
	}
	out.Samples = slices.DeleteFunc(out.Samples, func(s *pluginapi.Series) bool {
		return !c.Series(plausible.SampleField(s.GetType()), s)
	})
	if act != nil {
		for _, l := range act.Laps {
			lap := &pluginapi.Lap{
				DurationSeconds: c.Float("laps.duration_seconds", l.DurationSeconds, plausible.Duration),
				DistanceMeters:  c.Float("laps.distance_meters", l.DistanceMeters, plausible.Distance),
				HeartRateAvg:    c.Int32("laps.heart_rate_avg", float64(l.HeartRateAvg), plausible.HeartRate),
				HeartRateMax:    c.Int32("laps.heart_rate_max", float64(l.HeartRateMax), plausible.HeartRate),
			}
			if !l.Start.IsZero() {
				lap.Start = recordTime(l.Start.In(start.Location()))
			}
			out.Laps = append(out.Laps, lap)
		}
	}

	if out.HeartRateZones, err = heartRateZones(append(slices.Clip(zones), ex.HeartRateZones...), c); err != nil {
		return nil, nil, fmt.Errorf("exercise %s: %w", id, err)
	}

	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_EXERCISE,
		Key:    key,
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_Exercise{Exercise: out},
	}, c.Warnings(), nil
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

// samplesBesides returns the JSON samples of types the FIT series lack,
// the only ones mergeSeries keeps: the others are not parsed at all (a
// 10 h exercise's JSON series cost as much to parse as its FIT file).
func samplesBesides(samples []Sample, fit []*pluginapi.Series) []Sample {
	if len(fit) == 0 {
		return samples
	}
	return slices.DeleteFunc(slices.Clone(samples), func(s Sample) bool {
		kind, ok := sampleKinds[strings.TrimSpace(string(s.SampleType))]
		return ok && slices.ContainsFunc(fit, func(f *pluginapi.Series) bool { return f.Type == kind.typ })
	})
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
// keeps its first occurrence, and a zone with an implausible index is
// dropped (its index is its identity).
func heartRateZones(zones []Zone, c *plausible.Checker) ([]*pluginapi.HeartRateZone, error) {
	var out []*pluginapi.HeartRateZone
	seen := map[int64]bool{}
	for _, z := range zones {
		if seen[z.Index] || !c.Keep("heart_rate_zones.index", float64(z.Index), plausible.ZoneIndex) {
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
			Index:    int32(z.Index), // within plausible.ZoneIndex
			LowerBpm: c.Int32("heart_rate_zones.lower_bpm", z.LowerLimit, plausible.HeartRate),
			UpperBpm: c.Int32("heart_rate_zones.upper_bpm", z.UpperLimit, plausible.HeartRate),
			Seconds:  c.Float("heart_rate_zones.seconds", in.Seconds(), plausible.Duration),
		})
	}
	slices.SortFunc(out, func(a, b *pluginapi.HeartRateZone) int { return cmp.Compare(a.Index, b.Index) })
	return out, nil
}
