package daemon_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslinksync"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testinflux"
)

const (
	routeActivityCreate = "POST /v3/users/{userID}/activity-transactions"
	routeActivityCommit = "PUT /v3/users/{userID}/activity-transactions/{txID}"
	routeActivityGet    = "GET /v3/users/{userID}/activity-transactions/{txID}/activities/{itemID}"
	routeActivitySteps  = "GET /v3/users/{userID}/activity-transactions/{txID}/activities/{itemID}/step-samples"
	routeActivityZones  = "GET /v3/users/{userID}/activity-transactions/{txID}/activities/{itemID}/zone-samples"
	routePhysicalCreate = "POST /v3/users/{userID}/physical-information-transactions"
	routeNotifications  = "GET /v3/notifications"
)

// localDay is the user's local day n days before the pinned now.
func (ps *polarSetup) localDay(user int64, n int) (string, *time.Location) {
	for _, u := range ps.sim.Users() {
		if u.ID == user {
			return ps.clock.Now().In(u.Location).AddDate(0, 0, -n).Format(time.DateOnly), u.Location
		}
	}
	ps.t.Fatalf("no simulator user %d", user)
	return "", nil
}

func (ps *polarSetup) sync(user int64, spec accesslinksim.ActivitySpec) accesslinksim.ActivitySummary {
	ps.t.Helper()
	s, err := ps.sim.SyncActivity(user, spec)
	require.NoError(ps.t, err)
	return s
}

// dailyRows is daily_activity.csv by date, checking each day is there once.
func (ps *polarSetup) dailyRows() map[string]map[string]string {
	ps.t.Helper()
	out := map[string]map[string]string{}
	for _, r := range ps.csv("daily_activity.csv") {
		require.NotContains(ps.t, out, r["date"], "one row per day")
		out[r["date"]] = r
	}
	return out
}

// A poll finds the activity through the pull notifications, runs one
// transaction, exports a row per day (the latest summary of a day synced
// twice), its samples, and commits.
func TestPollActivityTransactionToCSV(t *testing.T) {
	ps := startPolar(t, polarOpts{noHook: true})
	user := ps.users[0]
	d1, loc := ps.localDay(user, 1)
	d2, _ := ps.localDay(user, 2)
	day1, _ := time.ParseInLocation(time.DateOnly, d1, loc)
	ps.sync(user, accesslinksim.ActivitySpec{Date: d2})
	partial := ps.sync(user, accesslinksim.ActivitySpec{Date: d1, UpTo: day1.Add(12 * time.Hour)})
	require.NoError(t, ps.clock.Sleep(context.Background(), 2*time.Minute))
	full := ps.sync(user, accesslinksim.ActivitySpec{Date: d1, Devices: 2}) // a second device, combined
	require.Greater(t, full.ActiveSteps, partial.ActiveSteps)

	prog := ps.poll()
	assert.Equal(t, 3, prog.Found, "three summaries in the transaction")
	assert.Equal(t, 2, prog.Transacted, "two days published")
	ps.settle()

	rows := ps.dailyRows()
	require.Len(t, rows, 2)
	assert.Equal(t, strconv.Itoa(full.ActiveSteps), rows[d1]["active_steps"], "the latest summary of the day")
	assert.Equal(t, strconv.Itoa(full.Calories), rows[d1]["calories_kcal"])
	assert.Equal(t, ps.localMidnightUTC(user, d1), rows[d1]["day_start_utc"])
	assert.Equal(t, full.Created.UTC().Format(time.RFC3339), rows[d1]["created_utc"])
	steps := 0
	for _, r := range ps.csv("daily_activity_steps.csv") {
		if r["date"] == d1 {
			n, _ := strconv.Atoi(r["steps"])
			steps += n
		}
	}
	assert.Positive(t, steps)
	assert.LessOrEqual(t, steps, full.ActiveSteps, "hourly samples, one left null")
	assert.NotEmpty(t, ps.csv("daily_activity_zones.csv"))
	for _, s := range ps.sim.ActivitySummaries(user) {
		assert.True(t, s.Committed, "committed after publishing")
	}

	st := ps.sim.Stats().Requests
	assert.Equal(t, 1, st[routeNotifications])
	assert.Equal(t, 1, st[routeActivityCreate], "3 summaries < 50: no second transaction this cycle")
	assert.Equal(t, 3, st[routeActivityGet])
	assert.Equal(t, 2, st[routeActivitySteps], "samples only of the summaries that count")
	assert.Equal(t, 2, st[routeActivityZones])
	assert.Equal(t, 1, st[routeActivityCommit])
	assert.Zero(t, st[routePhysicalCreate], "nothing notified")

	// Idle: one notifications call, no transaction.
	before := ps.sim.Stats().Requests
	assert.Zero(t, ps.poll().Transacted)
	after := ps.sim.Stats().Requests
	assert.Equal(t, before[routeNotifications]+1, after[routeNotifications])
	assert.Equal(t, before[routeActivityCreate], after[routeActivityCreate])
}

