package teamprosim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Simulator is a fake Team Pro service: an http.Handler plus methods for
// tests. All methods are safe for concurrent use.
type Simulator struct {
	cfg config
	mux *http.ServeMux

	mu         sync.Mutex
	teams      []*team
	teamByID   map[string]*team
	playerByID map[string]*player
	sessions   []*teamSession // in creation order
	sessByID   map[string]*teamSession
	psByID     map[string]*playerSession
	ids        map[string]bool
	codes      map[string]*authCode
	access     map[string]*accessToken
	refresh    map[string]string // refresh token -> client id
	buckets    map[string]*bucket
	stats      Stats
	addSeq     uint64
}

// Stats counts what the simulator served.
type Stats struct {
	Requests        map[string]int // by route pattern
	TooManyRequests int            // 429 answers
	Unauthorized    int            // 401 answers on /v1
	TokensIssued    int            // by code exchange
	Refreshes       int            // refresh grants honoured
}

// New builds a simulator and generates its teams and history.
func New(opts ...Option) (*Simulator, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.teams < 1 || cfg.players < 1:
		return nil, fmt.Errorf("teamprosim: need at least one team and one player")
	case cfg.players > 99:
		return nil, fmt.Errorf("teamprosim: at most 99 players per team, got %d", cfg.players)
	case cfg.sampleHz < 1 || cfg.sampleHz > 100:
		return nil, fmt.Errorf("teamprosim: sample rate %d Hz not in 1..100", cfg.sampleHz)
	case cfg.rate <= 0 || cfg.burst < 1:
		return nil, fmt.Errorf("teamprosim: invalid rate limit %v/s burst %d", cfg.rate, cfg.burst)
	case cfg.sessionDuration < time.Minute:
		return nil, fmt.Errorf("teamprosim: session duration %v too short", cfg.sessionDuration)
	}
	s := &Simulator{
		cfg:        cfg,
		mux:        http.NewServeMux(),
		teamByID:   map[string]*team{},
		playerByID: map[string]*player{},
		sessByID:   map[string]*teamSession{},
		psByID:     map[string]*playerSession{},
		ids:        map[string]bool{},
		codes:      map[string]*authCode{},
		access:     map[string]*accessToken{},
		refresh:    map[string]string{},
		buckets:    map[string]*bucket{},
		stats:      Stats{Requests: map[string]int{}},
	}
	s.generate()
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ClientID returns the accepted OAuth2 client id.
func (s *Simulator) ClientID() string { return s.cfg.clientID }

// ClientSecret returns the accepted OAuth2 client secret.
func (s *Simulator) ClientSecret() string { return s.cfg.clientSecret }

func (s *Simulator) now() time.Time { return s.cfg.now() }

func (s *Simulator) routes() {
	s.mux.HandleFunc("GET /oauth/authorize", s.count("GET /oauth/authorize", s.handleAuthorize))
	s.mux.HandleFunc("POST /oauth/token", s.count("POST /oauth/token", s.handleToken))

	s.api("GET /v1/teams", "", s.handleTeams)
	s.api("GET /v1/teams/{team_id}", "", s.handleTeam)
	// /v1/teams/{team_id}/training_sessions and
	// /v1/teams/training_sessions/{id} overlap; "training_sessions" is
	// read as the literal, as on Polar.
	s.mux.HandleFunc("GET /v1/teams/{a}/{b}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.PathValue("a") == "training_sessions":
			r.SetPathValue("id", r.PathValue("b"))
			s.apiHandler(RouteTeamSession, s.handleTeamSession)(w, r)
		case r.PathValue("b") == "training_sessions":
			r.SetPathValue("team_id", r.PathValue("a"))
			s.apiHandler(RouteTeamSessions, s.handleTeamSessions)(w, r)
		default:
			s.apiHandler("/v1/ (unknown)", notFound)(w, r)
		}
	})
	s.api("GET /v1/players/{player_id}/training_sessions", "", s.handlePlayerSessions)
	s.api("GET /v1/training_sessions/{id}", "", s.handlePlayerSession)
	s.api("GET /v1/training_sessions/{id}/session_summary", "", s.handleSummary)
	s.api("/v1/", "/v1/ (unknown)", notFound)
}

