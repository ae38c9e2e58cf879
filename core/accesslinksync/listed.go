package accesslinksync

import (
	"context"
	"fmt"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/source"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// listedEvents are the SleepWise and biosensing events, as Events lists
// them.
func listedEvents() []string {
	return []string{string(accesslink.EventSkinTemperature), string(accesslink.EventSkinContacts),
		string(accesslink.EventECGTest), string(accesslink.EventSpO2Test)}
}

// listed takes in a SleepWise or biosensing event: the entry it carries
// (the poller's, no call), or, for Polar's SLEEP_WISE_* push, the
// announced from..to with one ranged call per 28 days (one, for what
// Polar announces). Each entry becomes a record, published only when its
// content changed.
func (s *Source) listed(ctx context.Context, u accounts.User, p *accesslink.WebhookPayload) error {
	kind := accesslink.ListedKinds[p.Event]
	if len(p.Data) > 0 {
		return s.takeListed(ctx, u, kind, p.Data)
	}
	from, err := accesslink.LenientDate(p.From)
	if err != nil {
		return source.Permanent(fmt.Errorf("%s push from: %w", p.Event, err))
	}
	to, err := accesslink.LenientDate(p.To)
	if err != nil {
		return source.Permanent(fmt.Errorf("%s push to: %w", p.Event, err))
	}
	if to.Before(from) {
		return source.Permanent(fmt.Errorf("%s push ends (%s) before it starts (%s): %w", p.Event, p.To, p.From, accesslink.ErrInvalidPayload))
	}
	fetch := s.polar.SleepWiseAlertnessRange
	if p.Event == accesslink.EventSleepWiseCircadianBedtime {
		fetch = s.polar.SleepWiseCircadianBedtimeRange
	}
	found := 0
	for _, r := range accesslink.DateRanges(from, to) {
		raws, err := fetch(ctx, u.AccessToken, r.From, r.To)
		if err != nil {
			return fmt.Errorf("fetch %s %s..%s: %w", p.Event, r.From, r.To, err)
		}
		for _, raw := range raws {
			if err := s.takeListed(ctx, u, kind, raw); err != nil {
				return err
			}
		}
		found += len(raws)
	}
	if found == 0 {
		s.noData(u, kind.String(), p.From+".."+p.To)
	}
	return nil
}

// takeListed normalizes, publishes and marks one entry.
func (s *Source) takeListed(ctx context.Context, u accounts.User, kind pluginapi.RecordKind, raw []byte) error {
	rec, warns, err := accesslink.NormalizeListed(kind, u.ID, raw, s.location(u), s.now())
	if err != nil {
		return source.Permanent(fmt.Errorf("normalize %s: %w", kind, err))
	}
	s.implausible(warns)
	s.checkZone(u, rec.GetKey(), polarOffsetTime(rec))
	if err := s.publish(ctx, rec); err != nil {
		return err
	}
	return s.mark(ctx, rec.GetKey())
}

// polarOffsetTime is the time of a record that carries Polar's own UTC
// offset (SleepWise's sleep_timezone_offset_minutes, a test's
// time_zone_offset), to cross-check the user's zone with; nil for the
// kinds Polar gives none.
func polarOffsetTime(r *pluginapi.Record) *pluginapi.Time {
	switch {
	case r.GetSleepwiseAlertness() != nil:
		return r.GetSleepwiseAlertness().GetPeriodStart()
	case r.GetSleepwiseCircadianBedtime() != nil:
		return r.GetSleepwiseCircadianBedtime().GetPeriodStart()
	case r.GetEcgTest() != nil:
		return r.GetEcgTest().GetTestTime()
	case r.GetSpo2Test() != nil:
		return r.GetSpo2Test().GetTestTime()
	}
	return nil
}
