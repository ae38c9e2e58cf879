// Package delivery moves records from the records stream to one exporter:
// a durable consumer per exporter, batches, per-record results turned into
// acks, delayed retries with exponential backoff, and dead letters.
// Each exporter has its own consumer and goroutine, so a slow or failing
// exporter never delays the others.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/consume"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/metrics"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Exporter is what the dispatcher delivers to: a plugin instance.
type Exporter interface {
	Name() string
	Kinds() []pluginapi.RecordKind
	IncludeFiles() bool
	Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error)
}

// Policy is the retry policy (the configuration's `delivery` block).
type Policy = consume.Policy

// Dispatcher delivers records to one exporter.
type Dispatcher struct {
	exp     Exporter
	policy  Policy
	b       *bus.Bus
	reader  *records.Reader
	dead    consume.DeadLetters
	metrics *metrics.Metrics
	log     *slog.Logger
	cons    jetstream.Consumer
	health  health
	// onExported, if set, is told each record the exporter took.
	onExported func(*pluginapi.Record)
}

// Option adjusts a Dispatcher.
type Option func(*Dispatcher)

// WithExported has f told each record the exporter took (for status).
func WithExported(f func(*pluginapi.Record)) Option {
	return func(d *Dispatcher) { d.onExported = f }
}

// ConsumerName is the durable consumer of an exporter.
func ConsumerName(exporter string) string { return "exporter-" + exporter }

