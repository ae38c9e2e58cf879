package accesslink

import (
	"fmt"
	"net/url"
	"time"
)

// RangeMaxDays is the longest from..to span (both dates inclusive) the
// bridge asks any ranged endpoint for. SleepWise and Elixir biosensing
// document it ("Maximum date range between from and to cannot be more
// than 28 days"); cardio load and 24/7 heart rate document no limit (the
// latter's example spans 28 days), so they are asked the same way.
const RangeMaxDays = 28

// DateRange is one from..to of a ranged call, both YYYY-MM-DD and
// inclusive.
type DateRange struct{ From, To string }

// DateRanges splits the days from first to last (dates; their clock is
// ignored) into the fewest ranges of at most RangeMaxDays: one call each.
func DateRanges(first, last time.Time) []DateRange {
	from := dateOf(first)
	end := dateOf(last)
	var out []DateRange
	for ; !from.After(end); from = from.AddDate(0, 0, RangeMaxDays) {
		to := from.AddDate(0, 0, RangeMaxDays-1)
		if to.After(end) {
			to = end
		}
		out = append(out, DateRange{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)})
	}
	return out
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// rangeQuery checks an inclusive from..to of 1 to RangeMaxDays days and
// returns it as the query of a ranged call.
func rangeQuery(what, from, to string) (url.Values, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("accesslink: %s from %q is not YYYY-MM-DD: %w", what, from, ErrInvalidArgument)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("accesslink: %s to %q is not YYYY-MM-DD: %w", what, to, ErrInvalidArgument)
	}
	if days := int(t.Sub(f).Hours()/24) + 1; days < 1 || days > RangeMaxDays {
		return nil, fmt.Errorf("accesslink: %s range %s..%s is %d days, want 1 to %d: %w", what, from, to, days, RangeMaxDays, ErrInvalidArgument)
	}
	return url.Values{"from": {from}, "to": {to}}, nil
}
