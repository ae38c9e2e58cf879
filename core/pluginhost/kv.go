package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// kvTimeout bounds one host KV call. A request in flight when the NATS
// server restarts gets no answer; without a bound of its own it waited
// for the Export's whole timeout (10 minutes by default), holding up the
// exporter's deliveries.
const kvTimeout = 10 * time.Second

// jetstreamKV serves a plugin's host KV from its JetStream KV bucket.
type jetstreamKV struct{ kv jetstream.KeyValue }

// NewKV adapts a JetStream KV bucket to the SDK's KV interface.
func NewKV(kv jetstream.KeyValue) pluginapi.KV { return &jetstreamKV{kv: kv} }

func (k *jetstreamKV) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	if err := pluginapi.ValidateKey(key); err != nil {
		return nil, 0, err
	}
	e, err := k.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("%w: %q", pluginapi.ErrKeyNotFound, key)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("kv get %q: %w", key, err)
	}
	return e.Value(), e.Revision(), nil
}

func (k *jetstreamKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	if err := pluginapi.ValidateKey(key); err != nil {
		return 0, err
	}
	rev, err := k.kv.Put(ctx, key, value)
	if err != nil {
		return 0, fmt.Errorf("kv put %q: %w", key, err)
	}
	return rev, nil
}

func (k *jetstreamKV) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	if err := pluginapi.ValidateKey(key); err != nil {
		return 0, err
	}
	var (
		rev uint64
		err error
	)
	if revision == 0 {
		rev, err = k.kv.Create(ctx, key, value)
	} else {
		rev, err = k.kv.Update(ctx, key, value, revision)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
		return 0, fmt.Errorf("%w: %q changed since revision %d", pluginapi.ErrRevisionMismatch, key, revision)
	}
	if err != nil {
		return 0, fmt.Errorf("kv update %q: %w", key, err)
	}
	return rev, nil
}

// isWrongSequence recognises the server's answer to an update at a stale
// revision (JetStream error 10071).
func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func (k *jetstreamKV) Delete(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	if err := pluginapi.ValidateKey(key); err != nil {
		return err
	}
	if err := k.kv.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("kv delete %q: %w", key, err)
	}
	return nil
}

func (k *jetstreamKV) Keys(ctx context.Context, prefix string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	lister, err := k.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("kv keys: %w", err)
	}
	var keys []string
	for key := range lister.Keys() {
		if strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// swappableKV is the KV a plugin is served: a daemon reloading its config
// hands a plugin it keeps running the KV of its new NATS connection.
type swappableKV struct {
	mu sync.RWMutex
	kv pluginapi.KV
}

func (s *swappableKV) get() pluginapi.KV {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.kv
}

func (s *swappableKV) set(kv pluginapi.KV) {
	s.mu.Lock()
	s.kv = kv
	s.mu.Unlock()
}

func (s *swappableKV) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	return s.get().Get(ctx, key)
}

func (s *swappableKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	return s.get().Put(ctx, key, value)
}

func (s *swappableKV) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	return s.get().Update(ctx, key, value, revision)
}

func (s *swappableKV) Delete(ctx context.Context, key string) error { return s.get().Delete(ctx, key) }

func (s *swappableKV) Keys(ctx context.Context, prefix string) ([]string, error) {
	return s.get().Keys(ctx, prefix)
}
