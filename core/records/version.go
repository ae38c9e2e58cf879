package records

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// A record's version is a hash of its content as releases before plugin
// protocol 2 encoded it: every series with one offset per sample. Stored
// bodies carry runs (pluginapi.Series), so the hash is taken over their
// encoding with the runs written out as offsets, streamed into the hash
// without building it. Versions therefore did not change with the
// protocol: a record fetched again after an upgrade is not delivered
// again (which would, for one, overwrite a Strava activity's edited
// name).

// Series' field numbers, in the encoding the version hashes.
const (
	seriesOffsetsField  protowire.Number = 3
	seriesValuesField   protowire.Number = 4
	seriesRunsField     protowire.Number = 5
	seriesDeltasField   protowire.Number = 6
	seriesDecimalsField protowire.Number = 7
	seriesUnitField     protowire.Number = 8
	seriesOrderField    protowire.Number = 9
	runOffsetField      protowire.Number = 1
	runIntervalField    protowire.Number = 2
	runCountField       protowire.Number = 3
)

var errBadEncoding = errors.New("malformed encoding")

// versionOf hashes content, a deterministic Record encoding without its
// version, with every series' runs expanded.
func versionOf(content []byte) (string, error) {
	h := &hashWriter{h: sha256.New()}
	if err := writeExpanded(h, recordDescriptor, content); err != nil {
		return "", fmt.Errorf("%w: version: %v", ErrBadRecord, err)
	}
	h.flush()
	return hex.EncodeToString(h.h.Sum(nil)[:8]), nil
}

var recordDescriptor = (&pluginapi.Record{}).ProtoReflect().Descriptor()

// hashWriter batches small writes (a varint each) for the hash.
type hashWriter struct {
	h   hash.Hash
	buf []byte
	// vals holds one series' values at a time while they are hashed: a
	// 10 h exercise's would be 1.7 MB unpacked all at once, just as its
	// body is being stored.
	vals []float64
}

func (w *hashWriter) write(b []byte) {
	if len(w.buf)+len(b) > 32<<10 {
		w.flush()
	}
	if len(b) > 32<<10 {
		w.h.Write(b)
		return
	}
	w.buf = append(w.buf, b...)
}

func (w *hashWriter) varint(v uint64) {
	if len(w.buf)+protowire.SizeVarint(v) > 32<<10 {
		w.flush()
	}
	w.buf = protowire.AppendVarint(w.buf, v)
}

func (w *hashWriter) fixed64(v uint64) {
	if len(w.buf)+8 > 32<<10 {
		w.flush()
	}
	w.buf = protowire.AppendFixed64(w.buf, v)
}

func (w *hashWriter) doubles(s *pluginapi.Series, _ int) error {
	vals, err := s.AppendValues(w.vals[:0])
	w.vals = vals
	if err != nil {
		return err
	}
	for _, v := range vals {
		w.fixed64(math.Float64bits(v))
	}
	return nil
}

func (w *hashWriter) flush() {
	w.h.Write(w.buf)
	w.buf = w.buf[:0]
}

// field is one field of an encoded message.
type field struct {
	num  protowire.Number
	typ  protowire.Type
	raw  []byte // tag and value
	tag  int    // length of the tag in raw
	desc protoreflect.FieldDescriptor
}

