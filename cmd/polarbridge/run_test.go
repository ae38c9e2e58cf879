package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testlog"
)

// TestSIGHUPReloads: SIGHUP with a broken config keeps the daemon
// running and says why; with a valid one the daemon restarts on it; the
// context ending stops it the normal way (#16).
func TestSIGHUPReloads(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	write := func(body string) { require.NoError(t, os.WriteFile(p, []byte(body), 0o600)) }
	base := "data_dir: " + filepath.Join(dir, "data") + "\nmetrics:\n  listen: \"\"\nshutdown_timeout: 2s\n"
	write(base)
	var logs testlog.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- cli(ctx, testNow, []string{"run", "--config", p}, nil, &logs, &logs) }()
	waitLog := func(s string, n int) {
		t.Helper()
		require.Eventually(t, func() bool { return strings.Count(logs.String(), s) >= n }, 30*time.Second, 20*time.Millisecond,
			"%q ×%d in:\n%s", s, n, logs.String())
	}
	waitLog("polarbridge running", 1)

	write(base + "delivery:\n  max_atempts: 3\n")
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	waitLog("the config is not valid; the daemon keeps running", 1)
	assert.Contains(t, logs.String(), "delivery.max_attempts")

	write(base + "log:\n  level: debug\n")
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	waitLog("restarting the daemon with it", 1)
	waitLog("polarbridge running", 2)

	// `polarbridge status` and `polarbridge reload` reach it over its
	// control connection.
	code, out, errOut := runCLI(t, "status", "--config", p)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, ": ready")
	assert.Contains(t, out, "No Polar accounts")
	code, out, errOut = runCLI(t, "reload", "--config", p)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "re-reads its config")
	waitLog("restarting the daemon with it", 2)
	waitLog("polarbridge running", 3)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon did not stop")
	}
	assert.Equal(t, 3, strings.Count(logs.String(), "shutting down"), "every daemon stopped the normal way")

	code, _, errOut = runCLI(t, "status", "--config", p)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no polarbridge daemon is running on this store (data_dir "+filepath.Join(dir, "data")+"): start it with `polarbridge run")
	code, _, errOut = runCLI(t, "reload", "--config", p)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no polarbridge daemon is running")
}
