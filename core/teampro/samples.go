package teampro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/core/polarhttp"
)

// Series is one sample field over time, columnar: value i was recorded
// OffsetsMS[i] milliseconds after the session start. Rows where the field
// is null or missing are absent, so series of one session may differ in
// length (hr and position come at 1 Hz, acceleration at 10 Hz).
type Series struct {
	Field     string // Polar's field name: "hr", "speed", "lat", ...
	OffsetsMS []int64
	Values    []float64
}

// At returns the instant of value i for a session that started at start.
func (s *Series) At(start time.Time, i int) time.Time {
	return start.Add(time.Duration(s.OffsetsMS[i]) * time.Millisecond)
}

// maxRowWarnings bounds the per-row warnings of one session; the rest are
// counted in a summary warning.
const maxRowWarnings = 20

// ParseSamples parses a session's sample rows into one Series per field
// (in the order of fields, "time" excluded).
//
// Rows are [offset, value...]: the first item is an ISO 8601 offset
// ("PT0.1S", "PT1M0.1S"), item k is fields[k] when fields starts with
// "time" (as documented) and fields[k-1] otherwise. Rows shorter than the
// field list lack their trailing values (read as null); rows longer than
// it have extra values, which are dropped since they cannot be named (the
// docs' own example has both). A row whose offset is missing or invalid is
// dropped; a value that is not a number or null is dropped; each is
// reported as a Warning and the rest of the session is parsed. err is set
// only when values is not a JSON array of rows at all.
func ParseSamples(s *RawSamples) (series []Series, warnings []Warning, err error) {
	if s == nil {
		return nil, nil, nil
	}
	fields := s.Fields
	if len(fields) > 0 && strings.EqualFold(strings.TrimSpace(fields[0]), "time") {
		fields = fields[1:]
	}
	series = make([]Series, len(fields))
	raw := bytes.TrimSpace(s.Values)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		for i, f := range fields {
			series[i].Field = strings.TrimSpace(f)
		}
		return series, nil, nil
	}
	hint := bytes.Count(raw, []byte(`["`)) // rows, if compact
	for i, f := range fields {
		series[i] = Series{Field: strings.TrimSpace(f), OffsetsMS: make([]int64, 0, hint), Values: make([]float64, 0, hint)}
	}

	p := &rowParser{sc: scanner{b: raw}, series: series}
	if err := p.run(); err != nil {
		return nil, nil, fmt.Errorf("teampro: samples: %w", err)
	}
	return series, p.warnings(), nil
}

type rowParser struct {
	sc     scanner
	series []Series

	row                   int
	rowWarnings           []Warning
	droppedRowWarnings    int
	short, long           int
	firstShort, firstLong int
	backwards, firstBack  int
	prevMS                int64
}

func (p *rowParser) warn(row int, format string, args ...any) {
	if len(p.rowWarnings) >= maxRowWarnings {
		p.droppedRowWarnings++
		return
	}
	p.rowWarnings = append(p.rowWarnings, Warning{Where: "samples", Row: row, Message: fmt.Sprintf(format, args...)})
}

func (p *rowParser) warnings() []Warning {
	w := p.rowWarnings
	if p.droppedRowWarnings > 0 {
		w = append(w, Warning{Where: "samples", Row: -1, Message: fmt.Sprintf("%d more malformed rows or values not listed", p.droppedRowWarnings)})
	}
	if p.short > 0 {
		w = append(w, Warning{Where: "samples", Row: -1, Message: fmt.Sprintf(
			"%d rows have fewer values than the %d fields (first: row %d); missing values read as null", p.short, len(p.series), p.firstShort)})
	}
	if p.long > 0 {
		w = append(w, Warning{Where: "samples", Row: -1, Message: fmt.Sprintf(
			"%d rows have more values than the %d fields (first: row %d); extra values ignored", p.long, len(p.series), p.firstLong)})
	}
	if p.backwards > 0 {
		w = append(w, Warning{Where: "samples", Row: -1, Message: fmt.Sprintf(
			"%d rows have an offset earlier than the row before (first: row %d)", p.backwards, p.firstBack)})
	}
	return w
}

func (p *rowParser) run() error {
	sc := &p.sc
	sc.ws()
	if !sc.consume('[') {
		return fmt.Errorf("values is not an array: %w", ErrInvalidPayload)
	}
	sc.ws()
	if sc.consume(']') {
		return nil
	}
	for {
		if err := p.parseRow(); err != nil {
			return err
		}
		p.row++
		sc.ws()
		if sc.consume(',') {
			sc.ws()
			continue
		}
		if sc.consume(']') {
			return nil
		}
		return sc.syntaxError("',' or ']' after a row")
	}
}

