package daemon_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/seen"
)

// untar unpacks a .tar.gz into dir.
func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		require.NoError(t, err)
		p := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			require.NoError(t, os.MkdirAll(p, 0o700))
		case tar.TypeReg:
			out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			require.NoError(t, err)
			_, err = io.Copy(out, tr)
			require.NoError(t, err)
			require.NoError(t, out.Close())
		}
	}
}

// TestDataDirOfEarlierVersion starts today's daemon on a data_dir written
// by polarbridge as of e772ed0 (the last release before the source
// rework): its users, Team Pro account, webhook key, seen-state, dead
// letters and plugin receipts are all read as they were.
func TestDataDirOfEarlierVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	require.NoError(t, os.MkdirAll(data, 0o700))
	untar(t, "testdata/datadir-v1.tar.gz", data)
	h := start(t, dir, baseConfig)

	u, err := h.d.Accounts.User(ctx, "475")
	require.NoError(t, err)
	assert.Equal(t, "user-token-475", u.AccessToken)
	c, err := h.d.Accounts.Coach(ctx, "coach")
	require.NoError(t, err)
	assert.Equal(t, "coach-refresh", c.Token.RefreshToken)
	w, ok, err := h.d.Accounts.Webhook(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "webhook-key", w.Secret)
	last, err := h.d.Accounts.LastWebhookEvent(ctx)
	require.NoError(t, err)
	assert.False(t, last.IsZero())

	st, err := seen.Open(ctx, h.d.Bus)
	require.NoError(t, err)
	fp, err := st.Get(ctx, "exercise.475.aQlC83")
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef", fp)
	state, err := st.Get(ctx, "sleep.475.2026-12-01")
	require.NoError(t, err)
	assert.Equal(t, seen.Processed, state)

	entries, err := dlq.New(h.d.Bus).List(ctx, "csv")
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "sleep.475.2026-12-01", entries[0].Key)
	assert.Equal(t, "disk full", entries[0].Error)

	kv, err := h.d.Bus.PluginKV(ctx, "strava")
	require.NoError(t, err)
	receipt, err := kv.Get(ctx, "receipt.exercise.475.aQlC83")
	require.NoError(t, err)
	assert.JSONEq(t, `{"activity_id":123,"version":"v1"}`, string(receipt.Value()))
}
