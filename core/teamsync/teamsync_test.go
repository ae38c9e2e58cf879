package teamsync_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/core/source"
	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/core/teamsync"
	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
	"github.com/polarbridge/polarbridge/internal/testbus"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

type env struct {
	b   *bus.Bus
	sim *teamprosim.Simulator
	src *teamsync.Source
	clk *clock

	mu          sync.Mutex
	implausible []plausible.Warning
	warnings    int
}

// start is the Team Pro source on a real embedded JetStream and the Team
// Pro simulator, with a coach added through the OAuth flow: no daemon, no
// plugins.
func start(t *testing.T) *env { return startWrapped(t, nil) }

// startWrapped is start with wrap, if set, between the source and the
// simulator (faults).
func startWrapped(t *testing.T, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC)}
	cb := httptest.NewUnstartedServer(nil)
	redirect := "http://" + cb.Listener.Addr().String() + "/oauth2/callback"
	cb.Listener.Close()
	sim, err := teamprosim.New(teamprosim.WithClock(clk.Now), teamprosim.WithRedirectURIs(redirect),
		teamprosim.WithTeams(1), teamprosim.WithPlayers(2), teamprosim.WithSessions(2),
		teamprosim.WithIndividualSessions(0), teamprosim.WithSessionDuration(5*time.Minute), teamprosim.WithSampleRate(1))
	require.NoError(t, err)
	var api http.Handler = sim
	if wrap != nil {
		api = wrap(sim)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	e := &env{sim: sim, clk: clk}

	b := testbus.Open(t)
	acc, err := accounts.Open(ctx, b)
	require.NoError(t, err)
	st, err := seen.Open(ctx, b)
	require.NoError(t, err)
	oc := teampro.OAuthConfig(sim.ClientID(), sim.ClientSecret(), redirect, srv.URL+"/oauth/authorize", srv.URL+"/oauth/token")
	code, err := onboard.AuthorizeUnattended(ctx, oc)
	require.NoError(t, err)
	require.NoError(t, onboard.AddCoach(ctx, oc, acc, code, "coach"))
	src := teamsync.New(b, acc, st, teamsync.Options{
		OAuth:         oc,
		ClientOptions: []teampro.Option{teampro.WithBaseURL(srv.URL), teampro.WithClock(clk.Now), teampro.WithSleep(clk.Sleep)},
		TokenOptions:  []teampro.TokenSourceOption{teampro.WithTokenClock(clk.Now)},
		Now:           clk.Now,
		OnWarning: func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.warnings++
		},
		OnImplausible: func(w plausible.Warning) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.implausible = append(e.implausible, w)
		},
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.b, e.src = b, src
	return e
}

// events returns the bodies on the events subject, in order.
func (e *env) events(t *testing.T) []map[string]string {
	t.Helper()
	ctx := context.Background()
	s, err := e.b.JS.Stream(ctx, bus.EventsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	var out []map[string]string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		raw, err := s.GetMsg(ctx, seq)
		require.NoError(t, err)
		assert.Equal(t, e.b.EventSubject(teamsync.Event), raw.Subject)
		var ev map[string]string
		require.NoError(t, json.Unmarshal(raw.Data, &ev))
		out = append(out, ev)
	}
	return out
}

func TestPollQueuesNewAndModifiedSessions(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	team := e.sim.Teams()[0]
	sessions := e.sim.Sessions(team.ID)
	require.Len(t, sessions, 2)

	prog, err := e.src.Poll(ctx, teamsync.Scope{})
	require.NoError(t, err)
	assert.Equal(t, 2, prog.Queued)
	evs := e.events(t)
	require.Len(t, evs, 2)
	assert.Equal(t, "coach", evs[0]["account"])

	// Listed again, unchanged: known, nothing published.
	prog, err = e.src.Poll(ctx, teamsync.Scope{})
	require.NoError(t, err)
	assert.Equal(t, 0, prog.Queued+prog.Changed)
	assert.Equal(t, 2, prog.Known)
	assert.Len(t, e.events(t), 2)

	// Modified in Team Pro: one new event, for the new version.
	require.NoError(t, e.clk.Sleep(ctx, time.Hour))
	_, err = e.sim.ModifySession(sessions[0].ID)
	require.NoError(t, err)
	prog, err = e.src.Poll(ctx, teamsync.Scope{})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Changed)
	evs = e.events(t)
	require.Len(t, evs, 3)
	assert.Equal(t, sessions[0].ID, evs[2]["session_id"])
	assert.NotEqual(t, evs[0]["modified"], evs[2]["modified"], "the event names the version it is for")
}

func TestHandlePublishesTheSessionAndItsPlayers(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	_, err := e.src.Poll(ctx, teamsync.Scope{})
	require.NoError(t, err)
	body, err := json.Marshal(e.events(t)[0])
	require.NoError(t, err)
	require.NoError(t, e.src.Handle(ctx, teamsync.Event, body))

	s, err := e.b.JS.Stream(ctx, bus.RecordsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), info.State.Msgs, "one team session and two player sessions")
	// Handled twice (a redelivery): nothing new is published.
	require.NoError(t, e.src.Handle(ctx, teamsync.Event, body))
	info, err = s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), info.State.Msgs)

	assert.ErrorIs(t, e.src.Handle(ctx, teamsync.Event, []byte(`{"event":"TEAMPRO_SESSION"}`)), teamsync.ErrBadEvent)
}

