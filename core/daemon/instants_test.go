package daemon_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
)

type instant struct {
	name string
	at   time.Time
}

// instants are the moments the time-sensitive end-to-end tests run at:
// where the UTC date and a user's local date differ, midnights, DST
// changes (a few minutes after each, so an exercise added "now" spans
// it, and the morning after, so the night synced then spans it), and
// month and year ends.
func instants(t testing.TB) []instant {
	t.Helper()
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return at
	}
	list := []instant{
		{"evening UTC, tomorrow in Helsinki", utc("2026-12-01T21:45:00Z")},
		{"UTC midnight -1m", utc("2026-12-01T23:59:00Z")},
		{"UTC midnight +1m", utc("2026-12-02T00:01:00Z")},
		{"EU spring change +10m", utc("2026-03-29T01:10:00Z")},
		{"EU spring morning after", utc("2026-03-29T06:45:00Z")},
		{"EU autumn change +10m", utc("2026-10-25T01:10:00Z")},
		{"EU autumn morning after", utc("2026-10-25T07:45:00Z")},
		{"US spring change +10m (New York)", utc("2026-03-08T07:10:00Z")},
		{"US spring morning after (Denver)", utc("2026-03-08T15:45:00Z")},
		{"US autumn change +10m (New York)", utc("2026-11-01T06:10:00Z")},
		{"US autumn morning after (Denver)", utc("2026-11-01T15:45:00Z")},
		{"Sydney spring change +10m", utc("2026-10-03T16:10:00Z")},
		{"Sydney spring morning after", utc("2026-10-03T22:45:00Z")},
		{"Sydney autumn change +10m", utc("2026-04-04T16:10:00Z")},
		{"month end in Helsinki, not in UTC", utc("2026-11-30T22:30:00Z")},
		{"year end -1m", utc("2026-12-31T23:59:00Z")},
		{"new year in Honolulu +1m", utc("2027-01-01T10:01:00Z")},
	}
	seen := map[string]bool{}
	for _, zone := range accesslinksim.Zones() {
		if seen[zone] {
			continue
		}
		seen[zone] = true
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		midnight := time.Date(2026, 12, 2, 0, 0, 0, 0, loc)
		list = append(list,
			instant{zone + " midnight -1m", midnight.Add(-time.Minute)},
			instant{zone + " midnight +1m", midnight.Add(time.Minute)})
	}
	return list
}

// TestAccessLinkAtEveryInstant runs the AccessLink paths (backfill,
// webhook → CSV for exercises and nights, a dropped push caught by the
// poller) with one user in every zone the simulator has, at each instant.
// Every instant must export exactly what Polar holds, once, at the
// right absolute times.
func TestAccessLinkAtEveryInstant(t *testing.T) {
	for _, in := range instants(t) {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			testAccessLinkAt(t, in.at)
		})
	}
}

func testAccessLinkAt(t *testing.T, at time.Time) {
	// The history's exercises are manual entries (no FIT to generate and
	// decode): what is timed here is their start, not their samples. The
	// exercises added now have FIT files.
	ps := startPolar(t, polarOpts{at: at, users: len(accesslinksim.Zones()), history: 2,
		sim: []accesslinksim.Option{accesslinksim.WithNoFITProbability(1)}})
	ctx := context.Background()

	// Backfill what the users already have.
	_, err := ps.d.PollOnce(ctx, poller.Scope{Since: ps.clock.Now().AddDate(0, 0, -28)})
	require.NoError(t, err)
	ps.settle()

	// Each user trains and syncs a night now; the first user's pushes
	// are lost, and the catch-up poll finds them.
	for i, u := range ps.users {
		var opts []accesslinksim.PushOption
		if i == 0 {
			opts = append(opts, accesslinksim.Drop())
		}
		_, err := ps.sim.AddExercise(u, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 25 * time.Minute}, opts...)
		require.NoError(t, err)
		_, err = ps.sim.AddSleep(u, opts...)
		require.NoError(t, err)
	}
	ps.settle()
	caughtUpAt := ps.clock.Now()
	ps.poll()
	ps.settle()
	assertMatchesSimulator(t, ps)

	// Nothing is left to find. The clock moves while the client paces
	// itself (a "-1m" instant passes its midnight during the catch-up
	// poll), and a user whose day began meanwhile has a new cardio load
	// day (strain and tolerance are rolling averages, so it has values
	// before any training): a later cycle finds that, and nothing else.
	// Likewise a SleepWise prediction whose period ended meanwhile is
	// history now, a new version of its period.
	results := func() map[string]string {
		m := map[string]string{}
		for _, u := range ps.sim.Users() {
			as, cs := ps.sim.SleepWise(u.ID)
			for _, a := range as {
				m[fmt.Sprint("alertness ", u.ID, a.PeriodStartTime)] = a.ResultType
			}
			for _, c := range cs {
				m[fmt.Sprint("bedtime ", u.ID, c.PeriodStartTime)] = c.ResultType
			}
		}
		return m
	}
	before := results()
	prog := ps.poll()
	becameHistory := 0
	for k, v := range results() {
		if before[k] != v {
			becameHistory++
		}
	}
	assert.LessOrEqual(t, prog.Changed, becameHistory, "a later cycle changes only SleepWise predictions that became history")
	newDays := 0
	for _, u := range ps.sim.Users() {
		if caughtUpAt.In(u.Location).Format(time.DateOnly) != ps.clock.Now().In(u.Location).Format(time.DateOnly) {
			newDays++
		}
	}
	assert.LessOrEqual(t, prog.Queued, newDays, "a later cycle queues only days that began meanwhile")
	ps.settle()
	ps.assertCardioCSV(ps.cardioDays(""))
}

