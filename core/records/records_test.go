package records_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testbus"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func TestVersionFollowsContent(t *testing.T) {
	a := testrecords.Sleep("475", "2026-05-05")
	b := testrecords.Sleep("475", "2026-05-05")
	va, err := records.Version(a)
	require.NoError(t, err)
	vb, err := records.Version(b)
	require.NoError(t, err)
	assert.Equal(t, va, vb, "same content, same version")

	b.Version = "something else"
	vb, _ = records.Version(b)
	assert.Equal(t, va, vb, "the version field itself does not count")

	b.GetSleep().SleepScore++
	vb, _ = records.Version(b)
	assert.NotEqual(t, va, vb)

	ex := testrecords.Exercise("475", "1", time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC), time.Minute)
	ex.GetExercise().Files = []*pluginapi.File{{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Sha256: "ab", Data: []byte{1}}}
	v1, _ := records.Version(ex)
	ex.GetExercise().Files[0].Data = []byte{2, 3}
	v2, _ := records.Version(ex)
	assert.Equal(t, v1, v2, "file bytes are covered by their digest, not hashed again")
}

func TestPublishOncePerVersionAndLargeBodies(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	pub := records.NewPublisher(b)

	// A 10 h exercise: far over NATS's 1 MB payload limit.
	rec := testrecords.Exercise("475", "long", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Hour)
	fit := bytes.Repeat([]byte("FIT"), 1<<20)
	file, err := pub.PutFile(ctx, pluginapi.FileFormat_FILE_FORMAT_FIT, fit, true)
	require.NoError(t, err)
	file.Data = fit // a caller may leave the bytes in: they must not be published
	rec.GetExercise().Files = []*pluginapi.File{file}

	published, err := pub.Publish(ctx, rec)
	require.NoError(t, err)
	assert.True(t, published)
	published, err = pub.Publish(ctx, proto.Clone(rec).(*pluginapi.Record))
	require.NoError(t, err)
	assert.False(t, published, "the same version is published once")

	s, err := b.JS.Stream(ctx, bus.RecordsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, info.State.Msgs)
	raw, err := s.GetMsg(ctx, info.State.LastSeq)
	require.NoError(t, err)
	assert.Empty(t, raw.Data, "the body went to the object store")
	assert.NotEmpty(t, raw.Header.Get(records.HeaderBodyObject))
	assert.Equal(t, "exercise.475.long", raw.Header.Get(records.HeaderKey))

	rd := records.NewReader(b)
	got, err := rd.Decode(ctx, raw.Header, raw.Data)
	require.NoError(t, err)
	assert.Len(t, got.GetExercise().GetSamples()[0].GetValues(), 36000)
	require.Len(t, got.GetExercise().GetFiles(), 1)
	assert.Empty(t, got.GetExercise().GetFiles()[0].GetData())
	require.NoError(t, rd.LoadFiles(ctx, got))
	assert.Equal(t, fit, got.GetExercise().GetFiles()[0].GetData())

	// A tampered file is refused, not handed to an exporter.
	got.GetExercise().GetFiles()[0].Data = nil
	got.GetExercise().GetFiles()[0].Sha256 = "00"
	require.ErrorIs(t, rd.LoadFiles(ctx, got), records.ErrBadRecord)

	_, err = pub.Publish(ctx, &pluginapi.Record{Key: "x"})
	require.ErrorIs(t, err, records.ErrBadRecord)
}

// A record that goes back to an earlier version within the
// de-duplication window (A, B, A) must still reach exporters.
func TestBackToAnEarlierVersionIsPublished(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	pub := records.NewPublisher(b)
	a := testrecords.Sleep("475", "2026-05-05")
	changed := testrecords.Sleep("475", "2026-05-05")
	changed.GetSleep().SleepScore = 50
	for i, r := range []*pluginapi.Record{a, changed, testrecords.Sleep("475", "2026-05-05")} {
		published, err := pub.Publish(ctx, r)
		require.NoError(t, err)
		assert.True(t, published, "publish %d", i)
	}
	s, err := b.JS.Stream(ctx, bus.RecordsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, info.State.Msgs)
	last, err := s.GetMsg(ctx, info.State.LastSeq)
	require.NoError(t, err)
	assert.Equal(t, a.GetVersion(), last.Header.Get(records.HeaderVersion), "the newest message is A again")
}

