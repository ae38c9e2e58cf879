package faults

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testdisk"
	"github.com/polarbridge/polarbridge/internal/testinflux"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// TestFaults runs the cases (see the package doc) one after the other,
// each on a daemon of its own, and prints the table of results.
func TestFaults(t *testing.T) {
	binaries(t)
	// One influxd for every case, a database each: starting one costs
	// seconds. Without influxd the cases run with the CSV exporter only.
	var influx *testinflux.Server
	if _, err := exec.LookPath("influxd"); err == nil {
		influx = testinflux.Start(t)
	} else {
		t.Logf("influxd not found (%s): CSV destination only", testinflux.InstallHint)
	}
	cases := []struct {
		name string
		fast bool
		run  func(*testing.T, *testinflux.Server)
	}{
		{"kill9-daemon", false, kill9Daemon},
		{"kill9-plugin", false, kill9Plugin},
		{"nats-restart", false, natsRestart},
		{"destination-down", false, destinationDown},
		{"bad-webhooks", true, badWebhooks},
		{"bad-polar-answers", true, badPolarAnswers},
		{"recomputed-night", true, recomputedNight},
		{"hung-user", true, hungUser},
		{"full-disk", false, fullDisk},
		{"nats-late", false, natsLate},
		{"plugin-orphan", true, pluginOrphan},
		{"readyz", true, readyz},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.fast {
				slow(t)
			}
			c.run(t, influx)
		})
	}
	report := table()
	t.Log("fault suite results:\n" + report)
	if p := os.Getenv("FAULTS_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(report), 0o644); err != nil {
			t.Errorf("write the report: %v", err)
		}
	}
}

// waitPluginsGone waits until the plugin processes of a daemon that was
// killed have exited (they must not outlive it) and reports how long
// that took. Left-overs are killed, so that the case can go on; the
// plugin-orphan case is the one that fails on them.
func (e *env) waitPluginsGone(pids map[string]int, timeout time.Duration) (time.Duration, bool) {
	start := time.Now()
	gone := waitFor(timeout, func() bool {
		for name, pid := range pids {
			if alive(pid, name) {
				return false
			}
		}
		return true
	})
	if !gone {
		for name, pid := range pids {
			if alive(pid, name) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	return time.Since(start).Round(time.Millisecond), gone
}

// 1. kill -9 of the daemon while exercises are being pushed (embedded
// NATS, so the store goes down with it), then a restart.
func kill9Daemon(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 2, influx: influx})
	const n = 36
	kills := map[int]bool{12: true, 24: true}
	for i := range n {
		u := e.users[i%2]
		e.addExercise(u)
		if i%9 == 4 {
			e.addNight(u)
		}
		if !kills[i] {
			continue
		}
		pids := e.d.pluginPIDs()
		e.d.kill9()
		if i == 12 {
			// Polar goes on pushing while the daemon is down: refused,
			// and pushed again later.
			e.addExercise(e.users[0])
			e.addExercise(e.users[1])
			took, gone := e.waitPluginsGone(pids, 15*time.Second)
			if !gone {
				e.result.note("bug: plugins outlived the killed daemon; the test killed them (see plugin-orphan)")
			}
			start := time.Now()
			e.d.start()
			e.result.note("kill -9 after push %d: plugins gone in %s; restarted, ready in %s", i+1, took, time.Since(start).Round(10*time.Millisecond))
			continue
		}
		// Restarted at once, as a service manager would, while the old
		// plugins may still be exiting (the CSV directory's lock): a
		// refused start is started again a second later.
		start := time.Now()
		for tries := 1; ; tries++ {
			e.d.spawn()
			err := e.d.ready(90 * time.Second)
			if err == nil {
				break
			}
			e.result.note("restart %d right after the kill -9 refused: %v", tries, err)
			require.Less(t, tries, 5, "the daemon starts again after a kill -9")
			time.Sleep(time.Second)
		}
		e.result.note("kill -9 after push %d: restarted at once, ready in %s", i+1, time.Since(start).Round(10*time.Millisecond))
		e.addExercise(e.users[0])
	}
	e.settleClean(t)
}

