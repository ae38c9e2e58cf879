package accesslink

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRateHeaders(t *testing.T) {
	h := http.Header{}
	h.Set(HeaderRateLimitUsage, "12, 300")
	h.Set(HeaderRateLimitLimit, "540,5200")
	h.Set(HeaderRateLimitReset, " 61 , 3600")
	rh, ok := parseRateHeaders(h)
	require.True(t, ok)
	assert.Equal(t, rateHeaders{used: [2]int{12, 300}, limit: [2]int{540, 5200}, reset: [2]int{61, 3600}}, rh)

	for _, bad := range []string{"", "12", "12, x", "-1, 3", "1, 2, 3"} {
		h.Set(HeaderRateLimitUsage, bad)
		_, ok := parseRateHeaders(h)
		assert.False(t, ok, "%q", bad)
	}
}

func TestWindowDelay(t *testing.T) {
	now := simNow
	// limit 20: reserve 1, usable 19, burst 4; 15 per 900 s after the burst.
	w := window{length: ShortWindow, limit: 20, resetAt: now.Add(ShortWindow)}
	for _, tc := range []struct {
		used, inflight int
		elapsed        time.Duration
		want           time.Duration
	}{
		{used: 0, want: 0},
		{used: 3, want: 0},                                                   // 4th request: within the burst
		{used: 4, want: time.Minute},                                         // 5th: 1/15 of the window
		{used: 3, inflight: 1, want: time.Minute},                            // in-flight requests count
		{used: 4, elapsed: time.Minute, want: 0},                             // due now
		{used: 10, elapsed: time.Minute, want: 6 * time.Minute},              // 11th at 7/15
		{used: 18, elapsed: 10 * time.Minute, want: 5 * time.Minute},         // 19th at the end
		{used: 19, elapsed: time.Minute, want: 14*time.Minute + resetMargin}, // reserve: wait for reset
		{used: 25, elapsed: 14 * time.Minute, want: time.Minute + resetMargin},
	} {
		w.used = tc.used
		w.resetAt = now.Add(ShortWindow - tc.elapsed)
		assert.Equal(t, tc.want, w.delay(now, tc.inflight), "used %d inflight %d elapsed %s", tc.used, tc.inflight, tc.elapsed)
	}

	w.resetAt = now // window over: a fresh one opens with the request
	w.used = 19
	assert.Zero(t, w.delay(now, 0))
	assert.Zero(t, (&window{length: ShortWindow}).delay(now, 100), "unknown limit: no pacing")
}

func TestWindowObserve(t *testing.T) {
	now := simNow
	sec := time.Second
	w := window{length: ShortWindow}
	w.observe(now, now, 5, 20, 600)
	assert.Equal(t, window{length: ShortWindow, limit: 20, used: 5, resetLo: now.Add(599 * sec), resetAt: now.Add(600 * sec)}, w)

	// Same window, an older answer read half a minute late: keep the
	// highest count and the narrower end.
	w.observe(now, now.Add(30*sec), 3, 20, 600)
	assert.Equal(t, 5, w.used)
	assert.Equal(t, now.Add(600*sec), w.resetAt)
	w.observe(now.Add(2*sec), now.Add(2*sec), 8, 20, 598)
	assert.Equal(t, 8, w.used)

	// After the reset: a new window.
	later := now.Add(601 * sec)
	w.observe(later, later, 1, 20, 900)
	assert.Equal(t, 1, w.used)
	assert.Equal(t, later.Add(ShortWindow), w.resetAt)

	// A straggler from the old window, read late, is ignored.
	w.observe(now.Add(590*sec), now.Add(700*sec), 19, 20, 10)
	assert.Equal(t, 1, w.used)

	// A locally opened window yields to the first answer, even one that
	// ends earlier (another process opened the window before us).
	w = window{length: ShortWindow, limit: 20}
	w.take(now)
	assert.True(t, w.estimated)
	w.observe(now, now, 14, 20, 120)
	assert.Equal(t, window{length: ShortWindow, limit: 20, used: 14, resetLo: now.Add(119 * sec), resetAt: now.Add(120 * sec)}, w)
}