// A day synced again later is a new version of the day's record: its
// row is replaced. A summary created earlier that reaches the bridge
// after the newer one does not replace it.
func TestRecomputedActivityDayIsNewVersion(t *testing.T) {
	ps := startPolar(t, polarOpts{noHook: true})
	user := ps.users[0]
	today, loc := ps.localDay(user, 0)
	midnight, _ := time.ParseInLocation(time.DateOnly, today, loc)
	require.True(t, ps.clock.Now().After(midnight.Add(12*time.Hour)), "the pinned clock is late in the user's day")
	morning := ps.sync(user, accesslinksim.ActivitySpec{Date: today, UpTo: midnight.Add(10 * time.Hour)})
	ps.poll()
	ps.settle()
	v1 := ps.dailyRows()[today]
	require.NotNil(t, v1)
	assert.Equal(t, strconv.Itoa(morning.ActiveSteps), v1["active_steps"])

	require.NoError(t, ps.clock.Sleep(context.Background(), time.Minute))
	evening := ps.sync(user, accesslinksim.ActivitySpec{Date: today})
	require.Greater(t, evening.ActiveSteps, morning.ActiveSteps)
	assert.Equal(t, 1, ps.poll().Transacted)
	ps.settle()
	v2 := ps.dailyRows()[today]
	assert.NotEqual(t, v1["version"], v2["version"])
	assert.Equal(t, strconv.Itoa(evening.ActiveSteps), v2["active_steps"])

	// A late summary (a device synced with an old day on it).
	ps.sync(user, accesslinksim.ActivitySpec{Date: today, UpTo: midnight.Add(11 * time.Hour), Created: morning.Created.Add(time.Minute)})
	prog := ps.poll()
	assert.Equal(t, 1, prog.Found)
	assert.Zero(t, prog.Transacted, "older than the published one")
	ps.settle()
	assert.Equal(t, v2, ps.dailyRows()[today], "the newer day stays")
	for _, s := range ps.sim.ActivitySummaries(user) {
		assert.True(t, s.Committed)
	}
}

// The records are published, then the commit never reaches Polar (the
// daemon dies, or the PUT fails): the transaction is disbanded after 10
// minutes and its data comes back in a new one. The day is exported once,
// nothing is lost, and the second transaction is committed.
func TestActivityCrashBeforeCommit(t *testing.T) {
	ps := startPolar(t, polarOpts{noHook: true})
	user := ps.users[0]
	d1, _ := ps.localDay(user, 1)
	d2, _ := ps.localDay(user, 2)
	ps.sync(user, accesslinksim.ActivitySpec{Date: d1})
	ps.sync(user, accesslinksim.ActivitySpec{Date: d2})
	pid, err := ps.sim.AddPhysicalInformation(user, accesslinksim.PhysicalSpec{Weight: 72})
	require.NoError(t, err)

	ps.sim.FailCommits(true)
	_, err = ps.d.PollOnce(context.Background(), poller.Scope{})
	require.Error(t, err, "the commit failed")
	assert.ErrorContains(t, err, "records are published")
	ps.settle()
	first := ps.dailyRows()
	require.Len(t, first, 2, "published before the commit")
	require.Len(t, ps.csv("physical_information.csv"), 1)
	for _, s := range ps.sim.ActivitySummaries(user) {
		require.False(t, s.Committed)
	}

	// The daemon restarts; Polar still holds the data.
	ps.sim.FailCommits(false)
	ps.restart()
	require.NoError(t, ps.clock.Sleep(context.Background(), 11*time.Minute))
	before := ps.sim.Stats().Requests
	prog := ps.poll()
	assert.Equal(t, 3, prog.Found, "the same data in a new transaction")
	assert.Zero(t, prog.Transacted, "already published: no new version")
	ps.settle()
	after := ps.sim.Stats().Requests
	assert.Equal(t, before[routeActivityCommit]+1, after[routeActivityCommit])
	assert.Equal(t, before[routeActivitySteps], after[routeActivitySteps], "a day already published is not fetched again")
	assert.Equal(t, first, ps.dailyRows(), "each day once, unchanged")
	phys := ps.csv("physical_information.csv")
	require.Len(t, phys, 1, "the entry once")
	assert.Equal(t, fmt.Sprintf("physical_information.%d.%d", user, pid), phys[0]["key"])
	for _, s := range ps.sim.ActivitySummaries(user) {
		assert.True(t, s.Committed)
	}
	assert.Zero(t, ps.poll().Found, "nothing left")
}

