package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/pluginhost"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// authCode gets a code from the simulator's authorization endpoint the way
// a user on another machine would: from the redirect's address.
func authCode(t *testing.T, simURL, clientID, redirect string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {"x"}}
	resp, err := c.Get(simURL + "/oauth2/authorization?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	code := loc.Query().Get("code")
	require.NotEmpty(t, code)
	return code
}

func TestUsersHeadless(t *testing.T) {
	redirect := "http://localhost:1/oauth2/callback"
	sim, err := accesslinksim.New(accesslinksim.WithClock(testNow), accesslinksim.WithUsers(1), accesslinksim.WithHistoryDays(0), accesslinksim.WithRedirectURIs(redirect))
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`data_dir: data
accesslink:
  client_id: `+sim.ClientID()+`
  redirect_url: `+redirect+`
  auth_url: `+srv.URL+`/oauth2/authorization
  token_url: `+srv.URL+`/oauth2/token
  api_url: `+srv.URL+`
`), 0o600))

	// The secret comes from the environment, as the README recommends.
	t.Setenv("POLARBRIDGE_ACCESSLINK__CLIENT_SECRET", sim.ClientSecret())
	code := authCode(t, srv.URL, sim.ClientID(), redirect)
	rc, out, errOut := runCLI(t, "users", "add", "--config", p, "--code", code, "--zone", "Europe/Helsinki")
	require.Equal(t, 0, rc, errOut)
	user := sim.Users()[0]
	assert.Contains(t, out, "Added Polar user")
	assert.Contains(t, out, "registered with AccessLink")
	assert.Contains(t, out, "time zone Europe/Helsinki")
	assert.True(t, sim.Users()[0].Registered)
	assert.NotContains(t, out+errOut, sim.ClientSecret())

	rc, out, errOut = runCLI(t, "users", "list", "--config", p)
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, "active")
	assert.Contains(t, out, "polarbridge-")
	assert.Contains(t, out, "ZONE")
	assert.Contains(t, out, "Europe/Helsinki")

	// The zone can be changed later; a bad one is refused, naming it.
	rc, out, errOut = runCLI(t, "users", "set-zone", "--config", p, jsonNumber(user.ID), "America/New_York")
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, "now in time zone America/New_York")
	rc, _, errOut = runCLI(t, "users", "set-zone", "--config", p, jsonNumber(user.ID), "Europe/Helsinkii")
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, `time zone "Europe/Helsinkii" is not an IANA zone`)
	rc, _, errOut = runCLI(t, "users", "set-zone", "--config", p, jsonNumber(user.ID))
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, "usage: polarbridge users set-zone USER-ID ZONE")
	rc, _, errOut = runCLI(t, "users", "set-zone", "--config", p, "999", "UTC")
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, "unknown user 999")
	rc, out, errOut = runCLI(t, "users", "list", "--config", p)
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, "America/New_York")
	assert.NotContains(t, out, "Europe/Helsinki")

	rc, out, errOut = runCLI(t, "users", "remove", "--config", p, jsonNumber(user.ID))
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, "de-registered")
	assert.False(t, sim.Users()[0].Registered)
	rc, out, _ = runCLI(t, "users", "list", "--config", p)
	require.Equal(t, 0, rc)
	assert.Contains(t, out, "no users")

	// The same code twice: a clear error, no secret in it.
	rc, _, errOut = runCLI(t, "users", "add", "--config", p, "--code", code)
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, "the code may be used or expired")
	assert.NotContains(t, errOut, sim.ClientSecret())
}

// A bad --zone is refused before anything else (no authorization is
// spent on it), with an error naming the flag.
func TestUsersAddZoneFlag(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte("data_dir: data\n"), 0o600))
	for _, bad := range []string{"Mars/Olympus", "", "Local", "+03:00"} {
		rc, _, errOut := runCLI(t, "users", "add", "--config", p, "--code", "x", "--zone", bad)
		assert.Equal(t, 1, rc, bad)
		assert.Contains(t, errOut, "polarbridge users add: --zone: time zone", bad)
		assert.NotContains(t, errOut, "client_id", "checked before the client: %q", bad)
	}
}

func TestUsersAddNeedsClient(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte("data_dir: data\n"), 0o600))
	rc, _, errOut := runCLI(t, "users", "add", "--config", p, "--code", "x")
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, "accesslink.client_id and accesslink.client_secret are required")
}

