package daemon_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testinflux"
)

// heartRateDay is a day of 24/7 heart rate the simulator serves.
type heartRateDay struct {
	user    int64
	date    string
	samples []accesslinksim.HeartRateSample
}

// heartRateDays are the days with samples a periodic poll lists: each
// user's local yesterday and today.
func (ps *polarSetup) heartRateDays() []heartRateDay {
	var out []heartRateDay
	for _, u := range ps.sim.Users() {
		if !containsID(ps.users, u.ID) {
			continue
		}
		today := ps.clock.Now().In(u.Location)
		for _, d := range []time.Time{today.AddDate(0, 0, -1), today} {
			date := d.Format(time.DateOnly)
			if s := ps.sim.ContinuousHeartRate(u.ID, date); len(s) > 0 {
				out = append(out, heartRateDay{u.ID, date, s})
			}
		}
	}
	return out
}

// heartRateDaysSince are the days with samples from since's date to each
// user's local today: what a backfill exports.
func (ps *polarSetup) heartRateDaysSince(since time.Time) []heartRateDay {
	var out []heartRateDay
	for _, u := range ps.sim.Users() {
		if !containsID(ps.users, u.ID) {
			continue
		}
		first := since.Format(time.DateOnly)
		for d := ps.clock.Now().In(u.Location); d.Format(time.DateOnly) >= first; d = d.AddDate(0, 0, -1) {
			if day := ps.heartRateDay(u.ID, d.Format(time.DateOnly)); len(day.samples) > 0 {
				out = append(out, day)
			}
		}
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// startHeartRate is a daemon whose simulator records 24/7 heart rate
// every 5 s (some 17,000 samples a day), with the CSV plugin writing
// sample files, and a webhook subscribed to CONTINUOUS_HEART_RATE.
func startHeartRate(t testing.TB, at time.Time, history int) *polarSetup {
	t.Helper()
	return startHeartRateWith(t, at, history, `plugins:
  csv:
    path: `+binary(t, "plugins/csv")+`
    config:
      dir: export
      samples: true
`)
}

// startHeartRateWith is startHeartRate with other plugins.
func startHeartRateWith(t testing.TB, at time.Time, history int, plugins string) *polarSetup {
	t.Helper()
	ps := startPolar(t, polarOpts{
		at: at, history: history, noHook: true, plugins: plugins,
		sim: []accesslinksim.Option{accesslinksim.WithContinuousHeartRateInterval(5 * time.Second)},
	})
	ctx := context.Background()
	created, err := ps.client.CreateWebhook(ctx, ps.hookURL, []accesslink.WebhookEvent{accesslink.EventExercise, accesslink.EventSleep, accesslink.EventContinuousHeartRate})
	require.NoError(t, err)
	require.NoError(t, ps.d.Accounts.PutWebhook(ctx, accounts.Webhook{ID: created.ID, Secret: created.SignatureSecretKey}))
	return ps
}

// assertHeartRateCSV checks continuous_heart_rate.csv holds each day
// once, as the simulator serves it now, and each day's samples file
// every sample at its instant with the offset the user's zone had then.
// It returns the rows by date.
func (ps *polarSetup) assertHeartRateCSV(want []heartRateDay) map[string]map[string]string {
	ps.t.Helper()
	rows := ps.csv("continuous_heart_rate.csv")
	byDate := map[string]map[string]string{}
	for _, r := range rows {
		byDate[r["date"]] = r
	}
	require.Len(ps.t, rows, len(want), "one row per day")
	for _, d := range want {
		key := fmt.Sprintf("continuous_heart_rate.%d.%s", d.user, d.date)
		r := byDate[d.date]
		require.NotNil(ps.t, r, key)
		assert.Equal(ps.t, key, r["key"])
		assert.Equal(ps.t, strconv.Itoa(len(d.samples)), r["samples"], d.date)
		assert.Equal(ps.t, d.samples[0].At.UTC().Format(time.RFC3339), r["first_sample_utc"])
		assert.Equal(ps.t, d.samples[len(d.samples)-1].At.Format(time.RFC3339), r["last_sample_local"], "in the user's zone")
		samples := readCSV(ps.t, filepath.Join(ps.dir, "export", "samples", key+".samples.csv"))
		require.Len(ps.t, samples, len(d.samples), d.date)
		for i, s := range d.samples {
			_, off := s.At.Zone()
			if samples[i]["time_utc"] != s.At.UTC().Format(time.RFC3339) || samples[i]["time_local"] != s.At.Format(time.RFC3339) ||
				samples[i]["utc_offset_min"] != strconv.Itoa(off/60) || samples[i]["heart_rate_bpm"] != strconv.Itoa(s.BPM) {
				ps.t.Fatalf("%s sample %d: %v, want %s (%s) %d bpm", d.date, i, samples[i], s.At.UTC().Format(time.RFC3339), s.At.Format(time.RFC3339), s.BPM)
			}
		}
	}
	return byDate
}

// pollHeartRate is a periodic poll of 24/7 heart rate only, so its
// counts are the kind's.
func (ps *polarSetup) pollHeartRate() poller.Progress {
	ps.t.Helper()
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: []string{poller.KindContinuousHeartRate}})
	require.NoError(ps.t, err)
	return prog
}

