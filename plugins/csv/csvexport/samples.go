package csvexport

import (
	"cmp"
	"io"
	"math"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// This file merges series on their sample times and streams the samples
// files row by row. A 10 h exercise has hundreds of thousands of cells,
// so nothing here builds them as strings: each row is appended to one
// reusable buffer and written out before the next.

// columnSeries is a series bound to the output column it fills.
type columnSeries struct {
	col    int
	series *pluginapi.Series
}

// bindColumns binds each series whose type has a column in cols to it;
// the others are left out.
func bindColumns(samples []*pluginapi.Series, cols []sampleColumn) []columnSeries {
	var series []columnSeries
	for _, s := range samples {
		i := slices.IndexFunc(cols, func(c sampleColumn) bool { return c.typ == s.GetType() })
		if i >= 0 {
			series = append(series, columnSeries{i, s})
		}
	}
	return series
}

// rrSeries binds the RR-interval series to the single column of an RR
// file.
func rrSeries(samples []*pluginapi.Series) []columnSeries {
	var series []columnSeries
	for _, s := range samples {
		if s.GetType() == pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL {
			series = append(series, columnSeries{0, s})
		}
	}
	return series
}

// seriesCursor walks one series in time order. Its instants are either
// one offset per value or the series' runs, walked without expanding
// them; its values are read a chunk at a time (seriesValues).
type seriesCursor struct {
	col     int
	start   int64 // Unix nanoseconds
	n       int   // samples
	i       int
	values  seriesValues
	offsets []int64
	runs    []*pluginapi.Run // when set, offsets is nil
	run     int              // runs[run] holds sample i, its inRun-th
	inRun   uint32
}

// seriesValues reads a series' values in order, packed or not
// (pluginapi.PackedValues): a decimal series' as its scaled integers,
// which print without float arithmetic (appendDecimal), any other's as
// doubles.
type seriesValues struct {
	r        pluginapi.ValueReader
	decimals int // -1: doubles
	ints     []int64
	floats   []float64
	k, n     int // the next value is chunk[k], of n read
}

// valuesChunk is how many values a seriesValues reads at a time.
const valuesChunk = 512

func newSeriesValues(s *pluginapi.Series) seriesValues {
	v := seriesValues{r: s.ReadValues(), decimals: -1}
	if d, ok := v.r.Decimals(); ok {
		v.decimals, v.ints = d, make([]int64, valuesChunk)
	} else {
		v.floats = make([]float64, valuesChunk)
	}
	return v
}

// next returns the next value; ok is false when there is none: at the
// end, or at malformed deltas (r.Err).
func (v *seriesValues) next() (c cell, ok bool) {
	if v.k == v.n {
		if v.decimals >= 0 {
			v.n = v.r.ReadScaled(v.ints)
		} else {
			v.n = v.r.Read(v.floats)
		}
		v.k = 0
		if v.n == 0 {
			return cell{}, false
		}
	}
	if v.decimals >= 0 {
		c = cell{scaled: v.ints[v.k], decimals: int8(v.decimals)}
	} else {
		c = cell{float: v.floats[v.k], decimals: -1}
	}
	v.k++
	return c, true
}

// cell is one sample value: a scaled integer with its decimals, or a
// double (decimals -1).
type cell struct {
	scaled   int64
	float    float64
	decimals int8
}

// append appends the value as fmtFloat would print it.
func (c cell) append(buf []byte) []byte {
	if c.decimals < 0 {
		return appendFloat(buf, c.float)
	}
	return appendDecimal(buf, c.scaled, int(c.decimals))
}

// time is sample i's absolute time in Unix nanoseconds (offsets only).
func (c *seriesCursor) time(i int) int64 { return c.start + c.offsets[i]*int64(time.Millisecond) }

// done reports whether every sample has been taken.
func (c *seriesCursor) done() bool { return c.i >= c.n }

// at is the current sample's absolute time in Unix nanoseconds.
func (c *seriesCursor) at() int64 {
	if c.runs == nil {
		return c.time(c.i)
	}
	r := c.runs[c.run]
	return c.start + (r.GetOffsetMs()+int64(c.inRun)*r.GetIntervalMs())*int64(time.Millisecond)
}

// advance moves to the next sample.
func (c *seriesCursor) advance() {
	c.i++
	if c.runs == nil {
		return
	}
	c.inRun++
	for c.run < len(c.runs) && c.inRun >= c.runs[c.run].GetCount() {
		c.run, c.inRun = c.run+1, 0
	}
}

// merger lines series up on their absolute sample times (start +
// offset_ms): next yields each distinct time once, in order, with the
// value of every column that has a sample then. A series without a start
// is taken to start at base; with no base either it cannot be placed and
// is skipped. When one column has two samples at one time (within a
// series or across series of the same column), the later one wins.
type merger struct {
	cursors []seriesCursor // in the series' order, so that later wins
	vals    []cell
	has     []bool
}

func newMerger(base *timestamppb.Timestamp, series []columnSeries, ncols int) *merger {
	m := &merger{vals: make([]cell, ncols), has: make([]bool, ncols)}
	for _, cs := range series {
		s := cs.series
		var start int64
		switch {
		case s.GetStart() != nil:
			start = s.GetStart().AsTime().UnixNano()
		case base != nil:
			start = base.AsTime().UnixNano()
		default:
			continue
		}
		n := s.Len()
		if n == 0 {
			continue
		}
		c := seriesCursor{col: cs.col, start: start, n: n}
		if runs := s.GetRuns(); len(runs) > 0 && runsSorted(runs) {
			c.runs = runs
			for c.run < len(runs) && runs[c.run].GetCount() == 0 {
				c.run++
			}
		} else {
			c.offsets = s.Offsets()[:n]
			if !c.sorted() {
				s = c.sort(s)
			}
		}
		c.values = newSeriesValues(s)
		m.cursors = append(m.cursors, c)
	}
	return m
}

// sorted reports whether the series' times never decrease, as they do
// in practice.
func (c *seriesCursor) sorted() bool {
	for i := 1; i < len(c.offsets); i++ {
		if c.time(i) < c.time(i-1) {
			return false
		}
	}
	return true
}

// runsSorted reports whether runs give instants that never decrease.
func runsSorted(runs []*pluginapi.Run) bool {
	last := int64(math.MinInt64)
	for _, r := range runs {
		if r.GetCount() == 0 {
			continue
		}
		if r.GetOffsetMs() < last || (r.GetCount() > 1 && r.GetIntervalMs() < 0) {
			return false
		}
		last = r.GetOffsetMs() + int64(r.GetCount()-1)*r.GetIntervalMs()
	}
	return true
}

// sort puts the cursor's offsets in time order and returns a series of
// the values in that order, to read them from; a stable sort keeps the
// samples at one time in their order, so the later still wins. At value
// deltas that do not decode it returns s, whose reader reports them.
func (c *seriesCursor) sort(s *pluginapi.Series) *pluginapi.Series {
	values, err := s.AppendValues(nil)
	if err != nil {
		return s // read as it is: its reader finds the error
	}
	idx := make([]int, c.n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(c.time(a), c.time(b)) })
	offsets, sorted := make([]int64, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		offsets[i], sorted[i] = c.offsets[j], values[j]
	}
	c.offsets = offsets
	return &pluginapi.Series{Values: sorted}
}