// 2. kill -9 of plugin processes in the middle of an export: the CSV
// exporter while it writes a file, the InfluxDB exporter while its write
// is on its way to influxd (which then stores it: written, never
// acknowledged). The daemon restarts them and redelivers the batch.
func kill9Plugin(t *testing.T, influx *testinflux.Server) {
	var proxy *killProxy
	o := caseOpts{users: 2, influx: influx, samples: true}
	plan := []string{"csv", "csv"}
	if influx != nil {
		proxy = newKillProxy(t, influx.URL)
		o.influxURL = proxy.URL
		plan = []string{"csv", "influxdb", "csv", "influxdb"}
	}
	e := newEnv(t, o)
	i := 0
	push := func() {
		u := e.users[i%2]
		e.addExercise(u)
		if i%8 == 3 {
			e.addNight(u)
		}
		i++
	}
	killed := map[string]int{}
	for _, name := range plan {
		// A plugin killed before is started again by the next batch.
		var pid int
		require.True(t, waitFor(60*time.Second, func() bool {
			if pid = e.d.pluginPIDs()[name]; pid == 0 {
				push()
			}
			return pid != 0
		}), "%s runs", name)
		var hit <-chan string
		if name == "csv" {
			var stop func()
			// A data file, not the check file the plugin writes at start.
			hit, stop = killOnCreate(t, e.csvDir, func(name string) bool {
				return strings.Contains(name, ".csv.tmp-") && !strings.Contains(name, "write-check")
			}, pid)
			defer stop()
		} else {
			hit = proxy.killOnWrite(pid)
		}
		var what string
		require.True(t, waitFor(60*time.Second, func() bool {
			select {
			case what = <-hit:
				return true
			default:
				push()
				return false
			}
		}), "%s exports", name)
		require.True(t, waitFor(5*time.Second, func() bool { return !alive(pid, name) }))
		killed[name]++
		e.result.note("%s killed after push %d, in the middle of writing %s", name, i, what)
	}
	for range 6 {
		push()
	}
	took := e.settle(3 * time.Minute)
	e.result.note("settled %s after the last push", took)
	for name, n := range killed {
		restarts := e.d.metric("polarbridge_plugin_restarts_total", fmt.Sprintf("plugin=%q", name))
		retried := e.d.metric("polarbridge_records_retried_total", fmt.Sprintf("exporter=%q", name))
		assert.GreaterOrEqual(t, restarts, float64(n), "the daemon restarted %s after each kill", name)
		assert.Positive(t, retried, "the batches %s was exporting when killed were retried", name)
		assert.NotZero(t, e.d.pluginPIDs()[name], "%s runs again", name)
		e.result.note("%s: killed %d times, restarted %v times, %v records retried", name, n, restarts, retried)
	}
	e.checkClean(t)
}

// 3. The external NATS server (nats.url) stops mid-stream and starts
// again on the same port and store.
func natsRestart(t *testing.T, influx *testinflux.Server) {
	nats := newNATS(t)
	nats.start()
	e := newEnv(t, caseOpts{users: 2, influx: influx, nats: nats})
	outages := map[int]bool{10: true, 20: true}
	for i := range 30 {
		u := e.users[i%2]
		e.addExercise(u)
		if i%8 == 2 {
			e.addNight(u)
		}
		if !outages[i] {
			continue
		}
		nats.stop()
		require.True(t, waitFor(15*time.Second, func() bool { s, _ := e.d.readyz(); return s != http.StatusOK }),
			"not ready without NATS")
		_, body := e.d.readyz()
		// Pushed meanwhile: refused (503) at once, pushed again later.
		e.addExercise(e.users[0])
		e.addExercise(e.users[1])
		nats.start()
		start := time.Now()
		e.d.waitReady(60 * time.Second)
		e.result.note("NATS stopped after push %d (/readyz: %s); ready %s after it was back", i+1, body, time.Since(start).Round(10*time.Millisecond))
	}
	e.settleClean(t)
}

