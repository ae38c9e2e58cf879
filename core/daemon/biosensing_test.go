package daemon_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testinflux"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// biosensing is what the simulator serves the users from from ("": the
// last 28 days).
func (ps *polarSetup) biosensing(from string) accesslinksim.Biosensing {
	var out accesslinksim.Biosensing
	for _, id := range ps.users {
		f, to := ps.window(ps.simUser(id), from)
		in := func(d string) bool { return d >= f && d <= to }
		b := ps.sim.BiosensingData(id)
		for _, v := range b.SkinTemperatures {
			if in(v.SleepDate) {
				out.SkinTemperatures = append(out.SkinTemperatures, v)
			}
		}
		for _, v := range b.SkinContacts {
			if in(v.Date()) {
				out.SkinContacts = append(out.SkinContacts, v)
			}
		}
		for _, v := range b.ECGTests {
			if in(v.Date()) {
				out.ECGTests = append(out.ECGTests, v)
			}
		}
		for _, v := range b.SpO2Tests {
			if in(v.Date()) {
				out.SpO2Tests = append(out.SpO2Tests, v)
			}
		}
	}
	return out
}

// assertBiosensingCalls checks each biosensing endpoint was called n
// times.
func assertBiosensingCalls(t *testing.T, st accesslinksim.Stats, n int) {
	t.Helper()
	for _, e := range []string{"skintemperature", "skincontacts", "ecg", "spo2"} {
		assert.Equal(t, n, st.Requests["GET /v3/users/biosensing/"+e], e)
	}
}

var biosensingKinds = []string{poller.KindSkinTemperature, poller.KindSkinContacts, poller.KindECG, poller.KindSpO2}

// assertBiosensingCSV checks every entry is one row with the simulator's
// values, skin temperature days at the user's local midnight, tests at
// Polar's offset, ECG samples in ecg_samples.csv.
func (ps *polarSetup) assertBiosensingCSV(b accesslinksim.Biosensing) {
	ps.t.Helper()
	user := strconv.FormatInt(ps.users[0], 10)
	byKey := func(file string) map[string]map[string]string {
		m := map[string]map[string]string{}
		for _, r := range ps.csv(file) {
			m[r["key"]] = r
		}
		return m
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	temps := byKey("skin_temperature.csv")
	require.Len(ps.t, ps.csv("skin_temperature.csv"), len(b.SkinTemperatures))
	for _, v := range b.SkinTemperatures {
		r := temps[pluginapi.SkinTemperatureKey(user, v.SleepDate)]
		require.NotNil(ps.t, r, v.SleepDate)
		assert.Equal(ps.t, ps.localMidnightUTC(ps.users[0], v.SleepDate), r["day_start_utc"])
		assert.Equal(ps.t, []string{f(v.SleepTimeSkinTemperatureCelsius), f(v.DeviationFromBaselineCelsius)},
			[]string{r["sleep_time_skin_temperature_c"], r["deviation_from_baseline_c"]})
	}
	contacts := byKey("skin_contacts.csv")
	require.Len(ps.t, ps.csv("skin_contacts.csv"), len(b.SkinContacts))
	changes := 0
	for _, v := range b.SkinContacts {
		r := contacts[pluginapi.SkinContactsKey(user, mustUTC(v.StartTime))]
		require.NotNil(ps.t, r, v.StartTime)
		assert.Equal(ps.t, fmt.Sprint(len(v.SkinContactChanges)), r["changes"])
		changes += len(v.SkinContactChanges)
	}
	assert.Len(ps.t, ps.csv("skin_contact_changes.csv"), changes)
	ecg := byKey("ecg_tests.csv")
	require.Len(ps.t, ps.csv("ecg_tests.csv"), len(b.ECGTests))
	for _, v := range b.ECGTests {
		at := time.Unix(v.TestTime, 0)
		r := ecg[pluginapi.ECGTestKey(user, at)]
		require.NotNil(ps.t, r, at)
		assert.Equal(ps.t, at.In(time.FixedZone("", v.TimeZoneOffset*60)).Format(time.RFC3339), r["test_time_local"])
		assert.Equal(ps.t, []string{fmt.Sprint(v.AverageHeartRateBPM), f(v.HeartRateVariabilityMS), v.HeartRateVariabilityLevel, f(v.RRIMS), fmt.Sprint(len(v.Samples))},
			[]string{r["average_heart_rate_bpm"], r["heart_rate_variability_ms"], r["heart_rate_variability_level"], r["rri_ms"], r["samples"]})
	}
	spo2 := byKey("spo2_tests.csv")
	require.Len(ps.t, ps.csv("spo2_tests.csv"), len(b.SpO2Tests))
	for _, v := range b.SpO2Tests {
		r := spo2[pluginapi.SpO2TestKey(user, time.Unix(v.TestTime, 0))]
		require.NotNil(ps.t, r, v.TestTime)
		assert.Equal(ps.t, []string{v.TestStatus, fmt.Sprint(v.BloodOxygenPercent), v.SpO2Class, f(v.AltitudeMeters)},
			[]string{r["test_status"], r["blood_oxygen_percent"], r["spo2_class"], r["altitude_m"]})
	}
}

// Polar has no webhook for biosensing: a poll lists the last 28 days of
// each kind in one call, the entries travel in their events.
func TestPollerBiosensingToCSV(t *testing.T) {
	ps := startPolar(t, polarOpts{history: 20, noHook: true})
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: biosensingKinds})
	require.NoError(t, err)
	ps.settle()
	b := ps.biosensing("")
	require.NotEmpty(t, b.ECGTests, "the simulator has tests")
	assert.Equal(t, len(b.SkinTemperatures)+len(b.SkinContacts)+len(b.ECGTests)+len(b.SpO2Tests), prog.Queued)
	ps.assertBiosensingCSV(b)
	assert.Equal(t, 4, totalRequests(ps.sim.Stats()), "one list call per kind")
	assertBiosensingCalls(t, ps.sim.Stats(), 1)

	prog, err = ps.d.PollOnce(context.Background(), poller.Scope{Kinds: biosensingKinds})
	require.NoError(t, err)
	assert.Zero(t, prog.Queued+prog.Changed, "nothing new")
}

