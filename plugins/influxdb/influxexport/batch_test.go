package influxexport

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func TestMakeChunks(t *testing.T) {
	a, err := recordPoints(testrecords.Exercise("475", "a", t0, 10*time.Minute))
	require.NoError(t, err)
	b, err := recordPoints(testrecords.Sleep("475", "2026-05-05"))
	require.NoError(t, err)
	total := len(a) + len(b)

	for _, tc := range []struct{ maxPoints, maxBytes int }{{100, 1 << 20}, {1 << 20, 4096}, {7, 1024}} {
		chunks, bad := makeChunks([][]*point{a, nil, b}, tc.maxPoints, tc.maxBytes)
		require.Empty(t, bad)
		n := 0
		for i, c := range chunks {
			lines := bytes.Split(bytes.TrimSuffix(c.body, []byte("\n")), []byte("\n"))
			require.Len(t, lines, len(c.lines), "chunk %d: one line per point", i)
			assert.LessOrEqual(t, len(c.lines), tc.maxPoints)
			if len(c.lines) > 1 {
				assert.LessOrEqual(t, len(c.body), tc.maxBytes)
			}
			if i > 0 && chunks[i-1].ms {
				assert.True(t, c.ms, "second precision first")
			}
			for j, l := range c.lines {
				assert.NotEqual(t, 1, l.rec, "record 1 has no points")
				assert.True(t, bytes.HasPrefix(lines[j], []byte(l.p.measurement+",")), "line %d of chunk %d is its point", j, i)
				assert.Equal(t, c.ms, l.p.ms)
			}
			n += len(c.lines)
		}
		assert.Equal(t, total, n)
	}
}

func TestStaleGroups(t *testing.T) {
	groups := func(mod func(*pluginapi.Exercise)) []group {
		r := testrecords.Exercise("475", "a", t0, 10*time.Minute)
		if mod != nil {
			mod(r.GetExercise())
		}
		ps, err := recordPoints(r)
		require.NoError(t, err)
		return groupsOf(ps)
	}
	old := groups(nil)
	assert.Empty(t, staleGroups(old, groups(nil)), "the same points")
	assert.Empty(t, staleGroups(old, groups(func(e *pluginapi.Exercise) { e.HeartRateAvg = 99 })), "other values only")

	stale := staleGroups(old, groups(func(e *pluginapi.Exercise) { e.Sport = "CYCLING" }))
	require.Len(t, stale, 1)
	assert.Equal(t, "exercise", stale[0].Measurement)
	assert.Contains(t, stale[0].Tags, [2]string{"sport", "RUNNING"})

	stale = staleGroups(old, groups(func(e *pluginapi.Exercise) {
		s := e.GetSamples()[0]
		s.OffsetMs, s.Values = s.OffsetMs[:10], s.Values[:10]
	}))
	require.Len(t, stale, 1, "fewer heart-rate samples: the sample series changes shape")
	assert.Equal(t, "exercise_sample", stale[0].Measurement)
	assert.Equal(t, t0.UnixNano(), stale[0].Min)
	assert.Equal(t, t0.Add(599*time.Second).UnixNano(), stale[0].Max)
}