// 4. Destinations down for a while: the CSV exporter's disk full,
// influxd stopped. First shorter than the retries (all arrive by
// themselves), then longer (dead letters, replayed once fixed).
func destinationDown(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 2, influx: influx, csvDisk: 32 << 20})
	for i := range 6 {
		e.addExercise(e.users[i%2])
	}
	e.settle(time.Minute)
	retried := map[string]float64{}
	for _, d := range e.destinations() {
		retried[d] = e.d.metric("polarbridge_records_retried_total", fmt.Sprintf("exporter=%q", d))
	}

	// A short outage.
	free := testdisk.Fill(t, e.csvDir)
	influxDown := false
	if influx != nil {
		influx.Stop()
		influxDown = true
		// The next cases share this influxd.
		t.Cleanup(func() {
			if influxDown {
				influx.Restart()
			}
		})
	}
	start := time.Now()
	var during []string
	for i := range 6 {
		ex := e.addExercise(e.users[i%2])
		during = append(during, pluginapi.ExerciseKey(fmt.Sprint(ex.UserID), ex.ID))
	}
	e.addNight(e.users[0])
	// Until every destination has failed and been retried a few times.
	require.True(t, waitFor(60*time.Second, func() bool {
		for _, d := range e.destinations() {
			if e.d.metric("polarbridge_records_retried_total", fmt.Sprintf("exporter=%q", d)) < retried[d]+3 {
				return false
			}
		}
		return true
	}), "the exporters retry while their destinations are down")
	// (A stopped influxd cannot be asked; the CSV files can be read.)
	got, err := e.stored("csv")
	require.NoError(t, err)
	for _, k := range during {
		assert.Zero(t, got[k], "csv has %s while its disk is full", k)
	}
	free()
	if influx != nil {
		influx.Restart()
		influxDown = false
	}
	outage := time.Since(start).Round(100 * time.Millisecond)
	took := e.settle(2 * time.Minute)
	e.result.note("short outage (%s, within the retries): caught up %s after it ended", outage, took)
	dls, err := e.deadLetters()
	require.NoError(t, err)
	require.Empty(t, dls, "a short outage dead-letters nothing")

	// An outage longer than the retries (csv only): dead letters with the
	// reason, replayed by the operator once the disk has room again.
	var deadLettered map[string]map[string]bool
	if full() {
		free = testdisk.Fill(t, e.csvDir)
		var late []string
		for i := range 4 {
			ex := e.addExercise(e.users[i%2])
			late = append(late, pluginapi.ExerciseKey(fmt.Sprint(ex.UserID), ex.ID))
		}
		start = time.Now()
		require.True(t, waitFor(3*time.Minute, func() bool {
			dls, err = e.deadLetters()
			return err == nil && len(dls) >= len(late)
		}), "records out of attempts are dead-lettered")
		for _, dl := range dls {
			assert.Equal(t, "csv", dl.exporter)
			assert.Contains(t, dl.reason, "no space left on device", "the dead letter says why")
		}
		e.result.note("long outage: %d dead letters after %s, e.g. %q", len(dls), time.Since(start).Round(time.Second), dls[0].reason)
		deadLettered = e.deadLettersByDest(dls)
		free()
		out, err := e.cli("dlq", "replay", "--exporter", "csv")
		require.NoError(t, err)
		e.result.note("dlq replay: %s", strings.TrimSpace(out))
		e.settle(2 * time.Minute)
		left, err := e.deadLetters()
		require.NoError(t, err)
		assert.Empty(t, left, "replayed")
	}
	e.check(deadLettered)
}

