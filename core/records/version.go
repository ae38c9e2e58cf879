package records

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
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
	seriesOffsetsField protowire.Number = 3
	seriesRunsField    protowire.Number = 5
	runOffsetField     protowire.Number = 1
	runIntervalField   protowire.Number = 2
	runCountField      protowire.Number = 3
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

// seriesRuns splits a Series encoding into its runs and the rest.
func seriesRuns(b []byte, each func(f field) error) (runs [][]byte, err error) {
	err = fields(seriesDescriptor, b, func(f field) error {
		if f.num == seriesRunsField {
			v, n := protowire.ConsumeBytes(f.raw[f.tag:])
			if f.typ != protowire.BytesType || n < 0 {
				return errBadEncoding
			}
			runs = append(runs, v)
			return nil
		}
		return each(f)
	})
	return runs, err
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
	size, hasOffsets := 0, false
	runs, err := seriesRuns(b, func(f field) error {
		size += len(f.raw)
		hasOffsets = hasOffsets || f.num == seriesOffsetsField
		return nil
	})
	if err != nil || len(runs) == 0 {
		return size, err
	}
	if hasOffsets {
		return 0, errors.New("series has both offsets and runs")
	}
	packed := 0
	if err := eachRunOffset(runs, func(off int64) { packed += protowire.SizeVarint(uint64(off)) }); err != nil {
		return 0, err
	}
	if packed > 0 {
		size += protowire.SizeTag(seriesOffsetsField) + protowire.SizeVarint(uint64(packed)) + packed
	}
	return size, nil
}

// writeExpandedSeries is writeExpanded for a Series: its fields in
// order, the offsets the runs give packed in place of field 3, as the
// deterministic encoding of the expanded series has them.
func writeExpandedSeries(w *hashWriter, b []byte) error {
	var before, after []field
	runs, err := seriesRuns(b, func(f field) error {
		if f.num < seriesOffsetsField {
			before = append(before, f)
		} else {
			after = append(after, f)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		w.write(b)
		return nil
	}
	for _, f := range before {
		w.write(f.raw)
	}
	packed := 0
	if err := eachRunOffset(runs, func(off int64) { packed += protowire.SizeVarint(uint64(off)) }); err != nil {
		return err
	}
	if packed > 0 {
		w.varint(uint64(protowire.EncodeTag(seriesOffsetsField, protowire.BytesType)))
		w.varint(uint64(packed))
		if err := eachRunOffset(runs, func(off int64) { w.varint(uint64(off)) }); err != nil {
			return err
		}
	}
	for _, f := range after {
		w.write(f.raw)
	}
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