// New creates (or updates) the exporter's durable consumer. Several
// daemons sharing one NATS server share the consumer, and so the work.
func New(ctx context.Context, b *bus.Bus, exp Exporter, policy Policy, m *metrics.Metrics, log *slog.Logger, opts ...Option) (*Dispatcher, error) {
	filters := []string{fmt.Sprintf("%s.%s.>", bus.RedeliverSubject, exp.Name())}
	for _, k := range exp.Kinds() {
		filters = append(filters, fmt.Sprintf("%s.%s.>", bus.RecordsSubject, pluginapi.KindName(k)))
	}
	cons, err := b.EnsureConsumer(ctx, bus.RecordsStream, jetstream.ConsumerConfig{
		Durable:        ConsumerName(exp.Name()),
		Description:    "records for exporter " + exp.Name(),
		FilterSubjects: filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        policy.AckWait,
		// Attempts are counted by the dispatcher, which dead-letters;
		// the server must never drop a message on its own.
		MaxDeliver:    -1,
		MaxAckPending: max(1000, policy.BatchSize*4),
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("consumer for exporter %s: %w", exp.Name(), err)
	}
	d := &Dispatcher{
		exp: exp, policy: policy, b: b, cons: cons, metrics: m, log: log,
		reader: records.NewReader(b),
		dead:   consume.DeadLetters{Queue: dlq.New(b), Name: exp.Name(), Retry: policy.BackoffMax, Log: log},
	}
	for _, o := range opts {
		o(d)
	}
	return d, nil
}

// Run delivers until ctx ends. A batch in progress when ctx ends is
// finished (its export runs on a context that is not cancelled), so
// shutdown does not turn delivered records into redeliveries.
func (d *Dispatcher) Run(ctx context.Context) error {
	consume.Run(ctx, d.cons, d.policy.BatchSize, d.log, func(ctx context.Context, msgs []jetstream.Msg) {
		if len(msgs) > 0 {
			d.deliver(ctx, msgs)
		}
		d.updateLag(ctx)
	})
	return nil
}

func (d *Dispatcher) updateLag(ctx context.Context) {
	if lag, err := d.Lag(ctx); err == nil {
		d.metrics.ConsumerLag.WithLabelValues(d.exp.Name()).Set(float64(lag))
	}
}

// Lag is the records waiting for the exporter or in delivery to it.
func (d *Dispatcher) Lag(ctx context.Context) (uint64, error) {
	info, err := d.cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer of exporter %s: %w", d.exp.Name(), err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// pending is one message on its way to the exporter.
type pending struct {
	msg      jetstream.Msg
	rec      *pluginapi.Record
	attempts int
}

func (d *Dispatcher) deliver(ctx context.Context, msgs []jetstream.Msg) {
	var batch []pending
	for _, m := range msgs {
		p, ok := d.prepare(ctx, m)
		if ok {
			batch = append(batch, p)
		}
	}
	if len(batch) == 0 {
		return
	}
	req := &pluginapi.ExportRequest{}
	for _, p := range batch {
		req.Records = append(req.Records, p.rec)
	}

	inFlight := make([]jetstream.Msg, len(batch))
	for i, p := range batch {
		inFlight[i] = p.msg
	}
	stop := consume.KeepAlive(inFlight, d.policy.AckWait/3)
	start := time.Now()
	exportCtx, cancel := context.WithTimeout(ctx, d.policy.ExportTimeout)
	resp, err := d.exp.Export(exportCtx, req)
	cancel()
	stop()
	d.metrics.ExportSeconds.WithLabelValues(d.exp.Name()).Observe(time.Since(start).Seconds())

	if err != nil {
		// The whole batch failed: the plugin crashed, could not be
		// restarted, or broke the protocol. Every record is retried.
		d.failed(err.Error())
		for _, p := range batch {
			d.retry(ctx, p, err.Error(), 0)
		}
		return
	}
	ok, failure := 0, ""
	for i, p := range batch {
		r := resp.GetResults()[i]
		switch r.GetStatus() {
		case pluginapi.ExportResult_STATUS_OK:
			if err := p.msg.Ack(); err != nil {
				d.log.Warn("ack", "key", p.rec.GetKey(), "err", err)
			}
			d.metrics.Exported.WithLabelValues(d.exp.Name()).Inc()
			if d.onExported != nil {
				d.onExported(p.rec)
			}
			ok++
		case pluginapi.ExportResult_STATUS_PERMANENT:
			d.metrics.Failed.WithLabelValues(d.exp.Name()).Inc()
			d.deadLetter(ctx, p, r.GetMessage())
		default:
			if r.GetRetryAfterMs() == 0 { // a deferral (rate limit) is no failure
				failure = r.GetMessage()
			}
			d.retry(ctx, p, r.GetMessage(), time.Duration(r.GetRetryAfterMs())*time.Millisecond)
		}
	}
	if ok > 0 {
		// One line per batch: what the exporter wrote and how long it took.
		d.log.Info("exported", "records", ok, "batch", len(batch), "duration", time.Since(start).Round(time.Millisecond))
	}
	switch {
	case failure != "":
		d.failed(failure)
	case ok > 0:
		d.succeeded(ok)
	}
}

// prepare decodes a message and decides whether it still needs delivery.
func (d *Dispatcher) prepare(ctx context.Context, m jetstream.Msg) (pending, bool) {
	p := pending{msg: m, attempts: consume.Attempts(m)}
	rec, err := d.reader.Decode(ctx, m.Headers(), m.Data())
	if errors.Is(err, records.ErrBadRecord) {
		d.deadLetter(ctx, p, err.Error())
		return p, false
	}
	if err != nil {
		d.retry(ctx, p, err.Error(), 0)
		return p, false
	}
	p.rec = rec
	// A retried record may have been overtaken by a newer version of the
	// same key; delivering the old one now would overwrite newer data.
	if superseded, err := d.superseded(ctx, m, rec); err == nil && superseded {
		d.log.Debug("skip superseded version", "key", rec.GetKey(), "version", rec.GetVersion())
		_ = m.Ack()
		return p, false
	}
	if d.exp.IncludeFiles() {
		if err := d.reader.LoadFiles(ctx, rec); err != nil {
			if errors.Is(err, records.ErrBadRecord) {
				d.deadLetter(ctx, p, err.Error())
			} else {
				d.retry(ctx, p, err.Error(), 0)
			}
			return p, false
		}
	}
	return p, true
}

// superseded reports whether a newer version of rec's key was published
// after m. The versions KV is written just after a record is published,
// so a different version there is only newer if it was written after m
// was stored; otherwise m itself is the newest and the KV not yet updated.
func (d *Dispatcher) superseded(ctx context.Context, m jetstream.Msg, rec *pluginapi.Record) (bool, error) {
	e, err := d.b.Versions.Get(ctx, rec.GetKey())
	if err != nil {
		return false, err
	}
	if string(e.Value()) == rec.GetVersion() {
		return false, nil
	}
	md, err := m.Metadata()
	if err != nil {
		return false, err
	}
	return e.Created().After(md.Timestamp), nil
}

// retry schedules another attempt, or dead-letters the record when its
// attempts are used up. A retry the plugin asked to defer (RetryAfter: a
// rate limit) does not use up an attempt: a long backlog behind Strava's
// daily limit must wait, not end in the dead-letter queue. Deferrals are
// capped too, so a plugin that always defers cannot loop forever.
func (d *Dispatcher) retry(ctx context.Context, p pending, reason string, after time.Duration) {
	deferred := d.deferrals(ctx, p)
	attempts := p.attempts - deferred
	if after > 0 && p.attempts < maxDeferralsFactor*d.policy.MaxAttempts {
		d.noteDeferral(ctx, p, deferred+1)
		d.metrics.Retried.WithLabelValues(d.exp.Name()).Inc()
		d.log.Info("export deferred by the plugin", "key", keyOf(p), "in", after, "reason", reason)
		if err := p.msg.NakWithDelay(after); err != nil {
			d.log.Warn("nak", "key", keyOf(p), "err", err)
		}
		return
	}
	if attempts >= d.policy.MaxAttempts || p.attempts >= maxDeferralsFactor*d.policy.MaxAttempts {
		d.deadLetter(ctx, p, fmt.Sprintf("gave up after %d attempts: %s", p.attempts, reason))
		return
	}
	delay := max(d.policy.Backoff(attempts), after)
	d.metrics.Retried.WithLabelValues(d.exp.Name()).Inc()
	// At DEBUG: the exporter's failures are said at WARN, once a minute.
	d.log.Debug("export will be retried", "key", keyOf(p), "attempt", p.attempts, "in", delay, "reason", reason)
	if err := p.msg.NakWithDelay(delay); err != nil {
		d.log.Warn("nak", "key", keyOf(p), "err", err)
	}
}

// maxDeferralsFactor bounds deliveries (deferred or not) at this many
// times delivery.max_attempts.
const maxDeferralsFactor = 50

func (d *Dispatcher) deferralKey(p pending) (string, bool) {
	md, err := p.msg.Metadata()
	if err != nil {
		return "", false
	}
	return fmt.Sprintf("%s.%d", d.exp.Name(), md.Sequence.Stream), true
}

func (d *Dispatcher) deferrals(ctx context.Context, p pending) int {
	key, ok := d.deferralKey(p)
	if !ok {
		return 0
	}
	e, err := d.b.Deferrals.Get(ctx, key)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(string(e.Value()))
	return n
}

func (d *Dispatcher) noteDeferral(ctx context.Context, p pending, n int) {
	if key, ok := d.deferralKey(p); ok {
		if _, err := d.b.Deferrals.Put(ctx, key, []byte(strconv.Itoa(n))); err != nil {
			d.log.Warn("record deferral", "key", keyOf(p), "err", err)
		}
	}
}

func (d *Dispatcher) deadLetter(ctx context.Context, p pending, reason string) {
	if d.dead.Put(ctx, p.msg, reason, p.attempts, "key", keyOf(p)) {
		d.metrics.DeadLetters.WithLabelValues(d.exp.Name()).Inc()
	}
}

func keyOf(p pending) string {
	if p.rec != nil {
		return p.rec.GetKey()
	}
	return p.msg.Headers().Get(records.HeaderKey)
}
