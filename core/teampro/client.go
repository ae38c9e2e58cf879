package teampro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/polarbridge/polarbridge/core/backoff"
	"github.com/polarbridge/polarbridge/core/polarhttp"
)

// The documented rate limit: 1 request per second with a burst bucket of
// 100, per authenticated client.
const APIRate rate.Limit = 1

// APIBurst is the documented bucket; DefaultBurst leaves 10 of it to other
// users of the same credentials (the CLI) and to network jitter.
const (
	APIBurst     = 100
	DefaultBurst = APIBurst - 10
)

const (
	defaultMaxRetries    = 4 // 5xx and transport errors
	defaultMax429Retries = 8
	backoffBase          = time.Second
	backoffMax           = time.Minute
	maxBody              = 256 << 20
	maxPerPage           = 100 // documented maximum
	maxPages             = 10000
)

// Client calls the Team Pro API for one account (one token source). It
// paces requests with a token bucket under the documented limit, waits
// out a 429 and retries, retries 5xx and transport errors with backoff,
// refreshes the token once on a 401, and follows pagination. Tokens never
// appear in its errors or logs. It is safe for concurrent use; accounts of
// the same OAuth client should share one limiter (WithLimiter).
type Client struct {
	base string
	ts   oauth2.TokenSource
	hc   *http.Client
	log  *slog.Logger
	// observe is told every request's status (WithRequestObserver).
	observe func(status int, err error)
	lim     *rate.Limiter
	// reserve makes reading the clock and reserving one step: a
	// goroutine that read an earlier instant than the last reservation
	// would move the limiter back in time and be granted extra tokens.
	reserve       sync.Mutex
	now           func() time.Time
	sleep         func(context.Context, time.Duration) error
	maxRetries    int
	max429Retries int
	perPage       int
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the API address (default DefaultBaseURL).
func WithBaseURL(u string) Option { return func(c *Client) { c.base = u } }

// WithHTTPClient sets the HTTP client (default polarhttp.NewClient: 30 s
// for an answer, 2 minutes a call).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithRequestObserver has fn called after every HTTP request to Team Pro
// with the answer's status (0 when there was none) and the transport
// error, e.g. to count requests in metrics.
func WithRequestObserver(fn func(status int, err error)) Option {
	return func(c *Client) { c.observe = fn }
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithLimiter sets the rate limiter (default: APIRate with DefaultBurst).
// Share one among the clients of all accounts of one OAuth client.
func WithLimiter(l *rate.Limiter) Option { return func(c *Client) { c.lim = l } }

// WithClock sets the time source for pacing and backoff (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithSleep sets how the client waits; sleep must return ctx.Err() if ctx
// ends first. With WithClock it makes pacing deterministic in tests.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// WithMaxRetries bounds retries after 5xx and transport errors (default 4)
// and after 429 (default 8).
func WithMaxRetries(server, tooMany int) Option {
	return func(c *Client) { c.maxRetries, c.max429Retries = max(0, server), max(0, tooMany) }
}

// WithPerPage sets the page size of list calls (1..100, default 100).
func WithPerPage(n int) Option { return func(c *Client) { c.perPage = n } }

// New builds a Client that authenticates with ts, typically a
// *TokenSource.
func New(ts oauth2.TokenSource, opts ...Option) (*Client, error) {
	c := &Client{
		base:          DefaultBaseURL,
		ts:            ts,
		hc:            polarhttp.NewClient(),
		log:           slog.New(slog.DiscardHandler),
		now:           time.Now,
		sleep:         backoff.Sleep,
		maxRetries:    defaultMaxRetries,
		max429Retries: defaultMax429Retries,
		perPage:       maxPerPage,
	}
	for _, o := range opts {
		o(c)
	}
	if ts == nil {
		return nil, fmt.Errorf("teampro: no token source: %w", ErrInvalidArgument)
	}
	if c.perPage < 1 || c.perPage > maxPerPage {
		return nil, fmt.Errorf("teampro: per_page %d not in 1..%d: %w", c.perPage, maxPerPage, ErrInvalidArgument)
	}
	u, err := url.Parse(c.base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil, fmt.Errorf("teampro: base URL: want http(s)://host[/path]: %w", ErrInvalidArgument)
	}
	c.base = strings.TrimSuffix(u.String(), "/")
	if c.lim == nil {
		c.lim = NewLimiter()
	}
	return c, nil
}

// NewLimiter returns the default limiter: APIRate, DefaultBurst, full.
func NewLimiter() *rate.Limiter { return rate.NewLimiter(APIRate, DefaultBurst) }

// invalidator is implemented by *TokenSource.
type invalidator interface{ Invalidate(*oauth2.Token) }

// get fetches path (escaped, from /v1) and returns the 2xx body.
func (c *Client) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	target := c.base + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	refreshed := false
	serverFails, tooMany := 0, 0
	for {
		if err := c.pace(ctx, path); err != nil {
			return nil, err
		}
		tok, err := c.ts.Token()
		if err != nil {
			return nil, fmt.Errorf("teampro: GET %s: %w", path, err)
		}
		status, header, body, err := c.send(ctx, target, tok.AccessToken)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || serverFails >= c.maxRetries {
				return nil, fmt.Errorf("teampro: GET %s: %w", path, err)
			}
			wait = backoff.Exponential(backoffBase, backoffMax, serverFails+1)
			serverFails++
			c.log.WarnContext(ctx, "teampro: request failed, retrying", "endpoint", path, "wait", wait, "err", err)
		case status >= 200 && status < 300:
			return body, nil
		case status == http.StatusUnauthorized && !refreshed:
			// The server may expire a token before we expect; one
			// refresh, then give up.
			inv, ok := c.ts.(invalidator)
			if !ok {
				return nil, statusError(http.MethodGet, path, status, body, tok.AccessToken, tok.RefreshToken)
			}
			inv.Invalidate(tok)
			refreshed = true
			c.log.InfoContext(ctx, "teampro: access token rejected, refreshing", "endpoint", path)
			continue
		case status == http.StatusTooManyRequests:
			if tooMany >= c.max429Retries {
				return nil, statusError(http.MethodGet, path, status, body, tok.AccessToken, tok.RefreshToken)
			}
			c.drain()
			wait = backoff.Exponential(backoffBase, backoffMax, tooMany+1)
			if ra, ok := retryAfter(c.now(), header); ok {
				wait = max(wait, ra)
			}
			tooMany++
			c.log.WarnContext(ctx, "teampro: rate limited (429), waiting", "endpoint", path, "wait", wait)
		case (status == http.StatusRequestTimeout || status >= 500) && serverFails < c.maxRetries:
			wait = backoff.Exponential(backoffBase, backoffMax, serverFails+1)
			serverFails++
			c.log.WarnContext(ctx, "teampro: server error, retrying", "endpoint", path, "status", status, "wait", wait)
		default:
			return nil, statusError(http.MethodGet, path, status, body, tok.AccessToken, tok.RefreshToken)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("teampro: GET %s: waiting to retry: %w", path, err)
		}
	}
}

