package accesslinksim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	codeLifetime = 10 * time.Minute
	// tokenExpiresIn is the value Polar returns; tokens never really expire.
	tokenExpiresIn = 31535999
)

type authCode struct {
	userID      int64
	redirectURI string // as given to the authorization endpoint, "" if none
	expires     time.Time
	used        bool
	token       string // token issued for the code, revoked on code reuse
}

type token struct {
	userID  int64
	revoked bool
}

// handleAuthorize auto-approves the authorization request and redirects back
// with a single-use code, as Polar Flow does after the user clicks "Accept".
func (s *Simulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.cfg.clientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" && len(s.cfg.redirectURIs) > 0 {
		redirect = s.cfg.redirectURIs[0]
	}
	if redirect == "" {
		http.Error(w, "redirect_uri required: no default redirect URL registered", http.StatusBadRequest)
		return
	}
	if len(s.cfg.redirectURIs) > 0 && !slices.Contains(s.cfg.redirectURIs, redirect) {
		// Polar redirects to the default URL with the error code.
		redirectWith(w, r, s.cfg.redirectURIs[0], url.Values{"error": {"invalid_request"}}, q.Get("state"))
		return
	}
	if q.Get("response_type") != "code" {
		redirectWith(w, r, redirect, url.Values{"error": {"unsupported_response_type"}}, q.Get("state"))
		return
	}
	if scope := q.Get("scope"); scope != "" && scope != "accesslink.read_all" {
		redirectWith(w, r, redirect, url.Values{"error": {"invalid_scope"}}, q.Get("state"))
		return
	}

	code := rand.Text()
	s.mu.Lock()
	u := s.nextApprovedUser()
	s.codes[code] = &authCode{
		userID:      u.id,
		redirectURI: q.Get("redirect_uri"),
		expires:     s.now().Add(codeLifetime),
	}
	s.mu.Unlock()
	redirectWith(w, r, redirect, url.Values{"code": {code}}, q.Get("state"))
}

// nextApprovedUser picks who "logs in" to Polar Flow; callers hold s.mu.
func (s *Simulator) nextApprovedUser() *user {
	if id := s.approveNext; id != 0 {
		s.approveNext = 0
		if u := s.usersByID[id]; u != nil {
			return u
		}
	}
	if u := s.usersByID[s.cfg.autoApproveUser]; u != nil {
		return u
	}
	u := s.users[s.approveIdx%len(s.users)]
	s.approveIdx++
	return u
}

func redirectWith(w http.ResponseWriter, r *http.Request, target string, params url.Values, state string) {
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	XUserID     int64  `json:"x_user_id"`
}

func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	if !s.validClientBasic(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="polarremote"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.codes[r.PostForm.Get("code")]
	switch {
	case c == nil || s.now().After(c.expires):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	case c.used:
		// A reused code is denied and everything issued with it revoked.
		if t := s.tokens[c.token]; t != nil {
			t.revoked = true
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	case c.redirectURI != "" && r.PostForm.Get("redirect_uri") != c.redirectURI:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	tok := rand.Text()
	c.used, c.token = true, tok
	s.tokens[tok] = &token{userID: c.userID}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: tok,
		TokenType:   "bearer",
		ExpiresIn:   tokenExpiresIn,
		XUserID:     c.userID,
	})
}

// validClientBasic checks "Authorization: Basic base64(id:secret)". RFC 6749
// clients form-encode both parts first, so they are unescaped before
// comparing.
func (s *Simulator) validClientBasic(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	enc, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return false
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return false
	}
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	if v, err := url.QueryUnescape(secret); err == nil {
		secret = v
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.clientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.clientSecret)) == 1
}

// requireClient enforces client-credential (Basic) authentication used by
// the client-level resources such as /v3/notifications and /v3/webhooks.
func (s *Simulator) requireClient(w http.ResponseWriter, r *http.Request) bool {
	if s.validClientBasic(r) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="accesslink"`)
	writeError(w, s.now(), http.StatusUnauthorized, "UNAUTHORIZED", "client credentials required")
	return false
}

// authUser enforces user-token (Bearer) authentication and the consent
// check. It returns the token's user; callers get s.mu unlocked.
func (s *Simulator) authUser(w http.ResponseWriter, r *http.Request) (*user, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		// Some clients send "bearer"; the scheme is case-insensitive.
		tok, ok = strings.CutPrefix(r.Header.Get("Authorization"), "bearer ")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[strings.TrimSpace(tok)]
	if !ok || t == nil || t.revoked {
		w.Header().Set("WWW-Authenticate", `Bearer realm="accesslink"`)
		writeError(w, s.now(), http.StatusUnauthorized, "UNAUTHORIZED", "invalid or revoked access token")
		return nil, false
	}
	u := s.usersByID[t.userID]
	if u.consentsMissing {
		writeError(w, s.now(), http.StatusForbidden, "FORBIDDEN", "user has not accepted all mandatory consents")
		return nil, false
	}
	return u, true
}

// authRegistered is authUser plus the requirement that the user is
// registered to the client, needed for every data resource.
func (s *Simulator) authRegistered(w http.ResponseWriter, r *http.Request) (*user, bool) {
	u, ok := s.authUser(w, r)
	if !ok {
		return nil, false
	}
	s.mu.Lock()
	registered := u.registered
	s.mu.Unlock()
	if !registered {
		writeError(w, s.now(), http.StatusForbidden, "FORBIDDEN", "user is not registered to the client")
		return nil, false
	}
	return u, true
}
