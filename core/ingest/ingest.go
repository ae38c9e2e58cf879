// Package ingest is the event pipeline: it takes Polar events off the
// events stream and routes each by its type, to the handler a source
// registered for it (Team Pro's sessions) or, for AccessLink's pushes, to
// the AccessLink worker here, which fetches the data they announce,
// normalizes it into records and publishes them once per content version.
// Retries and dead letters (under the name "ingest") are the same for
// every source.
//
// Polar calls per event: EXERCISE costs 2 (the exercise with samples and
// zones, and its FIT file); SLEEP costs 2 (that date's sleep and nightly
// recharge: Polar sends no webhook for the recharge, it belongs to the
// night).
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/consume"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/core/sports"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Name is the worker's consumer and dead-letter name.
const Name = "ingest"

// Polar is the part of the AccessLink client the worker uses.
type Polar interface {
	GetExercise(ctx context.Context, token, id string, opt accesslink.ExerciseOptions) ([]byte, error)
	GetFile(ctx context.Context, token, id string, format accesslink.FileFormat) ([]byte, bool, error)
	GetSleep(ctx context.Context, token, date string) ([]byte, bool, error)
	GetNightlyRecharge(ctx context.Context, token, date string) ([]byte, bool, error)
}

// Marker records items the worker took in, so the poller does not fetch
// them again.
type Marker interface {
	MarkProcessed(ctx context.Context, item string) error
}

// Options configure a Worker.
type Options struct {
	// Seen, if set, is told about every item taken in.
	Seen Marker
	// Policy is the retry policy (its attempts and backoff).
	Policy consume.Policy
	// Handlers process further event types (e.g. Team Pro's) by their
	// body. Wrap errors that cannot succeed on retry with Permanent.
	Handlers map[string]func(ctx context.Context, body []byte) error
	// OnEvent, if set, is told the outcome of every event (for metrics):
	// "ok", "ignored", "retry" or "dead_letter".
	OnEvent func(event, outcome string)
}

// ackWait is how long an event may be worked on without a sign of life;
// the worker extends it while Polar is slow.
const ackWait = 5 * time.Minute

// Worker processes events.
type Worker struct {
	b        *bus.Bus
	polar    Polar
	accounts *accounts.Store
	pub      *records.Publisher
	dead     consume.DeadLetters
	sports   *sports.Table
	opts     Options
	log      *slog.Logger
	cons     jetstream.Consumer
}

// New returns a Worker.
func New(b *bus.Bus, polar Polar, acc *accounts.Store, table *sports.Table, opts Options, log *slog.Logger) *Worker {
	return &Worker{
		b: b, polar: polar, accounts: acc, sports: table, opts: opts, log: log,
		pub:  records.NewPublisher(b),
		dead: consume.DeadLetters{Queue: dlq.New(b), Name: Name, Retry: opts.Policy.BackoffMax, Log: log},
	}
}

