package csvexport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// A second exporter on a directory in use is refused, with a message
// that says by whom and what to do, and leaves the directory alone; once
// the first is closed, the directory is free.
func TestConfigureRefusesLockedDir(t *testing.T) {
	dir := t.TempDir()
	first := newConfigured(t, dir, false)
	// A write of first's in progress, which a second exporter's clean-up
	// of stale temporary files must not touch.
	inProgress := filepath.Join(dir, ".exercises.csv.tmp-1")
	require.NoError(t, os.WriteFile(inProgress, []byte("half"), 0o644))

	second := New("")
	err := configure(second, configJSON(t, map[string]any{"dir": dir}))
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	for _, want := range []string{
		`key "dir": ` + dir + " is in use by another polarbridge CSV exporter",
		fmt.Sprintf("(process %d)", os.Getpid()),
		"orphaned plugin process", "a second daemon",
		"stop that process, or give each instance a directory of its own",
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.FileExists(t, inProgress)
	_, err = second.Export(context.Background(), &pluginapi.ExportRequest{})
	assert.ErrorIs(t, err, errNotConfigured)

	require.NoError(t, first.Close())
	require.NoError(t, configure(second, configJSON(t, map[string]any{"dir": dir})))
	t.Cleanup(func() { second.Close() })
	requireAllOK(t, export(t, second, newSleep("2024-05-01", "v1", sleepStart)))
}

// Configure again keeps the lock on the same directory and moves it to
// a new one; Close ends Export.
func TestConfigureAgainMovesLock(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	e := newConfigured(t, a, false)
	require.NoError(t, configure(e, configJSON(t, map[string]any{"dir": a})), "the same directory again")
	require.NoError(t, configure(e, configJSON(t, map[string]any{"dir": b})))
	newConfigured(t, a, false) // a is free again

	other := New("")
	require.ErrorIs(t, configure(other, configJSON(t, map[string]any{"dir": b})), pluginapi.ErrInvalidConfig)

	require.NoError(t, e.Close())
	_, err := e.Export(context.Background(), &pluginapi.ExportRequest{})
	assert.ErrorIs(t, err, errNotConfigured)
	require.NoError(t, e.Close(), "a second Close")
}
