package accesslink

import (
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// localLayout is Polar's zone-less local time. time.Parse also accepts a
// fractional second after the seconds field, which Polar sometimes sends.
const localLayout = "2006-01-02T15:04:05"

// maxOffsetMinutes bounds UTC offsets: real ones are within ±14 h.
const maxOffsetMinutes = 18 * 60

// ParseLocalStart turns an exercise's zone-less local start-time and its
// start-time-utc-offset (minutes) into an instant in a fixed zone with
// that offset. A start-time that carries its own zone (RFC 3339) is
// accepted when the offset is absent; with both, the offset field wins
// because it is the documented source.
func ParseLocalStart(startTime string, offsetMinutes *int) (time.Time, error) {
	if offsetMinutes != nil {
		if *offsetMinutes < -maxOffsetMinutes || *offsetMinutes > maxOffsetMinutes {
			return time.Time{}, fmt.Errorf("UTC offset %d min out of range: %w", *offsetMinutes, ErrInvalidTime)
		}
		local, err := time.Parse(localLayout, startTime)
		if err != nil {
			// Tolerate a zone suffix: take its wall clock, use the field's offset.
			zoned, zerr := time.Parse(time.RFC3339Nano, startTime)
			if zerr != nil {
				return time.Time{}, fmt.Errorf("start time %q: %v: %w", startTime, err, ErrInvalidTime)
			}
			local = time.Date(zoned.Year(), zoned.Month(), zoned.Day(), zoned.Hour(), zoned.Minute(),
				zoned.Second(), zoned.Nanosecond(), time.UTC)
		}
		zone := fixedZone(*offsetMinutes * 60)
		return time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(),
			local.Second(), local.Nanosecond(), zone), nil
	}
	zoned, err := time.Parse(time.RFC3339Nano, startTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("start time %q has no UTC offset: %w", startTime, ErrInvalidTime)
	}
	return zoned, nil
}

// parseZoned parses an RFC 3339 timestamp such as Polar's sleep start
// "2020-01-01T00:39:07+03:00".
func parseZoned(what, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: %v: %w", what, s, err, ErrInvalidTime)
	}
	return t, nil
}

// fixedZone returns a zone for a UTC offset, named like "+03:00".
func fixedZone(offsetSeconds int) *time.Location {
	sign := '+'
	o := offsetSeconds
	if o < 0 {
		sign, o = '-', -o
	}
	return time.FixedZone(fmt.Sprintf("%c%02d:%02d", sign, o/3600, o%3600/60), offsetSeconds)
}

func offsetSeconds(t time.Time) int {
	_, off := t.Zone()
	return off
}

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// recordTime converts t, with the UTC offset of its location, to the
// record model's Time.
func recordTime(t time.Time) *pluginapi.Time {
	return &pluginapi.Time{Utc: timestamp(t), UtcOffsetMinutes: int32(offsetSeconds(t) / 60)}
}

// dayStart returns the first instant of the date of day (its year, month
// and day) in loc: local midnight, or, in the few zones whose clocks
// jump forward at midnight (America/Santiago, America/Havana), the
// instant of the jump. Where midnight happens twice (clocks back at
// 01:00), time.Date takes the earlier, which is the first instant.
func dayStart(day time.Time, loc *time.Location) time.Time {
	y, m, d := day.Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if ty, tm, td := t.Date(); ty != y || tm != m || td != d {
		// Midnight falls in a gap and time.Date normalized it back to the
		// day before (23:00): the day begins when that period ends.
		_, end := t.ZoneBounds()
		return end
	}
	return t
}
