package bus

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The recent objects are bounded by bytes, oldest out first, the newest
// kept even when it alone is over the bound.
func TestRecentObjectsBounded(t *testing.T) {
	r := newRecentObjects(10)
	r.add("a", bytes.Repeat([]byte{1}, 4), false)
	r.add("b", bytes.Repeat([]byte{2}, 4), false)
	r.add("a", bytes.Repeat([]byte{9}, 4), false) // already kept: the same content by its name
	got, ok := r.get("a")
	assert.True(t, ok)
	assert.Equal(t, bytes.Repeat([]byte{1}, 4), got)
	assert.Equal(t, 8, r.size)

	r.add("c", bytes.Repeat([]byte{3}, 4), false)
	_, ok = r.get("a")
	assert.False(t, ok, "the oldest goes over the bound")
	assert.Equal(t, 8, r.size)

	r.add("big", bytes.Repeat([]byte{4}, 25), false)
	_, ok = r.get("big")
	assert.True(t, ok, "the newest stays, however large")
	for _, n := range []string{"b", "c"} {
		_, ok := r.get(n)
		assert.False(t, ok, n)
	}
	assert.Equal(t, 25, r.size)

	r.remove("big")
	r.remove("missing")
	assert.Equal(t, 0, r.size)
	assert.Empty(t, r.order)
}

// pacedRecent is a cache of 10 bytes whose clock the test sets; a read
// counts as a reader at work for a minute, and a writer waits an hour at
// most (so a test that wrongly waits hangs rather than passes).
func pacedRecent(now *time.Time) *recentObjects {
	r := newRecentObjects(10)
	r.now = func() time.Time { return *now }
	r.maxWait, r.reading = time.Hour, time.Minute
	return r
}

// putPaced is PutObjectPaced without the object store.
func putPaced(r *recentObjects, name string, size int) error {
	if err := r.pace(context.Background(), size); err != nil {
		return err
	}
	r.add(name, bytes.Repeat([]byte{1}, size), true)
	return nil
}

// A writer waits while a reader at work has the unread objects to read,
// and goes on once it has read them: nothing is dropped before its read.
func TestRecentObjectsPaced(t *testing.T) {
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	r := pacedRecent(&now)
	r.get("none") // a reader at work
	require.NoError(t, putPaced(r, "a", 4))
	require.NoError(t, putPaced(r, "b", 4))

	done := make(chan error)
	go func() { done <- putPaced(r, "c", 4) }()
	select {
	case err := <-done:
		t.Fatalf("c was stored over the unread a and b: %v", err)
	case <-time.After(50 * time.Millisecond): // waiting, as it should
	}
	_, ok := r.get("a")
	require.True(t, ok)
	require.NoError(t, <-done, "a read makes room")
	for _, n := range []string{"b", "c"} {
		_, ok := r.get(n)
		assert.True(t, ok, "%s kept until read", n)
	}
	_, ok = r.get("a")
	assert.False(t, ok, "a, read, made room")
	assert.Equal(t, 0, r.unread)
}

// Writers in parallel each wait for room of their own.
func TestRecentObjectsPacedParallel(t *testing.T) {
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	r := pacedRecent(&now)
	r.get("none")
	names := []string{"a", "b", "c", "d", "e", "f"}
	errs := make(chan error, len(names))
	for _, n := range names {
		go func() { errs <- putPaced(r, n, 3) }()
	}
	read := 0
	for read < len(names) {
		r.mu.Lock()
		unread := r.unread
		var next string
		for _, n := range r.order {
			if !r.byName[n].read {
				next = n
				break
			}
		}
		r.mu.Unlock()
		require.LessOrEqual(t, unread, 10, "never more unread than the bound")
		if next == "" {
			runtime.Gosched()
			continue
		}
		_, ok := r.get(next)
		require.True(t, ok)
		read++
	}
	for range names {
		require.NoError(t, <-errs)
	}
}

// No wait when no reader read lately (no exporter, or all of them down),
// when one object alone is over the bound, or once maxWait is over; a
// cancelled writer gives up.
func TestRecentObjectsPacedGivesWay(t *testing.T) {
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	r := pacedRecent(&now)
	require.NoError(t, putPaced(r, "a", 8))
	require.NoError(t, putPaced(r, "b", 8), "no reader yet: no wait")

	r.get("none")
	now = now.Add(2 * time.Minute)
	require.NoError(t, putPaced(r, "c", 8), "the reader stopped a while ago: no wait")

	r.get("none")
	r.maxWait = time.Millisecond
	require.NoError(t, putPaced(r, "d", 8), "waits maxWait at most")

	r.maxWait = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, r.pace(ctx, 8), context.Canceled)

	big := pacedRecent(&now)
	big.get("none")
	require.NoError(t, putPaced(big, "huge", 25), "alone over the bound")

	r2 := pacedRecent(&now)
	r2.get("none")
	require.NoError(t, r2.pace(context.Background(), 6))
	r2.release(6)
	assert.Equal(t, 0, r2.unread, "a failed store gives its room back")
	require.NoError(t, putPaced(r2, "x", 4))
	require.NoError(t, putPaced(r2, "x", 4)) // the same content again: kept already
	assert.Equal(t, 4, r2.unread, "the same object twice counts once")
}
