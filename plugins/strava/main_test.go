package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/internal/sim/stravasim"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/strava/stravaexport"
)

// TestSampleConfig checks that the sample is a valid config block and
// shows every key but the testing knobs.
func TestSampleConfig(t *testing.T) {
	var block map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(sampleConfig), &block))
	typ := reflect.TypeFor[stravaexport.Config]()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if key != "testing" {
			assert.Contains(t, block, key, "config.sample.yaml does not show key %q", key)
		}
	}
	block["client_secret"] = "s"
	raw, err := json.Marshal(block)
	require.NoError(t, err)
	resp, err := stravaexport.New(sampleConfig).Configure(context.Background(), &pluginapi.ConfigureRequest{ConfigJson: raw, InstanceName: "strava"}, nil)
	require.NoError(t, err)
	assert.Equal(t, stravaexport.DefaultAuthURL, resp.GetOauth2().GetAuthUrl())
	assert.Equal(t, stravaexport.DefaultName, block["name"])
	assert.Equal(t, stravaexport.DefaultDescription, block["description"])
}

func TestInvalidConfig(t *testing.T) {
	base := func(kv ...any) map[string]any {
		m := map[string]any{"client_id": "1", "client_secret": "s"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"client_id": "1"}, `"client_id" and "client_secret" are required`},
		{base("clinet_id", "x"), `unknown key "clinet_id"`},
		{base("poll_interval", "500ms"), "too short"},
		{base("poll_interval", "soon"), "not a positive duration"},
		{base("max_polls", 0.5), `key "max_polls"`},
		{base("max_polls", 1000), "out of range"},
		{base("api_url", "ftp://x"), "not an http(s) URL"},
		{base("name", "{{.Nope}}"), `key "name"`},
		{base("description", "{{"), `key "description"`},
		{base("sport_types", map[string]any{"RUNNING": "Jog"}), "not a Strava sport type"},
		{base("sport_types", map[string]any{"PARKOUR": "Run"}), "neither a Polar detailed sport"},
	} {
		h := pluginapi.NewHarness(stravaexport.New(""))
		err := h.Configure(context.Background(), tc.cfg)
		if assert.ErrorIs(t, err, pluginapi.ErrInvalidConfig, "%v", tc.cfg) {
			assert.Contains(t, err.Error(), tc.want)
		}
	}
	// Tests may poll faster, but only through the testing block.
	h := pluginapi.NewHarness(stravaexport.New(""))
	assert.NoError(t, h.Configure(context.Background(), base("testing", map[string]any{"poll_interval": "10ms"})))
}

var binPath string

// TestMain builds the plugin binary once for the tests that launch it.
func TestMain(m *testing.M) { os.Exit(pluginapi.RunWithPlugin(m, ".", &binPath)) }

func binary(t *testing.T) string {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	return binPath
}

// binEnv is the plugin binary against the fake Strava on the real clock.
type binEnv struct {
	t   *testing.T
	sim *stravasim.Sim
	cfg map[string]any
	kv  *pluginapi.MemoryKV
}

func newBinEnv(t *testing.T, opts ...stravasim.Option) *binEnv {
	sim := stravasim.New(append([]stravasim.Option{stravasim.WithProcessingDelay(300 * time.Millisecond)}, opts...)...)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &binEnv{t: t, sim: sim, kv: pluginapi.NewMemoryKV(), cfg: map[string]any{
		"client_id": sim.ClientID(), "client_secret": sim.ClientSecret(),
		"auth_url": srv.URL + "/oauth/authorize", "token_url": srv.URL + "/oauth/token", "api_url": srv.URL + "/api/v3",
		"testing": map[string]any{"poll_interval": "50ms"},
	}}
}

// start launches the binary on the env's KV and configures it.
func (b *binEnv) start(cfg map[string]any) (*pluginapi.Harness, *pluginapi.OAuth2Spec) {
	b.t.Helper()
	h, err := pluginapi.NewBinaryHarness(binary(b.t))
	require.NoError(b.t, err)
	b.t.Cleanup(h.Close)
	h.KV = b.kv
	raw, err := json.Marshal(cfg)
	require.NoError(b.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := h.Client().Configure(ctx, &pluginapi.ConfigureRequest{ConfigJson: raw, InstanceName: "strava"}, h.KV)
	require.NoError(b.t, err)
	return h, resp.GetOauth2()
}

// authorize runs the host's side of `polarbridge plugins authorize strava`
// with the fake playing the browser.
func (b *binEnv) authorize(spec *pluginapi.OAuth2Spec) {
	b.t.Helper()
	oc := onboard.PluginOAuthConfig(spec, "http://localhost:8765/oauth2/callback")
	code, scope, state, err := b.sim.Authorize(onboard.PluginAuthURL(oc, spec, "st4te"))
	require.NoError(b.t, err)
	assert.Equal(b.t, "st4te", state)
	_, err = onboard.AuthorizePlugin(context.Background(), oc, spec, b.kv, code, scope)
	require.NoError(b.t, err)
}

func export(t *testing.T, h *pluginapi.Harness, recs ...*pluginapi.Record) []*pluginapi.ExportResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := h.Export(ctx, recs...)
	require.NoError(t, err)
	return res
}

