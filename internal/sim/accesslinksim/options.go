package accesslinksim

import (
	"log/slog"
	"net/http"
	"time"
)

// Option configures a Simulator.
type Option func(*config)

type config struct {
	now              func() time.Time
	seed             uint64
	users            int
	historyDays      int
	shortLimit       int
	longLimit        int
	clientID         string
	clientSecret     string
	redirectURIs     []string
	baseURL          string
	autoApproveUser  int64
	strictRegWindow  bool
	noDataStatus     int
	webhookClient    *http.Client
	doubleSleepPush  bool
	logger           *slog.Logger
	noFITProbability float64
	// heartRateInterval is the 24/7 heart rate sampling interval.
	heartRateInterval time.Duration
}

func defaultConfig() config {
	return config{
		now:              time.Now,
		seed:             1,
		users:            2,
		historyDays:      14,
		clientID:         "sim-client-id",
		clientSecret:     "sim-client-secret",
		noDataStatus:     http.StatusNotFound,
		webhookClient:    &http.Client{Timeout: 10 * time.Second},
		logger:           slog.New(slog.DiscardHandler),
		noFITProbability: 0.1,
		// The docs: "Default time between samples is 5 minutes."
		heartRateInterval: 5 * time.Minute,
	}
}

// WithClock sets the time source. Data generation, OAuth code expiry, data
// windows and rate-limit windows all follow it, so tests can move time.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithSeed makes generated data deterministic: the same seed, clock and
// options produce the same users, exercises (including FIT bytes) and nights.
func WithSeed(seed uint64) Option {
	return func(c *config) { c.seed = seed }
}

// WithUsers sets the number of simulated Polar users (default 2).
func WithUsers(n int) Option {
	return func(c *config) { c.users = n }
}

// WithHistoryDays sets how many days of past exercises and nights are
// generated (default 14; AccessLink itself only serves the last 28-30 days).
func WithHistoryDays(days int) Option {
	return func(c *config) { c.historyDays = days }
}

// WithRateLimits sets the 15-minute and 24-hour request limits. Without it
// the limits follow Polar's dynamic formula 500+20*users and 5000+100*users.
func WithRateLimits(short15m, long24h int) Option {
	return func(c *config) { c.shortLimit, c.longLimit = short15m, long24h }
}

// WithClient sets the OAuth2 client credentials the simulator accepts.
func WithClient(id, secret string) Option {
	return func(c *config) { c.clientID, c.clientSecret = id, secret }
}

// WithRedirectURIs registers the client's redirect URLs; the first one is the
// default used when the authorization request has no redirect_uri. Without it
// any redirect_uri is accepted and one is required.
func WithRedirectURIs(uris ...string) Option {
	return func(c *config) { c.redirectURIs = uris }
}

// WithBaseURL sets the absolute URL prefix used in links the API returns and
// in webhook payloads (default: derived from the incoming request's Host).
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL = u }
}

// WithAutoApproveUser makes every authorization request approve this user.
// Without it authorizations cycle through the simulated users in order.
func WithAutoApproveUser(id int64) Option {
	return func(c *config) { c.autoApproveUser = id }
}

// WithStrictRegistrationWindow enforces Polar's rule that only data uploaded
// after the user registered with the client is visible. Off by default so
// generated history can be browsed right after registering.
func WithStrictRegistrationWindow() Option {
	return func(c *config) { c.strictRegWindow = true }
}

// WithNoDataStatus sets the status for /v3/users/sleep/{date} and
// /v3/users/nightly-recharge/{date} when the date has no data. The docs say
// 404 (the default); pass http.StatusNoContent to test clients against the
// 204 that some observers report.
func WithNoDataStatus(code int) Option {
	return func(c *config) { c.noDataStatus = code }
}

// WithWebhookClient sets the HTTP client used for PINGs and webhook pushes.
func WithWebhookClient(hc *http.Client) Option {
	return func(c *config) { c.webhookClient = hc }
}

// WithDuplicateSleepPushes delivers every SLEEP push twice, mimicking the
// double delivery seen from the real service.
func WithDuplicateSleepPushes() Option {
	return func(c *config) { c.doubleSleepPush = true }
}

// WithLogger sets the logger used by Run and for webhook delivery failures.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithNoFITProbability sets the share of generated historical exercises that
// are manual entries without samples or FIT file (default 0.1).
func WithNoFITProbability(p float64) Option {
	return func(c *config) { c.noFITProbability = p }
}

// WithContinuousHeartRateInterval sets the 24/7 heart rate sampling
// interval while the watch is worn (default 5 minutes, the docs' default;
// 5 s gives the some 17,000 samples a day newer watches record). Below a
// second it is a second.
func WithContinuousHeartRateInterval(d time.Duration) Option {
	return func(c *config) { c.heartRateInterval = max(d, time.Second) }
}
