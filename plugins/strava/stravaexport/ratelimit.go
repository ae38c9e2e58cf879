package stravaexport

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// window is 15 minutes; Strava's windows start at :00, :15, :30 and :45
// UTC, and the daily one at midnight UTC.
const window = 15 * time.Minute

// usage is what the X-RateLimit headers of the last response said.
type usage struct {
	limit, used         [2]int // 15 minutes, day
	readLimit, readUsed [2]int
	// at is the server's time of the response (its Date header, else
	// the local clock); skew is server time minus local time.
	at   time.Time
	skew time.Duration
	// exhausted is set by a 429: treat the window as full whatever the
	// headers said.
	exhausted bool
	known     bool
}

// rateLimiter tracks Strava's limits across batches so that the plugin
// stops before the limit rather than collecting 429s.
type rateLimiter struct {
	mu  sync.Mutex
	now func() time.Time
	u   usage
}

// observe records the rate-limit headers of a response.
func (r *rateLimiter) observe(resp *http.Response, tooMany bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	local := r.now()
	at := local
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		at = d
	}
	u := usage{at: at, skew: at.Sub(local), exhausted: tooMany}
	var ok bool
	u.limit, ok = pair(resp.Header.Get("X-RateLimit-Limit"))
	if ok {
		u.used, _ = pair(resp.Header.Get("X-RateLimit-Usage"))
		u.known = true
	}
	if rl, ok := pair(resp.Header.Get("X-ReadRateLimit-Limit")); ok {
		u.readLimit = rl
		u.readUsed, _ = pair(resp.Header.Get("X-ReadRateLimit-Usage"))
	}
	if !u.known && !tooMany {
		return // nothing learnt
	}
	r.u = u
}

// wait returns how long to wait before a request that needs headroom
// requests (0: go ahead). read marks a GET, which also counts against the
// read limits.
func (r *rateLimiter) wait(read bool, headroom int) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.u
	if !u.known && !u.exhausted {
		return 0
	}
	now := r.now().Add(u.skew) // the server's time, estimated
	sameWindow := now.UTC().Truncate(window).Equal(u.at.UTC().Truncate(window))
	sameDay := dayStart(now).Equal(dayStart(u.at))
	full := func(limit, used [2]int, i int) bool {
		return limit[i] > 0 && used[i]+headroom > limit[i]
	}
	// The day first: its reset is later.
	if sameDay && (full(u.limit, u.used, 1) || (read && full(u.readLimit, u.readUsed, 1))) {
		return dayStart(now).Add(24 * time.Hour).Sub(now)
	}
	if sameWindow && (u.exhausted || full(u.limit, u.used, 0) || (read && full(u.readLimit, u.readUsed, 0))) {
		return now.UTC().Truncate(window).Add(window).Sub(now)
	}
	return 0
}

func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// pair parses "200,2000".
func pair(s string) ([2]int, bool) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return [2]int{}, false
	}
	x, err1 := strconv.Atoi(strings.TrimSpace(a))
	y, err2 := strconv.Atoi(strings.TrimSpace(b))
	return [2]int{x, y}, err1 == nil && err2 == nil
}
