package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/polarbridge/polarbridge/internal/testpg"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/postgres/pgexport"
)

// pluginBin is the plugin binary, built once by TestMain.
var pluginBin string

func TestMain(m *testing.M) { os.Exit(pluginapi.RunWithPlugin(m, ".", &pluginBin)) }

// night is the fixed date the test records are built around (no test
// depends on today).
var night = time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)

// TestSampleConfig checks that the sample documents every key and is a
// valid block.
func TestSampleConfig(t *testing.T) {
	var block map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(sampleConfig), &block))
	typ := reflect.TypeFor[pgexport.Config]()
	for i := range typ.NumField() {
		key := typ.Field(i).Tag.Get("json")
		assert.Contains(t, block, key, "config.sample.yaml does not show key %q", key)
	}
	raw, err := json.Marshal(block)
	require.NoError(t, err)
	h := pluginapi.NewHarness(pgexport.New(sampleConfig))
	defer h.Close()
	// Nothing listens on the sample's port; Configure must still succeed.
	block["dsn"] = "host=127.0.0.1 port=1 user=polar dbname=polar connect_timeout=1"
	require.NoError(t, h.Configure(context.Background(), block), "%s", raw)
}

// config is the plugin's config block for srv.
func config(srv *testpg.Server, extra map[string]any) map[string]any {
	cfg := map[string]any{"dsn": srv.DSN("postgres"), "password": testpg.Password, "connect_timeout": "2s", "timeout": "10s"}
	for k, v := range extra {
		cfg[k] = v
	}
	return cfg
}

// launch starts the plugin binary configured for srv.
func launch(t *testing.T, srv *testpg.Server, extra map[string]any) *pluginapi.Harness {
	t.Helper()
	h, err := pluginapi.NewBinaryHarness(pluginBin)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	require.NoError(t, h.Configure(context.Background(), config(srv, extra)))
	return h
}

func exportOK(t *testing.T, h *pluginapi.Harness, recs ...*pluginapi.Record) {
	t.Helper()
	res, err := h.Export(context.Background(), recs...)
	require.NoError(t, err)
	for i, r := range res {
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), "record %s: %s", recs[i].GetKey(), r.GetMessage())
	}
}

// counts returns the number of rows of every table of schema polar.
func counts(t *testing.T, conn *pgx.Conn) map[string]int {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'polar'")
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM polar."+tb).Scan(&n))
		out[tb] = n
	}
	return out
}

// tables is the README's table of where each kind goes: its table and
// the prefix of its child tables.
var tables = map[pluginapi.RecordKind][2]string{
	pluginapi.RecordKind_RECORD_KIND_EXERCISE:                    {"exercises", "exercise"},
	pluginapi.RecordKind_RECORD_KIND_SLEEP:                       {"sleeps", "sleep"},
	pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE:            {"nightly_recharges", "nightly_recharge"},
	pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION:                {"team_sessions", "team_session"},
	pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION:              {"player_sessions", "player_session"},
	pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD:                 {"cardio_loads", "cardio_load"},
	pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE:       {"continuous_heart_rates", "continuous_heart_rate"},
	pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY:              {"daily_activities", "daily_activity"},
	pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION:        {"physical_information", "physical_information"},
	pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS:         {"sleepwise_alertness", "sleepwise_alertness"},
	pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME: {"sleepwise_circadian_bedtimes", "sleepwise_circadian_bedtime"},
	pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE:            {"skin_temperatures", "skin_temperature"},
	pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS:               {"skin_contacts", "skin_contact"},
	pluginapi.RecordKind_RECORD_KIND_ECG_TEST:                    {"ecg_tests", "ecg_test"},
	pluginapi.RecordKind_RECORD_KIND_SPO2_TEST:                   {"spo2_tests", "spo2_test"},
}