func TestSportsTable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte("data_dir: data\naccesslink:\n  sport_overrides:\n    ROAD_BIKING: CYCLING/ROAD\n"), 0o600))
	rc, out, errOut := runCLI(t, "sports", "--config", p, "--json")
	require.Equal(t, 0, rc, errOut)
	var rows []struct {
		DetailedSport string `json:"detailed_sport"`
		FITSport      string `json:"fit_sport"`
		FITSubSport   string `json:"fit_sub_sport"`
		Overridden    bool   `json:"overridden"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	assert.Greater(t, len(rows), 100)
	found := 0
	for _, r := range rows {
		switch r.DetailedSport {
		case "ROAD_BIKING":
			assert.Equal(t, "CYCLING", r.FITSport)
			assert.Equal(t, "ROAD", r.FITSubSport)
			assert.True(t, r.Overridden)
			found++
		case "TRAIL_RUNNING":
			assert.Equal(t, "RUNNING", r.FITSport)
			assert.Equal(t, "TRAIL", r.FITSubSport)
			assert.False(t, r.Overridden)
			found++
		}
	}
	assert.Equal(t, 2, found)

	require.NoError(t, os.WriteFile(p, []byte("data_dir: data\naccesslink:\n  sport_overrides:\n    ROAD_BIKING: CYCLNG\n"), 0o600))
	rc, _, errOut = runCLI(t, "sports", "--config", p)
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, "accesslink.sport_overrides")
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestBackfillCommand(t *testing.T) {
	redirect := "http://localhost:1/oauth2/callback"
	sim, err := accesslinksim.New(accesslinksim.WithClock(testNow), accesslinksim.WithUsers(1), accesslinksim.WithHistoryDays(3), accesslinksim.WithRedirectURIs(redirect))
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`data_dir: data
accesslink:
  client_id: `+sim.ClientID()+`
  client_secret: `+sim.ClientSecret()+`
  redirect_url: `+redirect+`
  auth_url: `+srv.URL+`/oauth2/authorization
  token_url: `+srv.URL+`/oauth2/token
  api_url: `+srv.URL+`
`), 0o600))
	rc, _, errOut := runCLI(t, "users", "add", "--config", p, "--code", authCode(t, srv.URL, sim.ClientID(), redirect))
	require.Equal(t, 0, rc, errOut)

	items := len(sim.Exercises(sim.Users()[0].ID)) + len(sim.Nights(sim.Users()[0].ID))
	rc, out, errOut := runCLI(t, "backfill", "--config", p, "--since", "28d", "--kinds", "exercise,sleep")
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, "progress: 2/2 steps")
	assert.Contains(t, out, fmt.Sprintf("found %d, already exported (or queued) 0, queued %d new", items, items))

	// Safe to run twice: nothing is queued again.
	rc, out, errOut = runCLI(t, "backfill", "--config", p, "--since", "28d", "--kinds", "exercise,sleep")
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, fmt.Sprintf("found %d, already exported (or queued) %d, queued 0 new", items, items))

	rc, _, errOut = runCLI(t, "backfill", "--config", p, "--kinds", "naps")
	assert.Equal(t, 2-1, rc)
	assert.Contains(t, errOut, `"naps" is not one of exercise, sleep, nightly-recharge`)
}

// TestPluginsAuthorize runs the generic plugin OAuth2 flow against an
// OAuth2 server (the AccessLink simulator's) for a plugin that asks for
// one, and checks the token lands in that plugin's KV.
func TestPluginsAuthorize(t *testing.T) {
	redirect := "http://localhost:1/oauth2/callback"
	sim, err := accesslinksim.New(accesslinksim.WithClock(testNow), accesslinksim.WithUsers(1), accesslinksim.WithHistoryDays(0), accesslinksim.WithRedirectURIs(redirect))
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	dir := t.TempDir()
	bin, err := pluginapi.BuildPlugin("../../internal/testexporter", dir)
	require.NoError(t, err)
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`data_dir: data
accesslink:
  redirect_url: `+redirect+`
plugins:
  dest:
    path: `+bin+`
    config:
      oauth2:
        auth_url: `+srv.URL+`/oauth2/authorization
        token_url: `+srv.URL+`/oauth2/token
        client_id: `+sim.ClientID()+`
        client_secret: `+sim.ClientSecret()+`
        required_scopes: [activity:write]
`), 0o600))

	code := authCode(t, srv.URL, sim.ClientID(), redirect)
	rc, _, errOut := runCLI(t, "plugins", "authorize", "dest", "--config", p, "--code", code)
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, "--code needs --scope with the scope= of the redirect's address", "no scope, no check: refused")

	rc, _, errOut = runCLI(t, "plugins", "authorize", "dest", "--config", p, "--code", code, "--scope", "read")
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, `lacks a required scope "activity:write" (granted: read)`)

	// The whole redirect address as --code carries its scope.
	rc, out, errOut := runCLI(t, "plugins", "authorize", "dest", "--config", p, "--code", redirect+"?code="+code+"&state=S&scope=read,activity:write")
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, "Authorized dest")
	assert.NotContains(t, out+errOut, sim.ClientSecret())

	b, err := bus.Open(context.Background(), bus.Options{DataDir: filepath.Join(dir, "data"), EventsSubject: "polarbridge.events", DuplicateWindow: time.Minute, RecordsMaxAge: time.Hour})
	require.NoError(t, err)
	defer b.Close()
	bucket, err := b.PluginKV(context.Background(), "dest")
	require.NoError(t, err)
	tok, _, err := pluginapi.LoadOAuth2Token(context.Background(), pluginhost.NewKV(bucket))
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.Equal(t, "read,activity:write", tok.Scope)

	rc, _, errOut = runCLI(t, "plugins", "authorize", "nope", "--config", p)
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, `no plugin "nope"`)
}

func TestWebhookCommands(t *testing.T) {
	sim, err := accesslinksim.New(accesslinksim.WithClock(testNow), accesslinksim.WithUsers(1), accesslinksim.WithHistoryDays(0))
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	// Stands in for the daemon's receiver: Polar PINGs it on create.
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer receiver.Close()
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`data_dir: data
accesslink:
  client_id: `+sim.ClientID()+`
  client_secret: `+sim.ClientSecret()+`
  api_url: `+srv.URL+`
`), 0o600))
	run := func(args ...string) string {
		t.Helper()
		rc, out, errOut := runCLI(t, append(args, "--config", p)...)
		require.Equal(t, 0, rc, errOut)
		return out
	}

	out := run("webhook", "create", "--url", receiver.URL+"/polar/webhook")
	assert.Contains(t, out, "its signature key is stored")
	info, ok := sim.Webhook()
	require.True(t, ok)
	assert.Equal(t, receiver.URL+"/polar/webhook", info.URL)
	assert.Equal(t, []string{"EXERCISE", "SLEEP", "CONTINUOUS_HEART_RATE", "SLEEP_WISE_CIRCADIAN_BEDTIME", "SLEEP_WISE_ALERTNESS"}, info.Events,
		"a new webhook subscribes to every event the bridge takes in")

	out = run("webhook", "show")
	assert.Contains(t, out, receiver.URL+"/polar/webhook")
	assert.Contains(t, out, "state:  active")
	assert.Contains(t, out, "signature key: stored")
	assert.Contains(t, out, "last event received: never")
	assert.NotContains(t, out, info.SecretKey)

	run("webhook", "update", "--url", receiver.URL+"/v2")
	info, _ = sim.Webhook()
	assert.Equal(t, receiver.URL+"/v2", info.URL)

	run("webhook", "deactivate")
	assert.Contains(t, run("webhook", "show"), "INACTIVE")
	run("webhook", "activate")
	assert.Contains(t, run("webhook", "show"), "state:  active")

	assert.Contains(t, run("webhook", "delete"), "Deleted webhook")
	_, ok = sim.Webhook()
	assert.False(t, ok)
	assert.Contains(t, run("webhook", "show"), "Polar has no webhook")

	// A webhook made by an older version (or with --events) gets the
	// events it lacks from `webhook update`, keeping its own.
	rc, _, errOut := runCLI(t, "webhook", "create", "--url", receiver.URL+"/polar/webhook", "--events", "exercise,BOGUS", "--config", p)
	assert.Equal(t, 1, rc)
	assert.Contains(t, errOut, `unknown webhook event "BOGUS"`)
	assert.Contains(t, errOut, "SLEEP_WISE_ALERTNESS", "the error lists the valid events")
	run("webhook", "create", "--url", receiver.URL+"/polar/webhook", "--events", "exercise,sleep")
	info, _ = sim.Webhook()
	assert.Equal(t, []string{"EXERCISE", "SLEEP"}, info.Events)
	assert.Contains(t, run("webhook", "show"), "not subscribed: [CONTINUOUS_HEART_RATE SLEEP_WISE_CIRCADIAN_BEDTIME SLEEP_WISE_ALERTNESS]")
	out = run("webhook", "update")
	assert.Contains(t, out, "Subscribing to [CONTINUOUS_HEART_RATE SLEEP_WISE_CIRCADIAN_BEDTIME SLEEP_WISE_ALERTNESS] as well.")
	info, _ = sim.Webhook()
	assert.Equal(t, []string{"EXERCISE", "SLEEP", "CONTINUOUS_HEART_RATE", "SLEEP_WISE_CIRCADIAN_BEDTIME", "SLEEP_WISE_ALERTNESS"}, info.Events)
	assert.NotContains(t, run("webhook", "show"), "not subscribed")
	assert.Contains(t, run("webhook", "update"), "already subscribes to every event")
	run("webhook", "update", "--events", "EXERCISE")
	info, _ = sim.Webhook()
	assert.Equal(t, []string{"EXERCISE"}, info.Events, "--events replaces the events")
}
