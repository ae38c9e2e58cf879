package daemon_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func TestMain(m *testing.M) {
	// The test exporter declares its kinds from the environment, which
	// its processes inherit: every kind, so the Team Pro tests can share
	// it and run in parallel (t.Setenv cannot).
	os.Setenv("TESTEXPORTER_KINDS", "exercise,sleep,nightly_recharge,team_session,player_session")
	os.Exit(m.Run())
}

var bins struct {
	mu    sync.Mutex
	dir   string
	built map[string]string
}

// binary builds a plugin main package (once per test run) and returns
// the path of its binary. pkg is relative to the module root.
func binary(t testing.TB, pkg string) string {
	t.Helper()
	bins.mu.Lock()
	defer bins.mu.Unlock()
	if p, ok := bins.built[pkg]; ok {
		return p
	}
	if bins.dir == "" {
		dir, err := os.MkdirTemp("", "polarbridge-bins")
		require.NoError(t, err)
		bins.dir, bins.built = dir, map[string]string{}
	}
	p, err := pluginapi.BuildPlugin(filepath.Join("../..", pkg), bins.dir)
	require.NoError(t, err)
	bins.built[pkg] = p
	return p
}

// harness is a daemon started from a YAML config in a temp dir.
type harness struct {
	t      testing.TB
	dir    string
	cfg    *config.Config
	d      *daemon.Daemon
	cancel context.CancelFunc
	done   chan error
	// log, if set, is the daemon's logger (default testLogger).
	log *slog.Logger
}

func loadYAML(t testing.TB, dir, body string) (*config.Config, error) {
	t.Helper()
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	require.NoError(t, fs.Parse([]string{"--config", p}))
	return config.Load(fs)
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start runs a daemon with body (a config.yaml; %[1]s is the test dir).
func start(t testing.TB, dir, body string) *harness {
	t.Helper()
	cfg, err := loadYAML(t, dir, fmt.Sprintf(body, dir))
	require.NoError(t, err)
	d, err := daemon.Start(context.Background(), cfg, testLogger(t), "test")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, dir: dir, cfg: cfg, d: d, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- d.Run(ctx) }()
	t.Cleanup(h.stop)
	return h
}

// run starts a daemon from h.cfg.
func (h *harness) run(opts ...daemon.Option) {
	h.t.Helper()
	log := h.log
	if log == nil {
		log = testLogger(h.t)
	}
	d, err := daemon.Start(context.Background(), h.cfg, log, "test", opts...)
	require.NoError(h.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h.d, h.cancel, h.done = d, cancel, make(chan error, 1)
	go func() { h.done <- d.Run(ctx) }()
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		assert.NoError(h.t, err)
	case <-time.After(30 * time.Second):
		h.t.Error("daemon did not stop within 30s")
	}
	h.cancel = nil
}

func (h *harness) publish(recs ...*pluginapi.Record) {
	h.t.Helper()
	pub := records.NewPublisher(h.d.Bus)
	for _, r := range recs {
		_, err := pub.Publish(context.Background(), r)
		require.NoError(h.t, err)
	}
}

// waitIdle waits until the exporter's consumer has delivered and settled
// everything.
func (h *harness) waitIdle(exporter string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool {
		return h.d.Bus.Idle(context.Background(), bus.RecordsStream, delivery.ConsumerName(exporter))
	}, 3*time.Minute, 50*time.Millisecond)
}

