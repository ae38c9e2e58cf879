package teampro

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/core/polarhttp"
)

// Documented Team Pro addresses and scope.
const (
	DefaultBaseURL  = "https://teampro.api.polar.com"
	DefaultAuthURL  = "https://auth.polar.com/oauth/authorize"
	DefaultTokenURL = "https://auth.polar.com/oauth/token"
	// Scope is the only scope Team Pro supports.
	Scope = "team_read"
)

// OAuthConfig returns the OAuth2 configuration for Team Pro's
// authorization code flow: scope team_read, client credentials in the
// Basic header as Polar requires. Empty authURL and tokenURL mean Polar's.
func OAuthConfig(clientID, clientSecret, redirectURL, authURL, tokenURL string) *oauth2.Config {
	return polarhttp.OAuthConfig(clientID, clientSecret, redirectURL, authURL, tokenURL, DefaultAuthURL, DefaultTokenURL, Scope)
}

// SaveFunc persists a token (e.g. in JetStream KV). It is called with
// every new token before the token is used.
type SaveFunc func(ctx context.Context, tok *oauth2.Token) error

// expiryMargin: a token is refreshed this long before it expires.
const expiryMargin = 2 * time.Minute

// TokenSource hands out the access token of one Team Pro account and
// refreshes it (tokens last 12 hours) with the refresh token. Every new
// token is saved before it is used; if saving fails the token is kept in
// memory, the call fails with ErrTokenNotSaved, and the next call retries
// the save, so a rotated refresh token is never lost while the process
// runs. Refreshes are serialized. It implements oauth2.TokenSource.
type TokenSource struct {
	ctx  context.Context
	conf *oauth2.Config
	save SaveFunc
	now  func() time.Time

	mu      sync.Mutex
	tok     *oauth2.Token // saved, in use
	pending *oauth2.Token // refreshed, not saved yet
}

// TokenSourceOption configures a TokenSource.
type TokenSourceOption func(*TokenSource)

// WithTokenClock sets the clock used for expiry (default time.Now). A
// new token's expiry is computed from expires_in on this clock.
func WithTokenClock(now func() time.Time) TokenSourceOption {
	return func(s *TokenSource) { s.now = now }
}

// NewTokenSource returns a TokenSource starting from tok (as saved). ctx
// is used for refresh requests; put an *http.Client under
// oauth2.HTTPClient in it to choose the transport. save may be nil.
func NewTokenSource(ctx context.Context, conf *oauth2.Config, tok *oauth2.Token, save SaveFunc, opts ...TokenSourceOption) *TokenSource {
	s := &TokenSource{ctx: ctx, conf: conf, save: save, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if tok != nil {
		cp := *tok
		s.tok = &cp
	}
	return s
}

// Token returns a valid access token, refreshing and saving first if
// needed.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil && s.valid(s.tok) {
		return s.tok, nil
	}
	if s.pending == nil {
		if err := s.refreshLocked(); err != nil {
			return nil, err
		}
	}
	if s.save != nil {
		if err := s.save(s.ctx, s.pending); err != nil {
			return nil, fmt.Errorf("teampro: saving refreshed token: %v: %w", err, ErrTokenNotSaved)
		}
	}
	s.tok, s.pending = s.pending, nil
	return s.tok, nil
}

// Invalidate tells the source the API rejected tok (401): the next Token
// call refreshes, unless tok has already been replaced.
func (s *TokenSource) Invalidate(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && tok != nil && s.tok.AccessToken == tok.AccessToken {
		cp := *s.tok
		cp.AccessToken = ""
		s.tok = &cp
	}
}

func (s *TokenSource) valid(t *oauth2.Token) bool {
	if t == nil || t.AccessToken == "" {
		return false
	}
	return t.Expiry.IsZero() || s.now().Add(expiryMargin).Before(t.Expiry)
}

func (s *TokenSource) refreshLocked() error {
	if s.tok == nil || s.tok.RefreshToken == "" {
		return fmt.Errorf("teampro: no refresh token: %w", ErrUnauthorized)
	}
	// A token without an access token makes oauth2 refresh at once.
	nt, err := s.conf.TokenSource(s.ctx, &oauth2.Token{RefreshToken: s.tok.RefreshToken}).Token()
	if err != nil {
		return refreshError(err)
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = s.tok.RefreshToken
	}
	if nt.ExpiresIn > 0 {
		nt.Expiry = s.now().Add(time.Duration(nt.ExpiresIn) * time.Second)
	}
	s.pending = nt
	return nil
}

// refreshError maps a refresh failure without quoting the response body.
func refreshError(err error) error {
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if status == http.StatusBadRequest || status == http.StatusUnauthorized || re.ErrorCode == "invalid_grant" {
			return fmt.Errorf("teampro: refreshing token: status %d %s: %w", status, re.ErrorCode, ErrUnauthorized)
		}
		return fmt.Errorf("teampro: refreshing token: status %d %s: %w", status, re.ErrorCode, ErrUnavailable)
	}
	return fmt.Errorf("teampro: refreshing token: %w", err)
}