// TestEveryKind exports a record of every kind through the plugin binary
// and reads every field back; then checks a redelivery changes nothing
// and a new version replaces the record's rows, child rows too.
func TestEveryKind(t *testing.T) {
	srv := testpg.Start(t)
	conn := srv.Conn()
	h := launch(t, srv, map[string]any{"store_files": true})
	desc, err := h.Describe(context.Background())
	require.NoError(t, err)
	require.Len(t, desc.GetKinds(), len(tables), "Describe's kinds")

	recs := everyKind("475", night)
	require.Len(t, recs, len(tables), "one record per kind")
	exportOK(t, h, recs...)
	for _, r := range recs {
		checkRecord(t, conn, r)
	}

	// Spot checks by hand, in the README's words.
	var sport, detailed, fitSub string
	var subID int64
	var hr []float64
	require.NoError(t, conn.QueryRow(context.Background(), `
		SELECT e.detailed_sport, e.fit_sub_sport, e.fit_sub_sport_id, e.sport, s.value
		FROM polar.exercises e JOIN polar.series s USING (record_key)
		WHERE s.sample_type = 'heart_rate' AND e.record_key = $1`, recs[0].GetKey()).Scan(&detailed, &fitSub, &subID, &sport, &hr))
	assert.Equal(t, []any{"TRAIL_RUNNING", "TRAIL", int64(3), "RUNNING"}, []any{detailed, fitSub, subID, sport})
	assert.Equal(t, recs[0].GetExercise().Series(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE).GetValues(), hr)
	var data []byte
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT data FROM polar.exercise_files WHERE record_key = $1`, recs[0].GetKey()).Scan(&data))
	assert.Equal(t, "hello", string(data))

	// A redelivery changes nothing.
	before := counts(t, conn)
	exportOK(t, h, recs...)
	assert.Equal(t, before, counts(t, conn), "rows after a redelivery")

	// A new version: one lap, one series fewer, another heart rate.
	ex := proto.Clone(recs[0]).(*pluginapi.Record)
	ex.Version = "v2"
	e := ex.GetExercise()
	e.Laps, e.Samples, e.HeartRateAvg = e.Laps[:1], e.Samples[1:], 150
	exportOK(t, h, ex)
	checkRecord(t, conn, ex)
	after := counts(t, conn)
	assert.Equal(t, before["exercise_laps"]-1, after["exercise_laps"])
	assert.Equal(t, before["series"]-1, after["series"])
	assert.Equal(t, before["exercises"], after["exercises"])
	var version string
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT version FROM polar.records WHERE key = $1`, ex.GetKey()).Scan(&version))
	assert.Equal(t, "v2", version)
}

// checkRecord reads rec back: its kind's row field by field, child rows
// element by element, and series. Column names follow the record model
// (README.md): a Time field x is x (x_time for start and end) and
// x_offset_min.
func checkRecord(t *testing.T, conn *pgx.Conn, rec *pluginapi.Record) {
	t.Helper()
	tb := tables[rec.GetKind()]
	m := rec.ProtoReflect()
	body := m.Get(m.WhichOneof(m.Descriptor().Oneofs().ByName("body"))).Message()
	rows := selectRows(t, conn, "SELECT to_jsonb(t) FROM polar."+tb[0]+" t WHERE record_key = $1", rec.GetKey())
	require.Len(t, rows, 1, "%s row of %s", tb[0], rec.GetKey())
	assert.Equal(t, rec.GetUserId(), rows[0]["user_id"], "%s.user_id", tb[0])
	checkFields(t, conn, rec.GetKey(), tb[0], tb[1], rows[0], body)
}

