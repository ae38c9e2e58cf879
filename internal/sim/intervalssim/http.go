package intervalssim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// apiError is intervals.icu's error body.
type apiError struct {
	Status int    `json:"status"`
	Error  string `json:"error"`
}

func (s *Sim) routes() {
	s.mux = http.NewServeMux()
	handle := func(pattern string, athlete bool, h http.HandlerFunc) {
		s.mux.HandleFunc(pattern, s.api(athlete, h))
	}
	handle("POST /api/v1/athlete/{id}/activities", true, s.upload)
	handle("POST /api/v1/athlete/{id}/activities/manual", true, s.createManual)
	handle("GET /api/v1/athlete/{id}/activities", true, s.listActivities)
	handle("GET /api/v1/activity/{id}", false, s.getActivity)
	handle("PUT /api/v1/activity/{id}", false, s.updateActivity)
	handle("DELETE /api/v1/activity/{id}", false, s.deleteActivity)
	handle("GET /api/v1/athlete/{id}/wellness/{date}", true, s.getWellness)
	handle("PUT /api/v1/athlete/{id}/wellness/{date}", true, s.putWellnessDate)
	handle("PUT /api/v1/athlete/{id}/wellness", true, s.putWellness)
	handle("PUT /api/v1/athlete/{id}/wellness-bulk", true, s.putWellnessBulk)
	// The spec's "wellness{ext}": only the JSON form (no ext) is faked.
	handle("GET /api/v1/athlete/{id}/wellness", true, s.listWellness)
	s.mux.HandleFunc("/", s.notFound)
}

// notFound answers as Spring Boot does for a path no controller maps
// (also for a known path with a method it does not map: the fake does not
// tell 405 apart).
func (s *Sim) notFound(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.Method+" /"]++
	s.calls = append(s.calls, r.Method+" "+r.URL.Path)
	now := s.now()
	s.mu.Unlock()
	writeJSON(w, http.StatusNotFound, map[string]any{
		"timestamp": now.UTC().Format("2006-01-02T15:04:05.000+00:00"),
		"status":    http.StatusNotFound, "error": "Not Found", "path": r.URL.Path,
	})
}

// api wraps an endpoint: counting, lost answers, the rate limit, injected
// failures, authentication and, for /athlete/{id}/... routes, the athlete
// id check, in that order.
func (s *Sim) api(athlete bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.Pattern]++
		s.calls = append(s.calls, r.Method+" "+r.URL.Path)
		lost := s.lose > 0
		if lost {
			s.lose--
		}
		s.mu.Unlock()
		if !lost {
			s.serveAPI(w, r, athlete, h)
			return
		}
		s.serveAPI(httptest.NewRecorder(), r, athlete, h) // done as usual; the answer never arrives
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // not hijackable: the server drops the connection itself
		}
		_ = conn.Close()
	}
}

func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request, athlete bool, h http.HandlerFunc) {
	s.mu.Lock()
	retry, limited := s.rate.take(s.now())
	fail := 0
	if !limited && s.failNext > 0 {
		s.failNext--
		fail = s.failStatus
	}
	auth := s.authLocked(r)
	owner := s.athleteID
	s.mu.Unlock()
	switch {
	case limited:
		// The status is not documented (contract: inferred); clients treat
		// 429 with Retry-After as the signal, so the fake sends exactly that.
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		writeError(w, http.StatusTooManyRequests, "Too many requests")
	case fail != 0:
		writeFailure(w, fail)
	case auth != 0:
		if auth == http.StatusForbidden {
			writeError(w, auth, "Access denied")
		} else {
			writeError(w, auth, "Unauthorized")
		}
	case athlete && r.PathValue("id") != "0" && r.PathValue("id") != owner:
		// Another athlete's data: 401 as the contract says.
		writeError(w, http.StatusUnauthorized, "Unauthorized")
	default:
		h(w, r)
	}
}

// authLocked returns 0 when the request is authenticated, else the status
// to refuse it with. A wrong or missing key gets 401: the contract does
// not say the status for a wrong key (inferred), so a client must treat
// 401 and 403 alike as "credentials refused".
func (s *Sim) authLocked(r *http.Request) int {
	if user, pass, ok := r.BasicAuth(); ok {
		if user == "API_KEY" && pass == s.apiKey {
			return 0
		}
		return http.StatusUnauthorized
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		switch {
		case s.bearer[tok]:
			return 0
		case tok == s.apiKey:
			return http.StatusForbidden // the API key is for Basic only
		}
	}
	return http.StatusUnauthorized
}

// writeFailure answers an injected failure.
func writeFailure(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusInternalServerError:
		writeError(w, status, "java.lang.NullPointerException: Cannot invoke \"com.intervals.icu.model.Athlete.getId()\" because \"athlete\" is null")
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
	default:
		writeError(w, status, http.StatusText(status))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Status: status, Error: msg})
}

// writeErrorArray is the other shape intervals.icu sends some 422s in: the
// same error wrapped in an array. A client has to read both.
func writeErrorArray(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, []apiError{{Status: status, Error: msg}})
}

// bucket is a token bucket on the sim's clock.
type bucket struct {
	perSecond, burst float64
	tokens           float64
	last             time.Time
}

// take takes a token; when there is none it returns the whole seconds
// until one is there (at least 1) and true. Rejected requests take no
// token.
func (b *bucket) take(now time.Time) (retryAfter int, limited bool) {
	if b.perSecond <= 0 {
		return 0, false
	}
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.perSecond)
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, false
	}
	return max(1, int(math.Ceil((1-b.tokens)/b.perSecond))), true
}
