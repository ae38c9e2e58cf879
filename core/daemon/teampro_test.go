package daemon_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/core/teamsync"
	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
	"github.com/polarbridge/polarbridge/internal/testinflux"
)

// teamSetup is a daemon wired to the Team Pro simulator on a fake clock
// (shared by the simulator, the rate limiter and token expiry), with a
// coach account added through the OAuth flow.
type teamSetup struct {
	*harness
	sim   *teamprosim.Simulator
	clock *fakeClock
}

type teamOpts struct {
	at      time.Time // the pinned instant (zero: defaultInstant)
	sim     []teamprosim.Option
	client  []teampro.Option
	plugins string
}

const teamSessionLength = 15 * time.Minute

func startTeamPro(t testing.TB, o teamOpts) *teamSetup {
	t.Helper()
	clock := pinnedClock(o.at)
	callback, err := freePort()
	require.NoError(t, err)
	redirect := "http://" + callback + "/oauth2/callback"
	sim, err := teamprosim.New(append([]teamprosim.Option{
		teamprosim.WithClock(clock.Now), teamprosim.WithRedirectURIs(redirect),
		teamprosim.WithTeams(1), teamprosim.WithSessions(1),
		// 15 minutes at 10 Hz (9,000 rows a player): the whole path at a
		// size the race detector gets through quickly; the benchmarks
		// run 90-minute sessions.
		teamprosim.WithSessionDuration(teamSessionLength),
	}, o.sim...)...)
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	plugins := o.plugins
	if plugins == "" {
		plugins = `plugins:
  test:
    path: ` + binary(t, "internal/testexporter") + `
    config:
      log_file: %[1]s/out.jsonl
`
	}
	body := fmt.Sprintf(baseConfig+`teampro:
  client_id: %[2]s
  client_secret: %[3]s
  redirect_url: %[4]s
  auth_url: %[5]s/oauth/authorize
  token_url: %[5]s/oauth/token
  api_url: %[5]s
  poll_interval: 0s
poll:
  interval: 0s
`+plugins, dir, sim.ClientID(), sim.ClientSecret(), redirect, srv.URL)
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	require.NoError(t, fs.Parse([]string{"--config", p}))
	cfg, err := config.Load(fs)
	require.NoError(t, err)

	h := &harness{t: t, dir: dir, cfg: cfg}
	clientOpts := append([]teampro.Option{teampro.WithClock(clock.Now), teampro.WithSleep(clock.Sleep)}, o.client...)
	d, err := daemon.Start(context.Background(), cfg, testLogger(t), "test", daemon.WithClock(clock.Now),
		daemon.WithTeamProOptions(clientOpts, []teampro.TokenSourceOption{teampro.WithTokenClock(clock.Now)}))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h.d, h.cancel, h.done = d, cancel, make(chan error, 1)
	go func() { h.done <- d.Run(ctx) }()
	t.Cleanup(h.stop)

	// `polarbridge teampro add`, with the simulator approving at once.
	oc := daemon.TeamProOAuth(cfg)
	code, err := onboard.AuthorizeUnattended(context.Background(), oc)
	require.NoError(t, err)
	require.NoError(t, onboard.AddCoach(context.Background(), oc, d.Accounts, code, "coach"))
	return &teamSetup{harness: h, sim: sim, clock: clock}
}

func (ts *teamSetup) poll() teamsyncProgress {
	ts.t.Helper()
	prog, err := ts.d.TeamPro.Poll(context.Background(), teamsync.Scope{})
	require.NoError(ts.t, err)
	ts.settleEvents()
	ts.waitIdle("test")
	return teamsyncProgress{prog.Found, prog.Queued, prog.Changed}
}

type teamsyncProgress struct{ found, queued, changed int }

// settleEvents waits until the ingest worker has processed every event.
func (ts *teamSetup) settleEvents() {
	ts.t.Helper()
	require.Eventually(ts.t, func() bool {
		return ts.d.Bus.Idle(context.Background(), bus.EventsStream, ingest.Name)
	}, 3*time.Minute, 50*time.Millisecond)
}

func TestTeamProSessionExportedCompletely(t *testing.T) {
	ts := startTeamPro(t, teamOpts{})
	team := ts.sim.Teams()[0]
	sessions := ts.sim.Sessions(team.ID)
	require.Len(t, sessions, 1)
	require.Len(t, sessions[0].PlayerSessions, 20)

	prog := ts.poll()
	assert.Equal(t, teamsyncProgress{found: 1, queued: 1}, prog)

	lines := readLog(t, filepath.Join(ts.dir, "out.jsonl"))
	byKind := map[string]int{}
	for _, l := range lines {
		byKind[l.Kind]++
	}
	assert.Equal(t, map[string]int{"team_session": 1, "player_session": 20}, byKind)
	counts := keysOf(lines)
	for player, psID := range sessions[0].PlayerSessions {
		assert.Equal(t, 1, counts["player_session."+team.ID+"."+psID], "player %s", player)
	}
	assert.Zero(t, ts.sim.Stats().TooManyRequests)

	// Listed again, unchanged: nothing queued, nothing fetched.
	before := ts.sim.Stats().Requests["GET /v1/training_sessions/{id}"]
	assert.Equal(t, teamsyncProgress{found: 1}, ts.poll())
	assert.Equal(t, before, ts.sim.Stats().Requests["GET /v1/training_sessions/{id}"])
}

