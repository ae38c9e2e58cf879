package daemon_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// BenchmarkWebhookToCSV measures the whole AccessLink path for 1 h
// exercises at 1 Hz: the simulator pushes a signed webhook, the receiver
// stores the event, the worker fetches the exercise and its FIT file,
// decodes and normalizes it, publishes the record, and the CSV plugin
// binary writes its row and sample file.
//
// latency: one exercise at a time, push until the row is on disk.
// throughput: b.N exercises pushed back to back, until all are written.
// Both report Polar calls per exported exercise, as counted by the
// simulator.
func BenchmarkWebhookToCSV(b *testing.B) {
	csvPlugins := func(b *testing.B) string {
		return `plugins:
  csv:
    path: ` + binary(b, "plugins/csv") + `
    config:
      dir: export
      samples: true
`
	}
	b.Run("latency", func(b *testing.B) {
		ps := startPolar(b, polarOpts{plugins: csvPlugins(b)})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			// FIT encoding in the simulator is not the bridge's cost.
			ex, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: time.Hour}, accesslinksim.Drop())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ps.sim.ExerciseFIT(ex.ID); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			ps.sim.PushWebhook(accesslinksim.Event{Type: "EXERCISE", UserID: ps.users[0], EntityID: ex.ID})
			waitFile(b, filepath.Join(ps.dir, "export", "samples"), i+1)
		}
		b.StopTimer()
		report(b, ps, b.N)
	})
	b.Run("throughput", func(b *testing.B) {
		ps := startPolar(b, polarOpts{plugins: csvPlugins(b)})
		var ids []string
		for range b.N {
			ex, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: time.Hour}, accesslinksim.Drop())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ps.sim.ExerciseFIT(ex.ID); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, ex.ID)
		}
		b.ResetTimer()
		for _, id := range ids {
			ps.sim.PushWebhook(accesslinksim.Event{Type: "EXERCISE", UserID: ps.users[0], EntityID: id})
		}
		waitFile(b, filepath.Join(ps.dir, "export", "samples"), b.N)
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exercises/s")
		report(b, ps, b.N)
	})
}

func report(b *testing.B, ps *polarSetup, n int) {
	st := ps.sim.Stats()
	calls := st.Requests["GET /v3/exercises/{exerciseID}"] + st.Requests["GET /v3/exercises/{exerciseID}/fit"]
	b.ReportMetric(float64(calls)/float64(n), "polar-calls/exercise")
}

// waitFile waits until dir holds n sample files (one per exported
// exercise; the row and its samples are written in the same batch).
func waitFile(b *testing.B, dir string, n int) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		count := 0
		for _, e := range entries {
			if filepath.Ext(e.Name()) == ".csv" && !e.IsDir() && len(e.Name()) > 12 && e.Name()[len(e.Name())-12:] == ".samples.csv" {
				count++
			}
		}
		if count >= n {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("%d exercises not exported within 2 minutes", n)
}
