package pluginapi_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// sameBits reports whether two value lists are equal to the last bit.
func sameBits(t *testing.T, want, got []float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			t.Fatalf("%s: value %d: got %v (%#x), want %v (%#x)", msg, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// packed packs vals, checks the round trip and returns the series.
func packed(t *testing.T, vals []float64) (*pluginapi.Series, bool) {
	t.Helper()
	s := &pluginapi.Series{Values: append([]float64(nil), vals...)}
	if !s.PackValues() {
		sameBits(t, vals, s.GetValues(), "a series not packed keeps its values")
		assert.Empty(t, s.GetValueDeltas())
		got, err := s.AppendValues(nil)
		require.NoError(t, err)
		sameBits(t, vals, got, "AppendValues of a series not packed")
		readBack(t, s, vals)
		return s, false
	}
	assert.Empty(t, s.GetValues())
	enc := &pluginapi.Series{ValueDeltas: s.GetValueDeltas(), ValueDecimals: s.GetValueDecimals(), ValueUnit: s.GetValueUnit(), ValueOrder: s.GetValueOrder()}
	require.NoError(t, enc.UnpackValues())
	sameBits(t, vals, enc.GetValues(), "unpacked")
	assert.Empty(t, enc.GetValueDeltas())

	// AppendValues gives the same after what dst holds, and leaves the
	// series packed.
	head := []float64{-1, math.Inf(1)}
	got, err := s.AppendValues(head[:2:2])
	require.NoError(t, err)
	sameBits(t, append(head, vals...), got, "appended")
	assert.NotEmpty(t, s.GetValueDeltas(), "AppendValues leaves the deltas")
	assert.Empty(t, s.GetValues())
	readBack(t, s, vals)
	return s, true
}

// Values as the decoders make them pack at the fewest decimals that give
// each one back, in a byte or two each, and unpack to the same bits.
func TestPackValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	series := func(n int, f func(i int) float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	walk := func(scale int) func(int) float64 { // a random walk, as samples move
		x := 0
		return func(int) float64 { x += rng.IntN(2*scale+1) - scale; return float64(x) }
	}
	for _, c := range []struct {
		name     string
		vals     []float64
		decimals uint32
		perValue float64 // bytes per value at most
		order    uint32  // 2: differences taken twice
	}{
		{"heart rate", series(3600, func(int) float64 { return float64(100 + rng.IntN(80)) }), 0, 2, 0},
		{"FIT speed, mm/s", series(3600, func(int) float64 { return float64(2500+rng.IntN(100)) / 1000 }), 3, 2, 0},
		{"FIT distance, cm", series(3600, func(i int) float64 { return float64(i*310+rng.IntN(9)) / 100 }), 2, 1.01, 2},
		{"temperature below zero", series(3600, func(int) float64 { return float64(rng.IntN(10) - 20) }), 0, 1, 0},
		{"JSON strings, one decimal", series(3600, func(int) float64 {
			v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(rng.IntN(300))/10, 'f', 1, 64), 64)
			return v
		}), 1, 2, 0},
		{"JSON strings, mixed decimals", series(3600, func(i int) float64 {
			v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(rng.IntN(3000))/1000, 'f', i%4, 64), 64)
			return v
		}), 3, 2, 0},
		{"six decimals", series(3600, func(i int) float64 { return (60e6 + float64(i)) / 1e6 }), 6, 2, 0},
		{"large integers", []float64{1<<53 - 1, 1<<53 - 2, -(1<<53 - 1), 0}, 0, 8, 0},
		{"a walk", series(3600, walk(3)), 0, 1, 0},
		{"constant", series(3600, func(int) float64 { return 7.5 }), 1, 1.01, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, ok := packed(t, c.vals)
			require.True(t, ok, "packed")
			assert.Equal(t, c.decimals, s.GetValueDecimals())
			assert.LessOrEqual(t, float64(len(s.GetValueDeltas()))/float64(len(c.vals)), c.perValue)
			assert.Zero(t, s.GetValueUnit())
			assert.Equal(t, c.order, s.GetValueOrder(), "differences taken twice where that is smaller")
		})
	}
	t.Run("FIT positions, semicircles", func(t *testing.T) {
		lat := 716533412 // 60.06 degrees
		vals := series(3600, func(int) float64 { lat += rng.IntN(801) - 400; return float64(lat) * (180.0 / (1 << 31)) })
		s, ok := packed(t, vals)
		require.True(t, ok, "packed")
		assert.Equal(t, 180.0/(1<<31), s.GetValueUnit())
		assert.Zero(t, s.GetValueDecimals())
		assert.LessOrEqual(t, float64(len(s.GetValueDeltas()))/float64(len(vals)), 2.01)
		assert.Zero(t, s.GetValueOrder(), "a random walk: its steps are smaller than their differences")
	})
	t.Run("FIT positions at a steady pace, semicircles", func(t *testing.T) {
		lat := 716533412
		vals := series(3600, func(int) float64 { lat += 320 + rng.IntN(21) - 10; return float64(lat) * (180.0 / (1 << 31)) })
		s, ok := packed(t, vals)
		require.True(t, ok, "packed")
		assert.Equal(t, uint32(2), s.GetValueOrder())
		assert.LessOrEqual(t, float64(len(s.GetValueDeltas()))/float64(len(vals)), 1.01)
	})
}

