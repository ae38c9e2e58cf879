//go:build linux

package daemon_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The straight-line program is the baseline of BenchmarkBridgeVsStraightLine
// only if it does the bridge's job: for the same exercise it writes the
// files and rows the CSV plugin writes (all but the version, the
// bridge's content hash), with either FIT decoder.
func TestStraightLineWritesWhatTheBridgeWrites(t *testing.T) {
	s := newSideBySide(t)
	ids := s.add(t, 20*time.Minute)
	require.NoError(t, s.straight.Export(t.Context(), ids[0]))
	require.NoError(t, s.same.Export(t.Context(), ids[0]))
	s.sim.push(t, ids[0])
	s.ps.settle()

	bridge := filepath.Join(s.ps.dir, "export")
	for _, dir := range []string{s.straightDir, s.sameDir} {
		for _, ext := range []string{".samples.csv", ".rr.csv"} {
			files, err := filepath.Glob(filepath.Join(bridge, "samples", "*"+ext))
			require.NoError(t, err)
			require.Len(t, files, 1, ext)
			assertSameRows(t, readCSV(t, files[0]), readCSV(t, filepath.Join(dir, "samples", ids[0]+ext)), dir+": "+ext)
		}
		for _, name := range []string{"exercises.csv", "exercise_laps.csv", "exercise_hr_zones.csv"} {
			assertSameRows(t, readCSV(t, filepath.Join(bridge, name)), readCSV(t, filepath.Join(dir, name)), dir+": "+name)
		}
	}
}

func assertSameRows(t *testing.T, want, got []map[string]string, file string) {
	t.Helper()
	require.NotEmpty(t, want, file)
	require.Len(t, got, len(want), file)
	for i := range want {
		delete(want[i], "version")
		delete(got[i], "version")
		assert.Equal(t, want[i], got[i], "%s row %d", file, i+1)
	}
}
