package testserver_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/polarbridge/polarbridge/internal/testserver"
)

func TestStartWaitsStopStartsAgain(t *testing.T) {
	log := filepath.Join(t.TempDir(), "server.log")
	p := testserver.New(t, "sleeper", log, syscall.SIGTERM)
	for round := range 2 {
		calls := 0
		p.Start(exec.Command("sh", "-c", "echo started; exec sleep 60"), func() error {
			calls++
			// Ready once it has said so in its log, and not before the
			// third look.
			if calls < 3 || strings.Count(p.Log(), "started\n") != round+1 {
				return errors.New("not yet")
			}
			return nil
		})
		assert.GreaterOrEqual(t, calls, 3, "round %d: asked until ready", round)
		p.Stop()
		p.Stop() // stopping a stopped process does nothing
	}
	assert.Equal(t, "started\nstarted\n", p.Log(), "one log across starts")
}
