package accesslink

import (
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// NormalizeContinuousHeartRate decodes one day of 24/7 heart rate and
// builds its record; see ContinuousHeartRateRecord.
func NormalizeContinuousHeartRate(userID string, dayJSON []byte, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	c, err := DecodeContinuousHeartRate(dayJSON)
	if err != nil {
		return nil, nil, err
	}
	return ContinuousHeartRateRecord(userID, c, loc, now)
}

// sampleTimeRange is how a sample's clock time must be: a second of the
// local day, later than the sample before. Warnings name it.
var sampleTimeRange = plausible.Range{Min: 0, Max: 86399, Unit: "s of the local day, increasing"}

// ContinuousHeartRateRecord builds the record for a day of 24/7 heart
// rate: kind CONTINUOUS_HEART_RATE, key
// "continuous_heart_rate.<user>.<date>".
//
// AccessLink gives each sample a device clock time on the date and no
// offset: loc is the user's zone (nil: UTC), and a sample is the instant
// its clock time names there. Where the clocks go back, a clock time
// names two instants: samples take the earlier until the clock times go
// backwards within the day, the later from then on, so samples stay
// strictly increasing. A clock time the day does not have (in the hour
// skipped where clocks go forward), or one that is not later than the
// sample before and names no later instant, is dropped and counted in
// a warning on "sample_time"; a heart rate outside plausible.HeartRate
// is dropped with a warning on "heart_rate". A malformed clock time is
// an error wrapping ErrInvalidTime; a date outside plausible.Earliest to
// plausible.MaxAhead after now an error wrapping plausible.ErrImpossible.
func ContinuousHeartRateRecord(userID string, c *ContinuousHeartRate, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	if loc == nil {
		loc = time.UTC
	}
	if userID == "" || c.Date == "" {
		return nil, nil, fmt.Errorf("continuous heart rate record needs user id and date (got %q, %q): %w", userID, c.Date, ErrInvalidPayload)
	}
	if err := plausible.CheckDate("date", c.Date, now); err != nil {
		return nil, nil, fmt.Errorf("continuous heart rate: %w: %w", err, ErrInvalidTime)
	}
	day, err := time.Parse(time.DateOnly, c.Date)
	if err != nil {
		return nil, nil, fmt.Errorf("continuous heart rate date %q: %v: %w", c.Date, err, ErrInvalidTime)
	}
	key := pluginapi.ContinuousHeartRateKey(userID, c.Date)
	ch := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE, key)
	start, end := dayStart(day, loc), dayStart(day.AddDate(0, 0, 1), loc)
	segs := zoneSegments(start, end)
	wallMidnight := day.UnixMilli() // the date's 00:00 as if it were UTC

	startMs := start.UnixMilli()
	series := &pluginapi.Series{
		Type:     pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
		Start:    timestamppb.New(start),
		OffsetMs: make([]int64, 0, len(c.Samples)),
		Values:   make([]float64, 0, len(c.Samples)),
	}
	var offsets []*pluginapi.UtcOffsetChange
	var badTime plausible.Warning
	prev := startMs - 1
	for i, s := range c.Samples {
		if !s.SampleTime.Valid() {
			return nil, nil, fmt.Errorf("continuous heart rate %s, sample %d: sample_time %q is not HH:MM:SS: %w", c.Date, i, s.SampleTime.Raw, ErrInvalidTime)
		}
		ms := s.SampleTime.Millis
		at, offMs, ok := placeClock(segs, wallMidnight+ms, prev)
		if !ok {
			if badTime.Count == 0 {
				badTime = plausible.Warning{Kind: pluginapi.KindName(pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE),
					Record: key, Field: "sample_time", Value: float64(ms / 1000), Range: sampleTimeRange}
			}
			badTime.Count++
			continue
		}
		prev = at
		if !ch.Keep("heart_rate", s.HeartRate, plausible.HeartRate) {
			continue
		}
		if off := int32(offMs / 60000); len(offsets) == 0 || offsets[len(offsets)-1].UtcOffsetMinutes != off {
			offsets = append(offsets, &pluginapi.UtcOffsetChange{Index: int32(len(series.Values)), UtcOffsetMinutes: off})
		}
		series.OffsetMs = append(series.OffsetMs, at-startMs)
		series.Values = append(series.Values, s.HeartRate)
	}
	warns := ch.Warnings()
	if badTime.Count > 0 {
		warns = append(warns, badTime)
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE,
		Key:    key,
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_ContinuousHeartRate{ContinuousHeartRate: &pluginapi.ContinuousHeartRate{
			Date:       c.Date,
			DayStart:   recordTime(start),
			DayEnd:     recordTime(end),
			Zone:       loc.String(),
			HeartRate:  series,
			UtcOffsets: offsets,
			PolarUser:  c.PolarUser,
		}},
	}, warns, nil
}

// zoneSegment is a stretch of a day with one UTC offset: instants from
// from to to (Unix ms), whose wall clocks are from+off to to+off.
type zoneSegment struct{ from, to, off int64 }

// zoneSegments splits start..end (in their location) where the UTC
// offset changes: one segment on most days, two on a DST day.
func zoneSegments(start, end time.Time) []zoneSegment {
	var segs []zoneSegment
	for t := start; t.Before(end); {
		_, off := t.Zone()
		to := end
		if _, next := t.ZoneBounds(); !next.IsZero() && next.Before(end) {
			to = next
		}
		segs = append(segs, zoneSegment{from: t.UnixMilli(), to: to.UnixMilli(), off: int64(off) * 1000})
		t = to
	}
	return segs
}

// placeClock returns the earliest instant after prev whose wall clock
// (wall, the clock time as if it were UTC, in ms) is wall, and that
// instant's offset. ok is false when the day has no such instant.
func placeClock(segs []zoneSegment, wall, prev int64) (at, off int64, ok bool) {
	for _, s := range segs {
		if wall < s.from+s.off || wall >= s.to+s.off {
			continue
		}
		if at := wall - s.off; at > prev {
			return at, s.off, true
		}
	}
	return 0, 0, false
}

// parseClockMillis parses "HH:MM:SS" (a fraction of a second allowed, as
// Polar sometimes sends) into milliseconds since midnight. It avoids
// time.Parse: a day has some 17,000 samples.
func parseClockMillis[T string | []byte](s T) (int64, bool) {
	bad := func() (int64, bool) { return 0, false }
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return bad()
	}
	num := func(a, b byte) (int64, bool) {
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return 0, false
		}
		return int64(a-'0')*10 + int64(b-'0'), true
	}
	h, ok1 := num(s[0], s[1])
	m, ok2 := num(s[3], s[4])
	sec, ok3 := num(s[6], s[7])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return bad()
	}
	ms := ((h*60+m)*60 + sec) * 1000
	if rest := s[8:]; len(rest) > 0 {
		if rest[0] != '.' || len(rest) == 1 {
			return bad()
		}
		scale := int64(100)
		for i := 1; i < len(rest); i++ {
			d := rest[i]
			if d < '0' || d > '9' {
				return bad()
			}
			ms += int64(d-'0') * scale
			scale /= 10
		}
	}
	return ms, true
}
