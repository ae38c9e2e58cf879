package pluginapi_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// readBack reads s's values every way a plugin can, packed or not, and
// checks each against want, bit for bit (packed calls it for every
// series the pack tests and the fuzz test make).
func readBack(t *testing.T, s *pluginapi.Series, want []float64) {
	t.Helper()
	r := s.ReadValues()
	var got []float64
	for v, ok := r.Next(); ok; v, ok = r.Next() {
		got = append(got, v)
	}
	require.NoError(t, r.Err())
	sameBits(t, want, got, "ValueReader.Next")

	// In chunks of every size from 1 up, across Read's own chunks.
	r, got = s.ReadValues(), got[:0]
	for size := 1; ; size = size%300 + 1 {
		buf := make([]float64, size)
		n := r.Read(buf)
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	require.NoError(t, r.Err())
	sameBits(t, want, got, "ValueReader.Read")

	r = s.ReadValues()
	d, ok := r.Decimals()
	if !ok {
		assert.Zero(t, r.ReadScaled(make([]int64, 4)), "no integers without decimals")
	} else {
		var ints []int64
		buf := make([]int64, 100)
		for n := r.ReadScaled(buf); n > 0; n = r.ReadScaled(buf) {
			ints = append(ints, buf[:n]...)
		}
		require.NoError(t, r.Err())
		scaled := make([]float64, len(ints))
		for i, n := range ints {
			scaled[i] = float64(n) / math.Pow10(d)
		}
		sameBits(t, want, scaled, "ValueReader.ReadScaled")
	}

	// A series with one instant per value: Len, Check and All read the
	// values in either form.
	offs := make([]int64, len(want))
	for i := range offs {
		offs[i] = int64(i) * 1000
	}
	withOffsets := &pluginapi.Series{OffsetMs: offs, Values: s.GetValues(), ValueDeltas: s.GetValueDeltas(),
		ValueDecimals: s.GetValueDecimals(), ValueUnit: s.GetValueUnit(), ValueOrder: s.GetValueOrder()}
	assert.Equal(t, len(want), withOffsets.Len())
	require.NoError(t, withOffsets.Check())
	got = got[:0]
	for off, v := range withOffsets.All() {
		assert.Equal(t, offs[len(got)], off)
		got = append(got, v)
	}
	sameBits(t, want, got, "Series.All")
}

// Deltas that do not decode stop a reader with ErrMalformedValues, after
// the values before them; Check finds them, and All stops there.
func TestValueReaderMalformed(t *testing.T) {
	for name, c := range map[string]struct {
		s    *pluginapi.Series
		good int // values read before the error
	}{
		"truncated varint": {&pluginapi.Series{ValueDeltas: []byte{0x02, 0x04, 0x80}}, 2},
		"beyond 2^53": {&pluginapi.Series{ValueDeltas: append([]byte{0x02},
			protowire.AppendVarint(nil, protowire.EncodeZigZag(1<<53))...)}, 1},
		"too many decimals": {&pluginapi.Series{ValueDeltas: []byte{0x02}, ValueDecimals: 10}, 0},
		"order 3":           {&pluginapi.Series{ValueDeltas: []byte{0x02}, ValueOrder: 3}, 0},
		"values and deltas": {&pluginapi.Series{Values: []float64{1}, ValueDeltas: []byte{0x02}}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			r := c.s.ReadValues()
			n := 0
			for _, ok := r.Next(); ok; _, ok = r.Next() {
				n++
			}
			assert.Equal(t, c.good, n)
			require.ErrorIs(t, r.Err(), pluginapi.ErrMalformedValues)
			_, ok := r.Next()
			assert.False(t, ok, "a reader stays stopped")

			// One instant per varint begun, as Len and Check count them.
			deltas, count := c.s.GetValueDeltas(), 0
			for i, b := range deltas {
				if b < 0x80 || i == len(deltas)-1 {
					count++
				}
			}
			runs := &pluginapi.Series{Runs: []*pluginapi.Run{{IntervalMs: 1000, Count: uint32(count)}},
				ValueDeltas: c.s.GetValueDeltas(), ValueDecimals: c.s.GetValueDecimals(), ValueOrder: c.s.GetValueOrder(), Values: c.s.GetValues()}
			if c.s.GetValues() == nil {
				require.ErrorIs(t, runs.Check(), pluginapi.ErrMalformedValues)
			}
			n = 0
			for range runs.All() {
				n++
			}
			assert.Equal(t, c.good, n, "All stops at the error")
		})
	}
}
