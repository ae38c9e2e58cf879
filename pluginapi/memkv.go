package pluginapi

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// MemoryKV is an in-memory KV for plugin tests. The daemon uses JetStream
// KV; MemoryKV follows the same rules (key syntax, revisions).
type MemoryKV struct {
	mu   sync.Mutex
	rev  uint64
	data map[string]memEntry
}

type memEntry struct {
	value []byte
	rev   uint64
}

// NewMemoryKV returns an empty MemoryKV.
func NewMemoryKV() *MemoryKV { return &MemoryKV{data: map[string]memEntry{}} }

func (m *MemoryKV) Get(_ context.Context, key string) ([]byte, uint64, error) {
	if err := ValidateKey(key); err != nil {
		return nil, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.data[key]
	if !ok {
		return nil, 0, fmt.Errorf("%w: %q", ErrKeyNotFound, key)
	}
	return append([]byte(nil), e.value...), e.rev, nil
}

func (m *MemoryKV) Put(_ context.Context, key string, value []byte) (uint64, error) {
	if err := ValidateKey(key); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.put(key, value), nil
}

func (m *MemoryKV) put(key string, value []byte) uint64 {
	m.rev++
	m.data[key] = memEntry{value: append([]byte(nil), value...), rev: m.rev}
	return m.rev
}

func (m *MemoryKV) Update(_ context.Context, key string, value []byte, revision uint64) (uint64, error) {
	if err := ValidateKey(key); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.data[key]; e.rev != revision {
		return 0, fmt.Errorf("%w: %q is at revision %d, not %d", ErrRevisionMismatch, key, e.rev, revision)
	}
	return m.put(key, value), nil
}

func (m *MemoryKV) Delete(_ context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

func (m *MemoryKV) Keys(_ context.Context, prefix string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k := range m.data {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}
