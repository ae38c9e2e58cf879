package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
)

// pollHeartRateDays is how many local days a periodic poll lists of 24/7
// heart rate: today, which grows all day, and yesterday, whose last
// hours may sync after midnight. Older days change no more.
const pollHeartRateDays = 2

// listContinuousHeartRate lists the user's local yesterday and today in
// one ranged call, or with since every day from its date to the user's
// today in ranges of accesslink.ContinuousHeartRateMaxRangeDays: the
// fewest calls the ranged endpoint allows. Each day's listing is
// fingerprinted as it comes, so only a day whose samples changed is
// queued (and then fetched once more by the worker).
func (p *Poller) listContinuousHeartRate(ctx context.Context, u accounts.User, since time.Time) ([]json.RawMessage, error) {
	loc, _ := u.Location() // an unknown zone is the machine's, as the worker reads it
	y, m, d := p.now().In(loc).Date()
	last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	from := last.AddDate(0, 0, 1-pollHeartRateDays)
	if !since.IsZero() {
		y, m, d = since.Date()
		from = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	var all []json.RawMessage
	for ; !from.After(last); from = from.AddDate(0, 0, accesslink.ContinuousHeartRateMaxRangeDays) {
		to := from.AddDate(0, 0, accesslink.ContinuousHeartRateMaxRangeDays-1)
		if to.After(last) {
			to = last
		}
		raws, err := p.polar.ContinuousHeartRateRange(ctx, u.AccessToken, from.Format(time.DateOnly), to.Format(time.DateOnly))
		if err != nil {
			return nil, fmt.Errorf("continuous heart rate %s..%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
		}
		all = append(all, raws...)
	}
	return all, nil
}
