package daemon_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testdisk"
	"github.com/polarbridge/polarbridge/internal/testlog"
)

// logBuffer keeps a daemon's log for a test to read.
type logBuffer struct{ testlog.Buffer }

func (l *logBuffer) logger() *slog.Logger { return l.Logger() }

// data_dir's disk fills up (#12 defect 4): the daemon says so at ERROR
// with the path and the free space, is not ready, answers pushes 503 at
// once; once space is freed it recovers by itself, and what was pushed
// meanwhile (retried by Polar, or found by the poller) is exported once.
func TestFullDiskNamedAndRecovered(t *testing.T) {
	var logs logBuffer
	ps := startPolar(t, polarOpts{disk: 48 << 20, log: logs.logger()})
	user := ps.users[0]
	before, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	ps.settle()
	require.True(t, hasKey(ps.csv("exercises.csv"), before.ID))

	free := testdisk.Fill(t, ps.cfg.DataDir)
	require.Eventually(t, func() bool { return ps.d.Ready() != nil }, 10*time.Second, 50*time.Millisecond,
		"a full disk makes the daemon unready")
	assert.Contains(t, ps.d.Ready().Error(), ps.cfg.DataDir)
	assert.Contains(t, ps.d.Ready().Error(), "free")
	report := ps.d.Report().(daemon.Report)
	assert.False(t, report.Ready)
	require.NotNil(t, report.Storage)
	assert.Less(t, report.Storage.FreeBytes, uint64(16<<20))

	start := time.Now()
	during, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "ROAD_BIKING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	deliveries := ps.sim.Deliveries()
	last := deliveries[len(deliveries)-1]
	assert.Equal(t, http.StatusServiceUnavailable, last.StatusCode, "the push is refused, for Polar to retry")
	assert.Less(t, time.Since(start), 3*time.Second, "at once, not after a publish timeout")
	log := logs.String()
	assert.Contains(t, log, "level=ERROR")
	assert.Contains(t, log, "storage unusable")
	assert.Contains(t, log, "data_dir="+ps.cfg.DataDir)

	free()
	require.Eventually(t, func() bool { return ps.d.Ready() == nil }, 30*time.Second, 100*time.Millisecond,
		"ready again once space is freed, without a restart")
	assert.Contains(t, logs.String(), "storage usable again")

	// Polar retries the refused push; the poller would find it too.
	ps.sim.PushWebhook(accesslinksim.Event{Type: accesslinksim.EventExercise, UserID: user, EntityID: during.ID})
	_, err = ps.d.PollOnce(context.Background(), poller.Scope{})
	require.NoError(t, err)
	ps.settle()
	rows := ps.csv("exercises.csv")
	assert.Len(t, rows, 2, "each exercise once")
	assert.True(t, hasKey(rows, during.ID))
	assert.False(t, strings.Contains(logs.String(), "level=ERROR msg=\"could not restart"), "the store restarted cleanly")
}
