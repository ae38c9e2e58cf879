package accesslinksim

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRateLimitHeadersAnd429(t *testing.T) {
	e := newEnv(t, WithRateLimits(3, 5))
	get := func() response { return e.do(t, http.MethodGet, "/v3/notifications", e.basic(), "") }

	r := get()
	assert.Equal(t, "1, 1", r.Header.Get("RateLimit-Usage"))
	assert.Equal(t, "3, 5", r.Header.Get("RateLimit-Limit"))
	assert.Equal(t, "900, 86400", r.Header.Get("RateLimit-Reset"))

	e.clock.Advance(100 * time.Second)
	get()
	r = get()
	assert.NotEqual(t, http.StatusTooManyRequests, r.StatusCode)
	assert.Equal(t, "800, 86300", r.Header.Get("RateLimit-Reset"))

	r = get()
	assert.Equal(t, http.StatusTooManyRequests, r.StatusCode)
	assert.Equal(t, "4, 4", r.Header.Get("RateLimit-Usage"))

	// The short window resets 15 minutes after its first request.
	e.clock.Advance(800 * time.Second)
	r = get()
	assert.NotEqual(t, http.StatusTooManyRequests, r.StatusCode)
	assert.Equal(t, "1, 5", r.Header.Get("RateLimit-Usage"), "rejected requests still count long term")
	r = get()
	assert.Equal(t, http.StatusTooManyRequests, r.StatusCode, "long-term limit")

	st := e.sim.Stats()
	assert.Equal(t, 2, st.TooManyRequests)
	assert.Equal(t, 4, st.MaxShortUsage)
	assert.Equal(t, 6, st.MaxLongUsage)
	assert.Equal(t, 6, st.Requests["GET /v3/notifications"])
}

func TestRateLimitHeadersOnEveryAPIResponse(t *testing.T) {
	e := newEnv(t)
	for _, r := range []response{
		e.do(t, http.MethodGet, "/v3/exercises", noAuth, ""),
		e.do(t, http.MethodGet, "/v3/nope", noAuth, ""),
		e.do(t, http.MethodGet, "/v3/webhooks", e.basic(), ""),
	} {
		require.NotEmpty(t, r.Header.Get("RateLimit-Usage"))
		require.NotEmpty(t, r.Header.Get("RateLimit-Limit"))
		require.NotEmpty(t, r.Header.Get("RateLimit-Reset"))
	}
	// Default limits follow Polar's formula for the number of users.
	st := e.sim.Stats()
	assert.Equal(t, 500+20*2, st.ShortLimit)
	assert.Equal(t, 5000+100*2, st.LongLimit)
}
