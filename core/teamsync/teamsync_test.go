package teamsync_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/core/seen"
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
}

// start is the Team Pro source on a real embedded JetStream and the Team
// Pro simulator, with a coach added through the OAuth flow: no daemon, no
// plugins.
func start(t *testing.T) *env {
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
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)

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
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{b: b, sim: sim, src: src, clk: clk}
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
