package pluginapi

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrPermanent marks an error no retry can fix (wrap it: fmt.Errorf("%w:
// ...", ErrPermanent)); ResultFor makes it a Permanent result.
var ErrPermanent = errors.New("permanent failure")

// ResultFor turns an export error into the record's result, so that each
// exporter classifies its errors once, on their types:
//   - nil: OK;
//   - an error with a method RetryAfter() time.Duration that returns more
//     than 0 (a rate limit): RetryAfter that long;
//   - an error with a method Permanent() bool that returns true (refused
//     credentials, a validation error), or wrapping ErrPermanent:
//     Permanent;
//   - anything else: Retry.
//
// The message is "key: err".
func ResultFor(key string, err error) *ExportResult {
	var (
		wait interface{ RetryAfter() time.Duration }
		perm interface{ Permanent() bool }
	)
	msg := fmt.Sprintf("%s: %v", key, err)
	switch {
	case err == nil:
		return OK()
	case errors.As(err, &wait) && wait.RetryAfter() > 0:
		return RetryAfter(wait.RetryAfter().Milliseconds(), "%s", msg)
	case errors.As(err, &perm) && perm.Permanent(), errors.Is(err, ErrPermanent):
		return Permanent("%s", msg)
	default:
		return Retry("%s", msg)
	}
}

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

// ParseConfigDuration parses the duration value of config key ("30s");
// "" gives def. Errors wrap ErrInvalidConfig.
func ParseConfigDuration(key, value string, def time.Duration) (time.Duration, error) {
	if value == "" {
		return def, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: key %q: %q is not a positive duration such as \"30s\"", ErrInvalidConfig, key, value)
	}
	return d, nil
}
