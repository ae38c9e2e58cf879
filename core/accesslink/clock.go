package accesslink

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the DST rule below must not depend on the host's zoneinfo

	"github.com/polarbridge/polarbridge/core/plausible"
)

// Night is the time span a night's clock-keyed samples belong to, taken
// from a sleep's sleep_start_time and sleep_end_time (each with its own
// UTC offset).
type Night struct {
	Date       string // Polar's result date, YYYY-MM-DD; may be empty
	Start, End time.Time
}

// Night returns the span of the sleep.
func (s *Sleep) Night() (Night, error) {
	start, err := parseZoned("sleep start", s.SleepStartTime)
	if err != nil {
		return Night{}, err
	}
	end, err := parseZoned("sleep end", s.SleepEndTime)
	if err != nil {
		return Night{}, err
	}
	if err := plausible.CheckSpan("sleep", start, end); err != nil {
		return Night{}, fmt.Errorf("%w: %w", err, ErrInvalidTime)
	}
	if end.Sub(start) > maxNight {
		return Night{}, fmt.Errorf("sleep from %s to %s is longer than %v: %w", s.SleepStartTime, s.SleepEndTime, maxNight, ErrInvalidTime)
	}
	return Night{Date: s.Date, Start: start, End: end}, nil
}

// Timed is a value at an instant; At's location is a fixed zone with the
// UTC offset the device's clock had.
type Timed[V any] struct {
	At    time.Time
	Value V
}

const (
	day = 24 * time.Hour
	// earlySlack lets samples carry a clock time slightly before the
	// sleep start (Polar truncates "00:39:07" to "00:39", and heart rate
	// may be averaged from before falling asleep) without being taken
	// for the next day.
	earlySlack = 30 * time.Minute
	// maxNight keeps a night plus slack inside one day of clock times, so
	// every clock time has one place.
	maxNight = day - 2*earlySlack
)

// ResolveClockTimes places samples keyed by local clock time ("HH:MM" or
// "HH:MM:SS", as in hypnogram, heart_rate_samples, hrv_samples and
// breathing_samples) on the timeline of night, sorted by time.
//
// Window: every sample belongs to the 24 hours (real time, not wall
// clock) that open 30 minutes before the sleep start, so for a night
// starting 22:30 "23:50" comes before "00:10", and "22:10" (just before
// the start) is on the first evening. Map order plays no part.
//
// UTC offset (DST): the clock times are the device's wall clock. When the
// start and end offsets are equal, every sample has that offset. When
// they differ, the clock changed once during the night, at the switch
// instant T: a clock time read with the start offset must fall before T,
// one read with the end offset at or after it. T is found by looking for
// a zone, among the DST-observing zones in dstZones (Europe first), whose
// offsets at the start and end match the night's and which changes offset
// in between; T is that zone's transition. For Europe/Helsinki that puts
// spring-forward samples from "04:00" on in +03:00. On the fall-back
// night a clock time in the repeated hour has two readings inside the
// window; their values collided in Polar's JSON map and the later one
// overwrote the earlier, so the later (post-switch) reading is taken —
// except for the night's own first minute, which is before the switch
// when the night began in the repeated hour's first pass. If no listed
// zone matches (travel, an unlisted zone) T is the sleep end: the device
// is assumed to have taken the new offset when it synced after waking, so
// only clock times past the end get the end offset.
func ResolveClockTimes[V any](samples map[string]V, night Night) ([]Timed[V], error) {
	if len(samples) == 0 {
		return nil, nil
	}
	r := newClockReader(night)
	out := make([]Timed[V], 0, len(samples))
	walk := make([]int, 0, len(samples)) // tie-break for equal instants
	for key, v := range samples {
		sec, err := parseClock(key)
		if err != nil {
			return nil, err
		}
		at, rel := r.place(sec)
		out = append(out, Timed[V]{At: at, Value: v})
		walk = append(walk, rel)
	}
	sortTimed(out, walk)
	return out, nil
}

// clockReader turns a night's clock times into instants.
type clockReader struct {
	night              Night
	startOff, endOff   int // seconds east of UTC
	startZone, endZone *time.Location
	switchAt           time.Time
	open               time.Time // the window's first instant
	openWall           time.Time // its wall clock, as a zone-less (UTC) time
	openSec            int       // openWall's seconds since its midnight
}

func newClockReader(night Night) clockReader {
	startOff, endOff := offsetSeconds(night.Start), offsetSeconds(night.End)
	open := night.Start.Add(-earlySlack)
	openWall := wallClock(open.In(fixedZone(startOff)))
	midnight := time.Date(openWall.Year(), openWall.Month(), openWall.Day(), 0, 0, 0, 0, time.UTC)
	return clockReader{
		night: night, startOff: startOff, endOff: endOff,
		startZone: fixedZone(startOff), endZone: fixedZone(endOff),
		switchAt: night.switchInstant(), open: open, openWall: openWall,
		openSec: int(openWall.Sub(midnight) / time.Second),
	}
}

