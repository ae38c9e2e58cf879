package daemon_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"net/http/httptest"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/core/webhook"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testdisk"
	"github.com/polarbridge/polarbridge/internal/testport"
)

// defaultInstant is where a test's clock stands unless it says otherwise:
// the evening (UTC) at which main once failed, when it is already
// tomorrow for the simulator's users in UTC+3.
var defaultInstant = time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC)

func pinnedClock(at time.Time) *fakeClock {
	if at.IsZero() {
		at = defaultInstant
	}
	return &fakeClock{t: at}
}

// fakeClock is shared by the simulator and the bridge (its pollers and
// its AccessLink client), so a test runs at the instant it chooses and
// rate-limit windows pass in an instant: sleeping advances it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// polarSetup is a daemon wired to the AccessLink simulator, with users
// added through the OAuth flow and the webhook created.
type polarSetup struct {
	*harness
	sim     *accesslinksim.Simulator
	users   []int64
	client  *accesslink.Client
	clock   *fakeClock
	dOpts   []daemon.Option
	hookURL string
}

// restart stops the daemon and starts a new one on the same data.
func (ps *polarSetup) restart() {
	ps.t.Helper()
	ps.stop()
	ps.run(ps.dOpts...)
}

type polarOpts struct {
	users int
	sim   []accesslinksim.Option
	// clock is shared by the simulator and the daemon; nil: one pinned at
	// at (zero: defaultInstant).
	clock   *fakeClock
	at      time.Time
	noHook  bool
	plugins string
	// history is how many days of data the simulator starts with.
	history int
	// wrap, if set, stands between the bridge and the simulator (faults).
	wrap func(http.Handler) http.Handler
	// disk, if set, is the size of a filesystem of its own for data_dir
	// (to fill it); log, if set, the daemon's logger.
	disk int64
	log  *slog.Logger
	// hookEvents are the webhook's events (nil: EXERCISE and SLEEP).
	hookEvents []accesslink.WebhookEvent
	// metricsListen is metrics.listen (default none).
	metricsListen string
}

