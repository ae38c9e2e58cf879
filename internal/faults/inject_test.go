package faults

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fault is what the injector does instead of (or to) the simulator's
// answer.
type fault int

const (
	unavailable fault = iota // 503
	tooMany                  // 429 with Retry-After, no RateLimit headers
	truncate                 // the simulator's 200, its body cut in half: broken JSON, a truncated FIT file
	hang                     // no answer until released (or the caller gives up)
)

// rule breaks the requests it matches, up to times of them (-1: until
// removed).
type rule struct {
	name       string
	match      func(r *http.Request, user int64) bool
	fault      fault
	times      int
	retryAfter int // seconds, for tooMany
	release    chan struct{}

	hits  int
	first time.Time // when the first request was broken
}

// request is one request the injector saw, for timing checks.
type request struct {
	at   time.Time
	path string
	user int64
	rule string // the rule that broke it, "" if passed through
}

// injector stands between the bridge and the simulator and breaks the
// answers its rules choose. It learns which user an access token belongs
// to from the token endpoint's answers, so rules can target a user.
type injector struct {
	next http.Handler

	mu       sync.Mutex
	rules    []*rule
	tokens   map[string]int64
	requests []request
}

func newInjector(next http.Handler) *injector {
	return &injector{next: next, tokens: map[string]int64{}}
}

func (in *injector) add(r *rule) *rule {
	if r.fault == hang {
		r.release = make(chan struct{})
	}
	in.mu.Lock()
	in.rules = append(in.rules, r)
	in.mu.Unlock()
	return r
}

// remove stops a rule (and releases what it holds).
func (in *injector) remove(r *rule) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i, x := range in.rules {
		if x == r {
			in.rules = append(in.rules[:i], in.rules[i+1:]...)
			break
		}
	}
	if r.release != nil {
		select {
		case <-r.release:
		default:
			close(r.release)
		}
	}
}

func (in *injector) releaseAll() {
	in.mu.Lock()
	rules := append([]*rule(nil), in.rules...)
	in.mu.Unlock()
	for _, r := range rules {
		in.remove(r)
	}
}

// stats returns a rule's hits and first hit.
func (in *injector) stats(r *rule) (int, time.Time) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return r.hits, r.first
}

// seen returns the requests for path, in order.
func (in *injector) seen(path string) []request {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []request
	for _, r := range in.requests {
		if r.path == path {
			out = append(out, r)
		}
	}
	return out
}

func (in *injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/oauth2/token") {
		in.learnToken(w, r)
		return
	}
	in.mu.Lock()
	user := in.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	var hit *rule
	for _, x := range in.rules {
		if x.times != 0 && x.match(r, user) {
			hit = x
			break
		}
	}
	req := request{at: time.Now(), path: r.URL.Path, user: user}
	if hit != nil {
		if hit.times > 0 {
			hit.times--
		}
		if hit.hits == 0 {
			hit.first = req.at
		}
		hit.hits++
		req.rule = hit.name
	}
	in.requests = append(in.requests, req)
	in.mu.Unlock()
	if hit == nil {
		in.next.ServeHTTP(w, r)
		return
	}
	switch hit.fault {
	case unavailable:
		http.Error(w, `{"error":"injected: service unavailable"}`, http.StatusServiceUnavailable)
	case tooMany:
		w.Header().Set("Retry-After", strconv.Itoa(hit.retryAfter))
		http.Error(w, `{"error":"injected: too many requests"}`, http.StatusTooManyRequests)
	case truncate:
		rec := httptest.NewRecorder()
		in.next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		body := rec.Body.Bytes()
		w.WriteHeader(rec.Code)
		w.Write(body[:len(body)/2])
	case hang:
		select {
		case <-hit.release:
		case <-r.Context().Done():
			return
		}
		in.next.ServeHTTP(w, r)
	}
}

// learnToken passes a token request through and notes the token's user
// (AccessLink's token answer carries x_user_id).
func (in *injector) learnToken(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	in.next.ServeHTTP(rec, r)
	var tok struct {
		AccessToken string `json:"access_token"`
		UserID      int64  `json:"x_user_id"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &tok) == nil && tok.AccessToken != "" {
		in.mu.Lock()
		in.tokens[tok.AccessToken] = tok.UserID
		in.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = bytes.NewReader(rec.Body.Bytes()).WriteTo(w)
}

// Matchers.

// path matches one path exactly (the query aside).
func path(p string) func(*http.Request, int64) bool {
	return func(r *http.Request, _ int64) bool { return r.URL.Path == p }
}

// userAPI matches every data call of one user.
func userAPI(user int64) func(*http.Request, int64) bool {
	return func(r *http.Request, u int64) bool { return u == user && strings.HasPrefix(r.URL.Path, "/v3/") }
}