// fields calls f on each field of the message encoding b, in order.
func fields(md protoreflect.MessageDescriptor, b []byte, f func(field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errBadEncoding
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return errBadEncoding
		}
		if err := f(field{num: num, typ: typ, raw: b[:n+m], tag: n, desc: md.Fields().ByNumber(num)}); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

// nested returns the message a field holds and its type, or ok false
// when it holds none or none with a series in it (copied as it is).
func (f field) nested() (md protoreflect.MessageDescriptor, value []byte, ok bool) {
	if f.typ != protowire.BytesType || f.desc == nil || f.desc.Message() == nil || !holdsSeries(f.desc.Message()) {
		return nil, nil, false
	}
	v, _ := protowire.ConsumeBytes(f.raw[f.tag:])
	return f.desc.Message(), v, true
}

// expandedSize is the size of the message encoding b once its series'
// runs are written out as offsets.
func expandedSize(md protoreflect.MessageDescriptor, b []byte) (int, error) {
	if md.FullName() == seriesName {
		return expandedSeriesSize(b)
	}
	size := 0
	err := fields(md, b, func(f field) error {
		sub, v, ok := f.nested()
		if !ok {
			size += len(f.raw)
			return nil
		}
		n, err := expandedSize(sub, v)
		size += f.tag + protowire.SizeVarint(uint64(n)) + n
		return err
	})
	return size, err
}

// writeExpanded writes the message encoding b with its series' runs
// written out as offsets.
func writeExpanded(w *hashWriter, md protoreflect.MessageDescriptor, b []byte) error {
	if md.FullName() == seriesName {
		return writeExpandedSeries(w, b)
	}
	return fields(md, b, func(f field) error {
		sub, v, ok := f.nested()
		if !ok {
			w.write(f.raw)
			return nil
		}
		n, err := expandedSize(sub, v)
		if err != nil {
			return err
		}
		w.write(f.raw[:f.tag])
		w.varint(uint64(n))
		return writeExpanded(w, sub, v)
	})
}

// seriesParts is a Series encoding split for expansion: its fields as
// they are, and the runs and value deltas (with their scale) that stand
// for fields 3 and 4.
type seriesParts struct {
	fields []field // all but runs and value deltas, in order
	runs   [][]byte
	// packed holds the value deltas and their scale; nil without deltas,
	// when a stray scale is hashed as any other field (UnpackValues and
	// so DecodeBody ignore it then too).
	packed *pluginapi.Series
	has    [seriesValuesField + 1]bool
}

func splitSeries(b []byte) (*seriesParts, error) {
	p := &seriesParts{}
	var scale pluginapi.Series // decimals, unit and order, last one of each
	err := fields(seriesDescriptor, b, func(f field) error {
		switch f.num {
		case seriesDecimalsField, seriesOrderField:
			v, n := protowire.ConsumeVarint(f.raw[f.tag:])
			if f.typ != protowire.VarintType || n < 0 {
				return errBadEncoding
			}
			if f.num == seriesDecimalsField {
				scale.ValueDecimals = uint32(v)
			} else {
				scale.ValueOrder = uint32(v)
			}
		case seriesUnitField:
			v, n := protowire.ConsumeFixed64(f.raw[f.tag:])
			if f.typ != protowire.Fixed64Type || n < 0 {
				return errBadEncoding
			}
			scale.ValueUnit = math.Float64frombits(v)
		case seriesRunsField, seriesDeltasField:
			v, n := protowire.ConsumeBytes(f.raw[f.tag:])
			if f.typ != protowire.BytesType || n < 0 {
				return errBadEncoding
			}
			if f.num == seriesRunsField {
				p.runs = append(p.runs, v)
			} else {
				// A bytes field given twice keeps its last value, as the
				// Go decoder has it. Read only (UnpackValues leaves them
				// be), so the body's bytes serve.
				scale.ValueDeltas = v
			}
			return nil
		default:
			if f.num <= seriesValuesField {
				p.has[f.num] = true
			}
		}
		p.fields = append(p.fields, f)
		return nil
	})
	if len(scale.ValueDeltas) > 0 {
		p.packed = &scale
		p.fields = slices.DeleteFunc(p.fields, func(f field) bool {
			return f.num == seriesDecimalsField || f.num == seriesUnitField || f.num == seriesOrderField
		})
	}
	switch {
	case err != nil:
	case len(p.runs) > 0 && p.has[seriesOffsetsField]:
		err = errors.New("series has both offsets and runs")
	case p.packed != nil && p.has[seriesValuesField]:
		err = errors.New("series has both values and value deltas")
	}
	return p, err
}

// compact reports whether the series has runs or value deltas to expand.
func (p *seriesParts) compact() bool { return len(p.runs) > 0 || p.packed != nil }

// write writes the series expanded: its fields in order, with the
// offsets the runs give packed in place of field 3 and the values the
// deltas give in place of field 4, as the deterministic encoding of the
// expanded series has them.
func (p *seriesParts) write(o sink) error {
	next := seriesOffsetsField // the next generated field to place
	place := func(before protowire.Number) error {
		for ; next <= seriesValuesField && next < before; next++ {
			write := p.writeOffsets
			if next == seriesValuesField {
				write = p.writeValues
			}
			if err := write(o); err != nil {
				return err
			}
		}
		return nil
	}
	for _, f := range p.fields {
		if err := place(f.num); err != nil {
			return err
		}
		o.write(f.raw)
	}
	return place(seriesValuesField + 1)
}

func (p *seriesParts) writeOffsets(o sink) error {
	packed := 0
	if err := eachRunOffset(p.runs, func(off int64) { packed += protowire.SizeVarint(uint64(off)) }); err != nil || packed == 0 {
		return err
	}
	o.varint(uint64(protowire.EncodeTag(seriesOffsetsField, protowire.BytesType)))
	o.varint(uint64(packed))
	return eachRunOffset(p.runs, func(off int64) { o.varint(uint64(off)) })
}

// writeValues writes the values the deltas give as packed doubles. A
// sizer is told their size without decoding them: one per varint.
func (p *seriesParts) writeValues(o sink) error {
	if p.packed == nil {
		return nil
	}
	n := 0
	for _, c := range p.packed.ValueDeltas {
		if c < 0x80 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	o.varint(uint64(protowire.EncodeTag(seriesValuesField, protowire.BytesType)))
	o.varint(uint64(8 * n))
	return o.doubles(p.packed, n)
}

// eachRunOffset calls f with every offset the runs give, in order.
func eachRunOffset(runs [][]byte, f func(int64)) error {
	for _, r := range runs {
		var off, step int64
		var count uint64
		err := fields(runDescriptor, r, func(fl field) error {
			if fl.typ != protowire.VarintType {
				return nil
			}
			v, _ := protowire.ConsumeVarint(fl.raw[fl.tag:])
			switch fl.num {
			case runOffsetField:
				off = int64(v)
			case runIntervalField:
				step = int64(v)
			case runCountField:
				count = uint64(uint32(v))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for range count {
			f(off)
			off += step
		}
	}
	return nil
}

// expandedSeriesSize is expandedSize for a Series.
func expandedSeriesSize(b []byte) (int, error) {
	p, err := splitSeries(b)
	if err != nil || !p.compact() {
		return len(b), err
	}
	var n sizer
	err = p.write(&n)
	return int(n), err
}

// writeExpandedSeries is writeExpanded for a Series.
func writeExpandedSeries(w *hashWriter, b []byte) error {
	p, err := splitSeries(b)
	if err != nil {
		return err
	}
	if !p.compact() {
		w.write(b)
		return nil
	}
	return p.write(w)
}

// sink is where an expanded series goes: the hash, or a sizer.
type sink interface {
	write(b []byte)
	varint(v uint64)
	fixed64(v uint64)
	// doubles writes the n values of s's value deltas.
	doubles(s *pluginapi.Series, n int) error
}

// sizer counts what is written to it.
type sizer int

func (n *sizer) write(b []byte)   { *n += sizer(len(b)) }
func (n *sizer) varint(v uint64)  { *n += sizer(protowire.SizeVarint(v)) }
func (n *sizer) fixed64(v uint64) { *n += 8 }

func (n *sizer) doubles(_ *pluginapi.Series, count int) error {
	*n += sizer(8 * count)
	return nil
}

var (
	seriesDescriptor = (&pluginapi.Series{}).ProtoReflect().Descriptor()
	runDescriptor    = (&pluginapi.Run{}).ProtoReflect().Descriptor()
	seriesName       = seriesDescriptor.FullName()
)

// holdsSeries reports whether messages of type md can hold a Series at
// any depth (memoized: the answer is fixed by the schema).
func holdsSeries(md protoreflect.MessageDescriptor) bool {
	if v, ok := holdsSeriesMemo.Load(md.FullName()); ok {
		return v.(bool)
	}
	v := holdsSeriesFrom(md, map[protoreflect.FullName]bool{})
	holdsSeriesMemo.Store(md.FullName(), v)
	return v
}

var holdsSeriesMemo sync.Map

func holdsSeriesFrom(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if md.FullName() == seriesName {
		return true
	}
	if seen[md.FullName()] {
		return false
	}
	seen[md.FullName()] = true
	fs := md.Fields()
	for i := range fs.Len() {
		if sub := fs.Get(i).Message(); sub != nil && holdsSeriesFrom(sub, seen) {
			return true
		}
	}
	return false
}