// 5. Bad webhook pushes are answered 401, 400 or 413 and store nothing;
// good pushes between them flow.
func badWebhooks(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 1, influx: influx})
	u := e.users[0]
	wh, ok := e.sim.Webhook()
	require.True(t, ok)
	hook := "http://" + e.d.webhook + "/polar/webhook"

	// An exercise only forged pushes announce: it must never be fetched.
	forged := e.newExercise(u)
	forgedKey := pluginapi.ExerciseKey(fmt.Sprint(u), forged.ID)
	e.excluded[forgedKey] = true
	body := []byte(fmt.Sprintf(`{"event":"EXERCISE","user_id":%d,"entity_id":%q,"timestamp":"2026-05-04T08:00:00.000Z","url":"x"}`, u, forged.ID))
	malformed := []byte(fmt.Sprintf(`{"event":"EXERCISE","user_id":%d,"entity_id":`, u))
	badName := []byte(fmt.Sprintf(`{"event":"EXER.CISE","user_id":%d,"entity_id":%q,"timestamp":"2026-05-04T08:00:00.000Z"}`, u, forged.ID))
	huge := bytes.Repeat([]byte(" "), 70_000)
	huge = append(append([]byte(nil), body[:len(body)-1]...), append([]byte(`,"pad":"`), append(huge, []byte(`"}`)...)...)...)
	bad := []struct {
		name      string
		method    string
		body      []byte
		signature string
		want      int
	}{
		{"signature with a guessed key", http.MethodPost, body, accesslinksim.Sign("guessed-key", body), http.StatusUnauthorized},
		{"no signature", http.MethodPost, body, "", http.StatusUnauthorized},
		{"signature of another body", http.MethodPost, body, accesslinksim.Sign(wh.SecretKey, badName), http.StatusUnauthorized},
		{"malformed JSON, signed", http.MethodPost, malformed, accesslinksim.Sign(wh.SecretKey, malformed), http.StatusBadRequest},
		{"bad event name, signed", http.MethodPost, badName, accesslinksim.Sign(wh.SecretKey, badName), http.StatusBadRequest},
		{"oversized body (70 KB), signed", http.MethodPost, huge, accesslinksim.Sign(wh.SecretKey, huge), http.StatusRequestEntityTooLarge},
		{"GET", http.MethodGet, nil, "", http.StatusMethodNotAllowed},
	}
	for _, b := range bad {
		e.addExercise(u) // a good push before each bad one
		req, err := http.NewRequest(b.method, hook, bytes.NewReader(b.body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Polar-Webhook-Event", "EXERCISE")
		if b.signature != "" {
			req.Header.Set("Polar-Webhook-Signature", b.signature)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, b.want, resp.StatusCode, b.name)
		e.result.note("%s: %d", b.name, resp.StatusCode)
	}
	e.addNight(u)
	e.settle(time.Minute)

	// Only the good pushes were stored.
	b, done, err := e.connect()
	require.NoError(t, err)
	defer done()
	s, err := b.JS.Stream(t.Context(), "POLARBRIDGE_EVENTS")
	require.NoError(t, err)
	info, err := s.Info(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(len(bad)+1), info.State.Msgs, "the events stream holds the good pushes only")
	assert.Empty(t, e.inject.seen("/v3/exercises/"+forged.ID), "the forged exercise was never fetched")
	dls, err := e.deadLetters()
	require.NoError(t, err)
	assert.Empty(t, dls, "nothing stored, so nothing dead-lettered")
	e.check(e.deadLettersByDest(dls))
}

// 6. Polar answers badly: broken JSON and a broken night (dead-lettered
// with the reason, replayed once Polar is fixed), a truncated FIT file
// (exported from the JSON samples), 503 bursts and a 429 with
// Retry-After (retried), one user's call hanging until the daemon gives
// up on it (the other users' data flows).
func badPolarAnswers(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 3, influx: influx})
	u1, u2, u3 := e.users[0], e.users[1], e.users[2]
	announce := func(ex accesslinksim.Exercise) {
		e.push.push(accesslinksim.Event{Type: accesslinksim.EventExercise, UserID: ex.UserID, EntityID: ex.ID})
	}

	a := e.newExercise(u1)
	brokenJSON := e.inject.add(&rule{name: "broken exercise JSON", match: path("/v3/exercises/" + a.ID), fault: truncate, times: -1})
	announce(a)

	b := e.newExercise(u1)
	brokenFIT := e.inject.add(&rule{name: "truncated FIT", match: path("/v3/exercises/" + b.ID + "/fit"), fault: truncate, times: -1})
	announce(b)

	c := e.newExercise(u1)
	burst := e.inject.add(&rule{name: "503 burst", match: path("/v3/exercises/" + c.ID), fault: unavailable, times: 3})
	announce(c)

	d := e.newExercise(u2)
	limited := e.inject.add(&rule{name: "429", match: path("/v3/exercises/" + d.ID), fault: tooMany, times: 1, retryAfter: 2})
	announce(d)

	e.clock.advance(24 * time.Hour)
	night, err := e.sim.AddSleep(u2, accesslinksim.Drop())
	require.NoError(t, err)
	nightPath := "/v3/users/sleep/" + night.Date
	brokenNight := e.inject.add(&rule{name: "broken sleep JSON", fault: truncate, times: -1,
		match: func(r *http.Request, user int64) bool { return user == u2 && r.URL.Path == nightPath }})
	e.push.push(accesslinksim.Event{Type: accesslinksim.EventSleep, UserID: u2, Date: night.Date})

	// Good data of both users meanwhile.
	e.addExercise(u1)
	e.addExercise(u2)

	var long *rule
	if full() {
		// A 503 burst longer than the client's own retries: the event is
		// retried by the pipeline.
		f := e.newExercise(u1)
		long = e.inject.add(&rule{name: "long 503 burst", match: path("/v3/exercises/" + f.ID), fault: unavailable, times: 7})
		announce(f)

		// User 3's next call hangs until the daemon gives up on it (30
		// s); user 2's data flows meanwhile (user 1 waits out the burst).
		hung := e.inject.add(&rule{name: "hang", match: userAPI(u3), fault: hang, times: 1})
		g := e.addExercise(u3)
		require.True(t, waitFor(30*time.Second, func() bool { n, _ := e.inject.stats(hung); return n > 0 }), "the hung call was made")
		_, hungAt := e.inject.stats(hung)
		other := e.addExercise(u2)
		key := pluginapi.ExerciseKey(fmt.Sprint(u2), other.ID)
		require.True(t, waitFor(20*time.Second, func() bool { got, _ := e.stored("csv"); return got[key] > 0 }),
			"user 2's exercise is exported while user 3's call hangs")
		e.result.note("hang: user 2's exercise exported %s into user 3's hung call", time.Since(hungAt).Round(10*time.Millisecond))
		// The daemon gives up on the hung call, then calls again.
		gPath := "/v3/exercises/" + g.ID
		require.True(t, waitFor(90*time.Second, func() bool { return len(e.inject.seen(gPath)) >= 2 }),
			"the hung call is given up and made again")
		calls := e.inject.seen(gPath)
		e.result.note("hang: the daemon gave up on the hung call and called again %s after it", calls[1].at.Sub(calls[0].at).Round(100*time.Millisecond))
	}

	e.settle(3 * time.Minute)

	// Retried: the 503 burst, the 429 (after its Retry-After).
	n, _ := e.inject.stats(burst)
	assert.Equal(t, 3, n, "503 burst answered")
	n, at := e.inject.stats(limited)
	assert.Equal(t, 1, n)
	calls := e.inject.seen("/v3/exercises/" + d.ID)
	require.Len(t, calls, 2, "the 429'd call is made again, once")
	wait := calls[1].at.Sub(at)
	assert.GreaterOrEqual(t, wait, 2*time.Second, "Retry-After is honoured")
	e.result.note("429 with Retry-After: 2 -> called again after %s", wait.Round(10*time.Millisecond))
	if long != nil {
		n, _ := e.inject.stats(long)
		assert.Equal(t, 7, n)
		e.result.note("7 x 503: retried by the client, then by the pipeline")
	}

	// A truncated FIT file: exported from Polar's JSON, the file kept.
	n, _ = e.inject.stats(brokenFIT)
	assert.Positive(t, n)
	assert.Contains(t, e.d.log(), "exercise has a broken FIT file", "said in the log")
	bKey := pluginapi.ExerciseKey(fmt.Sprint(u1), b.ID)
	for _, r := range e.csvRows("exercises.csv") {
		if r["key"] == bKey {
			assert.Contains(t, r["files"], "fit", "the original (broken) file is kept")
			assert.Equal(t, fmt.Sprint(int(b.Duration.Seconds())), r["duration_s"])
			e.result.note("truncated FIT: exported from Polar's JSON samples (files %q, sample types %q)", r["files"], r["sample_types"])
		}
	}
	e.result.note("3 x 503: retried by the client, exported")

	// Broken JSON: dead-lettered, with the reason.
	dls, err := e.deadLetters()
	require.NoError(t, err)
	wantDead := map[string]bool{
		pluginapi.ExerciseKey(fmt.Sprint(u1), a.ID):    true,
		pluginapi.SleepKey(fmt.Sprint(u2), night.Date): true,
	}
	gotDead := map[string]bool{}
	for _, dl := range dls {
		assert.Equal(t, "ingest", dl.exporter)
		assert.Contains(t, dl.reason, "invalid AccessLink payload", "the dead letter says why")
		gotDead[dl.keys[0]] = true
		e.result.note("dead letter: %s: %s", dl.keys[0], dl.reason)
	}
	assert.Equal(t, wantDead, gotDead)

	// Polar is fixed; the operator replays.
	e.inject.remove(brokenJSON)
	e.inject.remove(brokenNight)
	out, err := e.cli("dlq", "replay", "--exporter", "ingest")
	require.NoError(t, err)
	e.result.note("dlq replay: %s", strings.TrimSpace(out))
	e.settle(time.Minute)
	left, err := e.deadLetters()
	require.NoError(t, err)
	assert.Empty(t, left, "replayed")
	e.check(e.deadLettersByDest(dls))
}