// pace waits for the limiter.
func (c *Client) pace(ctx context.Context, path string) error {
	c.reserve.Lock()
	now := c.now()
	r := c.lim.ReserveN(now, 1)
	c.reserve.Unlock()
	if !r.OK() {
		return fmt.Errorf("teampro: GET %s: limiter burst is 0: %w", path, ErrInvalidArgument)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return ctx.Err()
	}
	if d >= 10*time.Second {
		c.log.InfoContext(ctx, "teampro: pacing request", "endpoint", path, "wait", d)
	}
	if err := c.sleep(ctx, d); err != nil {
		r.CancelAt(c.now())
		return fmt.Errorf("teampro: GET %s: waiting for the rate limit: %w", path, err)
	}
	return nil
}

// drain empties the local bucket after a 429: the server's is empty, so
// the next requests go at the sustained rate.
func (c *Client) drain() {
	c.reserve.Lock()
	defer c.reserve.Unlock()
	now := c.now()
	if n := int(c.lim.TokensAt(now)); n > 0 {
		c.lim.AllowN(now, n)
	}
}

func (c *Client) send(ctx context.Context, target, token string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "polarbridge")
	start := c.now()
	resp, err := c.hc.Do(req)
	if c.observe != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		c.observe(status, err)
	}
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading response: %w", err)
	}
	if len(data) > maxBody {
		return 0, nil, nil, fmt.Errorf("response larger than %d bytes: %w", maxBody, ErrInvalidPayload)
	}
	c.log.DebugContext(ctx, "teampro: response", "endpoint", req.URL.Path, "status", resp.StatusCode,
		"duration", c.now().Sub(start), "bytes", len(data))
	return resp.StatusCode, resp.Header, data, nil
}