// rewriteData changes fields of a Team Pro {"data": {...}} answer.
func rewriteData(t *testing.T, h http.Handler, r *http.Request, w http.ResponseWriter, set map[string]any) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var body map[string]map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	for k, v := range set {
		body["data"][k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	require.NoError(t, json.NewEncoder(w).Encode(body))
}

// A fault run: one player's session starts in 1900, the other's summary
// has a heart rate of 10^9. The team session and the second player are
// exported, the bad value dropped and counted; the event is dead-lettered
// naming the first player's session.
func TestHandleImplausiblePlayerSessions(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var first string
	e := startWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			path := strings.TrimPrefix(r.URL.Path, "/v1/training_sessions/")
			if path == r.URL.Path {
				h.ServeHTTP(w, r)
				return
			}
			id, summary := strings.CutSuffix(path, "/session_summary")
			mu.Lock()
			if first == "" {
				first = id
			}
			bad := id == first
			mu.Unlock()
			switch {
			case bad && !summary:
				rewriteData(t, h, r, w, map[string]any{"start_time": "1900-01-01T10:00:00"})
			case !bad && summary:
				rewriteData(t, h, r, w, map[string]any{"heart_rate_max": 1e9, "kilo_calories": 3e9})
			default:
				h.ServeHTTP(w, r)
			}
		})
	})
	_, err := e.src.Poll(ctx, teamsync.Scope{})
	require.NoError(t, err)
	body, err := json.Marshal(e.events(t)[0])
	require.NoError(t, err)
	err = e.src.Handle(ctx, teamsync.Event, body)
	require.Error(t, err)
	assert.True(t, source.IsPermanent(err), "dead-lettered: %v", err)
	assert.ErrorIs(t, err, plausible.ErrImpossible)
	assert.Contains(t, err.Error(), first)
	assert.Contains(t, err.Error(), "before 2000-01-01")

	s, err := e.b.JS.Stream(ctx, bus.RecordsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), info.State.Msgs, "the team session and the plausible player session")

	e.mu.Lock()
	defer e.mu.Unlock()
	var got []string
	for _, w := range e.implausible {
		assert.Equal(t, "player_session", w.Kind)
		assert.Equal(t, 1, w.Count)
		got = append(got, w.Field)
	}
	assert.ElementsMatch(t, []string{"summary.heart_rate_max", "summary.calories"}, got)
	assert.GreaterOrEqual(t, e.warnings, 2, "counted with the other data problems too")
}

// After the range check nothing narrows to a wrapped int32.
func TestPlayerSessionRecordNeverWraps(t *testing.T) {
	off := 0
	ps, _, err := teampro.NormalizePlayerSession(teampro.PlayerSessionInput{
		Details: []byte(`{"data": {"id": "p1", "start_time": "2026-11-30T10:00:00", "duration_ms": 60000,
			"heart_rate_avg": 1e9, "heart_rate_max": -1e12, "sprint_counter": 3e9, "running_index": 1e10, "calories": 3e9}}`),
		UTCOffsetMinutes: &off, PlayerID: "pl", Team: &teampro.TeamDetails{Team: teampro.Team{ID: "t1"}},
		Summary: &teampro.SessionSummary{TrimmedStartTime: "2026-11-30T10:00:00", HeartRateMinPercent: 5e9, SprintCounter: -7,
			HeartRateZones: []teampro.HeartRateZone{{Index: 1, LowerLimit: 3e9, HigherLimit: 130}}},
		Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	})
	require.NoError(t, err)
	team := &teampro.TeamDetails{Team: teampro.Team{ID: "t1"}}
	rec := teamsync.PlayerSessionRecord(ps, team)
	assert.Equal(t, "player_session.t1.p1", rec.GetKey())
	p := rec.GetPlayerSession()
	assert.Zero(t, p.GetHeartRateMinPercent())
	assert.Zero(t, p.GetSprintCount())
	require.Len(t, p.GetHeartRateZones(), 1)
	assert.Zero(t, p.GetHeartRateZones()[0].GetLowerBpm())
	assert.Equal(t, int32(130), p.GetHeartRateZones()[0].GetUpperBpm())

	ps.Summary = nil // the details' own values
	p = teamsync.PlayerSessionRecord(ps, team).GetPlayerSession()
	assert.Zero(t, p.GetHeartRateAvg())
	assert.Zero(t, p.GetHeartRateMax())
	assert.Zero(t, p.GetSprintCount())
	assert.Zero(t, p.GetRunningIndex())
	assert.Zero(t, p.GetCalories())
	assert.Equal(t, 60.0, p.GetDurationSeconds())
}