func (ps *polarSetup) heartRateDay(user int64, date string) heartRateDay {
	return heartRateDay{user, date, ps.sim.ContinuousHeartRate(user, date)}
}

// A signed CONTINUOUS_HEART_RATE push is a row for its day (one call); a
// poll finds yesterday, which Polar never pushed; a later sync whose push
// is lost is found by the next poll and arrives as a new version of
// today: one row, updated.
func TestContinuousHeartRatePushPollAndRecomputedDay(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) // noon in Helsinki
	ps := startHeartRate(t, at, 3)
	user := ps.users[0]
	today := at.In(time.FixedZone("EET", 2*3600)).Format(time.DateOnly)
	yesterday := "2026-11-30"

	require.NoError(t, ps.clock.Sleep(context.Background(), time.Hour))
	dates, err := ps.sim.SyncContinuousHeartRate(user)
	require.NoError(t, err)
	require.Equal(t, []string{today}, dates)
	ps.settle()
	first := ps.assertHeartRateCSV([]heartRateDay{ps.heartRateDay(user, today)})
	st := ps.sim.Stats().Requests
	assert.Equal(t, 1, st["GET /v3/users/continuous-heart-rate/{date}"], "a push costs one call")
	assert.Zero(t, st["GET /v3/users/continuous-heart-rate"])
	n, _ := strconv.Atoi(first[today]["samples"])
	assert.Greater(t, n, 12*600, "13 hours at 5 s, gaps aside")

	// The poll lists yesterday and today in one call; yesterday is new,
	// today taken in by the push is fetched once more and unchanged.
	prog := ps.pollHeartRate()
	ps.settle()
	assert.Equal(t, 1, prog.Queued, "yesterday")
	both := ps.assertHeartRateCSV([]heartRateDay{ps.heartRateDay(user, yesterday), ps.heartRateDay(user, today)})
	assert.Equal(t, first[today]["version"], both[today]["version"])
	st = ps.sim.Stats().Requests
	assert.Equal(t, 1, st["GET /v3/users/continuous-heart-rate"])
	assert.Equal(t, 3, st["GET /v3/users/continuous-heart-rate/{date}"])
	prog = ps.pollHeartRate()
	assert.Zero(t, prog.Queued+prog.Changed, "nothing new")

	// Two more hours synced, the push lost: today is re-computed.
	require.NoError(t, ps.clock.Sleep(context.Background(), 2*time.Hour))
	dates, err = ps.sim.SyncContinuousHeartRate(user, accesslinksim.Drop())
	require.NoError(t, err)
	require.Equal(t, []string{today}, dates)
	prog = ps.pollHeartRate()
	assert.Equal(t, 1, prog.Changed, "today grew")
	ps.settle()
	after := ps.assertHeartRateCSV([]heartRateDay{ps.heartRateDay(user, yesterday), ps.heartRateDay(user, today)})
	assert.NotEqual(t, first[today]["version"], after[today]["version"], "a new version")
	m, _ := strconv.Atoi(after[today]["samples"])
	assert.Greater(t, m, n+2*600)
	assert.Equal(t, both[yesterday]["version"], after[yesterday]["version"])
}

// A backfill lists 24/7 heart rate in 28-day ranges and fetches each
// day once; on Helsinki's fall-back day (25 hours) the repeated hour's
// samples land at their own instants, the second run at +02:00.
func TestContinuousHeartRateBackfillAndDSTDay(t *testing.T) {
	at := time.Date(2026, 10, 27, 12, 0, 0, 0, time.UTC)
	ps := startHeartRate(t, at, 5)
	user := ps.users[0]
	since := at.AddDate(0, 0, -28) // 2026-09-29 to 2026-10-27: 29 days
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: []string{poller.KindContinuousHeartRate}, Since: since})
	require.NoError(t, err)
	ps.settle()
	var want []heartRateDay
	for d := 23; d <= 27; d++ {
		want = append(want, ps.heartRateDay(user, fmt.Sprintf("2026-10-%02d", d)))
	}
	assert.Equal(t, 5, prog.Queued)
	rows := ps.assertHeartRateCSV(want)
	st := ps.sim.Stats().Requests
	assert.Equal(t, 2, st["GET /v3/users/continuous-heart-rate"], "29 days: 2 calls of at most 28")
	assert.Equal(t, 5, st["GET /v3/users/continuous-heart-rate/{date}"], "one per day")

	fall := rows["2026-10-25"]
	assert.Equal(t, "2026-10-24T21:00:00Z", fall["day_start_utc"])
	assert.Equal(t, "2026-10-25T22:00:00Z", fall["day_end_utc"], "25 hours")
	key := fmt.Sprintf("continuous_heart_rate.%d.2026-10-25", user)
	samples := readCSV(t, filepath.Join(ps.dir, "export", "samples", key+".samples.csv"))
	var first, second int
	var prev time.Time
	for _, s := range samples {
		utc, err := time.Parse(time.RFC3339, s["time_utc"])
		require.NoError(t, err)
		require.True(t, utc.After(prev), "strictly increasing")
		prev = utc
		if s["time_local"][11:13] == "03" {
			switch s["utc_offset_min"] {
			case "180":
				first++
			case "120":
				second++
			}
		}
	}
	assert.Greater(t, first, 600, "03:xx EEST")
	assert.Greater(t, second, 600, "03:xx EET, an hour later")
}

