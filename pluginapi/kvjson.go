package pluginapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Stored is a JSON value kept under one KV key, such as an exporter's
// receipt of what it did for a record. It remembers the revision it was
// read at, so Save fails with ErrRevisionMismatch when another process
// (a second daemon) changed it in between rather than overwriting it.
type Stored[T any] struct {
	Key   string
	Value T
	kv    KV
	rev   uint64
}

// LoadStored reads key from kv; a missing key gives the zero value.
func LoadStored[T any](ctx context.Context, kv KV, key string) (*Stored[T], error) {
	s := &Stored[T]{Key: key, kv: kv}
	raw, rev, err := kv.Get(ctx, key)
	if errors.Is(err, ErrKeyNotFound) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if err := json.Unmarshal(raw, &s.Value); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	s.rev = rev
	return s, nil
}

// Exists reports whether the key existed when read or has been saved.
func (s *Stored[T]) Exists() bool { return s.rev != 0 }

// Save writes the value if the key is still at the revision read.
func (s *Stored[T]) Save(ctx context.Context) error {
	raw, err := json.Marshal(s.Value)
	if err != nil {
		return fmt.Errorf("encode %s: %w", s.Key, err)
	}
	rev, err := s.kv.Update(ctx, s.Key, raw, s.rev)
	if errors.Is(err, ErrRevisionMismatch) {
		return fmt.Errorf("%s was changed by another process; will resume from it: %w", s.Key, err)
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", s.Key, err)
	}
	s.rev = rev
	return nil
}
