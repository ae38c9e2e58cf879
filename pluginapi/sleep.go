package pluginapi

import (
	"context"
	"time"
)

// SleepContext waits for d or until ctx is done, whichever is first; it
// returns ctx's error in the second case. Exporters inject it (or a fake
// clock's) for pacing and polling.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
