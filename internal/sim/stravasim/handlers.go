package stravasim

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FaultError is one entry of a Fault's errors.
type FaultError struct {
	Resource string `json:"resource"`
	Field    string `json:"field"`
	Code     string `json:"code"`
}

// Fault is Strava's error body.
type Fault struct {
	Message string       `json:"message"`
	Errors  []FaultError `json:"errors"`
}

func (s *Sim) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /oauth/authorize", s.count(s.authorize))
	s.mux.HandleFunc("POST /oauth/token", s.count(s.token))
	s.mux.HandleFunc("POST /oauth/deauthorize", s.count(s.deauthorize))
	s.mux.HandleFunc("POST /api/v3/uploads", s.count(s.api(false, s.createUpload)))
	s.mux.HandleFunc("GET /api/v3/uploads/{id}", s.count(s.api(true, s.getUpload)))
	s.mux.HandleFunc("PUT /api/v3/activities/{id}", s.count(s.api(false, s.updateActivity)))
}

func (s *Sim) count(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.Pattern]++
		s.calls = append(s.calls, r.Method+" "+r.URL.Path)
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		lose, lost := 0, false
		if q := s.lose[r.Pattern]; len(q) > 0 {
			lose, lost, s.lose[r.Pattern] = q[0], true, q[1:]
		}
		s.mu.Unlock()
		if !lost {
			h(w, r)
			return
		}
		h(httptest.NewRecorder(), r) // done as usual; the answer never arrives
		if lose == 0 {
			panic(http.ErrAbortHandler) // the server closes the connection
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(lose)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", lose, http.StatusText(lose))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fault(w http.ResponseWriter, status int, msg, resource, field, code string) {
	writeJSON(w, status, Fault{Message: msg, Errors: []FaultError{{Resource: resource, Field: field, Code: code}}})
}

