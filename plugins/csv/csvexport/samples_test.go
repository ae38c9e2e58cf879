package csvexport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// written returns what write produces, read back as CSV: the header, then
// the rows.
func written(t testing.TB, write func(io.Writer) error) [][]string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, write(&b))
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	return rows
}

// variedSeries returns series that exercise every rule of the merge:
// different rates and starts (to the nanosecond), gaps, more offsets
// than values and the reverse, two samples at one time, series out of
// order, series without a start, several series of one type (multisport
// legs, overlapping or not), types without a column, and values that
// print unusually (huge, tiny, negative zero, NaN, infinities).
func variedSeries(rng *rand.Rand, start time.Time, types []pluginapi.SampleType) []*pluginapi.Series {
	periods := []int64{250, 333, 1000, 1000, 1000, 4000, 5000}
	odd := []float64{1e21, 1e-7, 1<<53 - 1, 1 << 53, -(1<<52 + 1), 1e15, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), -12.5, 0.1 + 0.2}
	var out []*pluginapi.Series
	for range rng.IntN(8) {
		typ := types[rng.IntN(len(types))]
		s := &pluginapi.Series{Type: typ}
		if rng.IntN(5) > 0 {
			shift := time.Duration(rng.IntN(10_000)-5_000) * time.Millisecond
			if rng.IntN(4) == 0 {
				shift += time.Duration(rng.IntN(1_000_000)) // sub-millisecond start
			}
			s.Start = timestamppb.New(start.Add(shift))
		}
		period, off := periods[rng.IntN(len(periods))], int64(rng.IntN(3_000))
		for range rng.IntN(25) {
			switch rng.IntN(20) {
			case 0:
				off += period * int64(1+rng.IntN(30)) // a gap
			case 1: // two samples at one time
			default:
				off += period
			}
			v := float64(rng.IntN(200_000)-20_000) / math.Pow10(rng.IntN(7))
			if rng.IntN(25) == 0 {
				v = odd[rng.IntN(len(odd))]
			}
			s.OffsetMs, s.Values = append(s.OffsetMs, off), append(s.Values, v)
		}
		switch rng.IntN(8) {
		case 0:
			rng.Shuffle(len(s.OffsetMs), func(i, j int) { s.OffsetMs[i], s.OffsetMs[j] = s.OffsetMs[j], s.OffsetMs[i] })
		case 1:
			if len(s.Values) > 0 {
				s.Values = s.Values[:rng.IntN(len(s.Values))] // more offsets than values
			}
		case 2:
			s.Values = append(s.Values, 1, 2) // more values than offsets
		}
		out = append(out, s)
	}
	return out
}

// variedStart is a record start: unknown, or a time with an offset east
// or west (in minutes, some not whole hours), to the nanosecond.
func variedStart(rng *rand.Rand, at time.Time) *pluginapi.Time {
	if rng.IntN(6) == 0 {
		return nil
	}
	offsets := []int32{0, 120, -300, 330, 345, -210, 840, -720}
	return ptime(at.Add(time.Duration(rng.IntN(2))*time.Duration(rng.IntN(1e9))), offsets[rng.IntN(len(offsets))])
}

// variedCase is one record of each kind with a samples file or sample
// rows, built from the same generator.
type variedCase struct {
	exercise *pluginapi.Exercise
	player   *pluginapi.PlayerSession
	sleep    *pluginapi.Record
	recharge *pluginapi.Record
	heart    *pluginapi.ContinuousHeartRate
}

func newVariedCase(seed uint64) variedCase {
	rng := rand.New(rand.NewPCG(seed, 17))
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(1e6)) * time.Second)
	types := []pluginapi.SampleType{pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, pluginapi.SampleType(99)}
	for _, c := range exerciseSampleColumns {
		types = append(types, c.typ)
	}
	for _, c := range playerSampleColumns {
		types = append(types, c.typ)
	}
	start := variedStart(rng, at)
	c := variedCase{
		exercise: &pluginapi.Exercise{Start: start, Samples: variedSeries(rng, at, types)},
		player:   &pluginapi.PlayerSession{Start: start, Samples: variedSeries(rng, at, types)},
		sleep:    newSleep("2024-05-01", "v1", at),
		recharge: newNightlyRecharge("2024-05-01", "v1"),
		heart:    &pluginapi.ContinuousHeartRate{},
	}
	sl := c.sleep.GetSleep()
	sl.Start, sl.HeartRate = variedStart(rng, at), nil
	if s := variedSeries(rng, at, types); len(s) > 0 {
		sl.HeartRate = s[0]
	}
	n := c.recharge.GetNightlyRecharge()
	n.Hrv, n.BreathingRate = nil, nil
	if s := variedSeries(rng, at, types); len(s) > 1 {
		n.Hrv, n.BreathingRate = s[0], s[1]
	}
	if s := variedSeries(rng, at, types); len(s) > 0 {
		c.heart.HeartRate = s[0]
		for i := 0; i < len(s[0].GetValues()); i += 1 + rng.IntN(20) {
			c.heart.UtcOffsets = append(c.heart.UtcOffsets, &pluginapi.UtcOffsetChange{Index: int32(i), UtcOffsetMinutes: int32(60 * (rng.IntN(5) - 2))})
		}
	}
	return c
}