// place returns the instant of a clock time (seconds since midnight) and
// its position in walking order.
func (r clockReader) place(sec int) (time.Time, int) {
	rel := (sec - r.openSec + 86400) % 86400
	wall := r.openWall.Add(time.Duration(rel) * time.Second)
	if r.endOff == r.startOff {
		return wall.Add(-time.Duration(r.startOff) * time.Second).In(r.startZone), rel
	}
	// The wall clock may stand for an instant on the day before (on a
	// fall-back night the window spans 25 wall-clock hours) or after:
	// take the earliest day with a reading inside the window.
	for _, w := range []time.Time{wall.Add(-day), wall, wall.Add(day)} {
		var found []time.Time
		if at := w.Add(-time.Duration(r.startOff) * time.Second); at.Before(r.switchAt) && r.inWindow(at) {
			found = append(found, at.In(r.startZone))
		}
		if at := w.Add(-time.Duration(r.endOff) * time.Second); !at.Before(r.switchAt) && r.inWindow(at) {
			found = append(found, at.In(r.endZone))
		}
		switch {
		case len(found) == 2 && found[0].Truncate(time.Minute).Equal(r.night.Start.Truncate(time.Minute)):
			return found[0], rel
		case len(found) > 0:
			return found[len(found)-1], rel
		}
	}
	// A clock time the switch skipped: read it as the device would have
	// before the switch.
	return wall.Add(-time.Duration(r.startOff) * time.Second).In(r.startZone), rel
}

func (r clockReader) inWindow(at time.Time) bool {
	return !at.Before(r.open) && at.Before(r.open.Add(day))
}

// sortTimed sorts values by instant, then by walk, deterministically
// whatever the map order was.
func sortTimed[V any](values []Timed[V], walk []int) {
	idx := make([]int, len(values))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(values[a].At.Compare(values[b].At), cmp.Compare(walk[a], walk[b]))
	})
	sorted := make([]Timed[V], len(values))
	for i, j := range idx {
		sorted[i] = values[j]
	}
	copy(values, sorted)
}

// wallClock returns t's wall-clock reading as a zone-less (UTC) time.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// parseClock parses "HH:MM" or "HH:MM:SS" into seconds since midnight.
func parseClock(s string) (int, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("clock time %q: want HH:MM: %w", s, ErrInvalidTime)
	}
	limits := []int{24, 60, 60}
	sec := 0
	for i, p := range parts {
		if len(p) != 2 || !isDigit(p[0]) || !isDigit(p[1]) {
			return 0, fmt.Errorf("clock time %q: want HH:MM: %w", s, ErrInvalidTime)
		}
		n, _ := strconv.Atoi(p)
		if n >= limits[i] {
			return 0, fmt.Errorf("clock time %q out of range: %w", s, ErrInvalidTime)
		}
		sec = sec*60 + n
	}
	if len(parts) == 2 {
		sec *= 60
	}
	return sec, nil
}

// dstZones are the zones consulted to date a night's offset change, most
// likely first. Zones sharing a rule are listed once (Europe/Helsinki
// stands for all of EET).
var dstZones = []string{
	"Europe/Helsinki", "Europe/Berlin", "Europe/London", "Europe/Lisbon",
	"Atlantic/Azores", "Europe/Chisinau",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
	"America/Anchorage", "America/Halifax", "America/St_Johns", "America/Nuuk",
	"America/Havana", "America/Santiago", "America/Asuncion",
	"Australia/Sydney", "Australia/Adelaide", "Australia/Lord_Howe",
	"Pacific/Auckland", "Pacific/Chatham",
	"Asia/Jerusalem", "Asia/Beirut", "Africa/Cairo",
}

var dstLocations = loadZones(dstZones)

func loadZones(names []string) []*time.Location {
	locs := make([]*time.Location, 0, len(names))
	for _, name := range names {
		if loc, err := time.LoadLocation(name); err == nil {
			locs = append(locs, loc)
		}
	}
	return locs
}

// switchInstant returns when the night's UTC offset changed; see
// ResolveClockTimes.
func (n Night) switchInstant() time.Time {
	startOff, endOff := offsetSeconds(n.Start), offsetSeconds(n.End)
	if startOff == endOff {
		return n.End
	}
	for _, loc := range dstLocations {
		if offsetSeconds(n.Start.In(loc)) != startOff || offsetSeconds(n.End.In(loc)) != endOff {
			continue
		}
		_, zoneEnd := n.Start.In(loc).ZoneBounds()
		if zoneEnd.After(n.Start) && !zoneEnd.After(n.End) {
			return zoneEnd
		}
	}
	return n.End
}

// resolveOnDate places clock-keyed samples when no sleep is known, only
// Polar's result date: the night is assumed to end on that date, so clock
// times from 12:00 belong to the evening before and earlier ones to the
// date itself, in loc's wall clock (UTC if nil). Go's zone rules settle
// DST: a clock time repeated or skipped by a transition gets one of the
// two offsets.
func resolveOnDate[V any](samples map[string]V, date string, loc *time.Location) ([]Timed[V], error) {
	if len(samples) == 0 {
		return nil, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return nil, fmt.Errorf("date %q: %v: %w", date, err, ErrInvalidTime)
	}
	out := make([]Timed[V], 0, len(samples))
	walk := make([]int, 0, len(samples))
	for key, v := range samples {
		sec, err := parseClock(key)
		if err != nil {
			return nil, err
		}
		on, rel := d, sec+12*3600
		if sec >= 12*3600 {
			on, rel = d.AddDate(0, 0, -1), sec-12*3600
		}
		at := time.Date(on.Year(), on.Month(), on.Day(), sec/3600, sec%3600/60, sec%60, 0, loc)
		out = append(out, Timed[V]{At: at.In(fixedZone(offsetSeconds(at))), Value: v})
		walk = append(walk, rel)
	}
	sortTimed(out, walk)
	return out, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
