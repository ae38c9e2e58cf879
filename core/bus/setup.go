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

// EnsureObjectStore creates or updates an object store (see Setup). It
// sets up the bucket's stream itself, as the object store layout lays it
// out (ADR-20: the same stream nats.go's CreateOrUpdateObjectStore
// makes), with one difference: a per-subject limit no object reaches,
// for its effect on the embedded server's block size. The server sizes
// the blocks of a stream with such a limit at 4 MB, not 8, and keeps the
// block it is writing in memory: a backlog of 200 exercises peaked at
// 156-158 MiB with 8 MB blocks for both object stores and 130-132 MiB
// with 4 MB (docs/performance.md). A stream created by an earlier version gets the
// limit now and the smaller blocks from the server's next start.
func (b *Bus) EnsureObjectStore(ctx context.Context, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	if _, err := b.EnsureStream(ctx, objectStoreStream(cfg)); err != nil {
		return nil, err
	}
	return Setup(ctx, func(ctx context.Context) (jetstream.ObjectStore, error) {
		return b.JS.ObjectStore(ctx, cfg.Bucket)
	})
}

// objectStoreChunksPerObject is the per-subject limit of an object
// store's stream: the chunks of one object share a subject, and 2^40
// chunks of 128 KiB are far more than any object here (a FIT file is a
// few MB).
const objectStoreChunksPerObject = 1 << 40

// objectStoreStream is the stream that holds the object store cfg.
func objectStoreStream(cfg jetstream.ObjectStoreConfig) jetstream.StreamConfig {
	replicas, maxBytes := cfg.Replicas, cfg.MaxBytes
	if replicas == 0 {
		replicas = 1
	}
	if maxBytes == 0 {
		maxBytes = -1
	}
	compression := jetstream.NoCompression
	if cfg.Compression {
		compression = jetstream.S2Compression
	}
	return jetstream.StreamConfig{
		Name:              "OBJ_" + cfg.Bucket,
		Description:       cfg.Description,
		Subjects:          []string{"$O." + cfg.Bucket + ".C.>", "$O." + cfg.Bucket + ".M.>"},
		MaxAge:            cfg.TTL,
		MaxBytes:          maxBytes,
		MaxMsgsPerSubject: objectStoreChunksPerObject,
		Storage:           cfg.Storage,
		Replicas:          replicas,
		Placement:         cfg.Placement,
		Discard:           jetstream.DiscardNew,
		AllowRollup:       true,
		AllowDirect:       true,
		Metadata:          cfg.Metadata,
		Compression:       compression,
	}
}

// EnsureConsumer creates or updates a durable consumer (see Setup).
func (b *Bus) EnsureConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return Setup(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
		return b.JS.CreateOrUpdateConsumer(ctx, stream, cfg)
	})
}
