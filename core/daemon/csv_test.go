package daemon_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testrecords"
)

// readCSV returns a CSV file's rows as maps from header to cell.
func readCSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows, "%s has no header", path)
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func TestCSVExporterEndToEnd(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, baseConfig+`plugins:
  csv:
    path: `+binary(t, "plugins/csv")+`
    config:
      dir: export
      samples: true
`)
	recs := sampleRecords()
	h.publish(recs...)
	h.waitIdle("csv")

	out := filepath.Join(dir, "export")
	ex := readCSV(t, filepath.Join(out, "exercises.csv"))
	require.Len(t, ex, 2)
	assert.Equal(t, "exercise.475.a1", ex[0]["key"])
	assert.Equal(t, "2026-05-04T15:00:00Z", ex[0]["start_utc"])
	assert.Equal(t, "2026-05-04T17:00:00+02:00", ex[0]["start_local"])
	assert.Equal(t, "3600", ex[0]["duration_s"])
	assert.Equal(t, recs[0].GetVersion(), ex[0]["version"])
	samples := readCSV(t, filepath.Join(out, "samples", "exercise.475.a1.samples.csv"))
	assert.Len(t, samples, 3600)

	sl := readCSV(t, filepath.Join(out, "sleep.csv"))
	require.Len(t, sl, 1)
	assert.Equal(t, "82", sl[0]["sleep_score"])
	nr := readCSV(t, filepath.Join(out, "nightly_recharge.csv"))
	require.Len(t, nr, 1)
	assert.Equal(t, "2.5", nr[0]["ans_charge"])

	// A redelivery of the same records (as after a crash or a replay)
	// leaves one row per record.
	pub := records.NewPublisher(h.d.Bus)
	for _, r := range recs {
		require.NoError(t, pub.Redeliver(context.Background(), "csv", r))
	}
	h.waitIdle("csv")
	assert.Len(t, readCSV(t, filepath.Join(out, "exercises.csv")), 2)
	assert.Len(t, readCSV(t, filepath.Join(out, "sleep.csv")), 1)
	assert.Len(t, readCSV(t, filepath.Join(out, "nightly_recharge.csv")), 1)

	// A new version of a night replaces its row.
	changed := testrecords.Sleep("475", "2026-05-05")
	changed.GetSleep().SleepScore = 77
	h.publish(changed)
	h.waitIdle("csv")
	sl = readCSV(t, filepath.Join(out, "sleep.csv"))
	require.Len(t, sl, 1)
	assert.Equal(t, "77", sl[0]["sleep_score"])
	assert.Equal(t, changed.GetVersion(), sl[0]["version"])
}
