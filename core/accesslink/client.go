package accesslink

import (
	"github.com/polarbridge/polarbridge/core/backoff"
	"github.com/polarbridge/polarbridge/core/polarhttp"

	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Documented AccessLink addresses.
const (
	DefaultBaseURL  = "https://www.polaraccesslink.com"
	DefaultAuthURL  = "https://flow.polar.com/oauth2/authorization"
	DefaultTokenURL = "https://polarremote.com/v2/oauth2/token"
)

const (
	defaultMaxRetries = 4
	// defaultMaxWait covers a short-window reset; a longer wait (the
	// 24-hour limit) is returned as a RateLimitError for the caller to
	// schedule rather than blocking a goroutine for hours.
	defaultMaxWait = 20 * time.Minute
	backoffBase    = time.Second
	backoffMax     = time.Minute
	// maxBody bounds a response in memory; the largest real ones (a month
	// of exercises with samples) are tens of MB.
	maxBody = 256 << 20
)

// ErrInvalidArgument: a method was called with an empty id, a malformed
// date or the like; no request was made.
var ErrInvalidArgument = errors.New("invalid argument")

// Client calls the AccessLink v3 API. It paces its requests to stay under
// both rate limits (see the pacer in ratelimit.go), waits out a 429 before
// retrying, retries 5xx answers and transport errors with exponential
// backoff, and maps failures to the sentinel errors of this package.
// Credentials never appear in its errors or logs. It is safe for
// concurrent use; use one Client per set of client credentials, since the
// rate limits are the client's.
type Client struct {
	baseRaw    string
	base       string // parsed and without trailing slash
	hc         *http.Client
	creds      *clientCredentials // a pointer, so printing a Client shows no secret
	log        *slog.Logger
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
	maxRetries int
	maxWait    time.Duration
	pacer      *pacer
	observe    func(status int, err error)
}

type clientCredentials struct {
	secret string
	header string // "Basic base64(id:secret)"
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the API address (default DefaultBaseURL), e.g. a
// simulator's.
func WithBaseURL(u string) Option { return func(c *Client) { c.baseRaw = u } }

// WithHTTPClient sets the HTTP client (default polarhttp.NewClient: 30 s
// for an answer, 2 minutes a call). Its timeouts bound each attempt, not
// the retries.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithRequestObserver has fn called after every HTTP request to
// AccessLink with the answer's status (0 when there was none) and the
// transport error, e.g. to count requests in metrics.
func WithRequestObserver(fn func(status int, err error)) Option {
	return func(c *Client) { c.observe = fn }
}

// WithClientCredentials sets the partner's client id and secret, needed by
// the client-level endpoints (notifications, webhooks).
func WithClientCredentials(id, secret string) Option {
	return func(c *Client) {
		c.creds = &clientCredentials{
			secret: secret,
			header: "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret)),
		}
	}
}

// WithLogger sets the logger (default: discard). Requests log at Debug,
// long pacing waits at Info, retries at Warn.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithClock sets the time source used for pacing (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithSleep sets how the client waits (default: a timer that honours ctx).
// sleep must return ctx.Err() if ctx ends first. With WithClock it makes
// pacing deterministic in tests.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// WithMaxRetries bounds the retries of one call after 429, 5xx and
// transport errors (default 4).
func WithMaxRetries(n int) Option { return func(c *Client) { c.maxRetries = max(0, n) } }

// WithMaxWait bounds a single rate-limit wait (default 20 minutes). A
// longer one fails the call at once with a *RateLimitError.
func WithMaxWait(d time.Duration) Option { return func(c *Client) { c.maxWait = d } }

// New builds a Client.
func New(opts ...Option) (*Client, error) {
	c := &Client{
		baseRaw:    DefaultBaseURL,
		hc:         polarhttp.NewClient(),
		log:        slog.New(slog.DiscardHandler),
		now:        time.Now,
		sleep:      backoff.Sleep,
		maxRetries: defaultMaxRetries,
		maxWait:    defaultMaxWait,
		pacer:      newPacer(),
	}
	for _, o := range opts {
		o(c)
	}
	u, err := url.Parse(c.baseRaw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		shown := "unparsable" // the raw text might hold a password
		if err == nil {
			shown = strconv.Quote(u.Redacted())
		}
		return nil, fmt.Errorf("accesslink: base URL %s: want http(s)://host[/path]: %w", shown, ErrInvalidArgument)
	}
	c.base = strings.TrimSuffix(u.String(), "/")
	return c, nil
}

// RateLimits returns the latest rate-limit state.
func (c *Client) RateLimits() RateLimits { return c.pacer.snapshot() }

// Now reads the client's clock (WithClock): the instant a fetched record
// is judged by when its source has no calendar clock of its own.
func (c *Client) Now() time.Time { return c.now() }

// call is one API operation.
type call struct {
	method  string
	path    string // escaped, from /v3
	query   url.Values
	basic   bool   // client credentials; otherwise the user token
	token   string // user access token
	body    any    // sent as JSON if non-nil
	accept  string // default application/json
	noRetry bool   // not idempotent: no retry after a 5xx or transport error
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do runs c: pacing, sending, retrying. It returns the response for any
// 2xx status and an error otherwise.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	authz, err := c.authorization(cl)
	if err != nil {
		return nil, err
	}
	var body []byte
	if cl.body != nil {
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("accesslink: %s %s: encoding body: %w", cl.method, cl.path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		if err := c.pace(ctx, cl); err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, cl, authz, body, attempt)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || cl.noRetry || attempt >= c.maxRetries || Permanent(err) {
				return nil, fmt.Errorf("accesslink: %s %s: %w", cl.method, cl.path, err)
			}
			wait = backoff.Exponential(backoffBase, backoffMax, attempt+1)
			c.log.WarnContext(ctx, "accesslink: request failed, retrying", "method", cl.method, "endpoint", cl.path, "attempt", attempt+1, "wait", wait, "err", err)
		case resp.status >= 200 && resp.status < 300:
			return resp, nil
		case resp.status == http.StatusTooManyRequests:
			// The server refused the request unprocessed, so even a POST
			// may be repeated, but only after the window resets.
			wait = tooManyRequestsWait(c.now(), resp.header)
			if attempt >= c.maxRetries || wait > c.maxWait {
				return nil, &RateLimitError{Method: cl.method, Endpoint: cl.path, Wait: wait}
			}
			c.log.WarnContext(ctx, "accesslink: rate limited (429), waiting for the reset", "method", cl.method, "endpoint", cl.path, "wait", wait, "rate_limits", c.pacer.snapshot())
		case polarhttp.RetryableStatus(resp.status) && !cl.noRetry && attempt < c.maxRetries:
			wait = backoff.Exponential(backoffBase, backoffMax, attempt+1)
			if ra, ok := retryAfter(c.now(), resp.header); ok {
				wait = min(max(wait, ra), c.maxWait)
			}
			c.log.WarnContext(ctx, "accesslink: server error, retrying", "method", cl.method, "endpoint", cl.path, "status", resp.status, "attempt", attempt+1, "wait", wait)
		default:
			return nil, c.statusError(cl, resp)
		}
		if err := c.wait(ctx, wait); err != nil {
			return nil, fmt.Errorf("accesslink: %s %s: waiting to retry: %w", cl.method, cl.path, err)
		}
	}
}

func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.sleep(ctx, d)
}

