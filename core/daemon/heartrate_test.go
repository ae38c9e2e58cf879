package daemon_test

import (
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// heartRateDay is a day of 24/7 heart rate the simulator serves.
type heartRateDay struct {
	user    int64
	date    string
	samples []accesslinksim.HeartRateSample
}

// heartRateDays are the days with samples a periodic poll lists: each
// user's local yesterday and today.
func (ps *polarSetup) heartRateDays() []heartRateDay {
	var out []heartRateDay
	for _, u := range ps.sim.Users() {
		if !containsID(ps.users, u.ID) {
			continue
		}
		today := ps.clock.Now().In(u.Location)
		for _, d := range []time.Time{today.AddDate(0, 0, -1), today} {
			date := d.Format(time.DateOnly)
			if s := ps.sim.ContinuousHeartRate(u.ID, date); len(s) > 0 {
				out = append(out, heartRateDay{u.ID, date, s})
			}
		}
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}
