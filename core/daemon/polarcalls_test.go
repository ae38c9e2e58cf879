package daemon_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// Routes of the exercise endpoints, as the simulator counts them.
const (
	routeExerciseList = "GET /v3/exercises"
	routeExercise     = "GET /v3/exercises/{exerciseID}"
	routeFIT          = "GET /v3/exercises/{exerciseID}/fit"
	routeTCX          = "GET /v3/exercises/{exerciseID}/tcx"
	routeGPX          = "GET /v3/exercises/{exerciseID}/gpx"
)

// exerciseCase is what Polar holds for one exercise.
type exerciseCase struct {
	name       string
	fitMissing bool // FIT answers 204 (the samples, TCX and GPX are there)
	tcxMissing bool // TCX answers 204 too
	route      bool // has_route (RUNNING has one, TREADMILL_RUNNING none)
}

var exerciseCases = []exerciseCase{
	{name: "FIT, route", route: true},
	{name: "FIT, no route"},
	{name: "FIT 204, TCX, route", fitMissing: true, route: true},
	{name: "FIT 204, TCX, no route", fitMissing: true},
	{name: "FIT 204, TCX 204, route", fitMissing: true, tcxMissing: true, route: true},
	{name: "FIT 204, TCX 204, no route", fitMissing: true, tcxMissing: true},
}

// wantCalls are the Polar calls an exercise should cost: the summary and
// the FIT always (the FIT is decoded into the record's samples); TCX,
// then GPX, only for an exporter that takes files, and GPX only for an
// exercise with a route.
func (c exerciseCase) wantCalls(files bool) map[string]int {
	want := map[string]int{routeExercise: 1, routeFIT: 1}
	if !files || !c.fitMissing {
		return want
	}
	want[routeTCX] = 1
	if c.tcxMissing && c.route {
		want[routeGPX] = 1
	}
	return want
}

// wantFile is the file format attached (with its bytes) for an exporter
// that takes files; "" for none.
func (c exerciseCase) wantFile() string {
	switch {
	case !c.fitMissing:
		return "FILE_FORMAT_FIT"
	case !c.tcxMissing:
		return "FILE_FORMAT_TCX"
	case c.route:
		return "FILE_FORMAT_GPX"
	}
	return ""
}

// filesPlugins is a test exporter that declares include_files (through
// TESTEXPORTER_INCLUDE_FILES, which the caller sets), logging to log,
// narrowed to kinds if not empty.
func filesPlugins(t testing.TB, log, kinds string) string {
	k := ""
	if kinds != "" {
		k = "\n    kinds: [" + kinds + "]"
	}
	return `plugins:
  files:
    path: ` + binary(t, "internal/testexporter") + k + `
    config:
      log_file: ` + log + `
`
}

// addExercise adds c's exercise, hands the daemon its EXERCISE event (as
// the webhook receiver stores it: the webhook's address changes with a
// restart) and returns it with the Polar calls it cost.
func addExercise(t testing.TB, ps *polarSetup, c exerciseCase, exporter string) (accesslinksim.Exercise, map[string]int) {
	t.Helper()
	sport := "TREADMILL_RUNNING"
	if c.route {
		sport = "RUNNING"
	}
	ex, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{
		DetailedSport: sport, Duration: 10 * time.Minute, FITMissing: c.fitMissing, TCXMissing: c.tcxMissing,
	}, accesslinksim.Drop())
	require.NoError(t, err)
	require.Equal(t, c.route, ex.HasRoute, "the simulator's sport gives has_route")
	calls := callsDuring(t, ps, func() {
		msg := nats.NewMsg(ps.d.Bus.EventSubject("EXERCISE"))
		msg.Data = fmt.Appendf(nil, `{"event":"EXERCISE","user_id":%d,"entity_id":%q,"timestamp":"2026-12-01T21:40:00Z"}`, ps.users[0], ex.ID)
		_, err := ps.d.Bus.JS.PublishMsg(context.Background(), msg)
		require.NoError(t, err)
		ps.settle(exporter)
	})
	return ex, calls
}

