package accesslinksim

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock for the simulator.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
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

type env struct {
	sim   *Simulator
	srv   *httptest.Server
	clock *fakeClock
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	clock := &fakeClock{t: testNow}
	all := append([]Option{WithSeed(7), WithClock(clock.Now), WithUsers(2), WithHistoryDays(10)}, opts...)
	sim, err := New(all...)
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &env{sim: sim, srv: srv, clock: clock}
}

func (e *env) oauthConfig() *oauth2.Config {
	return &oauth2.Config{
		ClientID:     e.sim.ClientID(),
		ClientSecret: e.sim.ClientSecret(),
		RedirectURL:  "http://app.example/callback",
		Endpoint: oauth2.Endpoint{
			AuthURL:   e.srv.URL + "/oauth2/authorization",
			TokenURL:  e.srv.URL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
}

// authorizeCode follows the authorization endpoint without following the
// redirect and returns the redirect's query.
func (e *env) authorizeCode(t *testing.T, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc.Query()
}

// login runs the code flow for the next approved user and returns the token.
func (e *env) login(t *testing.T) (*oauth2.Token, int64) {
	t.Helper()
	conf := e.oauthConfig()
	q := e.authorizeCode(t, conf.AuthCodeURL("st"))
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	tok, err := conf.Exchange(ctx, q.Get("code"))
	require.NoError(t, err)
	id, ok := tok.Extra("x_user_id").(float64)
	require.True(t, ok, "x_user_id must be a JSON number")
	return tok, int64(id)
}

// loginRegistered logs in and registers the user.
func (e *env) loginRegistered(t *testing.T) (string, int64) {
	t.Helper()
	tok, id := e.login(t)
	resp := e.do(t, http.MethodPost, "/v3/users", bearer(tok.AccessToken), `{"member-id":"m-`+tok.AccessToken[:6]+`"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(resp.body))
	return tok.AccessToken, id
}

type authFn func(*http.Request)

func bearer(tok string) authFn {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func (e *env) basic() authFn {
	return func(r *http.Request) { r.SetBasicAuth(e.sim.ClientID(), e.sim.ClientSecret()) }
}

func noAuth(*http.Request) {}

type response struct {
	StatusCode int
	Header     http.Header
	body       []byte
}

func (e *env) do(t *testing.T, method, path string, auth authFn, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	auth(req)
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{StatusCode: resp.StatusCode, Header: resp.Header, body: b}
}

func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	return m
}

// requireKeys checks documented key spellings without dumping huge maps.
func requireKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Fatalf("documented key %q missing; have %v", k, slices.Sorted(maps.Keys(m)))
		}
	}
}

func requireNoKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; ok {
			t.Fatalf("unexpected key %q", k)
		}
	}
}

// findExercise returns an exercise of the user matching pred.
func (e *env) findExercise(t *testing.T, userID int64, pred func(Exercise) bool) Exercise {
	t.Helper()
	for _, ex := range e.sim.Exercises(userID) {
		if pred(ex) {
			return ex
		}
	}
	t.Fatalf("no matching exercise for user %d", userID)
	return Exercise{}
}
