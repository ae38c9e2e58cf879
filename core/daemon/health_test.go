package daemon_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/internal/testrecords"
)

// A destination that keeps failing (#12 defect 7) does not make the
// daemon unready (its records wait), but shows in /healthz, in metrics
// and at WARN, once a minute rather than once a retry; its recovery is
// said too.
func TestFailingDestinationShowsInHealth(t *testing.T) {
	dir := t.TempDir()
	down := filepath.Join(dir, "down")
	require.NoError(t, os.WriteFile(down, nil, 0o600))
	cfg, err := loadYAML(t, dir, strings.ReplaceAll(`data_dir: DIR/data
shutdown_timeout: 2s
metrics:
  listen: ""
delivery:
  backoff_initial: 50ms
  backoff_max: 100ms
  max_attempts: 1000
plugins:
  test:
    path: `+binary(t, "internal/testexporter")+`
    config:
      mode: retry
      fail_while_exists: DIR/down
      log_file: DIR/out.jsonl
`, "DIR", dir))
	require.NoError(t, err)
	var logs logBuffer
	h := &harness{t: t, dir: dir, cfg: cfg, log: logs.logger()}
	h.run()
	t.Cleanup(h.stop)

	h.publish(testrecords.Sleep("475", "2026-05-05"))
	var exp daemon.Report
	require.Eventually(t, func() bool {
		exp = h.d.Report().(daemon.Report)
		return len(exp.Exporters) == 1 && exp.Exporters[0].ConsecutiveFailures >= 5
	}, 20*time.Second, 20*time.Millisecond)
	assert.True(t, exp.Ready, "a destination that is down does not make the daemon unready")
	assert.NoError(t, h.d.Ready())
	e := exp.Exporters[0]
	assert.Equal(t, "test", e.Exporter)
	assert.True(t, e.Failing)
	assert.NotEmpty(t, e.LastError)
	assert.NotNil(t, e.FailingSince)
	assert.Equal(t, 1.0, gaugeValue(t, h, "polarbridge_exporter_failing"))
	log := logs.String()
	assert.Equal(t, 1, strings.Count(log, "exporter is failing"), "one WARN, not one per retry:\n%s", log)
	assert.Contains(t, log, "level=WARN msg=\"exporter is failing")

	require.NoError(t, os.Remove(down))
	h.waitIdle("test")
	assert.Equal(t, map[string]int{"sleep.475.2026-05-05": 1}, keysOf(readLog(t, filepath.Join(dir, "out.jsonl"))))
	e = h.d.Report().(daemon.Report).Exporters[0]
	assert.False(t, e.Failing)
	assert.NotNil(t, e.LastSuccess)
	assert.Equal(t, 0.0, gaugeValue(t, h, "polarbridge_exporter_failing"))
	assert.Contains(t, logs.String(), "exporter recovered")
}
