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
	"github.com/tormoder/fit"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/internal/sim/intervalssim"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/intervals/intervalsexport"
)

// TestSampleConfig checks that the sample is a valid config block and
// shows every key but the testing knobs (oauth as a comment).
func TestSampleConfig(t *testing.T) {
	var block map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(sampleConfig), &block))
	typ := reflect.TypeFor[intervalsexport.Config]()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		switch key {
		case "testing":
		case "oauth":
			assert.Contains(t, sampleConfig, "# oauth:")
		default:
			assert.Contains(t, block, key, "config.sample.yaml does not show key %q", key)
		}
	}
	block["api_key"] = "k"
	raw, err := json.Marshal(block)
	require.NoError(t, err)
	_, err = intervalsexport.New(sampleConfig).Configure(context.Background(), &pluginapi.ConfigureRequest{ConfigJson: raw, InstanceName: "intervals"}, nil)
	require.NoError(t, err)
	assert.Equal(t, intervalsexport.DefaultName, block["name"])
	assert.Equal(t, intervalsexport.DefaultDescription, block["description"])
	assert.Equal(t, intervalsexport.DefaultAPIURL, block["api_url"])
}

func TestInvalidConfig(t *testing.T) {
	base := func(kv ...any) map[string]any {
		m := map[string]any{"api_key": "secret-key-1234"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{}, `"api_key" is required`},
		{base("apikey", "x"), `unknown key "apikey"`},
		{base("athlete_id", "i1/../2"), "not an athlete id"},
		{base("resting_hr_from", "sleep"), `"sleep" is not one of`},
		{base("exclude_wellness_fields", []string{"skinTemp"}), `"skinTemp" is not a field`},
		{base("requests_per_second", 50), "out of range"},
		{base("http_timeout", "soon"), "not a positive duration"},
		{base("api_url", "ftp://x"), "not an http(s) URL"},
		{base("name", "{{.Nope}}"), `key "name"`},
		{base("activity_types", map[string]any{"RUNNING": "Jog"}), "not a intervals.icu activity type"},
		{base("activity_types", map[string]any{"PARKOUR": "Run"}), "neither a Polar detailed sport"},
		{map[string]any{"oauth": map[string]any{"client_id": "1"}}, `"oauth.client_secret" is required`},
	} {
		h := pluginapi.NewHarness(intervalsexport.New(""))
		err := h.Configure(context.Background(), tc.cfg)
		if assert.ErrorIs(t, err, pluginapi.ErrInvalidConfig, "%v", tc.cfg) {
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "secret-key-1234")
		}
	}
}

var binPath string

// TestMain builds the plugin binary once for the tests that launch it.
func TestMain(m *testing.M) { os.Exit(pluginapi.RunWithPlugin(m, ".", &binPath)) }

// start launches the binary on kv, configured for the fake at url.
func start(t *testing.T, kv *pluginapi.MemoryKV, cfg map[string]any) *pluginapi.Harness {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	h, err := pluginapi.NewBinaryHarness(binPath)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	h.KV = kv
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, h.Configure(ctx, cfg))
	return h
}

func export(t *testing.T, h *pluginapi.Harness, recs ...*pluginapi.Record) []*pluginapi.ExportResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := h.Export(ctx, recs...)
	require.NoError(t, err)
	return res
}

func exercise(t *testing.T, id, detailed string, sport fit.Sport) *pluginapi.Record {
	start := time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC)
	data, err := intervalssim.EncodeFIT(nil, intervalssim.FITSession{Sport: sport, Start: start, Seconds: 1800 + uint32(len(id)), Distance: 5000})
	require.NoError(t, err)
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: "exercise.475." + id, Version: "v1", UserId: "475",
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id: id, Start: &pluginapi.Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 120},
			DurationSeconds: 1800, DetailedSport: detailed, FitSport: pluginapi.FITSportName(uint8(sport)),
			Files: []*pluginapi.File{{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Data: data}},
		}},
	}
}

func newFake(t *testing.T) (*intervalssim.Sim, map[string]any) {
	sim := intervalssim.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, map[string]any{"api_key": sim.APIKey(), "api_url": srv.URL + "/api/v1"}
}

func TestBinary(t *testing.T) {
	sim, cfg := newFake(t)
	h := start(t, pluginapi.NewMemoryKV(), cfg)
	desc, err := h.Describe(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "intervals", desc.GetName())
	assert.Contains(t, desc.GetKinds(), pluginapi.RecordKind_RECORD_KIND_SLEEP)
	assert.True(t, desc.GetIncludeFiles())
	assert.Equal(t, sampleConfig, desc.GetSampleConfig())

	sleep := testrecords.Sleep("475", "2026-05-04")
	sleep.Version = "v1"
	recs := []*pluginapi.Record{exercise(t, "trail", "TRAIL_RUNNING", fit.SportRunning), exercise(t, "mtb", "MOUNTAIN_BIKING", fit.SportCycling), sleep}
	for _, r := range export(t, h, recs...) {
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
	}
	before := sim.Requests()
	for _, r := range export(t, h, recs...) {
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
	}
	assert.Equal(t, before, sim.Requests(), "a redelivery sends nothing")
	var got []string
	for _, a := range sim.Activities() {
		got = append(got, a.Type)
	}
	assert.Equal(t, []string{"TrailRun", "MountainBikeRide"}, got)
	assert.Equal(t, float64(82), sim.Wellness("2026-05-04")["sleepScore"])
}

// TestBinaryCrashAfterUpload: the plugin dies after intervals.icu created
// the activity and before the receipt is stored; the restarted plugin
// uploads again, gets "all duplicates", and takes them as its own.
func TestBinaryCrashAfterUpload(t *testing.T) {
	sim, cfg := newFake(t)
	kv := pluginapi.NewMemoryKV()
	crashing := map[string]any{"testing": map[string]any{"exit_after_upload": true}}
	for k, v := range cfg {
		crashing[k] = v
	}
	h := start(t, kv, crashing)
	rec := exercise(t, "crash", "INDOOR_CYCLING", fit.SportCycling)
	_, err := h.Export(context.Background(), rec)
	require.Error(t, err, "the plugin exits mid-export")
	assert.True(t, pluginapi.IsUnavailable(err) || errors.Is(err, context.Canceled), "%v", err)
	require.Eventually(t, h.Client().Exited, 5*time.Second, 20*time.Millisecond)
	require.Len(t, sim.Activities(), 1, "the upload happened")
	_, err = intervalsexport.LoadReceipt(context.Background(), kv, rec.GetKey())
	require.NoError(t, err, "the receipt says an upload was sent")

	h2 := start(t, kv, crashing) // still crashing after a 201; a 200 is no new upload
	r := export(t, h2, rec)[0]
	require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
	acts := sim.Activities()
	require.Len(t, acts, 1)
	assert.Equal(t, "Ride", acts[0].Type)
	assert.True(t, acts[0].Trainer)
	assert.Equal(t, "Indoor cycling with Polar", acts[0].Name, "ours, so updated")
	assert.Equal(t, 2, sim.Requests()["POST /api/v1/athlete/{id}/activities"])
}
