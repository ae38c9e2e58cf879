package stravaexport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// refreshMargin is how long before expiry an access token is refreshed.
const refreshMargin = 5 * time.Minute

// rateLimitedError means Strava's rate limit is (about to be) reached.
type rateLimitedError struct{ wait time.Duration }

func (e *rateLimitedError) Error() string {
	return fmt.Sprintf("rate limit of Strava reached: waiting %s for the window to reset", e.wait.Round(time.Second))
}

// RetryAfter adds a second: Strava's clock is only known to the second.
func (e *rateLimitedError) RetryAfter() time.Duration { return e.wait + time.Second }

// authError means the stored authorization does not work; only the user
// can fix it, by authorizing again.
type authError struct{ msg string }

func (e *authError) Error() string   { return e.msg }
func (e *authError) Permanent() bool { return true }

// apiError is an unexpected answer from Strava.
type apiError struct {
	op     string
	status int
	fault  faultJSON
}

func (e *apiError) Error() string {
	msg := e.fault.Message
	for _, fe := range e.fault.Errors {
		msg += fmt.Sprintf(" (%s %s %s)", fe.Resource, fe.Field, fe.Code)
	}
	return fmt.Sprintf("%s: Strava answered %d %s", e.op, e.status, strings.TrimSpace(msg))
}

// Permanent reports whether trying again later cannot help.
func (e *apiError) Permanent() bool {
	return e.status < 500 && e.status != http.StatusRequestTimeout
}

// A 5xx is a pluginapi.LostError: it does not prove that nothing
// happened, as Strava can fail after storing the upload.

type faultJSON struct {
	Message string `json:"message"`
	Errors  []struct {
		Resource string `json:"resource"`
		Field    string `json:"field"`
		Code     string `json:"code"`
	} `json:"errors"`
}

func (f faultJSON) missingScope() bool {
	for _, e := range f.Errors {
		if e.Code == "missing" && strings.Contains(e.Field, "permission") {
			return true
		}
	}
	return false
}

// client talks to Strava for one plugin instance.
type client struct {
	s        *settings
	http     *http.Client
	kv       pluginapi.KV
	instance string
	now      func() time.Time
	rate     *rateLimiter
	log      *slog.Logger

	mu sync.Mutex
	// pending is a refreshed token not yet saved to the KV (saving
	// failed); it is saved before anything else happens.
	pending    *pluginapi.OAuth2Token
	pendingRev uint64
	// badRev is the KV revision of a stored token Strava rejected; it is
	// not tried again until the user authorizes anew.
	badRev uint64
	badErr *authError
}

func (c *client) reauthorize(why string) *authError {
	return &authError{msg: fmt.Sprintf("%s: run `polarbridge plugins authorize %s`, then `polarbridge dlq replay --exporter %s`", why, c.instance, c.instance)}
}

func (c *client) scopeError() *authError {
	return c.reauthorize("the Strava authorization lacks the activity:write scope (\"Upload your activities\" was unticked); authorize again and leave it ticked")
}

// accessToken returns a valid access token and the KV revision of the
// token it belongs to. rejected is an access token Strava just refused:
// unless another process already replaced it, it is refreshed.
func (c *client) accessToken(ctx context.Context, rejected string) (string, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range 5 {
		if c.pending != nil {
			_, err := pluginapi.SaveOAuth2Token(ctx, c.kv, *c.pending, c.pendingRev)
			if err != nil && !errors.Is(err, pluginapi.ErrRevisionMismatch) {
				return "", 0, fmt.Errorf("save the refreshed Strava token: %w", err)
			}
			c.pending = nil
		}
		tok, rev, err := pluginapi.LoadOAuth2Token(ctx, c.kv)
		if errors.Is(err, pluginapi.ErrNotAuthorized) {
			return "", 0, c.reauthorize("not authorized to upload to Strava yet")
		}
		if err != nil {
			return "", 0, fmt.Errorf("load the Strava token: %w", err)
		}
		if rev == c.badRev && c.badErr != nil {
			return "", 0, c.badErr
		}
		if tok.Scope != "" && !hasScope(tok.Scope, "activity:write") {
			c.badRev, c.badErr = rev, c.scopeError()
			return "", 0, c.badErr
		}
		fresh := tok.Expiry.IsZero() || c.now().Before(tok.Expiry.Add(-refreshMargin))
		if tok.AccessToken != "" && tok.AccessToken != rejected && fresh {
			return tok.AccessToken, rev, nil
		}
		if tok.RefreshToken == "" {
			c.badRev, c.badErr = rev, c.reauthorize("the stored Strava token has expired and cannot be refreshed")
			return "", 0, c.badErr
		}
		next, err := c.refresh(ctx, tok)
		var ae *authError
		if errors.As(err, &ae) {
			// Another process may have refreshed (and rotated) first.
			if _, now, lerr := pluginapi.LoadOAuth2Token(ctx, c.kv); lerr == nil && now != rev {
				continue
			}
			c.badRev, c.badErr = rev, ae
			return "", 0, ae
		}
		if err != nil {
			return "", 0, err
		}
		// Persist the rotated refresh token before using the new access
		// token: the old refresh token no longer works.
		newRev, err := pluginapi.SaveOAuth2Token(ctx, c.kv, next, rev)
		if errors.Is(err, pluginapi.ErrRevisionMismatch) {
			continue
		}
		if err != nil {
			c.pending, c.pendingRev = &next, rev
			return "", 0, fmt.Errorf("save the refreshed Strava token: %w", err)
		}
		c.log.Info("refreshed the Strava access token", "expires", next.Expiry.Format(time.RFC3339))
		return next.AccessToken, newRev, nil
	}
	return "", 0, errors.New("the Strava token kept changing while refreshing it")
}

