package daemon_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// BenchmarkContinuousHeartRateDayToCSV measures one day of 24/7 heart
// rate at 5 s (some 17,000 samples) through the whole path: the
// simulator pushes a signed CONTINUOUS_HEART_RATE, the receiver stores
// the event, the worker fetches the day, normalizes it in the user's
// zone, publishes the record, and the CSV plugin binary writes its row
// and samples file. Each iteration is another past day, so each is a
// new record. It reports Polar calls per exported day and samples per
// day, as counted by the simulator.
func BenchmarkContinuousHeartRateDayToCSV(b *testing.B) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ps := startHeartRate(b, at, b.N+1)
	user := ps.users[0]
	loc := ps.sim.Users()[0].Location
	samples := 0
	var dates []string
	for i := range b.N {
		date := at.In(loc).AddDate(0, 0, -1-i).Format(time.DateOnly)
		samples += len(ps.sim.ContinuousHeartRate(user, date)) // generated before the clock starts
		dates = append(dates, date)
	}
	csvFile := filepath.Join(ps.dir, "export", "continuous_heart_rate.csv")
	b.ResetTimer()
	for i, date := range dates {
		ps.sim.PushWebhook(accesslinksim.Event{Type: accesslinksim.EventContinuousHeartRate, UserID: user, Date: date})
		waitRows(b, csvFile, i+1)
	}
	b.StopTimer()
	st := ps.sim.Stats().Requests
	calls := st["GET /v3/users/continuous-heart-rate/{date}"] + st["GET /v3/users/continuous-heart-rate"]
	b.ReportMetric(float64(calls)/float64(b.N), "polar-calls/day")
	b.ReportMetric(float64(samples)/float64(b.N), "samples/day")
}

// waitRows waits until the CSV file has n rows besides its header.
func waitRows(b *testing.B, path string, n int) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && strings.Count(string(data), "\n")-1 >= n {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("%d days not exported within 2 minutes", n)
}
