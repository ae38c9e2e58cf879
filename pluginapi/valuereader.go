package pluginapi

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// A ValueReader reads a series' values in order, from Values or straight
// from value_deltas, without unpacking them into a slice. An exporter
// served with PackedValues reads its series through one (or through
// Series.All, which uses one). A decimal series' values can be taken as
// the integers they were packed as (Decimals, ReadScaled): an exporter
// that writes them as text then skips both the division and the float
// formatting.
type ValueReader struct {
	packed bool      // read from value_deltas
	vals   []float64 // the series' Values, when not packed
	b      []byte    // the value_deltas still to read
	sc     scale
	twice  bool // value_order 2
	sum    int64
	step   int64
	err    error
}

// ReadValues returns a reader of the series' values. Value deltas whose
// scale or order cannot be read yield no value, and Err says why.
func (x *Series) ReadValues() ValueReader {
	if len(x.GetValueDeltas()) == 0 {
		return ValueReader{vals: x.GetValues()}
	}
	sc, twice, err := x.deltasScale()
	if err != nil {
		return ValueReader{err: err} // reads nothing
	}
	return ValueReader{packed: true, b: x.ValueDeltas, sc: sc, twice: twice}
}

// deltasScale is the scale and order of the series' value_deltas.
func (x *Series) deltasScale() (scale, bool, error) {
	sc := scale{decimals: x.ValueDecimals, unit: x.ValueUnit}
	switch {
	case len(x.Values) > 0:
		return sc, false, fmt.Errorf("%w: both values and value_deltas", ErrMalformedValues)
	case x.ValueOrder > 2:
		return sc, false, fmt.Errorf("%w: value_order %d (0, 1 or 2)", ErrMalformedValues, x.ValueOrder)
	case sc.decimals > maxValueDecimals:
		return sc, false, fmt.Errorf("%w: %d decimals (at most %d)", ErrMalformedValues, sc.decimals, maxValueDecimals)
	case sc.unit != 0 && (sc.decimals != 0 || math.IsNaN(sc.unit) || math.IsInf(sc.unit, 0)):
		return sc, false, fmt.Errorf("%w: value_unit %v with %d decimals", ErrMalformedValues, sc.unit, sc.decimals)
	}
	return sc, x.ValueOrder == 2, nil
}

// Decimals reports whether the values are decimals packed as integers:
// each is ReadScaled's integer divided by 10^decimals. It is false for
// a series of doubles, for one packed in a unit (positions), and for
// deltas whose scale or order cannot be read (Err).
func (r *ValueReader) Decimals() (decimals int, ok bool) {
	return int(r.sc.decimals), r.packed && r.sc.unit == 0
}

// Next returns the next value; ok is false after the last one, or at
// deltas that do not decode (Err). Read takes many at once, faster.
func (r *ValueReader) Next() (v float64, ok bool) {
	if !r.packed {
		if len(r.vals) == 0 {
			return 0, false
		}
		v, r.vals = r.vals[0], r.vals[1:]
		return v, true
	}
	var one [1]int64
	if r.readIntegers(one[:]) == 0 {
		return 0, false
	}
	return r.sc.value(one[0]), true
}

// Read reads up to len(dst) values into dst and returns how many: 0
// after the last one; at deltas that do not decode, the values before
// them, and Err is set.
func (r *ValueReader) Read(dst []float64) int {
	if !r.packed {
		n := copy(dst, r.vals)
		r.vals = r.vals[n:]
		return n
	}
	// The integers a chunk at a time, then the division (or the unit's
	// product) over the chunk while it is in cache.
	var buf [256]int64
	n := 0
	for n < len(dst) {
		k := r.readIntegers(buf[:min(len(buf), len(dst)-n)])
		if k == 0 {
			break
		}
		out := dst[n : n+k]
		if unit := r.sc.unit; unit != 0 {
			for i, v := range buf[:k] {
				out[i] = float64(v) * unit
			}
		} else {
			p := pow10[r.sc.decimals]
			for i, v := range buf[:k] {
				out[i] = float64(v) / p
			}
		}
		n += k
	}
	return n
}

// ReadScaled reads up to len(dst) values into dst as their integers at
// Decimals, and returns how many, as Read does; always 0 for a reader
// whose Decimals is not ok, which has no such integers.
func (r *ValueReader) ReadScaled(dst []int64) int {
	if !r.packed || r.sc.unit != 0 {
		return 0
	}
	return r.readIntegers(dst)
}

// readIntegers decodes up to len(dst) of the deltas' integers, whatever
// their scale.
func (r *ValueReader) readIntegers(dst []int64) int {
	b, sum, step := r.b, r.sum, r.step
	i, j := 0, 0
	for ; i < len(b) && j < len(dst); j++ {
		// The common one- and two-byte varints decoded here, as
		// ConsumeVarint is not inlined.
		var d uint64
		switch {
		case b[i] < 0x80:
			d = uint64(b[i])
			i++
		case i+1 < len(b) && b[i+1] < 0x80:
			d = uint64(b[i]&0x7f) | uint64(b[i+1])<<7
			i += 2
		default:
			var m int
			if d, m = protowire.ConsumeVarint(b[i:]); m < 0 {
				return r.fail(j, fmt.Errorf("%w: %v", ErrMalformedValues, protowire.ParseError(m)))
			}
			i += m
		}
		diff := int64(d>>1) ^ -int64(d&1) // protowire.DecodeZigZag, not inlined
		if r.twice {
			// Integers below 2^53 are less than 2^54 apart, and their
			// steps less than 2^55: checked before each sum, none of
			// them overflows.
			if diff >= 2*maxStep || diff <= -2*maxStep {
				return r.fail(j, fmt.Errorf("%w: a difference at or beyond 2^55", ErrMalformedValues))
			}
			step += diff
			if step >= maxStep || step <= -maxStep {
				return r.fail(j, fmt.Errorf("%w: a difference at or beyond 2^54", ErrMalformedValues))
			}
			diff = step
		}
		sum += diff
		if sum >= maxScaled || sum <= -maxScaled {
			return r.fail(j, fmt.Errorf("%w: a value at or beyond 2^53", ErrMalformedValues))
		}
		dst[j] = sum
	}
	r.b, r.sum, r.step = b[i:], sum, step
	return j
}

// drain reads the rest of the values for their errors, and returns Err.
func (r *ValueReader) drain() error {
	var buf [256]int64
	for r.readIntegers(buf[:]) > 0 {
		continue
	}
	return r.err
}

// fail stops the reader at err, after the n values read before it.
func (r *ValueReader) fail(n int, err error) int {
	r.err, r.b = err, nil
	return n
}

// Err is why the reader stopped before the end of the deltas, nil when
// it read them all (or has not yet come to a bad one).
func (r *ValueReader) Err() error { return r.err }
