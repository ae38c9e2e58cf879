package daemon_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/core/pluginhost"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/sim/stravasim"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/strava/stravaexport"
)

// startStrava runs the daemon with the Polar simulator and the Strava
// plugin pointed at a fake Strava.
func startStrava(t *testing.T, opts ...stravasim.Option) (*polarSetup, *stravasim.Sim) {
	t.Helper()
	sim := stravasim.New(append([]stravasim.Option{stravasim.WithProcessingDelay(200 * time.Millisecond)}, opts...)...)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	ps := startPolar(t, polarOpts{plugins: fmt.Sprintf(`plugins:
  strava:
    path: %s
    config:
      client_id: "%s"
      client_secret: %s
      auth_url: %[4]s/oauth/authorize
      token_url: %[4]s/oauth/token
      api_url: %[4]s/api/v3
      testing:
        poll_interval: 50ms
`, binary(t, "plugins/strava"), sim.ClientID(), sim.ClientSecret(), srv.URL)})
	return ps, sim
}

// authorizeStrava runs `polarbridge plugins authorize strava`'s flow: the
// plugin's OAuth2 spec, a local callback, the fake approving.
func authorizeStrava(t *testing.T, ps *polarSetup) {
	t.Helper()
	ctx := context.Background()
	var spec *pluginapi.OAuth2Spec
	for _, in := range ps.d.Plugins {
		if in.Name() == "strava" {
			spec = in.OAuth2()
		}
	}
	require.NotNil(t, spec, "the plugin asks for an authorization")
	port, err := freePort()
	require.NoError(t, err)
	oc := onboard.PluginOAuthConfig(spec, "http://"+port+"/oauth2/callback")
	state, err := onboard.NewState()
	require.NoError(t, err)
	cb, err := onboard.ListenCallback(oc.RedirectURL, state)
	require.NoError(t, err)
	resp, err := http.Get(onboard.PluginAuthURL(oc, spec, state)) // the browser
	require.NoError(t, err)
	resp.Body.Close()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	code, scope, err := cb.WaitScope(wctx)
	require.NoError(t, err)
	bucket, err := ps.d.Bus.PluginKV(ctx, "strava")
	require.NoError(t, err)
	_, err = onboard.AuthorizePlugin(ctx, oc, spec, pluginhost.NewKV(bucket), code, scope)
	require.NoError(t, err)
}

func stravaKV(t *testing.T, ps *polarSetup) pluginapi.KV {
	bucket, err := ps.d.Bus.PluginKV(context.Background(), "strava")
	require.NoError(t, err)
	return pluginhost.NewKV(bucket)
}

func TestStravaEndToEnd(t *testing.T) {
	ps, sim := startStrava(t)
	authorizeStrava(t, ps)
	user := ps.users[0]
	want := map[string]string{ // detailed sport → sport type and flags
		"TRAIL_RUNNING":     "TrailRun",
		"MOUNTAIN_BIKING":   "MountainBikeRide",
		"INDOOR_CYCLING":    "Ride trainer",
		"TREADMILL_RUNNING": "Run trainer",
		"YOGA":              "Yoga",
		"WALKING":           "Walk",
	}
	byExternalID := map[string]string{}
	for sport, st := range want {
		ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: sport, Duration: 30 * time.Minute})
		require.NoError(t, err)
		byExternalID[fmt.Sprintf("polar-%d-%s.fit", user, ex.ID)] = st
	}
	manual, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute, NoFIT: true})
	require.NoError(t, err)
	ps.settle("strava")

	acts := sim.Activities()
	require.Len(t, acts, len(want), "one activity per exercise with a FIT file")
	for _, a := range acts {
		st := a.SportType
		if a.Trainer {
			st += " trainer"
		}
		assert.Equal(t, byExternalID[a.ExternalID], st, a.ExternalID)
		assert.Contains(t, a.Name, "with Polar")
	}
	req := sim.Requests()
	assert.Equal(t, len(want), req["POST /api/v3/uploads"])
	assert.Equal(t, len(want), req["PUT /api/v3/activities/{id}"])
	t.Logf("Strava calls: %v", req)

	entries, err := dlq.New(ps.d.Bus).List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, entries)
	r, err := stravaexport.LoadReceipt(context.Background(), stravaKV(t, ps), fmt.Sprintf("exercise.%d.%s", user, manual.ID))
	require.NoError(t, err)
	assert.Contains(t, r.Skipped, "no FIT, TCX or GPX file", "the manual entry is skipped, not dead-lettered")
}

func TestStravaNotAuthorizedDeadLettersThenReplays(t *testing.T) {
	ps, sim := startStrava(t)
	_, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "ROAD_BIKING", Duration: time.Hour})
	require.NoError(t, err)
	ps.settle("strava")
	q := dlq.New(ps.d.Bus)
	// The record reaches the DLQ once the plugin refused it; on a loaded
	// machine that can trail the consumers' idle check by a moment.
	var all []dlq.Entry
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		all, err = q.List(context.Background(), "")
		require.NoError(t, err)
		if len(all) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Len(t, all, 1, "dead letters: %+v", all)
	entries := all
	assert.Equal(t, "strava", entries[0].Exporter)
	assert.Contains(t, entries[0].Error, "run `polarbridge plugins authorize strava`")
	assert.Empty(t, sim.Activities())

	authorizeStrava(t, ps)
	n, err := q.Replay(context.Background(), "strava", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	ps.settle("strava")
	acts := sim.Activities()
	require.Len(t, acts, 1)
	assert.Equal(t, "Ride", acts[0].SportType)
}

// TestStravaDaemonRestartMidUpload stops the daemon while an upload is
// still processing at Strava; the restarted daemon redelivers the record
// and the plugin resumes polling the stored upload instead of uploading
// again.
func TestStravaDaemonRestartMidUpload(t *testing.T) {
	ps, sim := startStrava(t, stravasim.WithProcessingDelay(time.Hour))
	authorizeStrava(t, ps)
	ex, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "HIKING", Duration: 2 * time.Hour})
	require.NoError(t, err)
	key := fmt.Sprintf("exercise.%d.%s", ps.users[0], ex.ID)
	kv := stravaKV(t, ps)
	require.Eventually(t, func() bool {
		r, err := stravaexport.LoadReceipt(context.Background(), kv, key)
		return err == nil && r.UploadID != 0
	}, 30*time.Second, 20*time.Millisecond, "the upload id is stored")
	ps.stop()
	sim.FinishProcessing()

	d, err := daemon.Start(context.Background(), ps.cfg, testLogger(t), "test")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, dir: ps.dir, cfg: ps.cfg, d: d, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- d.Run(ctx) }()
	t.Cleanup(h.stop)
	h.waitIdle("strava")
	require.Eventually(t, func() bool {
		r, err := stravaexport.LoadReceipt(context.Background(), stravaKV(t, &polarSetup{harness: h}), key)
		return err == nil && r.Done != ""
	}, 30*time.Second, 50*time.Millisecond)

	acts := sim.Activities()
	require.Len(t, acts, 1)
	assert.Equal(t, "Hike", acts[0].SportType)
	assert.Equal(t, 1, sim.Requests()["POST /api/v3/uploads"], "not uploaded again")
	entries, err := dlq.New(d.Bus).List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, entries)
}
