package influxexport

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	assert.EqualValues(t, 0, retryAfterMs("", now))
	assert.EqualValues(t, 2500, retryAfterMs("2.5", now))
	assert.EqualValues(t, 90000, retryAfterMs(now.Add(90*time.Second).Format(http.TimeFormat), now))
	assert.EqualValues(t, 0, retryAfterMs("soon", now))
}

func TestClassifyPartialWrites(t *testing.T) {
	p := func(m string, fields ...string) *point {
		pt := &point{measurement: m}
		for _, f := range fields {
			pt.float(f, 1)
		}
		return pt
	}
	ch := &chunk{
		body:  []byte("a x=1 1\nb y=1 1\nb\\ y=1 1\n"),
		lines: []lineRef{{0, p("a", "x")}, {1, p("b", "y")}, {2, p("c", "z")}},
	}
	v1 := Config{API: apiV1, Database: "polar"}
	res := func(status int, body string) *response { return &response{status: status, body: []byte(body)} }

	// All dropped points identified: the rest was stored.
	def, per := classify(v1, res(400, `{"error":"partial write: field type conflict: input field \"y\" on measurement \"b\" is type float, already exists as type integer dropped=1"}`), ch, time.Now())
	assert.Equal(t, pluginapi.ExportResult_STATUS_OK, def.status)
	assert.Equal(t, []int{1}, keys(per))
	assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, per[1].status)

	// More dropped than identified: the others are retried.
	def, per = classify(v1, res(400, `{"error":"partial write: field type conflict: input field \"y\" on measurement \"b\" is type float, already exists as type integer dropped=2"}`), ch, time.Now())
	assert.Equal(t, pluginapi.ExportResult_STATUS_RETRY, def.status)
	assert.Equal(t, []int{1}, keys(per))

	// A parse error names the line itself.
	def, per = classify(v1, res(400, `{"error":"partial write: unable to parse 'b\\ y=1 1': invalid field format dropped=0"}`), ch, time.Now())
	assert.Equal(t, pluginapi.ExportResult_STATUS_OK, def.status)
	assert.Equal(t, []int{2}, keys(per))

	// Points beyond the retention policy: which ones is unknown.
	def, per = classify(v1, res(400, `{"error":"partial write: points beyond retention policy dropped=1"}`), ch, time.Now())
	assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, def.status)
	assert.Empty(t, per)

	// 1.x answers 500 for an unknown retention policy.
	def, _ = classify(v1, res(500, `{"error":"retention policy not found: week"}`), ch, time.Now())
	assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, def.status)
	assert.Contains(t, def.msg, `fix "retention_policy"`)
}

func keys(m map[int]outcome) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestWorse(t *testing.T) {
	r1, r2, p := retry(1000, "a"), retry(5000, "b"), permanent("c")
	assert.Equal(t, r2, worse(r1, r2))
	assert.Equal(t, p, worse(r2, p))
	assert.Equal(t, r1, worse(ok, r1))
	assert.Equal(t, ok, worse(ok, ok))
}
