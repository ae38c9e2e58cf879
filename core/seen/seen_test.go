package seen_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/internal/testbus"
)

func TestSeenStates(t *testing.T) {
	ctx := context.Background()
	st, err := seen.Open(ctx, testbus.Open(t))
	require.NoError(t, err)
	get := func(item string) string {
		t.Helper()
		v, err := st.Get(ctx, item)
		require.NoError(t, err)
		return v
	}

	assert.Equal(t, "", get("exercise.1.a"), "unknown")

	// Taken in through a webhook before any poll listed it.
	require.NoError(t, st.MarkProcessed(ctx, "exercise.1.a"))
	assert.Equal(t, seen.Processed, get("exercise.1.a"))

	// Listed while its event was in flight: the worker settles it.
	require.NoError(t, st.Set(ctx, "sleep.1.2026-12-01", seen.PendingPrefix+"f1"))
	require.NoError(t, st.MarkProcessed(ctx, "sleep.1.2026-12-01"))
	assert.Equal(t, "f1", get("sleep.1.2026-12-01"))

	// A fingerprinted item stays as it is when processed again.
	require.NoError(t, st.Set(ctx, "exercise.1.b", "f2"))
	require.NoError(t, st.MarkProcessed(ctx, "exercise.1.b"))
	assert.Equal(t, "f2", get("exercise.1.b"))

	// An exercise taken in from a push keeps its summary's fingerprint,
	// the newest one if pushed again; a listed or pending one is settled
	// as MarkProcessed does.
	require.NoError(t, st.MarkProcessedSummary(ctx, "exercise.1.c", "s1"))
	assert.Equal(t, seen.SummaryPrefix+"s1", get("exercise.1.c"))
	require.NoError(t, st.MarkProcessedSummary(ctx, "exercise.1.c", "s2"))
	assert.Equal(t, seen.SummaryPrefix+"s2", get("exercise.1.c"))
	require.NoError(t, st.MarkProcessedSummary(ctx, "exercise.1.a", "s3"))
	assert.Equal(t, seen.SummaryPrefix+"s3", get("exercise.1.a"), "Processed by an older daemon")
	require.NoError(t, st.MarkProcessedSummary(ctx, "exercise.1.b", "s4"))
	assert.Equal(t, "f2", get("exercise.1.b"))
	require.NoError(t, st.Set(ctx, "exercise.1.d", seen.PendingPrefix+"f3"))
	require.NoError(t, st.MarkProcessedSummary(ctx, "exercise.1.d", "s5"))
	assert.Equal(t, "f3", get("exercise.1.d"))
}
