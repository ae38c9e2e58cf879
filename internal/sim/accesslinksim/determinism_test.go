package accesslinksim

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"
)

func newSim(t testing.TB, seed uint64) *Simulator {
	t.Helper()
	s, err := New(WithSeed(seed), WithClock(func() time.Time { return testNow }), WithUsers(2), WithHistoryDays(5))
	require.NoError(t, err)
	return s
}

func TestDeterministicWithSeed(t *testing.T) {
	a, b := newSim(t, 99), newSim(t, 99)
	require.Equal(t, a.Users(), b.Users())
	for _, u := range a.Users() {
		exA, exB := a.Exercises(u.ID), b.Exercises(u.ID)
		require.Equal(t, exA, exB)
		require.Equal(t, a.Nights(u.ID), b.Nights(u.ID))
		for _, ex := range exA {
			fa, err := a.ExerciseFIT(ex.ID)
			require.NoError(t, err)
			fb, err := b.ExerciseFIT(ex.ID)
			require.NoError(t, err)
			require.True(t, bytes.Equal(fa, fb), "FIT of %s differs", ex.ID)
		}
		addA, err := a.AddExercise(u.ID, ExerciseSpec{})
		require.NoError(t, err)
		addB, err := b.AddExercise(u.ID, ExerciseSpec{})
		require.NoError(t, err)
		require.Equal(t, addA, addB)
	}
	c := newSim(t, 100)
	assert.NotEqual(t, a.Users(), c.Users())
}

func TestFITEncodingIsStable(t *testing.T) {
	// tormoder/fit orders definition fields via a map; canonicalization must
	// make repeated encodes identical and still decodable.
	s := newSim(t, 5)
	u := s.Users()[0]
	ex, err := s.AddExercise(u.ID, ExerciseSpec{DetailedSport: "ROAD_BIKING", Duration: 10 * time.Minute})
	require.NoError(t, err)
	s.mu.Lock()
	internal := *s.exByHash[ex.ID]
	s.mu.Unlock()
	first, err := encodeFIT(&internal)
	require.NoError(t, err)
	for range 5 {
		again, err := encodeFIT(&internal)
		require.NoError(t, err)
		require.True(t, bytes.Equal(first, again))
	}
	f, err := fit.Decode(bytes.NewReader(first))
	require.NoError(t, err)
	act, err := f.Activity()
	require.NoError(t, err)
	assert.Len(t, act.Records, 600)
}

func BenchmarkEncodeFIT1h(b *testing.B) {
	s := newSim(b, 1)
	u := s.Users()[0]
	ex, err := s.AddExercise(u.ID, ExerciseSpec{DetailedSport: "RUNNING", Duration: time.Hour})
	require.NoError(b, err)
	s.mu.Lock()
	internal := *s.exByHash[ex.ID]
	s.mu.Unlock()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		data, err := encodeFIT(&internal)
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.ReportMetric(float64(n), "bytes/file")
}
