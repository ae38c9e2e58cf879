// Package backoff is how long the daemon waits before trying again, and
// the wait itself: one exponential rule for the Polar clients' HTTP
// retries, the event pipeline and the record pipeline.
package backoff

import (
	"context"
	"time"
)

// Exponential is the wait after n failed attempts (n ≥ 1): initial,
// doubling with each further failure, never more than limit.
func Exponential(initial, limit time.Duration, n int) time.Duration {
	d := initial
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Sleep waits d or until ctx ends, whichever is first, and returns
// ctx.Err() in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
