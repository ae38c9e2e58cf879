// Package seen is what the sources' pollers remember between cycles: per
// Polar item, whether the bridge has taken it in and the fingerprint of
// its listing (so a change is noticed), shared by every daemon on one
// NATS, and the counts a cycle reports.
package seen

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/bus"
)

// SeenBucket remembers, per Polar item, what the bridge has already taken
// in: the fingerprint of the item as Polar lists it, or Processed when the
// worker handled it (from a webhook) before any poll listed it.
const SeenBucket = "polarbridge_seen"

// Processed marks an item the worker handled whose listing the poller has
// not fingerprinted yet.
const Processed = "processed"

// Store is the seen-state store, shared by every daemon on one NATS.
type Store struct{ kv jetstream.KeyValue }

// Open opens (creating) the seen-state bucket.
func Open(ctx context.Context, b *bus.Bus) (*Store, error) {
	kv, err := b.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket:      SeenBucket,
		Description: "Polar items already taken in, with their listing fingerprint",
		Storage:     jetstream.FileStorage,
		Replicas:    b.Replicas(),
	})
	if err != nil {
		return nil, fmt.Errorf("open seen-state: %w", err)
	}
	return &Store{kv: kv}, nil
}

// PendingPrefix marks a fingerprint whose event is in flight: the poller
// listed the item while an identical event (a webhook's, or the night's
// SLEEP event that also fetches its recharge) was still on its way.
const PendingPrefix = "pending:"

// MarkProcessed records that the worker handled item: a pending
// fingerprint becomes the item's fingerprint; an unknown item is marked
// Processed; a known fingerprint stays.
func (s *Store) MarkProcessed(ctx context.Context, item string) error {
	e, err := s.kv.Get(ctx, item)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		_, err = s.kv.Create(ctx, item, []byte(Processed))
		if errors.Is(err, jetstream.ErrKeyExists) {
			return s.MarkProcessed(ctx, item) // the poller got there first
		}
	case err == nil && strings.HasPrefix(string(e.Value()), PendingPrefix):
		_, err = s.kv.Update(ctx, item, []byte(strings.TrimPrefix(string(e.Value()), PendingPrefix)), e.Revision())
	}
	if err != nil {
		return fmt.Errorf("mark %s processed: %w", item, err)
	}
	return nil
}

// SummaryPrefix marks the fingerprint of an exercise's summary
// (accesslink's Exercise.SummaryFingerprint) the worker took in from a
// push, before any poll listed it: the poller compares it with the
// listed summary instead of fetching the exercise again.
const SummaryPrefix = "summary:"

// MarkProcessedSummary is MarkProcessed for an exercise whose summary
// has the fingerprint summary: an unknown item (or one marked Processed,
// or with an older summary) gets SummaryPrefix+summary.
func (s *Store) MarkProcessedSummary(ctx context.Context, item, summary string) error {
	e, err := s.kv.Get(ctx, item)
	state := SummaryPrefix + summary
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		_, err = s.kv.Create(ctx, item, []byte(state))
		if errors.Is(err, jetstream.ErrKeyExists) {
			return s.MarkProcessedSummary(ctx, item, summary) // the poller got there first
		}
	case err != nil:
	case string(e.Value()) == Processed || strings.HasPrefix(string(e.Value()), SummaryPrefix):
		_, err = s.kv.Update(ctx, item, []byte(state), e.Revision())
	default:
		return s.MarkProcessed(ctx, item)
	}
	if err != nil {
		return fmt.Errorf("mark %s processed: %w", item, err)
	}
	return nil
}

// Get returns the state of item ("" if unknown).
func (s *Store) Get(ctx context.Context, item string) (string, error) {
	e, err := s.kv.Get(ctx, item)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("seen-state of %s: %w", item, err)
	}
	return string(e.Value()), nil
}

// Set records item's listing fingerprint.
func (s *Store) Set(ctx context.Context, item, fingerprint string) error {
	if _, err := s.kv.Put(ctx, item, []byte(fingerprint)); err != nil {
		return fmt.Errorf("record %s: %w", item, err)
	}
	return nil
}

// Progress is a running count within a poll cycle.
type Progress struct {
	ListsDone, ListsTotal int
	Found                 int // items listed (within Since)
	Known                 int // already taken in, unchanged
	Queued                int // new: event published
	Changed               int // changed on Polar's side: event published
	// Transacted counts records published straight from AccessLink
	// transactions (daily activity, physical information): they have no
	// webhook and no event.
	Transacted int
}
