package polarhttp

import (
	"net/http"
	"time"
)

// Per-attempt bounds of a call to Polar. A server that accepts a request
// and never answers costs AnswerTimeout, not the whole CallTimeout: that
// is what bounds one stalled call (retries are the client's). A large
// download may take up to CallTimeout while its bytes flow.
const (
	AnswerTimeout = 30 * time.Second
	CallTimeout   = 2 * time.Minute
)

// NewClient returns the HTTP client the Polar API clients use by default.
func NewClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = AnswerTimeout
	return &http.Client{Timeout: CallTimeout, Transport: t}
}
