package pluginapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStored(t *testing.T) {
	ctx := context.Background()
	kv := NewMemoryKV()
	type receipt struct{ IDs []string }
	a, err := LoadStored[receipt](ctx, kv, "receipt.x")
	require.NoError(t, err)
	assert.False(t, a.Exists())
	a.Value.IDs = []string{"i1"}
	require.NoError(t, a.Save(ctx))
	assert.True(t, a.Exists())

	b, err := LoadStored[receipt](ctx, kv, "receipt.x")
	require.NoError(t, err)
	assert.Equal(t, []string{"i1"}, b.Value.IDs)
	b.Value.IDs = append(b.Value.IDs, "i2")
	require.NoError(t, b.Save(ctx))

	// a is stale now: it must not overwrite b's write.
	a.Value.IDs = nil
	assert.ErrorIs(t, a.Save(ctx), ErrRevisionMismatch)
	c, err := LoadStored[receipt](ctx, kv, "receipt.x")
	require.NoError(t, err)
	assert.Equal(t, []string{"i1", "i2"}, c.Value.IDs)

	_, err = kv.Put(ctx, "receipt.bad", []byte("{"))
	require.NoError(t, err)
	_, err = LoadStored[receipt](ctx, kv, "receipt.bad")
	assert.ErrorContains(t, err, "decode receipt.bad")
}
