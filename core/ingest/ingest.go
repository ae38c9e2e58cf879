// Package ingest is the event pipeline: it takes Polar events off the
// events stream (pushes from the webhook receiver, events from the
// pollers) and routes each by its type to the source that handles it
// (package source). Retries with backoff, deferrals a source asks for (a
// rate limit) and dead letters, under the name "ingest", are the same for
// every source.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/consume"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/source"
)

// Name is the pipeline's consumer and dead-letter name.
const Name = "ingest"

// Options configure a Worker.
type Options struct {
	// Policy is the retry policy (its attempts and backoff).
	Policy consume.Policy
	// OnEvent, if set, is told the outcome of every event (for metrics
	// and status).
	OnEvent func(Outcome)
	// Concurrency is how many events are handled at once, each of a
	// different account (default 4).
	Concurrency int
	// Queued bounds the events taken off the stream and waiting for
	// their account's turn (default 256). Events are taken in stream
	// order: one account's backlog larger than that, while its calls
	// hang, holds up the events behind it until the calls time out.
	// (Giving them back to the stream instead would count as attempts.)
	Queued int
	// Grace is how long events being handled may finish at shutdown
	// before they are cancelled and given back to the stream for the next
	// start (default 1 s); keep it inside the daemon's shutdown_timeout.
	Grace time.Duration
}

func (o Options) grace() time.Duration {
	if o.Grace > 0 {
		return o.Grace
	}
	return time.Second
}

func (o Options) concurrency() int {
	if o.Concurrency > 0 {
		return o.Concurrency
	}
	return 4
}

func (o Options) queued() int {
	if o.Queued > 0 {
		return o.Queued
	}
	return 256
}

// ackWait is how long an event may be worked on, or wait in its lane,
// without a sign of life; the worker extends it every third of that. It
// is short because it is also how long events taken off the stream come
// back after a crash, or after a restart of the embedded server (which
// forgets that they were given back at shutdown).
const ackWait = 15 * time.Second

// Worker processes events.
type Worker struct {
	b       *bus.Bus
	sources map[string]source.Source // by event type
	dead    consume.DeadLetters
	opts    Options
	log     *slog.Logger
	cons    jetstream.Consumer
}

// New returns a Worker for the sources; an event type two sources claim
// is an error.
func New(b *bus.Bus, sources []source.Source, opts Options, log *slog.Logger) (*Worker, error) {
	w := &Worker{
		b: b, sources: map[string]source.Source{}, opts: opts, log: log,
		dead: consume.DeadLetters{Queue: dlq.New(b), Name: Name, Retry: opts.Policy.BackoffMax, Log: log},
	}
	for _, src := range sources {
		for _, ev := range src.Events() {
			if other, ok := w.sources[ev]; ok {
				return nil, fmt.Errorf("event %s is claimed by the sources %s and %s", ev, other.Name(), src.Name())
			}
			w.sources[ev] = src
		}
	}
	return w, nil
}

// Prepare creates (or updates) the worker's durable consumer. Several
// daemons on one NATS share it, and so the events.
func (w *Worker) Prepare(ctx context.Context) error {
	cons, err := w.b.EnsureConsumer(ctx, bus.EventsStream, jetstream.ConsumerConfig{
		Durable:       Name,
		Description:   "Polar events to fetch and normalize",
		FilterSubject: w.b.EventsSubjectPrefix() + ".>",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("events consumer: %w", err)
	}
	w.cons = cons
	return nil
}

// Run processes events until ctx ends; Prepare must have been called.
func (w *Worker) Run(ctx context.Context) error {
	if w.cons == nil {
		if err := w.Prepare(ctx); err != nil {
			return err
		}
	}
	newLanes(w, w.opts.concurrency(), w.opts.queued()).run(ctx, w.opts.grace())
	return nil
}

// Outcome is what became of one event.
type Outcome struct {
	Event string
	// Source and Account name whose event it was ("" if no source
	// takes it).
	Source, Account string
	// Outcome is "ok", "ignored", "retry" or "dead_letter".
	Outcome string
	// Err is why it was retried or dead-lettered.
	Err error
}

func (w *Worker) handle(ctx context.Context, m jetstream.Msg) {
	attempts := consume.Attempts(m)
	event := strings.TrimPrefix(m.Subject(), w.b.EventsSubjectPrefix()+".")
	src, ok := w.sources[event]
	if !ok {
		w.log.Debug("no source handles this event; ignored", "event", event)
		_ = m.Ack()
		w.outcome(Outcome{Event: event, Outcome: "ignored"})
		return
	}
	err := src.Handle(ctx, event, m.Data())
	if err != nil && ctx.Err() != nil {
		// Cut short by the shutdown: the next start (or another daemon)
		// takes it at once, and it costs no attempt.
		_ = m.Nak()
		return
	}
	out := Outcome{Event: event, Source: src.Name(), Account: src.Account(event, m.Data()), Err: err}
	switch {
	case errors.Is(err, source.ErrIgnored):
		_ = m.Ack()
		out.Outcome, out.Err = "ignored", nil
	case err == nil:
		_ = m.Ack()
		out.Outcome = "ok"
	case source.IsPermanent(err):
		out.Outcome = w.deadLetter(ctx, m, event, err.Error(), attempts)
	case attempts >= w.opts.Policy.MaxAttempts:
		out.Outcome = w.deadLetter(ctx, m, event, fmt.Sprintf("gave up after %d attempts: %v", attempts, err), attempts)
	default:
		delay := w.opts.Policy.Backoff(attempts)
		var d source.Deferrer
		if errors.As(err, &d) && d.RetryAfter() > delay {
			delay = d.RetryAfter()
		}
		w.log.Warn("event will be retried", "event", event, "source", src.Name(), "attempt", attempts, "in", delay, "err", err)
		_ = m.NakWithDelay(delay)
		out.Outcome = "retry"
	}
	w.outcome(out)
}

func (w *Worker) outcome(o Outcome) {
	if w.opts.OnEvent != nil && o.Outcome != "" {
		w.opts.OnEvent(o)
	}
}

// deadLetter returns the outcome: "dead_letter", or "" if the dead
// letter could not be stored (the event comes back).
func (w *Worker) deadLetter(ctx context.Context, m jetstream.Msg, event, reason string, attempts int) string {
	if w.dead.Put(ctx, m, reason, attempts, "event", event) {
		return "dead_letter"
	}
	return ""
}
