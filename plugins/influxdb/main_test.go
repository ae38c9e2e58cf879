package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/polarbridge/polarbridge/internal/testinflux"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/influxdb/influxexport"
)

// pluginBin is the plugin binary, built once by TestMain.
var pluginBin string

func TestMain(m *testing.M) { os.Exit(pluginapi.RunWithPlugin(m, ".", &pluginBin)) }

// TestSampleConfig checks that the sample documents every key and is a
// valid block.
func TestSampleConfig(t *testing.T) {
	var block map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(sampleConfig), &block))
	typ := reflect.TypeFor[influxexport.Config]()
	for i := range typ.NumField() {
		key := typ.Field(i).Tag.Get("json")
		assert.Contains(t, block, key, "config.sample.yaml does not show key %q", key)
	}
	raw, err := json.Marshal(block)
	require.NoError(t, err)
	_, err = influxexport.ParseConfig(raw)
	require.NoError(t, err)
}

// setup starts InfluxDB with database polar and the plugin binary
// configured for it.
func setup(t *testing.T, extra map[string]any) (*testinflux.Server, *pluginapi.Harness) {
	t.Helper()
	srv := testinflux.Start(t)
	srv.CreateDatabase("polar")
	h, err := pluginapi.NewBinaryHarness(pluginBin)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	cfg := map[string]any{"url": srv.URL, "database": "polar"}
	for k, v := range extra {
		cfg[k] = v
	}
	require.NoError(t, h.Configure(context.Background(), cfg))
	return srv, h
}

func exportOK(t *testing.T, h *pluginapi.Harness, recs ...*pluginapi.Record) {
	t.Helper()
	results, err := h.Export(context.Background(), recs...)
	require.NoError(t, err)
	for i, r := range results {
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), "%s: %s", recs[i].GetKey(), r.GetMessage())
	}
}

// measurements and a field each always has, to count points by.
var countFields = map[string]string{
	"exercise": "duration_seconds", "exercise_sample": "heart_rate", "exercise_hr_zone": "seconds",
	"sleep": "light_sleep_seconds", "sleep_stage": "stage", "sleep_heart_rate": "heart_rate",
	"nightly_recharge": "ans_charge", "nightly_recharge_sample": "hrv",
}

func counts(srv *testinflux.Server) map[string]int {
	out := map[string]int{}
	for m, f := range countFields {
		out[m] = srv.Count("polar", m, f)
	}
	return out
}

// rows returns the rows of a query's single series as maps.
func rows(t *testing.T, srv *testinflux.Server, q string) []map[string]any {
	t.Helper()
	series := srv.MustQuery("polar", q)
	var out []map[string]any
	for _, s := range series {
		for _, v := range s.Values {
			row := map[string]any{}
			for i, c := range s.Columns {
				row[c] = v[i]
			}
			for k, tv := range s.Tags {
				row[k] = tv
			}
			out = append(out, row)
		}
	}
	return out
}

func ms(t time.Time) float64 { return float64(t.UnixMilli()) }

var exStart = time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC)

func records(version string) (ex, sl, nr *pluginapi.Record) {
	ex = testrecords.Exercise("475", "a1", exStart, time.Hour)
	sl = testrecords.Sleep("475", "2026-05-05")
	nr = testrecords.NightlyRecharge("475", "2026-05-05")
	for _, r := range []*pluginapi.Record{ex, sl, nr} {
		r.Version = version
	}
	return ex, sl, nr
}

