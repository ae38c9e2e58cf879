package accesslinksim

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeAndGenerate(t *testing.T) {
	sim, err := New(WithSeed(3), WithUsers(1), WithHistoryDays(1))
	require.NoError(t, err)
	before := len(sim.Exercises(sim.Users()[0].ID))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Serve(ctx, ln, RunOptions{GenerateEvery: 20 * time.Millisecond}) }()

	req, err := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/v3/notifications", nil)
	require.NoError(t, err)
	req.SetBasicAuth(sim.ClientID(), sim.ClientSecret())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)

	require.Eventually(t, func() bool { return len(sim.Exercises(sim.Users()[0].ID)) > before },
		5*time.Second, 10*time.Millisecond, "periodic generation adds exercises")
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
}