// A backfill over 40 days asks each kind in 28-day ranges: 2 calls per
// kind, 8 in all, and every entry from Since's date on is a row.
func TestBackfillBiosensingIn28DayRanges(t *testing.T) {
	ps := startPolar(t, polarOpts{history: 45, noHook: true})
	// defaultInstant is 2026-12-01 21:45 UTC: 2026-12-02 in UTC+14.
	since := time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC)
	prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: biosensingKinds, Since: since})
	require.NoError(t, err)
	ps.settle()
	b := ps.biosensing("2026-10-24")
	assert.Greater(t, len(b.SkinTemperatures), 28, "more nights than one call holds")
	assert.Equal(t, len(b.SkinTemperatures)+len(b.SkinContacts)+len(b.ECGTests)+len(b.SpO2Tests), prog.Queued)
	ps.assertBiosensingCSV(b)
	st := ps.sim.Stats()
	assertBiosensingCalls(t, st, 2) // 40 days: 2 ranged calls per kind
	assert.Equal(t, 8, totalRequests(st), "nothing else")
}

var listedKinds = append([]string{poller.KindSleepWiseAlertness, poller.KindSleepWiseCircadianBedtime}, biosensingKinds...)

// listedCSV is each listed kind's one-row-per-record file.
var listedCSV = map[string]string{
	poller.KindSleepWiseAlertness: "sleepwise_alertness.csv", poller.KindSleepWiseCircadianBedtime: "sleepwise_circadian_bedtime.csv",
	poller.KindSkinTemperature: "skin_temperature.csv", poller.KindSkinContacts: "skin_contacts.csv",
	poller.KindECG: "ecg_tests.csv", poller.KindSpO2: "spo2_tests.csv",
}

