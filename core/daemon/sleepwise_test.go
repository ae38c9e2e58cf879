package daemon_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/core/webhook"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// window is the users' last 28 local days (what the 28-day lists hold),
// or from from on.
func (ps *polarSetup) window(u accesslinksim.User, from string) (string, string) {
	today := ps.clock.Now().In(u.Location)
	if from == "" {
		from = today.AddDate(0, 0, -27).Format(time.DateOnly)
	}
	return from, today.Format(time.DateOnly)
}

func (ps *polarSetup) simUser(id int64) accesslinksim.User {
	ps.t.Helper()
	for _, u := range ps.sim.Users() {
		if u.ID == id {
			return u
		}
	}
	ps.t.Fatalf("no simulator user %d", id)
	return accesslinksim.User{}
}

// sleepWise is what the simulator serves the users from from (""):
// the last 28 days).
func (ps *polarSetup) sleepWise(from string) (as []accesslinksim.Alertness, cs []accesslinksim.CircadianBedtime) {
	for _, id := range ps.users {
		f, to := ps.window(ps.simUser(id), from)
		a, c := ps.sim.SleepWise(id)
		for _, v := range a {
			if v.Date() >= f && v.Date() <= to {
				as = append(as, v)
			}
		}
		for _, v := range c {
			if v.Date() >= f && v.Date() <= to {
				cs = append(cs, v)
			}
		}
	}
	return as, cs
}

// listedHoldings counts the SleepWise and biosensing entries a poll lists.
func (ps *polarSetup) listedHoldings() int {
	as, cs := ps.sleepWise("")
	b := ps.biosensing("")
	return len(as) + len(cs) + len(b.SkinTemperatures) + len(b.SkinContacts) + len(b.ECGTests) + len(b.SpO2Tests)
}

// assertSleepWiseCSV checks each period is one row, as the simulator
// serves it, its times at Polar's offset, and the hourly file holds its
// hours.
func (ps *polarSetup) assertSleepWiseCSV(as []accesslinksim.Alertness, cs []accesslinksim.CircadianBedtime) map[string]map[string]string {
	ps.t.Helper()
	user := strconv.FormatInt(ps.users[0], 10)
	rows := map[string]map[string]string{}
	for _, r := range ps.csv("sleepwise_alertness.csv") {
		rows[r["key"]] = r
	}
	require.Len(ps.t, ps.csv("sleepwise_alertness.csv"), len(as), "one row per period")
	hours := 0
	for _, a := range as {
		key := pluginapi.SleepWiseAlertnessKey(user, mustUTC(a.PeriodStartTime))
		r := rows[key]
		require.NotNil(ps.t, r, key)
		assert.Equal(ps.t, mustUTC(a.PeriodStartTime).Format(time.RFC3339), r["period_start_utc"])
		assert.Equal(ps.t, mustUTC(a.PeriodStartTime).In(time.FixedZone("", a.SleepTimezoneOffsetMinutes*60)).Format(time.RFC3339), r["period_start_local"])
		assert.Equal(ps.t, fmt.Sprint(a.SleepTimezoneOffsetMinutes), r["period_start_utc_offset_min"])
		assert.Equal(ps.t, strconv.FormatFloat(a.Grade, 'f', -1, 64), r["grade"])
		assert.Equal(ps.t, []string{a.GradeClassification, a.Validity, a.ResultType, a.SleepInertia}, []string{r["grade_classification"], r["validity"], r["result_type"], r["sleep_inertia"]})
		assert.Equal(ps.t, fmt.Sprint(len(a.HourlyData)), r["hours"])
		hours += len(a.HourlyData)
	}
	assert.Len(ps.t, ps.csv("sleepwise_alertness_hourly.csv"), hours)
	bed := map[string]map[string]string{}
	for _, r := range ps.csv("sleepwise_circadian_bedtime.csv") {
		bed[r["key"]] = r
	}
	require.Len(ps.t, ps.csv("sleepwise_circadian_bedtime.csv"), len(cs))
	for _, c := range cs {
		r := bed[pluginapi.SleepWiseCircadianBedtimeKey(user, mustUTC(c.PeriodStartTime))]
		require.NotNil(ps.t, r, c.PeriodStartTime)
		assert.Equal(ps.t, mustUTC(c.SleepGateStartTime).Format(time.RFC3339), r["sleep_gate_start_utc"])
		assert.Equal(ps.t, []string{c.Quality, c.Validity, c.ResultType}, []string{r["quality"], r["validity"], r["result_type"]})
	}
	return rows
}

func mustUTC(s string) time.Time {
	t, err := accesslink.ParseUTC(s)
	if err != nil {
		panic(err)
	}
	return t
}

var sleepWiseEvents = []accesslink.WebhookEvent{accesslink.EventExercise, accesslink.EventSleep,
	accesslink.EventSleepWiseAlertness, accesslink.EventSleepWiseCircadianBedtime}

