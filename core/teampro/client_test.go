package teampro_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
)

func TestClientEndpointsDecode(t *testing.T) {
	e := newEnv(t, []teamprosim.Option{teamprosim.WithSessionDuration(10 * time.Minute)})
	ctx := context.Background()

	teams, err := e.client.Teams(ctx)
	require.NoError(t, err)
	simTeams := e.sim.Teams()
	require.Len(t, teams, len(simTeams))
	assert.Equal(t, simTeams[0].ID, teams[0].ID)
	assert.NotEmpty(t, teams[0].Created)

	team, err := e.client.Team(ctx, teams[0].ID)
	require.NoError(t, err)
	require.Len(t, team.Players, 20)
	numbers := map[int64]bool{}
	for _, p := range team.Players {
		assert.NotEmpty(t, p.PlayerID)
		assert.NotEmpty(t, p.Role)
		assert.False(t, numbers[p.PlayerNumber], "duplicate number %d", p.PlayerNumber)
		numbers[p.PlayerNumber] = true
	}

	sessions, err := e.client.TeamTrainingSessions(ctx, team.ID, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, sessions, 12)

	details, err := e.client.TeamTrainingSession(ctx, sessions[0].ID)
	require.NoError(t, err)
	assert.Len(t, details.Participants, 20)
	assert.NotEmpty(t, details.Markers)
	assert.NotEmpty(t, details.Arena)

	part := details.Participants[0]
	off, ok, err := e.client.TeamSessionOffset(ctx, details)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, simTeams[0].UTCOffsetMinutes, off)

	all, err := e.client.PlayerTrainingSessions(ctx, part.PlayerID, time.Time{}, time.Time{}, teampro.SessionsAll)
	require.NoError(t, err)
	indiv, err := e.client.PlayerTrainingSessions(ctx, part.PlayerID, time.Time{}, time.Time{}, teampro.SessionsIndividual)
	require.NoError(t, err)
	assert.Len(t, all, 12+2)
	assert.Len(t, indiv, 2)
	for _, s := range all {
		require.NotNil(t, s.TimezoneOffset)
	}

	raw, err := e.client.PlayerTrainingSession(ctx, part.PlayerSessionID)
	require.NoError(t, err)
	summary, err := e.client.PlayerSessionSummary(ctx, part.PlayerSessionID)
	require.NoError(t, err)
	assert.Equal(t, part.PlayerSessionID, summary.PlayerSessionID)
	assert.Len(t, summary.HeartRateZones, 5)

	ps, warnings, err := teampro.NormalizePlayerSession(teampro.PlayerSessionInput{
		Details: raw, UTCOffsetMinutes: &off, PlayerID: part.PlayerID, TeamSession: details, Summary: summary, Team: team,
		Now: e.clock.Now(),
	})
	require.NoError(t, err)
	assert.Empty(t, ps.Implausible, "the simulator's data is plausible")
	assert.Equal(t, details.ID, ps.TeamSessionID)
	assert.Equal(t, int(part.PlayerNumber), ps.PlayerNumber)
	hr := ps.SeriesByField("hr")
	require.NotNil(t, hr)
	assert.Len(t, hr.Values, 10*60) // 1 Hz
	acc := ps.SeriesByField("forward_acceleration")
	require.NotNil(t, acc)
	assert.Len(t, acc.Values, 10*60*10) // 10 Hz
	assert.NotEmpty(t, ps.RRIntervalsMS)
	// Warnings are only the documented quirks: short rows (trailing nulls
	// left out) and perhaps feeling punctuation.
	for _, w := range warnings {
		assert.Contains(t, []string{"samples", "feeling"}, w.Where, w.String())
	}

	_, err = e.client.Team(ctx, "nope")
	assert.ErrorIs(t, err, teampro.ErrNotFound)
	assert.True(t, teampro.Permanent(err))
}

func TestClientSinceUntil(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	teamID := e.sim.Teams()[0].ID
	sims := e.sim.Sessions(teamID)
	// Local wall clock, as Polar compares.
	off := time.Duration(e.sim.Teams()[0].UTCOffsetMinutes) * time.Minute
	wall := func(t time.Time) time.Time { return t.Add(off).UTC() }
	since := wall(sims[3].RecordStart).Add(-time.Minute)
	until := wall(sims[6].RecordStart).Add(time.Minute)
	got, err := e.client.TeamTrainingSessions(ctx, teamID, since, until)
	require.NoError(t, err)
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{sims[3].ID, sims[4].ID, sims[5].ID, sims[6].ID}, ids)
}

