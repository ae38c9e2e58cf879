package accesslink

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// inZone is the instant of a wall-clock time in loc, per the tz database:
// the independent truth the resolver is checked against.
func inZone(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

type wantTimed struct {
	key       string
	at        time.Time
	offsetMin int
}

func checkResolved(t *testing.T, night Night, want []wantTimed) {
	t.Helper()
	samples := map[string]float64{}
	for i, w := range want {
		samples[w.key] = float64(i) // value = expected position
	}
	got, err := ResolveClockTimes(samples, night)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i, w := range want {
		assert.Equal(t, float64(i), got[i].Value, "position of %s", w.key)
		assert.True(t, w.at.Equal(got[i].At), "%s: got %s, want %s", w.key, got[i].At.UTC(), w.at.UTC())
		_, off := got[i].At.Zone()
		assert.Equal(t, w.offsetMin, off/60, "%s offset", w.key)
	}
}

func TestResolveClockTimesNoDST(t *testing.T) {
	t.Run("begins after midnight (docs example)", func(t *testing.T) {
		night := Night{Start: mustParse(t, "2020-01-01T00:39:07+03:00"), End: mustParse(t, "2020-01-01T09:19:37+03:00")}
		checkResolved(t, night, []wantTimed{
			{"00:20", mustParse(t, "2020-01-01T00:20:00+03:00"), 180}, // just before start: same night
			{"00:39", mustParse(t, "2020-01-01T00:39:00+03:00"), 180},
			{"00:50", mustParse(t, "2020-01-01T00:50:00+03:00"), 180},
			{"01:23", mustParse(t, "2020-01-01T01:23:00+03:00"), 180},
			{"09:19", mustParse(t, "2020-01-01T09:19:00+03:00"), 180},
		})
	})
	t.Run("begins before midnight", func(t *testing.T) {
		night := Night{Start: mustParse(t, "2024-06-01T22:30:00+03:00"), End: mustParse(t, "2024-06-02T06:45:00+03:00")}
		checkResolved(t, night, []wantTimed{
			{"22:10", mustParse(t, "2024-06-01T22:10:00+03:00"), 180},
			{"22:30", mustParse(t, "2024-06-01T22:30:00+03:00"), 180},
			{"23:50", mustParse(t, "2024-06-01T23:50:00+03:00"), 180},
			{"00:00", mustParse(t, "2024-06-02T00:00:00+03:00"), 180},
			{"00:10", mustParse(t, "2024-06-02T00:10:00+03:00"), 180},
			{"06:45:30", mustParse(t, "2024-06-02T06:45:30+03:00"), 180},
		})
	})
	t.Run("negative offset, crosses UTC midnight", func(t *testing.T) {
		night := Night{Start: mustParse(t, "2024-06-01T21:00:00-07:00"), End: mustParse(t, "2024-06-02T05:00:00-07:00")}
		checkResolved(t, night, []wantTimed{
			{"21:00", mustParse(t, "2024-06-02T04:00:00Z"), -420},
			{"23:59", mustParse(t, "2024-06-02T06:59:00Z"), -420},
			{"04:55", mustParse(t, "2024-06-02T11:55:00Z"), -420},
		})
	})
}

func TestResolveClockTimesDST(t *testing.T) {
	helsinki := mustLoad(t, "Europe/Helsinki")
	newYork := mustLoad(t, "America/New_York")
	sydney := mustLoad(t, "Australia/Sydney")

	t.Run("Helsinki spring forward", func(t *testing.T) {
		// 2024-03-31 03:00 EET → 04:00 EEST.
		night := Night{
			Start: inZone(helsinki, 2024, 3, 30, 23, 10),
			End:   inZone(helsinki, 2024, 3, 31, 7, 20),
		}
		require.Equal(t, "2024-03-30T23:10:00+02:00", night.Start.Format(time.RFC3339))
		require.Equal(t, "2024-03-31T07:20:00+03:00", night.End.Format(time.RFC3339))
		checkResolved(t, night, []wantTimed{
			{"22:50", inZone(helsinki, 2024, 3, 30, 22, 50), 120},
			{"23:50", inZone(helsinki, 2024, 3, 30, 23, 50), 120},
			{"00:10", inZone(helsinki, 2024, 3, 31, 0, 10), 120},
			{"02:55", inZone(helsinki, 2024, 3, 31, 2, 55), 120},
			{"04:00", inZone(helsinki, 2024, 3, 31, 4, 0), 180},
			{"04:05", inZone(helsinki, 2024, 3, 31, 4, 5), 180},
			{"07:15", inZone(helsinki, 2024, 3, 31, 7, 15), 180},
		})
		// The hour after the jump is only 55 minutes after the last
		// pre-jump sample.
		got, err := ResolveClockTimes(map[string]int{"02:55": 1, "04:00": 2}, night)
		require.NoError(t, err)
		assert.Equal(t, 5*time.Minute, got[1].At.Sub(got[0].At))
	})

	t.Run("Helsinki fall back", func(t *testing.T) {
		// 2024-10-27 04:00 EEST → 03:00 EET; 03:00–03:59 happens twice.
		night := Night{
			Start: inZone(helsinki, 2024, 10, 26, 23, 0),
			End:   inZone(helsinki, 2024, 10, 27, 7, 0),
		}
		require.Equal(t, "2024-10-26T23:00:00+03:00", night.Start.Format(time.RFC3339))
		require.Equal(t, "2024-10-27T07:00:00+02:00", night.End.Format(time.RFC3339))
		checkResolved(t, night, []wantTimed{
			{"23:00", inZone(helsinki, 2024, 10, 26, 23, 0), 180},
			{"02:55", inZone(helsinki, 2024, 10, 27, 2, 55), 180},
			// Repeated hour: the later (post-switch) reading, by rule.
			{"03:30", mustParse(t, "2024-10-27T03:30:00+02:00"), 120},
			{"04:00", inZone(helsinki, 2024, 10, 27, 4, 0), 120},
			{"06:55", inZone(helsinki, 2024, 10, 27, 6, 55), 120},
		})
	})

	t.Run("New York spring forward", func(t *testing.T) {
		// 2024-03-10 02:00 EST → 03:00 EDT.
		night := Night{Start: inZone(newYork, 2024, 3, 9, 23, 0), End: inZone(newYork, 2024, 3, 10, 7, 0)}
		checkResolved(t, night, []wantTimed{
			{"23:00", inZone(newYork, 2024, 3, 9, 23, 0), -300},
			{"01:55", inZone(newYork, 2024, 3, 10, 1, 55), -300},
			{"03:05", inZone(newYork, 2024, 3, 10, 3, 5), -240},
			{"06:00", inZone(newYork, 2024, 3, 10, 6, 0), -240},
		})
	})

	t.Run("Berlin fall back, asleep inside the repeated hour", func(t *testing.T) {
		// 2026-10-25 03:00 CEST → 02:00 CET. The night starts at 02:53
		// CEST (00:53Z), in the first pass of the repeated hour; "02:10"
		// can only be the second pass (01:10Z), not the next night, and
		// the start minute is the first pass.
		berlin := mustLoad(t, "Europe/Berlin")
		start := time.Date(2026, 10, 25, 0, 53, 27, 0, time.UTC).In(berlin)
		night := Night{Start: start, End: inZone(berlin, 2026, 10, 25, 8, 10)}
		checkResolved(t, night, []wantTimed{
			{"02:53", mustParse(t, "2026-10-25T00:53:00Z"), 120},
			{"02:10", mustParse(t, "2026-10-25T01:10:00Z"), 60},
			{"02:40", mustParse(t, "2026-10-25T01:40:00Z"), 60},
			{"02:57", mustParse(t, "2026-10-25T01:57:00Z"), 60}, // collided: the later reading
			{"03:05", mustParse(t, "2026-10-25T02:05:00Z"), 60},
			{"08:10", inZone(berlin, 2026, 10, 25, 8, 10), 60},
		})
	})

	t.Run("Sydney fall back", func(t *testing.T) {
		// 2024-04-07 03:00 AEDT → 02:00 AEST.
		night := Night{Start: inZone(sydney, 2024, 4, 6, 22, 0), End: inZone(sydney, 2024, 4, 7, 6, 30)}
		checkResolved(t, night, []wantTimed{
			{"22:00", inZone(sydney, 2024, 4, 6, 22, 0), 660},
			{"01:55", inZone(sydney, 2024, 4, 7, 1, 55), 660},
			{"03:00", inZone(sydney, 2024, 4, 7, 3, 0), 600},
			{"06:00", inZone(sydney, 2024, 4, 7, 6, 0), 600},
		})
	})

	t.Run("offset change no zone explains", func(t *testing.T) {
		// Travel: +00:00 at sleep, +02:00 at wake in June. The device is
		// taken to switch at sync after waking (the end).
		night := Night{Start: mustParse(t, "2024-06-09T23:00:00Z"), End: mustParse(t, "2024-06-10T09:00:00+02:00")}
		checkResolved(t, night, []wantTimed{
			{"23:30", mustParse(t, "2024-06-09T23:30:00Z"), 0},
			{"06:30", mustParse(t, "2024-06-10T06:30:00Z"), 0},
			{"09:00", mustParse(t, "2024-06-10T09:00:00+02:00"), 120},
		})
	})
}

func TestResolveClockTimesRejects(t *testing.T) {
	night := Night{Start: mustParse(t, "2024-06-01T22:30:00+03:00"), End: mustParse(t, "2024-06-02T06:45:00+03:00")}
	for _, key := range []string{"24:00", "1:00", "aa:bb", "12:60", "12", "12:00:60", "12:00:00:00", "", "-1:00"} {
		_, err := ResolveClockTimes(map[string]int{"23:00": 1, key: 2}, night)
		assert.ErrorIs(t, err, ErrInvalidTime, key)
	}
	got, err := ResolveClockTimes(map[string]int(nil), night)
	assert.NoError(t, err)
	assert.Empty(t, got)
}

func TestSleepNight(t *testing.T) {
	s := wantDocSleep()
	n, err := s.Night()
	require.NoError(t, err)
	assert.Equal(t, "2020-01-01", n.Date)
	assert.True(t, n.Start.Equal(mustParse(t, "2019-12-31T21:39:07Z")))

	for name, mod := range map[string]func(*Sleep){
		"bad start":      func(s *Sleep) { s.SleepStartTime = "2020-01-01T00:39:07" },
		"bad end":        func(s *Sleep) { s.SleepEndTime = "" },
		"end before":     func(s *Sleep) { s.SleepEndTime = "2019-12-31T23:00:00+03:00" },
		"longer than 23": func(s *Sleep) { s.SleepEndTime = "2020-01-02T00:39:07+03:00" },
	} {
		t.Run(name, func(t *testing.T) {
			s := wantDocSleep()
			mod(&s)
			_, err := s.Night()
			assert.ErrorIs(t, err, ErrInvalidTime)
		})
	}
}

func TestParseLocalStart(t *testing.T) {
	off := func(m int) *int { return &m }
	tests := []struct {
		name, in  string
		offset    *int
		wantUTC   string
		wantOffMn int
	}{
		{"docs example", "2008-10-13T10:40:02", off(180), "2008-10-13T07:40:02Z", 180},
		{"fraction", "2008-10-13T10:40:02.500", off(180), "2008-10-13T07:40:02.5Z", 180},
		{"negative offset across midnight", "2024-01-01T20:00:00", off(-300), "2024-01-02T01:00:00Z", -300},
		{"half-hour offset", "2024-01-01T06:00:00", off(330), "2024-01-01T00:30:00Z", 330},
		{"zoned string, offset field wins", "2024-01-01T06:00:00Z", off(60), "2024-01-01T05:00:00Z", 60},
		{"zoned string, no offset field", "2024-01-01T06:00:00+02:00", nil, "2024-01-01T04:00:00Z", 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLocalStart(tt.in, tt.offset)
			require.NoError(t, err)
			assert.Equal(t, tt.wantUTC, got.UTC().Format(time.RFC3339Nano))
			_, o := got.Zone()
			assert.Equal(t, tt.wantOffMn, o/60)
		})
	}
	for name, c := range map[string]struct {
		in     string
		offset *int
	}{
		"no offset":      {"2008-10-13T10:40:02", nil},
		"garbage":        {"yesterday", off(0)},
		"offset too big": {"2008-10-13T10:40:02", off(24 * 60)},
		"date only":      {"2008-10-13", off(0)},
	} {
		_, err := ParseLocalStart(c.in, c.offset)
		assert.ErrorIs(t, err, ErrInvalidTime, name)
	}
}