func TestInfluxWriteReadBackAndIdempotency(t *testing.T) {
	srv, h := setup(t, nil)
	ex, sl, nr := records("v1")
	exportOK(t, h, ex, sl, nr)

	// Exercise summary: one point at the start, tagged for grouping.
	sum := rows(t, srv, `SELECT * FROM exercise`)
	require.Len(t, sum, 1)
	assert.Equal(t, ms(exStart), sum[0]["time"])
	for k, v := range map[string]any{
		"user": "475", "sport": "RUNNING", "detailed_sport": "RUNNING", "fit_sport": "RUNNING",
		"device": "Polar Vantage V3", "source": "accesslink", "exercise_id": "a1", "version": "v1",
		"duration_seconds": 3600.0, "heart_rate_avg": 142.0, "heart_rate_max": 171.0, "training_load": 96.0,
		"running_index": 51.0, "has_route": true, "utc_offset_minutes": 120.0, "fit_sport_id": 1.0,
	} {
		assert.Equal(t, v, sum[0][k], k)
	}
	assert.Nil(t, sum[0]["fit_sub_sport"], "an empty tag is left out")

	// Samples: one point per second with every series' value.
	e := ex.GetExercise()
	samples := rows(t, srv, `SELECT heart_rate, speed, cadence, altitude, distance, lat, lon FROM exercise_sample WHERE exercise_id = 'a1' AND "user" = '475'`)
	require.Len(t, samples, 3600)
	for i, row := range samples {
		require.Equal(t, ms(exStart.Add(time.Duration(i)*time.Second)), row["time"], "sample %d", i)
		for field, st := range map[string]pluginapi.SampleType{
			"heart_rate": pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, "speed": pluginapi.SampleType_SAMPLE_TYPE_SPEED,
			"cadence": pluginapi.SampleType_SAMPLE_TYPE_CADENCE, "altitude": pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE,
			"distance": pluginapi.SampleType_SAMPLE_TYPE_DISTANCE, "lat": pluginapi.SampleType_SAMPLE_TYPE_LATITUDE,
			"lon": pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE,
		} {
			require.Equal(t, e.Series(st).GetValues()[i], row[field], "sample %d %s", i, field)
		}
	}
	zones := rows(t, srv, `SELECT * FROM exercise_hr_zone GROUP BY zone`)
	require.Len(t, zones, 5)
	assert.Equal(t, "3", zones[2]["zone"])
	assert.Equal(t, 1440.0, zones[2]["seconds"])
	assert.Equal(t, ms(exStart), zones[2]["time"])

	// Sleep: the summary at the night's date, stages and heart rate at
	// their own times.
	s := sl.GetSleep()
	sleep := rows(t, srv, `SELECT * FROM sleep`)
	require.Len(t, sleep, 1)
	assert.Equal(t, ms(time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC)), sleep[0]["time"])
	assert.Equal(t, 82.0, sleep[0]["sleep_score"])
	assert.Equal(t, 14400.0, sleep[0]["light_sleep_seconds"])
	assert.Equal(t, 26100.0, sleep[0]["asleep_seconds"])
	assert.Equal(t, 71.5, sleep[0]["group_solidity_score"])
	assert.Equal(t, float64(s.GetStart().GetUtc().AsTime().Unix()), sleep[0]["start"])
	stages := rows(t, srv, `SELECT stage, stage_name, level FROM sleep_stage`)
	require.Len(t, stages, len(s.GetHypnogram()))
	for i, hs := range s.GetHypnogram() {
		assert.Equal(t, ms(hs.GetTime().GetUtc().AsTime()), stages[i]["time"])
		assert.Equal(t, float64(hs.GetStage()), stages[i]["stage"])
	}
	assert.Equal(t, "lighter_non_rem", stages[0]["stage_name"])
	assert.Equal(t, 2.0, stages[0]["level"])
	hr := rows(t, srv, `SELECT heart_rate FROM sleep_heart_rate`)
	require.Len(t, hr, len(s.GetHeartRate().GetValues()))
	assert.Equal(t, ms(s.GetStart().GetUtc().AsTime().Add(5*time.Minute)), hr[1]["time"])
	assert.Equal(t, s.GetHeartRate().GetValues()[1], hr[1]["heart_rate"])

	// Nightly recharge.
	rc := rows(t, srv, `SELECT * FROM nightly_recharge`)
	require.Len(t, rc, 1)
	assert.Equal(t, 2.5, rc[0]["ans_charge"])
	assert.Equal(t, 44.0, rc[0]["hrv_avg_ms"])
	assert.Equal(t, 1071.0, rc[0]["beat_to_beat_avg_ms"])
	assert.Equal(t, 13.6, rc[0]["breathing_rate_avg"])
	rs := rows(t, srv, `SELECT hrv, breathing_rate FROM nightly_recharge_sample`)
	require.Len(t, rs, 48)
	assert.Equal(t, 41.0, rs[1]["hrv"])
	assert.Equal(t, 13.5, rs[1]["breathing_rate"])

	want := map[string]int{
		"exercise": 1, "exercise_sample": 3600, "exercise_hr_zone": 5,
		"sleep": 1, "sleep_stage": len(s.GetHypnogram()), "sleep_heart_rate": len(s.GetHeartRate().GetValues()),
		"nightly_recharge": 1, "nightly_recharge_sample": 48,
	}
	require.Equal(t, want, counts(srv))

	// The same records again (a redelivery): nothing changes.
	exportOK(t, h, ex, sl, nr)
	require.Equal(t, want, counts(srv))

	// New versions overwrite values in place.
	ex2, sl2, nr2 := records("v2")
	ex2.GetExercise().HeartRateAvg = 150
	hrs := ex2.GetExercise().Series(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE)
	for i := range hrs.Values {
		hrs.Values[i]++
	}
	sl2.GetSleep().SleepScore = 90
	nr2.GetNightlyRecharge().AnsCharge = -1.5
	exportOK(t, h, ex2, sl2, nr2)
	require.Equal(t, want, counts(srv))
	assert.Equal(t, 150.0, rows(t, srv, `SELECT heart_rate_avg FROM exercise`)[0]["heart_rate_avg"])
	assert.Equal(t, "v2", rows(t, srv, `SELECT version FROM exercise`)[0]["version"])
	assert.Equal(t, hrs.Values[10], rows(t, srv, `SELECT heart_rate FROM exercise_sample`)[10]["heart_rate"])
	assert.Equal(t, 90.0, rows(t, srv, `SELECT sleep_score FROM sleep`)[0]["sleep_score"])
	assert.Equal(t, -1.5, rows(t, srv, `SELECT ans_charge FROM nightly_recharge`)[0]["ans_charge"])
}

