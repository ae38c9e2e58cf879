package lease_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/lease"
	"github.com/polarbridge/polarbridge/internal/testbus"
)

const ttl = 2 * time.Second

func open(t *testing.T) *bus.Bus {
	return testbus.OpenWith(t, func(o *bus.Options) { o.LeaseTTL = ttl })
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestOneHolderAtATime(t *testing.T) {
	b := open(t)
	ctx := context.Background()
	a, c := lease.New(b.Leases, "gc", "a", ttl), lease.New(b.Leases, "gc", "c", ttl)
	held, err := a.TryAcquire(ctx)
	require.NoError(t, err)
	assert.True(t, held)
	held, err = c.TryAcquire(ctx)
	require.NoError(t, err)
	assert.False(t, held, "taken")
	assert.Equal(t, "a", c.Holder(ctx))
	require.NoError(t, a.Renew(ctx))

	a.Release(ctx)
	held, err = c.TryAcquire(ctx)
	require.NoError(t, err)
	assert.True(t, held, "released: the standby takes it at once")
}

// A holder that stops renewing (killed) loses the lease after the TTL,
// and finds out when it renews again.
func TestExpiredLeaseTakenOver(t *testing.T) {
	b := open(t)
	ctx := context.Background()
	a, c := lease.New(b.Leases, "gc", "a", ttl), lease.New(b.Leases, "gc", "c", ttl)
	held, err := a.TryAcquire(ctx)
	require.NoError(t, err)
	require.True(t, held)
	require.Eventually(t, func() bool {
		held, err := c.TryAcquire(ctx)
		require.NoError(t, err)
		return held
	}, 10*ttl, 50*time.Millisecond)
	assert.ErrorIs(t, a.Renew(ctx), lease.ErrLost)
}

// Run does the work on one daemon only; when that one stops, the other
// takes over.
func TestRunFailsOver(t *testing.T) {
	b := open(t)
	var running [2]atomic.Bool
	var both atomic.Bool
	cancels := make([]context.CancelFunc, 2)
	dones := make([]chan struct{}, 2)
	for i := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i], dones[i] = cancel, make(chan struct{})
		l := lease.New(b.Leases, "csv", []string{"a", "c"}[i], ttl)
		go func() {
			defer close(dones[i])
			l.Run(ctx, quiet, func(ctx context.Context) {
				running[i].Store(true)
				if running[1-i].Load() {
					both.Store(true)
				}
				<-ctx.Done()
				running[i].Store(false)
			})
		}()
	}
	t.Cleanup(func() {
		for i := range 2 {
			cancels[i]()
			<-dones[i]
		}
	})
	var active int
	require.Eventually(t, func() bool {
		for i := range 2 {
			if running[i].Load() {
				active = i
				return true
			}
		}
		return false
	}, 5*ttl, 10*time.Millisecond)
	time.Sleep(ttl) // renewals keep it where it is
	assert.True(t, running[active].Load())
	assert.False(t, running[1-active].Load())

	cancels[active]()
	<-dones[active]
	require.Eventually(t, func() bool { return running[1-active].Load() }, 5*ttl, 10*time.Millisecond, "the standby takes over")
	assert.False(t, both.Load(), "never both at once")
}
