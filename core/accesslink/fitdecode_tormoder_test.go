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

// decodeFITTormoder is the decoder DecodeFIT replaced (#17), kept so the
// differential test can require the same output from both. It decodes an activity FIT file. Any failure, including a file
// that decodes but is not an activity, wraps ErrBadFIT, so the caller can
// dead-letter the exercise.
func decodeFITTormoder(data []byte) (act *FITActivity, err error) {
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
	out.Start, out.Series = tormoderRecordSeries(a.Records)
	for _, l := range a.Laps {
		out.Laps = append(out.Laps, tormoderFitLap(l))
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

func tormoderValidTime(t time.Time) bool { return !t.IsZero() && !fit.IsBaseTime(t) }

// recordValues returns r's value for each series, NaN where it has none.
func tormoderRecordValues(r *fit.RecordMsg) [numSeries]float64 {
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
	// tormoder's fields, scaled as DecodeFIT does (GetAltitudeScaled
	// subtracts the offset from a float).
	if r.EnhancedAltitude != 0xFFFFFFFF {
		v[seriesAltitude] = fitAltitude(r.EnhancedAltitude)
	} else if r.Altitude != 0xFFFF {
		v[seriesAltitude] = fitAltitude(uint32(r.Altitude))
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
func tormoderRecordSeries(records []*fit.RecordMsg) (time.Time, []*pluginapi.Series) {
	var start time.Time
	for _, r := range records {
		if tormoderValidTime(r.Timestamp) {
			start = r.Timestamp
			break
		}
	}
	if start.IsZero() {
		return time.Time{}, nil
	}
	var counts [numSeries]int
	tormoderForValues(records, start, func(i int, _ int64, _ float64) { counts[i]++ })
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
	tormoderForValues(records, start, func(i int, off int64, v float64) {
		s := byIndex[i]
		s.OffsetMs = append(s.OffsetMs, off)
		s.Values = append(s.Values, v)
	})
	slices.SortFunc(out, func(a, b *pluginapi.Series) int { return cmp.Compare(a.Type, b.Type) })
	return start, out
}

// forValues calls fn with each value of the records that have a valid
// time: its series, its offset from start in ms and the value.
func tormoderForValues(records []*fit.RecordMsg, start time.Time, fn func(series int, off int64, v float64)) {
	for _, r := range records {
		if !tormoderValidTime(r.Timestamp) {
			continue
		}
		off := r.Timestamp.Sub(start).Milliseconds()
		for i, v := range tormoderRecordValues(r) {
			if !math.IsNaN(v) {
				fn(i, off, v)
			}
		}
	}
}

func tormoderFitLap(l *fit.LapMsg) FITLap {
	lap := FITLap{}
	if tormoderValidTime(l.StartTime) {
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