func (s *Simulator) count(pattern string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Requests[pattern]++
		s.mu.Unlock()
		h(w, r)
	}
}

// Route names of Stats.Requests for the overlapping team session routes.
const (
	RouteTeamSessions = "GET /v1/teams/{team_id}/training_sessions"
	RouteTeamSession  = "GET /v1/teams/training_sessions/{id}"
)

func notFound(w http.ResponseWriter, _ *http.Request, _ string) {
	writeError(w, http.StatusNotFound, "NOT_FOUND", "no such resource")
}

// api registers an authenticated, rate-limited /v1 route counted under
// name (default: the pattern); h gets the client id of the token.
func (s *Simulator) api(pattern, name string, h func(http.ResponseWriter, *http.Request, string)) {
	if name == "" {
		name = pattern
	}
	s.mux.HandleFunc(pattern, s.apiHandler(name, h))
}

func (s *Simulator) apiHandler(name string, h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := s.now()
		s.mu.Lock()
		s.stats.Requests[name]++
		client, ok := s.authenticateLocked(r, now)
		if !ok {
			s.stats.Unauthorized++
			s.mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid or expired access token")
			return
		}
		b := s.buckets[client]
		if b == nil {
			b = &bucket{}
			s.buckets[client] = b
		}
		allowed := b.take(now, s.cfg.rate, s.cfg.burst)
		if !allowed {
			s.stats.TooManyRequests++
		}
		s.mu.Unlock()
		if !allowed {
			writeError(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "rate limit exceeded")
			return
		}
		h(w, r, client)
	}
}

// bucket is the documented burst bucket as GCRA: tat is when the bucket
// would be empty again; a request is refused if that is more than
// (burst-1) intervals ahead. Integer time keeps the edge exact.
type bucket struct{ tat time.Time }

func (b *bucket) take(now time.Time, perSecond float64, burst int) bool {
	interval := time.Duration(float64(time.Second) / perSecond)
	tat := b.tat
	if tat.Before(now) {
		tat = now
	}
	if tat.Sub(now) > time.Duration(burst-1)*interval {
		return false
	}
	b.tat = tat.Add(interval)
	return true
}

// Stats returns a copy of the counters.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = make(map[string]int, len(s.stats.Requests))
	for k, v := range s.stats.Requests {
		st.Requests[k] = v
	}
	return st
}

// APIRequests returns the number of /v1 requests served (any status).
func (st Stats) APIRequests() int {
	n := 0
	for k, v := range st.Requests {
		if strings.Contains(k, "/v1/") {
			n += v
		}
	}
	return n
}

// ---- responses ----

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// The docs define no error body; this one names the status like the
// rate-limit section does ("429 (TOO_MANY_REQUESTS)").
type apiError struct {
	Status  int    `json:"status"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Status: status, Error: code, Message: msg})
}

type pageInfo struct {
	PerPage       int `json:"per_page"`
	TotalElements int `json:"total_elements"`
	PageNumber    int `json:"page_number"`
	TotalPages    int `json:"total_pages"`
}

type listResponse struct {
	Data any      `json:"data"`
	Page pageInfo `json:"page"`
}

// paginate parses page and per_page; ok is false after a 400 was written.
func paginate(w http.ResponseWriter, r *http.Request, total int) (lo, hi int, pi pageInfo, ok bool) {
	q := r.URL.Query()
	page, perPage := 0, 20
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "page must be a non-negative integer")
			return 0, 0, pi, false
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "per_page must be between 1 and 100")
			return 0, 0, pi, false
		}
		perPage = n
	}
	pi = pageInfo{PerPage: perPage, TotalElements: total, PageNumber: page, TotalPages: (total + perPage - 1) / perPage}
	lo = min(page*perPage, total)
	hi = min(lo+perPage, total)
	return lo, hi, pi, true
}

// parseTimeParam reads since/until: a local time like the API's own
// ("2017-04-14T09:17:22") or RFC 3339, whose wall clock is used.
func parseTimeParam(v string) (time.Time, bool, error) {
	if v == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(localLayout, v); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false, err
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), true, nil
}