// empty reports whether the merged series have no sample at all.
func (m *merger) empty() bool { return len(m.cursors) == 0 }

// next advances to the next sample time and returns it in Unix
// nanoseconds, with m.vals and m.has set for it; ok is false at the end.
func (m *merger) next() (at int64, ok bool) {
	for i := range m.cursors {
		c := &m.cursors[i]
		if !c.done() {
			if t := c.at(); !ok || t < at {
				at, ok = t, true
			}
		}
	}
	if !ok {
		return 0, false
	}
	clear(m.has)
	for i := range m.cursors {
		c := &m.cursors[i]
		for !c.done() && c.at() == at {
			v, ok := c.values.next()
			if !ok { // malformed deltas (err)
				c.i = c.n
				break
			}
			m.vals[c.col], m.has[c.col] = v, true
			c.advance()
		}
	}
	return at, true
}

// cell is column c at the current time as a table cell: "" without a
// sample.
func (m *merger) cell(c int) string {
	if !m.has[c] {
		return ""
	}
	return string(m.vals[c].append(nil))
}

// err is the first series' error that ended it early: value deltas
// that do not decode.
func (m *merger) err() error {
	for i := range m.cursors {
		if err := m.cursors[i].values.r.Err(); err != nil {
			return err
		}
	}
	return nil
}