// Physical information end to end: each entry a row with every field,
// committed.
func TestPollPhysicalInformationToCSV(t *testing.T) {
	ps := startPolar(t, polarOpts{noHook: true})
	user := ps.users[0]
	first, err := ps.sim.AddPhysicalInformation(user, accesslinksim.PhysicalSpec{})
	require.NoError(t, err)
	require.NoError(t, ps.clock.Sleep(context.Background(), time.Hour))
	second, err := ps.sim.AddPhysicalInformation(user, accesslinksim.PhysicalSpec{Weight: 70.4, VO2Max: 55, Measured: true})
	require.NoError(t, err)
	assert.Equal(t, 2, ps.poll().Transacted)
	ps.settle()
	rows := map[string]map[string]string{}
	for _, r := range ps.csv("physical_information.csv") {
		rows[r["id"]] = r
	}
	require.Len(t, rows, 2)
	r := rows[strconv.FormatInt(second, 10)]
	require.NotNil(t, r)
	assert.Equal(t, "70.4", r["weight_kg"])
	assert.Equal(t, "55", r["vo2_max"])
	assert.Equal(t, "SOURCE_MEASURED", r["weight_source"])
	for _, col := range []string{"height_cm", "maximum_heart_rate_bpm", "resting_heart_rate_bpm", "aerobic_threshold_bpm", "anaerobic_threshold_bpm", "created_utc"} {
		assert.NotEmpty(t, r[col], col)
		assert.NotEqual(t, "0", r[col], col)
	}
	assert.Equal(t, "SOURCE_USER", rows[strconv.FormatInt(first, 10)]["weight_source"])
	assert.Equal(t, ps.clock.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano), rows[strconv.FormatInt(first, 10)]["created_utc"])
	assert.Equal(t, 1, ps.sim.Stats().Requests["PUT /v3/users/{userID}/physical-information-transactions/{txID}"])
}

// The day the clocks go back (Europe/Helsinki, 2026-10-25) has 25 hourly
// samples at 25 distinct instants, an hour apart.
func TestActivityDSTDayToCSV(t *testing.T) {
	ps := startPolar(t, polarOpts{noHook: true, at: time.Date(2026, 10, 27, 12, 0, 0, 0, time.UTC)})
	user := ps.users[0]
	_, loc := ps.localDay(user, 0)
	require.Equal(t, "Europe/Helsinki", loc.String())
	ps.sync(user, accesslinksim.ActivitySpec{Date: "2026-10-25"})
	ps.poll()
	ps.settle()
	var times []time.Time
	for _, r := range ps.csv("daily_activity_zones.csv") {
		at, err := time.Parse(time.RFC3339, r["time_utc"])
		require.NoError(t, err)
		if len(times) == 0 || !times[len(times)-1].Equal(at) {
			times = append(times, at)
		}
	}
	require.Len(t, times, 25)
	assert.Equal(t, time.Date(2026, 10, 24, 21, 0, 0, 0, time.UTC), times[0], "midnight EEST")
	for i := 1; i < len(times); i++ {
		assert.Equal(t, time.Hour, times[i].Sub(times[i-1]), "sample %d", i)
	}
	assert.Equal(t, "2026-10-24T21:00:00Z", ps.dailyRows()["2026-10-25"]["day_start_utc"])
}

// listerOnly hides the client's Notifications: the poller as it was
// without pull notifications.
type listerOnly struct{ poller.Lister }

