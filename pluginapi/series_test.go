package pluginapi_test

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// steady returns n offsets every step ms from first.
func steady(first, step int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = first + int64(i)*step
	}
	return out
}

func values(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(100 + i%50)
	}
	return out
}

// Every shape of offsets survives Compact and the builder unchanged, and
// the form chosen is the smaller one: runs for a steady rate with a few
// pauses, offsets for irregular instants and tiny series.
func TestSeriesForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rr := make([]int64, 500) // RR intervals: every gap different
	for i := 1; i < len(rr); i++ {
		rr[i] = rr[i-1] + 600 + rng.Int64N(400)
	}
	paused := slices.Concat(steady(0, 1000, 600), steady(900_000, 1000, 600), steady(2_000_500, 1000, 1200))
	dropouts := steady(0, 1000, 3600) // a sample missing every ten minutes
	for i := len(dropouts) - 1; i > 0; i -= 600 {
		dropouts = slices.Delete(dropouts, i, i+1)
	}
	for _, tc := range []struct {
		name    string
		offsets []int64
		runs    int // 0: kept as offsets
	}{
		{"empty", nil, 0},
		{"one sample", []int64{0}, 0},
		{"three samples", []int64{0, 1000, 2000}, 0},
		{"four samples", []int64{0, 1000, 2000, 3000}, 1},
		{"10 h at 1 Hz", steady(0, 1000, 36000), 1},
		{"starts late", steady(5000, 200, 1000), 1},
		{"two pauses", paused, 3},
		{"dropouts", dropouts, 6},
		{"same instant twice", []int64{0, 1000, 1000, 2000, 3000, 4000, 5000, 6000}, 2},
		{"backwards", steady(10_000, -1000, 8), 1},
		{"RR intervals", rr, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vals := values(len(tc.offsets))
			s := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, OffsetMs: slices.Clone(tc.offsets), Values: vals}
			s.Compact()
			b := pluginapi.NewSeriesBuilder(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, nil, len(tc.offsets))
			for i, off := range tc.offsets {
				b.Add(off, vals[i])
			}
			assert.Equal(t, len(tc.offsets), b.Len())
			built := b.Series()
			for _, got := range []*pluginapi.Series{s, built} {
				assert.Len(t, got.GetRuns(), tc.runs)
				if tc.runs > 0 {
					assert.Empty(t, got.GetOffsetMs(), "runs replace the offsets")
				}
				require.NoError(t, got.Check())
				assert.Equal(t, len(tc.offsets), got.Len())
				assert.Equal(t, tc.offsets, nilIfEmpty(got.Offsets()))
				var offs []int64
				var vs []float64
				for off, v := range got.All() {
					offs, vs = append(offs, off), append(vs, v)
				}
				assert.Equal(t, tc.offsets, offs)
				assert.Equal(t, nilIfEmpty(vals), nilIfEmpty(vs))
			}
			assert.True(t, proto.Equal(s, built), "Compact and the builder agree")
		})
	}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Random instants, steady stretches among them, come back exactly.
func TestSeriesCompactRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		var offs []int64
		off := rng.Int64N(10_000)
		for range rng.IntN(40) {
			step := []int64{1000, 1000, 1000, 250, rng.Int64N(3000) - 500}[rng.IntN(5)]
			for range rng.IntN(30) + 1 {
				offs = append(offs, off)
				off += step
			}
		}
		s := &pluginapi.Series{OffsetMs: slices.Clone(offs), Values: values(len(offs))}
		s.Compact()
		require.NoError(t, s.Check())
		require.Equal(t, nilIfEmpty(offs), nilIfEmpty(s.Offsets()))
	}
}

