package pluginhost_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/pluginhost"
	"github.com/polarbridge/polarbridge/internal/testbus"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// The JetStream-backed KV must behave like the SDK's MemoryKV, which
// plugin authors test against.
func TestJetStreamKVMatchesSDKContract(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	bucket, err := b.PluginKV(ctx, "strava")
	require.NoError(t, err)
	for name, kv := range map[string]pluginapi.KV{"jetstream": pluginhost.NewKV(bucket), "memory": pluginapi.NewMemoryKV()} {
		t.Run(name, func(t *testing.T) {
			_, _, err := kv.Get(ctx, "receipt.1")
			require.ErrorIs(t, err, pluginapi.ErrKeyNotFound)

			rev, err := kv.Update(ctx, "receipt.1", []byte("upload 7"), 0)
			require.NoError(t, err)
			_, err = kv.Update(ctx, "receipt.1", []byte("upload 8"), 0)
			require.ErrorIs(t, err, pluginapi.ErrRevisionMismatch)
			_, err = kv.Update(ctx, "receipt.1", []byte("upload 8"), rev+100)
			require.ErrorIs(t, err, pluginapi.ErrRevisionMismatch)
			rev2, err := kv.Update(ctx, "receipt.1", []byte("activity 9"), rev)
			require.NoError(t, err)
			assert.Greater(t, rev2, rev)

			v, gotRev, err := kv.Get(ctx, "receipt.1")
			require.NoError(t, err)
			assert.Equal(t, "activity 9", string(v))
			assert.Equal(t, rev2, gotRev)

			_, err = kv.Put(ctx, "token", []byte("x"))
			require.NoError(t, err)
			keys, err := kv.Keys(ctx, "receipt.")
			require.NoError(t, err)
			assert.Equal(t, []string{"receipt.1"}, keys)

			_, err = kv.Put(ctx, "has space", nil)
			require.ErrorIs(t, err, pluginapi.ErrInvalidKey)

			require.NoError(t, kv.Delete(ctx, "receipt.1"))
			_, _, err = kv.Get(ctx, "receipt.1")
			require.ErrorIs(t, err, pluginapi.ErrKeyNotFound)
		})
	}
}
