// Package plausible holds the ranges a Polar value must lie in to be
// exported, and the checks normalization applies with them.
//
// Polar's values are not trusted: a broken sensor, a corrupt sync or a
// fault on Polar's side has sent heart rates of 10^9, negative distances,
// a 1900 start date and calories beyond int32. Normalization decodes
// Polar's numbers into float64 (nothing overflows there), checks each
// against its Range here, and only then narrows it to the record's field.
// A value outside its range is dropped (left 0, the record model's "not
// recorded"; a sample becomes a gap) and reported as a Warning; the rest
// of the record is exported. A record whose identity or time cannot be
// right is rejected with an error wrapping ErrImpossible.
//
// docs/data-quality.md lists the ranges and says why each is what it is.
package plausible

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Range is the inclusive span of plausible values of one quantity, in
// Unit.
type Range struct {
	Min, Max float64
	Unit     string
}

// Contains reports whether v is in the range (never for NaN).
func (r Range) Contains(v float64) bool { return v >= r.Min && v <= r.Max }

// String is e.g. "20..250 bpm".
func (r Range) String() string {
	s := formatNumber(r.Min) + ".." + formatNumber(r.Max)
	if r.Unit != "" {
		s += " " + r.Unit
	}
	return s
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

const (
	day = 24 * time.Hour
	// maxExercise bounds durations: Polar devices record for a few days
	// at most on one charge.
	maxExercise = 7 * day
)

// The ranges, by quantity. Bounds Polar documents are cited; the others
// are generous on purpose: they exist to catch the impossible (10^9 bpm,
// negative metres), not to judge an athlete.
var (
	// Heart rate: below 20 bpm no one is exercising or sleeping alive,
	// above 250 no one's heart beats.
	HeartRate = Range{20, 250, "bpm"}
	// HeartRatePercent is heart rate as a share of the player's maximum
	// (Team Pro); above 100 when the configured maximum is too low.
	HeartRatePercent = Range{0, 150, "%"}
	// RRInterval is the time between two beats: 250 bpm is 240 ms, a
	// missed beat or a pause doubles or triples an interval.
	RRInterval = Range{200, 5000, "ms"}
	// HRV is RMSSD; healthy nightly averages are tens of ms.
	HRV = Range{1, 1000, "ms"}
	// BreathingRate: asleep it is 10 to 20 breaths a minute.
	BreathingRate = Range{2, 60, "breaths/min"}
	// Distance covers a week-long ultra event.
	Distance = Range{0, 2_000_000, "m"}
	// Duration is an exercise's, a lap's or a zone's.
	Duration = Range{0, maxExercise.Seconds(), "s"}
	// Calories: 10,000 kcal is a day of ultra-endurance; ten times that
	// is impossible.
	Calories = Range{0, 100_000, "kcal"}
	// SpeedMS is 360 km/h: faster than any human-powered sport.
	SpeedMS  = Range{0, 100, "m/s"}
	SpeedKMH = Range{0, 360, "km/h"}
	// Cadence is revolutions or steps per minute.
	Cadence = Range{0, 300, "rpm"}
	// Altitude: the Dead Sea shore is at -430 m, Everest at 8849 m.
	Altitude = Range{-500, 9000, "m"}
	// Climb is an exercise's total ascent or descent.
	Climb = Range{0, 50_000, "m"}
	// Power: track sprinters peak near 2,500 W.
	Power = Range{0, 3000, "W"}
	// Temperature is the device's sensor reading.
	Temperature = Range{-60, 70, "°C"}
	Latitude    = Range{-90, 90, "°"}
	Longitude   = Range{-180, 180, "°"}
	// Acceleration: a sprint start is under 10 m/s², impacts spike
	// higher.
	Acceleration = Range{-50, 50, "m/s²"}
	// Percent is a share of a whole (energy sources).
	Percent = Range{0, 100, "%"}
	// Load is Polar's training, cardio or muscle load of one session;
	// typical values are below 500.
	Load = Range{0, 10_000, ""}
	// RunningIndex estimates VO2max; world-class runners score about 85.
	RunningIndex = Range{0, 150, ""}
	// Count is a count within one session: sprints, accelerations.
	Count = Range{0, 100_000, ""}
	// RecoveryTime: Polar's docs' own example is 5.6 days.
	RecoveryTime = Range{0, (30 * day).Seconds(), "s"}
	// ZoneIndex numbers a zone; Polar uses 1 to 5.
	ZoneIndex = Range{0, 100, ""}
	// PlayerNumber is a jersey number.
	PlayerNumber = Range{0, 9999, ""}

	// Sleep (AccessLink "sleep" model; scales as documented there).
	SleepScore      = Range{1, 100, ""} // "a scale of 1 – 100"
	SleepCharge     = Range{1, 5, ""}   // "much below usual (1) – much above usual (5)"
	SleepRating     = Range{0, 5, ""}   // "Very poorly(1) ... very well(5). 0 means no value"
	Continuity      = Range{1, 5, ""}   // "a scale of 1.0 – 5.0"
	ContinuityClass = Range{1, 5, ""}   // "Fragmented sleep (1) ... Very continuous sleep (5)"
	SleepGroupScore = Range{1, 100, ""} // "ranges from 1.0 to 100.0"
	SleepGoal       = Range{0, day.Seconds(), "s"}
	SleepCycles     = Range{0, 30, ""} // a cycle lasts about 90 minutes
	// HypnogramStage: the record model passes undocumented stage codes
	// through, so only what int32 cannot hold is dropped.
	HypnogramStage = Range{math.MinInt32, math.MaxInt32, ""}

	// Nightly recharge (AccessLink "nightly-recharge" model).
	NightlyRechargeStatus = Range{1, 6, ""}    // "very poor (1) – very good (6)"
	ANSCharge             = Range{-10, 10, ""} // "from -10.0 to +10.0"
	ANSChargeStatus       = Range{1, 5, ""}    // "much below usual (1) - much above usual (5)"

	// Cardio load (AccessLink "cardio-load" model). A day's load, strain
	// and tolerance (7- and 28-day averages of daily loads) and the load
	// levels are loads: DailyLoad allows ten heavy sessions a day.
	DailyLoad = Range{0, 10 * Load.Max, ""}
	// CardioLoadRatio is strain / tolerance. Were both plain averages it
	// could not exceed 4 (7 days within 28); Polar may weight them, so
	// the bound is generous.
	CardioLoadRatio = Range{0, 20, ""}

	// Daily activity and physical information (activity and
	// physical-information transactions).
	DailySteps  = Range{0, 200_000, "steps"} // a day's steps, or a segment's
	DayDuration = Range{0, 25 * 3600, "s"}   // a 25-hour DST day at most
	Weight      = Range{2, 500, "kg"}
	Height      = Range{40, 280, "cm"}
	VO2Max      = Range{5, 100, "ml/kg/min"}
	// SleepWise and Elixir biosensing: see their sections in
	// docs/data-quality.md.
	AlertnessGrade = Range{0, 10, ""} // the example's 9.9 is near the top
	// GradeValidity is at most a week: a grade holds for hours (57600 s).
	GradeValidity = Range{0, (7 * day).Seconds(), "s"}
	// SkinTemperature is skin, not core, temperature during sleep.
	SkinTemperature = Range{20, 45, "°C"}
	// SkinTemperatureDeviation from the user's own baseline.
	SkinTemperatureDeviation = Range{-10, 10, "°C"}
	// ECGInterval covers the ECG test's RR interval and pulse transit
	// times (the documented example has 100 ms for each).
	ECGInterval = Range{0, 5000, "ms"}
	// TestHRV is an ECG or SpO2 test's HRV: 0 where there is none yet.
	TestHRV = Range{0, 1000, "ms"}
	// ECGAmplitude is a wrist ECG sample's voltage.
	ECGAmplitude = Range{-20, 20, "mV"}
)

// SleepSpan is the range of a sleep's stage and interruption times: no
// more than the night they are part of, plus a minute for rounding.
func SleepSpan(night time.Duration) Range {
	return Range{0, math.Round(night.Seconds()) + 60, "s"}
}

// SampleRange is the range of a series' values by sample type, in the
// record model's units; ok is false for a type without one.
func SampleRange(t pluginapi.SampleType) (r Range, ok bool) {
	switch t {
	case pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE:
		return HeartRate, true
	case pluginapi.SampleType_SAMPLE_TYPE_SPEED:
		return SpeedMS, true
	case pluginapi.SampleType_SAMPLE_TYPE_CADENCE:
		return Cadence, true
	case pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE:
		return Altitude, true
	case pluginapi.SampleType_SAMPLE_TYPE_POWER:
		return Power, true
	case pluginapi.SampleType_SAMPLE_TYPE_DISTANCE:
		return Distance, true
	case pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE:
		return Temperature, true
	case pluginapi.SampleType_SAMPLE_TYPE_LATITUDE:
		return Latitude, true
	case pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE:
		return Longitude, true
	case pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL:
		return RRInterval, true
	case pluginapi.SampleType_SAMPLE_TYPE_HRV:
		return HRV, true
	case pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE:
		return BreathingRate, true
	case pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION:
		return Acceleration, true
	}
	return Range{}, false
}

// SampleField is the field name of an exercise's or player session's
// series in warnings, e.g. "samples.heart_rate".
func SampleField(t pluginapi.SampleType) string {
	return "samples." + strings.ToLower(strings.TrimPrefix(t.String(), "SAMPLE_TYPE_"))
}

// Warning says that values of one field of a record were dropped: Count
// of them (1 for a summary value, any number for a series), the first
// being Value.
type Warning struct {
	Kind   string // record kind, e.g. "exercise"
	Record string // record key
	Field  string // e.g. "heart_rate_max", "samples.heart_rate"
	Value  float64
	Range  Range
	Count  int
}

// Log writes the warning as one WARN line.
func (w Warning) Log(log *slog.Logger) {
	log.Warn("implausible value dropped from record", "record", w.Record, "field", w.Field,
		"value", w.Value, "count", w.Count, "range", w.Range.String())
}

func (w Warning) String() string {
	return fmt.Sprintf("%s %s: %d value(s) outside %s dropped (first %v)", w.Record, w.Field, w.Count, w.Range, w.Value)
}

// Checker checks the values of one record and collects one Warning per
// field, so a long series of bad samples is one warning with a count.
type Checker struct {
	kind, key string
	warnings  []Warning
	byField   map[string]int
}

// NewChecker returns a checker for the record of kind with key.
func NewChecker(kind pluginapi.RecordKind, key string) *Checker {
	return &Checker{kind: pluginapi.KindName(kind), key: key, byField: map[string]int{}}
}

// Keep reports whether v is in r. A value outside it is counted against
// field, except 0: Polar leaves out what a device did not record, which
// decodes as 0, and 0 is the record model's "not recorded" too.
func (c *Checker) Keep(field string, v float64, r Range) bool {
	if r.Contains(v) {
		return true
	}
	if v == 0 {
		return false
	}
	if i, ok := c.byField[field]; ok {
		c.warnings[i].Count++
		return false
	}
	c.byField[field] = len(c.warnings)
	c.warnings = append(c.warnings, Warning{Kind: c.kind, Record: c.key, Field: field, Value: v, Range: r, Count: 1})
	return false
}

// Float returns v if it is in r, else 0.
func (c *Checker) Float(field string, v float64, r Range) float64 {
	if !c.Keep(field, v, r) {
		return 0
	}
	return v
}

// Int32 returns v rounded if it is in r, else 0. A value beyond int32 is
// dropped whatever r says, so nothing ever wraps.
func (c *Checker) Int32(field string, v float64, r Range) int32 {
	if !c.Keep(field, v, r) {
		return 0
	}
	v = math.Round(v)
	if v < math.MinInt32 || v > math.MaxInt32 {
		c.Keep(field, v, Range{math.MinInt32, math.MaxInt32, r.Unit}) // counts it
		return 0
	}
	return int32(v)
}

// Series drops the values of s outside the range of its type, leaving
// gaps: the record model's missing samples are absent ones. It returns
// false when no value is left. A series in runs comes out with one
// offset per value only when something was dropped (the record is
// compacted again when it is stored).
func (c *Checker) Series(field string, s *pluginapi.Series) bool {
	r, ok := SampleRange(s.GetType())
	if !ok {
		return len(s.GetValues()) > 0
	}
	first := slices.IndexFunc(s.Values, func(v float64) bool { return !c.Keep(field, v, r) })
	if first < 0 {
		return len(s.Values) > 0
	}
	offs := s.Offsets()
	vals := s.Values[:min(len(offs), len(s.Values))]
	n := first
	for i := first + 1; i < len(vals); i++ {
		if v := vals[i]; c.Keep(field, v, r) {
			vals[n], offs[n] = v, offs[i]
			n++
		}
	}
	s.Values, s.OffsetMs, s.Runs = vals[:n], offs[:n], nil
	return n > 0
}

// Warnings returns the warnings so far, in the order the fields first
// failed.
func (c *Checker) Warnings() []Warning { return c.warnings }

// Record-level checks ------------------------------------------------

// ErrImpossible marks a record whose identity or time cannot be right: it
// is not exported, and its event is dead-lettered with the reason.
var ErrImpossible = errors.New("impossible record")

// Earliest is the first instant a record may start at. Polar's oldest
// devices that sync to Flow are from the 2000s; a 1900 or 1970 start is a
// lost clock.
var Earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxAhead is how far after now a record may start: a device's clock or
// a UTC offset may be off by hours, not by more than a day.
const MaxAhead = day

// maxIDLength bounds ids; Polar's are a few to a few dozen characters.
const maxIDLength = 128

// CheckID checks an id that becomes part of a record key: 1 to 128
// letters, digits, '-', '_' or '='. Keys are NATS KV keys and '.' is
// their separator, so anything else would break or alias them.
func CheckID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s is empty: %w", what, ErrImpossible)
	}
	if len(id) > maxIDLength {
		return fmt.Errorf("%s %.20q... is longer than %d characters: %w", what, id, maxIDLength, ErrImpossible)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '=') {
			return fmt.Errorf("%s %q has a character a record key cannot hold (%q): %w", what, id, r, ErrImpossible)
		}
	}
	return nil
}