func checkFields(t *testing.T, conn *pgx.Conn, key, table, child string, got map[string]any, m protoreflect.Message) {
	t.Helper()
	fds := m.Descriptor().Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		name := string(fd.Name())
		where := table + "." + name + " of " + key
		switch {
		case fd.Message() != nil && fd.Message().Name() == "Series":
			var list []*pluginapi.Series
			if fd.IsList() {
				for j := range m.Get(fd).List().Len() {
					list = append(list, m.Get(fd).List().Get(j).Message().Interface().(*pluginapi.Series))
				}
			} else if m.Has(fd) {
				list = append(list, m.Get(fd).Message().Interface().(*pluginapi.Series))
			}
			checkSeries(t, conn, key, name, list)
		case fd.FullName() == "polarbridge.v1.ECGTest.samples":
			list := m.Get(fd).List()
			var offs []int32
			var amps []float64
			for j := range list.Len() {
				s := list.Get(j).Message().Interface().(*pluginapi.ECGSample)
				offs, amps = append(offs, s.GetRecordingTimeDeltaMs()), append(amps, s.GetAmplitudeMv())
			}
			assert.Equal(t, jsonArray(offs), got["samples_recording_time_delta_ms"], where)
			assert.Equal(t, jsonArray(amps), got["samples_amplitude_mv"], where)
		case fd.IsList():
			list := m.Get(fd).List()
			ct := child + "_" + name
			rows := selectRows(t, conn, "SELECT to_jsonb(c) FROM polar."+ct+" c WHERE record_key = $1 ORDER BY n", key)
			if fd.FullName() == "polarbridge.v1.DailyActivity.zone_samples" {
				n := 0
				for j := range list.Len() {
					n += len(list.Get(j).Message().Interface().(*pluginapi.ActivityZoneSample).GetZones())
				}
				assert.Len(t, rows, n, where)
				continue
			}
			require.Len(t, rows, list.Len(), where)
			for j := range list.Len() {
				checkFields(t, conn, key, ct, ct, rows[j], list.Get(j).Message())
			}
		case fd.Message() != nil: // Time
			col := name
			if name == "start" || name == "end" {
				col += "_time"
			}
			tm := m.Get(fd).Message().Interface().(*pluginapi.Time)
			if !m.Has(fd) {
				assert.Nil(t, got[col], where)
				continue
			}
			s, _ := got[col].(string)
			at, err := time.Parse(time.RFC3339Nano, s)
			if assert.NoError(t, err, where) {
				assert.True(t, at.Equal(tm.GetUtc().AsTime()), "%s: %s, want %s", where, at, tm.GetUtc().AsTime())
			}
			assert.Equal(t, float64(tm.GetUtcOffsetMinutes()), got[name+"_offset_min"], where)
		default:
			assert.Equal(t, want(fd, m.Get(fd)), got[name], where)
		}
	}
}

// want is a scalar field's value as to_jsonb shows its column.
func want(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if (fd.Name() == "date" || fd.Name() == "sleep_date") && v.String() == "" {
			return nil
		}
		return v.String()
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.Int32Kind, protoreflect.Int64Kind:
		return float64(v.Int())
	case protoreflect.Uint32Kind:
		return float64(v.Uint())
	case protoreflect.DoubleKind:
		return v.Float()
	case protoreflect.EnumKind:
		return strings.ToLower(strings.TrimPrefix(string(fd.Enum().Values().ByNumber(v.Enum()).Name()), "FILE_FORMAT_"))
	case protoreflect.BytesKind:
		return `\x` + hex.EncodeToString(v.Bytes())
	}
	return fmt.Sprintf("unhandled kind %s", fd.Kind())
}

func checkSeries(t *testing.T, conn *pgx.Conn, key, field string, want []*pluginapi.Series) {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT sample_type, start_time, offset_ms, value FROM polar.series
		WHERE record_key = $1 AND field = $2 ORDER BY n`, key, field)
	require.NoError(t, err)
	type series struct {
		typ   string
		start time.Time
		offs  []int64
		vals  []float64
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (series, error) {
		var s series
		return s, r.Scan(&s.typ, &s.start, &s.offs, &s.vals)
	})
	require.NoError(t, err)
	require.Len(t, got, len(want), "series %s of %s", field, key)
	for i, w := range want {
		assert.Equal(t, strings.ToLower(strings.TrimPrefix(w.GetType().String(), "SAMPLE_TYPE_")), got[i].typ)
		assert.True(t, got[i].start.Equal(w.GetStart().AsTime()), "series %s start", field)
		assert.Equal(t, w.GetOffsetMs(), got[i].offs, "series %s offsets", field)
		assert.Equal(t, w.GetValues(), got[i].vals, "series %s values", field)
	}
}

func selectRows(t *testing.T, conn *pgx.Conn, q string, args ...any) []map[string]any {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[map[string]any])
	require.NoError(t, err)
	return out
}

// jsonArray is a slice as to_jsonb shows an array column.
func jsonArray[T int32 | float64](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// TestCheck: `polarbridge check` has the plugin ping PostgreSQL with its
// credentials; a stopped server fails the check (#16).
func TestCheck(t *testing.T) {
	srv := testpg.Start(t)
	h := launch(t, srv, nil)
	results, err := h.Check(context.Background())
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.True(t, results[0].GetOk(), results[0].GetMessage())
	assert.Contains(t, results[0].GetItem(), "PostgreSQL at ")

	srv.Stop()
	results, err = h.Check(context.Background())
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.False(t, results[0].GetOk())
}
