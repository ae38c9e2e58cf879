package accesslink

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AccessLink's two rate-limit windows. Each starts with the first request
// after the previous one ended ("reset after 15 minutes have passed since
// first request"), and every request counts toward both, even rejected ones.
const (
	ShortWindow = 15 * time.Minute
	LongWindow  = 24 * time.Hour
)

// Pacing parameters; see window.delay.
const (
	// reserveDivisor keeps limit/20 (at least 1) of each window unused, for
	// other processes sharing the client credentials (the CLI) and for
	// requests whose response never arrived.
	reserveDivisor = 20
	// burstDivisor: a quarter of a window's usable budget may be spent at
	// once; the rest is spread evenly over the window.
	burstDivisor = 4
	// resetMargin is added to waits for a reset: Polar's reset is in whole
	// seconds and the clocks are not ours.
	resetMargin = time.Second
	// windowSlack absorbs clock jitter when telling readings of the same
	// window from a new window, which ends at least a window length later.
	windowSlack = 2 * time.Second
)

// The documented rate-limit headers, sent with every response. Each holds
// two comma-separated integers: the short-term (15 min) value, then the
// long-term (24 h) one. Reset is in seconds.
const (
	HeaderRateLimitUsage = "RateLimit-Usage"
	HeaderRateLimitLimit = "RateLimit-Limit"
	HeaderRateLimitReset = "RateLimit-Reset"
)

// RateLimit is one window as last reported by AccessLink (or, until the
// first answer in a new window, as estimated locally).
type RateLimit struct {
	Used    int       // requests counted in the window, by every user of the client credentials
	Limit   int       // 0: not known yet
	ResetAt time.Time // when the window ends; zero if none is open
}

// RateLimits is a snapshot of both windows, for logs and metrics.
type RateLimits struct {
	Short, Long RateLimit
	InFlight    int // requests sent and not answered yet
}

// LogValue renders the state compactly, e.g. "15m 12/540, 24h 300/5200".
func (r RateLimits) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("15m %d/%d, 24h %d/%d, in flight %d", r.Short.Used, r.Short.Limit, r.Long.Used, r.Long.Limit, r.InFlight))
}

// rateHeaders is the parsed form of the three headers.
type rateHeaders struct {
	used, limit, reset [2]int // [0] short term, [1] long term
}

// parseRateHeaders reads the three headers; ok is false unless all are
// present and well formed.
func parseRateHeaders(h http.Header) (rh rateHeaders, ok bool) {
	for _, f := range []struct {
		name string
		dst  *[2]int
	}{
		{HeaderRateLimitUsage, &rh.used},
		{HeaderRateLimitLimit, &rh.limit},
		{HeaderRateLimitReset, &rh.reset},
	} {
		v, ok := parsePair(h.Get(f.name))
		if !ok {
			return rateHeaders{}, false
		}
		*f.dst = v
	}
	return rh, true
}

func parsePair(s string) ([2]int, bool) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return [2]int{}, false
	}
	x, err1 := strconv.Atoi(strings.TrimSpace(a))
	y, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || x < 0 || y < 0 {
		return [2]int{}, false
	}
	return [2]int{x, y}, true
}

// window tracks one rate-limit window.
type window struct {
	length time.Duration
	limit  int // 0: unknown, nothing to pace against
	used   int // highest usage reported for the current window
	// The window ends within [resetLo, resetAt]: a reading of "reset in
	// r seconds" was taken by the server at some instant between sending
	// the request and reading the answer, and r is rounded up. Waits use
	// resetAt, the safe end; zero means no window is open.
	resetLo, resetAt time.Time
	// estimated: the window was opened locally (see take) and no answer
	// has confirmed it yet.
	estimated bool
}