func TestTeamProModifiedSessionUpdatedOnce(t *testing.T) {
	ts := startTeamPro(t, teamOpts{})
	team := ts.sim.Teams()[0]
	s := ts.sim.Sessions(team.ID)[0]
	ts.poll()
	ts.clock.Sleep(context.Background(), time.Hour)
	_, err := ts.sim.ModifySession(s.ID)
	require.NoError(t, err)

	prog := ts.poll()
	assert.Equal(t, 1, prog.changed)
	counts := keysOf(readLog(t, filepath.Join(ts.dir, "out.jsonl")))
	assert.Equal(t, 2, counts["team_session."+team.ID+"."+s.ID], "the new version, once")
	for _, psID := range s.PlayerSessions {
		// Unchanged player data is not published again.
		assert.Equal(t, 1, counts["player_session."+team.ID+"."+psID])
	}
}

func TestTeamProTokenExpiryMidPoll(t *testing.T) {
	ts := startTeamPro(t, teamOpts{sim: []teamprosim.Option{teamprosim.WithSessions(2)}})
	before, err := ts.d.Accounts.Coach(context.Background(), "coach")
	require.NoError(t, err)
	// 13 hours later every access token has expired.
	ts.clock.Sleep(context.Background(), 13*time.Hour)
	ts.sim.ExpireTokens()
	ts.poll()

	after, err := ts.d.Accounts.Coach(context.Background(), "coach")
	require.NoError(t, err)
	assert.NotEqual(t, before.Token.AccessToken, after.Token.AccessToken, "the refreshed token was persisted")
	assert.NotEqual(t, before.Token.RefreshToken, after.Token.RefreshToken)
	counts := keysOf(readLog(t, filepath.Join(ts.dir, "out.jsonl")))
	team := ts.sim.Teams()[0]
	for _, s := range ts.sim.Sessions(team.ID) {
		assert.Equal(t, 1, counts["team_session."+team.ID+"."+s.ID], "nothing lost")
	}
	assert.GreaterOrEqual(t, ts.sim.Stats().Refreshes, 1)
}

func TestTeamProBackfillBurstWithinLimit(t *testing.T) {
	// 8 sessions × (details, roster, offset lookup, 20 × 2 player calls)
	// is well over 300 requests: more than the burst of 100.
	ts := startTeamPro(t, teamOpts{
		// Short sessions: the request count, not the samples, matters here.
		sim:    []teamprosim.Option{teamprosim.WithSessions(8), teamprosim.WithSessionDuration(10 * time.Minute)},
		client: []teampro.Option{teampro.WithPerPage(3)}, // pagination across pages
	})
	start := ts.clock.Now()
	prog := ts.poll()
	assert.Equal(t, 8, prog.queued)
	st := ts.sim.Stats()
	total := 0
	for _, n := range st.Requests {
		total += n
	}
	assert.Greater(t, total, 300)
	assert.Zero(t, st.TooManyRequests, "the client-side limiter kept the bridge under 1 req/s + burst")
	assert.True(t, ts.clock.Now().Sub(start) > 200*time.Second, "requests were spread over time")
	assert.Len(t, readLog(t, filepath.Join(ts.dir, "out.jsonl")), 8*21)
}

func TestTeamProMalformedRowsExportedWithWarning(t *testing.T) {
	ts := startTeamPro(t, teamOpts{sim: []teamprosim.Option{teamprosim.WithExtraValueEvery(500)}})
	ts.poll()
	assert.Len(t, readLog(t, filepath.Join(ts.dir, "out.jsonl")), 21, "every session exported")
	assert.Greater(t, counterValue(t, ts.harness, "polarbridge_data_warnings_total", "teampro"), 0.0)
}

// TestTeamProToCSVAndInfluxDB: Team Pro simulator → daemon → the CSV and
// InfluxDB plugin binaries: one 20-player session exported completely.
func TestTeamProToCSVAndInfluxDB(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20-player 10 Hz session to a real InfluxDB")
	}
	influx := testinflux.Start(t)
	influx.CreateDatabase("polar")
	ts := startTeamPro(t, teamOpts{plugins: `plugins:
  csv:
    path: ` + binary(t, "plugins/csv") + `
    config:
      dir: export
      samples: true
  influxdb:
    path: ` + binary(t, "plugins/influxdb") + `
    config:
      url: ` + influx.URL + `
      database: polar
`})
	team := ts.sim.Teams()[0]
	session := ts.sim.Sessions(team.ID)[0]
	prog, err := ts.d.TeamPro.Poll(context.Background(), teamsync.Scope{})
	require.NoError(t, err)
	require.Equal(t, 1, prog.Queued)
	ts.settleEvents()
	ts.waitIdle("csv")
	ts.waitIdle("influxdb")

	rows := readCSV(t, filepath.Join(ts.dir, "export", "team_sessions.csv"))
	require.Len(t, rows, 1)
	assert.Equal(t, "team_session."+team.ID+"."+session.ID, rows[0]["key"])
	players := readCSV(t, filepath.Join(ts.dir, "export", "player_sessions.csv"))
	assert.Len(t, players, 20)
	for _, psID := range session.PlayerSessions {
		samples := readCSV(t, filepath.Join(ts.dir, "export", "samples", "player_session."+team.ID+"."+psID+".samples.csv"))
		assert.Equal(t, int(teamSessionLength/time.Second)*10, len(samples), "10 Hz for %s", psID)
	}

	count := func(q string) float64 {
		t.Helper()
		series := influx.MustQuery("polar", q)
		require.NotEmpty(t, series, q)
		return series[0].Values[0][1].(float64)
	}
	assert.Equal(t, 20.0, count(`SELECT count(training_load) FROM player_session`))
	assert.Equal(t, 20.0*float64(teamSessionLength/time.Second)*10, count(`SELECT count(forward_acceleration) FROM player_session_sample`))
	assert.Equal(t, 1.0, count(`SELECT count(participants) FROM team_session`))
}
