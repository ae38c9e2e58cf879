package accesslink

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/tormoder/fit"
)

// FITActivity is what the normalizer takes from an exercise's FIT file.
// Decoding never alters the file's bytes; callers keep the original.
type FITActivity struct {
	// Start is the first record's timestamp (UTC); zero without records.
	Start time.Time
	// Series hold the per-record values, one per type, sorted by type,
	// offsets relative to Start. Invalid (unset) fields are left out.
	Series []*pluginapi.Series
	Laps   []FITLap
	// Sport and SubSport come from the first session, when it has one.
	Sport      fit.Sport
	SubSport   fit.SubSport
	HasSession bool
}

// FITLap is a lap message's summary. Zero means not recorded.
type FITLap struct {
	Start           time.Time
	DurationSeconds float64 // elapsed, pauses included
	DistanceMeters  float64
	HeartRateAvg    int
	HeartRateMax    int
}

// DecodeFIT decodes an activity FIT file. Any failure, including a file
// that decodes but is not an activity, wraps ErrBadFIT, so the caller can
// dead-letter the exercise.
func DecodeFIT(data []byte) (act *FITActivity, err error) {
	// tormoder/fit is fuzzed upstream, but a panic on a hostile file must
	// not take the daemon down.
	defer func() {
		if r := recover(); r != nil {
			act, err = nil, fmt.Errorf("decode FIT: panic: %v: %w", r, ErrBadFIT)
		}
	}()
	f, err := fit.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode FIT: %v: %w", err, ErrBadFIT)
	}
	a, err := f.Activity()
	if err != nil {
		return nil, fmt.Errorf("decode FIT: %v: %w", err, ErrBadFIT)
	}
	out := &FITActivity{}
	out.Start, out.Series = recordSeries(a.Records)
	for _, l := range a.Laps {
		out.Laps = append(out.Laps, fitLap(l))
	}
	for _, s := range a.Sessions {
		if s.Sport != fit.SportInvalid {
			out.Sport, out.SubSport, out.HasSession = s.Sport, s.SubSport, true
			if s.SubSport == fit.SubSportInvalid {
				out.SubSport = fit.SubSportGeneric
			}
			break
		}
	}
	return out, nil
}

func validTime(t time.Time) bool { return !t.IsZero() && !fit.IsBaseTime(t) }

// FIT record fields the series are built from, in this order.
const (
	seriesHR = iota
	seriesSpeed
	seriesCadence
	seriesAltitude
	seriesPower
	seriesDistance
	seriesTemperature
	seriesLat
	seriesLong
	numSeries
)

var seriesTypes = [numSeries]pluginapi.SampleType{
	seriesHR:          pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
	seriesSpeed:       pluginapi.SampleType_SAMPLE_TYPE_SPEED,
	seriesCadence:     pluginapi.SampleType_SAMPLE_TYPE_CADENCE,
	seriesAltitude:    pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE,
	seriesPower:       pluginapi.SampleType_SAMPLE_TYPE_POWER,
	seriesDistance:    pluginapi.SampleType_SAMPLE_TYPE_DISTANCE,
	seriesTemperature: pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE,
	seriesLat:         pluginapi.SampleType_SAMPLE_TYPE_LATITUDE,
	seriesLong:        pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE,
}

// recordValues returns r's value for each series, NaN where it has none.
func recordValues(r *fit.RecordMsg) [numSeries]float64 {
	nan := math.NaN()
	v := [numSeries]float64{}
	for i := range v {
		v[i] = nan
	}
	if r.HeartRate != 0xFF {
		v[seriesHR] = float64(r.HeartRate)
	}
	// The enhanced fields supersede the 16-bit ones when present.
	if r.EnhancedSpeed != 0xFFFFFFFF {
		v[seriesSpeed] = r.GetEnhancedSpeedScaled()
	} else {
		v[seriesSpeed] = r.GetSpeedScaled()
	}
	if r.Cadence != 0xFF {
		v[seriesCadence] = float64(r.Cadence)
	}
	if r.EnhancedAltitude != 0xFFFFFFFF {
		v[seriesAltitude] = r.GetEnhancedAltitudeScaled()
	} else {
		v[seriesAltitude] = r.GetAltitudeScaled()
	}
	if r.Power != 0xFFFF {
		v[seriesPower] = float64(r.Power)
	}
	v[seriesDistance] = r.GetDistanceScaled()
	if r.Temperature != 0x7F {
		v[seriesTemperature] = float64(r.Temperature)
	}
	if !r.PositionLat.Invalid() && !r.PositionLong.Invalid() {
		v[seriesLat] = r.PositionLat.Degrees()
		v[seriesLong] = r.PositionLong.Degrees()
	}
	for i, x := range v {
		if math.IsInf(x, 0) {
			v[i] = nan
		}
	}
	return v
}

// recordSeries builds the series in two passes: the first counts each
// series' values so the second fills slices of exactly that size. Grown by
// append, a 10 h exercise's slices allocated ten times their final size.
func recordSeries(records []*fit.RecordMsg) (time.Time, []*pluginapi.Series) {
	var start time.Time
	for _, r := range records {
		if validTime(r.Timestamp) {
			start = r.Timestamp
			break
		}
	}
	if start.IsZero() {
		return time.Time{}, nil
	}
	var counts [numSeries]int
	forValues(records, start, func(i int, _ int64, _ float64) { counts[i]++ })
	var out []*pluginapi.Series
	var byIndex [numSeries]*pluginapi.Series
	for i, n := range counts {
		if n == 0 {
			continue
		}
		s := &pluginapi.Series{
			Type:     seriesTypes[i],
			Start:    timestamp(start),
			OffsetMs: make([]int64, 0, n),
			Values:   make([]float64, 0, n),
		}
		byIndex[i] = s
		out = append(out, s)
	}
	forValues(records, start, func(i int, off int64, v float64) {
		s := byIndex[i]
		s.OffsetMs = append(s.OffsetMs, off)
		s.Values = append(s.Values, v)
	})
	slices.SortFunc(out, func(a, b *pluginapi.Series) int { return cmp.Compare(a.Type, b.Type) })
	return start, out
}

// forValues calls fn with each value of the records that have a valid
// time: its series, its offset from start in ms and the value.
func forValues(records []*fit.RecordMsg, start time.Time, fn func(series int, off int64, v float64)) {
	for _, r := range records {
		if !validTime(r.Timestamp) {
			continue
		}
		off := r.Timestamp.Sub(start).Milliseconds()
		for i, v := range recordValues(r) {
			if !math.IsNaN(v) {
				fn(i, off, v)
			}
		}
	}
}

func fitLap(l *fit.LapMsg) FITLap {
	lap := FITLap{}
	if validTime(l.StartTime) {
		lap.Start = l.StartTime
	}
	if v := l.GetTotalElapsedTimeScaled(); !math.IsNaN(v) {
		lap.DurationSeconds = v
	}
	if v := l.GetTotalDistanceScaled(); !math.IsNaN(v) {
		lap.DistanceMeters = v
	}
	if l.AvgHeartRate != 0xFF {
		lap.HeartRateAvg = int(l.AvgHeartRate)
	}
	if l.MaxHeartRate != 0xFF {
		lap.HeartRateMax = int(l.MaxHeartRate)
	}
	return lap
}