func startPolar(t testing.TB, o polarOpts) *polarSetup {
	t.Helper()
	if o.users == 0 {
		o.users = 1
	}
	if o.clock == nil {
		o.clock = pinnedClock(o.at)
	}
	callback, err := freePort()
	require.NoError(t, err)
	redirect := "http://" + callback + "/oauth2/callback"
	simOpts := append([]accesslinksim.Option{
		accesslinksim.WithUsers(o.users), accesslinksim.WithHistoryDays(o.history),
		accesslinksim.WithRedirectURIs(redirect), accesslinksim.WithNoFITProbability(0),
		accesslinksim.WithClock(o.clock.Now),
	}, o.sim...)
	sim, err := accesslinksim.New(simOpts...)
	require.NoError(t, err)
	var api http.Handler = sim
	if o.wrap != nil {
		api = o.wrap(sim)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	plugins := o.plugins
	if plugins == "" {
		plugins = `plugins:
  csv:
    path: ` + binary(t, "plugins/csv") + `
    config:
      dir: export
`
	}
	body := fmt.Sprintf(baseConfig+`accesslink:
  client_id: %[2]s
  client_secret: %[3]s
  redirect_url: %[4]s
  auth_url: %[5]s/oauth2/authorization
  token_url: %[5]s/oauth2/token
  api_url: %[5]s
webhook:
  listen: 127.0.0.1:0
poll:
  interval: 0s
  interval_with_webhook: 0s
`, dir, sim.ClientID(), sim.ClientSecret(), redirect, srv.URL) + plugins
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	require.NoError(t, fs.Parse([]string{"--config", p}))
	cfg, err := config.Load(fs)
	require.NoError(t, err)
	cfg.Metrics.Listen = o.metricsListen

	alOpts := []accesslink.Option{accesslink.WithClock(o.clock.Now), accesslink.WithSleep(o.clock.Sleep)}
	dOpts := []daemon.Option{daemon.WithClock(o.clock.Now), daemon.WithAccessLinkOptions(alOpts...)}
	if o.disk > 0 {
		testdisk.MountAt(t, cfg.DataDir, o.disk)
	}
	h := &harness{t: t, dir: dir, cfg: cfg, log: o.log}
	h.run(dOpts...)
	t.Cleanup(h.stop)

	client, err := daemon.NewAccessLinkClient(cfg, testLogger(t), alOpts...)
	require.NoError(t, err)
	ps := &polarSetup{harness: h, sim: sim, client: client, clock: o.clock, dOpts: dOpts, hookURL: "http://" + h.d.WebhookAddr + cfg.Webhook.Path}
	for _, u := range sim.Users()[:o.users] {
		ps.users = append(ps.users, ps.addUser(u.ID))
	}
	if !o.noHook {
		events := o.hookEvents
		if events == nil {
			events = accesslink.PushEvents()
		}
		created, err := client.CreateWebhook(context.Background(), ps.hookURL, events)
		require.NoError(t, err)
		require.NoError(t, h.d.Accounts.PutWebhook(context.Background(), accounts.Webhook{ID: created.ID, Secret: created.SignatureSecretKey}))
	}
	return ps
}

// addUser runs `polarbridge users add --zone ZONE` for the simulator's
// user id, ZONE the one the simulator has them live in, so data
// AccessLink gives no offset (cardio load) lands on their local day.
func (ps *polarSetup) addUser(id int64) int64 {
	ps.t.Helper()
	var zone string
	for _, u := range ps.sim.Users() {
		if u.ID == id {
			zone = u.Location.String()
		}
	}
	require.NotEmpty(ps.t, zone, "simulator user %d", id)
	require.NoError(ps.t, ps.sim.ApproveNext(id))
	al := ps.cfg.AccessLink
	oc := accesslink.OAuthConfig(al.ClientID, al.ClientSecret, al.RedirectURL, al.AuthURL, al.TokenURL)
	code, err := onboard.AuthorizeUnattended(context.Background(), oc)
	require.NoError(ps.t, err)
	res, err := onboard.AddUser(context.Background(), oc, ps.client, ps.d.Accounts, code, "", zone)
	require.NoError(ps.t, err)
	var got int64
	fmt.Sscan(res.UserID, &got)
	return got
}

// settle waits until every event is processed and every record exported.
func (ps *polarSetup) settle(exporters ...string) {
	ps.t.Helper()
	require.Eventually(ps.t, func() bool {
		return ps.d.Bus.Idle(context.Background(), bus.EventsStream, ingest.Name)
	}, 60*time.Second, 50*time.Millisecond)
	if len(exporters) == 0 {
		exporters = []string{"csv"}
	}
	for _, e := range exporters {
		ps.waitIdle(e)
	}
}

func (ps *polarSetup) csv(name string) []map[string]string {
	return readCSV(ps.t, filepath.Join(ps.dir, "export", name))
}

func TestSignedWebhookToCSV(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	user := ps.users[0]
	ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "TRAIL_RUNNING", Duration: 40 * time.Minute})
	require.NoError(t, err)
	night, err := ps.sim.AddSleep(user)
	require.NoError(t, err)
	ps.settle()

	rows := ps.csv("exercises.csv")
	require.Len(t, rows, 1)
	r := rows[0]
	assert.Equal(t, fmt.Sprintf("exercise.%d.%s", user, ex.ID), r["key"])
	assert.Equal(t, "TRAIL_RUNNING", r["detailed_sport"])
	assert.Equal(t, "RUNNING", r["fit_sport"])
	assert.Equal(t, "TRAIL", r["fit_sub_sport"])
	assert.Equal(t, "2400", r["duration_s"])
	assert.NotEmpty(t, r["files"], "the original FIT file is referenced")

	sl := ps.csv("sleep.csv")
	require.Len(t, sl, 1)
	assert.Equal(t, night.Date, sl[0]["date"])
	nr := ps.csv("nightly_recharge.csv")
	require.Len(t, nr, 1)
	assert.Equal(t, night.Date, nr[0]["date"])

	// Exactly 2 Polar calls per exercise and 2 per night.
	st := ps.sim.Stats()
	assert.Equal(t, 1, st.Requests["GET /v3/exercises/{exerciseID}"])
	assert.Equal(t, 1, st.Requests["GET /v3/exercises/{exerciseID}/fit"])
	assert.Equal(t, 1, st.Requests["GET /v3/users/sleep/{date}"])
	assert.Equal(t, 1, st.Requests["GET /v3/users/nightly-recharge/{date}"])
}

