package daemon_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/pluginhost"
)

// TestReloadKeepsUnchangedPlugins: a reload restarts the daemon on the new
// config; the plugin it runs the same way keeps its process (and uses the
// new daemon's KV), the one whose config block changed is restarted, the
// one removed is stopped (#16).
func TestReloadKeepsUnchangedPlugins(t *testing.T) {
	dir := t.TempDir()
	bin := binary(t, "internal/testexporter")
	plugins := func(changedLog string) string {
		return `plugins:
  same:
    path: ` + bin + `
    config:
      log_file: %[1]s/same.jsonl
  changed:
    path: ` + bin + `
    config:
      log_file: %[1]s/` + changedLog + `
  removed:
    path: ` + bin + `
`
	}
	h := start(t, dir, baseConfig+plugins("changed-1.jsonl"))
	recs := sampleRecords()
	h.publish(recs[0])
	h.waitIdle("same")
	h.waitIdle("changed")
	require.Len(t, h.d.Plugins, 3)

	body := baseConfig + plugins("changed-2.jsonl")
	next, err := loadYAML(t, dir, fmt.Sprintf(body[:strings.Index(body, "  removed:")], dir))
	require.NoError(t, err)
	h.d.Reload(next)
	old := h.d
	h.stop()
	kept := old.Kept()
	require.Len(t, kept, 1, "only the unchanged plugin is kept")
	require.Contains(t, kept, "same")

	h.cfg = next
	h.run(daemon.WithRunningPlugins(kept))
	assert.Same(t, kept["same"], pluginNamed(h.d, "same"), "the kept instance is used as it is")
	assert.Nil(t, pluginNamed(h.d, "removed"))
	h.publish(recs[1])
	h.waitIdle("same")
	h.waitIdle("changed")

	same := readLog(t, filepath.Join(dir, "same.jsonl"))
	require.Len(t, same, 2)
	assert.Equal(t, same[0].PID, same[1].PID, "the unchanged plugin kept its process")
	assert.Equal(t, 1, same[1].Count, "and reached the new daemon's KV")
	c1, c2 := readLog(t, filepath.Join(dir, "changed-1.jsonl")), readLog(t, filepath.Join(dir, "changed-2.jsonl"))
	require.Len(t, c1, 1)
	require.Len(t, c2, 1)
	assert.NotEqual(t, c1[0].PID, c2[0].PID, "the changed plugin was restarted")
	assert.Equal(t, recs[1].GetKey(), c2[0].Key)
}

func pluginNamed(d *daemon.Daemon, name string) *pluginhost.Instance {
	for _, in := range d.Plugins {
		if in.Name() == name {
			return in
		}
	}
	return nil
}
