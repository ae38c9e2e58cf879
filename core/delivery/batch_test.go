package delivery_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Records fetched together are exported in as many calls as the byte
// budget needs, in order, and a record larger than the budget goes alone.
func TestBatchesBoundedByBytes(t *testing.T) {
	big := sleepRecord("2026-12-03")
	hr := big.GetSleep().GetHeartRate()
	for i := range 20000 {
		// Irregular, so that the record stays large once its series are
		// compacted.
		hr.OffsetMs = append(hr.OffsetMs, int64(i)*1000+int64(i%3))
		hr.Values = append(hr.Values, 60)
	}
	recs := []*pluginapi.Record{
		sleepRecord("2026-12-01"), sleepRecord("2026-12-02"), big,
		sleepRecord("2026-12-04"), sleepRecord("2026-12-05"), sleepRecord("2026-12-06"),
	}
	for _, r := range recs {
		pluginapi.EachSeries(r, func(s *pluginapi.Series) { // as they are stored
			s.Compact()
			s.PackValues()
		})
	}
	exp := &fakeExporter{}
	var budget int
	// All are published before the dispatcher starts, so one fetch (10
	// at most) takes them all: the calls are split by bytes alone.
	e := startWith(t, exp, 3, func(p *delivery.Policy) {
		budget = proto.Size(recs[0])*5/2 + 100 // two of the small ones (plus their versions)
		p.BatchBytes = budget
	}, func(e *env) { e.publish(t, recs...) })
	e.waitIdle(t)
	assert.Greater(t, proto.Size(big), budget)
	assert.Equal(t, [][]string{
		{"sleep.475.2026-12-01", "sleep.475.2026-12-02"},
		{"sleep.475.2026-12-03"},
		{"sleep.475.2026-12-04", "sleep.475.2026-12-05"},
		{"sleep.475.2026-12-06"},
	}, exp.calls())
	assert.Empty(t, e.deadLetters(t))
}
