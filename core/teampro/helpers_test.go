package teampro_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
)

// fakeClock is shared by the simulator, the limiter and the token source;
// sleeping advances it at once.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 5, 20, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// env is a simulator behind a real HTTP server, an authorized account and
// a client, all on one fake clock.
type env struct {
	clock  *fakeClock
	sim    *teamprosim.Simulator
	srv    *httptest.Server
	conf   *oauth2.Config
	ts     *teampro.TokenSource
	client *teampro.Client

	mu    sync.Mutex
	saved []*oauth2.Token
	// used lists the access tokens the API has seen, in order.
	used []string
}

func newEnv(t *testing.T, simOpts []teamprosim.Option, clientOpts ...teampro.Option) *env {
	t.Helper()
	e := &env{clock: newFakeClock()}
	sim, err := teamprosim.New(append([]teamprosim.Option{teamprosim.WithClock(e.clock.Now), teamprosim.WithSeed(7)}, simOpts...)...)
	require.NoError(t, err)
	e.sim = sim
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) > 3 && r.URL.Path[:4] == "/v1/" {
			e.mu.Lock()
			e.used = append(e.used, r.Header.Get("Authorization"))
			e.mu.Unlock()
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.conf = teampro.OAuthConfig(sim.ClientID(), sim.ClientSecret(), "http://localhost/callback",
		e.srv.URL+"/oauth/authorize", e.srv.URL+"/oauth/token")
	tok := e.authorize(t)
	e.ts = teampro.NewTokenSource(context.Background(), e.conf, tok, func(_ context.Context, tok *oauth2.Token) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.saved = append(e.saved, tok)
		return nil
	}, teampro.WithTokenClock(e.clock.Now))
	opts := append([]teampro.Option{
		teampro.WithBaseURL(e.srv.URL),
		teampro.WithClock(e.clock.Now),
		teampro.WithSleep(e.clock.Sleep),
	}, clientOpts...)
	e.client, err = teampro.New(e.ts, opts...)
	require.NoError(t, err)
	return e
}

// authorize runs the authorization code flow against the simulator.
func (e *env) authorize(t testing.TB) *oauth2.Token {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(e.conf.AuthCodeURL("st8"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "st8", loc.Query().Get("state"))
	code := loc.Query().Get("code")
	require.NotEmpty(t, code, "redirect %s", loc)
	tok, err := e.conf.Exchange(context.Background(), code)
	require.NoError(t, err)
	// Expiry on the fake clock, as the token source would compute it.
	tok.Expiry = e.clock.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	return tok
}

func (e *env) savedTokens() []*oauth2.Token {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*oauth2.Token(nil), e.saved...)
}

func (e *env) usedTokens() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.used...)
}
