package pluginapi

import (
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
