package plausible_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// ranges are every range with how docs/data-quality.md writes it, real
// values that must pass and wrong ones that must not.
var ranges = []struct {
	name string
	r    plausible.Range
	doc  string
	ok   []float64
	bad  []float64
}{
	{"HeartRate", plausible.HeartRate, "20..250 bpm", []float64{20, 38, 129, 205, 250}, []float64{19.9, 250.5, 1e9, -60}},
	{"HeartRatePercent", plausible.HeartRatePercent, "0..150 %", []float64{0, 55, 96, 104}, []float64{-1, 151, 1e9}},
	{"RRInterval", plausible.RRInterval, "200..5000 ms", []float64{240, 485, 816, 2000}, []float64{-5, 150, 5001, 1e9}},
	{"HRV", plausible.HRV, "1..1000 ms", []float64{14, 28, 250}, []float64{-2, 0.5, 1001}},
	{"BreathingRate", plausible.BreathingRate, "2..60 breaths/min", []float64{13.4, 14.1, 40}, []float64{1, 61, 500}},
	{"Distance", plausible.Distance, "0..2000000 m", []float64{0, 1600.2, 42195, 1_000_000}, []float64{-1600.2, -0.1, 2e6 + 1, 1e12}},
	{"Duration", plausible.Duration, "0..604800 s", []float64{0, 9885, 86400 * 3}, []float64{-1, 604801}},
	{"Calories", plausible.Calories, "0..100000 kcal", []float64{0, 530, 12000}, []float64{-1, 100001, 3e9}},
	{"SpeedMS", plausible.SpeedMS, "0..100 m/s", []float64{0, 2.5, 33.9}, []float64{-0.1, 100.1}},
	{"SpeedKMH", plausible.SpeedKMH, "0..360 km/h", []float64{0, 7.9, 18.4, 122}, []float64{-1, 361}},
	{"Cadence", plausible.Cadence, "0..300 rpm", []float64{0, 85, 172}, []float64{-1, 301}},
	{"Altitude", plausible.Altitude, "-500..9000 m", []float64{-430, 0, 8849}, []float64{-501, 9001, 1e6}},
	{"Climb", plausible.Climb, "0..50000 m", []float64{0, 46.3, 12000}, []float64{-1, 50001}},
	{"Power", plausible.Power, "0..3000 W", []float64{0, 250, 2500}, []float64{-0.02, 3001, 65534}},
	{"Temperature", plausible.Temperature, "-60..70 °C", []float64{-40, 21.5, 50}, []float64{-61, 71, 127}},
	{"Latitude", plausible.Latitude, "-90..90 °", []float64{-90, 55.67, 90}, []float64{-90.1, 180}},
	{"Longitude", plausible.Longitude, "-180..180 °", []float64{-180, 12.49, 180}, []float64{-181, 360}},
	{"Acceleration", plausible.Acceleration, "-50..50 m/s²", []float64{-3, 0.04, 9.8}, []float64{-51, 51}},
	{"Percent", plausible.Percent, "0..100 %", []float64{0, 60, 100}, []float64{-1, 101, 160}},
	{"Load", plausible.Load, "0..10000", []float64{0, 143.22, 800}, []float64{-1, 10001}},
	{"RunningIndex", plausible.RunningIndex, "0..150", []float64{28, 51, 85}, []float64{-1, 151}},
	{"Count", plausible.Count, "0..100000", []float64{0, 12, 22}, []float64{-1, 100001}},
	{"RecoveryTime", plausible.RecoveryTime, "0..2592000 s", []float64{0, 480277.99}, []float64{-1, 2592001}},
	{"ZoneIndex", plausible.ZoneIndex, "0..100", []float64{0, 1, 5}, []float64{-1, 101, 1e12}},
	{"PlayerNumber", plausible.PlayerNumber, "0..9999", []float64{0, 12, 99}, []float64{-1, 10000}},
	{"SleepScore", plausible.SleepScore, "1..100", []float64{1, 80, 100}, []float64{0.5, 101, 1000}},
	{"SleepCharge", plausible.SleepCharge, "1..5", []float64{1, 3, 5}, []float64{-1, 6}},
	{"SleepRating", plausible.SleepRating, "0..5", []float64{0, 3, 5}, []float64{-1, 6}},
	{"Continuity", plausible.Continuity, "1..5", []float64{1, 2.1, 5}, []float64{0.9, 5.1, 7.5}},
	{"ContinuityClass", plausible.ContinuityClass, "1..5", []float64{1, 2, 5}, []float64{-1, 6}},
	{"SleepGroupScore", plausible.SleepGroupScore, "1..100", []float64{1, 54.2, 100}, []float64{0.5, 100.1}},
	{"SleepGoal", plausible.SleepGoal, "0..86400 s", []float64{0, 28800}, []float64{-1, 86401}},
	{"SleepCycles", plausible.SleepCycles, "0..30", []float64{0, 6}, []float64{-1, 31}},
	{"HypnogramStage", plausible.HypnogramStage, "-2147483648..2147483647", []float64{0, 5, 6, -1}, []float64{1e12, -1e12}},
	{"NightlyRechargeStatus", plausible.NightlyRechargeStatus, "1..6", []float64{1, 3, 6}, []float64{-1, 7}},
	{"ANSCharge", plausible.ANSCharge, "-10..10", []float64{-10, 0, 4.5, 10}, []float64{-10.1, 10.1, 50}},
	{"ANSChargeStatus", plausible.ANSChargeStatus, "1..5", []float64{1, 3, 5}, []float64{-1, 6}},
}

