package pluginapi

import (
	"errors"
	"fmt"
	"iter"
	"math"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// A Series carries its instants either as one offset per sample
// (OffsetMs, every protocol version) or as runs of samples at a steady
// interval (Runs, protocol 2 on). A 10 h exercise at 1 Hz is then one run
// per series instead of 36,000 offsets: a third less to send, store and
// decode, and no varint per sample. The methods below read both forms
// alike; plugins should use them rather than OffsetMs.

// All yields every sample's offset from Start in milliseconds and its
// value, in order, whichever form the series has (runs or offsets,
// values or value_deltas). A malformed series (offsets or runs not
// covering every value, deltas that do not decode) stops at the shorter;
// Check tells.
func (x *Series) All() iter.Seq2[int64, float64] {
	return func(yield func(int64, float64) bool) {
		vals := x.ReadValues()
		if runs := x.GetRuns(); len(runs) > 0 {
			for _, r := range runs {
				off, step := r.GetOffsetMs(), r.GetIntervalMs()
				for range r.GetCount() {
					v, ok := vals.Next()
					if !ok || !yield(off, v) {
						return
					}
					off += step
				}
			}
			return
		}
		for _, off := range x.GetOffsetMs() {
			v, ok := vals.Next()
			if !ok || !yield(off, v) {
				return
			}
		}
	}
}

// Len is the number of samples All yields for a well-formed series.
func (x *Series) Len() int {
	if runs := x.GetRuns(); len(runs) > 0 {
		return min(runsLen(runs), x.valuesLen())
	}
	return min(len(x.GetOffsetMs()), x.valuesLen())
}

// valuesLen is the number of values, packed or not.
func (x *Series) valuesLen() int {
	if d := x.GetValueDeltas(); len(d) > 0 {
		return valuesLen(d)
	}
	return len(x.GetValues())
}

// Offsets returns every sample's offset from Start in milliseconds:
// OffsetMs itself, or the runs expanded into a new slice. Use All when
// you only walk the samples in order; it allocates nothing.
func (x *Series) Offsets() []int64 {
	runs := x.GetRuns()
	if len(runs) == 0 {
		return x.GetOffsetMs()
	}
	out := make([]int64, 0, runsLen(runs))
	for _, r := range runs {
		off := r.GetOffsetMs()
		for range r.GetCount() {
			out = append(out, off)
			off += r.GetIntervalMs()
		}
	}
	return out
}

// Check reports a series whose offsets or runs do not give exactly one
// instant per value, or whose value_deltas do not decode
// (ErrMalformedValues); the deltas are read through for that, not
// unpacked: a packed series that passes still has no Values.
func (x *Series) Check() error {
	n, vals := len(x.GetOffsetMs()), x.valuesLen()
	if runs := x.GetRuns(); len(runs) > 0 {
		if n > 0 {
			return errors.New("both offsets and runs")
		}
		n = runsLen(runs)
	}
	if n != vals {
		return fmt.Errorf("%d instants for %d values", n, vals)
	}
	if len(x.GetValueDeltas()) > 0 {
		r := x.ReadValues()
		return r.drain()
	}
	return nil
}

func runsLen(runs []*Run) int {
	n := 0
	for _, r := range runs {
		n += int(r.GetCount())
	}
	return n
}

// Compact puts the series' offsets into runs when that is the smaller
// form (a steady rate, a few pauses), and leaves them as they are when
// they are irregular (RR intervals). It changes nothing else.
func (x *Series) Compact() {
	if x == nil || len(x.Runs) > 0 || len(x.OffsetMs) == 0 {
		return
	}
	var rs runs
	for _, off := range x.OffsetMs {
		if !rs.add(off, len(x.OffsetMs)) {
			return
		}
	}
	if !rs.worth(len(x.OffsetMs)) {
		return
	}
	x.Runs, x.OffsetMs = rs.messages(), nil
}

// expand puts runs back into one offset per sample: the form protocol 1
// plugins read.
func (x *Series) expand() {
	if len(x.Runs) == 0 {
		return
	}
	x.OffsetMs, x.Runs = x.Offsets(), nil
}

// runs collects offsets into runs, each extended for as long as the
// interval stays the same.
type runs struct {
	done []run
	cur  run
}

type run struct {
	off, step int64
	count     uint32
}

// add appends the next offset. It reports false, and stops collecting,
// once the runs are too many to be worth it for a series of n samples.
func (rs *runs) add(off int64, n int) bool {
	switch c := &rs.cur; {
	case c.count == 0:
		*c = run{off: off, count: 1}
	case c.count == 1:
		c.step, c.count = off-c.off, 2
	case off == c.off+int64(c.count)*c.step && c.count < math.MaxUint32:
		c.count++
	default:
		rs.done = append(rs.done, *c)
		*c = run{off: off, count: 1}
		return rs.worth(n)
	}
	return true
}

// worth reports whether runs are the smaller form for n samples. A run
// costs about as much as four offsets on the wire; a series of fewer than
// four samples keeps its offsets.
func (rs *runs) worth(n int) bool {
	k := len(rs.done)
	if rs.cur.count > 0 {
		k++
	}
	return 4*k <= n
}

func (rs *runs) messages() []*Run {
	all := rs.done
	if rs.cur.count > 0 {
		all = append(all, rs.cur)
	}
	out := make([]*Run, len(all))
	for i, r := range all {
		out[i] = &Run{OffsetMs: r.off, IntervalMs: r.step, Count: r.count}
	}
	return out
}

// SeriesBuilder builds a Series sample by sample in its compact form,
// without ever holding one offset per sample when the rate is steady.
// The zero value is not usable; call NewSeriesBuilder.
type SeriesBuilder struct {
	s    *Series
	runs runs
	// offsets holds one offset per sample once they proved irregular;
	// nil while they are steady.
	offsets []int64
}

// NewSeriesBuilder starts a series of type typ from start, with room for
// capacity samples.
func NewSeriesBuilder(typ SampleType, start *timestamppb.Timestamp, capacity int) *SeriesBuilder {
	return &SeriesBuilder{s: &Series{Type: typ, Start: start, Values: make([]float64, 0, capacity)}}
}

// Add appends a sample taken offsetMs after the start.
func (b *SeriesBuilder) Add(offsetMs int64, v float64) {
	b.s.Values = append(b.s.Values, v)
	if b.offsets != nil {
		b.offsets = append(b.offsets, offsetMs)
		return
	}
	// Judged against the capacity, so that a series that starts with
	// a few pauses is not given up on before its steady part.
	if b.runs.add(offsetMs, max(cap(b.s.Values), len(b.s.Values))) {
		return
	}
	b.offsets = make([]int64, 0, cap(b.s.Values))
	b.offsets = append(b.offsets, (&Series{Runs: b.runs.messages()}).Offsets()...)
}

// Len is the number of samples added so far.
func (b *SeriesBuilder) Len() int { return len(b.s.Values) }

// Series returns the series built, in whichever form is smaller. The
// builder must not be used afterwards.
func (b *SeriesBuilder) Series() *Series {
	n := len(b.s.Values)
	switch {
	case b.offsets != nil:
		b.s.OffsetMs = b.offsets
	case n == 0:
	case b.runs.worth(n):
		b.s.Runs = b.runs.messages()
	default:
		b.s.Runs = b.runs.messages()
		b.s.expand()
	}
	return b.s
}

// CompactSeries compacts every series in m (see Series.Compact), however
// deep: the daemon does this to each record before storing it.
func CompactSeries(m proto.Message) { EachSeries(m, (*Series).Compact) }

// EachSeries calls f on every series in m, however deep (an exercise's
// samples, a night's heart rate...).
func EachSeries(m proto.Message, f func(*Series)) { eachSeries(m.ProtoReflect(), f) }

// eachSeries calls f on every Series in m.
func eachSeries(m protoreflect.Message, f func(*Series)) {
	if s, ok := m.Interface().(*Series); ok {
		f(s)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					eachSeries(mv.Message(), f)
					return true
				})
			}
		case fd.Message() == nil:
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				eachSeries(l.Get(i).Message(), f)
			}
		default:
			eachSeries(v.Message(), f)
		}
		return true
	})
}

