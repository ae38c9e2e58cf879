package poller

import (
	"context"
	"encoding/json"
	"time"

	"github.com/polarbridge/polarbridge/core/accounts"
)

// pollHeartRateDays is how many local days a periodic poll lists of 24/7
// heart rate: today, which grows all day, and yesterday, whose last
// hours may sync after midnight. Older days change no more.
const pollHeartRateDays = 2

// listContinuousHeartRate lists the user's local yesterday and today in
// one ranged call, or with since every day from its date to the user's
// today in ranges of accesslink.RangeMaxDays: the
// fewest calls the ranged endpoint allows. Each day's listing is
// fingerprinted as it comes, so only a day whose samples changed is
// queued (and then fetched once more by the worker).
func (p *Poller) listContinuousHeartRate(ctx context.Context, u accounts.User, since time.Time) ([]json.RawMessage, error) {
	loc, _ := u.Location() // an unknown zone is the machine's, as the worker reads it
	y, m, d := p.now().In(loc).Date()
	last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	first := last.AddDate(0, 0, 1-pollHeartRateDays)
	if !since.IsZero() {
		first = since
	}
	return ranged("continuous heart rate", first, last, func(from, to string) ([]json.RawMessage, error) {
		return p.polar.ContinuousHeartRateRange(ctx, u.AccessToken, from, to)
	})
}