// pace blocks until the pacer lets the request go.
func (c *Client) pace(ctx context.Context, cl call) error {
	for {
		d := c.pacer.acquire(c.now())
		if d == 0 {
			return nil
		}
		if d > c.maxWait {
			return &RateLimitError{Method: cl.method, Endpoint: cl.path, Wait: d}
		}
		level := slog.LevelDebug
		if d >= time.Minute {
			level = slog.LevelInfo
		}
		c.log.Log(ctx, level, "accesslink: pacing request", "method", cl.method, "endpoint", cl.path, "wait", d, "rate_limits", c.pacer.snapshot())
		if err := c.wait(ctx, d); err != nil {
			return fmt.Errorf("accesslink: %s %s: waiting for the rate limit: %w", cl.method, cl.path, err)
		}
	}
}

func (c *Client) authorization(cl call) (string, error) {
	if cl.basic {
		if c.creds == nil {
			return "", fmt.Errorf("accesslink: %s %s: %w", cl.method, cl.path, ErrNoClientCredentials)
		}
		return c.creds.header, nil
	}
	if cl.token == "" {
		return "", fmt.Errorf("accesslink: %s %s: no access token: %w", cl.method, cl.path, ErrUnauthorized)
	}
	if strings.IndexFunc(cl.token, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		// The transport would refuse the header on every retry.
		return "", fmt.Errorf("accesslink: %s %s: malformed access token: %w", cl.method, cl.path, ErrUnauthorized)
	}
	return "Bearer " + cl.token, nil
}