func retryAfter(now time.Time, h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return min(time.Duration(secs)*time.Second, 10*time.Minute), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(0, t.Sub(now)), 10*time.Minute), true
	}
	return 0, false
}

func segment(what, v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("teampro: empty %s: %w", what, ErrInvalidArgument)
	}
	return url.PathEscape(v), nil
}

// list fetches every page of a paginated endpoint, deduplicating by id
// (items may shift between pages while a session is added).
func list[T any](ctx context.Context, c *Client, path string, q url.Values, what string, id func(*T) string) ([]T, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("per_page", strconv.Itoa(c.perPage))
	var out []T
	seen := map[string]bool{}
	for page := 0; page < maxPages; page++ {
		q.Set("page", strconv.Itoa(page))
		body, err := c.get(ctx, path, q)
		if err != nil {
			return nil, err
		}
		items, pg, err := decodeData[[]T](what, body)
		if err != nil {
			return nil, fmt.Errorf("%w (GET %s page %d)", err, path, page)
		}
		for i := range items {
			k := id(&items[i])
			if k != "" && seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, items[i])
		}
		switch {
		case len(items) == 0:
			return out, nil
		case pg == nil:
			// No page info: a short page is the last.
			if len(items) < c.perPage {
				return out, nil
			}
		case pg.PageNumber+1 >= pg.TotalPages:
			return out, nil
		}
	}
	return nil, fmt.Errorf("teampro: GET %s: more than %d pages: %w", path, maxPages, ErrInvalidPayload)
}

// timeParam formats since/until the way Polar writes session times:
// local wall clock without a zone. Polar compares them with zone-less
// local times, so callers should widen windows by the UTC offset.
func timeParam(t time.Time) string { return t.Format(localLayout) }

func sinceUntil(since, until time.Time) url.Values {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("since", timeParam(since))
	}
	if !until.IsZero() {
		q.Set("until", timeParam(until))
	}
	return q
}

// Teams lists the coach's teams (GET /v1/teams, all pages).
func (c *Client) Teams(ctx context.Context) ([]Team, error) {
	return list(ctx, c, "/v1/teams", nil, "teams", func(t *Team) string { return t.ID })
}

// Team returns a team with its players (GET /v1/teams/{team_id}).
func (c *Client) Team(ctx context.Context, teamID string) (*TeamDetails, error) {
	seg, err := segment("team id", teamID)
	if err != nil {
		return nil, err
	}
	body, err := c.get(ctx, "/v1/teams/"+seg, nil)
	if err != nil {
		return nil, err
	}
	return DecodeTeamDetails(body)
}

// TeamTrainingSessions lists a team's sessions whose record start time
// is after since and before until (zero: no bound), all pages.
func (c *Client) TeamTrainingSessions(ctx context.Context, teamID string, since, until time.Time) ([]TeamTrainingSession, error) {
	seg, err := segment("team id", teamID)
	if err != nil {
		return nil, err
	}
	return list(ctx, c, "/v1/teams/"+seg+"/training_sessions", sinceUntil(since, until), "team training sessions",
		func(s *TeamTrainingSession) string { return s.ID })
}

// TeamTrainingSession returns a team session with its participants and
// markers (GET /v1/teams/training_sessions/{id}).
func (c *Client) TeamTrainingSession(ctx context.Context, id string) (*TeamTrainingSessionDetails, error) {
	seg, err := segment("training session id", id)
	if err != nil {
		return nil, err
	}
	body, err := c.get(ctx, "/v1/teams/training_sessions/"+seg, nil)
	if err != nil {
		return nil, err
	}
	return DecodeTeamTrainingSessionDetails(body)
}

// SessionType filters player sessions.
type SessionType string

