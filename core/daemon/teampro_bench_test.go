package daemon_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
)

// BenchmarkTeamProSession exports one 20-player, 90-minute team session
// at 10 Hz (54,000 rows per player) from the simulator to a plugin: Team
// Pro calls, the rate-limit lower bound for that many calls (1 request/s
// after a burst of 100), and the wall time the bridge needed.
func BenchmarkTeamProSession(b *testing.B) {
	for range b.N {
		ts := startTeamPro(b, teamOpts{sim: []teamprosim.Option{teamprosim.WithSessionDuration(90 * time.Minute)}})
		before := ts.sim.Stats()
		start := time.Now()
		ts.poll()
		wall := time.Since(start)
		if n := len(readLog(b, filepath.Join(ts.dir, "out.jsonl"))); n != 21 {
			b.Fatalf("%d records exported, want 21", n)
		}
		calls := 0
		for route, n := range ts.sim.Stats().Requests {
			calls += n - before.Requests[route]
		}
		b.ReportMetric(float64(calls), "teampro-calls")
		b.ReportMetric(float64(max(0, calls-100)), "rate-limit-bound-s")
		b.ReportMetric(wall.Seconds(), "wall-s")
		ts.stop()
	}
}
