package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/internal/testbus"
	"github.com/polarbridge/polarbridge/internal/testdisk"
)

// A full disk stops the embedded JetStream (nats-server does so when a
// write fails for lack of space). Storage names the disk and its free
// space, and once space is freed RecoverStorage restarts JetStream with
// everything stored before still there.
func TestFullDiskStopsAndRecovers(t *testing.T) {
	disk := testdisk.Mount(t, 48<<20)
	b := testbus.OpenWith(t, func(o *bus.Options) { o.DataDir = disk + "/data" })
	ctx := context.Background()
	_, err := b.Storage()
	require.NoError(t, err)
	for i := range 5 {
		_, err := b.JS.Publish(ctx, b.EventSubject("EXERCISE"), fmt.Appendf(nil, "before %d", i))
		require.NoError(t, err)
	}

	free := testdisk.Fill(t, disk)
	var publishErr error
	require.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, publishErr = b.JS.Publish(pctx, b.EventSubject("EXERCISE"), make([]byte, 64<<10))
		_, err := b.Storage()
		return err != nil
	}, 30*time.Second, 50*time.Millisecond)
	st, err := b.Storage()
	require.ErrorIs(t, err, bus.ErrStorage)
	assert.Contains(t, err.Error(), disk+"/data")
	assert.Contains(t, err.Error(), "free")
	assert.Error(t, publishErr)
	t.Logf("full: %v (publish: %v), %+v", err, publishErr, st)

	restarted, err := b.RecoverStorage()
	require.NoError(t, err)
	assert.False(t, restarted, "not while the disk is full")

	free()
	require.Eventually(t, func() bool {
		_, err := b.RecoverStorage()
		require.NoError(t, err)
		_, err = b.Storage()
		return err == nil
	}, 30*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, err := b.JS.Publish(pctx, b.EventSubject("EXERCISE"), []byte("after"))
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "JetStream takes writes again")
	s, err := b.JS.Stream(ctx, bus.EventsStream)
	require.NoError(t, err)
	for i := range 5 {
		m, err := s.GetMsg(ctx, uint64(i+1))
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("before %d", i), string(m.Data))
	}
}
