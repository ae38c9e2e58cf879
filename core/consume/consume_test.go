package consume_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/consume"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/internal/testbus"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// setup publishes n events and returns a consumer of them whose messages
// are redelivered after ackWait.
func setup(t *testing.T, n int, ackWait time.Duration) (*bus.Bus, jetstream.Consumer) {
	t.Helper()
	b := testbus.Open(t)
	ctx := context.Background()
	for i := range n {
		_, err := b.JS.Publish(ctx, b.EventSubject("TEST"), []byte{byte('a' + i)})
		require.NoError(t, err)
	}
	cons, err := b.JS.CreateOrUpdateConsumer(ctx, bus.EventsStream, jetstream.ConsumerConfig{
		Durable: "test", AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait, MaxDeliver: -1,
	})
	require.NoError(t, err)
	return b, cons
}

// collect runs consume.Run until want messages were handled or the test's
// patience runs out, then stops it.
func collect(t *testing.T, cons jetstream.Consumer, batch int, want int, handle func(jetstream.Msg)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu   sync.Mutex
		seen int
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		consume.Run(ctx, cons, batch, quiet, func(_ context.Context, msgs []jetstream.Msg) {
			assert.LessOrEqual(t, len(msgs), batch)
			for _, m := range msgs {
				handle(m)
				mu.Lock()
				seen++
				mu.Unlock()
			}
		})
	}()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen >= want
	}, 20*time.Second, 10*time.Millisecond)
	cancel()
	<-done
}

func TestRunCountsAttempts(t *testing.T) {
	_, cons := setup(t, 2, 30*time.Second)
	attempts := map[string][]int{}
	collect(t, cons, 5, 3, func(m jetstream.Msg) {
		attempts[string(m.Data())] = append(attempts[string(m.Data())], consume.Attempts(m))
		if string(m.Data()) == "a" && consume.Attempts(m) == 1 {
			require.NoError(t, m.NakWithDelay(10*time.Millisecond))
			return
		}
		require.NoError(t, m.Ack())
	})
	assert.Equal(t, map[string][]int{"a": {1, 2}, "b": {1}}, attempts)
}

func TestKeepAliveHoldsOffRedelivery(t *testing.T) {
	b, cons := setup(t, 1, time.Second)
	deliveries := 0
	collect(t, cons, 1, 1, func(m jetstream.Msg) {
		deliveries++
		stop := consume.KeepAlive([]jetstream.Msg{m}, 200*time.Millisecond)
		time.Sleep(2500 * time.Millisecond) // well past the 1 s ack wait
		stop()
		require.NoError(t, m.DoubleAck(context.Background()))
	})
	assert.Equal(t, 1, deliveries)
	assert.True(t, b.Idle(context.Background(), bus.EventsStream, "test"), "acknowledged, never redelivered")
}

func TestDeadLettersKeepReasonAndAttempts(t *testing.T) {
	b, cons := setup(t, 1, 30*time.Second)
	dead := consume.DeadLetters{Queue: dlq.New(b), Name: "ingest", Retry: time.Second, Log: quiet}
	collect(t, cons, 1, 1, func(m jetstream.Msg) {
		assert.True(t, dead.Put(context.Background(), m, "cannot be parsed", 3, "event", "TEST"))
	})
	entries, err := dlq.New(b).List(context.Background(), "ingest")
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "cannot be parsed", entries[0].Error)
	assert.Equal(t, 3, entries[0].Attempts)
	require.Eventually(t, func() bool { return b.Idle(context.Background(), bus.EventsStream, "test") },
		5*time.Second, 10*time.Millisecond, "the dead-lettered message is acknowledged")
}

func TestPolicyBackoff(t *testing.T) {
	p := consume.Policy{BackoffInitial: time.Second, BackoffMax: 5 * time.Second}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second},
		[]time.Duration{p.Backoff(1), p.Backoff(2), p.Backoff(3), p.Backoff(4)})
}