func TestForgedWebhookRejected(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	body := fmt.Sprintf(`{"event":"EXERCISE","user_id":%d,"entity_id":"forged","timestamp":"2026-05-15T14:22:24Z"}`, ps.users[0])
	req, err := http.NewRequest(http.MethodPost, ps.hookURL, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set(webhook.HeaderEvent, "EXERCISE")
	req.Header.Set(webhook.HeaderSignature, webhook.Sign([]byte(body), "guessed-key"))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	s, err := ps.d.Bus.JS.Stream(context.Background(), bus.EventsStream)
	require.NoError(t, err)
	info, err := s.Info(context.Background())
	require.NoError(t, err)
	assert.Zero(t, info.State.Msgs, "a forged event is never stored")
}

func TestDuplicatedEventsExportedOnce(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	user := ps.users[0]
	_, err := ps.sim.AddSleep(user, accesslinksim.Twice()) // Polar's known double SLEEP
	require.NoError(t, err)
	ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute}, accesslinksim.Twice())
	require.NoError(t, err)
	ps.settle()

	assert.Len(t, ps.csv("sleep.csv"), 1)
	assert.Len(t, ps.csv("exercises.csv"), 1)
	st := ps.sim.Stats()
	assert.Equal(t, 1, st.Requests["GET /v3/users/sleep/{date}"], "the second push was dropped as a duplicate")
	assert.Equal(t, 1, st.Requests["GET /v3/exercises/{exerciseID}"])
	_ = ex
}

// A nightly recharge Polar answers with an empty 200 is said and counted
// as "no data", not dropped without a trace; the night is exported.
func TestEmptyRechargeAnswerSaidAndCounted(t *testing.T) {
	ps := startPolar(t, polarOpts{wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v3/users/nightly-recharge/") {
				w.WriteHeader(http.StatusOK) // and no body
				return
			}
			h.ServeHTTP(w, r)
		})
	}})
	_, err := ps.sim.AddSleep(ps.users[0])
	require.NoError(t, err)
	ps.settle()
	assert.Len(t, ps.csv("sleep.csv"), 1)
	assert.Equal(t, 1.0, counterValue(t, ps.harness, "polarbridge_polar_no_data_total", "nightly_recharge"))
	assert.Zero(t, counterValue(t, ps.harness, "polarbridge_polar_no_data_total", "sleep"))
}

// Polar re-computes sleep and nightly recharge and pushes SLEEP again for
// the same date: that push is fetched and the night's rows updated, while
// the identical double push costs one fetch.
func TestRecomputedNightRefetched(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	user := ps.users[0]
	first, err := ps.sim.AddSleep(user, accesslinksim.Twice())
	require.NoError(t, err)
	ps.settle()
	before := ps.csv("sleep.csv")
	require.Len(t, before, 1)

	require.NoError(t, ps.clock.Sleep(context.Background(), 3*time.Hour)) // re-computed later that day
	second, err := ps.sim.AddSleep(user)
	require.NoError(t, err)
	require.Equal(t, first.Date, second.Date, "the same night")
	ps.settle()

	after := ps.csv("sleep.csv")
	require.Len(t, after, 1, "one row, updated")
	assert.NotEqual(t, before[0]["version"], after[0]["version"])
	assert.Equal(t, second.Start.UTC().Format(time.RFC3339), after[0]["start_utc"])
	assert.Equal(t, 2, ps.sim.Stats().Requests["GET /v3/users/sleep/{date}"], "the double push once, the re-computed night once")
}