// 7a. Polar re-computes a night and pushes SLEEP again for the date: the
// night is fetched again and its rows updated; the identical double push
// costs one fetch.
func recomputedNight(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 1, influx: influx})
	u := e.users[0]
	e.clock.advance(24 * time.Hour)
	first, err := e.sim.AddSleep(u, accesslinksim.Drop())
	require.NoError(t, err)
	ev := accesslinksim.Event{Type: accesslinksim.EventSleep, UserID: u, Date: first.Date}
	for _, d := range e.sim.PushWebhook(ev, accesslinksim.Twice()) { // Polar's double SLEEP
		require.NoError(t, d.Err)
	}
	e.settle(time.Minute)
	before := e.csvRows("sleep.csv")
	require.Len(t, before, 1)

	e.clock.advance(3 * time.Hour) // re-computed later that day
	second, err := e.sim.AddSleep(u, accesslinksim.Drop())
	require.NoError(t, err)
	require.Equal(t, first.Date, second.Date, "the same night")
	require.NotEqual(t, first.Start, second.Start, "changed")
	e.push.push(ev)
	e.settle(time.Minute)

	after := e.csvRows("sleep.csv")
	require.Len(t, after, 1, "one row, updated")
	assert.NotEqual(t, before[0]["version"], after[0]["version"])
	assert.Equal(t, second.Start.UTC().Format(time.RFC3339), after[0]["start_utc"])
	if influx != nil {
		series := influx.MustQuery(e.influxDB, `SELECT "version" FROM "sleep"`)
		require.Len(t, series, 1)
		require.Len(t, series[0].Values, 1)
		assert.Equal(t, after[0]["version"], series[0].Values[0][1], "InfluxDB has the new version too")
	}
	fetches := len(e.inject.seen("/v3/users/sleep/" + first.Date))
	assert.Equal(t, 2, fetches, "the double push once, the re-computed night once")
	e.result.note("night fetched %d times for 3 pushes; CSV version %s -> %s", fetches, before[0]["version"], after[0]["version"])
	e.check(nil)
}

