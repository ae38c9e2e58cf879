package dlq_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testbus"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// deadLetter publishes rec as the daemon would and dead-letters the
// stored message for exporter, as a dispatcher giving up would.
func deadLetter(t *testing.T, b *bus.Bus, q *dlq.Queue, exporter string, rec *pluginapi.Record) {
	t.Helper()
	ctx := context.Background()
	_, err := records.NewPublisher(b).Publish(ctx, rec)
	require.NoError(t, err)
	s, err := b.JS.Stream(ctx, bus.RecordsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	raw, err := s.GetMsg(ctx, info.State.LastSeq)
	require.NoError(t, err)
	require.NoError(t, q.Put(ctx, exporter, raw.Subject, raw.Header, raw.Data, "destination down", 8))
}

func lastSubject(t *testing.T, b *bus.Bus, stream string) string {
	t.Helper()
	s, err := b.JS.Stream(context.Background(), stream)
	require.NoError(t, err)
	raw, err := s.GetLastMsgForSubject(context.Background(), ">")
	require.NoError(t, err)
	return raw.Subject
}

func TestPutListReplay(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	q := dlq.New(b)
	rec := testrecords.Sleep("475", "2026-12-01")
	deadLetter(t, b, q, "csv", rec)

	entries, err := q.List(ctx, "csv")
	require.NoError(t, err)
	require.Len(t, entries, 1)
	e := entries[0]
	assert.Equal(t, "csv", e.Exporter)
	assert.Equal(t, "sleep.475.2026-12-01", e.Key)
	assert.Equal(t, "sleep", e.Kind)
	assert.Equal(t, "destination down", e.Error)
	assert.Equal(t, 8, e.Attempts)
	assert.False(t, e.FailedAt.IsZero())
	other, err := q.List(ctx, "influxdb")
	require.NoError(t, err)
	assert.Empty(t, other, "another exporter's queue is its own")

	_, err = q.Replay(ctx, "csv", []uint64{e.ID + 100})
	assert.ErrorContains(t, err, "no dead letter with id")

	n, err := q.Replay(ctx, "csv", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	entries, err = q.List(ctx, "csv")
	require.NoError(t, err)
	assert.Empty(t, entries, "a replayed dead letter leaves the queue")
	assert.True(t, strings.HasPrefix(lastSubject(t, b, bus.RecordsStream), bus.RedeliverSubject+".csv."),
		"the record goes back to its exporter only")
}

// A dead letter overtaken by a newer version of its record is dropped on
// replay: delivering it would overwrite the newer data.
func TestReplayDropsSuperseded(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	q := dlq.New(b)
	v1 := testrecords.Sleep("475", "2026-12-01")
	deadLetter(t, b, q, "csv", v1)
	v2 := testrecords.Sleep("475", "2026-12-01")
	v2.GetSleep().SleepScore++
	_, err := records.NewPublisher(b).Publish(ctx, v2)
	require.NoError(t, err)

	n, err := q.Replay(ctx, "", nil)
	require.NoError(t, err)
	assert.Zero(t, n)
	entries, err := q.List(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// An event the ingest worker gave up on goes back where it came from.
func TestReplayEvent(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	q := dlq.New(b)
	subject := b.EventSubject("EXERCISE")
	body := []byte(`{"event":"EXERCISE","user_id":475,"entity_id":"a1"}`)
	require.NoError(t, q.Put(ctx, "ingest", subject, nil, body, "unknown user", 1))
	n, err := q.Replay(ctx, "ingest", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	s, err := b.JS.Stream(ctx, bus.EventsStream)
	require.NoError(t, err)
	raw, err := s.GetLastMsgForSubject(ctx, subject)
	require.NoError(t, err, "the event is back on its subject")
	assert.Equal(t, body, raw.Data)
}
