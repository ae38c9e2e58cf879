package poller_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/polarbridge/polarbridge/core/poller"
)

func TestCadenceListsDailyKindsOncePerInterval(t *testing.T) {
	frequent := []string{poller.KindExercise, poller.KindSleep, poller.KindNightlyRecharge, poller.KindContinuousHeartRate,
		poller.KindDailyActivity, poller.KindPhysicalInformation}
	// Around a midnight and a DST change: the cadence counts elapsed
	// time, not the wall clock.
	for _, start := range []time.Time{
		time.Date(2026, 12, 1, 23, 50, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 0, 50, 0, 0, time.UTC), // EU clocks go forward at 01:00Z
	} {
		c := &poller.Cadence{Daily: time.Hour}
		at := func(d time.Duration) []string { return c.Scope(start.Add(d)).Kinds }
		assert.Empty(t, at(0), "the first cycle lists every kind")
		assert.Equal(t, frequent, at(15*time.Minute))
		assert.Equal(t, frequent, at(45*time.Minute))
		assert.Empty(t, at(60*time.Minute), "an hour after the last full cycle")
		assert.Equal(t, frequent, at(75*time.Minute))
		assert.Empty(t, at(30*time.Minute), "a clock set back starts over")
		assert.Equal(t, frequent, at(31*time.Minute))
	}
	every := &poller.Cadence{}
	for i := range 3 {
		assert.Empty(t, every.Scope(time.Date(2026, 12, 1, 0, 15*i, 0, 0, time.UTC)).Kinds, "Daily 0: every kind every cycle")
	}
	for _, k := range poller.DailyKinds {
		assert.Contains(t, poller.AllKinds, k)
	}
}
