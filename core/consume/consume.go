// Package consume is how the daemon works through a JetStream consumer:
// the fetch loop, attempts counted from deliveries, the retry policy,
// keep-alive of messages in progress, and dead letters with their reason
// and attempts. The event pipeline (ingest) and the record pipeline
// (delivery) keep only their decisions: what a message means and what
// became of it.
package consume

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/backoff"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/dlq"
)

// Policy is the retry policy: how many attempts a message gets and how
// long to wait between them, and how long its handler may hold it. It is
// the configuration's `delivery` block.
type Policy struct {
	BatchSize int `koanf:"batch_size"`
	// BatchBytes bounds a batch of records (delivery) in bytes too: 50 records of 10 h
	// exercises are 175 MB, held decoded and encoded at once. A record
	// larger than the budget goes alone. 0 means DefaultBatchBytes.
	BatchBytes     int           `koanf:"batch_bytes"`
	MaxAttempts    int           `koanf:"max_attempts"`
	BackoffInitial time.Duration `koanf:"backoff_initial"`
	BackoffMax     time.Duration `koanf:"backoff_max"`
	// AckWait is how long a batch may be in an exporter's hands before
	// it is redelivered; the daemon extends it while an export runs.
	AckWait time.Duration `koanf:"ack_wait"`
	// ExportTimeout bounds one Export call, so a hung plugin cannot
	// hold its records forever (they are retried).
	ExportTimeout time.Duration `koanf:"export_timeout"`
}

// DefaultBatchBytes is the batch byte budget when the policy sets none:
// a 10 h exercise (~3 MB) per call. 8 MiB took a plugin's peak RSS to
// ~100 MiB on a backlog of long exercises, 4 MiB to ~62 MiB, at the
// same speed (BenchmarkBacklog).
const DefaultBatchBytes = 4 << 20

// Backoff is the delay before attempt n+1 after n failed attempts.
func (p Policy) Backoff(n int) time.Duration {
	return backoff.Exponential(p.BackoffInitial, p.BackoffMax, n)
}

// Attempts is how often m has been delivered, this delivery included.
func Attempts(m jetstream.Msg) int {
	if md, err := m.Metadata(); err == nil {
		return int(md.NumDelivered)
	}
	return 1
}

// Run fetches up to batch messages at a time until ctx ends and hands
// each fetch (possibly empty) to handle. handle runs on a context that is
// not cancelled, so work in progress at shutdown finishes instead of
// turning into redeliveries.
func Run(ctx context.Context, cons jetstream.Consumer, batch int, log *slog.Logger, handle func(context.Context, []jetstream.Msg)) {
	for ctx.Err() == nil {
		msgs, err := bus.FetchBatch(cons, batch, time.Second)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("fetch from the consumer", "err", err)
				_ = backoff.Sleep(ctx, time.Second)
			}
			continue
		}
		handle(context.WithoutCancel(ctx), msgs)
	}
}

// KeepAlive tells JetStream that msgs are still being worked on, every
// every, until stop is called: a long call (Polar's rate limit, Strava
// processing an upload) must not get them redelivered meanwhile.
func KeepAlive(msgs []jetstream.Msg, every time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(max(every, 100*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				for _, m := range msgs {
					_ = m.InProgress()
				}
			}
		}
	}()
	return func() { close(done) }
}

// DeadLetters moves the messages of one consumer that cannot succeed to
// the dead-letter queue, under the consumer's name (what `dlq replay
// --exporter` takes).
type DeadLetters struct {
	Queue *dlq.Queue
	Name  string
	// Retry is how long a message waits when the queue cannot take it.
	Retry time.Duration
	Log   *slog.Logger
}

// Put dead-letters m with its reason and attempts and acknowledges it;
// attrs describe it in the log. When the queue cannot take it, m is kept
// and comes back after d.Retry: nothing is lost. It reports whether m was
// dead-lettered.
func (d DeadLetters) Put(ctx context.Context, m jetstream.Msg, reason string, attempts int, attrs ...any) bool {
	if err := d.Queue.Put(ctx, d.Name, m.Subject(), m.Headers(), m.Data(), reason, attempts); err != nil {
		d.Log.Error("could not dead-letter; will retry", append(attrs, "err", err)...)
		_ = m.NakWithDelay(d.Retry)
		return false
	}
	d.Log.Error("moved to the dead-letter queue", append(attrs, "attempts", attempts, "reason", reason)...)
	if err := m.Ack(); err != nil {
		d.Log.Warn("ack a dead-lettered message", append(attrs, "err", err)...)
	}
	return true
}