// Prepare creates (or updates) the worker's durable consumer. Several
// daemons on one NATS share it, and so the events.
func (w *Worker) Prepare(ctx context.Context) error {
	cons, err := w.b.JS.CreateOrUpdateConsumer(ctx, bus.EventsStream, jetstream.ConsumerConfig{
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
	// One at a time: fetching ahead would let waiting events pass their
	// ack deadline while Polar's rate limit holds this one.
	consume.Run(ctx, w.cons, 1, w.log, func(ctx context.Context, msgs []jetstream.Msg) {
		for _, m := range msgs {
			w.handle(ctx, m)
		}
	})
	return nil
}

// permanentError marks an event that cannot succeed as it is.
type permanentError struct{ err error }

// errIgnored marks an event of a kind the bridge does not handle (yet).
var errIgnored = errors.New("event ignored")

// Permanent marks err as one a retry cannot fix: the event goes to the
// dead-letter queue at once.
func Permanent(err error) error { return permanentError{err} }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func (w *Worker) handle(ctx context.Context, m jetstream.Msg) {
	attempts := consume.Attempts(m)
	stop := consume.KeepAlive([]jetstream.Msg{m}, ackWait/3)
	event, err := w.process(ctx, w.eventType(m), m.Data())
	stop()
	var perm permanentError
	switch {
	case errors.Is(err, errIgnored):
		_ = m.Ack()
		w.outcome(event, "ignored")
	case err == nil:
		_ = m.Ack()
		w.outcome(event, "ok")
	case errors.As(err, &perm) || accesslink.Permanent(err):
		w.deadLetter(ctx, m, event, err.Error(), attempts)
	case attempts >= w.opts.Policy.MaxAttempts:
		w.deadLetter(ctx, m, event, fmt.Sprintf("gave up after %d attempts: %v", attempts, err), attempts)
	default:
		delay := w.opts.Policy.Backoff(attempts)
		var rl *accesslink.RateLimitError
		if errors.As(err, &rl) && rl.Wait > delay {
			delay = rl.Wait
		}
		w.log.Warn("event will be retried", "event", event, "attempt", attempts, "in", delay, "err", err)
		_ = m.NakWithDelay(delay)
		w.outcome(event, "retry")
	}
}

func (w *Worker) outcome(event, outcome string) {
	if w.opts.OnEvent != nil {
		w.opts.OnEvent(event, outcome)
	}
}

func (w *Worker) deadLetter(ctx context.Context, m jetstream.Msg, event, reason string, attempts int) {
	if w.dead.Put(ctx, m, reason, attempts, "event", event) {
		w.outcome(event, "dead_letter")
	}
}

// eventType is the event a message carries: the last token of its
// subject, which every publisher (the webhook receiver, the pollers) sets
// to the event name.
func (w *Worker) eventType(m jetstream.Msg) string {
	return strings.TrimPrefix(m.Subject(), w.b.EventsSubjectPrefix()+".")
}

// process handles one event body and returns a short description of it.
// Events a source registered a handler for go to it as they are; the
// rest are AccessLink pushes.
func (w *Worker) process(ctx context.Context, event string, body []byte) (string, error) {
	if h, ok := w.opts.Handlers[event]; ok {
		return event, h(ctx, body)
	}
	p, err := accesslink.ParseWebhook(body)
	if err != nil {
		return "malformed", permanentError{err}
	}
	desc := fmt.Sprintf("%s user %d %s%s", p.Event, p.UserID, p.EntityID, p.Date)
	switch p.Event {
	case accesslink.EventExercise, accesslink.EventSleep:
	default:
		w.log.Debug("event kind not handled yet; ignored", "event", p.Event)
		return desc, errIgnored
	}
	user, err := w.accounts.User(ctx, p.UserIDString())
	if errors.Is(err, accounts.ErrUnknownUser) {
		return desc, permanentError{fmt.Errorf("Polar user %d is not known to this bridge: add them with `polarbridge users add`, then `polarbridge dlq replay --exporter ingest`", p.UserID)}
	}
	if err != nil {
		return desc, err
	}
	if user.State != accounts.StateActive {
		return desc, permanentError{fmt.Errorf("Polar user %s is %s (%s): re-authorize with `polarbridge users add`, then `polarbridge dlq replay --exporter ingest`", user.ID, user.State, user.StateReason)}
	}
	if p.Event == accesslink.EventExercise {
		err = w.exercise(ctx, user, p.EntityID)
	} else {
		err = w.night(ctx, user, p.Date)
	}
	w.noteUserState(ctx, user, err)
	return desc, err
}

// noteUserState remembers a revoked token or missing consents, so the
// bridge stops calling Polar for that user until it is re-authorized.
func (w *Worker) noteUserState(ctx context.Context, u accounts.User, err error) {
	state := ""
	switch {
	case errors.Is(err, accesslink.ErrUnauthorized):
		state = accounts.StateUnauthorized
	case errors.Is(err, accesslink.ErrForbidden):
		state = accounts.StateForbidden
	default:
		return
	}
	w.log.Error("Polar refused the user's token", "user", u.ID, "state", state, "err", err)
	if serr := w.accounts.SetUserState(ctx, u.ID, state, err.Error()); serr != nil {
		w.log.Warn("record user state", "user", u.ID, "err", serr)
	}
}

func (w *Worker) exercise(ctx context.Context, u accounts.User, id string) error {
	raw, err := w.polar.GetExercise(ctx, u.AccessToken, id, accesslink.ExerciseOptions{Samples: true, Zones: true})
	if err != nil {
		return fmt.Errorf("fetch exercise %s: %w", id, err)
	}
	fitBytes, hasFIT, err := w.polar.GetFile(ctx, u.AccessToken, id, accesslink.FormatFIT)
	if err != nil {
		return fmt.Errorf("fetch FIT of exercise %s: %w", id, err)
	}
	in := accesslink.ExerciseInput{Exercise: raw, FIT: fitBytes}
	rec, err := accesslink.NormalizeExercise(u.ID, in, w.sports)
	if errors.Is(err, accesslink.ErrBadFIT) {
		// Keep the exercise (from its JSON samples) and the original
		// file, so nothing is lost; exporters that need a valid FIT
		// report it then.
		w.log.Warn("exercise has a broken FIT file; using Polar's JSON samples", "exercise", id, "err", err)
		in.FIT = nil
		rec, err = accesslink.NormalizeExercise(u.ID, in, w.sports)
	}
	if err != nil {
		return permanentError{fmt.Errorf("normalize exercise %s: %w", id, err)}
	}
	if hasFIT {
		f, err := w.pub.PutFile(ctx, pluginapi.FileFormat_FILE_FORMAT_FIT, fitBytes)
		if err != nil {
			return err
		}
		rec.GetExercise().Files = append(rec.GetExercise().Files, f)
	} else if err := w.fallbackFile(ctx, u, id, rec); err != nil {
		return err
	}
	if err := w.publish(ctx, rec); err != nil {
		return err
	}
	return w.mark(ctx, rec.GetKey())
}

// fallbackFile attaches the TCX (else GPX) file of an exercise without a
// FIT file, for exporters that upload files (Strava). Only such exercises
// cost these extra calls; a manual entry has neither (204).
func (w *Worker) fallbackFile(ctx context.Context, u accounts.User, id string, rec *pluginapi.Record) error {
	for _, f := range []struct {
		api    accesslink.FileFormat
		record pluginapi.FileFormat
	}{{accesslink.FormatTCX, pluginapi.FileFormat_FILE_FORMAT_TCX}, {accesslink.FormatGPX, pluginapi.FileFormat_FILE_FORMAT_GPX}} {
		data, found, err := w.polar.GetFile(ctx, u.AccessToken, id, f.api)
		if err != nil {
			return fmt.Errorf("fetch %s of exercise %s: %w", f.api, id, err)
		}
		if !found {
			continue
		}
		ref, err := w.pub.PutFile(ctx, f.record, data)
		if err != nil {
			return err
		}
		rec.GetExercise().Files = append(rec.GetExercise().Files, ref)
		return nil
	}
	return nil
}

func (w *Worker) mark(ctx context.Context, key string) error {
	if w.opts.Seen == nil {
		return nil
	}
	return w.opts.Seen.MarkProcessed(ctx, key)
}

func (w *Worker) night(ctx context.Context, u accounts.User, date string) error {
	sleepRaw, hasSleep, err := w.polar.GetSleep(ctx, u.AccessToken, date)
	if err != nil {
		return fmt.Errorf("fetch sleep %s: %w", date, err)
	}
	rechargeRaw, hasRecharge, err := w.polar.GetNightlyRecharge(ctx, u.AccessToken, date)
	if err != nil {
		return fmt.Errorf("fetch nightly recharge %s: %w", date, err)
	}
	if !hasSleep && !hasRecharge {
		w.log.Info("Polar has no sleep or nightly recharge for the date (yet)", "user", u.ID, "date", date)
		return nil
	}
	if hasSleep {
		rec, err := accesslink.NormalizeSleep(u.ID, sleepRaw)
		if err != nil {
			return permanentError{fmt.Errorf("normalize sleep %s: %w", date, err)}
		}
		if err := w.publish(ctx, rec); err != nil {
			return err
		}
		if err := w.mark(ctx, rec.GetKey()); err != nil {
			return err
		}
	}
	if hasRecharge {
		// The night anchors the recharge's HH:MM sample times.
		rec, err := accesslink.NormalizeNightlyRecharge(u.ID, rechargeRaw, sleepRaw, time.UTC)
		if err != nil {
			return permanentError{fmt.Errorf("normalize nightly recharge %s: %w", date, err)}
		}
		if err := w.publish(ctx, rec); err != nil {
			return err
		}
		if err := w.mark(ctx, rec.GetKey()); err != nil {
			return err
		}
	}
	return nil
}

func (w *Worker) publish(ctx context.Context, rec *pluginapi.Record) error {
	published, err := w.pub.Publish(ctx, rec)
	if err != nil {
		return err
	}
	if published {
		w.log.Info("record published", "key", rec.GetKey(), "version", rec.GetVersion())
	} else {
		w.log.Debug("record unchanged", "key", rec.GetKey())
	}
	return nil
}