// forProtocol1 returns req with every series in the offsets form and
// its values as doubles, which is all a protocol 1 plugin reads: req
// itself when it has neither runs nor value deltas, else a copy (the
// caller's records are left alone).
func forProtocol1(req *ExportRequest) (*ExportRequest, error) {
	if !hasPacked(req) {
		return req, nil
	}
	out := proto.Clone(req).(*ExportRequest)
	return out, toProtocol1(out)
}

// toProtocol1 expands every series of m in place (forProtocol1).
func toProtocol1(m proto.Message) error {
	eachSeries(m.ProtoReflect(), (*Series).expand)
	return UnpackValues(m)
}

// encodedForProtocol1 is forProtocol1 for encoded records: those with
// runs or value deltas are decoded, expanded and encoded again.
func encodedForProtocol1(records [][]byte) ([][]byte, error) {
	out, copied := records, false
	for i, b := range records {
		rec := &Record{}
		if err := proto.Unmarshal(b, rec); err != nil {
			return nil, fmt.Errorf("pluginapi: stored record %d: %w", i, err)
		}
		if !hasPacked(rec) {
			continue
		}
		if err := toProtocol1(rec); err != nil {
			return nil, fmt.Errorf("pluginapi: stored record %d: %w", i, err)
		}
		enc, err := proto.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("pluginapi: stored record %d: %w", i, err)
		}
		if !copied {
			out, copied = append([][]byte(nil), records...), true
		}
		out[i] = enc
	}
	return out, nil
}