// A pushed day is one heart_rate_247 point per sample at its instant, in
// a real InfluxDB: on Helsinki's fall-back day the repeated hour's
// points are an hour apart, not on top of each other. A later sync
// (more samples that day) replaces the day's points: as many points as
// samples, none twice.
func TestContinuousHeartRateToInfluxDB(t *testing.T) {
	influx := testinflux.Start(t)
	influx.CreateDatabase("polar")
	at := time.Date(2026, 10, 25, 19, 0, 0, 0, time.UTC) // 21:00 EET
	ps := startHeartRateWith(t, at, 1, `plugins:
  influxdb:
    path: `+binary(t, "plugins/influxdb")+`
    config:
      url: `+influx.URL+`
      database: polar
      batch_max_points: 5000
`)
	user := ps.users[0]
	const date = "2026-10-25"
	check := func() {
		t.Helper()
		want := ps.sim.ContinuousHeartRate(user, date)
		var got [][]any
		for _, s := range influx.MustQuery("polar", fmt.Sprintf(`SELECT bpm FROM heart_rate_247 WHERE "user" = '%d'`, user)) {
			got = append(got, s.Values...)
		}
		require.Len(t, got, len(want), "one point per sample")
		for i, s := range want {
			if got[i][0] != float64(s.At.UnixMilli()) || got[i][1] != float64(s.BPM) {
				t.Fatalf("point %d: %v, want %s %d bpm", i, got[i], s.At.UTC().Format(time.RFC3339), s.BPM)
			}
		}
	}
	require.NoError(t, ps.clock.Sleep(context.Background(), time.Hour))
	dates, err := ps.sim.SyncContinuousHeartRate(user)
	require.NoError(t, err)
	require.Equal(t, []string{date}, dates)
	ps.settle("influxdb")
	check()
	repeated := influx.MustQuery("polar", fmt.Sprintf(`SELECT count(bpm) FROM heart_rate_247 WHERE "user" = '%d' AND time >= '2026-10-25T00:00:00Z' AND time < '2026-10-25T02:00:00Z'`, user))
	require.Len(t, repeated, 1)
	assert.Greater(t, repeated[0].Values[0][1], float64(2*600), "03:00-04:00 local twice: two hours of instants")

	require.NoError(t, ps.clock.Sleep(context.Background(), time.Hour))
	_, err = ps.sim.SyncContinuousHeartRate(user)
	require.NoError(t, err)
	ps.settle("influxdb")
	check()
}

// A push for a date Polar has no data for (404 "No data found for
// date") is said and counted, not an error; a push with a date that does
// not exist (the docs' own example, 2022-09-31) is dead-lettered with
// what to do, without a call.
func TestContinuousHeartRatePushWithoutData(t *testing.T) {
	ps := startHeartRate(t, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), 2)
	user := ps.users[0]
	ps.sim.PushWebhook(accesslinksim.Event{Type: accesslinksim.EventContinuousHeartRate, UserID: user, Date: "2026-11-20"})
	ps.sim.PushWebhook(accesslinksim.Event{Type: accesslinksim.EventContinuousHeartRate, UserID: user, Date: "2022-09-31"})
	ps.settle()
	assert.Empty(t, ps.csv("continuous_heart_rate.csv"))
	assert.Equal(t, 1.0, counterValue(t, ps.harness, "polarbridge_polar_no_data_total", "continuous_heart_rate"))
	assert.Equal(t, 1, ps.sim.Stats().Requests["GET /v3/users/continuous-heart-rate/{date}"], "the impossible date costs no call")
	entries, err := dlq.New(ps.d.Bus).List(context.Background(), ingest.Name)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Contains(t, entries[0].Error, `"2022-09-31" is not a YYYY-MM-DD date`)
	assert.Contains(t, entries[0].Error, "the next poll finds the day if it exists")
}
