package teampro_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
)

// teamSessionBodies fetches the raw details (samples=all) of every
// player of one simulated 90-minute 10 Hz team session.
func teamSessionBodies(b *testing.B) (bodies [][]byte, players []string) {
	clock := newFakeClock()
	sim, err := teamprosim.New(teamprosim.WithClock(clock.Now), teamprosim.WithTeams(1), teamprosim.WithSessions(1), teamprosim.WithIndividualSessions(0))
	require.NoError(b, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	conf := teampro.OAuthConfig(sim.ClientID(), sim.ClientSecret(), "http://localhost/cb", srv.URL+"/oauth/authorize", srv.URL+"/oauth/token")
	e := &env{clock: clock, sim: sim, srv: srv, conf: conf}
	tok := e.authorize(b)
	c, err := teampro.New(oauth2.StaticTokenSource(tok), teampro.WithBaseURL(srv.URL), teampro.WithClock(clock.Now), teampro.WithSleep(clock.Sleep))
	require.NoError(b, err)
	s := sim.Sessions(sim.Teams()[0].ID)[0]
	for player, id := range s.PlayerSessions {
		body, err := c.PlayerTrainingSession(context.Background(), id)
		require.NoError(b, err)
		bodies = append(bodies, body)
		players = append(players, player)
	}
	return bodies, players
}

func BenchmarkNormalizeTeamSession20Players90Min10Hz(b *testing.B) {
	bodies, players := teamSessionBodies(b)
	var size int64
	for _, body := range bodies {
		size += int64(len(body))
	}
	off := 120
	now := time.Now()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for i, body := range bodies {
			ps, _, err := teampro.NormalizePlayerSession(teampro.PlayerSessionInput{Details: body, UTCOffsetMinutes: &off, PlayerID: players[i], Now: now})
			if err != nil {
				b.Fatal(err)
			}
			if n := len(ps.SeriesByField("speed").Values); n != 54000 {
				b.Fatalf("%d speed samples", n)
			}
		}
	}
}

func BenchmarkParseSamples90Min10Hz(b *testing.B) {
	bodies, _ := teamSessionBodies(b)
	d, err := teampro.DecodePlayerTrainingSessionDetails(bodies[0])
	require.NoError(b, err)
	b.SetBytes(int64(len(d.Samples.Values)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := teampro.ParseSamples(d.Samples); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseOffset(b *testing.B) {
	for b.Loop() {
		if _, err := teampro.ParseOffset("PT1H29M59.9S"); err != nil {
			b.Fatal(err)
		}
	}
}
