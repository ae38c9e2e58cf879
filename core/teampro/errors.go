package teampro

import (
	"github.com/polarbridge/polarbridge/core/polarhttp"

	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrUnauthorized: Team Pro rejected the access token and refreshing
	// it did not help, or the refresh token was rejected.
	ErrUnauthorized = errors.New("Team Pro authorization rejected: re-authorize with `polarbridge teampro add`")
	// ErrNotFound: 404, the team, session or player is not the coach's.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: still 429 after the client's retries.
	ErrRateLimited = errors.New("Team Pro rate limit exceeded")
	// ErrUnavailable: 5xx (or 408) more times than the client retries.
	ErrUnavailable = errors.New("Team Pro unavailable")
	// ErrInvalidArgument: a method was called with an empty id or the
	// like; no request was made.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrInvalidPayload: JSON that does not decode, or lacks a field the
	// record needs.
	ErrInvalidPayload = errors.New("invalid Team Pro payload")
	// ErrInvalidTime: a timestamp, offset or ISO 8601 duration is invalid.
	ErrInvalidTime = errors.New("invalid time")
	// ErrTokenNotSaved: a refreshed token could not be persisted, so it is
	// not used yet; the next call retries the save.
	ErrTokenNotSaved = errors.New("refreshed Team Pro token not saved")
)

// HTTPError is an unexpected response status; it wraps the sentinel for
// the status, if any.
type HTTPError = polarhttp.HTTPError

// Permanent reports whether retrying the same call cannot succeed without
// someone acting first (re-authorizing, fixing the input).
func Permanent(err error) bool {
	if err == nil || polarhttp.Temporary(err) ||
		errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTokenNotSaved) {
		return false
	}
	for _, p := range []error{ErrUnauthorized, ErrNotFound, ErrInvalidArgument, ErrInvalidPayload, ErrInvalidTime} {
		if errors.Is(err, p) {
			return true
		}
	}
	permanent, _ := polarhttp.PermanentStatus(err)
	return permanent
}

// sentinels are Team Pro's errors for a status: no 403 or 409 sentinel,
// the API documents neither.
var sentinels = polarhttp.Sentinels{
	Unauthorized: ErrUnauthorized, NotFound: ErrNotFound, RateLimited: ErrRateLimited, Unavailable: ErrUnavailable,
}

func statusError(method, endpoint string, status int, body []byte, secrets ...string) *HTTPError {
	return polarhttp.NewHTTPError("teampro", sentinels, method, endpoint, status, body, secrets...)
}

// Warning is a data problem that did not stop parsing: a malformed sample
// row, a row longer or shorter than its field list, an unknown enum.
type Warning struct {
	Where   string // e.g. "samples", "feeling", "markers[2]"
	Row     int    // sample row index; -1 if not about a row
	Message string
}

func (w Warning) String() string {
	if w.Row >= 0 {
		return fmt.Sprintf("%s row %d: %s", w.Where, w.Row, w.Message)
	}
	return w.Where + ": " + w.Message
}
