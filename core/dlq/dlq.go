// Package dlq is the dead-letter queue: records an exporter rejected
// permanently or gave up on after its retries, kept with the reason until
// a user replays them.
package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/records"
)

// Headers a dead letter carries besides the record's own.
const (
	HeaderExporter = "Polarbridge-Exporter"
	HeaderError    = "Polarbridge-Error"
	HeaderAttempts = "Polarbridge-Attempts"
	HeaderFailedAt = "Polarbridge-Failed-At"
	HeaderSubject  = "Polarbridge-Original-Subject"
)

// Entry is one dead letter.
type Entry struct {
	ID       uint64 // stream sequence, used by replay
	Exporter string
	Key      string
	Kind     string
	Version  string
	Error    string
	Attempts int
	FailedAt time.Time
}

// Queue reads and writes dead letters.
type Queue struct {
	b *bus.Bus
}

// New returns the Queue on b.
func New(b *bus.Bus) *Queue { return &Queue{b: b} }

// Put dead-letters a record message for exporter.
func (q *Queue) Put(ctx context.Context, exporter, subject string, header nats.Header, data []byte, reason string, attempts int) error {
	msg := nats.NewMsg(bus.DLQSubject + "." + exporter)
	for k, v := range header {
		if k == "Nats-Msg-Id" {
			continue
		}
		msg.Header[k] = slices.Clone(v)
	}
	msg.Header.Set(HeaderExporter, exporter)
	msg.Header.Set(HeaderError, reason)
	msg.Header.Set(HeaderAttempts, strconv.Itoa(attempts))
	msg.Header.Set(HeaderFailedAt, time.Now().UTC().Format(time.RFC3339))
	msg.Header.Set(HeaderSubject, subject)
	msg.Data = data
	if _, err := q.b.JS.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("dead-letter %s for %s: %w", header.Get(records.HeaderKey), exporter, err)
	}
	return nil
}

// List returns the dead letters, oldest first, of one exporter or all ("").
func (q *Queue) List(ctx context.Context, exporter string) ([]Entry, error) {
	var out []Entry
	err := q.each(ctx, exporter, func(e Entry, _ *jetstream.RawStreamMsg) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

func (q *Queue) each(ctx context.Context, exporter string, fn func(Entry, *jetstream.RawStreamMsg) error) error {
	s, err := q.b.JS.Stream(ctx, bus.DLQStream)
	if err != nil {
		return fmt.Errorf("open dead-letter stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("dead-letter stream info: %w", err)
	}
	if info.State.Msgs == 0 {
		return nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		raw, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // replayed and deleted
		}
		if err != nil {
			return fmt.Errorf("read dead letter %d: %w", seq, err)
		}
		e := entryOf(raw)
		if exporter != "" && e.Exporter != exporter {
			continue
		}
		if err := fn(e, raw); err != nil {
			return err
		}
	}
	return nil
}

func entryOf(raw *jetstream.RawStreamMsg) Entry {
	h := raw.Header
	attempts, _ := strconv.Atoi(h.Get(HeaderAttempts))
	failedAt, _ := time.Parse(time.RFC3339, h.Get(HeaderFailedAt))
	return Entry{
		ID:       raw.Sequence,
		Exporter: h.Get(HeaderExporter),
		Key:      h.Get(records.HeaderKey),
		Kind:     h.Get(records.HeaderKind),
		Version:  h.Get(records.HeaderVersion),
		Error:    h.Get(HeaderError),
		Attempts: attempts,
		FailedAt: failedAt,
	}
}

// Replay re-queues dead letters for their exporter only (other exporters
// already have the record) and removes them from the queue. With no ids it
// replays every dead letter of exporter (or of all exporters if "").
// A dead letter whose record has a newer version since is dropped instead:
// the newer version went (or goes) its own way. It returns how many were
// re-queued.
func (q *Queue) Replay(ctx context.Context, exporter string, ids []uint64) (int, error) {
	s, err := q.b.JS.Stream(ctx, bus.DLQStream)
	if err != nil {
		return 0, fmt.Errorf("open dead-letter stream: %w", err)
	}
	want := map[uint64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	n := 0
	err = q.each(ctx, exporter, func(e Entry, raw *jetstream.RawStreamMsg) error {
		if len(ids) > 0 && !want[e.ID] {
			return nil
		}
		delete(want, e.ID)
		subject := raw.Header.Get(HeaderSubject)
		if isRecordSubject(subject) && q.superseded(ctx, e) {
			// A newer version reached the exporter (or waits in this
			// queue itself): replaying the old one would overwrite it.
			if err := s.DeleteMsg(ctx, e.ID); err != nil {
				return fmt.Errorf("remove superseded dead letter %d: %w", e.ID, err)
			}
			return nil
		}
		if isRecordSubject(subject) {
			// A record goes back to its exporter only: the others have it.
			subject = fmt.Sprintf("%s.%s.%s.%s", bus.RedeliverSubject, e.Exporter, e.Kind, userOf(raw))
		}
		// Anything else (a Polar event the ingest worker gave up on)
		// goes back where it came from.
		msg := nats.NewMsg(subject)
		for k, v := range raw.Header {
			switch k {
			case HeaderExporter, HeaderError, HeaderAttempts, HeaderFailedAt, HeaderSubject:
				continue
			}
			msg.Header[k] = slices.Clone(v)
		}
		msg.Data = raw.Data
		if _, err := q.b.JS.PublishMsg(ctx, msg); err != nil {
			return fmt.Errorf("replay dead letter %d: %w", e.ID, err)
		}
		if err := s.DeleteMsg(ctx, e.ID); err != nil {
			return fmt.Errorf("remove replayed dead letter %d: %w", e.ID, err)
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	if len(want) > 0 {
		missing := make([]uint64, 0, len(want))
		for id := range want {
			missing = append(missing, id)
		}
		slices.Sort(missing)
		return n, fmt.Errorf("no dead letter with id %v (see `polarbridge dlq list`)", missing)
	}
	return n, nil
}

// superseded reports whether a newer version of e's record was published.
func (q *Queue) superseded(ctx context.Context, e Entry) bool {
	v, err := q.b.Versions.Get(ctx, e.Key)
	return err == nil && e.Version != "" && string(v.Value()) != e.Version
}

func isRecordSubject(s string) bool {
	return strings.HasPrefix(s, bus.RecordsSubject+".") || strings.HasPrefix(s, bus.RedeliverSubject+".")
}

// References adds the objects dead letters refer to (record bodies and
// their files) to keep, so object GC leaves them for a replay.
func (q *Queue) References(ctx context.Context, rd *records.Reader, keep map[string]bool) error {
	return q.each(ctx, "", func(_ Entry, raw *jetstream.RawStreamMsg) error {
		if !isRecordSubject(raw.Header.Get(HeaderSubject)) {
			return nil // a Polar event: no objects
		}
		return rd.References(ctx, raw.Header, raw.Data, keep)
	})
}

// userOf recovers the user id from the original subject
// polarbridge.records.<kind>.<user> (or the redeliver form).
func userOf(raw *jetstream.RawStreamMsg) string {
	subj := raw.Header.Get(HeaderSubject)
	for i := len(subj) - 1; i >= 0; i-- {
		if subj[i] == '.' {
			return subj[i+1:]
		}
	}
	return "unknown"
}
