package teampro

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
)

// localLayout is Polar's zone-less local time; time.Parse also accepts a
// fractional second after it.
const localLayout = "2006-01-02T15:04:05"

// maxOffsetMinutes bounds UTC offsets (real ones are within ±14 h).
const maxOffsetMinutes = 18 * 60

// OffsetZone returns a fixed zone for a UTC offset in minutes, named like
// "+02:00".
func OffsetZone(minutes int) *time.Location {
	sign := '+'
	m := minutes
	if m < 0 {
		sign, m = '-', -m
	}
	return time.FixedZone(fmt.Sprintf("%c%02d:%02d", sign, m/60, m%60), minutes*60)
}

// ParseLocalTime turns a zone-less local time and the session's UTC offset
// (minutes, e.g. timezone_offset 120) into an instant. A time carrying its
// own zone keeps its instant and is shown in the offset's zone.
func ParseLocalTime(s string, offsetMinutes int) (time.Time, error) {
	if offsetMinutes < -maxOffsetMinutes || offsetMinutes > maxOffsetMinutes {
		return time.Time{}, fmt.Errorf("teampro: UTC offset %d min out of range: %w", offsetMinutes, ErrInvalidTime)
	}
	zone := OffsetZone(offsetMinutes)
	if t, err := time.ParseInLocation(localLayout, s, zone); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("teampro: local time %q: %w", s, ErrInvalidTime)
	}
	return t.In(zone), nil
}

// parseInstant parses created/modified and marker times (RFC 3339); a
// zone-less time is read in zone.
func parseInstant(s string, zone *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(localLayout, s, zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("teampro: time %q: %w", s, ErrInvalidTime)
	}
	return t, nil
}

// NormalizeEnum canonicalizes a free-text enum: upper case, runs of
// anything but letters and digits become one "_", none at the ends. So
// "AWESOME," → "AWESOME", "Not good" → "NOT_GOOD", "STRENGTH AND
// CONDITION" → "STRENGTH_AND_CONDITION".
func NormalizeEnum(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	sep := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(unicode.ToUpper(r))
			continue
		}
		sep = true
	}
	return b.String()
}

// Documented enum values, normalized.
var (
	TeamSessionTypes   = []string{"TRAINING", "DRILL", "TEST", "GAME", "MATCH", "STRENGTH_AND_CONDITION", "OTHER"}
	PlayerSessionTypes = []string{"TEAM", "INDIVIDUAL"}
	Feelings           = []string{"BAD", "NOT_GOOD", "OKAY", "GREAT", "AWESOME"}
	MarkerTypes        = []string{"PHASE", "NOTE", "RECOVERY"}
)

// warnings collects Warnings during normalization.
type warnings []Warning

func (w *warnings) add(where, format string, args ...any) {
	*w = append(*w, Warning{Where: where, Row: -1, Message: fmt.Sprintf(format, args...)})
}

// enum normalizes v and warns if it changed or is not documented.
func (w *warnings) enum(where, v string, known []string) string {
	n := NormalizeEnum(v)
	if v == "" {
		return ""
	}
	for _, k := range known {
		if n == k {
			if n != v && strings.ReplaceAll(v, " ", "_") != n {
				w.add(where, "%q read as %s", v, n)
			}
			return n
		}
	}
	w.add(where, "undocumented value %q (kept as %s)", v, n)
	return n
}

func (w *warnings) instant(where, s string, zone *time.Location) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := parseInstant(s, zone)
	if err != nil {
		w.add(where, "%v", err)
		return time.Time{}
	}
	return t
}

func (w *warnings) local(where, s string, offset int) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := ParseLocalTime(s, offset)
	if err != nil {
		w.add(where, "%v", err)
		return time.Time{}
	}
	return t
}

func (w *warnings) duration(where, s string) time.Duration {
	if s == "" {
		return 0
	}
	d, err := ParseOffset(s)
	if err != nil {
		w.add(where, "%v", err)
	}
	return d
}

func ms(v float64) time.Duration {
	if math.IsNaN(v) || math.Abs(v) > float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0
	}
	return time.Duration(math.Round(v)) * time.Millisecond
}

// zoneFor picks the offset; unknown offsets read local times as UTC.
func zoneFor(w *warnings, offset *int) (int, bool) {
	if offset == nil {
		w.add("timezone_offset", "unknown; local times read as UTC")
		return 0, false
	}
	return *offset, true
}
