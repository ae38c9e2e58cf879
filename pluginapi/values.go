package pluginapi

import (
	"errors"
	"math"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Values as value_deltas (protocol 2): most series are decimals with a
// few digits (heart rate and cadence are integers, FIT speed has three
// decimals, distance two, Polar's JSON samples what their strings
// show), so each is an integer once scaled, and consecutive samples are
// close: a zigzag varint of the difference takes one or two bytes where
// a double takes eight. A 10 h exercise's record shrinks by half, and so
// does what the daemon stores, keeps in memory and sends to each plugin.
// A series is packed only when every value comes back bit for bit.

// maxValueDecimals is the most decimals PackValues tries: beyond, the
// scaled integers take as many bytes as the doubles.
const maxValueDecimals = 9

var pow10 = [maxValueDecimals + 1]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// valueUnits are the units PackValues tries when no decimals fit: FIT's
// semicircle in degrees (positions).
var valueUnits = [...]float64{180.0 / (1 << 31)}

// maxScaled bounds a scaled value: below 2^53 every integer is a float64,
// so the integer itself is exact (whether the division or product gives
// the value back is checked bit for bit).
const maxScaled = 1 << 53

// maxStep bounds the difference of two scaled values.
const maxStep = 2 * maxScaled

// ErrMalformedValues is a series whose value_deltas do not decode: a
// record from a broken host, which no retry will mend.
var ErrMalformedValues = errors.New("pluginapi: malformed value_deltas")

// scale turns values into integers and back: n / 10^decimals, or n * unit
// when unit is set.
type scale struct {
	decimals uint32
	unit     float64
}

func (sc scale) value(n int64) float64 {
	if sc.unit != 0 {
		return float64(n) * sc.unit
	}
	return float64(n) / pow10[sc.decimals]
}

// integer returns v's integer at this scale, and whether it gives v back
// bit for bit (-0 does not: its integer is 0).
func (sc scale) integer(v float64) (int64, bool) {
	n := sc.round(v)
	if !(math.Abs(n) < maxScaled) {
		return 0, false
	}
	i := int64(n)
	return i, math.Float64bits(sc.value(i)) == math.Float64bits(v)
}

// round is v's nearest integer at this scale, as a float64. Which way a
// tie goes does not matter: a tie gives no value back exactly either
// way. RoundToEven is a single instruction on amd64 and arm64.
func (sc scale) round(v float64) float64 {
	if sc.unit != 0 {
		return math.RoundToEven(v / sc.unit)
	}
	return math.RoundToEven(v * pow10[sc.decimals])
}

// PackValues puts the values into ValueDeltas (see the field's comment)
// when every one of them comes back exactly and that form is smaller,
// and reports whether it did. The daemon packs each record it stores;
// the SDK unpacks before a plugin's Export sees the record (UnpackValues).
func (x *Series) PackValues() bool {
	vals := x.GetValues()
	if len(vals) < 2 || len(x.ValueDeltas) > 0 {
		return false
	}
	sc, size, ok := findScale(vals)
	smallest := min(size.once, size.twice)
	if !ok || smallest >= 8*len(vals) {
		return false
	}
	twice := size.twice < size.once
	buf := make([]byte, 0, smallest)
	prev, prevStep := int64(0), int64(0)
	for _, v := range vals {
		n := int64(sc.round(v)) // exact: findScale checked each
		step := n - prev
		d := step
		if twice {
			d = step - prevStep
		}
		if z := protowire.EncodeZigZag(d); z < 0x80 {
			buf = append(buf, byte(z)) // AppendVarint is not inlined
		} else {
			buf = protowire.AppendVarint(buf, z)
		}
		prev, prevStep = n, step
	}
	x.ValueDeltas, x.ValueDecimals, x.ValueUnit, x.ValueOrder, x.Values = buf, sc.decimals, sc.unit, 0, nil
	if twice {
		x.ValueOrder = 2
	}
	return true
}

// findScale finds the fewest decimals at which every value is an exact
// integer, else a unit of valueUnits at which they are, and the size of
// the deltas. k only grows, and every value is checked again at each k:
// a value exact at k decimals is usually exact at more, but not always
// (2^52+1 is, at 0 decimals; ten times it is beyond 2^53).
func findScale(vals []float64) (scale, deltasSizes, bool) {
	sc := scale{}
	for {
		size, ok := deltasSize(vals, sc)
		if ok {
			return sc, size, true
		}
		if sc.decimals == maxValueDecimals {
			break
		}
		sc.decimals++
	}
	for _, u := range valueUnits {
		if size, ok := deltasSize(vals, scale{unit: u}); ok {
			return scale{unit: u}, size, true
		}
	}
	return scale{}, deltasSizes{}, false
}

// deltasSizes are the sizes of a series' deltas, the differences taken
// once and twice (value_order 2).
type deltasSizes struct{ once, twice int }

// deltasSize is the size of vals' deltas at sc, ok false as soon as a
// value is not exact at it.
func deltasSize(vals []float64, sc scale) (deltasSizes, bool) {
	var size deltasSizes
	prev, prevStep := int64(0), int64(0)
	for _, v := range vals {
		n, ok := sc.integer(v)
		if !ok {
			return deltasSizes{}, false
		}
		step := n - prev
		size.once += protowire.SizeVarint(protowire.EncodeZigZag(step))
		size.twice += protowire.SizeVarint(protowire.EncodeZigZag(step - prevStep))
		prev, prevStep = n, step
	}
	return size, true
}

// UnpackValues puts value_deltas back into Values; a series without them
// is left as it is.
func (x *Series) UnpackValues() error {
	if x == nil || len(x.ValueDeltas) == 0 {
		return nil
	}
	vals, err := x.AppendValues(nil)
	if err != nil {
		return err
	}
	x.Values, x.ValueDeltas, x.ValueDecimals, x.ValueUnit, x.ValueOrder = vals, nil, 0, 0, 0
	return nil
}

// AppendValues appends the series' values to dst, from value_deltas when
// it has them, and returns the extended slice; the series is left as it
// is. A reader that needs each series' values only for a moment (the
// daemon hashing a record) reuses one buffer instead of unpacking every
// series.
func (x *Series) AppendValues(dst []float64) ([]float64, error) {
	if len(x.GetValueDeltas()) == 0 {
		return append(dst, x.GetValues()...), nil
	}
	r := x.ReadValues()
	if r.err != nil {
		return dst, r.err
	}
	n := valuesLen(x.ValueDeltas)
	out := slices.Grow(dst, n)[:len(dst)+n]
	if k := r.Read(out[len(dst):]); r.err != nil || k != n {
		return dst, r.err // k < n only at an error: n counts the varints
	}
	return out, nil
}

// valuesLen is the number of values in deltas: one per varint, each
// ending in a byte below 0x80, and one for a last varint cut short
// (which does not decode).
func valuesLen(deltas []byte) int {
	n := 0
	for _, c := range deltas {
		if c < 0x80 {
			n++
		}
	}
	if len(deltas) > 0 && deltas[len(deltas)-1] >= 0x80 {
		n++
	}
	return n
}

// UnpackValues unpacks every series in m (Series.UnpackValues), however
// deep. The SDK does this to each record before Export; the daemon to
// each record it decodes. On an error, the series before the one that
// failed are unpacked and the others not: the record is not usable.
func UnpackValues(m proto.Message) error {
	var err error
	EachSeries(m, func(s *Series) {
		if err == nil {
			err = s.UnpackValues()
		}
	})
	return err
}

// hasPacked reports whether any series in m carries runs or value
// deltas, which a protocol 1 plugin cannot read.
func hasPacked(m proto.Message) bool {
	found := false
	eachSeries(m.ProtoReflect(), func(s *Series) {
		found = found || len(s.GetRuns()) > 0 || len(s.GetValueDeltas()) > 0
	})
	return found
}