func hasScope(scope, want string) bool {
	for _, s := range strings.FieldsFunc(scope, func(r rune) bool { return r == ',' || r == ' ' }) {
		if s == want {
			return true
		}
	}
	return false
}

type tokenJSON struct {
	TokenType    string `json:"token_type"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresAt    int64  `json:"expires_at"`
	ExpiresIn    int64  `json:"expires_in"`
}

// refresh trades tok's refresh token for a new token.
func (c *client) refresh(ctx context.Context, tok pluginapi.OAuth2Token) (pluginapi.OAuth2Token, error) {
	form := url.Values{
		"client_id":     {c.s.cfg.ClientID},
		"client_secret": {c.s.cfg.ClientSecret},
		"grant_type":    {"refresh_token"},
		"refresh_token": {tok.RefreshToken},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.s.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return tok, fmt.Errorf("refresh the Strava token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return tok, fmt.Errorf("refresh the Strava token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return tok, fmt.Errorf("refresh the Strava token: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		var f faultJSON
		_ = json.Unmarshal(body, &f)
		return tok, c.reauthorize(fmt.Sprintf("Strava refused to refresh the token (%d %s: revoked, or the refresh token was replaced)", resp.StatusCode, f.Message))
	case resp.StatusCode != http.StatusOK:
		return tok, fmt.Errorf("refresh the Strava token: token endpoint answered %d", resp.StatusCode)
	}
	var tj tokenJSON
	if err := json.Unmarshal(body, &tj); err != nil || tj.AccessToken == "" {
		return tok, fmt.Errorf("refresh the Strava token: unexpected answer (%d bytes)", len(body))
	}
	next := pluginapi.OAuth2Token{
		AccessToken: tj.AccessToken, RefreshToken: tj.RefreshToken, TokenType: tj.TokenType, Scope: tok.Scope,
	}
	if next.RefreshToken == "" {
		next.RefreshToken = tok.RefreshToken
	}
	switch {
	case tj.ExpiresIn > 0: // relative: immune to clock skew
		next.Expiry = c.now().Add(time.Duration(tj.ExpiresIn) * time.Second)
	case tj.ExpiresAt > 0:
		next.Expiry = time.Unix(tj.ExpiresAt, 0)
	}
	return next, nil
}

// request is one API call; body builds the request body afresh for a
// retry after a token refresh.
type request struct {
	op       string // for messages, e.g. "upload exercise.475.x"
	method   string
	path     string // below api_url
	body     func() (io.Reader, string, error)
	headroom int // requests that must remain in the window
}

// do sends r and decodes a 2xx answer into out.
func (c *client) do(ctx context.Context, r request, out any) error {
	read := r.method == http.MethodGet
	if w := c.rate.wait(read, max(r.headroom, 1)); w > 0 {
		return &rateLimitedError{wait: w}
	}
	tok, rev, err := c.accessToken(ctx, "")
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		var body io.Reader
		contentType := ""
		if r.body != nil {
			if body, contentType, err = r.body(); err != nil {
				return fmt.Errorf("%s: %w", r.op, err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, r.method, c.s.cfg.APIURL+r.path, body)
		if err != nil {
			return fmt.Errorf("%s: %w", r.op, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			err = fmt.Errorf("%s: %w", r.op, err)
			if pluginapi.NotSent(err) {
				return err
			}
			return &pluginapi.LostError{Err: err}
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		c.rate.observe(resp, resp.StatusCode == http.StatusTooManyRequests)
		if err != nil {
			return &pluginapi.LostError{Err: fmt.Errorf("%s: read the answer: %w", r.op, err)}
		}
		var f faultJSON
		if resp.StatusCode >= 300 {
			_ = json.Unmarshal(raw, &f)
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			w := c.rate.wait(read, 1)
			if w <= 0 {
				w = time.Minute
			}
			return &rateLimitedError{wait: w}
		case resp.StatusCode == http.StatusUnauthorized && f.missingScope():
			return c.markBad(rev, c.scopeError())
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			// Expired early, or revoked: refresh once and try again.
			if tok, rev, err = c.accessToken(ctx, tok); err != nil {
				return err
			}
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			return c.markBad(rev, c.reauthorize("Strava rejected the authorization (revoked?)"))
		case resp.StatusCode >= 500:
			return &pluginapi.LostError{Err: &apiError{op: r.op, status: resp.StatusCode, fault: f}}
		case resp.StatusCode < 200 || resp.StatusCode >= 300:
			return &apiError{op: r.op, status: resp.StatusCode, fault: f}
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				// Done, but what (which upload id) is unknown.
				return &pluginapi.LostError{Err: fmt.Errorf("%s: decode the answer: %w", r.op, err)}
			}
		}
		return nil
	}
}

func (c *client) markBad(rev uint64, err *authError) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.badRev, c.badErr = rev, err
	return err
}

// uploadJSON is Strava's Upload.
type uploadJSON struct {
	ID         int64  `json:"id"`
	ExternalID string `json:"external_id"`
	Error      string `json:"error"`
	Status     string `json:"status"`
	ActivityID int64  `json:"activity_id"`
}

// Upload statuses as Strava words them.
const (
	statusProcessing = "Your activity is still being processed."
	statusDeleted    = "The created activity has been deleted."
)

var duplicateRE = regexp.MustCompile(`/activities/(\d+)|activity (\d+)`)

// duplicateOf returns the activity id of a "duplicate of" error.
func duplicateOf(uploadErr string) (int64, bool) {
	if !strings.Contains(uploadErr, "duplicate of") {
		return 0, false
	}
	m := duplicateRE.FindStringSubmatch(uploadErr)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1]+m[2], 10, 64)
	return id, err == nil
}

type uploadParams struct {
	data                 []byte
	dataType, externalID string
	name, description    string
	trainer, commute     bool
}

func (c *client) upload(ctx context.Context, op string, p uploadParams) (uploadJSON, error) {
	body := func() (io.Reader, string, error) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile("file", p.externalID)
		if err != nil {
			return nil, "", err
		}
		if _, err := fw.Write(p.data); err != nil {
			return nil, "", err
		}
		fields := [][2]string{{"data_type", p.dataType}, {"external_id", p.externalID}, {"name", p.name}, {"description", p.description}}
		if p.trainer {
			fields = append(fields, [2]string{"trainer", "1"})
		}
		if p.commute {
			fields = append(fields, [2]string{"commute", "1"})
		}
		for _, f := range fields {
			if err := mw.WriteField(f[0], f[1]); err != nil {
				return nil, "", err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, "", err
		}
		return &buf, mw.FormDataContentType(), nil
	}
	var up uploadJSON
	err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/uploads", body: body, headroom: 3}, &up)
	return up, err
}

func (c *client) getUpload(ctx context.Context, op string, id int64) (uploadJSON, error) {
	var up uploadJSON
	err := c.do(ctx, request{op: op, method: http.MethodGet, path: "/uploads/" + strconv.FormatInt(id, 10)}, &up)
	return up, err
}

type updatableActivity struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	SportType   string `json:"sport_type"`
	Trainer     *bool  `json:"trainer,omitempty"`
	Commute     *bool  `json:"commute,omitempty"`
}

func (c *client) updateActivity(ctx context.Context, op string, id int64, u updatableActivity) error {
	raw, err := json.Marshal(u)
	if err != nil {
		return err
	}
	body := func() (io.Reader, string, error) { return bytes.NewReader(raw), "application/json", nil }
	return c.do(ctx, request{op: op, method: http.MethodPut, path: "/activities/" + strconv.FormatInt(id, 10), body: body}, nil)
}
