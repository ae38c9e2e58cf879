package pgexport

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func TestParseConfig(t *testing.T) {
	set, err := parseConfig([]byte(`{"dsn": "host=db user=polar dbname=polar", "password": "pw", "store_files": "true", "timeout": "5s"}`), "pg-main")
	require.NoError(t, err)
	assert.Equal(t, "polar", set.schema)
	assert.True(t, set.storeFiles)
	assert.Equal(t, 5*time.Second, set.timeout)
	assert.Equal(t, 10*time.Second, set.pool.ConnConfig.ConnectTimeout)
	assert.Equal(t, "pw", set.pool.ConnConfig.Password)
	assert.Equal(t, "POLARBRIDGE_PLUGINS__PG-MAIN__CONFIG__PASSWORD", set.passwordEnvVar)
}

func TestParseConfigInvalid(t *testing.T) {
	for _, tc := range []struct{ cfg, want string }{
		{`{}`, `"dsn" is required`},
		{`{"dsn": "host=db", "schema": "Polar; DROP"}`, `"schema"`},
		{`{"dsn": "host=db", "timeout": "soon"}`, `"timeout"`},
		{`{"dsn": "host=db", "connect_timeout": "-1s"}`, `"connect_timeout"`},
		{`{"dsn": "host=db", "max_conns": 0}`, `"max_conns"`},
		{`{"dsn": "host=db", "dns": "x"}`, `unknown key "dns"`},
		{`{"dsn": "postgres://polar:hunter2-pw@db:notaport/polar", "password": "hunter2-pw"}`, `"dsn"`},
	} {
		_, err := parseConfig([]byte(tc.cfg), "postgres")
		if assert.True(t, errors.Is(err, pluginapi.ErrInvalidConfig), "%s: %v", tc.cfg, err) {
			assert.Contains(t, err.Error(), tc.want, tc.cfg)
			assert.NotContains(t, err.Error(), "hunter2-pw", "the password in a message")
		}
	}
}

func TestClassifyRedacts(t *testing.T) {
	set, err := parseConfig([]byte(`{"dsn": "host=db", "password": "s3cr3t-pw"}`), "postgres")
	require.NoError(t, err)
	o := set.classify("record x", errors.New(`failed to connect to "password=s3cr3t-pw": refused`))
	assert.Equal(t, pluginapi.ExportResult_STATUS_RETRY, o.result.GetStatus())
	assert.True(t, o.serverWide)
	assert.NotContains(t, o.result.GetMessage(), "s3cr3t-pw")
	assert.Contains(t, o.result.GetMessage(), "[redacted]")
}

// TestRecordRowsTimes: a Time is two columns, start is start_time, and a
// Series goes to the series table.
func TestRecordRowsTimes(t *testing.T) {
	raw := `{"kind": "RECORD_KIND_SLEEP", "key": "sleep.1.2026-05-01", "userId": "1",
		"sleep": {"date": "2026-05-01", "start": {"utc": "2026-04-30T21:10:00Z", "utcOffsetMinutes": 120},
		"heartRate": {"type": "SAMPLE_TYPE_HEART_RATE", "start": "2026-04-30T21:10:00Z", "offsetMs": ["0", "300000"], "values": [58, 57]}}}`
	rec := parseRecord(t, raw)
	rows, err := recordRows(rec, false)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	main := rows[0]
	assert.Equal(t, "sleeps", main.table)
	col := func(r row, name string) any {
		for i, c := range r.cols {
			if c == name {
				return r.vals[i]
			}
		}
		t.Fatalf("%s has no column %s: %v", r.table, name, r.cols)
		return nil
	}
	assert.Equal(t, time.Date(2026, 4, 30, 21, 10, 0, 0, time.UTC), col(main, "start_time"))
	assert.Equal(t, int32(120), col(main, "start_offset_min"))
	assert.Nil(t, col(main, "end_time"))
	assert.Equal(t, "2026-05-01", col(main, "date"))
	assert.Equal(t, "series", rows[1].table)
	assert.Equal(t, "heart_rate", col(rows[1], "field"))
	assert.Equal(t, "heart_rate", col(rows[1], "sample_type"))
	assert.Equal(t, []float64{58, 57}, col(rows[1], "value"))
	for _, r := range rows {
		assert.False(t, strings.Contains(strings.Join(r.cols, ","), "heart_rate_"), "no heart_rate columns on %s", r.table)
	}
}

// A series handed over packed (value_deltas, as the daemon sends them)
// is stored with its values, not as an empty list.
func TestRecordRowsPackedSeries(t *testing.T) {
	rec := parseRecord(t, `{"kind": "RECORD_KIND_SLEEP", "key": "sleep.1.2026-05-01", "userId": "1",
		"sleep": {"date": "2026-05-01", "heartRate": {"type": "SAMPLE_TYPE_HEART_RATE", "offsetMs": ["0", "300000", "600000"], "values": [58, 57, 56.5]}}}`)
	require.True(t, rec.GetSleep().GetHeartRate().PackValues())
	rows, err := recordRows(rec, false)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	for i, c := range rows[1].cols {
		if c == "value" {
			assert.Equal(t, []float64{58, 57, 56.5}, rows[1].vals[i])
		}
	}
	assert.Contains(t, rows[1].cols, "value")
}

func TestRecordRowsRefused(t *testing.T) {
	_, err := recordRows(&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "k"}, false)
	assert.ErrorContains(t, err, "no body")
	_, err = recordRows(&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "k",
		Body: &pluginapi.Record_CardioLoad{CardioLoad: &pluginapi.CardioLoad{}}}, false)
	assert.ErrorContains(t, err, "cardio_load body")
	_, err = recordRows(parseRecord(t, `{"kind": "RECORD_KIND_NIGHTLY_RECHARGE", "key": "k", "nightlyRecharge": {"hrv": {"offsetMs": ["1"]}}}`), false)
	assert.ErrorContains(t, err, "1 instants for 0 values")
}

func parseRecord(t *testing.T, raw string) *pluginapi.Record {
	t.Helper()
	var rec pluginapi.Record
	require.NoError(t, protojson.Unmarshal([]byte(raw), &rec))
	return &rec
}
