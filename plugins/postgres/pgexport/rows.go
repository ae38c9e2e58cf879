package pgexport

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// This file turns a record into table rows. It is pure (no database), so
// the layout can be tested on its own. The mapping follows the record
// model by reflection rather than by a hand-written list per kind, so a
// field cannot be forgotten: a field without a column fails the insert
// (and the every-kind test), it is not silently dropped.

// row is one INSERT.
type row struct {
	table string
	cols  []string
	vals  []any
}

func (r *row) add(col string, v any) {
	r.cols = append(r.cols, col)
	r.vals = append(r.vals, v)
}

// kindTable is where a kind's body goes: its table, and the prefix of its
// child tables (prefix_<repeated field>).
type kindTable struct{ table, child string }

var kindTables = map[pluginapi.RecordKind]kindTable{
	pluginapi.RecordKind_RECORD_KIND_EXERCISE:                    {"exercises", "exercise"},
	pluginapi.RecordKind_RECORD_KIND_SLEEP:                       {"sleeps", "sleep"},
	pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE:            {"nightly_recharges", "nightly_recharge"},
	pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION:                {"team_sessions", "team_session"},
	pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION:              {"player_sessions", "player_session"},
	pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD:                 {"cardio_loads", "cardio_load"},
	pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE:       {"continuous_heart_rates", "continuous_heart_rate"},
	pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY:              {"daily_activities", "daily_activity"},
	pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION:        {"physical_information", "physical_information"},
	pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS:         {"sleepwise_alertness", "sleepwise_alertness"},
	pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME: {"sleepwise_circadian_bedtimes", "sleepwise_circadian_bedtime"},
	pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE:            {"skin_temperatures", "skin_temperature"},
	pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS:               {"skin_contacts", "skin_contact"},
	pluginapi.RecordKind_RECORD_KIND_ECG_TEST:                    {"ecg_tests", "ecg_test"},
	pluginapi.RecordKind_RECORD_KIND_SPO2_TEST:                   {"spo2_tests", "spo2_test"},
}

// arrayFields are repeated messages stored as one array column per
// field on their parent's row (<field>_<subfield>) instead of a child
// table: an ECG test has thousands of samples.
var arrayFields = map[protoreflect.FullName]bool{
	"polarbridge.v1.ECGTest.samples": true,
}

// dateFields hold YYYY-MM-DD strings and go to date columns.
var dateFields = map[protoreflect.Name]bool{"date": true, "sleep_date": true}

var (
	timeMsg   = (&pluginapi.Time{}).ProtoReflect().Descriptor().FullName()
	seriesMsg = (&pluginapi.Series{}).ProtoReflect().Descriptor().FullName()
)

// rowMapper maps one record.
type rowMapper struct {
	key        string
	storeFiles bool
	rows       []row
	err        error
}

// recordRows returns the rows of rec's body: its kind's row, child rows
// and series. The records and users rows are the writer's.
func recordRows(rec *pluginapi.Record, storeFiles bool) ([]row, error) {
	kt, ok := kindTables[rec.GetKind()]
	if !ok {
		return nil, fmt.Errorf("record kind %s is not supported", rec.GetKind())
	}
	m := rec.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("body"))
	if fd == nil {
		return nil, fmt.Errorf("record %s has no body", rec.GetKey())
	}
	if want := kindTables[kindOfBody(fd)]; want != kt {
		return nil, fmt.Errorf("record %s: kind %s with a %s body", rec.GetKey(), rec.GetKind(), fd.Name())
	}
	mp := &rowMapper{key: rec.GetKey(), storeFiles: storeFiles}
	main := row{table: kt.table}
	main.add("record_key", rec.GetKey())
	main.add("user_id", nullString(rec.GetUserId()))
	mp.rows = append(mp.rows, row{}) // the main row goes first
	mp.fields(&main, m.Get(fd).Message(), kt.child)
	mp.rows[0] = main
	return mp.rows, mp.err
}

