// Package onboard adds a Polar user to the bridge: the OAuth2
// authorization-code flow with a local callback listener (or a code pasted
// by hand), registration with AccessLink, and storing the token.
package onboard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
)

// ErrState means the callback's state did not match: the redirect did not
// come from the authorization this flow started.
var ErrState = errors.New("OAuth state mismatch: the callback does not belong to this authorization; start again")

// NewState returns a random OAuth state value.
func NewState() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random state: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Callback listens on redirectURL's host and path for the authorization
// server's redirect.
type Callback struct {
	ln    net.Listener
	srv   *http.Server
	codes chan result
}

type result struct {
	code  string
	scope string
	err   error
}

// ListenCallback starts the local listener for redirectURL (e.g.
// http://localhost:5000/oauth2/callback), expecting state.
func ListenCallback(redirectURL, state string) (*Callback, error) {
	u, err := url.Parse(redirectURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("accesslink.redirect_url %q is not a URL", redirectURL)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("accesslink.redirect_url %q: the local callback listener speaks plain http; use --code for other redirect URLs", redirectURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	ln, err := net.Listen("tcp", host)
	if err != nil {
		return nil, fmt.Errorf("listen for the OAuth callback on %s: %w", host, err)
	}
	cb := &Callback{ln: ln, codes: make(chan result, 1)}
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("error") != "":
			res.err = fmt.Errorf("authorization refused: %s %s", q.Get("error"), q.Get("error_description"))
		case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
			res.err = ErrState
		case q.Get("code") == "":
			res.err = errors.New("the callback carries no code")
		default:
			res.code, res.scope = q.Get("code"), q.Get("scope")
		}
		if res.err != nil {
			http.Error(w, "polarbridge: "+res.err.Error(), http.StatusBadRequest)
		} else {
			fmt.Fprint(w, "<html><body><h3>polarbridge: authorized.</h3><p>You can close this window.</p></body></html>")
		}
		select {
		case cb.codes <- res:
		default:
		}
	})
	cb.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = cb.srv.Serve(ln) }()
	return cb, nil
}

// Wait returns the code from the first callback, or ctx's error.
func (c *Callback) Wait(ctx context.Context) (string, error) {
	code, _, err := c.WaitScope(ctx)
	return code, err
}

// WaitScope is Wait that also returns the scope the user granted, for
// servers that report it in the redirect (Strava).
func (c *Callback) WaitScope(ctx context.Context) (code, scope string, err error) {
	defer c.Close()
	select {
	case r := <-c.codes:
		return r.code, r.scope, r.err
	case <-ctx.Done():
		return "", "", fmt.Errorf("no OAuth callback arrived: %w", ctx.Err())
	}
}

// Close stops the listener.
func (c *Callback) Close() { _ = c.srv.Close() }

// Registrar is the part of the AccessLink client onboarding needs.
type Registrar interface {
	RegisterUser(ctx context.Context, token, memberID string) (bool, error)
	DeleteUser(ctx context.Context, token, userID string) error
}

// Result says what AddUser did.
type Result struct {
	UserID string
	// Registered is false when Polar already had the user registered
	// (409), which is fine.
	Registered bool
}

