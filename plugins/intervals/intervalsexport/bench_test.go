package intervalsexport_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/internal/sim/intervalssim"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func totalCalls(req map[string]int) int {
	n := 0
	for _, c := range req {
		n += c
	}
	return n
}

// BenchmarkCallsPerExercise exports a new exercise per iteration and
// reports intervals.icu calls per exercise (target: 1 upload + 1 update).
func BenchmarkCallsPerExercise(b *testing.B) {
	e := newEnv(b, nil)
	i := 0
	for b.Loop() {
		i++
		rec := exercise(b, fmt.Sprint("b", i), "v1", "RUNNING", "RUNNING", "")
		// A file of its own: the same bytes would be a duplicate.
		data, err := intervalssim.EncodeFIT(nil, intervalssim.FITSession{Sport: fit.SportRunning, Start: t0, Seconds: uint32(i)})
		if err != nil {
			b.Fatal(err)
		}
		rec.GetExercise().Files[0].Data = data
		if r := e.export(rec)[0]; r.GetStatus() != ok {
			b.Fatal(statusOf(r))
		}
	}
	req := e.sim.Requests()
	b.ReportMetric(float64(req[upload])/float64(i), "uploads/exercise")
	b.ReportMetric(float64(totalCalls(req))/float64(i), "calls/exercise")
}

// nights returns the sleep and Nightly Recharge records of n nights
// from the day after *next, which it advances.
func nights(next *time.Time, n int) []*pluginapi.Record {
	var recs []*pluginapi.Record
	for range n {
		*next = next.AddDate(0, 0, 1)
		date := next.Format(time.DateOnly)
		s, nr := testrecords.Sleep("475", date), testrecords.NightlyRecharge("475", date)
		s.Version, nr.Version = "v1", "v1"
		recs = append(recs, s, nr)
	}
	return recs
}

// BenchmarkWellnessCalls reports wellness calls per night as nights
// arrive one by one (the baseline: 1 PUT each) and as a 28-day backfill
// in batches of 50 records (the daemon's default batch size), which the
// plugin sends as bulk PUTs.
func BenchmarkWellnessCalls(b *testing.B) {
	for _, tc := range []struct {
		name         string
		nightsPerRun int
	}{{"nightly", 1}, {"backfill28", 28}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b, nil)
			next := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			total := 0
			for b.Loop() {
				recs := nights(&next, tc.nightsPerRun)
				for len(recs) > 0 {
					batch := recs[:min(50, len(recs))]
					recs = recs[len(batch):]
					for _, r := range e.export(batch...) {
						if r.GetStatus() != ok {
							b.Fatal(statusOf(r))
						}
					}
				}
				total += tc.nightsPerRun
			}
			b.ReportMetric(float64(totalCalls(e.sim.Requests()))/float64(total), "calls/night")
		})
	}
}