// 7b. One user's Polar calls hang: another user's data is exported
// meanwhile; once Polar answers, the first user's follows, once.
func hungUser(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 2, influx: influx})
	u1, u2 := e.users[0], e.users[1]
	hung := e.inject.add(&rule{name: "hang user 1", match: userAPI(u1), fault: hang, times: -1})
	slowEx := e.addExercise(u1)
	require.True(t, waitFor(30*time.Second, func() bool { n, _ := e.inject.stats(hung); return n > 0 }), "user 1's exercise is fetched")
	start := time.Now()
	fast := e.addExercise(u2)
	fastNight := e.addNight(u2)
	keys := []string{
		pluginapi.ExerciseKey(fmt.Sprint(u2), fast.ID),
		pluginapi.SleepKey(fmt.Sprint(u2), fastNight.Date),
	}
	require.True(t, waitFor(20*time.Second, func() bool {
		for _, d := range e.destinations() {
			got, err := e.stored(d)
			if err != nil {
				return false
			}
			for _, k := range keys {
				if got[k] == 0 {
					return false
				}
			}
		}
		return true
	}), "user 2's data arrives while user 1's call hangs")
	e.result.note("user 2's exercise and night exported %s into user 1's hang", time.Since(start).Round(10*time.Millisecond))
	got, err := e.stored("csv")
	require.NoError(t, err)
	assert.Zero(t, got[pluginapi.ExerciseKey(fmt.Sprint(u1), slowEx.ID)], "user 1's exercise still waits")

	e.inject.remove(hung)
	e.settle(time.Minute)
	e.check(nil)
}