// Values that do not come back exactly, or would not be smaller, stay
// doubles: the series is left as it was.
func TestPackValuesRefuses(t *testing.T) {
	semicircles := 180.0 / (1 << 31)
	for name, vals := range map[string][]float64{
		"NaN":                {1, 2, math.NaN()},
		"infinity":           {1, math.Inf(-1)},
		"negative zero":      {1, math.Copysign(0, -1)},
		"offset in floats":   {float64(2501)/5 - 500, float64(2502)/5 - 500, float64(2503)/5 - 500},
		"half semicircles":   {0.5 * semicircles, 1.5 * semicircles},
		"ten decimals":       {0.1234567891, 0.1234567892},
		"beyond 2^53":        {1 << 53, 1<<53 + 2},
		"one value":          {72},
		"no values":          {},
		"large and apart":    {1e15, -1e15, 1e15, -1e15},
		"third":              {1.0 / 3, 2.0 / 3},
		"tiny":               {5e-324, 1e-300},
		"almost one decimal": {0.1, 0.30000000000000004},
	} {
		t.Run(name, func(t *testing.T) {
			_, ok := packed(t, vals)
			assert.False(t, ok)
		})
	}
	s := &pluginapi.Series{Values: []float64{1, 2}, ValueDeltas: []byte{2, 2}}
	assert.False(t, s.PackValues(), "already packed")
}

// Bytes that are no value deltas fail to unpack and leave the series as
// it was; deltas and values both are refused.
func TestUnpackValuesMalformed(t *testing.T) {
	for name, s := range map[string]*pluginapi.Series{
		"truncated varint":  {ValueDeltas: []byte{0x02, 0x80}},
		"too many decimals": {ValueDeltas: []byte{0x02}, ValueDecimals: 10},
		"beyond 2^53":       {ValueDeltas: []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20}},
		"values and deltas": {Values: []float64{1}, ValueDeltas: []byte{0x02}},
		"unit and decimals": {ValueDeltas: []byte{0x02}, ValueDecimals: 1, ValueUnit: 0.5},
		"unit not a number": {ValueDeltas: []byte{0x02}, ValueUnit: math.NaN()},
		"order 3":           {ValueDeltas: []byte{0x02}, ValueOrder: 3},
		// 2^55 - 1 as the first difference of differences: a first value
		// that large is beyond 2^53, and so is the step.
		"twice, step beyond 2^54": {ValueDeltas: protowire.AppendVarint(nil, protowire.EncodeZigZag(1<<55-1)), ValueOrder: 2},
		"twice, beyond 2^55":      {ValueDeltas: protowire.AppendVarint(nil, protowire.EncodeZigZag(-1<<62)), ValueOrder: 2},
		"twice, beyond 2^53": {ValueDeltas: append(protowire.AppendVarint(nil, protowire.EncodeZigZag(1<<52)),
			protowire.AppendVarint(nil, protowire.EncodeZigZag(0))...), ValueOrder: 2},
	} {
		t.Run(name, func(t *testing.T) {
			deltas := append([]byte(nil), s.GetValueDeltas()...)
			dst, err := s.AppendValues([]float64{1})
			require.Error(t, err)
			assert.Equal(t, []float64{1}, dst, "AppendValues gives dst back as it was")
			require.Error(t, s.UnpackValues())
			assert.Equal(t, deltas, s.GetValueDeltas())
		})
	}
	var none *pluginapi.Series
	assert.NoError(t, none.UnpackValues())
}