// send makes one attempt, which the pacer has admitted.
func (c *Client) send(ctx context.Context, cl call, authz string, body []byte, attempt int) (*response, error) {
	target := c.base + cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	start := c.now()
	req, err := http.NewRequestWithContext(ctx, cl.method, target, rd)
	if err != nil {
		c.pacer.release(start, c.now(), nil)
		return nil, err
	}
	req.Header.Set("Authorization", authz)
	req.Header.Set("User-Agent", "polarbridge")
	accept := cl.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if c.observe != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		c.observe(status, err)
	}
	if err != nil {
		c.pacer.release(start, c.now(), nil)
		return nil, err
	}
	defer resp.Body.Close()
	// Record the rate-limit state before reading a possibly large body,
	// so concurrent callers pace on it at once.
	c.pacer.release(start, c.now(), resp.Header)
	data, err := readBody(resp)
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("response larger than %d bytes: %w", maxBody, ErrInvalidPayload)
	}
	c.log.DebugContext(ctx, "accesslink: response", "method", cl.method, "endpoint", cl.path, "status", resp.StatusCode,
		"attempt", attempt+1, "duration", c.now().Sub(start), "bytes", len(data), "rate_limits", c.pacer.snapshot())
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// readBody reads at most maxBody+1 bytes of the answer into a buffer
// sized from its Content-Length: io.ReadAll doubles its buffer as it
// goes, 14 MB allocated for an exercise of 3 MB with its samples.
func readBody(resp *http.Response) ([]byte, error) {
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxBody {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom wants room to see EOF
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	return buf.Bytes(), err
}

func (c *Client) statusError(cl call, resp *response) error {
	secrets := []string{cl.token}
	if c.creds != nil {
		secrets = append(secrets, c.creds.secret, strings.TrimPrefix(c.creds.header, "Basic "))
	}
	return statusError(cl.method, cl.path, resp.status, resp.body, cl.basic, secrets...)
}

// segment escapes one path segment, refusing an empty one.
func segment(what, v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("accesslink: empty %s: %w", what, ErrInvalidArgument)
	}
	return url.PathEscape(v), nil
}

// dateSegment checks a YYYY-MM-DD date.
func dateSegment(date string) (string, error) {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return "", fmt.Errorf("accesslink: date %q is not YYYY-MM-DD: %w", date, ErrInvalidArgument)
	}
	return date, nil
}

func noContent(cl call, status int) error {
	return &HTTPError{API: "accesslink", Method: cl.method, Endpoint: cl.path, Status: status, Err: ErrNotFound}
}

// ---- Users (user token) ----

// User is the documented "user" model of /v3/users.
type User struct {
	PolarUserID      int64       `json:"polar-user-id"`
	MemberID         string      `json:"member-id"`
	RegistrationDate string      `json:"registration-date"`
	FirstName        string      `json:"first-name"`
	LastName         string      `json:"last-name"`
	Birthdate        string      `json:"birthdate"`
	Gender           string      `json:"gender"`
	Weight           float64     `json:"weight"`
	Height           float64     `json:"height"`
	ExtraInfo        []ExtraInfo `json:"extra-info"`
}

// ExtraInfo answers a partner-specific question.
type ExtraInfo struct {
	Value string `json:"value"`
	Index int    `json:"index"`
	Name  string `json:"name"`
}

// RegisterUser registers the token's user with the partner under memberID
// (POST /v3/users). created is false when AccessLink answers 409: the user
// is already registered (or memberID is taken), which is not an error.
func (c *Client) RegisterUser(ctx context.Context, token, memberID string) (created bool, err error) {
	if memberID == "" {
		return false, fmt.Errorf("accesslink: empty member id: %w", ErrInvalidArgument)
	}
	// A retry of a registration that did succeed answers 409, so retrying
	// is safe.
	_, err = c.do(ctx, call{method: http.MethodPost, path: "/v3/users", token: token, body: map[string]string{"member-id": memberID}})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrConflict):
		return false, nil
	}
	return false, err
}