// authorize auto-approves and redirects with code, state and scope.
func (s *Sim) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.clientID {
		fault(w, http.StatusBadRequest, "Bad Request", "Application", "client_id", "invalid")
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Host == "" {
		fault(w, http.StatusBadRequest, "Bad Request", "Application", "redirect_uri", "invalid")
		return
	}
	if q.Get("response_type") != "code" {
		fault(w, http.StatusBadRequest, "Bad Request", "Application", "response_type", "invalid")
		return
	}
	if p := q.Get("approval_prompt"); p != "" && p != "auto" && p != "force" {
		fault(w, http.StatusBadRequest, "Bad Request", "Application", "approval_prompt", "invalid")
		return
	}
	asked := scopeSet(q.Get("scope"))
	if len(asked) == 0 {
		asked["read"] = true
	}
	s.mu.Lock()
	granted := map[string]bool{"read": true}
	for sc := range asked {
		if s.grantScope == nil || s.grantScope[sc] {
			granted[sc] = true
		}
	}
	code := randomToken()
	s.codes[code] = scopeString(granted)
	s.mu.Unlock()
	v := redirect.Query()
	v.Set("state", q.Get("state"))
	v.Set("code", code)
	v.Set("scope", scopeString(granted))
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

type tokenResponse struct {
	TokenType    string          `json:"token_type"`
	ExpiresAt    int64           `json:"expires_at"`
	ExpiresIn    int64           `json:"expires_in"`
	RefreshToken string          `json:"refresh_token"`
	AccessToken  string          `json:"access_token"`
	Athlete      json.RawMessage `json:"athlete,omitempty"`
}

// token exchanges a code or a refresh token. Every refresh rotates the
// refresh token: the old one stops working.
func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		fault(w, http.StatusBadRequest, "Bad Request", "Application", "body", "invalid")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != s.clientID {
		fault(w, http.StatusBadRequest, "Bad Request", "Application", "client_id", "invalid")
		return
	}
	if f.Get("client_secret") != s.clientSecret {
		fault(w, http.StatusUnauthorized, "Authorization Error", "Application", "client_secret", "invalid")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var scope string
	var athlete json.RawMessage
	switch f.Get("grant_type") {
	case "authorization_code":
		sc, ok := s.codes[f.Get("code")]
		if !ok {
			fault(w, http.StatusBadRequest, "Bad Request", "AuthorizationCode", "code", "invalid")
			return
		}
		delete(s.codes, f.Get("code"))
		scope = sc
		athlete = json.RawMessage(fmt.Sprintf(`{"id":%d,"username":"sim","firstname":"Sim","lastname":"Athlete"}`, s.athleteID))
	case "refresh_token":
		sc, ok := s.refresh[f.Get("refresh_token")]
		if !ok {
			fault(w, http.StatusBadRequest, "Bad Request", "RefreshToken", "refresh_token", "invalid")
			return
		}
		delete(s.refresh, f.Get("refresh_token"))
		scope = sc
	default:
		fault(w, http.StatusBadRequest, "Bad Request", "Application", "grant_type", "invalid")
		return
	}
	now := s.now()
	at, rt := randomToken(), randomToken()
	s.access[at] = &token{scope: scopeSet(scope), expires: now.Add(AccessTokenLifetime)}
	s.refresh[rt] = scope
	writeJSON(w, http.StatusOK, tokenResponse{
		TokenType: "Bearer", ExpiresAt: now.Add(AccessTokenLifetime).Unix(),
		ExpiresIn: int64(AccessTokenLifetime / time.Second), RefreshToken: rt, AccessToken: at, Athlete: athlete,
	})
}

func (s *Sim) deauthorize(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	at := r.Form.Get("access_token")
	if at == "" {
		at = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	s.mu.Lock()
	_, ok := s.access[at]
	s.mu.Unlock()
	if !ok {
		fault(w, http.StatusUnauthorized, "Authorization Error", "Athlete", "access_token", "invalid")
		return
	}
	s.Revoke()
	writeJSON(w, http.StatusOK, map[string]string{"access_token": at})
}

// api wraps an API handler with the rate limits and the token checks.
// Every endpoint here needs activity:write.
func (s *Sim) api(read bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		now := s.now()
		s.rate.roll(now)
		over := s.rate.over(read)
		if over {
			s.rate.usage[1]++ // rejected requests still count toward the daily limit
			if read {
				s.rate.readUsage[1]++
			}
			s.tooMany++
		} else {
			s.rate.count(read)
		}
		s.rate.headers(w.Header())
		s.processLocked()
		var tok *token
		bearer, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if hasBearer {
			tok = s.access[bearer]
		}
		s.mu.Unlock()
		switch {
		case over:
			fault(w, http.StatusTooManyRequests, "Rate Limit Exceeded", "Application", "rate limit", "exceeded")
		case tok == nil || !now.Before(tok.expires):
			fault(w, http.StatusUnauthorized, "Authorization Error", "Athlete", "access_token", "invalid")
		case !tok.scope["activity:write"]:
			fault(w, http.StatusUnauthorized, "Authorization Error", "AccessToken", "activity:write_permission", "missing")
		default:
			h(w, r)
		}
	}
}

// uploadJSON is Strava's Upload.
type uploadJSON struct {
	ID         int64   `json:"id"`
	IDStr      string  `json:"id_str"`
	ExternalID string  `json:"external_id"`
	Error      *string `json:"error"`
	Status     string  `json:"status"`
	ActivityID *int64  `json:"activity_id"`
}

func (s *Sim) uploadBodyLocked(u *upload) uploadJSON {
	out := uploadJSON{ID: u.id, IDStr: strconv.FormatInt(u.id, 10), ExternalID: u.externalID, Status: u.status()}
	if u.err != "" {
		e := u.err
		out.Error = &e
	}
	if u.activityID != 0 {
		if a := s.activities[u.activityID]; a != nil && a.Deleted {
			out.Status = StatusDeleted
		} else {
			id := u.activityID
			out.ActivityID = &id
		}
	}
	return out
}

var dataTypes = []string{"fit", "fit.gz", "tcx", "tcx.gz", "gpx", "gpx.gz"}

func (s *Sim) createUpload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		fault(w, http.StatusBadRequest, "Bad Request", "Upload", "file", "not a multipart form")
		return
	}
	dataType := r.FormValue("data_type")
	if !slices.Contains(dataTypes, dataType) {
		fault(w, http.StatusBadRequest, "Bad Request", "Upload", "data_type", "invalid")
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		fault(w, http.StatusBadRequest, "Bad Request", "Upload", "file", "not a file")
		return
	}
	data, err := io.ReadAll(file)
	file.Close()
	if err != nil || len(data) == 0 {
		fault(w, http.StatusBadRequest, "Bad Request", "Upload", "file", "empty")
		return
	}
	sum := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpload++
	u := &upload{
		id: s.nextUpload, externalID: r.FormValue("external_id"), filename: hdr.Filename,
		dataType: dataType, hash: hex.EncodeToString(sum[:]), valid: validFile(dataType, data),
		name: r.FormValue("name"), desc: r.FormValue("description"),
		trainer: r.FormValue("trainer") == "1", commute: r.FormValue("commute") == "1",
		requestedAt: s.now(), readyAt: s.now().Add(s.delay),
	}
	if u.externalID == "" {
		u.externalID = hdr.Filename
	}
	s.uploads[u.id] = u
	if a := s.duplicateOfLocked(u); a != nil && s.dupOnPost {
		u.done, u.err = true, s.duplicateMessageLocked(u, a)
	}
	s.processLocked() // a zero delay finishes at once
	writeJSON(w, http.StatusCreated, s.uploadBodyLocked(u))
}

