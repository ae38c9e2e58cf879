package records

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/bus"
)

// The object stores hold record bodies ("records/<key>/<version>", in a
// bucket of their own) and original files ("files/<sha256>"). Records
// leave their stream after nats.records_max_age; their objects are
// collected by GC once no record can still need them. A file shared by
// several versions is re-stored (its time refreshed) by PutFile when it
// is older than half the max age, so every object a live record
// references is younger than twice the max age; dead letters and
// replays, which can be older, are kept explicitly.

// GCAge is how old an object must be before GC may delete it.
func GCAge(maxAge time.Duration) time.Duration { return 2*maxAge + 24*time.Hour }

// GC deletes objects older than olderThan that keep does not name. It
// returns how many it deleted.
func GC(ctx context.Context, b *bus.Bus, olderThan time.Duration, keep map[string]bool) (int, error) {
	objects, err := b.ListObjects(ctx)
	if err != nil {
		return 0, fmt.Errorf("list objects: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	n := 0
	for _, o := range objects {
		if o.Deleted || keep[o.Name] || !o.ModTime.Before(cutoff) {
			continue
		}
		if !strings.HasPrefix(o.Name, bus.BodyPrefix) && !strings.HasPrefix(o.Name, "files/") {
			continue
		}
		if err := b.DeleteObject(ctx, o.Name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			return n, fmt.Errorf("delete object %s: %w", o.Name, err)
		}
		n++
	}
	return n, nil
}

// References adds to keep the objects a stored message refers to: its
// body object and the files of its record.
func (rd *Reader) References(ctx context.Context, header map[string][]string, data []byte, keep map[string]bool) error {
	if name := firstValue(header, HeaderBodyObject); name != "" {
		keep[name] = true
	}
	rec, err := rd.Decode(ctx, header, data)
	if err != nil {
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return nil // already gone: nothing more to keep
		}
		return err
	}
	for _, f := range rec.GetExercise().GetFiles() {
		keep[f.GetObject()] = true
	}
	return nil
}

// RedeliveryReferences adds the objects of messages on the redeliver
// subjects (dead-letter replays, which may be older than the records'
// max age) to keep.
func (rd *Reader) RedeliveryReferences(ctx context.Context, keep map[string]bool) error {
	cons, err := rd.b.JS.OrderedConsumer(ctx, bus.RecordsStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{bus.RedeliverSubject + ".>"},
	})
	if err != nil {
		return fmt.Errorf("scan redeliveries: %w", err)
	}
	for {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(200*time.Millisecond))
		if err != nil {
			return fmt.Errorf("scan redeliveries: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			if err := rd.References(ctx, m.Headers(), m.Data(), keep); err != nil {
				return err
			}
		}
		if got == 0 {
			return nil
		}
	}
}

func firstValue(h map[string][]string, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