// A file reused by a new record long after it was stored is stored again,
// so object GC (which goes by age) cannot take it from a live record.
func TestPutFileRenewsOldFiles(t *testing.T) {
	ctx := context.Background()
	b := testbus.OpenWith(t, func(o *bus.Options) { o.RecordsMaxAge, o.DuplicateWindow = 400*time.Millisecond, 100*time.Millisecond })
	pub := records.NewPublisher(b)
	f, err := pub.PutFile(ctx, pluginapi.FileFormat_FILE_FORMAT_FIT, []byte("fit"), true)
	require.NoError(t, err)
	first, err := b.Files.GetInfo(ctx, f.GetObject())
	require.NoError(t, err)

	_, err = pub.PutFile(ctx, pluginapi.FileFormat_FILE_FORMAT_FIT, []byte("fit"), true)
	require.NoError(t, err)
	again, err := b.Files.GetInfo(ctx, f.GetObject())
	require.NoError(t, err)
	assert.Equal(t, first.ModTime, again.ModTime, "a young file is reused as it is")

	time.Sleep(250 * time.Millisecond) // past half the records' max age
	_, err = pub.PutFile(ctx, pluginapi.FileFormat_FILE_FORMAT_FIT, []byte("fit"), true)
	require.NoError(t, err)
	renewed, err := b.Files.GetInfo(ctx, f.GetObject())
	require.NoError(t, err)
	assert.True(t, renewed.ModTime.After(first.ModTime), "an old file is stored again")

	n, err := records.GC(ctx, b, time.Hour, nil)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is old enough to collect")
	n, err = records.GC(ctx, b, 0, map[string]bool{})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// GC collects the bodies nothing keeps, in their bucket and in the files
// bucket, where an older daemon stored them.
func TestGCCollectsBodies(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	rec := testrecords.Exercise("475", "r", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Hour)
	_, err := records.NewPublisher(b).Publish(ctx, rec)
	require.NoError(t, err)
	body := bus.BodyPrefix + rec.GetKey() + "/" + rec.GetVersion()
	_, err = b.Bodies.GetInfo(ctx, body)
	require.NoError(t, err, "a 10 h exercise's body is an object")
	legacy := bus.BodyPrefix + rec.GetKey() + "/older"
	_, err = b.Files.PutBytes(ctx, legacy, []byte("an older daemon's body"))
	require.NoError(t, err)

	n, err := records.GC(ctx, b, 0, map[string]bool{body: true})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = b.Files.GetInfo(ctx, legacy)
	assert.ErrorIs(t, err, jetstream.ErrObjectNotFound)
	n, err = records.GC(ctx, b, 0, map[string]bool{})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = b.Bodies.GetInfo(ctx, body)
	assert.ErrorIs(t, err, jetstream.ErrObjectNotFound)
}

// Objects of a replayed dead letter are kept while the replay waits in
// the stream.
func TestRedeliveryReferences(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	pub := records.NewPublisher(b)
	rec := testrecords.Exercise("475", "r", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Hour)
	f, err := pub.PutFile(ctx, pluginapi.FileFormat_FILE_FORMAT_FIT, []byte("fit"), true)
	require.NoError(t, err)
	rec.GetExercise().Files = []*pluginapi.File{f}
	_, err = pub.Publish(ctx, rec)
	require.NoError(t, err)
	require.NoError(t, pub.Redeliver(ctx, "csv", rec))

	keep := map[string]bool{}
	require.NoError(t, records.NewReader(b).RedeliveryReferences(ctx, keep))
	assert.True(t, keep[f.GetObject()])
	assert.True(t, keep["records/exercise.475.r/"+rec.GetVersion()])
	assert.Len(t, keep, 2)
}

// Two daemons publish two versions of one night at once: X read the KV,
// then Y published and remembered the newer version, then X's (older)
// message went out. A plain put let X leave the KV on the older version
// and the stream ending with it; the compare-and-set refuses X's write,
// and X's retry (a fresh fetch, which yields the newer content) is
// published after both, so exporters end on the newer version.
func TestConcurrentPublishersNeverLeaveAnOlderVersion(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	x, y := records.NewPublisher(b), records.NewPublisher(b)
	_, err := x.Publish(ctx, testrecords.Sleep("475", "2026-05-05"))
	require.NoError(t, err)

	older := testrecords.Sleep("475", "2026-05-05")
	older.GetSleep().SleepScore = 60
	newer := testrecords.Sleep("475", "2026-05-05")
	newer.GetSleep().SleepScore = 80
	records.SetAfterPublish(x, func() {
		records.SetAfterPublish(x, nil)
		published, err := y.Publish(ctx, proto.Clone(newer).(*pluginapi.Record))
		require.NoError(t, err)
		require.True(t, published)
	})
	_, err = x.Publish(ctx, older)
	require.ErrorIs(t, err, records.ErrVersionConflict)

	// X's retry fetches again and gets the newer content.
	published, err := x.Publish(ctx, newer)
	require.NoError(t, err)
	assert.True(t, published, "after a conflict the fresh fetch is published again")

	e, err := b.Versions.Get(ctx, newer.GetKey())
	require.NoError(t, err)
	assert.Equal(t, newer.GetVersion(), string(e.Value()))
	s, err := b.JS.Stream(ctx, bus.RecordsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	last, err := s.GetMsg(ctx, info.State.LastSeq)
	require.NoError(t, err)
	assert.Equal(t, newer.GetVersion(), last.Header.Get(records.HeaderVersion), "the stream ends with the newer version")

	// Same content from both at once is no conflict.
	same := testrecords.Sleep("475", "2026-05-06")
	records.SetAfterPublish(x, func() {
		records.SetAfterPublish(x, nil)
		_, err := y.Publish(ctx, proto.Clone(same).(*pluginapi.Record))
		require.NoError(t, err)
	})
	_, err = x.Publish(ctx, same)
	require.NoError(t, err)
}
