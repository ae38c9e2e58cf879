package pluginapi

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHCLogAdapterKeys: go-plugin's own "plugin" key (the binary) and
// the plugin's "timestamp" do not clash with the host's fields.
func TestHCLogAdapterKeys(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, nil)).With("plugin", "csv")
	a := newHCLogAdapter(l)
	a.Info("plugin process exited", "plugin", "bin/polarbridge-csv", "id", 42, "timestamp", "2026-01-01T00:00:00Z")
	line := buf.String()
	assert.Equal(t, 1, strings.Count(line, "plugin="), line)
	assert.Contains(t, line, "plugin=csv")
	assert.Contains(t, line, "path=bin/polarbridge-csv")
	assert.NotContains(t, line, "2026-01-01T00:00:00Z")
}