// Whatever the values, a series that packs unpacks to the same bits.
func FuzzPackValues(f *testing.F) {
	f.Add(uint64(1), uint8(0), uint8(3))
	f.Add(uint64(2), uint8(9), uint8(0))
	f.Add(uint64(3), uint8(4), uint8(200))
	f.Fuzz(func(t *testing.T, seed uint64, decimals, noise uint8) {
		rng := rand.New(rand.NewPCG(seed, 0))
		vals := make([]float64, 2+rng.IntN(200))
		x := rng.Int64N(1 << 40)
		drift := int64(seed%2) * rng.Int64N(1000) // a steady pace: differences taken twice
		for i := range vals {
			x += drift + rng.Int64N(int64(noise)+1) - int64(noise)/2
			vals[i] = float64(x) / math.Pow(10, float64(decimals%12))
			if noise > 250 { // arbitrary bits now and then
				vals[i] = math.Float64frombits(rng.Uint64())
			}
		}
		packed(t, vals)
	})
}

// A 10 h exercise's series at 1 Hz: packing and unpacking each, as the
// daemon and a plugin do per record.
func BenchmarkPackValues(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 36000)
	for i := range vals {
		vals[i] = float64(2500+rng.IntN(100)) / 1000 // FIT speed
	}
	b.Run("pack", func(b *testing.B) {
		b.SetBytes(int64(8 * len(vals)))
		for b.Loop() {
			s := &pluginapi.Series{Values: vals}
			if !s.PackValues() {
				b.Fatal("not packed")
			}
		}
	})
	s := &pluginapi.Series{Values: vals}
	s.PackValues()
	b.Run("unpack", func(b *testing.B) {
		b.SetBytes(int64(8 * len(vals)))
		for b.Loop() {
			u := &pluginapi.Series{ValueDeltas: s.ValueDeltas, ValueDecimals: s.ValueDecimals, ValueOrder: s.ValueOrder}
			if err := u.UnpackValues(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUnpackExercise unpacks a 10 h exercise at 1 Hz the way FIT
// files have it, as the SDK does before each Export: heart rate,
// cadence, power and temperature as integers, speed in mm/s, distance in
// cm, altitude in steps of 0.2 m, and positions in semicircles.
func BenchmarkUnpackExercise(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 36000
	walk := func(x, step int, f func(int) float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			x += rng.IntN(2*step+1) - step
			out[i] = f(x)
		}
		return out
	}
	id := func(x int) float64 { return float64(x) }
	dist, d := make([]float64, n), 0
	for i := range dist {
		d += 280 + rng.IntN(60)
		dist[i] = float64(d) / 100
	}
	semicircles := func(x int) float64 { return float64(x) * (180.0 / (1 << 31)) }
	series := [][]float64{
		walk(140, 2, id), walk(85, 1, id), walk(250, 40, id), walk(20, 1, id),
		walk(3200, 60, func(x int) float64 { return float64(x) / 1000 }), dist,
		walk(2600, 1, func(x int) float64 { return float64(2*x-5000) / 10 }),
		walk(716533412, 400, semicircles), walk(297533412, 400, semicircles),
	}
	var packed []*pluginapi.Series
	size := 0
	for _, vals := range series {
		s := &pluginapi.Series{Values: vals}
		if !s.PackValues() {
			b.Fatal("not packed")
		}
		packed = append(packed, s)
		size += len(s.GetValueDeltas())
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, s := range packed {
			u := &pluginapi.Series{ValueDeltas: s.ValueDeltas, ValueDecimals: s.ValueDecimals, ValueUnit: s.ValueUnit, ValueOrder: s.ValueOrder}
			if err := u.UnpackValues(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(size)/(9*n), "bytes/value")
}