// observe merges a server reading for a request sent at sent and
// answered at now.
func (w *window) observe(sent, now time.Time, used, limit, resetSec int) {
	reset := time.Duration(resetSec) * time.Second
	lo, hi := sent.Add(reset-time.Second), now.Add(reset)
	w.limit = limit
	switch {
	case w.estimated || w.resetAt.IsZero() || lo.After(w.resetAt.Add(windowSlack)):
		// A new window (it ends a window length after the last one), or
		// the first word on one we only guessed: another process may
		// have opened it earlier.
		w.used, w.resetLo, w.resetAt, w.estimated = used, lo, hi, false
	case hi.Before(w.resetLo.Add(-windowSlack)):
		// A late answer from an earlier window: stale.
	default:
		// Same window. Answers may arrive out of order: keep the highest
		// count and narrow the end.
		w.used = max(w.used, used)
		w.resetLo = maxTime(w.resetLo, lo)
		w.resetAt = maxTime(w.resetLo, minTime(w.resetAt, hi))
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// budget returns the most requests that may be used in the window and how
// many of them may be sent at once.
func (w *window) budget() (usable, burst int) {
	usable = w.limit - max(1, w.limit/reserveDivisor)
	if usable < 1 {
		usable = w.limit // a limit of 1 leaves no room for a reserve
	}
	return usable, max(1, usable/burstDivisor)
}

// delay returns how long to wait before one more request may be sent, with
// inflight requests already sent but not answered. Zero means go.
//
// The rule: the n-th request of a window (counting everyone's usage) may
// go once the window has run for (n-burst)/(usable-burst) of its length,
// so after an initial burst requests are spread evenly and the usable
// budget lasts to the reset. Past the usable budget, wait for the reset.
func (w *window) delay(now time.Time, inflight int) time.Duration {
	if w.limit <= 0 {
		return 0
	}
	if w.resetAt.IsZero() || !now.Before(w.resetAt) {
		// No open window: this request opens one. Requests still in
		// flight were counted in the previous window.
		return 0
	}
	start := w.resetAt.Add(-w.length)
	n := w.used + inflight + 1
	usable, burst := w.budget()
	switch {
	case n <= burst:
		return 0
	case n > usable:
		return w.resetAt.Sub(now) + resetMargin
	}
	// Milliseconds keep the product far from overflow even for a
	// 24-hour window and a six-digit limit.
	lengthMs := w.length.Milliseconds()
	dueMs := ceilDiv(int64(n-burst)*lengthMs, int64(usable-burst))
	return max(0, start.Add(time.Duration(dueMs)*time.Millisecond).Sub(now))
}

// take counts a request being sent at now, opening a window locally if
// none is open (the server does the same; its answer corrects the
// estimate).
func (w *window) take(now time.Time) {
	if w.resetAt.IsZero() || !now.Before(w.resetAt) {
		w.used, w.resetLo, w.resetAt, w.estimated = 0, now.Add(w.length), now.Add(w.length), true
	}
}

func (w *window) snapshot() RateLimit {
	return RateLimit{Used: w.used, Limit: w.limit, ResetAt: w.resetAt}
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// pacer keeps the latest rate-limit state of one set of client credentials
// and decides when the next request may go. It never sleeps itself, so it
// is deterministic under an injected clock.
type pacer struct {
	mu       sync.Mutex
	short    window
	long     window
	inflight int
}

func newPacer() *pacer {
	return &pacer{short: window{length: ShortWindow}, long: window{length: LongWindow}}
}

// acquire returns zero and counts the request as in flight if it may be
// sent now; otherwise it returns how long to wait before asking again.
// Until the first answer the limits are unknown and nothing is paced.
func (p *pacer) acquire(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := max(p.short.delay(now, p.inflight), p.long.delay(now, p.inflight)); d > 0 {
		return d
	}
	p.short.take(now)
	p.long.take(now)
	p.inflight++
	return 0
}

// release ends an acquired request sent at sent, merging the rate-limit
// headers of its answer if there is one (h may be nil).
func (p *pacer) release(sent, now time.Time, h http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight--
	if h == nil {
		return
	}
	if rh, ok := parseRateHeaders(h); ok {
		p.short.observe(sent, now, rh.used[0], rh.limit[0], rh.reset[0])
		p.long.observe(sent, now, rh.used[1], rh.limit[1], rh.reset[1])
	}
}

// tooManyRequestsWait returns how long to wait after a 429 answered at
// now: until the end of each window the answer reports as exceeded, else
// Retry-After, else a whole short window. Never zero, so a 429 is never
// retried blindly.
func tooManyRequestsWait(now time.Time, h http.Header) time.Duration {
	if rh, ok := parseRateHeaders(h); ok {
		var secs int
		if rh.used[0] > rh.limit[0] {
			secs = rh.reset[0]
		}
		if rh.used[1] > rh.limit[1] {
			secs = max(secs, rh.reset[1])
		}
		if secs == 0 { // 429 though under both limits: wait for the nearer reset
			secs = rh.reset[0]
		}
		return time.Duration(secs)*time.Second + resetMargin
	}
	if d, ok := retryAfter(now, h); ok {
		return d + resetMargin
	}
	return ShortWindow
}

// retryAfter parses a Retry-After header (seconds or HTTP date).
func retryAfter(now time.Time, h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

func (p *pacer) snapshot() RateLimits {
	p.mu.Lock()
	defer p.mu.Unlock()
	return RateLimits{Short: p.short.snapshot(), Long: p.long.snapshot(), InFlight: p.inflight}
}
