package daemon_test

import (
	"testing"

	"github.com/polarbridge/polarbridge/core/poller"
)

// BenchmarkBackfill28Days counts the Polar calls a backfill of 28 days
// costs one user (the simulator's history: about one exercise a day and a
// night every day), and what an idle poll cycle costs afterwards. The
// target is the 3 list calls plus 2 per exercise (a night rides on its
// event: the lists hold the full night and recharge), plus 2
// cardio load range calls: Since's date to the latest date on Earth is
// 30 days here, 28 a call; plus 2 range calls of 24/7 heart rate (Since's
// date to the user's today, 29 days) and 1 per day with samples; and 2 for
// each SleepWise and biosensing kind (6 × 2), whose entries cost nothing
// beyond their lists; and 1 transaction create per transactional kind
// (daily activity, physical information: a backfill does not ask the pull
// notifications; the simulator's user has none, 204).
func BenchmarkBackfill28Days(b *testing.B) {
	for range b.N {
		ps := startPolar(b, polarOpts{history: 28, noHook: true})
		before := totalRequests(ps.sim.Stats())
		since := ps.clock.Now().AddDate(0, 0, -28)
		// The pinned clock moves only by the client's pacing waits: how
		// long the backfill would wait for AccessLink's rate limits.
		pacedFrom := ps.clock.Now()
		if _, err := ps.d.PollOnce(b.Context(), poller.Scope{Since: since}); err != nil {
			b.Fatal(err)
		}
		ps.settle()
		paced := ps.clock.Now().Sub(pacedFrom)
		backfill := totalRequests(ps.sim.Stats()) - before
		exercises, nights, _ := ps.holdings()
		heartRate := len(ps.heartRateDaysSince(since))
		target := 3 + 2 + 2 + heartRate + 2*exercises + 6*2 + 2
		if backfill != target {
			b.Fatalf("backfill cost %d calls, target %d (3 + 2 cardio load + 2 + %d heart rate + 2×%d exercises + 12 SleepWise and biosensing + 2 transactions; %d nights at no call)", backfill, target, heartRate, exercises, nights)
		}
		idle := totalRequests(ps.sim.Stats())
		if _, err := ps.d.PollOnce(b.Context(), poller.Scope{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(backfill), "calls/backfill")
		b.ReportMetric(paced.Seconds(), "paced-s/backfill")
		b.ReportMetric(float64(exercises), "exercises")
		b.ReportMetric(float64(nights), "nights")
		b.ReportMetric(float64(heartRate), "heart-rate-days")
		b.ReportMetric(float64(totalRequests(ps.sim.Stats())-idle), "calls/idle-cycle")
		ps.stop()
	}
}
