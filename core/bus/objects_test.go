package bus_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
)

// openAndAttach opens a bus and attaches a second one to it, as a CLI
// command does: the second reads objects from the store, not from the
// first one's memory.
func openAndAttach(t *testing.T) (b, other *bus.Bus) {
	t.Helper()
	dir := t.TempDir()
	b, err := bus.Open(context.Background(), options(dir))
	require.NoError(t, err)
	t.Cleanup(b.Close)
	other, err = bus.Attach(context.Background(), options(dir))
	require.NoError(t, err)
	t.Cleanup(other.Close)
	return b, other
}

// An object reads back the same whoever wrote it: the writer from its
// memory, another process (here an attached bus) from the store.
func TestObjectsReadBack(t *testing.T) {
	ctx := context.Background()
	b, other := openAndAttach(t)
	var err error

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

// Bodies and files go to buckets of their own. A body stored in the files
// bucket, as before bodies had one, is still read, listed and deleted.
func TestObjectsBuckets(t *testing.T) {
	ctx := context.Background()
	b, other := openAndAttach(t)
	var err error

	body, file := bus.BodyPrefix+"exercise.475.r/v2", "files/ab12"
	require.NoError(t, b.PutObjectPaced(ctx, body, []byte("body")))
	require.NoError(t, b.PutObject(ctx, file, []byte("fit"), false))
	in := func(store jetstream.ObjectStore, name string) bool {
		_, err := store.GetInfo(ctx, name)
		if !errors.Is(err, jetstream.ErrObjectNotFound) {
			require.NoError(t, err)
		}
		return err == nil
	}
	assert.True(t, in(b.Bodies, body))
	assert.False(t, in(b.Files, body))
	assert.True(t, in(b.Files, file))
	assert.False(t, in(b.Bodies, file))

	// Written by an older daemon: in the files bucket.
	legacy := bus.BodyPrefix + "exercise.475.r/v1"
	_, err = b.Files.PutBytes(ctx, legacy, []byte("old body"))
	require.NoError(t, err)
	_, err = b.Files.PutBytes(ctx, body, []byte("body")) // and one in both
	require.NoError(t, err)
	got, err := other.ReadObject(ctx, legacy)
	require.NoError(t, err)
	assert.Equal(t, "old body", string(got))

	listed, err := other.ListObjects(ctx)
	require.NoError(t, err)
	var names []string
	for _, o := range listed {
		names = append(names, o.Name)
	}
	assert.ElementsMatch(t, []string{body, body, file, legacy}, names)

	for _, name := range []string{legacy, body, file} {
		require.NoError(t, other.DeleteObject(ctx, name), name)
		_, err := other.ReadObject(ctx, name)
		assert.ErrorIs(t, err, jetstream.ErrObjectNotFound, name)
	}
	assert.ErrorIs(t, other.DeleteObject(ctx, bus.BodyPrefix+"never"), jetstream.ErrObjectNotFound)
	assert.False(t, in(b.Files, body), "a body's copy in the files bucket goes with it")
	listed, err = other.ListObjects(ctx)
	require.NoError(t, err)
	assert.Empty(t, listed)
}

// The object stores' streams are written in blocks of at most 4 MB (the
// server's size for a stream with a per-subject limit; 8 MB without),
// which bounds what the embedded server keeps of the block it writes. A
// stream set up by an earlier version gets the limit at the next start.
func TestObjectStoreBlocks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	older, err := bus.Open(ctx, options(dir))
	require.NoError(t, err)
	// As versions before 2026-12 set it up: nats.go's own stream.
	_, err = older.JS.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: bus.FilesBucket, Storage: jetstream.FileStorage})
	require.NoError(t, err)
	st, err := older.JS.Stream(ctx, "OBJ_"+bus.FilesBucket)
	require.NoError(t, err)
	require.LessOrEqual(t, st.CachedInfo().Config.MaxMsgsPerSubject, int64(0))
	older.Close()

	b, err := bus.Open(ctx, options(dir))
	require.NoError(t, err)
	defer b.Close()
	for _, bucket := range []string{bus.FilesBucket, bus.BodiesBucket} {
		st, err := b.JS.Stream(ctx, "OBJ_"+bucket)
		require.NoError(t, err)
		assert.Positive(t, st.CachedInfo().Config.MaxMsgsPerSubject, bucket)
	}
	b.Close()

	b, err = bus.Open(ctx, options(dir)) // the server's next start
	require.NoError(t, err)
	defer b.Close()
	for i := range 12 {
		data := bytes.Repeat([]byte{byte(i)}, 1<<20)
		require.NoError(t, b.PutObject(ctx, "files/"+string(rune('a'+i)), data, false))
		require.NoError(t, b.PutObjectPaced(ctx, bus.BodyPrefix+string(rune('a'+i)), data))
	}
	for _, bucket := range []string{bus.FilesBucket, bus.BodiesBucket} {
		blocks, err := filepath.Glob(filepath.Join(dir, "jetstream", "*", "streams", "OBJ_"+bucket, "msgs", "*.blk"))
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(blocks), 3, "12 MiB in blocks of 4 MB: %v", blocks)
		for _, blk := range blocks {
			fi, err := os.Stat(blk)
			require.NoError(t, err)
			// A block ends with the message that passes its size.
			assert.LessOrEqual(t, fi.Size(), int64(4<<20+256<<10), blk)
		}
	}
}