// GetUser returns the registered user (GET /v3/users/{user-id}). A user
// not registered to the partner (204) is ErrNotFound.
func (c *Client) GetUser(ctx context.Context, token, userID string) (*User, error) {
	id, err := segment("user id", userID)
	if err != nil {
		return nil, err
	}
	cl := call{method: http.MethodGet, path: "/v3/users/" + id, token: token}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNoContent {
		return nil, noContent(cl, resp.status)
	}
	var u User
	if err := decodeJSON("user", resp.body, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// DeleteUser de-registers the user (DELETE /v3/users/{user-id}), which
// also revokes the token.
func (c *Client) DeleteUser(ctx context.Context, token, userID string) error {
	id, err := segment("user id", userID)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{method: http.MethodDelete, path: "/v3/users/" + id, token: token})
	return err
}

// ---- Pull notifications and webhooks (client credentials) ----

// Notifications lists users with data available (GET /v3/notifications);
// nil when there is none (204).
func (c *Client) Notifications(ctx context.Context) ([]AvailableUserData, error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/v3/notifications", basic: true})
	if err != nil || resp.status == http.StatusNoContent {
		return nil, err
	}
	return DecodeNotifications(resp.body)
}

// WebhookInfo is the registered webhook as GET and PATCH /v3/webhooks
// return it.
type WebhookInfo struct {
	ID     string         `json:"id"`
	Events []WebhookEvent `json:"events"`
	URL    string         `json:"url"`
	Active bool           `json:"active"`
}

// WebhookCreated is the answer to creating a webhook, the only time
// AccessLink reveals the secret that signs its payloads.
type WebhookCreated struct {
	ID                 string         `json:"id"`
	Events             []WebhookEvent `json:"events"`
	URL                string         `json:"url"`
	SignatureSecretKey string         `json:"signature_secret_key"`
}

// String omits the secret, so %v is safe to log.
func (w WebhookCreated) String() string {
	return fmt.Sprintf("webhook %s %v -> %s", w.ID, w.Events, w.URL)
}

// LogValue omits the secret.
func (w WebhookCreated) LogValue() slog.Value { return slog.StringValue(w.String()) }

type webhookRequest struct {
	Events []WebhookEvent `json:"events,omitempty"`
	URL    string         `json:"url,omitempty"`
}

// CreateWebhook registers the partner's webhook (POST /v3/webhooks);
// AccessLink PINGs webhookURL first. ErrConflict: one already exists. It is not
// retried after a 5xx or transport error: the secret of a webhook created
// by a lost answer could never be read again, so the caller should look
// with GetWebhook and delete and re-create it if needed.
func (c *Client) CreateWebhook(ctx context.Context, webhookURL string, events []WebhookEvent) (*WebhookCreated, error) {
	if webhookURL == "" || len(events) == 0 {
		return nil, fmt.Errorf("accesslink: a webhook needs a url and events: %w", ErrInvalidArgument)
	}
	resp, err := c.do(ctx, call{method: http.MethodPost, path: "/v3/webhooks", basic: true,
		body: webhookRequest{Events: events, URL: webhookURL}, noRetry: true})
	if err != nil {
		return nil, err
	}
	var out struct {
		Data WebhookCreated `json:"data"`
	}
	if err := decodeJSON("created webhook", resp.body, &out); err != nil {
		return nil, err
	}
	if out.Data.ID == "" || out.Data.SignatureSecretKey == "" {
		return nil, fmt.Errorf("created webhook lacks id or signature_secret_key: %w", ErrInvalidPayload)
	}
	return &out.Data, nil
}

// GetWebhook returns the registered webhook (GET /v3/webhooks); found is
// false when there is none.
func (c *Client) GetWebhook(ctx context.Context) (_ *WebhookInfo, found bool, _ error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/v3/webhooks", basic: true})
	if err != nil || resp.status == http.StatusNoContent {
		return nil, false, err
	}
	var out struct {
		Data json.RawMessage `json:"data"`
	}
	if err := decodeJSON("webhook", resp.body, &out); err != nil {
		return nil, false, err
	}
	// Documented as an object; an array (empty when there is none) is
	// accepted too, as other clients report seeing it.
	var list []WebhookInfo
	if isJSONArray(out.Data) {
		if err := decodeJSON("webhook", out.Data, &list); err != nil {
			return nil, false, err
		}
	} else if len(out.Data) > 0 && string(out.Data) != "null" {
		var w WebhookInfo
		if err := decodeJSON("webhook", out.Data, &w); err != nil {
			return nil, false, err
		}
		list = append(list, w)
	}
	if len(list) == 0 {
		return nil, false, nil
	}
	return &list[0], true, nil
}

// UpdateWebhook changes the webhook's URL and/or events (PATCH
// /v3/webhooks/{id}); an empty webhookURL or nil events leaves that
// unchanged. AccessLink PINGs a new URL first.
func (c *Client) UpdateWebhook(ctx context.Context, id, webhookURL string, events []WebhookEvent) (*WebhookInfo, error) {
	seg, err := segment("webhook id", id)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{method: http.MethodPatch, path: "/v3/webhooks/" + seg, basic: true,
		body: webhookRequest{Events: events, URL: webhookURL}})
	if err != nil {
		return nil, err
	}
	var out struct {
		Data WebhookInfo `json:"data"`
	}
	if err := decodeJSON("webhook", resp.body, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// DeleteWebhook deletes the webhook (DELETE /v3/webhooks/{id}).
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	seg, err := segment("webhook id", id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{method: http.MethodDelete, path: "/v3/webhooks/" + seg, basic: true})
	return err
}

// ActivateWebhook re-enables the webhook (POST /v3/webhooks/activate),
// which AccessLink does only if its URL answers a PING. ErrNotFound: no
// webhook (204).
func (c *Client) ActivateWebhook(ctx context.Context) error {
	return c.webhookState(ctx, "/v3/webhooks/activate")
}

// DeactivateWebhook stops pushes (POST /v3/webhooks/deactivate).
// ErrNotFound: no webhook (204).
func (c *Client) DeactivateWebhook(ctx context.Context) error {
	return c.webhookState(ctx, "/v3/webhooks/deactivate")
}

func (c *Client) webhookState(ctx context.Context, path string) error {
	cl := call{method: http.MethodPost, path: path, basic: true}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	if resp.status == http.StatusNoContent {
		return noContent(cl, resp.status)
	}
	return nil
}

// ---- Exercises (user token, hashed ids) ----

// ExerciseOptions asks for optional parts of exercise answers.
type ExerciseOptions struct {
	Samples bool // ?samples=true: sample series inline
	Zones   bool // ?zones=true: heart-rate zones inline
}

func (o ExerciseOptions) query() url.Values {
	q := url.Values{}
	if o.Samples {
		q.Set("samples", "true")
	}
	if o.Zones {
		q.Set("zones", "true")
	}
	return q
}

// ListExercises returns the raw JSON of each exercise of the last 30 days
// (GET /v3/exercises), for DecodeExercise or NormalizeExercise.
func (c *Client) ListExercises(ctx context.Context, token string, opt ExerciseOptions) ([]json.RawMessage, error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/v3/exercises", query: opt.query(), token: token})
	if err != nil || resp.status == http.StatusNoContent {
		return nil, err
	}
	var list []json.RawMessage
	if err := decodeJSON("exercise list", resp.body, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// GetExercise returns the raw JSON of one exercise (GET
// /v3/exercises/{id}), the input NormalizeExercise takes. ErrNotFound: no
// such exercise (404).
func (c *Client) GetExercise(ctx context.Context, token, id string, opt ExerciseOptions) ([]byte, error) {
	seg, err := segment("exercise id", id)
	if err != nil {
		return nil, err
	}
	cl := call{method: http.MethodGet, path: "/v3/exercises/" + seg, query: opt.query(), token: token}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNoContent {
		return nil, noContent(cl, resp.status)
	}
	return resp.body, nil
}

// FileFormat is an exercise file format.
type FileFormat string

// Exercise file formats.
const (
	FormatFIT FileFormat = "fit"
	FormatTCX FileFormat = "tcx"
	FormatGPX FileFormat = "gpx"
)

var fileAccept = map[FileFormat]string{
	FormatFIT: "*/*",
	FormatTCX: "application/vnd.garmin.tcx+xml",
	FormatGPX: "application/gpx+xml",
}

// GetFile returns an exercise's file (GET /v3/exercises/{id}/fit|tcx|gpx).
// found is false when the exercise has none (204: a manual entry, or no
// route for GPX); ErrNotFound means no such exercise. TCX, served gzipped,
// is returned uncompressed.
func (c *Client) GetFile(ctx context.Context, token, id string, format FileFormat) (data []byte, found bool, err error) {
	accept, ok := fileAccept[format]
	if !ok {
		return nil, false, fmt.Errorf("accesslink: file format %q: %w", format, ErrInvalidArgument)
	}
	seg, err := segment("exercise id", id)
	if err != nil {
		return nil, false, err
	}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/v3/exercises/" + seg + "/" + string(format), token: token, accept: accept})
	if err != nil || resp.status == http.StatusNoContent || len(resp.body) == 0 {
		return nil, false, err
	}
	if format == FormatTCX {
		if resp.body, err = gunzipIfGzip(resp.body); err != nil {
			return nil, false, fmt.Errorf("accesslink: exercise %s TCX: %w", id, err)
		}
	}
	return resp.body, true, nil
}

// gunzipIfGzip decompresses gzip data (recognized by its magic number) and
// returns anything else as is: the transport already decompresses a
// Content-Encoding: gzip answer.
func gunzipIfGzip(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %v: %w", err, ErrInvalidPayload)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %v: %w", err, ErrInvalidPayload)
	}
	if len(out) > maxBody {
		return nil, fmt.Errorf("gunzip: larger than %d bytes: %w", maxBody, ErrInvalidPayload)
	}
	return out, nil
}

// ---- Sleep and Nightly Recharge (user token) ----

// ListSleep returns the raw JSON of each night of the last 28 days (GET
// /v3/users/sleep), for NormalizeSleep.
func (c *Client) ListSleep(ctx context.Context, token string) ([]json.RawMessage, error) {
	return c.list(ctx, token, "/v3/users/sleep", "nights")
}

// GetSleep returns the raw JSON of the night ending on date (YYYY-MM-DD;
// GET /v3/users/sleep/{date}); found is false when there is none (404, or
// 204 as some observe).
func (c *Client) GetSleep(ctx context.Context, token, date string) (raw []byte, found bool, err error) {
	return c.byDate(ctx, token, "/v3/users/sleep/", date)
}

// AvailableSleep lists the dates with sleep data of the last 28 days (GET
// /v3/users/sleep/available).
func (c *Client) AvailableSleep(ctx context.Context, token string) ([]AvailableSleep, error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/v3/users/sleep/available", token: token})
	if err != nil || resp.status == http.StatusNoContent {
		return nil, err
	}
	return DecodeAvailableSleeps(resp.body)
}

// ListNightlyRecharge returns the raw JSON of each Nightly Recharge of the
// last 28 days (GET /v3/users/nightly-recharge).
func (c *Client) ListNightlyRecharge(ctx context.Context, token string) ([]json.RawMessage, error) {
	return c.list(ctx, token, "/v3/users/nightly-recharge", "recharges")
}

// GetNightlyRecharge returns the raw JSON of the Nightly Recharge of date
// (GET /v3/users/nightly-recharge/{date}), for NormalizeNightlyRecharge;
// found is false when there is none.
func (c *Client) GetNightlyRecharge(ctx context.Context, token, date string) (raw []byte, found bool, err error) {
	return c.byDate(ctx, token, "/v3/users/nightly-recharge/", date)
}

// list fetches {"<key>": [...]} and splits the array.
func (c *Client) list(ctx context.Context, token, path, key string) ([]json.RawMessage, error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: path, token: token})
	if err != nil || resp.status == http.StatusNoContent {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := decodeJSON(key, resp.body, &obj); err != nil {
		return nil, err
	}
	var list []json.RawMessage
	if raw, ok := obj[key]; ok {
		if err := decodeJSON(key, raw, &list); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (c *Client) byDate(ctx context.Context, token, prefix, date string) ([]byte, bool, error) {
	seg, err := dateSegment(date)
	if err != nil {
		return nil, false, err
	}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: prefix + seg, token: token})
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case resp.status == http.StatusNoContent || len(resp.body) == 0:
		return nil, false, nil
	}
	return resp.body, true, nil
}

// String describes the client without credentials.
func (c *Client) String() string {
	return "accesslink.Client(" + c.base + ", client credentials " + strconv.FormatBool(c.creds != nil) + ")"
}
