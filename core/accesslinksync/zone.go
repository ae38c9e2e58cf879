package accesslinksync

import (
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// zoneWarnEvery is how often at most the source warns about one user's
// zone: every exercise of a traveller would otherwise warn.
const zoneWarnEvery = 24 * time.Hour

// location is the user's zone for the data AccessLink gives no offset
// (cardio load days, a recharge without its night). A stored zone the
// zone database no longer knows is warned about and replaced by the
// machine's, so data keeps flowing.
func (s *Source) location(u accounts.User) *time.Location {
	loc, err := u.Location()
	if err != nil && s.mayWarnZone(u.ID) {
		s.log.Warn("the user's stored time zone is unknown here; using the machine's local zone",
			"user", u.ID, "zone", u.Zone, "err", err,
			"fix", fmt.Sprintf("polarbridge users set-zone %s ZONE", u.ID))
	}
	return loc
}

// checkZone compares the UTC offset Polar reported for an exercise or a
// night (at) with the user's zone's offset at that instant. A mismatch
// means the stored zone is probably wrong (or the user travelled), and
// the zone-less data (cardio load) is placed in the wrong day: it is
// counted every time and logged once a day per user.
func (s *Source) checkZone(u accounts.User, what string, at *pluginapi.Time) {
	if at == nil || at.GetUtc() == nil {
		return
	}
	loc := s.location(u)
	instant := at.GetUtc().AsTime()
	_, off := instant.In(loc).Zone()
	polar := int(at.GetUtcOffsetMinutes())
	if off/60 == polar {
		return
	}
	if s.OnZoneMismatch != nil {
		s.OnZoneMismatch()
	}
	if !s.mayWarnZone(u.ID) {
		return
	}
	s.log.Warn("Polar's UTC offset disagrees with the user's time zone: cardio load days may be placed in the wrong zone",
		"user", u.ID, "zone", u.ZoneName(), "record", what, "at", instant.UTC().Format(time.RFC3339),
		"polar_offset", formatOffset(polar), "zone_offset", formatOffset(off/60),
		"fix", fmt.Sprintf("if the user lives elsewhere: polarbridge users set-zone %s ZONE (an IANA zone such as Europe/Helsinki)", u.ID))
}

// mayWarnZone reports whether a zone warning for user is due, and if so
// notes it.
func (s *Source) mayWarnZone(user string) bool {
	now := s.now()
	s.zoneMu.Lock()
	defer s.zoneMu.Unlock()
	if last, ok := s.zoneWarned[user]; ok && now.Sub(last) < zoneWarnEvery {
		return false
	}
	if s.zoneWarned == nil {
		s.zoneWarned = map[string]time.Time{}
	}
	s.zoneWarned[user] = now
	return true
}

// formatOffset writes minutes east of UTC as "+05:30".
func formatOffset(min int) string {
	sign := '+'
	if min < 0 {
		sign, min = '-', -min
	}
	return fmt.Sprintf("%c%02d:%02d", sign, min/60, min%60)
}