// A signed SLEEP_WISE_* push after a night costs one ranged call each
// (what it announces) and its periods become rows.
func TestSleepWisePushToCSV(t *testing.T) {
	ps := startPolar(t, polarOpts{hookEvents: sleepWiseEvents})
	n, err := ps.sim.AddSleep(ps.users[0])
	require.NoError(t, err)
	ps.settle()
	as, cs := ps.sim.SleepWise(ps.users[0])
	require.Len(t, as, 1)
	ps.assertSleepWiseCSV(as, cs)
	st := ps.sim.Stats().Requests
	assert.Equal(t, 1, st["GET /v3/users/sleepwise/alertness/date"])
	assert.Equal(t, 1, st["GET /v3/users/sleepwise/circadian-bedtime/date"])
	assert.Zero(t, st["GET /v3/users/sleepwise/alertness"]+st["GET /v3/users/sleepwise/circadian-bedtime"])
	var pushed int
	for _, d := range ps.sim.Deliveries() {
		if d.Event == accesslinksim.EventAlertness || d.Event == accesslinksim.EventCircadianBedtime {
			pushed++
			require.NoError(t, d.Err)
			p, err := accesslink.ParseWebhook(d.Body)
			require.NoError(t, err)
			assert.Equal(t, n.End.Format(time.DateOnly), p.To)
		}
	}
	assert.Equal(t, 2, pushed)

	// A poll finds the same periods known: nothing queued, nothing new.
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: []string{poller.KindSleepWiseAlertness, poller.KindSleepWiseCircadianBedtime}})
	require.NoError(t, err)
	ps.settle()
	assert.Zero(t, prog.Changed)
	ps.assertSleepWiseCSV(as, cs)
}

// A dropped push: the poll finds the night's periods in the 28-day
// lists, and they travel in their events (no call beyond the lists).
func TestSleepWisePollFindsWhatThePushMissed(t *testing.T) {
	ps := startPolar(t, polarOpts{history: 3, hookEvents: sleepWiseEvents})
	_, err := ps.sim.AddSleep(ps.users[0], accesslinksim.Drop())
	require.NoError(t, err)
	ps.settle()
	assert.Empty(t, ps.csv("sleepwise_alertness.csv"))
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: []string{poller.KindSleepWiseAlertness, poller.KindSleepWiseCircadianBedtime}})
	require.NoError(t, err)
	ps.settle()
	as, cs := ps.sleepWise("")
	require.NotEmpty(t, as)
	assert.Equal(t, len(as)+len(cs), prog.Queued)
	ps.assertSleepWiseCSV(as, cs)
	st := ps.sim.Stats().Requests
	assert.Equal(t, 1, st["GET /v3/users/sleepwise/alertness"])
	assert.Equal(t, 1, st["GET /v3/users/sleepwise/circadian-bedtime"])
	assert.Zero(t, st["GET /v3/users/sleepwise/alertness/date"]+st["GET /v3/users/sleepwise/circadian-bedtime/date"])
}

// A prediction that becomes history (the period's end passed) is
// re-computed by Polar: a new version of its key, one row, updated.
func TestRecomputedAlertnessIsANewVersionShownOnce(t *testing.T) {
	// 09:30 in Helsinki, the first user's zone: this morning's night's
	// period ends tonight.
	at := time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)
	ps := startPolar(t, polarOpts{at: at, noHook: true})
	_, err := ps.sim.AddSleep(ps.users[0])
	require.NoError(t, err)
	kinds := []string{poller.KindSleepWiseAlertness}
	_, err = ps.d.PollOnce(context.Background(), poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	ps.settle()
	as, _ := ps.sim.SleepWise(ps.users[0])
	require.Len(t, as, 1)
	require.Equal(t, "ALERTNESS_TYPE_PREDICTION", as[0].ResultType)
	before := ps.csv("sleepwise_alertness.csv")
	require.Len(t, before, 1)

	require.NoError(t, ps.clock.Sleep(context.Background(), 16*time.Hour))
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Changed)
	ps.settle()
	after := ps.csv("sleepwise_alertness.csv")
	require.Len(t, after, 1, "one row per period")
	assert.Equal(t, before[0]["key"], after[0]["key"])
	assert.NotEqual(t, before[0]["version"], after[0]["version"])
	assert.Equal(t, "ALERTNESS_TYPE_HISTORY", after[0]["result_type"])
	assert.Equal(t, "VALIDITY_VALID", after[0]["validity"])
	as, _ = ps.sim.SleepWise(ps.users[0])
	assert.Len(t, ps.csv("sleepwise_alertness_hourly.csv"), len(as[0].HourlyData), "the old version's hours are replaced")
}

// A signed SLEEP_WISE_* push whose range cannot be read is dead-lettered
// with a message that says what is wrong; Polar is not called.
func TestMalformedSleepWisePushDeadLettered(t *testing.T) {
	ps := startPolar(t, polarOpts{hookEvents: sleepWiseEvents})
	hook, ok := ps.sim.Webhook()
	require.True(t, ok)
	body := fmt.Sprintf(`{"event":"SLEEP_WISE_ALERTNESS","user_id":%d,"from":"last week","to":"2026-12-01","timestamp":"2026-12-01T21:00:00Z"}`, ps.users[0])
	req, err := http.NewRequest(http.MethodPost, ps.hookURL, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set(webhook.HeaderEvent, "SLEEP_WISE_ALERTNESS")
	req.Header.Set(webhook.HeaderSignature, accesslinksim.Sign(hook.SecretKey, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var entries []dlq.Entry
	require.Eventually(t, func() bool {
		entries, err = dlq.New(ps.d.Bus).List(context.Background(), "")
		return err == nil && len(entries) == 1
	}, 30*time.Second, 50*time.Millisecond)
	assert.Contains(t, entries[0].Error, `"last week" is not YYYY-MM-DD`)
	assert.Zero(t, ps.sim.Stats().Requests["GET /v3/users/sleepwise/alertness/date"])
}
