package bus_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
)

// An object reads back the same whoever wrote it: the writer from its
// memory, another process (here an attached bus) from the store.
func TestObjectsReadBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := bus.Open(ctx, options(dir))
	require.NoError(t, err)
	defer b.Close()
	other, err := bus.Attach(ctx, options(dir))
	require.NoError(t, err)
	defer other.Close()

	// Over 8 MiB in all, so the first ones are read from the store.
	var names []string
	var want [][]byte
	for i := range 10 {
		data := bytes.Repeat([]byte{byte(i)}, 1<<20+i)
		name := "records/k" + string(rune('a'+i))
		require.NoError(t, b.PutObject(ctx, name, data, true))
		names, want = append(names, name), append(want, data)
	}
	for i, name := range names {
		for _, r := range []*bus.Bus{b, other} {
			got, err := r.ReadObject(ctx, name)
			require.NoError(t, err, name)
			assert.True(t, bytes.Equal(want[i], got), name)
		}
	}

	require.NoError(t, b.DeleteObject(ctx, names[9]))
	_, err = b.ReadObject(ctx, names[9])
	assert.ErrorIs(t, err, jetstream.ErrObjectNotFound, "a deleted object is not served from memory")
	_, err = b.ReadObject(ctx, "records/never")
	assert.ErrorIs(t, err, jetstream.ErrObjectNotFound)

	// Only what is read soon is kept in memory: with the stored copy gone,
	// the one is still served, the other not.
	require.NoError(t, b.PutObject(ctx, "files/kept", []byte("read soon"), true))
	require.NoError(t, b.PutObject(ctx, "files/stored", []byte("not read soon"), false))
	for _, name := range []string{"files/kept", "files/stored"} {
		require.NoError(t, b.Files.Delete(ctx, name))
	}
	got, err := b.ReadObject(ctx, "files/kept")
	require.NoError(t, err)
	assert.Equal(t, "read soon", string(got))
	_, err = b.ReadObject(ctx, "files/stored")
	assert.ErrorIs(t, err, jetstream.ErrObjectNotFound, "not kept in memory")
}
