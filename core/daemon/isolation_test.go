package daemon_test

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// One user's Polar calls hang: another user's exercise is exported
// meanwhile, within seconds, not after the hang (#12: one slow user
// stalled everyone). Once Polar answers again, the first user's exercise
// follows, and nothing is exported twice.
func TestHungUserDoesNotStallOthers(t *testing.T) {
	var hanging atomic.Bool
	hung := make(chan struct{}, 1)
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	ps := startPolar(t, polarOpts{users: 2, wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hanging.Load() && strings.HasPrefix(r.URL.Path, "/v3/exercises/") {
				select {
				case hung <- struct{}{}:
				default:
				}
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	}})
	t.Cleanup(unblock) // runs before the daemon stops

	hanging.Store(true)
	slow, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	select {
	case <-hung:
	case <-time.After(30 * time.Second):
		t.Fatal("the first user's exercise was never fetched")
	}
	hanging.Store(false) // only the call in flight hangs

	fast, err := ps.sim.AddExercise(ps.users[1], accesslinksim.ExerciseSpec{DetailedSport: "ROAD_BIKING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return hasKey(ps.csv("exercises.csv"), fast.ID) }, 10*time.Second, 20*time.Millisecond,
		"the second user's exercise arrives while the first user's call hangs")
	assert.False(t, hasKey(ps.csv("exercises.csv"), slow.ID))

	unblock()
	ps.settle()
	rows := ps.csv("exercises.csv")
	assert.Len(t, rows, 2)
	assert.True(t, hasKey(rows, slow.ID))
}

func hasKey(rows []map[string]string, exerciseID string) bool {
	for _, r := range rows {
		if strings.Contains(r["key"], exerciseID) {
			return true
		}
	}
	return false
}