// exportedFiles reads the test exporter's log: the file formats each
// exported key came with.
func exportedFiles(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct {
			Key   string   `json:"key"`
			Files []string `json:"files"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		out[l.Key] = l.Files
	}
	require.NoError(t, sc.Err())
	return out
}

// An exercise costs the summary and the FIT attempt; its TCX, then its
// GPX, are asked for only when an exporter that receives exercises takes
// files, and the GPX only when the summary's has_route says there is a
// route.
func TestExercisePolarCalls(t *testing.T) {
	// Read by the test exporter's processes when they describe
	// themselves; the CSV exporter takes no files whatever it says.
	t.Setenv("TESTEXPORTER_INCLUDE_FILES", "1")
	for _, exp := range []struct {
		name     string
		exporter string
		files    bool
		plugins  func(log string) string
	}{
		{name: "CSV (no include_files)", exporter: "csv", plugins: func(string) string { return "" }},
		{name: "include_files", exporter: "files", files: true, plugins: func(log string) string { return filesPlugins(t, log, "") }},
		{name: "include_files, no exercises", exporter: "files", plugins: func(log string) string { return filesPlugins(t, log, "sleep") }},
	} {
		t.Run(exp.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "out.jsonl")
			ps := startPolar(t, polarOpts{plugins: exp.plugins(log)})
			keys := map[string]exerciseCase{}
			for _, c := range exerciseCases {
				ex, calls := addExercise(t, ps, c, exp.exporter)
				assert.Equal(t, c.wantCalls(exp.files), calls, c.name)
				keys[fmt.Sprintf("exercise.%d.%s", ps.users[0], ex.ID)] = c
			}
			switch {
			case exp.exporter == "csv":
				// The record names no file it did not fetch.
				rows := ps.csv("exercises.csv")
				require.Len(t, rows, len(exerciseCases))
				for _, r := range rows {
					want := ""
					if !keys[r["key"]].fitMissing {
						want = "fit"
					}
					assert.Equal(t, want, r["files"], keys[r["key"]].name)
				}
			case exp.files:
				got := exportedFiles(t, log)
				require.Len(t, got, len(exerciseCases))
				for key, c := range keys {
					var want []string
					if f := c.wantFile(); f != "" {
						want = []string{f}
					}
					assert.Equal(t, want, got[key], c.name)
				}
			default:
				assert.Empty(t, exportedFiles(t, log), "an exporter of sleep only gets no exercise")
			}
		})
	}
}

// Whether an exporter takes files is read at each start: a reload
// (SIGHUP restarts the daemon on the new configuration) that narrows the
// only file-taking exporter to sleep stops the TCX calls, and widening
// it again brings them back.
func TestExerciseFilesFollowReload(t *testing.T) {
	t.Setenv("TESTEXPORTER_INCLUDE_FILES", "1")
	log := filepath.Join(t.TempDir(), "out.jsonl")
	ps := startPolar(t, polarOpts{plugins: filesPlugins(t, log, "")})
	noFIT := exerciseCase{name: "FIT 204, TCX", fitMissing: true}
	_, calls := addExercise(t, ps, noFIT, "files")
	assert.Equal(t, noFIT.wantCalls(true), calls, "include_files: the TCX is fetched")

	files := ps.cfg.Plugins["files"]
	narrowed := files
	narrowed.Kinds = []string{"sleep"}
	ps.cfg.Plugins = maps.Clone(ps.cfg.Plugins)
	ps.cfg.Plugins["files"] = narrowed
	ps.restart()
	_, calls = addExercise(t, ps, noFIT, "files")
	assert.Equal(t, noFIT.wantCalls(false), calls, "no exporter of exercises takes files after the reload")

	ps.cfg.Plugins["files"] = files
	ps.restart()
	_, calls = addExercise(t, ps, noFIT, "files")
	assert.Equal(t, noFIT.wantCalls(true), calls, "include_files again after the second reload")
}

const (
	routeSleepList    = "GET /v3/users/sleep"
	routeRechargeList = "GET /v3/users/nightly-recharge"
	routeSleep        = "GET /v3/users/sleep/{date}"
	routeRecharge     = "GET /v3/users/nightly-recharge/{date}"
)

// callsDuring counts the Polar calls f makes, by route.
func callsDuring(t testing.TB, ps *polarSetup, f func()) map[string]int {
	t.Helper()
	before := ps.sim.Stats().Requests
	f()
	calls := map[string]int{}
	for route, n := range ps.sim.Stats().Requests {
		if d := n - before[route]; d > 0 {
			calls[route] = d
		}
	}
	return calls
}

// A night the poller finds costs no call beyond the sleep and recharge
// lists, which hold the full entries: its event carries both. A list
// outside the poll's scope is fetched by date; Polar's push, which
// carries only the date, costs its 2 calls. Each path makes the same
// records.
func TestNightPolarCalls(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	night, err := ps.sim.AddSleep(ps.users[0], accesslinksim.Drop())
	require.NoError(t, err)
	require.True(t, night.HasRecharge)
	poll := func(kinds ...string) func() {
		return func() {
			_, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: kinds})
			require.NoError(t, err)
			ps.settle()
		}
	}
	versions := func() (string, string) {
		sl, nr := ps.csv("sleep.csv"), ps.csv("nightly_recharge.csv")
		require.Len(t, sl, 1)
		require.Len(t, nr, 1)
		assert.Equal(t, night.Date, sl[0]["date"])
		assert.Equal(t, night.Date, nr[0]["date"])
		return sl[0]["version"], nr[0]["version"]
	}

	assert.Equal(t, map[string]int{routeSleepList: 1, routeRecharge: 1}, callsDuring(t, ps, poll(poller.KindSleep)),
		"the recharge list was not asked: the recharge is fetched by date")
	sleepV, rechargeV := versions()

	// The recharge's first listing is a recheck (it came by date): both
	// ride on the event.
	assert.Equal(t, map[string]int{routeSleepList: 1, routeRechargeList: 1}, callsDuring(t, ps, poll(poller.KindSleep, poller.KindNightlyRecharge)))
	assert.Equal(t, map[string]int{routeSleep: 1, routeRecharge: 1}, callsDuring(t, ps, func() {
		ps.sim.PushWebhook(accesslinksim.Event{Type: accesslinksim.EventSleep, UserID: ps.users[0], Date: night.Date})
		ps.settle()
	}))
	gotSleep, gotRecharge := versions()
	assert.Equal(t, sleepV, gotSleep, "the listed night and the fetched one are the same record")
	assert.Equal(t, rechargeV, gotRecharge)

	// A new night found by a full poll: the two lists only.
	require.NoError(t, ps.clock.Sleep(context.Background(), 24*time.Hour))
	next, err := ps.sim.AddSleep(ps.users[0], accesslinksim.Drop())
	require.NoError(t, err)
	require.NotEqual(t, night.Date, next.Date)
	assert.Equal(t, map[string]int{routeSleepList: 1, routeRechargeList: 1}, callsDuring(t, ps, poll(poller.KindSleep, poller.KindNightlyRecharge)))
	assert.Len(t, ps.csv("sleep.csv"), 2)
	assert.Len(t, ps.csv("nightly_recharge.csv"), 2)

	// A pushed night costs its 2 calls (the simulator pushes SleepWise
	// with it: not counted here); the first poll that lists it (the
	// recheck) none beyond the lists.
	require.NoError(t, ps.clock.Sleep(context.Background(), 24*time.Hour))
	pushed := callsDuring(t, ps, func() {
		_, err := ps.sim.AddSleep(ps.users[0])
		require.NoError(t, err)
		ps.settle()
	})
	assert.Equal(t, 1, pushed[routeSleep])
	assert.Equal(t, 1, pushed[routeRecharge])
	assert.Equal(t, map[string]int{routeSleepList: 1, routeRechargeList: 1}, callsDuring(t, ps, poll(poller.KindSleep, poller.KindNightlyRecharge)))
	assert.Len(t, ps.csv("sleep.csv"), 3)
	assert.Len(t, ps.csv("nightly_recharge.csv"), 3)
}

// An exercise taken in from its push costs nothing more when the first
// poll lists it unedited (the worker kept its summary's fingerprint);
// one edited in between is fetched again, and exported edited.
func TestPushedExercisePolledWithoutRefetch(t *testing.T) {
	ps := startPolar(t, polarOpts{})
	poll := func() {
		_, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: []string{poller.KindExercise}})
		require.NoError(t, err)
		ps.settle()
	}
	assert.Equal(t, map[string]int{routeExercise: 1, routeFIT: 1}, callsDuring(t, ps, func() {
		_, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
		require.NoError(t, err)
		ps.settle()
	}))
	assert.Equal(t, map[string]int{routeExerciseList: 1}, callsDuring(t, ps, poll), "listed unedited: nothing fetched")

	edited, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	ps.settle()
	_, err = ps.sim.EditExercise(edited.ID, accesslinksim.ExerciseEdit{Calories: 777})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{routeExerciseList: 1, routeExercise: 1, routeFIT: 1}, callsDuring(t, ps, poll), "edited since its push: fetched again")
	rows := map[string]string{}
	for _, r := range ps.csv("exercises.csv") {
		rows[r["key"]] = r["calories_kcal"]
	}
	assert.Equal(t, "777", rows[fmt.Sprintf("exercise.%d.%s", ps.users[0], edited.ID)])
	assert.Len(t, rows, 2)
	assert.Equal(t, map[string]int{routeExerciseList: 1}, callsDuring(t, ps, poll), "known from now on")
}