// Polar calls per exported record, counted, against the minimum the docs
// allow: a kind's list holds 28 days in one call and its entries travel
// in their events, so one call per kind and 28 days whatever the number
// of records; then a 28-day backfill (--since 28d: 29 dates up to the
// latest date on Earth, 30 here) for one user: 2 ranged calls per kind.
func TestSleepWiseBiosensingCallsPerRecord(t *testing.T) {
	ps := startPolar(t, polarOpts{history: 40, noHook: true})
	_, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: listedKinds})
	require.NoError(t, err)
	ps.settle()
	st := ps.sim.Stats().Requests
	total := 0
	for _, k := range listedKinds {
		rows := len(ps.csv(listedCSV[k]))
		require.NotZero(t, rows, k)
		total += rows
		t.Logf("poll %-28s %2d records, 1 call: %.3f calls/record (minimum 1 call per 28 days)", k, rows, 1/float64(rows))
	}
	assert.Equal(t, 1, st["GET /v3/users/sleepwise/alertness"])
	assert.Equal(t, 1, st["GET /v3/users/sleepwise/circadian-bedtime"])
	assertBiosensingCalls(t, ps.sim.Stats(), 1)
	assert.Equal(t, 6, totalRequests(ps.sim.Stats()), "the minimum: one list per kind")
	t.Logf("poll: %d records for 6 calls", total)

	before := totalRequests(ps.sim.Stats())
	since := ps.clock.Now().AddDate(0, 0, -28)
	began := time.Now()
	_, err = ps.d.PollOnce(context.Background(), poller.Scope{Kinds: listedKinds, Since: since})
	require.NoError(t, err)
	listed := time.Since(began)
	ps.settle()
	last := ps.clock.Now().In(time.FixedZone("UTC+14", 14*3600))
	dates := int(time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC).Sub(time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC)).Hours()/24) + 1
	perKind := (dates + 27) / 28
	calls := totalRequests(ps.sim.Stats()) - before
	assert.Equal(t, 6*perKind, calls, "%d dates: %d ranged calls per kind", dates, perKind)
	t.Logf("28-day backfill for one user: %d dates, %d calls (%d per kind), listed in %v", dates, calls, perKind, listed.Round(time.Millisecond))
}

// SleepWise and biosensing through the InfluxDB plugin binary into a real
// InfluxDB: a point per period, hour, night and test, ECG samples at
// millisecond times; a re-computed period replaces its points.
func TestInfluxDBSleepWiseBiosensing(t *testing.T) {
	influx := testinflux.Start(t)
	influx.CreateDatabase("polar")
	// 09:30 in Helsinki: this morning's alertness period is a prediction.
	at := time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)
	ps := startPolar(t, polarOpts{at: at, history: 12, noHook: true, plugins: `plugins:
  influxdb:
    path: ` + binary(t, "plugins/influxdb") + `
    config:
      url: ` + influx.URL + `
      database: polar
      batch_max_points: 5000
`})
	_, err := ps.sim.AddSleep(ps.users[0])
	require.NoError(t, err)
	count := func(query string) int {
		t.Helper()
		n := 0
		for _, s := range influx.MustQuery("polar", query) {
			n += len(s.Values)
		}
		return n
	}
	poll := func() poller.Progress {
		t.Helper()
		prog, err := ps.d.PollOnce(context.Background(), poller.Scope{Kinds: listedKinds})
		require.NoError(t, err)
		ps.settle("influxdb")
		return prog
	}
	check := func() {
		t.Helper()
		as, cs := ps.sleepWise("")
		b := ps.biosensing("")
		hours, samples, changes := 0, 0, 0
		for _, a := range as {
			hours += len(a.HourlyData)
		}
		for _, e := range b.ECGTests {
			samples += len(e.Samples)
		}
		for _, c := range b.SkinContacts {
			changes += len(c.SkinContactChanges)
		}
		require.NotZero(t, samples)
		assert.Equal(t, len(as), count(`SELECT grade FROM sleepwise_alertness`))
		assert.Equal(t, hours, count(`SELECT level FROM sleepwise_alertness_hourly`))
		assert.Equal(t, len(cs), count(`SELECT quality FROM sleepwise_circadian_bedtime`))
		assert.Equal(t, len(b.SkinTemperatures), count(`SELECT temperature_c FROM skin_temperature`))
		assert.Equal(t, changes, count(`SELECT skin_contact FROM skin_contact`))
		assert.Equal(t, len(b.ECGTests), count(`SELECT rri_ms FROM ecg`))
		assert.Equal(t, samples, count(`SELECT amplitude_mv FROM ecg_sample`))
		assert.Equal(t, len(b.SpO2Tests), count(`SELECT blood_oxygen_percent FROM spo2`))
	}
	poll()
	check()
	require.Equal(t, 1, count(`SELECT grade FROM sleepwise_alertness WHERE result_type = 'ALERTNESS_TYPE_PREDICTION'`))

	require.NoError(t, ps.clock.Sleep(context.Background(), 16*time.Hour))
	assert.NotZero(t, poll().Changed)
	check()
	assert.Zero(t, count(`SELECT grade FROM sleepwise_alertness WHERE result_type = 'ALERTNESS_TYPE_PREDICTION'`), "the prediction's point was replaced")
}