func TestTooManyRequestsWait(t *testing.T) {
	h := http.Header{}
	assert.Equal(t, ShortWindow, tooManyRequestsWait(simNow, h), "nothing to go by: a whole short window")
	h.Set("Retry-After", "30")
	assert.Equal(t, 30*time.Second+resetMargin, tooManyRequestsWait(simNow, h))

	h.Set(HeaderRateLimitUsage, "21, 100")
	h.Set(HeaderRateLimitLimit, "20, 1000")
	h.Set(HeaderRateLimitReset, "300, 80000")
	assert.Equal(t, 300*time.Second+resetMargin, tooManyRequestsWait(simNow, h), "short limit exceeded")
	h.Set(HeaderRateLimitUsage, "21, 1001")
	assert.Equal(t, 80000*time.Second+resetMargin, tooManyRequestsWait(simNow, h), "both exceeded: the later reset")
	h.Set(HeaderRateLimitUsage, "5, 1001")
	assert.Equal(t, 80000*time.Second+resetMargin, tooManyRequestsWait(simNow, h), "long limit exceeded")
}

// TestPacingStaysUnderShortLimit issues three windows' worth of requests
// against a 20-per-15-minutes simulator: all succeed, none is refused, and
// usage never passes the limit.
func TestPacingStaysUnderShortLimit(t *testing.T) {
	var mu sync.Mutex
	perInstant := map[time.Time]int{}
	var clock *fakeClock
	record := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v3/") {
				mu.Lock()
				perInstant[clock.Now()]++
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newSimEnv(t, record, accesslinksim.WithRateLimits(20, 10000))
	clock = e.clock
	c := e.client(t)
	token, _ := e.loginRegistered(t, c)
	start := e.clock.Now()

	const n = 60
	for i := range n {
		if i%2 == 0 {
			_, err := c.AvailableSleep(t.Context(), token)
			require.NoError(t, err, "request %d", i)
		} else {
			_, err := c.Notifications(t.Context())
			require.NoError(t, err, "request %d", i)
		}
	}
	st := e.sim.Stats()
	assert.Zero(t, st.TooManyRequests)
	assert.LessOrEqual(t, st.MaxShortUsage, 19, "the reserve stays unused")
	assert.Equal(t, n+1, st.Requests["GET /v3/users/sleep/available"]+st.Requests["GET /v3/notifications"]+st.Requests["POST /v3/users"])
	elapsed := e.clock.Now().Sub(start)
	assert.Greater(t, elapsed, 2*ShortWindow, "61 requests at 19 per window need more than three windows")
	assert.Less(t, elapsed, 4*ShortWindow)

	// Spread, not burst: the fake clock stands still during a request, so
	// requests sent without a wait share an instant; at most the burst of
	// 4 does.
	mu.Lock()
	for at, k := range perInstant {
		assert.LessOrEqual(t, k, 4, "requests at %s", at)
	}
	mu.Unlock()
	rl := c.RateLimits()
	assert.Equal(t, 20, rl.Short.Limit)
	assert.Equal(t, 10000, rl.Long.Limit)
	assert.Equal(t, n+1, rl.Long.Used)
	assert.Zero(t, rl.InFlight)
}

// TestPacingStaysUnderLongLimit: the 24-hour limit binds.
func TestPacingStaysUnderLongLimit(t *testing.T) {
	e := newSimEnv(t, nil, accesslinksim.WithRateLimits(20, 30))
	c := e.client(t, WithMaxWait(25*time.Hour))
	start := e.clock.Now()

	for i := range 40 {
		_, err := c.Notifications(t.Context())
		require.NoError(t, err, "request %d", i)
	}
	st := e.sim.Stats()
	assert.Zero(t, st.TooManyRequests)
	assert.LessOrEqual(t, st.MaxLongUsage, 30)
	assert.LessOrEqual(t, st.MaxShortUsage, 20)
	assert.Greater(t, e.clock.Now().Sub(start), LongWindow)
}