func TestClientPaginationAcrossPages(t *testing.T) {
	e := newEnv(t, []teamprosim.Option{teamprosim.WithSessions(47)}, teampro.WithPerPage(5))
	teamID := e.sim.Teams()[1].ID
	before := e.sim.Stats().APIRequests()
	got, err := e.client.TeamTrainingSessions(context.Background(), teamID, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, got, 47)
	assert.Equal(t, 10, e.sim.Stats().APIRequests()-before, "47 items at 5 per page")
	seen := map[string]bool{}
	for _, s := range got {
		assert.False(t, seen[s.ID])
		seen[s.ID] = true
	}
	for _, s := range e.sim.Sessions(teamID) {
		assert.True(t, seen[s.ID], "missing %s", s.ID)
	}
}

func TestTokenRefreshedWhenExpiredOnClock(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	_, err := e.client.Teams(ctx)
	require.NoError(t, err)
	require.Empty(t, e.savedTokens())

	e.clock.Advance(12 * time.Hour) // the access token has expired
	teams, err := e.client.Teams(ctx)
	require.NoError(t, err)
	require.Len(t, teams, 2)

	saved := e.savedTokens()
	require.Len(t, saved, 1)
	assert.Equal(t, 1, e.sim.Stats().Refreshes)
	assert.Zero(t, e.sim.Stats().Unauthorized, "refreshed before use, not after a 401")
	used := e.usedTokens()
	assert.Equal(t, "Bearer "+saved[0].AccessToken, used[len(used)-1])
	assert.Equal(t, e.clock.Now().Add(43199*time.Second), saved[0].Expiry)
}

func TestTokenRefreshedAfterServer401SavedBeforeUse(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	teamID := e.sim.Teams()[0].ID

	// The save callback checks that the new token has not been used yet.
	var savedBeforeUse atomic.Bool
	e.ts = teampro.NewTokenSource(ctx, e.conf, mustToken(t, e.ts), func(_ context.Context, tok *oauth2.Token) error {
		for _, u := range e.usedTokens() {
			if u == "Bearer "+tok.AccessToken {
				return errors.New("token used before it was saved")
			}
		}
		savedBeforeUse.Store(true)
		e.mu.Lock()
		e.saved = append(e.saved, tok)
		e.mu.Unlock()
		return nil
	}, teampro.WithTokenClock(e.clock.Now))
	client, err := teampro.New(e.ts, teampro.WithBaseURL(e.srv.URL), teampro.WithClock(e.clock.Now), teampro.WithSleep(e.clock.Sleep))
	require.NoError(t, err)

	sessions, err := client.TeamTrainingSessions(ctx, teamID, time.Time{}, time.Time{})
	require.NoError(t, err)
	var details []*teampro.TeamTrainingSessionDetails
	for i, s := range sessions {
		if i == 5 {
			e.sim.ExpireTokens() // mid-run, before our clock says so
		}
		d, err := client.TeamTrainingSession(ctx, s.ID)
		require.NoError(t, err, "session %d", i)
		details = append(details, d)
	}
	assert.Len(t, details, len(sessions), "nothing lost")
	assert.True(t, savedBeforeUse.Load())
	assert.Len(t, e.savedTokens(), 1)
	st := e.sim.Stats()
	assert.Equal(t, 1, st.Unauthorized)
	assert.Equal(t, 1, st.Refreshes)
}

func mustToken(t *testing.T, ts oauth2.TokenSource) *oauth2.Token {
	t.Helper()
	tok, err := ts.Token()
	require.NoError(t, err)
	return tok
}

func TestTokenNotUsedWhenSaveFails(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	fail := true
	ts := teampro.NewTokenSource(ctx, e.conf, mustToken(t, e.ts), func(_ context.Context, tok *oauth2.Token) error {
		if fail {
			return errors.New("kv down")
		}
		return nil
	}, teampro.WithTokenClock(e.clock.Now))
	client, err := teampro.New(ts, teampro.WithBaseURL(e.srv.URL), teampro.WithClock(e.clock.Now), teampro.WithSleep(e.clock.Sleep))
	require.NoError(t, err)

	e.clock.Advance(13 * time.Hour)
	before := len(e.usedTokens())
	_, err = client.Teams(ctx)
	require.ErrorIs(t, err, teampro.ErrTokenNotSaved)
	assert.False(t, teampro.Permanent(err))
	assert.Len(t, e.usedTokens(), before, "no request with an unsaved token")

	// The refresh token rotated; the pending token is saved on the next
	// call instead of refreshing again with the dead refresh token.
	fail = false
	_, err = client.Teams(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, e.sim.Stats().Refreshes)
}