// files returns the case's samples files and sample rows as they are
// written today, by name.
func (c variedCase) files(t testing.TB) map[string][]byte {
	e, p := c.exercise, c.player
	files := map[string][]byte{}
	add := func(name string, write func(io.Writer) error) {
		var b bytes.Buffer
		require.NoError(t, write(&b))
		files[name] = b.Bytes()
	}
	add("exercise.samples.csv", exerciseSamples(e).write)
	if rr := rrSamples(e.GetStart(), e.GetSamples()); !rr.empty() {
		add("exercise.rr.csv", rr.write)
	}
	add("player.samples.csv", playerSamples(p).write)
	if rr := rrSamples(p.GetStart(), p.GetSamples()); !rr.empty() {
		add("player.rr.csv", rr.write)
	}
	add("heart_rate.samples.csv", func(w io.Writer) error { return writeContinuousHeartRateSamples(w, c.heart) })
	add("sleep_heart_rate.csv", tableWriter(sleepHeartRateHeader, sleepHeartRateRows(c.sleep)))
	add("nightly_recharge_samples.csv", tableWriter(nightlyRechargeSampleHeader, nightlyRechargeSampleRows(c.recharge)))
	return files
}

func tableWriter(header []string, rows [][]string) func(io.Writer) error {
	return func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(header)
		return cw.WriteAll(rows)
	}
}

// goldenPath holds the samples files and sample rows of the first
// goldenCases varied cases as the table-building implementation wrote
// them before the files were streamed (issue #17): the streamed output
// must stay byte for byte the same.
const (
	goldenPath  = "testdata/samples.golden"
	goldenCases = 12
)

func TestSamplesGolden(t *testing.T) {
	raw, err := os.ReadFile(goldenPath)
	require.NoError(t, err)
	want := map[string]string{}
	for _, part := range strings.Split(string(raw), "=== case ")[1:] {
		name, content, _ := strings.Cut(part, "\n")
		want[name] = content
	}
	got := map[string]string{}
	for seed := range uint64(goldenCases) {
		for name, content := range newVariedCase(seed).files(t) {
			got[fmt.Sprintf("%d %s", seed, name)] = string(content)
		}
	}
	require.Len(t, want, len(got))
	for name, w := range want {
		require.Equal(t, w, got[name], "case %s", name)
	}
}

// Series in runs (protocol 2, as the daemon stores them) write the same
// files byte for byte as the same series with one offset per sample.
func TestSamplesGoldenRuns(t *testing.T) {
	runs := 0
	for seed := range uint64(40) {
		want := newVariedCase(seed).files(t)
		c := newVariedCase(seed)
		for _, m := range []proto.Message{c.exercise, c.player, c.sleep, c.recharge, c.heart} {
			pluginapi.CompactSeries(m)
		}
		for _, s := range slices.Concat(c.exercise.GetSamples(), c.player.GetSamples()) {
			runs += len(s.GetRuns())
		}
		got := c.files(t)
		require.Len(t, got, len(want))
		for name, w := range want {
			require.Equal(t, string(w), string(got[name]), "case %d %s", seed, name)
		}
	}
	assert.Greater(t, runs, 20, "the cases have steady stretches to put in runs")
}

// TestTimeAppender compares it with the time package on instants far
// apart and close together (the cached date), before 1970, across
// midnight and leap days, to the nanosecond, east and west of UTC.
func TestTimeAppender(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, offsetMin := range []int32{0, 120, -300, 330, 345, -210, 840, -720} {
		a := newTimeAppender(offsetMin)
		zone := time.FixedZone("", int(offsetMin)*60)
		at := time.Date(1969, 12, 31, 20, 0, 0, 0, time.UTC)
		for range 20_000 {
			switch rng.IntN(4) {
			case 0:
				at = time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)) // years 882 to 3058
			case 1:
				at = at.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
			case 2:
				at = at.Add(time.Duration(rng.Int64N(int64(48 * time.Hour))))
			default:
				at = at.Add(time.Duration(rng.IntN(1e6)))
			}
			want := at.In(zone).AppendFormat(nil, time.RFC3339Nano)
			got := a.append(nil, at.Unix(), int64(at.Nanosecond()))
			require.Equal(t, string(want), string(got), "%v at %d", at, offsetMin)
		}
	}
}