func validFile(dataType string, data []byte) bool {
	if base, ok := strings.CutSuffix(dataType, ".gz"); ok {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return false
		}
		if data, err = io.ReadAll(zr); err != nil {
			return false
		}
		dataType = base
	}
	switch dataType {
	case "fit":
		return len(data) >= 12 && (data[0] == 12 || data[0] == 14) && string(data[8:12]) == ".FIT"
	case "tcx":
		return bytes.Contains(data, []byte("<TrainingCenterDatabase"))
	case "gpx":
		return bytes.Contains(data, []byte("<gpx"))
	}
	return false
}

func (s *Sim) getUpload(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[id]
	if err != nil || u == nil {
		fault(w, http.StatusNotFound, "Record Not Found", "Upload", "id", "invalid")
		return
	}
	writeJSON(w, http.StatusOK, s.uploadBodyLocked(u))
}

// updatableActivity is Strava's UpdatableActivity.
type updatableActivity struct {
	Name         *string `json:"name"`
	Description  *string `json:"description"`
	SportType    *string `json:"sport_type"`
	Type         *string `json:"type"` // deprecated: ignored
	GearID       *string `json:"gear_id"`
	Commute      *bool   `json:"commute"`
	Trainer      *bool   `json:"trainer"`
	HideFromHome *bool   `json:"hide_from_home"`
}

func (s *Sim) updateActivity(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var in updatableActivity
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fault(w, http.StatusBadRequest, "Bad Request", "Activity", "body", "invalid")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.activities[id]
	if err != nil || a == nil || a.Deleted {
		fault(w, http.StatusNotFound, "Record Not Found", "Activity", "id", "invalid")
		return
	}
	if in.SportType != nil && !slices.Contains(SportTypes, *in.SportType) {
		fault(w, http.StatusBadRequest, "Bad Request", "Activity", "sport_type", "invalid")
		return
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Name, in.Name)
	set(&a.Description, in.Description)
	set(&a.SportType, in.SportType)
	if in.GearID != nil {
		a.GearID = *in.GearID
		if a.GearID == "none" {
			a.GearID = ""
		}
	}
	if in.Commute != nil {
		a.Commute = *in.Commute
	}
	if in.Trainer != nil {
		a.Trainer = *in.Trainer
	}
	if in.HideFromHome != nil {
		a.HideFromHome = *in.HideFromHome
	}
	a.Updates++
	writeJSON(w, http.StatusOK, map[string]any{
		"id": a.ID, "name": a.Name, "description": a.Description, "sport_type": a.SportType,
		"type": a.SportType, "trainer": a.Trainer, "commute": a.Commute, "external_id": a.ExternalID,
		"upload_id": a.UploadID, "upload_id_str": strconv.FormatInt(a.UploadID, 10),
	})
}

// rateLimits counts requests per 15-minute window and per UTC day.
// Index 0 is the 15-minute window, 1 the day.
type rateLimits struct {
	limit, readLimit [2]int
	usage, readUsage [2]int
	window, day      time.Time
	maxUsage         int
}

func (l *rateLimits) roll(now time.Time) {
	now = now.UTC()
	if w := now.Truncate(15 * time.Minute); !w.Equal(l.window) {
		l.window, l.usage[0], l.readUsage[0] = w, 0, 0
	}
	if d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC); !d.Equal(l.day) {
		l.day, l.usage[1], l.readUsage[1] = d, 0, 0
	}
}

func (l *rateLimits) over(read bool) bool {
	if l.usage[0] >= l.limit[0] || l.usage[1] >= l.limit[1] {
		return true
	}
	return read && (l.readUsage[0] >= l.readLimit[0] || l.readUsage[1] >= l.readLimit[1])
}

func (l *rateLimits) count(read bool) {
	l.usage[0]++
	l.usage[1]++
	if read {
		l.readUsage[0]++
		l.readUsage[1]++
	}
	l.maxUsage = max(l.maxUsage, l.usage[0])
}

func (l *rateLimits) headers(h http.Header) {
	pair := func(a [2]int) string { return fmt.Sprintf("%d,%d", a[0], a[1]) }
	h.Set("X-RateLimit-Limit", pair(l.limit))
	h.Set("X-RateLimit-Usage", pair(l.usage))
	h.Set("X-ReadRateLimit-Limit", pair(l.readLimit))
	h.Set("X-ReadRateLimit-Usage", pair(l.readUsage))
}

// MaxWindowUsage is the highest overall usage seen in one 15-minute
// window, counting only accepted requests.
func (s *Sim) MaxWindowUsage() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rate.maxUsage
}