// assertMatchesSimulator checks the CSV export against what the
// simulator holds: every exercise, night and recharge exactly once, with
// its key, local date and absolute start and end.
func assertMatchesSimulator(t *testing.T, ps *polarSetup) {
	t.Helper()
	wantEx, wantSleep, wantRecharge := map[string]string{}, map[string]string{}, map[string]string{}
	for _, u := range ps.users {
		for _, ex := range ps.sim.Exercises(u) {
			_, off := ex.Start.Zone()
			wantEx[fmt.Sprintf("exercise.%d.%s", u, ex.ID)] = fmt.Sprintf("%s %d", ex.Start.UTC().Format(time.RFC3339), off/60)
		}
		for _, n := range ps.sim.Nights(u) {
			wantSleep[fmt.Sprintf("sleep.%d.%s", u, n.Date)] = n.Date + " " + n.Start.UTC().Format(time.RFC3339) + " " + n.End.UTC().Format(time.RFC3339)
			if n.HasRecharge {
				wantRecharge[fmt.Sprintf("nightly_recharge.%d.%s", u, n.Date)] = n.Date
			}
		}
	}
	require.NotEmpty(t, wantEx)
	assert.Equal(t, wantEx, rowsBy(t, ps.csv("exercises.csv"), func(r map[string]string) string {
		return r["start_utc"] + " " + r["utc_offset_min"]
	}), "exercises: key → start (UTC) and offset")
	sleeps := ps.csv("sleep.csv")
	assert.Equal(t, wantSleep, rowsBy(t, sleeps, func(r map[string]string) string {
		return r["date"] + " " + r["start_utc"] + " " + r["end_utc"]
	}), "nights: key → date, start and end (UTC)")
	assert.Equal(t, wantRecharge, rowsBy(t, ps.csv("nightly_recharge.csv"), func(r map[string]string) string {
		return r["date"]
	}), "recharges: key → date")
	assertHypnogramsInsideNights(t, sleeps, ps.csv("sleep_hypnogram.csv"))

	entries, err := dlq.New(ps.d.Bus).List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing dead-lettered")
	assert.Zero(t, ps.sim.Stats().TooManyRequests)
}

// rowsBy maps each row's key to what describe makes of it, failing on a
// key that occurs twice.
func rowsBy(t *testing.T, rows []map[string]string, describe func(map[string]string) string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range rows {
		_, dup := out[r["key"]]
		assert.False(t, dup, "%s exported twice", r["key"])
		out[r["key"]] = describe(r)
	}
	return out
}

// assertHypnogramsInsideNights checks the stage changes, keyed by local
// clock time in Polar's answer, land inside their night in time order:
// an hour lost or repeated by a DST change shows here.
func assertHypnogramsInsideNights(t *testing.T, sleeps, stages []map[string]string) {
	t.Helper()
	bounds := map[string][2]time.Time{}
	for _, s := range sleeps {
		bounds[s["key"]] = [2]time.Time{parseRFC3339(t, s["start_utc"]), parseRFC3339(t, s["end_utc"])}
	}
	times := map[string][]time.Time{}
	for _, st := range stages {
		times[st["key"]] = append(times[st["key"]], parseRFC3339(t, st["time_utc"]))
	}
	for key, ts := range times {
		b, ok := bounds[key]
		require.True(t, ok, "hypnogram of an unknown night %s", key)
		assert.True(t, sort.SliceIsSorted(ts, func(i, j int) bool { return ts[i].Before(ts[j]) }), "%s: stages in time order", key)
		// Polar keys stages by "HH:MM": the first is the minute the night began.
		assert.Equal(t, b[0].Truncate(time.Minute), ts[0], "%s: the first stage starts the night", key)
		assert.False(t, ts[len(ts)-1].After(b[1]), "%s: the last stage is before the night ends", key)
	}
}

func parseRFC3339(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err, "time %q", s)
	return at
}

// TestTeamProAtEveryInstant polls Team Pro (one team per UTC offset the
// simulator uses) at each instant: every session in the lookback and one
// that just ended are exported once, and a second poll finds nothing.
func TestTeamProAtEveryInstant(t *testing.T) {
	for _, in := range instants(t) {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			ts := startTeamPro(t, teamOpts{at: in.at, sim: []teamprosim.Option{
				teamprosim.WithTeams(5), teamprosim.WithPlayers(2), teamprosim.WithSessions(2),
				teamprosim.WithIndividualSessions(0), teamprosim.WithSessionDuration(10 * time.Minute),
				teamprosim.WithSampleRate(1),
			}})
			var want []string
			for _, team := range ts.sim.Teams() {
				_, err := ts.sim.AddSession(team.ID, teamprosim.SessionSpec{})
				require.NoError(t, err)
				for _, s := range ts.sim.Sessions(team.ID) {
					want = append(want, "team_session."+team.ID+"."+s.ID)
					for _, psID := range s.PlayerSessions {
						want = append(want, "player_session."+team.ID+"."+psID)
					}
				}
			}
			prog := ts.poll()
			assert.Equal(t, 15, prog.queued, "5 teams × (2 past sessions + 1 just ended)")
			var got []string
			for _, l := range readLog(t, filepath.Join(ts.dir, "out.jsonl")) {
				got = append(got, l.Key)
			}
			assert.ElementsMatch(t, want, got, "every session and player session exported once")
			assert.Zero(t, ts.poll().queued, "a second poll queues nothing")
		})
	}
}