// Player session types.
const (
	SessionsAll        SessionType = "ALL"
	SessionsTeam       SessionType = "TEAM"
	SessionsIndividual SessionType = "INDIVIDUAL"
)

// PlayerTrainingSessions lists a player's sessions whose start time is
// after since and before until (zero: no bound), of type typ ("" = ALL),
// all pages. Each carries its timezone_offset.
func (c *Client) PlayerTrainingSessions(ctx context.Context, playerID string, since, until time.Time, typ SessionType) ([]PlayerTrainingSession, error) {
	seg, err := segment("player id", playerID)
	if err != nil {
		return nil, err
	}
	q := sinceUntil(since, until)
	switch typ {
	case "":
	case SessionsAll, SessionsTeam, SessionsIndividual:
		q.Set("type", string(typ))
	default:
		return nil, fmt.Errorf("teampro: session type %q: %w", typ, ErrInvalidArgument)
	}
	return list(ctx, c, "/v1/players/"+seg+"/training_sessions", q, "player training sessions",
		func(s *PlayerTrainingSession) string { return s.ID })
}

// PlayerTrainingSession returns the raw JSON of a player session with all
// samples and RR intervals (GET /v1/training_sessions/{id}?samples=all),
// the input of NormalizePlayerSession. Decode it with
// DecodePlayerTrainingSessionDetails.
func (c *Client) PlayerTrainingSession(ctx context.Context, id string) ([]byte, error) {
	seg, err := segment("player session id", id)
	if err != nil {
		return nil, err
	}
	return c.get(ctx, "/v1/training_sessions/"+seg, url.Values{"samples": {"all"}})
}

// PlayerSessionSummary returns a player's values trimmed to the team
// session, with zones (GET /v1/training_sessions/{id}/session_summary).
func (c *Client) PlayerSessionSummary(ctx context.Context, id string) (*SessionSummary, error) {
	seg, err := segment("player session id", id)
	if err != nil {
		return nil, err
	}
	body, err := c.get(ctx, "/v1/training_sessions/"+seg+"/session_summary", nil)
	if err != nil {
		return nil, err
	}
	return DecodeSessionSummary(body)
}

// ErrNoOffset: no listed player session gives the UTC offset asked for.
var ErrNoOffset = errors.New("no timezone_offset found for the session")

// SessionOffset finds the UTC offset (minutes) of a player session, which
// only the player's session listing carries, by listing the player's
// sessions from a day before to a day after localStart.
func (c *Client) SessionOffset(ctx context.Context, playerID, playerSessionID string, localStart time.Time) (int, error) {
	list, err := c.PlayerTrainingSessions(ctx, playerID, localStart.Add(-24*time.Hour), localStart.Add(24*time.Hour), SessionsAll)
	if err != nil {
		return 0, err
	}
	for _, s := range list {
		if s.ID == playerSessionID && s.TimezoneOffset != nil {
			return *s.TimezoneOffset, nil
		}
	}
	return 0, fmt.Errorf("teampro: player session %s: %w", playerSessionID, ErrNoOffset)
}

// TeamSessionOffset returns the UTC offset of a team session from a
// participant's session listing (trying up to three participants). ok is
// false when none gives it.
func (c *Client) TeamSessionOffset(ctx context.Context, d *TeamTrainingSessionDetails) (offset int, ok bool, err error) {
	start, err := time.Parse(localLayout, d.RecordStartTime)
	if err != nil {
		return 0, false, fmt.Errorf("teampro: session %s record_start_time %q: %w", d.ID, d.RecordStartTime, ErrInvalidTime)
	}
	tried := 0
	for _, p := range d.Participants {
		if p.PlayerID == "" || p.PlayerSessionID == "" || tried == 3 {
			continue
		}
		tried++
		off, err := c.SessionOffset(ctx, p.PlayerID, p.PlayerSessionID, start)
		switch {
		case err == nil:
			return off, true, nil
		case errors.Is(err, ErrNoOffset) || errors.Is(err, ErrNotFound):
			continue
		default:
			return 0, false, err
		}
	}
	return 0, false, nil
}

// String describes the client without credentials.
func (c *Client) String() string { return "teampro.Client(" + c.base + ")" }