// parseRow parses one row at the scanner's position.
func (p *rowParser) parseRow() error {
	sc := &p.sc
	row := p.row
	if sc.peek() != '[' {
		p.warn(row, "not an array; row dropped")
		return sc.skipValue()
	}
	sc.i++
	sc.ws()
	if sc.consume(']') {
		p.warn(row, "empty row; dropped")
		return nil
	}
	// The offset.
	var offMS int64
	ok := false
	if sc.peek() == '"' {
		str, err := sc.str()
		if err != nil {
			return err
		}
		if d, fast := fastOffset(str); fast {
			offMS, ok = int64((d+time.Millisecond/2)/time.Millisecond), true
		} else if d, err := parseOffset(string(str)); err == nil {
			offMS, ok = int64((d+time.Millisecond/2)/time.Millisecond), true
		} else {
			p.warn(row, "offset %q: %v; row dropped", str, err)
		}
	} else {
		start := sc.i
		if err := sc.skipValue(); err != nil {
			return err
		}
		p.warn(row, "offset %s is not an ISO 8601 duration string; row dropped", truncate(sc.b[start:sc.i]))
	}
	if ok {
		if row > 0 && offMS < p.prevMS {
			if p.backwards == 0 {
				p.firstBack = row
			}
			p.backwards++
		}
		p.prevMS = offMS
	}
	n := 0 // values read
	for {
		sc.ws()
		if sc.consume(']') {
			break
		}
		if !sc.consume(',') {
			return sc.syntaxError("',' or ']' in a row")
		}
		sc.ws()
		col := n
		n++
		switch c := sc.peek(); {
		case c == 'n':
			if !sc.literal("null") {
				return sc.syntaxError("null")
			}
		case c == '-' || isDigit(c):
			v, err := sc.number()
			if err != nil {
				return err
			}
			if ok && col < len(p.series) {
				s := &p.series[col]
				s.OffsetsMS = append(s.OffsetsMS, offMS)
				s.Values = append(s.Values, v)
			}
		default:
			start := sc.i
			if err := sc.skipValue(); err != nil {
				return err
			}
			if ok && col < len(p.series) {
				p.warn(row, "%s: %s is not a number; value dropped", p.series[col].Field, truncate(sc.b[start:sc.i]))
			}
		}
	}
	if !ok {
		return nil
	}
	switch {
	case n < len(p.series):
		if p.short == 0 {
			p.firstShort = row
		}
		p.short++
	case n > len(p.series):
		if p.long == 0 {
			p.firstLong = row
		}
		p.long++
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// ParseRRIntervals parses rr_intervals ([integer], ms). A null, or any
// entry that is not a positive number, is kept as 0 so later beats keep
// their position; the latter are also reported.
func ParseRRIntervals(raw json.RawMessage) ([]int32, []Warning, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil, nil
	}
	sc := scanner{b: raw}
	if !sc.consume('[') {
		return nil, nil, fmt.Errorf("teampro: rr_intervals is not an array: %w", ErrInvalidPayload)
	}
	out := make([]int32, 0, bytes.Count(raw, []byte(","))+1)
	var warnings []Warning
	bad := 0
	sc.ws()
	if sc.consume(']') {
		return out, nil, nil
	}
	for i := 0; ; i++ {
		sc.ws()
		var v int32
		switch c := sc.peek(); {
		case c == 'n':
			if !sc.literal("null") {
				return nil, nil, fmt.Errorf("teampro: rr_intervals: %w", sc.syntaxError("null"))
			}
		case c == '-' || isDigit(c):
			x, err := sc.number()
			if err != nil {
				return nil, nil, fmt.Errorf("teampro: rr_intervals: %w", err)
			}
			if x > 0 && x < math.MaxInt32 {
				v = int32(math.Round(x))
			} else {
				bad++
				if len(warnings) < maxRowWarnings {
					warnings = append(warnings, Warning{Where: "rr_intervals", Row: i, Message: fmt.Sprintf("%v ms is not a positive interval; read as missing", x)})
				}
			}
		default:
			start := sc.i
			if err := sc.skipValue(); err != nil {
				return nil, nil, fmt.Errorf("teampro: rr_intervals: %w", err)
			}
			bad++
			if len(warnings) < maxRowWarnings {
				warnings = append(warnings, Warning{Where: "rr_intervals", Row: i, Message: truncate(sc.b[start:sc.i]) + " is not a number; read as missing"})
			}
		}
		out = append(out, v)
		sc.ws()
		if sc.consume(',') {
			continue
		}
		if sc.consume(']') {
			break
		}
		return nil, nil, fmt.Errorf("teampro: rr_intervals: %w", sc.syntaxError("',' or ']'"))
	}
	if bad > len(warnings) {
		warnings = append(warnings, Warning{Where: "rr_intervals", Row: -1, Message: fmt.Sprintf("%d bad intervals in all", bad)})
	}
	return out, warnings, nil
}

// ---- offsets ----

// ParseOffset parses a sample offset or zone duration: an ISO 8601
// duration as java.time prints it ("PT0.1S", "PT1M0.1S", "PT1H30M").
func ParseOffset(s string) (time.Duration, error) {
	d, err := parseOffset(s)
	if err != nil {
		return 0, fmt.Errorf("teampro: duration %q: %w", s, err)
	}
	return d, nil
}

var errNotDuration = fmt.Errorf("not an ISO 8601 duration: %w", ErrInvalidTime)

// parseOffset handles "PT[nH][nM][n[.f]S]" inline, the form of every
// sample row, and leaves anything else (days, a fraction on minutes) to
// polarhttp.ParseISODuration.
func parseOffset(s string) (time.Duration, error) {
	if d, ok := fastOffset(s); ok {
		return d, nil
	}
	d, err := polarhttp.ParseISODuration(s)
	if err != nil {
		return 0, errNotDuration
	}
	return d, nil
}

func fastOffset[T string | []byte](s T) (time.Duration, bool) {
	if len(s) < 4 || s[0] != 'P' || s[1] != 'T' {
		return 0, false
	}
	var total time.Duration
	i := 2
	last := byte(0)
	for i < len(s) {
		var n int64
		j := i
		for j < len(s) && isDigit(s[j]) && j-i < 12 {
			n = n*10 + int64(s[j]-'0')
			j++
		}
		if j == i || j == len(s) {
			return 0, false
		}
		switch s[j] {
		case 'H':
			if last != 0 {
				return 0, false
			}
			total += time.Duration(n) * time.Hour
		case 'M':
			if last == 'M' || last == 'S' {
				return 0, false
			}
			total += time.Duration(n) * time.Minute
		case 'S', '.':
			if last == 'S' {
				return 0, false
			}
			total += time.Duration(n) * time.Second
			if s[j] == '.' {
				j++
				var frac int64
				digits := 0
				for j < len(s) && isDigit(s[j]) {
					if digits < 9 {
						frac = frac*10 + int64(s[j]-'0')
						digits++
					}
					j++
				}
				if digits == 0 || j == len(s) || s[j] != 'S' {
					return 0, false
				}
				for k := digits; k < 9; k++ {
					frac *= 10
				}
				total += time.Duration(frac)
			}
		default:
			return 0, false
		}
		last = s[j]
		if last == '.' {
			last = 'S'
		}
		i = j + 1
		if last == 'S' && i != len(s) {
			return 0, false
		}
	}
	return total, true
}

// ---- a minimal JSON scanner for sample rows ----

type scanner struct {
	b []byte
	i int
}

var errSyntax = errors.New("JSON syntax error")

func (s *scanner) syntaxError(want string) error {
	return fmt.Errorf("at byte %d: want %s: %w: %w", s.i, want, errSyntax, ErrInvalidPayload)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) consume(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// str reads a JSON string, returning its bytes without copying unless it
// has escapes (rare; left to encoding/json).
func (s *scanner) str() ([]byte, error) {
	start := s.i
	escaped, err := s.skipString()
	if err != nil {
		return nil, err
	}
	if !escaped {
		return s.b[start+1 : s.i-1], nil
	}
	var out string
	if err := json.Unmarshal(s.b[start:s.i], &out); err != nil {
		return nil, fmt.Errorf("at byte %d: %v: %w", start, err, ErrInvalidPayload)
	}
	return []byte(out), nil
}

// skipString moves past the string at the position.
func (s *scanner) skipString() (escaped bool, err error) {
	s.i++ // opening quote
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '\\':
			escaped = true
			s.i += 2
			continue
		case c == '"':
			s.i++
			return escaped, nil
		case c < ' ':
			return false, s.syntaxError("a closed string")
		}
		s.i++
	}
	return false, s.syntaxError("a closed string")
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// number reads a JSON number. Plain decimals of up to 15 digits, which is
// every sample value, are converted exactly (mantissa and power of ten
// are both exact doubles, so one division rounds correctly); anything else
// goes through strconv.
func (s *scanner) number() (float64, error) {
	start := s.i
	neg := s.b[s.i] == '-'
	if neg {
		s.i++
	}
	var m uint64
	digits, frac := 0, 0
	simple := true
	seenDot := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case isDigit(c):
			m = m*10 + uint64(c-'0')
			digits++
			if seenDot {
				frac++
			}
		case c == '.' && !seenDot:
			seenDot = true
		case c == 'e' || c == 'E' || c == '+' || c == '-':
			simple = false
		default:
			goto done
		}
		s.i++
	}
done:
	tok := s.b[start:s.i]
	if digits == 0 {
		return 0, s.syntaxError("a number")
	}
	if simple && digits <= 15 && tok[len(tok)-1] != '.' {
		v := float64(m) / pow10[frac]
		if neg {
			v = -v
		}
		return v, nil
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("at byte %d: number %q: %w", start, tok, ErrInvalidPayload)
	}
	return v, nil
}

// skipValue skips one JSON value of any kind.
func (s *scanner) skipValue() error {
	s.ws()
	switch c := s.peek(); {
	case c == '"':
		_, err := s.skipString()
		return err
	case c == '[' || c == '{':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, err := s.skipString(); err != nil {
					return err
				}
				continue
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return s.syntaxError("a closed array or object")
	case c == '-' || isDigit(c):
		_, err := s.number()
		return err
	case s.literal("true"), s.literal("false"), s.literal("null"):
		return nil
	}
	return s.syntaxError("a value")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