// AddUser exchanges code for a token, registers the user (memberID ""
// means "polarbridge-<user id>") and stores the user with the token and
// zone, an IANA zone name. zone "" keeps the zone of a user added before
// (re-authorization), else leaves it unset: the machine's local zone.
func AddUser(ctx context.Context, oc *oauth2.Config, reg Registrar, acc *accounts.Store, code, memberID, zone string) (Result, error) {
	if zone != "" {
		// Checked before the code is spent, so a typo costs no new authorization.
		if _, err := accounts.LoadZone(zone); err != nil {
			return Result{}, err
		}
	}
	tok, err := oc.Exchange(ctx, code)
	if err != nil {
		return Result{}, ExchangeError(err)
	}
	userID, err := accesslink.UserIDFromToken(tok)
	if err != nil {
		return Result{}, err
	}
	if memberID == "" {
		memberID = "polarbridge-" + userID
	}
	created, err := reg.RegisterUser(ctx, tok.AccessToken, memberID)
	if err != nil {
		return Result{}, fmt.Errorf("register Polar user %s: %w", userID, err)
	}
	if zone == "" {
		prev, err := acc.User(ctx, userID)
		if err != nil && !errors.Is(err, accounts.ErrUnknownUser) {
			return Result{}, err
		}
		zone = prev.Zone
	}
	err = acc.PutUser(ctx, accounts.User{
		ID: userID, MemberID: memberID, AccessToken: tok.AccessToken,
		AddedAt: time.Now().UTC(), State: accounts.StateActive, Zone: zone,
	})
	if err != nil {
		return Result{}, err
	}
	return Result{UserID: userID, Registered: created}, nil
}

// AddCoach exchanges code for a Polar Team Pro token (scope team_read) and
// stores the coach's account under name, replacing an account of that
// name (re-authorization).
func AddCoach(ctx context.Context, oc *oauth2.Config, acc *accounts.Store, code, name string) error {
	tok, err := oc.Exchange(ctx, code)
	if err != nil {
		return ExchangeError(err)
	}
	return acc.PutCoach(ctx, accounts.Coach{Name: name, Token: tok, AddedAt: time.Now().UTC()})
}

// ExchangeError describes a failed code exchange with the token
// endpoint's own words, but not its body: that may echo the code or the
// credentials. Only the fields that name the error are taken (OAuth's
// error and error_description; Strava's message and errors).
func ExchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		why := ""
		if words := tokenErrorWords(re); words != "" {
			why = " (" + words + ")"
		}
		return fmt.Errorf("exchange the authorization code: the token endpoint answered %d%s: the code may be used or expired, or the redirect URL not the one the code was issued for; start again", re.Response.StatusCode, why)
	}
	return fmt.Errorf("exchange the authorization code: %w", err)
}

func tokenErrorWords(re *oauth2.RetrieveError) string {
	var words []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && len(s) <= 200 && !slices.Contains(words, s) {
			words = append(words, s)
		}
	}
	add(re.ErrorCode)
	add(re.ErrorDescription)
	var body struct {
		Message string `json:"message"`
		Errors  []struct {
			Resource string `json:"resource"`
			Field    string `json:"field"`
			Code     string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(re.Body, &body) == nil {
		add(body.Message)
		for _, e := range body.Errors {
			add(strings.TrimSpace(e.Resource + " " + e.Field + " " + e.Code))
		}
	}
	return strings.Join(words, ": ")
}

// RemoveUser de-registers the user at Polar and forgets the token. A token
// Polar no longer accepts does not stop the user being forgotten.
func RemoveUser(ctx context.Context, reg Registrar, acc *accounts.Store, userID string) error {
	u, err := acc.User(ctx, userID)
	if err != nil {
		return err
	}
	if err := reg.DeleteUser(ctx, u.AccessToken, userID); err != nil &&
		!errors.Is(err, accesslink.ErrUnauthorized) && !errors.Is(err, accesslink.ErrNotFound) {
		return fmt.Errorf("de-register Polar user %s: %w", userID, err)
	}
	return acc.DeleteUser(ctx, userID)
}

// AuthorizeUnattended runs the browser's part of the flow with a plain
// HTTP client: it opens the authorization URL and follows the redirect to
// the local callback. It only works with an authorization server that
// approves without a person (the AccessLink simulator); the demo and the
// tests use it.
func AuthorizeUnattended(ctx context.Context, oc *oauth2.Config) (string, error) {
	state, err := NewState()
	if err != nil {
		return "", err
	}
	cb, err := ListenCallback(oc.RedirectURL, state)
	if err != nil {
		return "", err
	}
	defer cb.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, oc.AuthCodeURL(state), nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("open the authorization URL: %w", err)
	}
	resp.Body.Close()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return cb.Wait(wctx)
}
