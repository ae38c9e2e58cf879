package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/metrics"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testbus"
	"github.com/polarbridge/polarbridge/internal/testlog"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// fakeExporter answers each record with the next scripted result for its
// key (OK once the script is used up) and remembers what it was given.
type fakeExporter struct {
	mu       sync.Mutex
	script   map[string][]*pluginapi.ExportResult
	failCall error // a whole-batch failure, once
	got      []string
	batches  [][]string // the keys of each call
}

func (f *fakeExporter) Name() string { return "fake" }
func (f *fakeExporter) Kinds() []pluginapi.RecordKind {
	return []pluginapi.RecordKind{pluginapi.RecordKind_RECORD_KIND_SLEEP}
}
func (f *fakeExporter) IncludeFiles() bool { return false }

func (f *fakeExporter) Export(_ context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failCall; err != nil {
		f.failCall = nil
		return nil, err
	}
	resp := &pluginapi.ExportResponse{}
	var batch []string
	for _, r := range req.GetRecords() {
		batch = append(batch, r.GetKey())
		f.got = append(f.got, r.GetKey()+"@"+r.GetVersion())
		res := pluginapi.OK()
		if s := f.script[r.GetKey()]; len(s) > 0 {
			res, f.script[r.GetKey()] = s[0], s[1:]
		}
		resp.Results = append(resp.Results, res)
	}
	f.batches = append(f.batches, batch)
	return resp, nil
}

func (f *fakeExporter) calls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.batches...)
}

func (f *fakeExporter) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

type env struct {
	b    *bus.Bus
	m    *metrics.Metrics
	logs *testlog.Buffer
}

func start(t *testing.T, exp *fakeExporter, maxAttempts int) *env {
	t.Helper()
	return startWith(t, exp, maxAttempts, nil, nil)
}

// startWith is start with the policy adjusted by adjust and with before
// run on the open bus before the dispatcher starts (both may be nil).
func startWith(t *testing.T, exp delivery.Exporter, maxAttempts int, adjust func(*delivery.Policy), before func(*env)) *env {
	t.Helper()
	b := testbus.Open(t)
	m := metrics.New()
	policy := delivery.Policy{BatchSize: 10, MaxAttempts: maxAttempts, BackoffInitial: 10 * time.Millisecond,
		BackoffMax: 50 * time.Millisecond, AckWait: 5 * time.Second, ExportTimeout: 5 * time.Second}
	if adjust != nil {
		adjust(&policy)
	}
	logs := &testlog.Buffer{}
	e := &env{b: b, m: m, logs: logs}
	if before != nil {
		before(e)
	}
	d, err := delivery.New(context.Background(), b, exp, policy, m, slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		assert.NoError(t, d.Run(ctx))
	}()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

func (e *env) publish(t *testing.T, recs ...*pluginapi.Record) {
	t.Helper()
	for _, r := range recs {
		_, err := records.NewPublisher(e.b).Publish(context.Background(), r)
		require.NoError(t, err)
	}
}

func (e *env) waitIdle(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		return e.b.Idle(context.Background(), bus.RecordsStream, delivery.ConsumerName("fake"))
	}, 20*time.Second, 10*time.Millisecond)
}

func (e *env) deadLetters(t *testing.T) []dlq.Entry {
	t.Helper()
	entries, err := dlq.New(e.b).List(context.Background(), "fake")
	require.NoError(t, err)
	return entries
}

func sleepRecord(date string) *pluginapi.Record { return testrecords.Sleep("475", date) }

