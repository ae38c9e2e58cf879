package influxexport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func TestParseConfigFromEnvironmentStrings(t *testing.T) {
	// As POLARBRIDGE_PLUGINS__INFLUXDB__CONFIG__* variables deliver them.
	cfg, err := ParseConfig([]byte(`{"url":"http://h:8086","database":"polar","gzip":"false","check":"0",
		"batch_max_points":"200","batch_max_bytes":"65536","timeout":"1m30s"}`))
	require.NoError(t, err)
	assert.Equal(t, Config{URL: "http://h:8086", API: "v1", Database: "polar", Gzip: false, Check: false,
		BatchMaxPoints: 200, BatchMaxBytes: 65536, Timeout: Dur(90 * time.Second)}, cfg)

	cfg, err = ParseConfig([]byte(`{"url":"https://h","api":"v3","database":"polar","token":"x","timeout":"5s"}`))
	require.NoError(t, err)
	assert.Equal(t, Dur(5*time.Second), cfg.Timeout)
	// A bare number is no duration (it used to be seconds here and
	// nanoseconds in the daemon's config).
	for _, bare := range []string{`5`, `"5"`} {
		_, err = ParseConfig([]byte(`{"url":"https://h","api":"v3","database":"polar","token":"x","timeout":` + bare + `}`))
		assert.ErrorContains(t, err, `5 has no unit: write it as a duration, e.g. "5s"`, bare)
	}
	cfg, err = ParseConfig([]byte(`{"url":"https://h","api":"v3","database":"polar","token":"x"}`))
	require.NoError(t, err)
	assert.True(t, bool(cfg.Gzip), "default")
	assert.EqualValues(t, 5000, cfg.BatchMaxPoints, "default")
}

func TestParseConfigErrors(t *testing.T) {
	for raw, want := range map[string]string{
		`{}`:                                     `key "url" is required`,
		`{"url":"h:8086","database":"p"}`:        `key "url"`,
		`{"url":"http://u:pw@h","database":"p"}`: `not in the URL`,
		`{"url":"http://h"}`:                     `key "database" is required with api v1`,
		`{"url":"http://h","database":"p","token":"t"}`:               `api v1 uses "username" and "password"`,
		`{"url":"http://h","api":"v2","org":"o","token":"t"}`:         `"bucket" and "token" are required with api v2`,
		`{"url":"http://h","api":"v3","database":"p"}`:                `"token" are required with api v3`,
		`{"url":"http://h","api":"v4","database":"p"}`:                `key "api": "v4" is not one of v1, v2, v3`,
		`{"url":"http://h","database":"p","gzip":"maybe"}`:            `key "gzip": expected true or false, got "maybe"`,
		`{"url":"http://h","database":"p","batch_max_points":"many"}`: `key "batch_max_points": expected an integer`,
		`{"url":"http://h","database":"p","batch_max_points":0}`:      `"batch_max_points" must be at least 1`,
		`{"url":"http://h","database":"p","timeout":"soon"}`:          `key "timeout": expected a duration`,
		`{"url":"http://h","database":"p","databse":"p"}`:             `unknown key "databse"`,
	} {
		_, err := ParseConfig([]byte(raw))
		require.ErrorIs(t, err, pluginapi.ErrInvalidConfig, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
}
