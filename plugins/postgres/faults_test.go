package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testpg"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func statuses(t *testing.T, h *pluginapi.Harness, recs ...*pluginapi.Record) ([]pluginapi.ExportResult_Status, []string) {
	t.Helper()
	res, err := h.Export(context.Background(), recs...)
	require.NoError(t, err)
	st, msgs := make([]pluginapi.ExportResult_Status, len(res)), make([]string, len(res))
	for i, r := range res {
		st[i], msgs[i] = r.GetStatus(), r.GetMessage()
	}
	return st, msgs
}

func all(n int, s pluginapi.ExportResult_Status) []pluginapi.ExportResult_Status {
	out := make([]pluginapi.ExportResult_Status, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestServerRestart stops the server mid-stream: exports answer Retry
// while it is down, and after the restart the retried batch lands once.
func TestServerRestart(t *testing.T) {
	srv := testpg.Start(t)
	h := launch(t, srv, nil)
	first, second := everyKind("475", night), everyKind("475", night.AddDate(0, 0, 1))
	exportOK(t, h, first...)
	one := counts(t, srv.Conn())

	srv.Stop()
	st, msgs := statuses(t, h, second...)
	assert.Equal(t, all(len(second), pluginapi.ExportResult_STATUS_RETRY), st, "while the server is down: %v", msgs)
	srv.Restart()
	exportOK(t, h, second...)
	exportOK(t, h, second...) // the daemon may deliver it once more
	two := counts(t, srv.Conn())
	for table, n := range one {
		if table == "users" || table == "schema_migrations" {
			assert.Equal(t, n, two[table], table)
			continue
		}
		assert.Equal(t, 2*n, two[table], "rows of %s after both days", table)
	}
}

// TestServerDownAtConfigure: the daemon starts while the database is
// down; the schema is created at the first export that reaches it.
func TestServerDownAtConfigure(t *testing.T) {
	srv := testpg.Start(t)
	srv.Stop()
	h := launch(t, srv, nil)
	recs := everyKind("475", night)[:3]
	st, msgs := statuses(t, h, recs...)
	assert.Equal(t, all(len(recs), pluginapi.ExportResult_STATUS_RETRY), st, "%v", msgs)
	srv.Restart()
	exportOK(t, h, recs...)
	assert.Equal(t, 3, counts(t, srv.Conn())["records"])
}

// TestBadPassword: a wrong password is Permanent, says where the
// password comes from and shows it neither in results nor in logs.
func TestBadPassword(t *testing.T) {
	srv := testpg.Start(t)
	const wrong = "Wr0ng-pa55word"
	var logs bytes.Buffer
	var mu sync.Mutex
	h, err := pluginapi.NewBinaryHarness(pluginBin, pluginapi.WithLogger(slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	defer h.Close()
	require.NoError(t, h.Configure(context.Background(), config(srv, map[string]any{"password": wrong})))
	recs := everyKind("475", night)[:2]
	st, msgs := statuses(t, h, recs...)
	assert.Equal(t, all(len(recs), pluginapi.ExportResult_STATUS_PERMANENT), st, "%v", msgs)
	for _, m := range msgs {
		assert.Contains(t, m, "check the password")
		assert.Contains(t, m, "__CONFIG__PASSWORD")
		assert.Contains(t, m, "28P01")
		assert.NotContains(t, m, wrong)
	}
	logText := func() string {
		mu.Lock()
		defer mu.Unlock()
		return logs.String()
	}
	// Log lines reach the host asynchronously (the plugin's stderr).
	assert.Eventually(t, func() bool { return strings.Contains(logText(), "schema not migrated yet") },
		5*time.Second, 20*time.Millisecond, "Configure warns; logs:\n%s", logText())
	assert.NotContains(t, logText(), wrong)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestRefusedRecord: a record PostgreSQL refuses for its data is
// Permanent with the server's message; the rest of the batch lands.
func TestRefusedRecord(t *testing.T) {
	srv := testpg.Start(t)
	h := launch(t, srv, nil)
	recs := everyKind("475", night)[:3]
	badDate := recs[1] // the sleep
	badDate.GetSleep().Date = "2026-02-30"
	nul := recs[2] // the nightly recharge: text PostgreSQL cannot hold
	nul.UserId = "47\x005"
	nulKey := everyKind("475", night)[3] // the cardio load
	nulKey.Key += "\x00"
	ok := everyKind("475", night)[4]
	recs = append(recs, nulKey, ok)
	st, msgs := statuses(t, h, recs...)
	assert.Equal(t, []pluginapi.ExportResult_Status{
		pluginapi.ExportResult_STATUS_OK, pluginapi.ExportResult_STATUS_PERMANENT, pluginapi.ExportResult_STATUS_PERMANENT,
		pluginapi.ExportResult_STATUS_PERMANENT, pluginapi.ExportResult_STATUS_OK,
	}, st, "%v", msgs)
	assert.Contains(t, msgs[1], "date/time field value out of range")
	assert.Contains(t, msgs[2], "0x00")
	assert.Contains(t, msgs[3], "NUL")
	assert.Equal(t, 2, counts(t, srv.Conn())["records"])
}

// TestMigrationIdempotent: two plugin processes configure a fresh
// database at once, then one again: the schema is migrated once.
func TestMigrationIdempotent(t *testing.T) {
	srv := testpg.Start(t)
	hs := make([]*pluginapi.Harness, 2)
	for i := range hs {
		h, err := pluginapi.NewBinaryHarness(pluginBin)
		require.NoError(t, err)
		defer h.Close()
		hs[i] = h
	}
	errs := make([]error, len(hs))
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Go(func() { errs[i] = h.Configure(context.Background(), config(srv, nil)) })
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.NoError(t, hs[0].Configure(context.Background(), config(srv, nil)))
	conn := srv.Conn()
	var n int
	var names string
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*), string_agg(name, ',') FROM polar.schema_migrations").Scan(&n, &names))
	assert.Equal(t, 1, n, names)
	assert.True(t, strings.HasPrefix(names, "0001_"), names)
	// Both processes write.
	recs := everyKind("475", night)
	exportOK(t, hs[0], recs[:5]...)
	exportOK(t, hs[1], recs[5:]...)
	assert.Equal(t, len(recs), counts(t, conn)["records"])
}

// TestConcurrentInsert: another writer inserts the same new record
// while the plugin writes it. The plugin waits for its lock, then
// answers Retry for that record (a unique violation) and OK for the
// others; the retry replaces the other writer's version.
func TestConcurrentInsert(t *testing.T) {
	srv := testpg.Start(t)
	h := launch(t, srv, map[string]any{"store_files": true}) // checkRecord expects the bytes
	recs := everyKind("475", night)
	contested := recs[1]
	ctx := context.Background()
	other := srv.Conn()
	tx, err := other.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `INSERT INTO polar.records (key, kind, version, source) VALUES ($1, 'sleep', 'other', 'accesslink')`, contested.GetKey())
	require.NoError(t, err)

	type answer struct {
		st   []pluginapi.ExportResult_Status
		msgs []string
	}
	done := make(chan answer, 1)
	go func() {
		st, msgs := statuses(t, h, recs...)
		done <- answer{st, msgs}
	}()
	// Commit once the plugin waits for the row's lock.
	watch := srv.Conn()
	require.Eventually(t, func() bool {
		var n int
		err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name LIKE 'polarbridge-%' AND wait_event_type = 'Lock'`).Scan(&n)
		return err == nil && n > 0
	}, 10*time.Second, 10*time.Millisecond, "the plugin waits for the lock")
	require.NoError(t, tx.Commit(ctx))
	a := <-done
	for i, s := range a.st {
		want := pluginapi.ExportResult_STATUS_OK
		if i == 1 {
			want = pluginapi.ExportResult_STATUS_RETRY
		}
		assert.Equal(t, want, s, "record %s: %s", recs[i].GetKey(), a.msgs[i])
	}
	assert.Contains(t, a.msgs[1], "23505")

	exportOK(t, h, contested) // the retry
	for _, r := range recs {
		checkRecord(t, srv.Conn(), r)
	}
	assert.Equal(t, len(recs), counts(t, srv.Conn())["records"])
}
