package polarhttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// ErrInvalidDuration: not an ISO 8601 duration ParseISODuration accepts.
var ErrInvalidDuration = errors.New("invalid ISO 8601 duration")

// MaxSnippet bounds the response body quoted in an HTTPError.
const MaxSnippet = 256

// HTTPError is a response a Polar API answered with an unexpected status.
// It wraps its client's sentinel for the status (Err), when there is one,
// so errors.Is works. It never holds credentials.
type HTTPError struct {
	API      string // "accesslink", "teampro": the start of the message
	Method   string
	Endpoint string // URL path, without query
	Status   int
	Body     string // start of the response body, secrets redacted
	Err      error  // sentinel for the status; nil if none
}

// Sentinels are a client's errors for the statuses Polar's APIs share;
// a nil one leaves that status without a sentinel.
type Sentinels struct {
	Unauthorized, Forbidden, NotFound, Conflict error
	RateLimited                                 error // 429
	Unavailable                                 error // 408 and 5xx
}

// NewHTTPError builds the error for an unexpected status, quoting the
// start of body with every secret removed and wrapping the client's
// sentinel for the status.
func NewHTTPError(api string, sentinels Sentinels, method, endpoint string, status int, body []byte, secrets ...string) *HTTPError {
	e := &HTTPError{API: api, Method: method, Endpoint: endpoint, Status: status, Body: Snippet(body, secrets)}
	switch {
	case status == http.StatusUnauthorized:
		e.Err = sentinels.Unauthorized
	case status == http.StatusForbidden:
		e.Err = sentinels.Forbidden
	case status == http.StatusNotFound:
		e.Err = sentinels.NotFound
	case status == http.StatusConflict:
		e.Err = sentinels.Conflict
	case status == http.StatusTooManyRequests:
		e.Err = sentinels.RateLimited
	case RetryableStatus(status):
		e.Err = sentinels.Unavailable
	}
	return e
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s: %s %s: status %d %s", e.API, e.Method, e.Endpoint, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += fmt.Sprintf(" (body %q)", e.Body)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *HTTPError) Unwrap() error { return e.Err }

// PermanentStatus reports whether err is an HTTPError whose status a retry
// cannot change (a 4xx other than 408 and 429); ok is false when err holds
// no HTTPError.
func PermanentStatus(err error) (permanent, ok bool) {
	he, ok := errors.AsType[*HTTPError](err)
	if !ok {
		return false, false
	}
	return he.Status >= 400 && he.Status < 500 && !RetryableStatus(he.Status), true
}

// RetryableStatus: worth retrying after a backoff (429 with its own wait).
func RetryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500
}

// Temporary reports whether err is one that passes by itself:
// cancellation and deadlines are the caller's, not the call's, fault.
func Temporary(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Snippet returns the start of body as printable text with every secret
// removed: an API echoing a request back must not leak credentials.
func Snippet(body []byte, secrets []string) string {
	s := string(body)
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > MaxSnippet {
		cut := MaxSnippet
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
