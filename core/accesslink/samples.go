package accesslink

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Polar sample type keys, from the appendix "Exercise sample types".
const (
	SampleTypeHeartRate      = "0"  // bpm
	SampleTypeSpeed          = "1"  // km/h
	SampleTypeCadence        = "2"  // rpm
	SampleTypeAltitude       = "3"  // m
	SampleTypePower          = "4"  // W
	SampleTypePedalingIndex  = "5"  // %, not mapped
	SampleTypeLRBalance      = "6"  // %, not mapped
	SampleTypeAirPressure    = "7"  // hPa, not mapped
	SampleTypeRunningCadence = "8"  // spm, used when "2" is absent
	SampleTypeTemperature    = "9"  // °C
	SampleTypeDistance       = "10" // m
	SampleTypeRRInterval     = "11" // ms
)

var sampleTypeNames = map[string]string{
	"0": "heart rate", "1": "speed", "2": "cadence", "3": "altitude",
	"4": "power", "5": "power pedaling index", "6": "power left-right balance",
	"7": "air pressure", "8": "running cadence", "9": "temperature",
	"10": "distance", "11": "RR interval",
}

// sampleKinds maps the Polar types the record model has a place for. The
// pedaling index, left-right balance and air pressure have none and are
// ignored.
var sampleKinds = map[string]struct {
	typ   pluginapi.SampleType
	scale float64
}{
	SampleTypeHeartRate:      {pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, 1},
	SampleTypeSpeed:          {pluginapi.SampleType_SAMPLE_TYPE_SPEED, 1 / 3.6}, // km/h → m/s
	SampleTypeCadence:        {pluginapi.SampleType_SAMPLE_TYPE_CADENCE, 1},
	SampleTypeAltitude:       {pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE, 1},
	SampleTypePower:          {pluginapi.SampleType_SAMPLE_TYPE_POWER, 1},
	SampleTypeRunningCadence: {pluginapi.SampleType_SAMPLE_TYPE_CADENCE, 1},
	SampleTypeTemperature:    {pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE, 1},
	SampleTypeDistance:       {pluginapi.SampleType_SAMPLE_TYPE_DISTANCE, 1},
	SampleTypeRRInterval:     {pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, 1},
}

// Limits that keep offsets far from int64 overflow while allowing any
// real exercise (Polar records at most a few days).
const (
	maxRecordingRate = 24 * 60 * 60              // seconds
	maxOffsetMS      = 366 * 24 * 60 * 60 * 1000 // a year
)

var (
	errNotFinite = errors.New("not a finite number")
	errBadNumber = errors.New("not a decimal number")
)

// SampleValues is a parsed sample series: value i was taken OffsetsMS[i]
// milliseconds after the exercise start. Missing (NULL) entries are absent.
type SampleValues struct {
	PolarType string
	Type      pluginapi.SampleType
	OffsetsMS []int64
	Values    []float64 // in the record model's units (speed in m/s)
}