// TestPacingConcurrent shares one client among goroutines.
func TestPacingConcurrent(t *testing.T) {
	e := newSimEnv(t, nil, accesslinksim.WithRateLimits(100, 100000))
	c := e.client(t)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 4 {
		wg.Go(func() {
			for range 75 {
				if _, err := c.Notifications(t.Context()); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	st := e.sim.Stats()
	assert.Zero(t, failed.Load())
	assert.Zero(t, st.TooManyRequests)
	assert.LessOrEqual(t, st.MaxShortUsage, 100)
	assert.Equal(t, 300, st.Requests["GET /v3/notifications"])
	assert.Zero(t, c.RateLimits().InFlight)
}

// TestTooManyRequestsIsWaitedOut: another process spends the budget behind
// the client's back; the client's next request gets a 429, waits for the
// reset the answer gives and then succeeds.
func TestTooManyRequestsIsWaitedOut(t *testing.T) {
	e := newSimEnv(t, nil, accesslinksim.WithRateLimits(20, 10000))
	c := e.client(t)
	_, err := c.Notifications(t.Context())
	require.NoError(t, err)

	require.NoError(t, e.clock.Sleep(t.Context(), 5*time.Minute)) // the window now ends in 10 minutes
	windowEnd := simNow.Add(ShortWindow)
	other := e.srv.Client()
	for range 19 {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/v3/notifications", nil)
		require.NoError(t, err)
		req.SetBasicAuth(e.sim.ClientID(), e.sim.ClientSecret())
		resp, err := other.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.NotEqual(t, http.StatusTooManyRequests, resp.StatusCode)
	}

	_, err = c.Notifications(t.Context())
	require.NoError(t, err)
	st := e.sim.Stats()
	assert.Equal(t, 1, st.TooManyRequests, "one refusal, then a retry after the reset")
	assert.Equal(t, 22, st.Requests["GET /v3/notifications"])
	assert.False(t, e.clock.Now().Before(windowEnd), "the retry waited for the reset")
	slept := e.clock.Slept()
	assert.Equal(t, 10*time.Minute+resetMargin, slept[len(slept)-1])
	assert.Contains(t, e.logs.String(), "rate limited (429)")
}

// TestTooManyRequestsWithoutHeaders: with nothing to go by, wait a whole
// short window (or Retry-After) rather than retrying blindly.
func TestTooManyRequestsWithoutHeaders(t *testing.T) {
	for _, tc := range []struct {
		retryAfter string
		want       time.Duration
	}{
		{"", ShortWindow},
		{"42", 42*time.Second + resetMargin},
	} {
		var calls atomic.Int32
		bare := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/v3/") && calls.Add(1) == 1 {
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				next.ServeHTTP(w, r)
			})
		}
		e := newSimEnv(t, bare)
		c := e.client(t)
		_, err := c.Notifications(t.Context())
		require.NoError(t, err)
		assert.EqualValues(t, 2, calls.Load())
		assert.Equal(t, []time.Duration{tc.want}, e.clock.Slept())
	}
}

// TestRateLimitBeyondMaxWait: a wait longer than the client may block is
// returned at once as a RateLimitError, without a request.
func TestRateLimitBeyondMaxWait(t *testing.T) {
	e := newSimEnv(t, nil, accesslinksim.WithRateLimits(20, 5))
	c := e.client(t)
	_, err := c.Notifications(t.Context())
	require.NoError(t, err)

	// Long limit 5: reserve 1, usable 4, burst 1; the 2nd request is due
	// a third into the 24 hours.
	_, err = c.Notifications(t.Context())
	require.ErrorIs(t, err, ErrRateLimited)
	rle, ok := err.(*RateLimitError)
	require.True(t, ok)
	assert.Equal(t, 8*time.Hour, rle.Wait)
	assert.Equal(t, "/v3/notifications", rle.Endpoint)
	assert.False(t, Permanent(err))
	assert.Equal(t, 1, e.sim.Stats().Requests["GET /v3/notifications"])
	assert.Empty(t, e.clock.Slept())

	// A 429 whose reset is too far away is not waited out either.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(HeaderRateLimitUsage, "3, 1001")
		w.Header().Set(HeaderRateLimitLimit, "20, 1000")
		w.Header().Set(HeaderRateLimitReset, "600, 7200")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	c2, err := New(WithBaseURL(srv.URL), WithClientCredentials("id", "secret"), WithSleep(e.clock.Sleep))
	require.NoError(t, err)
	_, err = c2.Notifications(t.Context())
	require.ErrorIs(t, err, ErrRateLimited)
	require.ErrorAs(t, err, &rle)
	assert.Equal(t, 2*time.Hour+resetMargin, rle.Wait)
}