// 7c. data_dir's disk fills up: the daemon is unready and answers pushes
// 503; once space is freed it recovers by itself and what Polar pushes
// again is exported, once.
func fullDisk(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 1, influx: influx, dataDisk: 64 << 20})
	u := e.users[0]
	for range 3 {
		e.addExercise(u)
	}
	e.settle(time.Minute)

	free := testdisk.Fill(t, e.d.dataDir)
	var body string
	require.True(t, waitFor(30*time.Second, func() bool {
		var s int
		s, body = e.d.readyz()
		return s == http.StatusServiceUnavailable
	}), "a full data_dir makes the daemon unready")
	assert.Contains(t, body, e.d.dataDir)
	e.result.note("/readyz with the disk full: %s", body)
	for range 3 {
		e.addExercise(u)
	}
	e.push.mu.Lock()
	refused := e.push.refusedBy[http.StatusServiceUnavailable]
	e.push.mu.Unlock()
	assert.Equal(t, 3, refused, "pushes are answered 503 for Polar to retry")
	require.True(t, e.d.running(), "the daemon lives on")

	free()
	start := time.Now()
	e.d.waitReady(60 * time.Second)
	e.result.note("ready %s after space was freed, without a restart", time.Since(start).Round(10*time.Millisecond))
	e.addExercise(u)
	e.addNight(u)
	e.settle(time.Minute)
	e.check(nil)
}

