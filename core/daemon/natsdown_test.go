package daemon_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/internal/testrecords"
)

// runNATS runs a JetStream-enabled nats-server on addr until the test
// ends (or stop is called).
func runNATS(t testing.TB, addr, storeDir string) (stop func()) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	ns, err := server.NewServer(&server.Options{Host: host, Port: p, JetStream: true, StoreDir: storeDir, NoSigs: true, NoLog: true})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second), "nats-server did not start")
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	}
	t.Cleanup(stop)
	return stop
}

func readyz(t testing.TB, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// With nats.url set and the server not up yet (a normal boot order), the
// daemon starts, says on /readyz what it waits for, retries, and begins
// work when NATS appears (#12 defect 6).
func TestStartsBeforeNATS(t *testing.T) {
	dir := t.TempDir()
	natsAddr, err := freePort()
	require.NoError(t, err)
	metricsAddr, err := freePort()
	require.NoError(t, err)
	cfg, err := loadYAML(t, dir, fmt.Sprintf(`data_dir: %[1]s/data
shutdown_timeout: 2s
nats:
  url: nats://%[2]s
metrics:
  listen: %[3]s
delivery:
  backoff_initial: 100ms
  backoff_max: 500ms
  max_attempts: 3
plugins:
  test:
    path: %[4]s
    config:
      log_file: %[1]s/out.jsonl
`, dir, natsAddr, metricsAddr, binary(t, "internal/testexporter")))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *daemon.Daemon, 1)
	go func() {
		d, err := daemon.Start(ctx, cfg, testLogger(t), "test")
		assert.NoError(t, err)
		started <- d
	}()
	var status int
	var body string
	require.Eventually(t, func() bool {
		status, body = readyz(t, metricsAddr)
		return status == http.StatusServiceUnavailable && strings.Contains(body, "waiting for NATS at nats://"+natsAddr)
	}, 10*time.Second, 20*time.Millisecond, "the health listener says what the daemon waits for")
	select {
	case <-started:
		t.Fatal("Start returned while NATS was down")
	case <-time.After(500 * time.Millisecond):
	}

	runNATS(t, natsAddr, filepath.Join(dir, "nats"))
	var d *daemon.Daemon
	select {
	case d = <-started:
	case <-time.After(60 * time.Second):
		t.Fatal("the daemon did not start once NATS was up")
	}
	require.NotNil(t, d)
	h := &harness{t: t, dir: dir, cfg: cfg, d: d, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- d.Run(ctx) }()
	t.Cleanup(h.stop)

	h.publish(testrecords.Sleep("475", "2026-05-05"))
	h.waitIdle("test")
	assert.Equal(t, map[string]int{"sleep.475.2026-05-05": 1}, keysOf(readLog(t, filepath.Join(dir, "out.jsonl"))))
	status, body = readyz(t, metricsAddr)
	assert.Equal(t, http.StatusOK, status, body)
}

// NATS goes away while the daemon runs: /readyz says so, and when the
// server is back the daemon carries on by itself.
func TestNATSRestartWhileRunning(t *testing.T) {
	dir := t.TempDir()
	natsAddr, err := freePort()
	require.NoError(t, err)
	stop := runNATS(t, natsAddr, filepath.Join(dir, "nats"))
	h := start(t, dir, `data_dir: %[1]s/data
shutdown_timeout: 2s
nats:
  url: nats://`+natsAddr+`
delivery:
  backoff_initial: 100ms
  backoff_max: 500ms
  max_attempts: 3
plugins:
  test:
    path: `+binary(t, "internal/testexporter")+`
    config:
      log_file: %[1]s/out.jsonl
`)
	h.publish(testrecords.Sleep("475", "2026-05-05"))
	h.waitIdle("test")
	require.NoError(t, h.d.Ready())

	stop()
	require.Eventually(t, func() bool { return h.d.Ready() != nil }, 10*time.Second, 20*time.Millisecond)
	assert.Contains(t, h.d.Ready().Error(), "not connected to NATS")

	runNATS(t, natsAddr, filepath.Join(dir, "nats"))
	require.Eventually(t, func() bool { return h.d.Ready() == nil }, 30*time.Second, 50*time.Millisecond)
	h.publish(testrecords.Sleep("475", "2026-05-06"))
	h.waitIdle("test")
	assert.Equal(t, map[string]int{"sleep.475.2026-05-05": 1, "sleep.475.2026-05-06": 1}, keysOf(readLog(t, filepath.Join(dir, "out.jsonl"))))
}

// The NATS URL's password never shows in /readyz or the log.
func TestNATSPasswordNotShown(t *testing.T) {
	dir := t.TempDir()
	natsAddr, err := freePort()
	require.NoError(t, err)
	metricsAddr, err := freePort()
	require.NoError(t, err)
	cfg, err := loadYAML(t, dir, fmt.Sprintf("data_dir: %s/data\nnats:\n  url: nats://bridge:s3cret@%s\nmetrics:\n  listen: %s\n", dir, natsAddr, metricsAddr))
	require.NoError(t, err)
	var logs logBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := daemon.Start(ctx, cfg, logs.logger(), "test")
		done <- err
	}()
	var body string
	require.Eventually(t, func() bool {
		_, body = readyz(t, metricsAddr)
		return strings.Contains(body, "waiting for NATS at nats://"+natsAddr)
	}, 10*time.Second, 20*time.Millisecond)
	cancel()
	err = <-done
	require.Error(t, err)
	for _, s := range []string{body, logs.String(), err.Error()} {
		assert.NotContains(t, s, "s3cret")
	}
}
