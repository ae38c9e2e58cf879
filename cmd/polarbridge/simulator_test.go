package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/config"
)

// TestSimulatorWritesAWorkingConfig: `simulator --write-config` writes a
// config the daemon's loader accepts, pointing at the simulator, and does
// not overwrite a file (#16).
func TestSimulatorWritesAWorkingConfig(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", "polarbridge-csv"), []byte("#!/bin/sh\n"), 0o755))
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, writeSimulatorConfig(p, "127.0.0.1:7575", "sim-client", "sim-secret"))

	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	require.NoError(t, fs.Parse([]string{"--config", p}))
	cfg, err := config.Load(fs)
	require.NoError(t, err)
	assert.Equal(t, "sim-client", cfg.AccessLink.ClientID)
	assert.Equal(t, "http://127.0.0.1:7575", cfg.AccessLink.APIURL)
	assert.Equal(t, "http://127.0.0.1:7575/oauth2/token", cfg.AccessLink.TokenURL)
	assert.Contains(t, cfg.Plugins, "csv")
	assert.Equal(t, filepath.Join(dir, "data"), cfg.DataDir)

	err = writeSimulatorConfig(p, "127.0.0.1:7575", "other", "other")
	assert.ErrorContains(t, err, "exists")
	raw, _ := os.ReadFile(p)
	assert.Contains(t, string(raw), "sim-client", "left alone")
}