func TestPerRecordResults(t *testing.T) {
	exp := &fakeExporter{script: map[string][]*pluginapi.ExportResult{
		"sleep.475.2026-12-02": {pluginapi.Retry("destination busy")},
		"sleep.475.2026-12-03": {pluginapi.Permanent("rejected: bad date")},
	}}
	e := start(t, exp, 3)
	e.publish(t, sleepRecord("2026-12-01"), sleepRecord("2026-12-02"), sleepRecord("2026-12-03"))
	e.waitIdle(t)

	count := map[string]int{}
	for _, g := range exp.received() {
		count[g[:len("sleep.475.2026-12-01")]]++
	}
	assert.Equal(t, map[string]int{"sleep.475.2026-12-01": 1, "sleep.475.2026-12-02": 2, "sleep.475.2026-12-03": 1}, count,
		"OK once; a retry delivers again; a permanent failure is not retried")
	entries := e.deadLetters(t)
	require.Len(t, entries, 1)
	assert.Equal(t, "sleep.475.2026-12-03", entries[0].Key)
	assert.Equal(t, "rejected: bad date", entries[0].Error)
	assert.Equal(t, 1, entries[0].Attempts)

	// One INFO line per exported batch with what it wrote, none per record.
	var exported int
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, "msg=exported") {
			assert.Contains(t, line, "level=INFO")
			assert.Regexp(t, `records=\d+ batch=\d+ duration=`, line)
			var n int
			_, err := fmt.Sscanf(line[strings.Index(line, "records="):], "records=%d", &n)
			require.NoError(t, err)
			exported += n
		}
	}
	assert.Equal(t, 2, exported, "the first record, and the second on its retry")
}

func TestAttemptsUsedUpGoToTheDeadLetterQueue(t *testing.T) {
	exp := &fakeExporter{script: map[string][]*pluginapi.ExportResult{
		"sleep.475.2026-12-01": {pluginapi.Retry("down"), pluginapi.Retry("down"), pluginapi.Retry("down")},
	}}
	e := start(t, exp, 3)
	e.publish(t, sleepRecord("2026-12-01"))
	e.waitIdle(t)
	assert.Len(t, exp.received(), 3)
	entries := e.deadLetters(t)
	require.Len(t, entries, 1)
	assert.Equal(t, 3, entries[0].Attempts)
	assert.Contains(t, entries[0].Error, "gave up after 3 attempts: down")
}

// A plugin that defers (a rate limit) does not use up attempts.
func TestDeferralsDoNotUseUpAttempts(t *testing.T) {
	later := func() *pluginapi.ExportResult { return pluginapi.RetryAfter(20, "rate limited") }
	exp := &fakeExporter{script: map[string][]*pluginapi.ExportResult{
		"sleep.475.2026-12-01": {later(), later(), later(), later()},
	}}
	e := start(t, exp, 2)
	e.publish(t, sleepRecord("2026-12-01"))
	e.waitIdle(t)
	assert.Len(t, exp.received(), 5, "four deferrals, then exported")
	assert.Empty(t, e.deadLetters(t))
}

// A batch whose Export call fails as a whole is retried record by record.
func TestFailedCallRetriesTheBatch(t *testing.T) {
	exp := &fakeExporter{failCall: errors.New("plugin crashed")}
	e := start(t, exp, 3)
	e.publish(t, sleepRecord("2026-12-01"), sleepRecord("2026-12-02"))
	e.waitIdle(t)
	assert.Len(t, exp.received(), 2, "each record delivered once after the failed call")
	assert.ElementsMatch(t, []string{"sleep.475.2026-12-01", "sleep.475.2026-12-02"}, keys(exp.received()))
	assert.Empty(t, e.deadLetters(t))
}

// A retried version overtaken by a newer one is not delivered again: it
// would overwrite newer data.
func TestSupersededVersionSkipped(t *testing.T) {
	v1 := sleepRecord("2026-12-01")
	v2 := sleepRecord("2026-12-01")
	v2.GetSleep().SleepScore = v1.GetSleep().GetSleepScore() + 1
	exp := &fakeExporter{script: map[string][]*pluginapi.ExportResult{
		"sleep.475.2026-12-01": {pluginapi.RetryAfter(300, "busy")},
	}}
	e := start(t, exp, 3)
	e.publish(t, v1)
	require.Eventually(t, func() bool { return len(exp.received()) == 1 }, 10*time.Second, 5*time.Millisecond)
	e.publish(t, v2)
	e.waitIdle(t)
	got := exp.received()
	require.Len(t, got, 2, "v1 once (deferred), v2 once; v1 never again")
	assert.NotEqual(t, got[0], got[1])
}

func keys(got []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range got {
		k := g[:len("sleep.475.2026-12-01")]
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
