package stravaexport_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/internal/sim/stravasim"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/strava/stravaexport"
)

var t0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// env is the exporter in-process against the fake Strava, both on the
// fake's clock: the exporter's sleeps advance it.
type env struct {
	t   testing.TB
	sim *stravasim.Sim
	url string
	h   *pluginapi.Harness
	cfg map[string]any
}

func newEnv(t testing.TB, cfg map[string]any, opts ...stravasim.Option) *env {
	t.Helper()
	sim := stravasim.New(append([]stravasim.Option{stravasim.WithClock(func() time.Time { return t0 })}, opts...)...)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	e := &env{t: t, sim: sim, url: srv.URL}
	e.cfg = map[string]any{
		"client_id": sim.ClientID(), "client_secret": sim.ClientSecret(),
		"auth_url": srv.URL + "/oauth/authorize", "token_url": srv.URL + "/oauth/token", "api_url": srv.URL + "/api/v3",
	}
	for k, v := range cfg {
		e.cfg[k] = v
	}
	exp := stravaexport.New("", stravaexport.WithLogger(testLogger()), stravaexport.WithClock(sim.Now, func(ctx context.Context, d time.Duration) error {
		sim.Advance(d)
		return ctx.Err()
	}))
	e.h = pluginapi.NewHarness(exp)
	require.NoError(t, e.h.Configure(context.Background(), e.cfg))
	return e
}

// spec is the OAuth2 spec the exporter hands the host.
func (e *env) spec() *pluginapi.OAuth2Spec {
	raw := fmt.Sprintf(`{"client_id":%q,"client_secret":%q,"auth_url":%q,"token_url":%q,"api_url":%q}`,
		e.cfg["client_id"], e.cfg["client_secret"], e.cfg["auth_url"], e.cfg["token_url"], e.cfg["api_url"])
	resp, err := stravaexport.New("").Configure(context.Background(), &pluginapi.ConfigureRequest{ConfigJson: []byte(raw)}, nil)
	require.NoError(e.t, err)
	return resp.GetOauth2()
}

// authorize runs the host's side of `polarbridge plugins authorize`, with
// the fake playing the browser.
func (e *env) authorize() pluginapi.OAuth2Token {
	e.t.Helper()
	spec := e.spec()
	oc := onboard.PluginOAuthConfig(spec, "http://localhost:8765/oauth2/callback")
	code, scope, _, err := e.sim.Authorize(onboard.PluginAuthURL(oc, spec, "state"))
	require.NoError(e.t, err)
	tok, err := onboard.AuthorizePlugin(context.Background(), oc, spec, e.h.KV, code, scope)
	require.NoError(e.t, err)
	return tok
}

func (e *env) export(recs ...*pluginapi.Record) []*pluginapi.ExportResult {
	e.t.Helper()
	res, err := e.h.Export(context.Background(), recs...)
	require.NoError(e.t, err)
	return res
}

// fitFile is a minimal file the fake accepts as FIT; seed makes it unique.
func fitFile(seed string) []byte {
	return append([]byte{14, 0x20, 0x5c, 0x08, 0, 0, 0, 0, '.', 'F', 'I', 'T', 0, 0}, seed...)
}

// exercise is an exercise record of the given sport with a FIT file.
func exercise(id, version, detailed, fitSport, fitSub string) *pluginapi.Record {
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: "exercise.475." + id, Version: version, UserId: "475",
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id: id, Start: &pluginapi.Time{Utc: timestamppb.New(t0.Add(-2 * time.Hour)), UtcOffsetMinutes: 120},
			DurationSeconds: 3723, DistanceMeters: 10420, HeartRateAvg: 148, Device: "Polar Vantage V3",
			DetailedSport: detailed, FitSport: fitSport, FitSubSport: fitSub,
			Files: []*pluginapi.File{{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Data: fitFile(id)}},
		}},
	}
}

func statusOf(r *pluginapi.ExportResult) string {
	return fmt.Sprintf("%s %s", r.GetStatus(), r.GetMessage())
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}
