package daemon_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWarnsWhenIdle: a daemon with no exporter and no Polar account says
// so at start, with what to do (#16).
func TestWarnsWhenIdle(t *testing.T) {
	dir := t.TempDir()
	cfg, err := loadYAML(t, dir, strings.ReplaceAll(baseConfig, "%[1]s", dir))
	require.NoError(t, err)
	var logs logBuffer
	h := &harness{t: t, dir: dir, cfg: cfg, log: logs.logger()}
	h.run()
	t.Cleanup(h.stop)
	require.Eventually(t, func() bool {
		s := logs.String()
		return strings.Contains(s, "no exporter plugins are configured") && strings.Contains(s, "polarbridge users add")
	}, 20*time.Second, 20*time.Millisecond, "log:\n%s", logs.String())
}
