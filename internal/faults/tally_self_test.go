package faults

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The counting the cases rely on sees a doubled row: the suite can fail.
func TestStoredCountsRowsPerKey(t *testing.T) {
	e := &env{t: t, csvDir: t.TempDir()}
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(e.csvDir, name), []byte(body), 0o644))
	}
	write("exercises.csv", "key,version\nexercise.1.a,v1\nexercise.1.b,v1\nexercise.1.a,v2\n")
	write("sleep.csv", "key,version\nsleep.1.2026-05-05,v1\n")
	got, err := e.stored("csv")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"exercise.1.a": 2, "exercise.1.b": 1, "sleep.1.2026-05-05": 1}, got)
}
