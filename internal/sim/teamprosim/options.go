package teamprosim

import (
	"log/slog"
	"time"
)

// Option configures a Simulator.
type Option func(*config)

type config struct {
	now             func() time.Time
	seed            uint64
	teams           int
	players         int
	sessions        int
	individual      int
	sessionDuration time.Duration
	sampleHz        int
	clientID        string
	clientSecret    string
	redirectURIs    []string
	rate            float64
	burst           int
	extraValueEvery int
	logger          *slog.Logger
}

func defaultConfig() config {
	return config{
		now:             time.Now,
		seed:            1,
		teams:           2,
		players:         20,
		sessions:        12,
		individual:      2,
		sessionDuration: 90 * time.Minute,
		sampleHz:        10,
		clientID:        "sim-client-id",
		clientSecret:    "sim-client-secret",
		rate:            1,
		burst:           100,
		extraValueEvery: 20000,
		logger:          slog.New(slog.DiscardHandler),
	}
}

// WithClock sets the time source for data, token expiry and the rate
// limit, so tests can move time.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSeed makes generated data deterministic (default 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithTeams sets the number of teams (default 2).
func WithTeams(n int) Option { return func(c *config) { c.teams = n } }

// WithPlayers sets the players per team (default 20).
func WithPlayers(n int) Option { return func(c *config) { c.players = n } }

// WithSessions sets the past team sessions per team (default 12, one
// every two days).
func WithSessions(n int) Option { return func(c *config) { c.sessions = n } }

// WithIndividualSessions sets the past individual sessions per player
// (default 2).
func WithIndividualSessions(n int) Option { return func(c *config) { c.individual = n } }

// WithSessionDuration sets the length of generated team sessions
// (default 90 minutes).
func WithSessionDuration(d time.Duration) Option { return func(c *config) { c.sessionDuration = d } }

// WithSampleRate sets the sample rate in Hz (default 10).
func WithSampleRate(hz int) Option { return func(c *config) { c.sampleHz = hz } }

// WithClient sets the accepted OAuth2 client credentials.
func WithClient(id, secret string) Option {
	return func(c *config) { c.clientID, c.clientSecret = id, secret }
}

// WithRedirectURIs registers redirect URIs; the first is the default.
// Without it any redirect_uri is accepted and one is required.
func WithRedirectURIs(uris ...string) Option { return func(c *config) { c.redirectURIs = uris } }

// WithRateLimit sets the sustained rate (requests/s) and bucket size
// (default 1 and 100, as documented).
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) { c.rate, c.burst = perSecond, burst }
}

// WithExtraValueEvery makes one sample row in n carry a value beyond the
// field list, as the docs' example does (default 20000; 0: never).
func WithExtraValueEvery(n int) Option { return func(c *config) { c.extraValueEvery = n } }

// WithLogger sets the logger used by Run.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }
