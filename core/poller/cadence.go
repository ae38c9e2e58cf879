package poller

import (
	"slices"
	"time"
)

// DailyKinds change at most a few times a day (a day's cardio load, a
// night's SleepWise and biosensing results, a spot ECG or SpO2 test): a
// Cadence lists them less often than every cycle. Exercises, nights (a
// night is wanted the morning it syncs), 24/7 heart rate (today grows all
// day) and the transactions (one pull notifications call for everyone)
// are listed every cycle.
var DailyKinds = []string{KindCardioLoad, KindSleepWiseAlertness, KindSleepWiseCircadianBedtime,
	KindSkinTemperature, KindSkinContacts, KindECG, KindSpO2}

// Cadence picks the kinds of the daemon's periodic cycles: every kind on
// the first cycle and once Daily has passed since the last cycle that had
// them, the others (AllKinds without DailyKinds) in between. An idle
// cycle then costs 4 list calls per user instead of 11 (beside the
// cycle's one pull notifications call), which keeps a family's or a
// club's polling inside AccessLink's daily limit. Backfill and `polarbridge backfill` list every
// kind regardless. Not safe for concurrent use: one poll loop owns it.
type Cadence struct {
	// Daily is how often DailyKinds are listed; 0 lists them every cycle.
	Daily time.Duration
	last  time.Time
}

// Scope returns the scope of the cycle that starts at now.
func (c *Cadence) Scope(now time.Time) Scope {
	if c.Daily <= 0 || c.last.IsZero() || now.Sub(c.last) >= c.Daily || now.Before(c.last) {
		c.last = now
		return Scope{}
	}
	return Scope{Kinds: slices.DeleteFunc(slices.Clone(AllKinds), func(k string) bool { return slices.Contains(DailyKinds, k) })}
}
