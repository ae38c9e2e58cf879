package accesslinksync

import (
	"context"
	"fmt"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/core/source"
)

// continuousHeartRate fetches the day a CONTINUOUS_HEART_RATE event names
// (Polar's push, or the poller's for a day whose listing changed) and
// publishes it: one call. The day is fetched, not carried in the event:
// some 17,000 samples are too many for an event, and the answer is the
// newest version of a day still being recorded.
func (s *Source) continuousHeartRate(ctx context.Context, u accounts.User, date string) error {
	if err := plausible.CheckDate("date", date, s.now()); err != nil {
		return source.Permanent(fmt.Errorf("continuous heart rate event for user %s: %w (Polar sent a date that cannot be fetched; the next poll finds the day if it exists)", u.ID, err))
	}
	raw, found, err := s.polar.GetContinuousHeartRate(ctx, u.AccessToken, date)
	if err != nil {
		return fmt.Errorf("fetch continuous heart rate %s: %w", date, err)
	}
	if !found {
		s.noData(u, "continuous_heart_rate", date)
		return nil
	}
	// AccessLink gives the samples' clock times no offset: they are read
	// in the user's zone.
	rec, warns, err := accesslink.NormalizeContinuousHeartRate(u.ID, raw, s.location(u), s.now())
	if err != nil {
		return source.Permanent(fmt.Errorf("normalize continuous heart rate %s: %w", date, err))
	}
	if got := rec.GetContinuousHeartRate().GetDate(); got != date {
		return source.Permanent(fmt.Errorf("Polar answered the continuous heart rate of %s with the day %s: %w", date, got, accesslink.ErrInvalidPayload))
	}
	s.implausible(warns)
	if err := s.publish(ctx, rec); err != nil {
		return err
	}
	return s.mark(ctx, rec.GetKey())
}