func fitFile(seed string) []byte {
	return append([]byte{14, 0x20, 0x5c, 0x08, 0, 0, 0, 0, '.', 'F', 'I', 'T', 0, 0}, seed...)
}

func exercise(id, detailed, fitSport, fitSub string) *pluginapi.Record {
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: "exercise.475." + id, Version: "v1", UserId: "475",
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id: id, Start: &pluginapi.Time{Utc: timestamppb.New(time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC))},
			DurationSeconds: 1800, DetailedSport: detailed, FitSport: fitSport, FitSubSport: fitSub,
			Files: []*pluginapi.File{{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Data: fitFile(id)}},
		}},
	}
}

func TestBinary(t *testing.T) {
	b := newBinEnv(t)
	h, spec := b.start(b.cfg)
	desc, err := h.Describe(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "strava", desc.GetName())
	assert.Equal(t, []pluginapi.RecordKind{pluginapi.RecordKind_RECORD_KIND_EXERCISE}, desc.GetKinds())
	assert.True(t, desc.GetIncludeFiles())
	assert.Equal(t, sampleConfig, desc.GetSampleConfig())
	assert.Equal(t, "activity:write,activity:read_all", spec.GetScope())
	assert.Equal(t, []string{"activity:write"}, spec.GetRequiredScopes())
	assert.True(t, spec.GetCredentialsInBody())
	assert.Equal(t, map[string]string{"approval_prompt": "auto"}, spec.GetAuthParams())

	b.authorize(spec)
	recs := []*pluginapi.Record{
		exercise("trail", "TRAIL_RUNNING", "RUNNING", "TRAIL"),
		exercise("mtb", "MOUNTAIN_BIKING", "CYCLING", "MOUNTAIN"),
		exercise("ebike", "E_BIKE", "E_BIKING", ""),
	}
	for _, r := range export(t, h, recs...) {
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
	}
	// Redelivery of the same batch: no new activity, no call.
	before := b.sim.Requests()
	for _, r := range export(t, h, recs...) {
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
	}
	assert.Equal(t, before, b.sim.Requests())
	var got []string
	for _, a := range b.sim.Activities() {
		got = append(got, a.SportType)
	}
	assert.Equal(t, []string{"TrailRun", "MountainBikeRide", "EBikeRide"}, got)
}

func TestBinaryCrashAfterUploadStored(t *testing.T) {
	b := newBinEnv(t)
	crashing := map[string]any{}
	for k, v := range b.cfg {
		crashing[k] = v
	}
	crashing["testing"] = map[string]any{"poll_interval": "50ms", "exit_after_upload_stored": true}
	h, spec := b.start(crashing)
	b.authorize(spec)
	rec := exercise("crash", "INDOOR_CYCLING", "CYCLING", "INDOOR_CYCLING")
	_, err := h.Export(context.Background(), rec)
	require.Error(t, err, "the plugin exits mid-export")
	assert.True(t, pluginapi.IsUnavailable(err) || errors.Is(err, context.Canceled), "%v", err)
	require.Eventually(t, h.Client().Exited, 5*time.Second, 20*time.Millisecond)
	rcpt, err := stravaexport.LoadReceipt(context.Background(), b.kv, rec.GetKey())
	require.NoError(t, err)
	require.NotZero(t, rcpt.UploadID, "the upload id was stored before the crash")
	assert.Zero(t, rcpt.ActivityID)

	// The daemon restarts the plugin (same KV) and delivers the batch again.
	h2, _ := b.start(b.cfg)
	r := export(t, h2, rec)[0]
	require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
	acts := b.sim.Activities()
	require.Len(t, acts, 1)
	assert.Equal(t, "Ride", acts[0].SportType)
	assert.True(t, acts[0].Trainer)
	assert.Equal(t, 1, b.sim.Requests()["POST /api/v3/uploads"], "resumed by polling, not uploaded again")
}

func TestBinaryTokenRotation(t *testing.T) {
	b := newBinEnv(t)
	h, spec := b.start(b.cfg)
	b.authorize(spec)
	prev, _, err := pluginapi.LoadOAuth2Token(context.Background(), b.kv)
	require.NoError(t, err)
	for i := range 3 {
		b.sim.Advance(7 * time.Hour) // the access token expired at Strava
		r := export(t, h, exercise(string(rune('a'+i)), "RUNNING", "RUNNING", ""))[0]
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), "round %d: %s", i, r.GetMessage())
		tok, _, err := pluginapi.LoadOAuth2Token(context.Background(), b.kv)
		require.NoError(t, err)
		assert.NotEqual(t, prev.RefreshToken, tok.RefreshToken, "round %d: the new refresh token was stored", i)
		prev = tok
	}
	assert.Len(t, b.sim.Activities(), 3)
	assert.Equal(t, 4, b.sim.Requests()["POST /oauth/token"], "1 code exchange + 3 refreshes")

	b.sim.Revoke()
	b.sim.Advance(7 * time.Hour)
	r := export(t, h, exercise("z", "RUNNING", "RUNNING", ""))[0]
	assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "run `polarbridge plugins authorize strava`")
	assert.NotContains(t, r.GetMessage(), prev.RefreshToken)
	assert.NotContains(t, r.GetMessage(), prev.AccessToken)
}