func TestRanges(t *testing.T) {
	for _, tt := range ranges {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.doc, tt.r.String())
			assert.True(t, tt.r.Contains(tt.r.Min) && tt.r.Contains(tt.r.Max), "bounds are inclusive")
			assert.False(t, tt.r.Contains(math.NaN()))
			for _, v := range tt.ok {
				assert.True(t, tt.r.Contains(v), "%v is plausible", v)
			}
			for _, v := range tt.bad {
				assert.False(t, tt.r.Contains(v), "%v is not plausible", v)
			}
		})
	}
}

// The documentation lists every range as the code has it.
func TestRangesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "data-quality.md"))
	require.NoError(t, err)
	for _, tt := range ranges {
		assert.Contains(t, string(doc), "| "+tt.doc+" |", "%s is documented as %q", tt.name, tt.doc)
	}
}

func TestEverySampleTypeHasARange(t *testing.T) {
	for v, name := range pluginapi.SampleType_name {
		typ := pluginapi.SampleType(v)
		_, ok := plausible.SampleRange(typ)
		assert.Equal(t, typ != pluginapi.SampleType_SAMPLE_TYPE_UNSPECIFIED, ok, name)
	}
	assert.Equal(t, "samples.heart_rate", plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE))
	r, _ := plausible.SampleRange(pluginapi.SampleType_SAMPLE_TYPE_SPEED)
	assert.Equal(t, plausible.SpeedMS, r, "series hold speed in m/s")
}

func TestSleepSpan(t *testing.T) {
	r := plausible.SleepSpan(8*time.Hour + 40*time.Minute + 30*time.Second)
	assert.Equal(t, "0..31290 s", r.String())
}

func TestChecker(t *testing.T) {
	c := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_EXERCISE, "exercise.1.a")
	assert.Equal(t, 129.0, c.Float("heart_rate_avg", 129, plausible.HeartRate))
	assert.Zero(t, c.Float("distance_meters", -5, plausible.Distance))
	assert.Equal(t, int32(147), c.Int32("heart_rate_max", 146.6, plausible.HeartRate), "rounded")
	assert.Zero(t, c.Int32("calories", 3e9, plausible.Calories))
	assert.Zero(t, c.Int32("running_index", 0, plausible.RunningIndex), "0 is not recorded")
	assert.Zero(t, c.Int32("heart_rate_min", 0, plausible.HeartRate), "0 is not recorded, outside the range or not")
	// Values beyond int32 are dropped whatever the range says.
	wide := plausible.Range{Min: -1e300, Max: 1e300}
	assert.Zero(t, c.Int32("wide", 1e12, wide))
	assert.Zero(t, c.Int32("wide", -1e12, wide))
	assert.Zero(t, c.Float("nan", math.NaN(), wide))

	hr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
		OffsetMs: []int64{0, 1000, 2000, 3000, 4000}, Values: []float64{120, 1e9, 0, 121, 1e9}}
	assert.True(t, c.Series("samples.heart_rate", hr))
	assert.Equal(t, []int64{0, 3000}, hr.OffsetMs)
	assert.Equal(t, []float64{120, 121}, hr.Values)
	bad := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_POWER, OffsetMs: []int64{0}, Values: []float64{-3}}
	assert.False(t, c.Series("samples.power", bad), "nothing left")

	ws := c.Warnings()
	var fields []string
	for _, w := range ws {
		fields = append(fields, w.Field)
		assert.Equal(t, "exercise", w.Kind)
		assert.Equal(t, "exercise.1.a", w.Record)
	}
	assert.Equal(t, []string{"distance_meters", "calories", "wide", "nan", "samples.heart_rate", "samples.power"}, fields)
	assert.Equal(t, 2, ws[2].Count, "one warning per field, counted")
	assert.Equal(t, 1e12, ws[2].Value, "the first bad value")
	assert.Equal(t, 2, ws[4].Count, "two bad samples; the 0 is a silent gap")
	assert.Equal(t, plausible.HeartRate, ws[4].Range)
	assert.Equal(t, "exercise.1.a calories: 1 value(s) outside 0..100000 kcal dropped (first 3e+09)", ws[1].String())
}