// kindOfBody is the kind whose body field fd is: the oneof's field
// numbers follow the kinds (exercise = 10 for kind 1, ...).
func kindOfBody(fd protoreflect.FieldDescriptor) pluginapi.RecordKind {
	return pluginapi.RecordKind(fd.Number() - 9)
}

// fields adds m's fields to r: scalars as columns, Times as two columns,
// Series to the series table, repeated messages to child tables named
// child_<field> (or arrays on r, see arrayFields).
func (mp *rowMapper) fields(r *row, m protoreflect.Message, child string) {
	fds := m.Descriptor().Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		name := fd.Name()
		switch {
		case fd.IsList() && fd.Message() != nil && fd.Message().FullName() == seriesMsg:
			list := m.Get(fd).List()
			for j := range list.Len() {
				mp.series(string(name), j, list.Get(j).Message().Interface().(*pluginapi.Series))
			}
		case fd.IsList() && arrayFields[fd.FullName()]:
			mp.arrays(r, string(name), m.Get(fd).List(), fd.Message())
		case fd.IsList() && fd.Message() != nil:
			mp.children(child+"_"+string(name), m.Get(fd).List())
		case fd.IsList() || fd.IsMap():
			mp.fail("field %s: scalar lists have no column layout", fd.FullName())
		case fd.Message() != nil && fd.Message().FullName() == timeMsg:
			addTime(r, string(name), m, fd)
		case fd.Message() != nil && fd.Message().FullName() == seriesMsg:
			if m.Has(fd) {
				mp.series(string(name), 0, m.Get(fd).Message().Interface().(*pluginapi.Series))
			}
		case fd.Message() != nil:
			mp.fail("field %s: nested messages have no column layout", fd.FullName())
		default:
			r.add(colName(name), mp.scalar(fd, m.Get(fd)))
		}
	}
}

// children adds a row per element of list to table, numbered from 0 in
// column n. A repeated message inside an element (a daily activity's
// zone samples have zones) flattens to a row per inner element, the
// element's own fields repeated on each.
func (mp *rowMapper) children(table string, list protoreflect.List) {
	for j := range list.Len() {
		r := row{table: table}
		r.add("record_key", mp.key)
		r.add("n", int32(j))
		el := list.Get(j).Message()
		inner := innerList(el)
		if inner == nil {
			mp.fields(&r, el, table)
			mp.rows = append(mp.rows, r)
			continue
		}
		for k := range el.Get(inner).List().Len() {
			rr := row{table: table, cols: append([]string(nil), r.cols...), vals: append([]any(nil), r.vals...)}
			fds := el.Descriptor().Fields()
			for i := range fds.Len() {
				if fd := fds.Get(i); fd != inner {
					mp.field(&rr, el, fd)
				}
			}
			mp.fields(&rr, el.Get(inner).List().Get(k).Message(), table)
			mp.rows = append(mp.rows, rr)
		}
	}
}

// field adds one non-list field of m to r.
func (mp *rowMapper) field(r *row, m protoreflect.Message, fd protoreflect.FieldDescriptor) {
	if fd.Message() != nil && fd.Message().FullName() == timeMsg {
		addTime(r, string(fd.Name()), m, fd)
		return
	}
	if fd.Message() != nil {
		mp.fail("field %s: nested messages have no column layout", fd.FullName())
		return
	}
	r.add(colName(fd.Name()), mp.scalar(fd, m.Get(fd)))
}

// innerList is el's repeated message field, if it has one.
func innerList(el protoreflect.Message) protoreflect.FieldDescriptor {
	fds := el.Descriptor().Fields()
	for i := range fds.Len() {
		if fd := fds.Get(i); fd.IsList() && fd.Message() != nil {
			return fd
		}
	}
	return nil
}

