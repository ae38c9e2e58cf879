package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/consume"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/core/source"
	"github.com/polarbridge/polarbridge/internal/testbus"
)

// fakeSource answers events from a script: body → the errors of its
// successive attempts (nil once the script is used up).
type fakeSource struct {
	name   string
	events []string
	mu     sync.Mutex
	script map[string][]error
	calls  map[string]int
	order  []string
	// hold, if set, is waited on by the events of account "slow".
	hold chan struct{}
}

// Account is the body's text before a "/", so tests choose the lanes.
func (f *fakeSource) Account(_ string, body []byte) string {
	account, _, _ := strings.Cut(string(body), "/")
	return account
}

func (f *fakeSource) Name() string     { return f.name }
func (f *fakeSource) Events() []string { return f.events }
func (f *fakeSource) Poll(context.Context, source.Scope) (seen.Progress, error) {
	return seen.Progress{}, nil
}

func (f *fakeSource) Handle(ctx context.Context, event string, body []byte) error {
	if f.hold != nil && f.Account(event, body) == "slow" {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	f.order = append(f.order, string(body))
	defer f.mu.Unlock()
	key := event + " " + string(body)
	f.calls[key]++
	if s := f.script[key]; len(s) > 0 {
		err := s[0]
		f.script[key] = s[1:]
		return err
	}
	return nil
}

func (f *fakeSource) handled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.order)
}

func (f *fakeSource) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

type deferred struct{ wait time.Duration }

func (d deferred) Error() string             { return "rate limited" }
func (d deferred) RetryAfter() time.Duration { return d.wait }

func run(t *testing.T, sources ...source.Source) (*bus.Bus, func() map[string]int) {
	t.Helper()
	return runWith(t, ingest.Options{}, sources...)
}

// runWith runs a worker for the sources; the function it returns tells
// the outcomes so far.
func runWith(t *testing.T, opts ingest.Options, sources ...source.Source) (*bus.Bus, func() map[string]int) {
	t.Helper()
	b := testbus.Open(t)
	var mu sync.Mutex
	outcomes := map[string]int{}
	opts.Policy = consume.Policy{MaxAttempts: 3, BackoffInitial: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond}
	opts.OnEvent = func(o ingest.Outcome) {
		outcome := o.Outcome
		mu.Lock()
		outcomes[outcome]++
		mu.Unlock()
	}
	w, err := ingest.New(b, sources, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); assert.NoError(t, w.Run(ctx)) }()
	t.Cleanup(func() { cancel(); <-done })
	return b, func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(outcomes)
	}
}

func publish(t *testing.T, b *bus.Bus, event, body string) {
	t.Helper()
	_, err := b.JS.Publish(context.Background(), b.EventSubject(event), []byte(body))
	require.NoError(t, err)
}

func settle(t *testing.T, b *bus.Bus) {
	t.Helper()
	require.Eventually(t, func() bool { return b.Idle(context.Background(), bus.EventsStream, ingest.Name) },
		20*time.Second, 10*time.Millisecond)
}

func TestEventsRouteToTheirSource(t *testing.T) {
	a := &fakeSource{name: "a", events: []string{"EXERCISE"}, calls: map[string]int{}}
	tp := &fakeSource{name: "teampro", events: []string{"TEAMPRO_SESSION"}, calls: map[string]int{}}
	b, outcomes := run(t, a, tp)
	publish(t, b, "EXERCISE", "1")
	publish(t, b, "TEAMPRO_SESSION", "2")
	publish(t, b, "SOMETHING_NEW", "3")
	settle(t, b)
	assert.Equal(t, 1, a.count("EXERCISE 1"))
	assert.Equal(t, 1, tp.count("TEAMPRO_SESSION 2"))
	assert.Zero(t, a.count("SOMETHING_NEW 3")+tp.count("SOMETHING_NEW 3"))
	assert.Equal(t, 2, outcomes()["ok"])
	assert.Equal(t, 1, outcomes()["ignored"], "an event no source handles is acknowledged, not retried")
}

func TestRetriesDeferralsAndDeadLetters(t *testing.T) {
	src := &fakeSource{name: "a", events: []string{"E"}, calls: map[string]int{}, script: map[string][]error{
		"E retried":   {errors.New("503"), errors.New("503")},
		"E deferred":  {deferred{50 * time.Millisecond}, deferred{50 * time.Millisecond}},
		"E permanent": {source.Permanent(errors.New("unknown user"))},
		"E hopeless":  {errors.New("down"), errors.New("down"), errors.New("down")},
		"E ignored":   {fmt.Errorf("CONTINUOUS_HEART_RATE: %w", source.ErrIgnored)},
	}}
	b, outcomes := run(t, src)
	for _, body := range []string{"retried", "deferred", "permanent", "hopeless", "ignored"} {
		publish(t, b, "E", body)
	}
	settle(t, b)
	assert.Equal(t, 3, src.count("E retried"), "two failures, then done")
	assert.Equal(t, 3, src.count("E deferred"))
	assert.Equal(t, 1, src.count("E permanent"), "a permanent error is not retried")
	assert.Equal(t, 3, src.count("E hopeless"), "max_attempts")
	assert.Equal(t, 1, outcomes()["ignored"])

	entries, err := dlq.New(b).List(context.Background(), ingest.Name)
	require.NoError(t, err)
	reasons := map[string]int{}
	for _, e := range entries {
		reasons[e.Error] = e.Attempts
	}
	assert.Equal(t, map[string]int{"unknown user": 1, "gave up after 3 attempts: down": 3}, reasons)
}