// A series whose instants do not match its values is reported, and read
// only as far as both go.
func TestSeriesCheck(t *testing.T) {
	short := &pluginapi.Series{Runs: []*pluginapi.Run{{OffsetMs: 0, IntervalMs: 1000, Count: 3}}, Values: values(5)}
	assert.ErrorContains(t, short.Check(), "3 instants for 5 values")
	assert.Equal(t, 3, short.Len())
	n := 0
	for range short.All() {
		n++
	}
	assert.Equal(t, 3, n)
	both := &pluginapi.Series{OffsetMs: []int64{0}, Runs: []*pluginapi.Run{{Count: 1}}, Values: values(1)}
	assert.ErrorContains(t, both.Check(), "both offsets and runs")
	offs := &pluginapi.Series{OffsetMs: []int64{0, 1}, Values: values(3)}
	assert.ErrorContains(t, offs.Check(), "2 instants for 3 values")
	assert.Equal(t, 2, offs.Len())
}

// CompactSeries reaches every series of a record, at any depth.
func TestCompactSeries(t *testing.T) {
	ex := testrecords.Exercise("475", "e1", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Minute)
	before := proto.Clone(ex).(*pluginapi.Record)
	pluginapi.CompactSeries(ex)
	for i, s := range ex.GetExercise().GetSamples() {
		assert.Len(t, s.GetRuns(), 1, s.GetType())
		assert.Equal(t, before.GetExercise().GetSamples()[i].GetOffsetMs(), s.Offsets())
	}
	sleep := testrecords.Sleep("475", "2026-05-05")
	sleep.GetSleep().HeartRate = &pluginapi.Series{Start: timestamppb.Now(), OffsetMs: steady(0, 300_000, 96), Values: values(96)}
	pluginapi.CompactSeries(sleep)
	assert.Len(t, sleep.GetSleep().GetHeartRate().GetRuns(), 1)
}

var protocol1 struct {
	once sync.Once
	bin  string
	err  error
}

// protocol1Binary builds testdata/protocol1: a plugin as built against
// an SDK that knew only protocol 1.
func protocol1Binary(t *testing.T) string {
	t.Helper()
	protocol1.once.Do(func() {
		dir, err := os.MkdirTemp("", "pluginapi-protocol1")
		if err != nil {
			protocol1.err = err
			return
		}
		protocol1.bin, protocol1.err = pluginapi.BuildPlugin("testdata/protocol1", dir)
	})
	require.NoError(t, protocol1.err)
	return protocol1.bin
}

// A plugin that speaks only protocol 1 reads offsets and doubles only:
// the host gives it every record with its runs expanded and its values
// unpacked, encoded or not, and leaves the caller's record alone. A
// protocol 2 plugin gets the runs as they are.
func TestProtocol1PluginGetsOffsets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin binary")
	}
	ctx := context.Background()
	ex := testrecords.Exercise("475", "e1", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Minute)
	pluginapi.EachSeries(ex, func(s *pluginapi.Series) {
		s.Compact()
		s.PackValues()
	})
	require.NotEmpty(t, ex.GetExercise().GetSamples()[0].GetRuns())
	require.NotEmpty(t, ex.GetExercise().GetSamples()[0].GetValueDeltas())
	sent := proto.Clone(ex)
	enc, err := proto.Marshal(ex)
	require.NoError(t, err)

	old, err := pluginapi.Launch(protocol1Binary(t))
	require.NoError(t, err)
	defer old.Kill()
	assert.Equal(t, 1, old.ProtocolVersion())
	resp, err := old.ExportEncoded(ctx, [][]byte{enc})
	require.NoError(t, err)
	assert.Equal(t, "offsets=4200 values=4200", resp.GetResults()[0].GetMessage())
	resp, err = old.Export(ctx, &pluginapi.ExportRequest{Records: []*pluginapi.Record{ex}})
	require.NoError(t, err)
	assert.Equal(t, "offsets=4200 values=4200", resp.GetResults()[0].GetMessage())
	assert.True(t, proto.Equal(sent, ex), "the caller's record keeps its runs and deltas")

	h, err := pluginapi.NewBinaryHarness(testBinary(t))
	require.NoError(t, err)
	defer h.Close()
	assert.Equal(t, 2, h.Client().ProtocolVersion())
}