// TestInfluxNewVersionRemovesStalePoints: an edited sport (a tag) and a shorter
// exercise leave no points of the old version behind.
func TestInfluxNewVersionRemovesStalePoints(t *testing.T) {
	srv, h := setup(t, nil)
	ex := testrecords.Exercise("475", "a1", exStart, time.Hour)
	ex.Version = "v1"
	exportOK(t, h, ex)

	ex2 := testrecords.Exercise("475", "a1", exStart.Add(time.Minute), 30*time.Minute)
	ex2.Version = "v2"
	ex2.GetExercise().DetailedSport = "TRAIL_RUNNING"
	ex2.GetExercise().FitSubSport = "TRAIL"
	exportOK(t, h, ex2)

	sum := rows(t, srv, `SELECT * FROM exercise`)
	require.Len(t, sum, 1)
	assert.Equal(t, "TRAIL_RUNNING", sum[0]["detailed_sport"])
	assert.Equal(t, ms(exStart.Add(time.Minute)), sum[0]["time"])
	assert.Equal(t, 1800, srv.Count("polar", "exercise_sample", "heart_rate"))
	assert.Equal(t, 5, srv.Count("polar", "exercise_hr_zone", "seconds"))
	first := rows(t, srv, `SELECT first(heart_rate) FROM exercise_sample`)
	assert.Equal(t, ms(exStart.Add(time.Minute)), first[0]["time"])
}

// TestInfluxServerStopsMidStream: while InfluxDB is down the plugin answers
// Retry; re-sending those records (as the daemon does) after the restart
// loses nothing and doubles nothing.
func TestInfluxServerStopsMidStream(t *testing.T) {
	srv, h := setup(t, map[string]any{"timeout": "2s"})
	var pending []*pluginapi.Record
	for i := range 8 {
		r := testrecords.Exercise("475", fmt.Sprintf("e%d", i), exStart.Add(time.Duration(i)*time.Hour), 20*time.Minute)
		r.Version = "v1"
		pending = append(pending, r)
	}
	pending = append(pending, testrecords.Sleep("475", "2026-05-05"), testrecords.NightlyRecharge("475", "2026-05-05"))

	retried := 0
	for round := 0; len(pending) > 0; round++ {
		require.Less(t, round, 50, "records never arrived")
		switch round {
		case 2:
			srv.Stop()
		case 4:
			srv.Restart()
		}
		batch := pending[:min(3, len(pending))]
		pending = pending[len(batch):]
		results, err := h.Export(context.Background(), batch...)
		require.NoError(t, err)
		for i, r := range results {
			switch r.GetStatus() {
			case pluginapi.ExportResult_STATUS_OK:
			case pluginapi.ExportResult_STATUS_RETRY:
				assert.Contains(t, r.GetMessage(), "did not answer")
				retried++
				pending = append(pending, batch[i])
			default:
				t.Fatalf("%s: %s %s", batch[i].GetKey(), r.GetStatus(), r.GetMessage())
			}
		}
	}
	assert.Positive(t, retried, "the stop was noticed")
	got := counts(srv)
	assert.Equal(t, 8, got["exercise"])
	assert.Equal(t, 8*1200, got["exercise_sample"])
	assert.Equal(t, 8*5, got["exercise_hr_zone"])
	assert.Equal(t, 1, got["sleep"])
	assert.Equal(t, 48, got["nightly_recharge_sample"])
}

