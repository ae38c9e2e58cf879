package accesslink

import (
	"errors"
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/core/polarhttp"
)

// Sentinel errors of the HTTP client. Their text tells the operator what
// to do; match them with errors.Is.
var (
	// ErrUnauthorized: AccessLink rejected the user's access token (401).
	// Tokens do not expire, so the user or the partner revoked it.
	ErrUnauthorized = errors.New("access token revoked or invalid: re-authorize the user with `polarbridge users add`")
	// ErrClientUnauthorized: AccessLink rejected the client credentials
	// (401 on a Basic-authenticated endpoint).
	ErrClientUnauthorized = errors.New("client credentials rejected: check the AccessLink client id and secret in the configuration")
	// ErrForbidden: 403, the user has not accepted the mandatory consents
	// (or is not registered to the client).
	ErrForbidden = errors.New("user has not accepted the mandatory consents: ask the user to accept the consents in Polar Flow")
	// ErrNotFound: the resource does not exist (404, or 204 where the
	// docs use it for "not found").
	ErrNotFound = errors.New("not found")
	// ErrConflict: 409, e.g. a webhook already exists.
	ErrConflict = errors.New("conflict")
	// ErrRateLimited: a rate limit is exhausted for longer than the client
	// may wait; see RateLimitError for when to try again.
	ErrRateLimited = errors.New("AccessLink rate limit exhausted")
	// ErrUnavailable: AccessLink answered 5xx (or 408) more times than the
	// client retries.
	ErrUnavailable = errors.New("AccessLink unavailable")
	// ErrNoClientCredentials: a client-level endpoint was called on a
	// Client built without WithClientCredentials.
	ErrNoClientCredentials = errors.New("no AccessLink client credentials configured")
)

// HTTPError is a response AccessLink answered with an unexpected status;
// it wraps a sentinel (ErrUnauthorized, ErrForbidden, ...) when the status
// has one.
type HTTPError = polarhttp.HTTPError

// RateLimitError says when a request may be made again. It matches
// ErrRateLimited.
type RateLimitError struct {
	Method   string
	Endpoint string
	Wait     time.Duration // from when the error was returned
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("accesslink: %s %s: next request allowed in %s: %v", e.Method, e.Endpoint, e.Wait.Round(time.Second), ErrRateLimited)
}

func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RetryAfter is how long to wait before the next request: the event
// pipeline defers a retry at least that long.
func (e *RateLimitError) RetryAfter() time.Duration { return e.Wait }

// Permanent reports whether retrying the same call cannot succeed without
// someone acting first: 401 and 403 (stop polling that user until
// re-authorized), other 4xx except 429 and 408, an undecodable payload,
// missing configuration. Rate limits, 5xx, timeouts, transport errors and
// cancellation are temporary.
func Permanent(err error) bool {
	if err == nil || polarhttp.Temporary(err) {
		return false
	}
	if errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) {
		return false
	}
	for _, p := range []error{ErrUnauthorized, ErrClientUnauthorized, ErrForbidden, ErrNotFound, ErrConflict,
		ErrNoClientCredentials, ErrInvalidArgument, ErrInvalidPayload, ErrInvalidTime} {
		if errors.Is(err, p) {
			return true
		}
	}
	permanent, _ := polarhttp.PermanentStatus(err)
	return permanent
}

// statusError builds the error for an unexpected status. basic tells
// whether the request used client credentials, which decides whose
// credentials a 401 is about.
func statusError(method, endpoint string, status int, body []byte, basic bool, secrets ...string) *HTTPError {
	sentinels := polarhttp.Sentinels{
		Unauthorized: ErrUnauthorized, Forbidden: ErrForbidden, NotFound: ErrNotFound,
		Conflict: ErrConflict, RateLimited: ErrRateLimited, Unavailable: ErrUnavailable,
	}
	if basic {
		// Client credentials: the 401 is about the partner, not a user.
		sentinels.Unauthorized = ErrClientUnauthorized
	}
	return polarhttp.NewHTTPError("accesslink", sentinels, method, endpoint, status, body, secrets...)
}