type logLine struct {
	Key     string `json:"key"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Samples int    `json:"samples"`
	Count   int    `json:"count"`
	PID     int    `json:"pid"`
}

func readLog(t testing.TB, path string) []logLine {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var out []logLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l logLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		out = append(out, l)
	}
	return out
}

func keysOf(lines []logLine) map[string]int {
	m := map[string]int{}
	for _, l := range lines {
		m[l.Key]++
	}
	return m
}

func sampleRecords() []*pluginapi.Record {
	start := time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC)
	return []*pluginapi.Record{
		testrecords.Exercise("475", "a1", start, time.Hour),
		testrecords.Exercise("475", "a2", start.Add(24*time.Hour), 30*time.Minute),
		testrecords.Sleep("475", "2026-05-05"),
		testrecords.NightlyRecharge("475", "2026-05-05"),
	}
}

const baseConfig = `data_dir: %[1]s/data
shutdown_timeout: 2s
metrics:
  listen: ""
delivery:
  backoff_initial: 100ms
  backoff_max: 500ms
  max_attempts: 3
  ack_wait: 5s
`

func TestDeliversEveryRecordOnce(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, baseConfig+`plugins:
  test:
    path: `+binary(t, "internal/testexporter")+`
    config:
      log_file: %[1]s/out.jsonl
`)
	recs := sampleRecords()
	h.publish(recs...)
	// The same content again is not published again.
	h.publish(sampleRecords()...)
	h.waitIdle("test")

	lines := readLog(t, filepath.Join(dir, "out.jsonl"))
	assert.Equal(t, map[string]int{
		"exercise.475.a1": 1, "exercise.475.a2": 1, "sleep.475.2026-05-05": 1, "nightly_recharge.475.2026-05-05": 1,
	}, keysOf(lines))
	for _, l := range lines {
		if l.Key == "exercise.475.a1" {
			assert.Equal(t, 3600*7, l.Samples, "a 1 h exercise has 7 series of 3,600 samples")
		}
	}

	// A changed record is a new version and is delivered again.
	changed := testrecords.Sleep("475", "2026-05-05")
	changed.GetSleep().SleepScore = 90
	h.publish(changed)
	h.waitIdle("test")
	lines = readLog(t, filepath.Join(dir, "out.jsonl"))
	assert.Equal(t, 2, keysOf(lines)["sleep.475.2026-05-05"])
	assert.NotEqual(t, lines[len(lines)-1].Version, lines[2].Version)
}

func TestKindsFilter(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, baseConfig+`plugins:
  sleeponly:
    path: `+binary(t, "internal/testexporter")+`
    kinds: [sleep]
    config:
      log_file: %[1]s/out.jsonl
`)
	h.publish(sampleRecords()...)
	h.waitIdle("sleeponly")
	assert.Equal(t, map[string]int{"sleep.475.2026-05-05": 1}, keysOf(readLog(t, filepath.Join(dir, "out.jsonl"))))
}

func TestPluginCrashMidBatchLosesNothing(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, baseConfig+`plugins:
  test:
    path: `+binary(t, "internal/testexporter")+`
    config:
      log_file: %[1]s/out.jsonl
      crash_once_file: %[1]s/crashed
`)
	h.publish(sampleRecords()...)
	h.waitIdle("test")

	_, err := os.Stat(filepath.Join(dir, "crashed"))
	require.NoError(t, err, "the plugin must have crashed once")
	assert.Equal(t, map[string]int{
		"exercise.475.a1": 1, "exercise.475.a2": 1, "sleep.475.2026-05-05": 1, "nightly_recharge.475.2026-05-05": 1,
	}, keysOf(readLog(t, filepath.Join(dir, "out.jsonl"))))
	assert.Equal(t, 1.0, counterValue(t, h, "polarbridge_plugin_restarts_total", "test"))
}

func TestFailingExporterDeadLettersAndReplays(t *testing.T) {
	dir := t.TempDir()
	failFlag := filepath.Join(dir, "destination-down")
	require.NoError(t, os.WriteFile(failFlag, nil, 0o644))
	h := start(t, dir, baseConfig+`plugins:
  flaky:
    path: `+binary(t, "internal/testexporter")+`
    config:
      mode: retry
      fail_while_exists: %[1]s/destination-down
      log_file: %[1]s/out.jsonl
`)
	recs := sampleRecords()
	h.publish(recs...)
	h.waitIdle("flaky")

	q := dlq.New(h.d.Bus)
	entries, err := q.List(context.Background(), "flaky")
	require.NoError(t, err)
	require.Len(t, entries, len(recs))
	for _, e := range entries {
		assert.Equal(t, 3, e.Attempts)
		assert.Contains(t, e.Error, "gave up after 3 attempts: destination down (test)")
	}
	assert.Empty(t, readLog(t, filepath.Join(dir, "out.jsonl")))
	assert.Equal(t, float64(len(recs)), counterValue(t, h, "polarbridge_dead_letters_total", "flaky"))

	// The destination is back: replay delivers each record once.
	require.NoError(t, os.Remove(failFlag))
	n, err := q.Replay(context.Background(), "flaky", nil)
	require.NoError(t, err)
	assert.Equal(t, len(recs), n)
	h.waitIdle("flaky")
	assert.Equal(t, map[string]int{
		"exercise.475.a1": 1, "exercise.475.a2": 1, "sleep.475.2026-05-05": 1, "nightly_recharge.475.2026-05-05": 1,
	}, keysOf(readLog(t, filepath.Join(dir, "out.jsonl"))))
	entries, err = q.List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestPermanentFailureGoesStraightToDLQ(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, baseConfig+`plugins:
  picky:
    path: `+binary(t, "internal/testexporter")+`
    config:
      mode: permanent
`)
	h.publish(sampleRecords()[2])
	h.waitIdle("picky")
	entries, err := dlq.New(h.d.Bus).List(context.Background(), "picky")
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, 1, entries[0].Attempts)
	assert.Equal(t, "rejected sleep.475.2026-05-05 on purpose", entries[0].Error)
	assert.Equal(t, "sleep.475.2026-05-05", entries[0].Key)
}

func TestSlowExporterDoesNotDelayOthers(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, baseConfig+`plugins:
  fast:
    path: `+binary(t, "internal/testexporter")+`
    config:
      log_file: %[1]s/fast.jsonl
  stuck:
    path: `+binary(t, "internal/testexporter")+`
    config:
      delay: 1h
      log_file: %[1]s/stuck.jsonl
`)
	h.publish(sampleRecords()...)
	h.waitIdle("fast")
	assert.Len(t, readLog(t, filepath.Join(dir, "fast.jsonl")), 4)
	assert.Empty(t, readLog(t, filepath.Join(dir, "stuck.jsonl")))
}

func TestRestartKeepsProgress(t *testing.T) {
	dir := t.TempDir()
	cfg := baseConfig + `plugins:
  test:
    path: ` + binary(t, "internal/testexporter") + `
    config:
      log_file: %[1]s/out.jsonl
`
	h := start(t, dir, cfg)
	recs := sampleRecords()
	h.publish(recs[:2]...)
	h.waitIdle("test")
	h.stop()

	h = start(t, dir, cfg)
	h.publish(recs...) // the first two are known versions: not published again
	h.waitIdle("test")
	assert.Equal(t, map[string]int{
		"exercise.475.a1": 1, "exercise.475.a2": 1, "sleep.475.2026-05-05": 1, "nightly_recharge.475.2026-05-05": 1,
	}, keysOf(readLog(t, filepath.Join(dir, "out.jsonl"))))
}

func TestBadPluginConfigStopsStart(t *testing.T) {
	dir := t.TempDir()
	cfg, err := loadYAML(t, dir, fmt.Sprintf(baseConfig+`plugins:
  test:
    path: `+binary(t, "internal/testexporter")+`
    config:
      mode: sometimes
`, dir))
	require.NoError(t, err)
	_, err = daemon.Start(context.Background(), cfg, testLogger(t), "test")
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `plugins.test.config`)
	assert.Contains(t, err.Error(), `key "mode": "sometimes" is not one of ok, retry, permanent`)

	// The failed start left nothing running: a new daemon can use the dir.
	cfg, err = loadYAML(t, dir, fmt.Sprintf(baseConfig, dir))
	require.NoError(t, err)
	d, err := daemon.Start(context.Background(), cfg, testLogger(t), "test")
	require.NoError(t, err)
	d.Close()
}

func TestSecondDaemonOnSameDataDirRefused(t *testing.T) {
	dir := t.TempDir()
	start(t, dir, baseConfig)
	cfg, err := loadYAML(t, dir, fmt.Sprintf(baseConfig, dir))
	require.NoError(t, err)
	_, err = daemon.Start(context.Background(), cfg, testLogger(t), "test")
	require.ErrorIs(t, err, bus.ErrRunning)
}

func TestCLIAttachesToRunningDaemon(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, baseConfig+`plugins:
  picky:
    path: `+binary(t, "internal/testexporter")+`
    config:
      mode: permanent
`)
	h.publish(sampleRecords()[3])
	h.waitIdle("picky")
	b, err := bus.Attach(context.Background(), daemon.BusOptions(h.cfg))
	require.NoError(t, err)
	defer b.Close()
	entries, err := dlq.New(b).List(context.Background(), "")
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "nightly_recharge.475.2026-05-05", entries[0].Key)
}

func counterValue(t testing.TB, h *harness, name, label string) float64 {
	t.Helper()
	mfs, err := h.d.Metrics.Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func TestDeferredRetriesDoNotExhaustAttempts(t *testing.T) {
	dir := t.TempDir()
	limited := filepath.Join(dir, "rate-limited")
	require.NoError(t, os.WriteFile(limited, nil, 0o644))
	h := start(t, dir, baseConfig+`plugins:
  limited:
    path: `+binary(t, "internal/testexporter")+`
    config:
      mode: retry
      retry_after_ms: 20
      fail_while_exists: %[1]s/rate-limited
      log_file: %[1]s/out.jsonl
`)
	h.publish(sampleRecords()[2])
	// Well past max_attempts (3) deferrals: the record keeps waiting.
	require.Eventually(t, func() bool {
		return counterValue(t, h, "polarbridge_records_retried_total", "limited") >= 8
	}, 30*time.Second, 20*time.Millisecond)
	entries, err := dlq.New(h.d.Bus).List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, entries, "deferrals (rate limits) do not use up attempts")

	require.NoError(t, os.Remove(limited))
	require.Eventually(t, func() bool { return len(readLog(t, filepath.Join(dir, "out.jsonl"))) == 1 }, 30*time.Second, 20*time.Millisecond)
}

func TestObjectGCKeepsWhatDeadLettersNeed(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, baseConfig+`plugins:
  picky:
    path: `+binary(t, "internal/testexporter")+`
    config:
      mode: permanent
`)
	// A 10 h exercise: its body goes to the object store, with a file.
	pub := records.NewPublisher(h.d.Bus)
	kept := testrecords.Exercise("475", "kept", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Hour)
	f, err := pub.PutFile(context.Background(), pluginapi.FileFormat_FILE_FORMAT_FIT, []byte("a FIT file"), true)
	require.NoError(t, err)
	kept.GetExercise().Files = []*pluginapi.File{f}
	h.publish(kept)
	h.waitIdle("picky") // dead-lettered
	// An unreferenced object, as a record that left its stream leaves.
	orphan, err := pub.PutFile(context.Background(), pluginapi.FileFormat_FILE_FORMAT_FIT, []byte("orphaned"), true)
	require.NoError(t, err)

	n, err := h.d.CollectGarbage(context.Background(), 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the orphan")
	_, err = h.d.Bus.Files.GetInfo(context.Background(), orphan.GetObject())
	assert.Error(t, err)
	_, err = h.d.Bus.Files.GetInfo(context.Background(), f.GetObject())
	assert.NoError(t, err, "the dead letter's file stays")

	// The dead letter still replays whole after the clean-up.
	entries, err := dlq.New(h.d.Bus).List(context.Background(), "picky")
	require.NoError(t, err)
	require.Len(t, entries, 1)
	raw, err := h.d.Bus.JS.Stream(context.Background(), bus.DLQStream)
	require.NoError(t, err)
	msg, err := raw.GetMsg(context.Background(), entries[0].ID)
	require.NoError(t, err)
	rec, err := records.NewReader(h.d.Bus).Decode(context.Background(), msg.Header, msg.Data)
	require.NoError(t, err)
	assert.Len(t, rec.GetExercise().GetSamples()[0].GetValues(), 36000)
}