func TestRevokedRefreshTokenIsUnauthorized(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	tok := mustToken(t, e.ts)
	// A stale copy of the token with an already rotated refresh token.
	stale := teampro.NewTokenSource(ctx, e.conf, tok, nil, teampro.WithTokenClock(e.clock.Now))
	e.clock.Advance(12 * time.Hour)
	_, err := e.client.Teams(ctx) // rotates the refresh token
	require.NoError(t, err)

	client, err := teampro.New(stale, teampro.WithBaseURL(e.srv.URL), teampro.WithClock(e.clock.Now), teampro.WithSleep(e.clock.Sleep))
	require.NoError(t, err)
	_, err = client.Teams(ctx)
	require.ErrorIs(t, err, teampro.ErrUnauthorized)
	assert.Contains(t, err.Error(), "polarbridge teampro add")
	assert.True(t, teampro.Permanent(err))
	assert.NotContains(t, err.Error(), tok.RefreshToken)
	assert.NotContains(t, err.Error(), e.sim.ClientSecret())
}

func TestBurstOf300HasNo429(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	start := e.clock.Now()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 10 {
		wg.Go(func() {
			for range 30 {
				if _, err := e.client.Team(ctx, e.sim.Teams()[0].ID); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failed.Load())
	st := e.sim.Stats()
	assert.Zero(t, st.TooManyRequests)
	assert.Equal(t, 300, st.Requests["GET /v1/teams/{team_id}"])
	// 90 at once, then one a second.
	elapsed := e.clock.Now().Sub(start)
	assert.GreaterOrEqual(t, elapsed, 209*time.Second)
}

func TestTooManyRequestsWaitedOutAndRetried(t *testing.T) {
	// A limiter that does not know the server's limit: 429s happen, and
	// every request still succeeds.
	e := newEnv(t, nil, teampro.WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	ctx := context.Background()
	teamID := e.sim.Teams()[0].ID
	for i := range 150 {
		_, err := e.client.Team(ctx, teamID)
		require.NoError(t, err, "request %d", i)
	}
	st := e.sim.Stats()
	assert.Positive(t, st.TooManyRequests)
	assert.Equal(t, 150, st.Requests["GET /v1/teams/{team_id}"]-st.TooManyRequests)
}

func TestTooManyRequestsGivesUpWithRateLimited(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	clock := newFakeClock()
	c, err := teampro.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "secret-token"}),
		teampro.WithBaseURL(srv.URL), teampro.WithClock(clock.Now), teampro.WithSleep(clock.Sleep), teampro.WithMaxRetries(2, 3))
	require.NoError(t, err)
	start := clock.Now()
	_, err = c.Teams(context.Background())
	require.ErrorIs(t, err, teampro.ErrRateLimited)
	assert.False(t, teampro.Permanent(err))
	assert.GreaterOrEqual(t, clock.Now().Sub(start), 9*time.Second, "Retry-After honoured")
	assert.NotContains(t, err.Error(), "secret-token")
}

func TestServerErrorsRetriedWithBackoff(t *testing.T) {
	var calls atomic.Int32
	e := newEnv(t, nil)
	inner := e.srv.Config.Handler
	e.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") && calls.Add(1) <= 2 {
			http.Error(w, "boom", http.StatusBadGateway)
			return
		}
		inner.ServeHTTP(w, r)
	})
	start := e.clock.Now()
	teams, err := e.client.Teams(context.Background())
	require.NoError(t, err)
	assert.Len(t, teams, 2)
	assert.Equal(t, int32(3), calls.Load())
	assert.GreaterOrEqual(t, e.clock.Now().Sub(start), 3*time.Second, "1s + 2s backoff")

	e.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	_, err = e.client.Teams(context.Background())
	require.ErrorIs(t, err, teampro.ErrUnavailable)
	assert.False(t, teampro.Permanent(err))
}

func TestInvalidArguments(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	_, err := e.client.Team(ctx, " ")
	assert.ErrorIs(t, err, teampro.ErrInvalidArgument)
	_, err = e.client.PlayerTrainingSessions(ctx, "x", time.Time{}, time.Time{}, "SOME")
	assert.ErrorIs(t, err, teampro.ErrInvalidArgument)
	_, err = teampro.New(nil)
	assert.ErrorIs(t, err, teampro.ErrInvalidArgument)
	_, err = teampro.New(e.ts, teampro.WithPerPage(101))
	assert.ErrorIs(t, err, teampro.ErrInvalidArgument)
}

func TestOAuthConfig(t *testing.T) {
	c := teampro.OAuthConfig("id", "secret", "http://cb", "", "")
	assert.Equal(t, teampro.DefaultAuthURL, c.Endpoint.AuthURL)
	assert.Equal(t, teampro.DefaultTokenURL, c.Endpoint.TokenURL)
	assert.Equal(t, oauth2.AuthStyleInHeader, c.Endpoint.AuthStyle)
	assert.Equal(t, []string{"team_read"}, c.Scopes)
	assert.Contains(t, c.AuthCodeURL("s"), "scope=team_read")
}