// ParseSample parses one Polar sample series. known is false for sample
// types the record model does not hold (5, 6, 7 and unknown keys); their
// data is not parsed.
//
// Offsets come from the recording rate: entry i is at i × rate seconds.
// RR intervals have no rate: beat i is at the sum of intervals 0..i, so
// the first offset is the first interval. NULL marks missing data: a
// missing RR interval is skipped without advancing time (its length is
// unknown), a missing value of any other type leaves a gap at its slot.
// The appendix says only RR data holds NULL, but the sample schema says
// any series can while a sensor is offline, so both are accepted. Any
// other entry that is not a finite decimal number is an error
// (*SampleError, matching ErrMalformedSample).
//
// An RR interval outside plausible.RRInterval is read as missing too and
// counted in c: added up, one absurd interval would shift every later
// beat. Other types are range-checked once the series is built (see
// ExerciseRecord), as FIT series are.
func ParseSample(s Sample, c *plausible.Checker) (v SampleValues, known bool, err error) {
	polarType := strings.TrimSpace(string(s.SampleType))
	kind, ok := sampleKinds[polarType]
	if !ok {
		return SampleValues{PolarType: polarType}, false, nil
	}
	v = SampleValues{PolarType: polarType, Type: kind.typ}
	rr := polarType == SampleTypeRRInterval
	if !rr && (s.RecordingRate <= 0 || s.RecordingRate > maxRecordingRate) {
		return SampleValues{}, true, &SampleError{
			SampleType: polarType, Index: -1,
			Err: fmt.Errorf("recording rate %d s out of range", s.RecordingRate),
		}
	}
	if strings.TrimSpace(s.Data) == "" {
		return v, true, nil
	}
	n := strings.Count(s.Data, ",") + 1
	v.OffsetsMS = make([]int64, 0, n)
	v.Values = make([]float64, 0, n)
	var rrSum float64 // ms
	i := 0
	for entry := range strings.SplitSeq(s.Data, ",") {
		idx := i
		i++
		text := strings.TrimSpace(entry)
		if strings.EqualFold(text, "null") {
			continue
		}
		x, perr := parseSampleValue(text)
		if perr != nil {
			return SampleValues{}, true, &SampleError{SampleType: polarType, Index: idx, Value: entry, Err: perr}
		}
		var off int64
		if rr {
			if !c.Keep(rrField, x, plausible.RRInterval) {
				continue
			}
			rrSum += x
			if rrSum > maxOffsetMS {
				return SampleValues{}, true, &SampleError{SampleType: polarType, Index: idx, Value: entry,
					Err: errors.New("cumulative time out of range")}
			}
			off = int64(math.Round(rrSum))
		} else {
			off = int64(idx) * int64(s.RecordingRate) * 1000
		}
		v.OffsetsMS = append(v.OffsetsMS, off)
		v.Values = append(v.Values, x*kind.scale)
	}
	return v, true, nil
}

// parseSampleValue accepts plain decimal numbers only: strconv alone would
// also take "NaN", "Inf" and hex floats.
func parseSampleValue(text string) (float64, error) {
	if text == "" {
		return 0, errBadNumber
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !isDigit(c) && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, errBadNumber
		}
	}
	x, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, errBadNumber
	}
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, errNotFinite
	}
	return x, nil
}

// Series returns the values as a record series starting at start.
func (v SampleValues) Series(start time.Time) *pluginapi.Series {
	return &pluginapi.Series{
		Type:     v.Type,
		Start:    timestamp(start),
		OffsetMs: v.OffsetsMS,
		Values:   v.Values,
	}
}

// rrField names RR intervals in warnings.
var rrField = plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL)

// SeriesFromSamples parses all samples of an exercise that started at
// start. Output is sorted by type, one series per type: if Polar sends a
// type twice the first wins, and running cadence (8) is used only when
// there is no cadence (2). Empty series are dropped. Implausible RR
// intervals are counted in c (see ParseSample).
func SeriesFromSamples(samples []Sample, start time.Time, c *plausible.Checker) ([]*pluginapi.Series, error) {
	byType := map[pluginapi.SampleType]SampleValues{}
	for _, s := range samples {
		v, known, err := ParseSample(s, c)
		if err != nil {
			return nil, fmt.Errorf("parse samples for %s: %w", sampleTypeName(s.SampleType), err)
		}
		if !known || len(v.Values) == 0 {
			continue
		}
		prev, seen := byType[v.Type]
		if seen && !(prev.PolarType == SampleTypeRunningCadence && v.PolarType == SampleTypeCadence) {
			continue
		}
		byType[v.Type] = v
	}
	out := make([]*pluginapi.Series, 0, len(byType))
	for _, v := range byType {
		out = append(out, v.Series(start))
	}
	slices.SortFunc(out, func(a, b *pluginapi.Series) int { return cmp.Compare(a.Type, b.Type) })
	return out, nil
}

func sampleTypeName(t FlexString) string {
	key := strings.TrimSpace(string(t))
	if name, ok := sampleTypeNames[key]; ok {
		return name
	}
	return "type " + key
}