// Polar calls per idle cycle over 50 users for the transactional kinds:
// without pull notifications a transaction per user and kind (each a
// 204), with them the one notifications call.
func TestNotificationsGateIdleCycle(t *testing.T) {
	calls := idleCycleCalls(t, 50)
	t.Logf("idle cycle, 50 users, daily activity and physical information: %d Polar calls without pull notifications, %d with", calls.before, calls.after)
	assert.Equal(t, 100, calls.before)
	assert.Equal(t, 1, calls.after)
}

type idleCalls struct{ before, after int }

func idleCycleCalls(t testing.TB, users int) idleCalls {
	ps := startPolar(t, polarOpts{users: users, noHook: true})
	kinds := []string{poller.KindDailyActivity, poller.KindPhysicalInformation}
	all := func() int {
		n := 0
		for route, c := range ps.sim.Stats().Requests {
			if len(route) > 4 && (route[:4] == "GET " || route[:4] == "PUT " || route[:5] == "POST ") && route != "POST /v3/users" && route != "POST /oauth2/token" {
				n += c
			}
		}
		return n
	}
	ctx := context.Background()
	st, err := seen.Open(ctx, ps.d.Bus)
	require.NoError(t, err)
	log := slog.New(slog.DiscardHandler)
	bare := poller.New(ps.d.Bus, listerOnly{ps.client}, ps.d.Accounts, st, log)
	bare.SetTransactor(accesslinksync.New(ps.d.Bus, ps.client, ps.d.Accounts, nil, st, bare, log))
	start := all()
	_, err = bare.Cycle(ctx, poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	var out idleCalls
	out.before = all() - start
	start = all()
	_, err = ps.d.PollOnce(ctx, poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	out.after = all() - start
	return out
}

// BenchmarkActivityCalls reports Polar calls per exported record of
// daily activity and physical information, beside the minimum the
// transaction model allows: per transaction create + list + commit, then
// per day 1 summary + 2 sample calls, per physical entry 1 call. And the
// idle cycle for 50 users before and after pull notifications.
func BenchmarkActivityCalls(b *testing.B) {
	for range b.N {
		ps := startPolar(b, polarOpts{noHook: true})
		user := ps.users[0]
		const days = 20
		for i := 1; i <= days; i++ {
			d, _ := ps.localDay(user, i)
			if _, err := ps.sim.SyncActivity(user, accesslinksim.ActivitySpec{Date: d}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := ps.sim.AddPhysicalInformation(user, accesslinksim.PhysicalSpec{}); err != nil {
			b.Fatal(err)
		}
		before := ps.sim.Stats().Requests
		prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: []string{poller.KindDailyActivity, poller.KindPhysicalInformation}})
		if err != nil {
			b.Fatal(err)
		}
		after := ps.sim.Stats().Requests
		calls := 0
		for route, c := range after {
			if route != "POST /v3/users" && route != "POST /oauth2/token" {
				calls += c - before[route]
			}
		}
		// The minimum: 1 notifications + (create, list, commit) × 2
		// kinds + 3 per day + 1 per physical entry.
		minimum := 1 + 3*2 + 3*days + 1
		b.ReportMetric(float64(calls)/float64(prog.Transacted), "polar-calls/record")
		b.ReportMetric(float64(minimum)/float64(days+1), "min-calls/record")
		ps.stop()
	}
	calls := idleCycleCalls(b, 50)
	b.ReportMetric(float64(calls.before), "idle-calls-50-users-before")
	b.ReportMetric(float64(calls.after), "idle-calls-50-users-after")
}

// Daily activity and physical information into a real InfluxDB: a day
// synced again replaces its point (one per day, the latest steps), its
// step samples are the new version's, and each physical entry is a
// point.
func TestActivityToInfluxDB(t *testing.T) {
	influx := testinflux.Start(t)
	influx.CreateDatabase("polar")
	ps := startPolar(t, polarOpts{noHook: true, plugins: `plugins:
  influxdb:
    path: ` + binary(t, "plugins/influxdb") + `
    config:
      url: ` + influx.URL + `
      database: polar
`})
	user := ps.users[0]
	today, loc := ps.localDay(user, 0)
	midnight, _ := time.ParseInLocation(time.DateOnly, today, loc)
	ps.sync(user, accesslinksim.ActivitySpec{Date: today, UpTo: midnight.Add(10 * time.Hour)})
	_, err := ps.sim.AddPhysicalInformation(user, accesslinksim.PhysicalSpec{Weight: 74.2})
	require.NoError(t, err)
	ps.poll()
	ps.settle("influxdb")
	require.NoError(t, ps.clock.Sleep(context.Background(), time.Minute))
	full := ps.sync(user, accesslinksim.ActivitySpec{Date: today})
	ps.poll()
	ps.settle("influxdb")

	q := func(query string) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, s := range influx.MustQuery("polar", query) {
			for _, v := range s.Values {
				row := map[string]any{}
				for i, c := range s.Columns {
					row[c] = v[i]
				}
				out = append(out, row)
			}
		}
		return out
	}
	days := q(`SELECT * FROM daily_activity`)
	require.Len(t, days, 1, "one point per day, whatever the versions")
	assert.Equal(t, today, days[0]["date"])
	assert.Equal(t, float64(full.ActiveSteps), days[0]["active_steps"])
	assert.Equal(t, float64(midnight.UnixMilli()), days[0]["time"], "at the user's local midnight")
	sum := q(`SELECT sum(steps) FROM activity_steps`)
	require.Len(t, sum, 1)
	assert.Positive(t, sum[0]["sum"])
	assert.LessOrEqual(t, sum[0]["sum"], float64(full.ActiveSteps))
	assert.NotEmpty(t, q(`SELECT * FROM activity_zones`))
	phys := q(`SELECT * FROM physical_information`)
	require.Len(t, phys, 1)
	assert.Equal(t, 74.2, phys[0]["weight_kg"])
	assert.Equal(t, fmt.Sprint(user), phys[0]["user"])
}

// A summary the bridge cannot read: the other days are exported, the
// transaction is not committed (Polar keeps the bad one, nothing is
// lost), and the error says so.
func TestMalformedActivityIsKeptAtPolar(t *testing.T) {
	ps := startPolar(t, polarOpts{noHook: true})
	user := ps.users[0]
	d1, _ := ps.localDay(user, 1)
	d2, _ := ps.localDay(user, 2)
	ps.sync(user, accesslinksim.ActivitySpec{Date: d1})
	bad := ps.sync(user, accesslinksim.ActivitySpec{Date: d2, Malformed: true})
	_, err := ps.d.PollOnce(context.Background(), poller.Scope{})
	require.Error(t, err)
	assert.ErrorContains(t, err, fmt.Sprintf("activity summary %d", bad.ID))
	assert.ErrorContains(t, err, "left at Polar")
	ps.settle()
	rows := ps.dailyRows()
	assert.Contains(t, rows, d1, "the good day is exported")
	assert.NotContains(t, rows, d2)
	assert.Zero(t, ps.sim.Stats().Requests[routeActivityCommit], "not committed")
	for _, s := range ps.sim.ActivitySummaries(user) {
		assert.False(t, s.Committed, "Polar keeps %s", s.Date)
	}
}

// Fetching takes longer than the transaction's 10 minutes (the clock
// jumps once the last samples are fetched): the commit gets 404, the records
// are published anyway, and the next cycle's transaction, which skips the
// days already published, commits.
func TestActivityTransactionDisbandedBeforeCommit(t *testing.T) {
	clock := pinnedClock(time.Time{})
	var once sync.Once
	ps := startPolar(t, polarOpts{noHook: true, clock: clock, wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			if strings.HasSuffix(r.URL.Path, "/zone-samples") {
				once.Do(func() { _ = clock.Sleep(context.Background(), 11*time.Minute) })
			}
		})
	}})
	user := ps.users[0]
	d1, _ := ps.localDay(user, 1)
	ps.sync(user, accesslinksim.ActivitySpec{Date: d1})
	_, err := ps.d.PollOnce(context.Background(), poller.Scope{})
	require.Error(t, err)
	assert.ErrorContains(t, err, "disbanded it before the commit")
	ps.settle()
	first := ps.dailyRows()
	require.Contains(t, first, d1)

	prog := ps.poll()
	assert.Equal(t, 1, prog.Found)
	ps.settle()
	assert.Equal(t, first, ps.dailyRows())
	st := ps.sim.Stats().Requests
	assert.Equal(t, 1, st[routeActivityZones], "not fetched again")
	assert.Equal(t, 2, st[routeActivityCommit], "the 404, then the commit")
	for _, s := range ps.sim.ActivitySummaries(user) {
		assert.True(t, s.Committed)
	}
}
