package polarhttp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ISO 8601 duration units this package accepts, in the order they must
// appear. Years and months are rejected: their length depends on the
// calendar, and Polar (whose backend prints java.time.Duration) never
// sends them.
var durationUnits = []struct {
	designator byte
	timePart   bool // after the 'T'
	unit       time.Duration
}{
	{'W', false, 7 * 24 * time.Hour},
	{'D', false, 24 * time.Hour},
	{'H', true, time.Hour},
	{'M', true, time.Minute},
	{'S', true, time.Second},
}

// maxFractionDigits is the precision kept from a decimal fraction: every
// unit above is a whole multiple of 10^9 ns, so nine digits are exact.
const maxFractionDigits = 9

// ParseISODuration parses an ISO 8601 duration as Polar sends them:
// "PT2H44M45S", "PT4.2S", "PT0S", "P1DT2H". Weeks and days count as 7×24 h
// and 24 h. A decimal fraction (with '.' or ',') may follow any number;
// digits beyond nanoseconds are dropped. Negative durations and calendar
// years or months are rejected.
func ParseISODuration(s string) (time.Duration, error) {
	d, err := parseISODuration(s)
	if err != nil {
		return 0, fmt.Errorf("parse duration %q: %v: %w", s, err, ErrInvalidDuration)
	}
	return d, nil
}

func parseISODuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	if s[0] != 'P' {
		return 0, fmt.Errorf("must start with 'P'")
	}
	rest := s[1:]
	var total time.Duration
	next := 0 // index into durationUnits of the next allowed unit
	inTime := false
	components := 0
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return 0, fmt.Errorf("second 'T'")
			}
			inTime = true
			rest = rest[1:]
			if rest == "" {
				return 0, fmt.Errorf("no time component after 'T'")
			}
			continue
		}
		num, fracDigits, n := scanDecimal(rest)
		if n == 0 {
			return 0, fmt.Errorf("expected a number at %q", rest)
		}
		if n == len(rest) {
			return 0, fmt.Errorf("number %q has no unit", rest)
		}
		designator := rest[n]
		rest = rest[n+1:]
		i := unitIndex(designator, inTime, next)
		if i < 0 {
			return 0, fmt.Errorf("unexpected unit %q", designator)
		}
		next = i + 1
		v, err := componentValue(num, fracDigits, durationUnits[i].unit)
		if err != nil {
			return 0, err
		}
		if total > math.MaxInt64-v {
			return 0, fmt.Errorf("too long")
		}
		total += v
		components++
	}
	if components == 0 {
		return 0, fmt.Errorf("no components")
	}
	return total, nil
}

// scanDecimal returns the integer digits, fraction digits and length of
// the decimal number at the start of s.
func scanDecimal(s string) (intDigits, fracDigits string, n int) {
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	intDigits = s[:n]
	if n == 0 || n == len(s) || (s[n] != '.' && s[n] != ',') {
		return intDigits, "", n
	}
	start := n + 1
	end := start
	for end < len(s) && isDigit(s[end]) {
		end++
	}
	if end == start {
		// "4.S": a separator with no digits is not a number.
		return "", "", 0
	}
	return intDigits, s[start:end], end
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// unitIndex finds designator among the units allowed in the current part
// of the duration, at or after position next; -1 if it is not allowed.
func unitIndex(designator byte, inTime bool, next int) int {
	for i := next; i < len(durationUnits); i++ {
		u := durationUnits[i]
		if u.timePart == inTime && u.designator == designator {
			return i
		}
	}
	return -1
}

func componentValue(intDigits, fracDigits string, unit time.Duration) (time.Duration, error) {
	n, err := strconv.ParseInt(intDigits, 10, 64)
	if err != nil || n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("number %s too large", intDigits)
	}
	v := time.Duration(n) * unit
	if len(fracDigits) > maxFractionDigits {
		fracDigits = fracDigits[:maxFractionDigits]
	}
	if fracDigits != "" {
		f, _ := strconv.ParseInt(fracDigits, 10, 64) // at most 9 digits
		scale := int64(math.Pow10(len(fracDigits)))
		frac := time.Duration(f) * (unit / time.Duration(scale))
		if v > math.MaxInt64-frac {
			return 0, fmt.Errorf("number %s.%s too large", intDigits, fracDigits)
		}
		v += frac
	}
	return v, nil
}

// FormatISODuration formats d the way java.time.Duration does, which is
// what Polar sends: "PT2H44M45S", "PT4.2S", "PT0S". Hours are not folded
// into days. Negative durations get a leading '-', which ParseISODuration
// does not accept.
func FormatISODuration(d time.Duration) string {
	if d == 0 {
		return "PT0S"
	}
	var b strings.Builder
	u := uint64(d)
	if d < 0 {
		b.WriteByte('-')
		u = -u
	}
	b.WriteString("PT")
	h := u / uint64(time.Hour)
	u -= h * uint64(time.Hour)
	m := u / uint64(time.Minute)
	u -= m * uint64(time.Minute)
	sec := u / uint64(time.Second)
	ns := u - sec*uint64(time.Second)
	if h > 0 {
		b.WriteString(strconv.FormatUint(h, 10) + "H")
	}
	if m > 0 {
		b.WriteString(strconv.FormatUint(m, 10) + "M")
	}
	if sec > 0 || ns > 0 {
		b.WriteString(strconv.FormatUint(sec, 10))
		if ns > 0 {
			frac := strings.TrimRight(fmt.Sprintf("%09d", ns), "0")
			b.WriteString("." + frac)
		}
		b.WriteByte('S')
	}
	return b.String()
}