// arrays adds one array column per scalar field of the elements.
func (mp *rowMapper) arrays(r *row, name string, list protoreflect.List, md protoreflect.MessageDescriptor) {
	fds := md.Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		col := name + "_" + string(fd.Name())
		switch fd.Kind() {
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
			r.add(col, collect(list, fd, func(v protoreflect.Value) int32 { return int32(v.Int()) }))
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			r.add(col, collect(list, fd, protoreflect.Value.Int))
		case protoreflect.DoubleKind, protoreflect.FloatKind:
			r.add(col, collect(list, fd, protoreflect.Value.Float))
		default:
			mp.fail("field %s: no array layout for %s", fd.FullName(), fd.Kind())
		}
	}
}

func collect[T any](list protoreflect.List, fd protoreflect.FieldDescriptor, conv func(protoreflect.Value) T) []T {
	out := make([]T, list.Len())
	for j := range out {
		out[j] = conv(list.Get(j).Message().Get(fd))
	}
	return out
}

// series adds a row to the series table.
func (mp *rowMapper) series(field string, n int, s *pluginapi.Series) {
	if err := s.Check(); err != nil {
		mp.fail("series %s: %v", field, err)
		return
	}
	vals, err := s.AppendValues(nil) // Values, or unpacked if sent packed
	if err != nil {
		mp.fail("series %s: %v", field, err)
		return
	}
	r := row{table: "series"}
	r.add("record_key", mp.key)
	r.add("field", field)
	r.add("n", int32(n))
	r.add("sample_type", enumName(s.GetType().Descriptor(), protoreflect.EnumNumber(s.GetType())))
	var start any
	if s.GetStart() != nil {
		start = s.GetStart().AsTime()
	}
	r.add("start_time", start)
	r.add("offset_ms", nonNil(s.Offsets()))
	r.add("value", nonNil(vals))
	mp.rows = append(mp.rows, r)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (mp *rowMapper) scalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if dateFields[fd.Name()] {
			return nullString(v.String())
		}
		return v.String()
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return int32(v.Int())
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return v.Int()
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return int64(v.Uint())
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		return v.Float()
	case protoreflect.EnumKind:
		return enumName(fd.Enum(), v.Enum())
	case protoreflect.BytesKind:
		// Only the original files have bytes; kept only when asked to.
		if !mp.storeFiles || len(v.Bytes()) == 0 {
			return nil
		}
		return v.Bytes()
	}
	mp.fail("field %s: no column type for %s", fd.FullName(), fd.Kind())
	return nil
}

// enumName is a value's name in lower case without its enum's prefix:
// SAMPLE_TYPE_HEART_RATE is heart_rate, FILE_FORMAT_FIT is fit.
func enumName(ed protoreflect.EnumDescriptor, n protoreflect.EnumNumber) string {
	v := ed.Values().ByNumber(n)
	if v == nil {
		return fmt.Sprint(int32(n))
	}
	prefix := strings.TrimSuffix(string(ed.Values().ByNumber(0).Name()), "UNSPECIFIED")
	return strings.ToLower(strings.TrimPrefix(string(v.Name()), prefix))
}

// addTime adds a Time field as name (timestamptz) and name_offset_min.
func addTime(r *row, name string, m protoreflect.Message, fd protoreflect.FieldDescriptor) {
	col, off := colName(protoreflect.Name(name)), name+"_offset_min"
	if !m.Has(fd) {
		r.add(col, nil)
		r.add(off, nil)
		return
	}
	t := m.Get(fd).Message().Interface().(*pluginapi.Time)
	var at any
	if t.GetUtc() != nil {
		at = t.GetUtc().AsTime()
	}
	r.add(col, at)
	r.add(off, t.GetUtcOffsetMinutes())
}

// colName is a field's column: its name, except start and end (end is
// reserved in SQL; start_time keeps the pair alike).
func colName(name protoreflect.Name) string {
	switch name {
	case "start", "end":
		return string(name) + "_time"
	}
	return string(name)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (mp *rowMapper) fail(format string, args ...any) {
	if mp.err == nil {
		mp.err = fmt.Errorf(format, args...)
	}
}