// 7d. The daemon starts before its NATS server (nats.url): it waits and
// says so on /readyz, then works once NATS is up.
func natsLate(t *testing.T, influx *testinflux.Server) {
	nats := newNATS(t)
	e := newEnv(t, caseOpts{users: 1, influx: influx, nats: nats, noStart: true})
	e.d.spawn()
	var body string
	require.True(t, waitFor(30*time.Second, func() bool {
		var s int
		s, body = e.d.readyz()
		return s == http.StatusServiceUnavailable && strings.Contains(body, "waiting for NATS")
	}), "/readyz says what the daemon waits for (last: %q)", body)
	e.result.note("/readyz before NATS: %s", body)
	require.True(t, e.d.running(), "the daemon waits rather than exits")
	nats.start()
	start := time.Now()
	e.d.waitReady(60 * time.Second)
	e.result.note("ready %s after NATS came up", time.Since(start).Round(10*time.Millisecond))
	e.onboard(1)
	u := e.users[0]
	for range 3 {
		e.addExercise(u)
	}
	e.addNight(u)
	e.settle(time.Minute)
	e.check(nil)
}

// 7e. kill -9 of the daemon: its plugin processes exit by themselves
// (they would hold the CSV directory's lock and keep writing), and the
// restarted daemon takes over.
func pluginOrphan(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 1, influx: influx})
	u := e.users[0]
	e.addExercise(u)
	e.settle(time.Minute)
	pids := e.d.pluginPIDs()
	for _, name := range e.destinations() {
		require.NotZero(t, pids[name], "the %s plugin runs", name)
	}
	e.d.kill9()
	took, gone := e.waitPluginsGone(pids, 15*time.Second)
	if !gone {
		t.Errorf("bug: plugin processes %v still run 15 s after their daemon was killed -9 (killed by the test now)", pids)
	}
	e.result.note("plugins %v exited %s after the daemon's kill -9", pids, took)
	e.d.start()
	e.addExercise(u)
	e.addNight(u)
	e.settle(time.Minute)
	e.check(nil)
}

// readyz: /readyz answers 200 only once the daemon can do its work: its
// plugins run and its webhook receiver takes pushes (a load balancer
// sends traffic on the first 200). Checked over a few starts, polling
// /readyz every few milliseconds.
func readyz(t *testing.T, influx *testinflux.Server) {
	e := newEnv(t, caseOpts{users: 1, influx: influx, noStart: true})
	const starts = 3
	var early []string
	for i := range starts {
		e.d.spawn()
		deadline := time.Now().Add(60 * time.Second)
		for {
			s, _ := e.d.readyz()
			if s == http.StatusOK {
				// The first 200 of this start.
				var missing []string
				if !listening(e.d.webhook) {
					missing = append(missing, "the webhook receiver does not listen yet")
				}
				if n := len(e.d.pluginPIDs()); n < len(e.destinations()) {
					missing = append(missing, fmt.Sprintf("%d of %d plugins run", n, len(e.destinations())))
				}
				if len(missing) > 0 {
					early = append(early, fmt.Sprintf("start %d: %s", i+1, strings.Join(missing, ", ")))
				}
				break
			}
			require.True(t, e.d.running(), "the daemon exited while starting:\n%s", e.d.logTail(40))
			require.True(t, time.Now().Before(deadline), "never ready")
			time.Sleep(2 * time.Millisecond)
		}
		e.d.waitReady(30 * time.Second)
		if i == 0 {
			e.onboard(1)
			e.addExercise(e.users[0])
			e.settle(time.Minute)
		}
		e.d.stop()
	}
	for _, s := range early {
		e.result.note("ready too early: %s", s)
	}
	assert.Empty(t, early, "bug: /readyz answered 200 before the daemon could take pushes or export")
	e.d.start()
	e.addExercise(e.users[0])
	e.settle(time.Minute)
	e.check(nil)
}

// settleClean waits for the bridge to finish after a case's last push,
// then checks that nothing was dead-lettered and every record arrived
// once.
func (e *env) settleClean(t *testing.T) {
	took := e.settle(3 * time.Minute)
	e.result.note("settled %s after the last push", took)
	e.checkClean(t)
}

// checkClean checks that nothing was dead-lettered and every record
// arrived once at every destination.
func (e *env) checkClean(t *testing.T) {
	dls, err := e.deadLetters()
	require.NoError(t, err)
	assert.Empty(t, dls, "nothing dead-lettered")
	e.check(e.deadLettersByDest(dls))
}
