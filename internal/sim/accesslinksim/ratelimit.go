package accesslinksim

import (
	"fmt"
	"math"
	"net/http"
	"time"
)

const (
	shortWindow = 15 * time.Minute
	longWindow  = 24 * time.Hour
)

// rateLimiter implements AccessLink's two fixed windows. Each window starts
// at the first request after the previous one expired ("reset after 15
// minutes have passed since first request"), and every request counts toward
// both windows, including rejected ones.
type rateLimiter struct {
	shortLimit, longLimit int
	shortStart, longStart time.Time
	shortUsed, longUsed   int
	maxShort, maxLong     int
	rejected              int
}

type rateState struct {
	allowed               bool
	shortUsed, longUsed   int
	shortLimit, longLimit int
	shortReset, longReset int
}

func (rl *rateLimiter) take(now time.Time) rateState {
	if rl.shortStart.IsZero() || !now.Before(rl.shortStart.Add(shortWindow)) {
		rl.shortStart, rl.shortUsed = now, 0
	}
	if rl.longStart.IsZero() || !now.Before(rl.longStart.Add(longWindow)) {
		rl.longStart, rl.longUsed = now, 0
	}
	rl.shortUsed++
	rl.longUsed++
	rl.maxShort = max(rl.maxShort, rl.shortUsed)
	rl.maxLong = max(rl.maxLong, rl.longUsed)
	allowed := rl.shortUsed <= rl.shortLimit && rl.longUsed <= rl.longLimit
	if !allowed {
		rl.rejected++
	}
	return rateState{
		allowed:    allowed,
		shortUsed:  rl.shortUsed,
		longUsed:   rl.longUsed,
		shortLimit: rl.shortLimit,
		longLimit:  rl.longLimit,
		shortReset: secondsUntil(now, rl.shortStart.Add(shortWindow)),
		longReset:  secondsUntil(now, rl.longStart.Add(longWindow)),
	}
}

func secondsUntil(now, t time.Time) int {
	return int(math.Ceil(t.Sub(now).Seconds()))
}

// setHeaders writes the three documented headers: short-term value first,
// then long-term, comma separated.
func (st rateState) setHeaders(h http.Header) {
	h.Set("RateLimit-Usage", fmt.Sprintf("%d, %d", st.shortUsed, st.longUsed))
	h.Set("RateLimit-Limit", fmt.Sprintf("%d, %d", st.shortLimit, st.longLimit))
	h.Set("RateLimit-Reset", fmt.Sprintf("%d, %d", st.shortReset, st.longReset))
}
