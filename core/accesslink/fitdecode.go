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

// seriesBuilder collects one sample type's values.
type seriesBuilder struct {
	offsets []int64
	values  []float64
}

func (b *seriesBuilder) add(off int64, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	b.offsets = append(b.offsets, off)
	b.values = append(b.values, v)
}

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
	const (
		hr = iota
		speed
		cadence
		altitude
		power
		distance
		temperature
		lat
		long
		numTypes
	)
	types := [numTypes]pluginapi.SampleType{
		hr:          pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
		speed:       pluginapi.SampleType_SAMPLE_TYPE_SPEED,
		cadence:     pluginapi.SampleType_SAMPLE_TYPE_CADENCE,
		altitude:    pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE,
		power:       pluginapi.SampleType_SAMPLE_TYPE_POWER,
		distance:    pluginapi.SampleType_SAMPLE_TYPE_DISTANCE,
		temperature: pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE,
		lat:         pluginapi.SampleType_SAMPLE_TYPE_LATITUDE,
		long:        pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE,
	}
	var b [numTypes]seriesBuilder
	for _, r := range records {
		if !validTime(r.Timestamp) {
			continue
		}
		off := r.Timestamp.Sub(start).Milliseconds()
		if r.HeartRate != 0xFF {
			b[hr].add(off, float64(r.HeartRate))
		}
		// The enhanced fields supersede the 16-bit ones when present.
		if r.EnhancedSpeed != 0xFFFFFFFF {
			b[speed].add(off, r.GetEnhancedSpeedScaled())
		} else {
			b[speed].add(off, r.GetSpeedScaled())
		}
		if r.Cadence != 0xFF {
			b[cadence].add(off, float64(r.Cadence))
		}
		if r.EnhancedAltitude != 0xFFFFFFFF {
			b[altitude].add(off, r.GetEnhancedAltitudeScaled())
		} else {
			b[altitude].add(off, r.GetAltitudeScaled())
		}
		if r.Power != 0xFFFF {
			b[power].add(off, float64(r.Power))
		}
		b[distance].add(off, r.GetDistanceScaled())
		if r.Temperature != 0x7F {
			b[temperature].add(off, float64(r.Temperature))
		}
		if !r.PositionLat.Invalid() && !r.PositionLong.Invalid() {
			b[lat].add(off, r.PositionLat.Degrees())
			b[long].add(off, r.PositionLong.Degrees())
		}
	}
	var out []*pluginapi.Series
	for i := range b {
		if len(b[i].values) == 0 {
			continue
		}
		out = append(out, &pluginapi.Series{
			Type:     types[i],
			Start:    timestamp(start),
			OffsetMs: b[i].offsets,
			Values:   b[i].values,
		})
	}
	slices.SortFunc(out, func(a, b *pluginapi.Series) int { return cmp.Compare(a.Type, b.Type) })
	return start, out
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