func TestLowRateLimitLosesNothing(t *testing.T) {
	start := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: start}
	const limit = 10
	ps := startPolar(t, polarOpts{clock: clock, sim: []accesslinksim.Option{accesslinksim.WithRateLimits(limit, 1000)}})
	user := ps.users[0]
	const n = 12 // 24 data calls: more than two 15-minute windows allow
	for range n {
		_, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "ROAD_BIKING", Duration: 10 * time.Minute})
		require.NoError(t, err)
	}
	ps.settle()

	assert.Len(t, ps.csv("exercises.csv"), n, "every exercise exported")
	st := ps.sim.Stats()
	assert.Zero(t, st.TooManyRequests, "the bridge paced itself: no 429")
	assert.LessOrEqual(t, st.MaxShortUsage, limit, "no request beyond the limit")
	assert.Equal(t, n, st.Requests["GET /v3/exercises/{exerciseID}/fit"])
	assert.True(t, clock.Now().After(start.Add(30*time.Minute)), "the client waited for two window resets, not %s", clock.Now().Sub(start))
	entries, err := dlq.New(ps.d.Bus).List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestRevokedTokenDeadLettersWithInstructions(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	user := ps.users[0]
	require.NoError(t, ps.sim.Revoke(user))
	_, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	ps.settle()

	q := dlq.New(ps.d.Bus)
	entries, err := q.List(context.Background(), ingest.Name)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Contains(t, entries[0].Error, "re-authorize the user with `polarbridge users add`")
	u, err := ps.d.Accounts.User(context.Background(), fmt.Sprint(user))
	require.NoError(t, err)
	assert.Equal(t, accounts.StateUnauthorized, u.State)
	assert.NotContains(t, entries[0].Error, u.AccessToken)

	// The user re-authorizes; the event is replayed and exported.
	assert.Equal(t, user, ps.addUser(user))
	n, err := q.Replay(context.Background(), ingest.Name, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	ps.settle()
	assert.Len(t, ps.csv("exercises.csv"), 1)
}

func TestUnknownUserDeadLettered(t *testing.T) {
	ps := startPolar(t, polarOpts{noHook: true})
	// Anyone may publish events: here for a user the bridge never added.
	msg := nats.NewMsg(ps.d.Bus.EventSubject("SLEEP"))
	msg.Data = []byte(`{"event":"SLEEP","user_id":999,"date":"2026-05-04","timestamp":"2026-05-04T08:00:00Z"}`)
	_, err := ps.d.Bus.JS.PublishMsg(context.Background(), msg)
	require.NoError(t, err)
	ps.settle()
	entries, err := dlq.New(ps.d.Bus).List(context.Background(), ingest.Name)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Contains(t, entries[0].Error, "Polar user 999 is not known to this bridge: add them with `polarbridge users add`")
}

// freePort is a loopback address to listen on later (see testport).
func freePort() (string, error) { return testport.Pick() }

func TestExerciseWithoutFITFallsBackToJSON(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	_, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "STRENGTH_TRAINING", Duration: 30 * time.Minute, NoFIT: true})
	require.NoError(t, err)
	ps.settle()
	rows := ps.csv("exercises.csv")
	require.Len(t, rows, 1, "exported from Polar's JSON alone")
	assert.Empty(t, rows[0]["files"], "a manual entry has no file at all")
	st := ps.sim.Stats()
	assert.Equal(t, 1, st.Requests["GET /v3/exercises/{exerciseID}/fit"])
	assert.Zero(t, st.Requests["GET /v3/exercises/{exerciseID}/tcx"], "no exporter takes files: TCX and GPX would only be attached")
	assert.Zero(t, st.Requests["GET /v3/exercises/{exerciseID}/gpx"])
}
