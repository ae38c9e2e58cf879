package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// backfill --kinds daily-activity,physical-information runs their
// transactions (no notifications gate: asked for explicitly), publishes
// and commits; a second run finds nothing (Polar deleted what was
// committed).
func TestBackfillTransactionalKinds(t *testing.T) {
	redirect := "http://localhost:1/oauth2/callback"
	sim, err := accesslinksim.New(accesslinksim.WithClock(testNow), accesslinksim.WithUsers(1), accesslinksim.WithHistoryDays(0), accesslinksim.WithRedirectURIs(redirect))
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`data_dir: data
accesslink:
  client_id: `+sim.ClientID()+`
  client_secret: `+sim.ClientSecret()+`
  redirect_url: `+redirect+`
  auth_url: `+srv.URL+`/oauth2/authorization
  token_url: `+srv.URL+`/oauth2/token
  api_url: `+srv.URL+`
`), 0o600))
	rc, _, errOut := runCLI(t, "users", "add", "--config", p, "--code", authCode(t, srv.URL, sim.ClientID(), redirect))
	require.Equal(t, 0, rc, errOut)
	user := sim.Users()[0].ID
	day := testNow().In(sim.Users()[0].Location).AddDate(0, 0, -1).Format("2006-01-02")
	_, err = sim.SyncActivity(user, accesslinksim.ActivitySpec{Date: day})
	require.NoError(t, err)
	_, err = sim.AddPhysicalInformation(user, accesslinksim.PhysicalSpec{})
	require.NoError(t, err)

	rc, out, errOut := runCLI(t, "backfill", "--config", p, "--since", "28d", "--kinds", "daily-activity,physical_information")
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, "Published 2 daily activity and physical information records")
	for _, s := range sim.ActivitySummaries(user) {
		assert.True(t, s.Committed)
	}
	rc, out, errOut = runCLI(t, "backfill", "--config", p, "--since", "28d", "--kinds", "daily-activity,physical-information")
	require.Equal(t, 0, rc, errOut)
	assert.NotContains(t, out, "Published")
	st := sim.Stats().Requests
	assert.Equal(t, 2, st["POST /v3/users/{userID}/activity-transactions"], "a 201, then a 204")
	assert.Equal(t, 2, st["POST /v3/users/{userID}/physical-information-transactions"], "a 201, then a 204")
	assert.Zero(t, st["GET /v3/notifications"], "a backfill is not gated")
}