func TestAnEventTypeHasOneSource(t *testing.T) {
	b := testbus.Open(t)
	_, err := ingest.New(b, []source.Source{
		&fakeSource{name: "a", events: []string{"E"}}, &fakeSource{name: "b", events: []string{"E"}},
	}, ingest.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	assert.ErrorContains(t, err, "event E is claimed by the sources a and b")
}

// One account whose Polar calls hang holds up only its own events: the
// others' are handled meanwhile, and the slow account's come in order
// once it moves again.
func TestSlowAccountHoldsUpOnlyItself(t *testing.T) {
	src := &fakeSource{name: "a", events: []string{"E"}, calls: map[string]int{}, hold: make(chan struct{})}
	b, _ := runWith(t, ingest.Options{Concurrency: 2, Queued: 12}, src)
	var once sync.Once
	release := func() { once.Do(func() { close(src.hold) }) }
	t.Cleanup(release)  // before the worker stops, even when the test fails
	for i := range 10 { // most of the queue
		publish(t, b, "E", fmt.Sprintf("slow/%d", i))
	}
	for i := range 3 {
		publish(t, b, "E", fmt.Sprintf("fast/%d", i))
	}
	require.Eventually(t, func() bool { return len(src.handled()) == 3 }, 10*time.Second, 5*time.Millisecond,
		"the other account's events are handled while the slow one hangs")
	assert.Equal(t, []string{"fast/0", "fast/1", "fast/2"}, src.handled())

	release()
	settle(t, b)
	var slow []string
	for _, body := range src.handled() {
		if strings.HasPrefix(body, "slow/") {
			slow = append(slow, body)
		}
	}
	assert.ElementsMatch(t, []string{"slow/0", "slow/1", "slow/2", "slow/3", "slow/4", "slow/5", "slow/6", "slow/7", "slow/8", "slow/9"}, slow,
		"each once, nothing lost")
	assert.Equal(t, []string{"slow/0", "slow/1"}, slow[:2], "a lane keeps its account's order")
}

// Within an account events are handled in the order they came, while
// several accounts are served at once.
func TestOneAccountsEventsInOrder(t *testing.T) {
	src := &fakeSource{name: "a", events: []string{"E"}, calls: map[string]int{}}
	b, _ := runWith(t, ingest.Options{Concurrency: 3}, src)
	var want []string
	for i := range 20 {
		for _, acc := range []string{"x", "y", "z"} {
			publish(t, b, "E", fmt.Sprintf("%s/%02d", acc, i))
		}
		want = append(want, fmt.Sprintf("x/%02d", i))
	}
	settle(t, b)
	var got []string
	for _, body := range src.handled() {
		if strings.HasPrefix(body, "x/") {
			got = append(got, body)
		}
	}
	assert.Equal(t, want, got)
	assert.Len(t, src.handled(), 60)
}

// At shutdown the events taken off the stream but not started go back at
// once (not after the ack wait), and one cut short by the grace period
// too, costing no attempt: the next worker handles them all.
func TestShutdownGivesEventsBack(t *testing.T) {
	b := testbus.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	src := &fakeSource{name: "a", events: []string{"E"}, calls: map[string]int{}, hold: make(chan struct{})}
	w, err := ingest.New(b, []source.Source{src}, ingest.Options{Concurrency: 1, Grace: 100 * time.Millisecond,
		Policy: consume.Policy{MaxAttempts: 3, BackoffInitial: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond}}, log)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); assert.NoError(t, w.Run(ctx)) }()
	for i := range 5 {
		publish(t, b, "E", fmt.Sprintf("slow/%d", i))
	}
	require.Eventually(t, func() bool { return src.count("E slow/0") == 0 && consumerAckPending(t, b) == 5 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	<-done

	next := &fakeSource{name: "a", events: []string{"E"}, calls: map[string]int{}}
	w2, err := ingest.New(b, []source.Source{next}, ingest.Options{Policy: consume.Policy{MaxAttempts: 3, BackoffInitial: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond}}, log)
	require.NoError(t, err)
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan struct{})
	go func() { defer close(done2); assert.NoError(t, w2.Run(ctx2)) }()
	t.Cleanup(func() { close(src.hold); cancel2(); <-done2 })
	require.Eventually(t, func() bool { return len(next.handled()) == 5 }, 10*time.Second, 10*time.Millisecond,
		"given back at once, not after the ack wait")
}

func consumerAckPending(t *testing.T, b *bus.Bus) int {
	c, err := b.JS.Consumer(context.Background(), bus.EventsStream, ingest.Name)
	if err != nil {
		return -1
	}
	info, err := c.Info(context.Background())
	if err != nil {
		return -1
	}
	return info.NumAckPending
}
