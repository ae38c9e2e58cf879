package bus

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// setupAttempt bounds the first attempt to create a stream, bucket or
// consumer; each retry gets twice as long, up to 8 times.
const setupAttempt = 2 * time.Second

// Setup runs create, an idempotent CreateOrUpdate call, retrying it when
// it times out. On a NATS cluster two daemons that create the same
// stream at the same moment both wait in vain for an answer (the stream
// exists afterwards), so a daemon starting alongside another tries
// again, after a random pause, instead of failing its start.
func Setup[T any](ctx context.Context, create func(context.Context) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, setupAttempt<<min(attempt, 3))
		v, err := create(actx)
		cancel()
		timedOut := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
		if err == nil || !timedOut || attempt == 5 || ctx.Err() != nil {
			return v, err
		}
		pause := time.Duration(100+rand.IntN(400)) * time.Millisecond << min(attempt, 3)
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(pause):
		}
	}
}

// EnsureStream creates or updates a stream (see Setup).
func (b *Bus) EnsureStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return Setup(ctx, func(ctx context.Context) (jetstream.Stream, error) { return b.JS.CreateOrUpdateStream(ctx, cfg) })
}

// EnsureKV creates or updates a key-value bucket (see Setup).
func (b *Bus) EnsureKV(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return Setup(ctx, func(ctx context.Context) (jetstream.KeyValue, error) { return b.JS.CreateOrUpdateKeyValue(ctx, cfg) })
}

// EnsureObjectStore creates or updates an object store (see Setup).
func (b *Bus) EnsureObjectStore(ctx context.Context, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	return Setup(ctx, func(ctx context.Context) (jetstream.ObjectStore, error) {
		return b.JS.CreateOrUpdateObjectStore(ctx, cfg)
	})
}

// EnsureConsumer creates or updates a durable consumer (see Setup).
func (b *Bus) EnsureConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return Setup(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
		return b.JS.CreateOrUpdateConsumer(ctx, stream, cfg)
	})
}