// CheckTime checks that t is from Earliest to MaxAhead after now.
func CheckTime(what string, t, now time.Time) error {
	if t.Before(Earliest) {
		return fmt.Errorf("%s %s is before %s: %w", what, t.Format(time.RFC3339), Earliest.Format(time.DateOnly), ErrImpossible)
	}
	if latest := now.Add(MaxAhead); t.After(latest) {
		return fmt.Errorf("%s %s is more than %v after now (%s): %w", what, t.Format(time.RFC3339), MaxAhead, now.UTC().Format(time.RFC3339), ErrImpossible)
	}
	return nil
}

// CheckSpan checks that end is not before start.
func CheckSpan(what string, start, end time.Time) error {
	if end.Before(start) {
		return fmt.Errorf("%s ends (%s) before it starts (%s): %w", what, end.Format(time.RFC3339), start.Format(time.RFC3339), ErrImpossible)
	}
	return nil
}

// CheckDate checks a Polar result date (YYYY-MM-DD) used in a record key:
// a real date, from Earliest to MaxAhead after now (the date of a night
// in a zone east of UTC is "tomorrow" in UTC).
func CheckDate(what, date string, now time.Time) error {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return fmt.Errorf("%s %q is not a YYYY-MM-DD date: %w", what, date, ErrImpossible)
	}
	return CheckTime(what, d, now)
}
