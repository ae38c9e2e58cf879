package daemon_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testpg"
)

// TestPostgresEndToEnd: the daemon with the PostgreSQL plugin binary
// against a real server: an exercise and a night from the Polar
// simulator become rows equal to the records (as the CSV plugin wrote
// them), once, across a daemon restart.
func TestPostgresEndToEnd(t *testing.T) {
	pg := testpg.Start(t)
	t.Setenv("POLARBRIDGE_PLUGINS__POSTGRES__CONFIG__PASSWORD", testpg.Password)
	ps := startPolar(t, polarOpts{plugins: fmt.Sprintf(`plugins:
  csv:
    path: %s
    config:
      dir: export
  postgres:
    path: %s
    config:
      dsn: %q
`, binary(t, "plugins/csv"), binary(t, "plugins/postgres"), pg.DSN("postgres"))})
	user := ps.users[0]
	ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "TRAIL_RUNNING", Duration: 40 * time.Minute})
	require.NoError(t, err)
	night, err := ps.sim.AddSleep(user)
	require.NoError(t, err)
	ps.settle("csv", "postgres")

	db := pg.Conn()
	ctx := context.Background()
	var (
		sport    string
		duration float64
		start    time.Time
	)
	require.NoError(t, db.QueryRow(ctx, `SELECT detailed_sport, duration_seconds, start_time FROM polar.exercises WHERE id = $1`, ex.ID).Scan(&sport, &duration, &start))
	assert.Equal(t, "TRAIL_RUNNING", sport)
	assert.Equal(t, 2400.0, duration)
	assert.True(t, ex.Start.Equal(start), "%s vs %s", ex.Start, start)

	var score int
	require.NoError(t, db.QueryRow(ctx, `SELECT sleep_score FROM polar.sleeps WHERE user_id = $1 AND date = $2`, strconv.FormatInt(user, 10), night.Date).Scan(&score))
	for _, r := range ps.csv("sleep.csv") {
		if r["date"] == night.Date {
			assert.Equal(t, r["sleep_score"], strconv.Itoa(score))
		}
	}
	// The poll after a restart finds the same exercise and night again
	// (and kinds no push announced): the same rows, the same versions.
	rows := func() (n int, versions string) {
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*), string_agg(key || '=' || version, ',' ORDER BY key) FROM polar.records
			WHERE kind IN ('exercise', 'sleep', 'nightly_recharge')`).Scan(&n, &versions))
		return n, versions
	}
	n, versions := rows()
	assert.Equal(t, 3, n, "exercise, sleep, nightly recharge: %s", versions)
	ps.restart()
	ps.poll()
	ps.settle("csv", "postgres")
	n2, versions2 := rows()
	assert.Equal(t, n, n2)
	assert.Equal(t, versions, versions2, "nothing rewritten")
}