// TestInfluxConfigureChecks: the problems Configure reports against a real
// server.
func TestInfluxConfigureChecks(t *testing.T) {
	srv := testinflux.Start(t)
	h, err := pluginapi.NewBinaryHarness(pluginBin)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	ctx := context.Background()

	err = h.Configure(ctx, map[string]any{"url": srv.URL, "database": "polar"})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `database "polar" does not exist`)
	assert.Contains(t, err.Error(), `CREATE DATABASE "polar"`)

	srv.CreateDatabase("polar")
	err = h.Configure(ctx, map[string]any{"url": srv.URL, "database": "polar", "retention_policy": "week"})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `retention policy "week" does not exist`)

	require.NoError(t, h.Configure(ctx, map[string]any{"url": srv.URL, "database": "polar"}))

	srv.Stop()
	err = h.Configure(ctx, map[string]any{"url": srv.URL, "database": "polar"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "InfluxDB at "+srv.URL+" is unreachable")
	assert.Contains(t, err.Error(), "connection refused")
	require.NoError(t, h.Configure(ctx, map[string]any{"url": srv.URL, "database": "polar", "check": "false"}), "check off, set as a string (environment)")
}

func TestInfluxFieldTypeConflictIsPermanentForThatRecordOnly(t *testing.T) {
	srv, h := setup(t, nil)
	// Someone else wrote sleep_score as a string (types are per shard: at
	// the same time).
	writeRaw(t, srv, fmt.Sprintf("sleep,user=1 sleep_score=\"good\" %d", time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC).Unix()))

	ex, sl, nr := records("v1")
	results, err := h.Export(context.Background(), ex, sl, nr)
	require.NoError(t, err)
	assert.Equal(t, pluginapi.ExportResult_STATUS_OK, results[0].GetStatus(), results[0].GetMessage())
	assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, results[1].GetStatus())
	assert.Contains(t, results[1].GetMessage(), `field type conflict: input field "sleep_score" on measurement "sleep"`)
	assert.Equal(t, pluginapi.ExportResult_STATUS_OK, results[2].GetStatus(), results[2].GetMessage())
	assert.Equal(t, 3600, srv.Count("polar", "exercise_sample", "heart_rate"))
	assert.Equal(t, 1, srv.Count("polar", "nightly_recharge", "ans_charge"))
}

func writeRaw(t *testing.T, srv *testinflux.Server, lines string) {
	t.Helper()
	resp, err := httpPost(srv.URL+"/write?db=polar&precision=s", lines)
	require.NoError(t, err)
	require.Equal(t, 204, resp, "write %q", lines)
}

// TestCheck: `polarbridge check` has the plugin check InfluxDB even with
// "check: false": a server that answers passes, one that is gone fails
// with where it was looked for (#16).
func TestCheck(t *testing.T) {
	srv, h := setup(t, map[string]any{"check": false})
	results, err := h.Check(context.Background())
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.True(t, results[0].GetOk(), results[0].GetMessage())
	assert.Equal(t, "InfluxDB at "+srv.URL, results[0].GetItem())

	srv.Stop()
	results, err = h.Check(context.Background())
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.False(t, results[0].GetOk())
	assert.Contains(t, results[0].GetMessage(), "is unreachable")
}