// timedSamples is the content of a samples or RR file: time_utc,
// time_local, elapsed_s and one column per value. elapsed_s counts from
// the record's start, or from the first sample when the start is
// unknown.
type timedSamples struct {
	header []string
	start  *pluginapi.Time
	series []columnSeries
	merger *merger
}

func newTimedSamples(header []string, start *pluginapi.Time, series []columnSeries) *timedSamples {
	return &timedSamples{header: header, start: start, series: series, merger: newMerger(start.GetUtc(), series, len(header)-3)}
}

// empty reports whether the file has no rows.
func (t *timedSamples) empty() bool { return t.merger.empty() }

// write writes the file's header and rows to w. It consumes the merged
// series: a timedSamples is written once.
func (t *timedSamples) write(w io.Writer) error {
	m := t.merger
	utc, local := newTimeAppender(0), newTimeAppender(t.start.GetUtcOffsetMinutes())
	buf := appendHeader(make([]byte, 0, 512), t.header)
	var origin int64
	if t.start.GetUtc() != nil {
		origin = t.start.GetUtc().AsTime().UnixNano()
	}
	for first := true; ; first = false {
		at, ok := m.next()
		if !ok {
			break
		}
		if first && t.start.GetUtc() == nil {
			origin = at
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		sec, nsec := floorDiv(at, 1e9)
		buf = utc.append(buf[:0], sec, nsec)
		buf = append(buf, ',')
		buf = local.append(buf, sec, nsec)
		buf = append(buf, ',')
		buf = appendFloat(buf, float64(at-origin)/1e9)
		for c := range m.vals {
			buf = append(buf, ',')
			if m.has[c] {
				buf = m.vals[c].append(buf)
			}
		}
		buf = append(buf, '\n')
	}
	if err := m.err(); err != nil {
		return err // before the last rows: the file is not kept
	}
	_, err := w.Write(buf)
	return err
}

// appendHeader appends a header line. Column names are plain words, so
// they need no CSV quoting, nor do the numbers and RFC 3339 times of the
// rows.
func appendHeader(buf []byte, header []string) []byte {
	for i, h := range header {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, h...)
	}
	return append(buf, '\n')
}

// timeAppender appends instants as time.Time.AppendFormat does with
// time.RFC3339Nano in one fixed zone, about 2.5 times faster: consecutive
// samples share their date, so it is formatted (by the time package)
// only when the day changes, and the clock and fraction are plain
// digits.
type timeAppender struct {
	offset int64  // seconds east of UTC
	zone   []byte // "Z" or e.g. "+05:30"
	day    int64  // local day of date, in days since 1970-01-01
	date   []byte // e.g. "2024-05-01T"; nil until the first append
}

func newTimeAppender(offsetMin int32) *timeAppender {
	offset := int(offsetMin) * 60
	return &timeAppender{
		offset: int64(offset),
		zone:   time.Unix(0, 0).In(time.FixedZone("", offset)).AppendFormat(nil, "Z07:00"),
	}
}

// append appends the instant sec seconds and nsec (in [0, 1e9))
// nanoseconds after 1970 UTC.
func (a *timeAppender) append(buf []byte, sec, nsec int64) []byte {
	day, clock := floorDiv(sec+a.offset, 86400)
	if a.date == nil || day != a.day {
		a.day = day
		a.date = time.Unix(day*86400, 0).UTC().AppendFormat(a.date[:0], "2006-01-02T")
	}
	buf = append(buf, a.date...)
	buf = appendTwoDigits(buf, clock/3600)
	buf = append(buf, ':')
	buf = appendTwoDigits(buf, clock/60%60)
	buf = append(buf, ':')
	buf = appendTwoDigits(buf, clock%60)
	if nsec != 0 {
		// Nine digits without the trailing zeros, as ".999999999" does.
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + nsec%10)
			nsec /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		buf = append(buf, frac[:n]...)
	}
	return append(buf, a.zone...)
}

func appendTwoDigits(buf []byte, v int64) []byte { return append(buf, byte('0'+v/10), byte('0'+v%10)) }

// floorDiv divides rounding down, with a remainder in [0, d).
func floorDiv(v, d int64) (q, r int64) {
	q, r = v/d, v%d
	if r < 0 {
		q, r = q-1, r+d
	}
	return q, r
}
