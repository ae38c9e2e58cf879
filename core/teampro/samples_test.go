package teampro_test

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/teampro"
)

func TestParseOffset(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT0S": 0, "PT0.1S": 100 * time.Millisecond, "PT59.9S": 59900 * time.Millisecond,
		"PT1M0.1S": time.Minute + 100*time.Millisecond, "PT1H30M": 90 * time.Minute,
		"PT1H29M59.9S": 90*time.Minute - 100*time.Millisecond, "PT4.2S": 4200 * time.Millisecond,
		"PT2M": 2 * time.Minute, "P1DT1S": 24*time.Hour + time.Second, "PT0.123456789S": 123456789,
	} {
		got, err := teampro.ParseOffset(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "PT", "0.1", "PT.1S", "PT1S2M", "PT1.S", "PTxS", "-PT1S", "PT1S "} {
		_, err := teampro.ParseOffset(in)
		assert.ErrorIs(t, err, teampro.ErrInvalidTime, in)
	}
}

func samples(fields []string, values string) *teampro.RawSamples {
	return &teampro.RawSamples{Fields: fields, Values: json.RawMessage(values)}
}

func TestParseSamplesMalformedRowsReported(t *testing.T) {
	fields := []string{"time", "hr", "speed"}
	s := samples(fields, `[
		["PT0S", 90, 1.5],
		["PT0.1S", "91", 1.6],
		[12, 92, 1.7],
		"not a row",
		["PT0.4S"],
		["PTxS", 95, 2.0],
		[],
		["PT0.7S", null, 2.1, 7, 8],
		["PT0.8S", 98, true],
		["PT0.9S", 99, {"a": [1, 2]}],
		["PT1S", 100, 2.5]
	]`)
	series, warnings, err := teampro.ParseSamples(s)
	require.NoError(t, err)
	require.Len(t, series, 2)
	hr, speed := series[0], series[1]
	assert.Equal(t, "hr", hr.Field)
	assert.Equal(t, []int64{0, 800, 900, 1000}, hr.OffsetsMS)
	assert.Equal(t, []float64{90, 98, 99, 100}, hr.Values)
	assert.Equal(t, []int64{0, 100, 700, 1000}, speed.OffsetsMS)
	assert.Equal(t, []float64{1.5, 1.6, 2.1, 2.5}, speed.Values)

	var msgs []string
	for _, w := range warnings {
		msgs = append(msgs, w.String())
	}
	assert.Equal(t, []string{
		`samples row 1: hr: "91" is not a number; value dropped`,
		`samples row 2: offset 12 is not an ISO 8601 duration string; row dropped`,
		`samples row 3: not an array; row dropped`,
		`samples row 5: offset "PTxS": not an ISO 8601 duration: invalid time; row dropped`,
		`samples row 6: empty row; dropped`,
		`samples row 8: speed: true is not a number; value dropped`,
		`samples row 9: speed: {"a": [1, 2]} is not a number; value dropped`,
		`samples: 1 rows have fewer values than the 2 fields (first: row 4); missing values read as null`,
		`samples: 1 rows have more values than the 2 fields (first: row 7); extra values ignored`,
	}, msgs)
}

func TestParseSamplesFieldsWithoutTime(t *testing.T) {
	series, warnings, err := teampro.ParseSamples(samples([]string{"hr"}, `[["PT0S",80],["PT1M0.5S",81]]`))
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, []int64{0, 60500}, series[0].OffsetsMS)
}

func TestParseSamplesBackwardsAndLimits(t *testing.T) {
	rows := `[["PT1S",1],["PT0.5S",2]`
	for i := range 30 {
		rows += `,["bad` + strconv.Itoa(i) + `",1]`
	}
	rows += `]`
	series, warnings, err := teampro.ParseSamples(samples([]string{"time", "x"}, rows))
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2}, series[0].Values)
	assert.Len(t, warnings, 20+2, "20 row warnings, a summary of the rest, the backwards offset")
	assert.Equal(t, "samples: 10 more malformed rows or values not listed", warnings[20].String())
	assert.Contains(t, warnings[21].String(), "1 rows have an offset earlier than the row before (first: row 1)")

	_, _, err = teampro.ParseSamples(samples([]string{"time"}, `{"a":1}`))
	assert.ErrorIs(t, err, teampro.ErrInvalidPayload)
	series, _, err = teampro.ParseSamples(samples([]string{"time", "hr"}, `null`))
	require.NoError(t, err)
	assert.Empty(t, series[0].Values)
}

// The fast number path agrees with strconv.
func TestParseSamplesNumbers(t *testing.T) {
	nums := []string{"0", "-0.02", "55.67336654663086", "12.49395084381104", "0.1", "123456789012345",
		"1234567890123456789", "1e3", "-2.5E-3", "0.30000000000000004", "999999999999999.9"}
	row := `["PT0S"`
	var fields []string
	fields = append(fields, "time")
	for i, n := range nums {
		row += "," + n
		fields = append(fields, "f"+strconv.Itoa(i))
	}
	series, warnings, err := teampro.ParseSamples(samples(fields, "["+row+"]]"))
	require.NoError(t, err)
	assert.Empty(t, warnings)
	for i, n := range nums {
		want, err := strconv.ParseFloat(n, 64)
		require.NoError(t, err)
		assert.Equal(t, math.Float64bits(want), math.Float64bits(series[i].Values[0]), n)
	}
}

func TestParseRRIntervals(t *testing.T) {
	rr, warnings, err := teampro.ParseRRIntervals(json.RawMessage(`[485, null, 800.4, -1, "x", 281]`))
	require.NoError(t, err)
	assert.Equal(t, []int32{485, 0, 800, 0, 0, 281}, rr)
	assert.Len(t, warnings, 2)
	rr, _, err = teampro.ParseRRIntervals(nil)
	require.NoError(t, err)
	assert.Nil(t, rr)
	_, _, err = teampro.ParseRRIntervals(json.RawMessage(`{}`))
	assert.ErrorIs(t, err, teampro.ErrInvalidPayload)
}