// A series in runs keeps the instants of the values it keeps, and stays
// in runs when every value is plausible.
func TestCheckerSeriesRuns(t *testing.T) {
	c := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_EXERCISE, "exercise.1.a")
	hr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
		Runs: []*pluginapi.Run{{OffsetMs: 0, IntervalMs: 1000, Count: 3}, {OffsetMs: 10_000, IntervalMs: 500, Count: 3}}, Values: []float64{120, 1e9, 121, 122, 1e9, 123}}
	assert.True(t, c.Series("samples.heart_rate", hr))
	assert.Equal(t, []int64{0, 2000, 10_000, 11_000}, hr.Offsets())
	assert.Equal(t, []float64{120, 121, 122, 123}, hr.Values)
	require.NoError(t, hr.Check())
	assert.Equal(t, 2, c.Warnings()[0].Count)

	good := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
		Runs: []*pluginapi.Run{{OffsetMs: 0, IntervalMs: 1000, Count: 4}}, Values: []float64{120, 121, 122, 123}}
	assert.True(t, c.Series("samples.heart_rate", good))
	assert.Len(t, good.GetRuns(), 1)
	assert.Empty(t, good.GetOffsetMs())
}

// A 10-hour stream of bad samples is one warning, not 36,000.
func TestCheckerAggregatesLongSeries(t *testing.T) {
	c := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION, "player_session.t.p")
	n := 36_000
	s := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, OffsetMs: make([]int64, n), Values: make([]float64, n)}
	for i := range n {
		s.OffsetMs[i], s.Values[i] = int64(i)*1000, 1e9
	}
	assert.False(t, c.Series("samples.heart_rate", s))
	require.Len(t, c.Warnings(), 1)
	assert.Equal(t, n, c.Warnings()[0].Count)
	assert.Equal(t, "player_session", c.Warnings()[0].Kind)
}

func TestCheckID(t *testing.T) {
	for _, id := range []string{"1937529874", "2AC312F", "wp9DQ9ln", "a_b-c=", strings.Repeat("x", 128)} {
		assert.NoError(t, plausible.CheckID("id", id), id)
	}
	for _, id := range []string{"", "a.b", "a b", "a*", "a>", "ä", "a/b", "a\n", strings.Repeat("x", 129)} {
		assert.ErrorIs(t, plausible.CheckID("id", id), plausible.ErrImpossible, "%q", id)
	}
}

func TestCheckTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{plausible.Earliest, now, now.Add(23 * time.Hour), now.Add(24 * time.Hour), time.Date(2008, 10, 13, 7, 40, 2, 0, time.UTC)} {
		assert.NoError(t, plausible.CheckTime("start", at, now), at)
	}
	for _, at := range []time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0), plausible.Earliest.Add(-time.Second),
		now.Add(24*time.Hour + time.Second), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), {}} {
		err := plausible.CheckTime("start", at, now)
		assert.ErrorIs(t, err, plausible.ErrImpossible, at)
	}
	assert.ErrorContains(t, plausible.CheckTime("start", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), now),
		"start 1900-01-01T00:00:00Z is before 2000-01-01")

	assert.NoError(t, plausible.CheckSpan("session", now, now))
	assert.ErrorIs(t, plausible.CheckSpan("session", now, now.Add(-time.Second)), plausible.ErrImpossible)

	assert.NoError(t, plausible.CheckDate("date", "2026-12-02", now), "tomorrow, east of UTC")
	for _, d := range []string{"1900-01-01", "2026-12-03", "2026-13-01", "01.01.2020", "", "2026-12-01T00:00:00Z"} {
		assert.ErrorIs(t, plausible.CheckDate("date", d, now), plausible.ErrImpossible, d)
	}
}
