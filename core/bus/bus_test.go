package bus_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
)

func options(dir string) bus.Options {
	return bus.Options{DataDir: dir, EventsSubject: "polarbridge.events", DuplicateWindow: time.Minute, RecordsMaxAge: time.Hour}
}

// One daemon per data_dir; the CLI reaches a running one's store.
func TestOneDaemonPerDataDirAndAttach(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := bus.Open(ctx, options(dir))
	require.NoError(t, err)
	defer b.Close()

	_, err = bus.Open(ctx, options(dir))
	assert.ErrorIs(t, err, bus.ErrRunning)

	cli, err := bus.Attach(ctx, options(dir))
	require.NoError(t, err)
	defer cli.Close()
	_, err = cli.JS.Publish(ctx, cli.EventSubject("PING"), []byte("{}"))
	require.NoError(t, err)
	s, err := b.JS.Stream(ctx, bus.EventsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), info.State.Msgs, "the CLI wrote into the daemon's store")

	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "the store is the owner's only")
}

// FetchBatch hands over a lone message at once and takes what else waits,
// up to n; Idle turns true only once everything is acknowledged.
func TestFetchBatchAndIdle(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, options(t.TempDir()))
	require.NoError(t, err)
	defer b.Close()
	cons, err := b.JS.CreateOrUpdateConsumer(ctx, bus.EventsStream, jetstream.ConsumerConfig{
		Durable: "test", AckPolicy: jetstream.AckExplicitPolicy,
	})
	require.NoError(t, err)
	assert.True(t, b.Idle(ctx, bus.EventsStream, "test"))
	assert.False(t, b.Idle(ctx, bus.EventsStream, "nobody"), "a consumer that does not exist is not idle")

	_, err = b.JS.Publish(ctx, b.EventSubject("A"), []byte("1"))
	require.NoError(t, err)
	start := time.Now()
	msgs, err := bus.FetchBatch(cons, 10, 30*time.Second)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Less(t, time.Since(start), 15*time.Second, "a lone message does not wait out the batch window")
	assert.False(t, b.Idle(ctx, bus.EventsStream, "test"), "delivered, not yet acknowledged")
	require.NoError(t, msgs[0].DoubleAck(ctx))
	assert.True(t, b.Idle(ctx, bus.EventsStream, "test"))

	for _, v := range []string{"2", "3", "4"} {
		_, err = b.JS.Publish(ctx, b.EventSubject("A"), []byte(v))
		require.NoError(t, err)
	}
	msgs, err = bus.FetchBatch(cons, 2, time.Second)
	require.NoError(t, err)
	assert.Len(t, msgs, 2, "no more than n")
	for _, m := range msgs {
		require.NoError(t, m.DoubleAck(ctx))
	}
	msgs, err = bus.FetchBatch(cons, 5, time.Second)
	require.NoError(t, err)
	assert.Len(t, msgs, 1, "what was left")
	require.NoError(t, msgs[0].DoubleAck(ctx))

	msgs, err = bus.FetchBatch(cons, 5, 100*time.Millisecond)
	require.NoError(t, err)
	assert.Empty(t, msgs, "nothing waiting: an empty batch after the wait")
}
