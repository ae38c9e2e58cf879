package teamprosim

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	// AccessTokenLifetime is the documented validity of access tokens.
	AccessTokenLifetime = 12 * time.Hour
	codeLifetime        = 10 * time.Minute
	scopeTeamRead       = "team_read"
)

type authCode struct {
	client      string
	redirectURI string // as given to the authorization endpoint, or ""
	expires     time.Time
}

type accessToken struct {
	client  string
	expires time.Time
}

func (s *Simulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.cfg.clientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	target := redirect
	switch {
	case redirect == "" && len(s.cfg.redirectURIs) > 0:
		target = s.cfg.redirectURIs[0]
	case redirect == "":
		http.Error(w, "redirect_uri required (none registered)", http.StatusBadRequest)
		return
	case len(s.cfg.redirectURIs) > 0 && !slices.Contains(s.cfg.redirectURIs, redirect):
		http.Error(w, "redirect_uri does not match the registration", http.StatusBadRequest)
		return
	}
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	out := u.Query()
	if st := q.Get("state"); st != "" {
		out.Set("state", st)
	}
	switch {
	case q.Get("response_type") != "code":
		out.Set("error", "unsupported_response_type")
	case !validScope(q.Get("scope")):
		out.Set("error", "invalid_scope")
	default:
		code := rand.Text()
		s.mu.Lock()
		s.codes[code] = &authCode{client: s.cfg.clientID, redirectURI: redirect, expires: s.now().Add(codeLifetime)}
		s.mu.Unlock()
		out.Set("code", code)
	}
	u.RawQuery = out.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// validScope: "team_read", alone or in a comma (or space) separated list
// of supported scopes.
func validScope(v string) bool {
	if v == "" {
		return false
	}
	for sc := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		if sc != scopeTeamRead {
			return false
		}
	}
	return true
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	JTI          string `json:"jti"`
}

func tokenError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.clientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.clientSecret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code")) // single use
		if code == nil || !now.Before(code.expires) || code.client != id {
			tokenError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		if code.redirectURI != "" && r.PostForm.Get("redirect_uri") != code.redirectURI {
			tokenError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		s.stats.TokensIssued++
		writeJSON(w, http.StatusOK, s.issueLocked(id, now))
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if client, ok := s.refresh[rt]; !ok || client != id {
			tokenError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		delete(s.refresh, rt) // rotated
		s.stats.Refreshes++
		writeJSON(w, http.StatusOK, s.issueLocked(id, now))
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
	}
}

func (s *Simulator) issueLocked(client string, now time.Time) tokenResponse {
	at, rt := rand.Text(), rand.Text()
	s.access[at] = &accessToken{client: client, expires: now.Add(AccessTokenLifetime)}
	s.refresh[rt] = client
	return tokenResponse{
		AccessToken:  at,
		TokenType:    "bearer",
		RefreshToken: rt,
		ExpiresIn:    int(AccessTokenLifetime/time.Second) - 1, // as documented: 43199
		Scope:        scopeTeamRead,
		JTI:          uuid(),
	}
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// authenticateLocked returns the client of a valid Bearer token.
func (s *Simulator) authenticateLocked(r *http.Request, now time.Time) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	at := s.access[strings.TrimSpace(tok)]
	if at == nil || !now.Before(at.expires) {
		return "", false
	}
	return at.client, true
}

// ExpireTokens makes every access token issued so far expired, as if 12
// hours had passed for them; refresh tokens keep working.
func (s *Simulator) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.access {
		t.expires = now
	}
}
