package accesslink

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDateRanges(t *testing.T) {
	day := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	for _, tc := range []struct {
		name        string
		first, last time.Time
		want        []DateRange
	}{
		{"one day", day("2026-12-01"), day("2026-12-01"), []DateRange{{"2026-12-01", "2026-12-01"}}},
		{"28 days, one call", day("2026-11-04"), day("2026-12-01"), []DateRange{{"2026-11-04", "2026-12-01"}}},
		{"29 days, two calls", day("2026-11-03"), day("2026-12-01"), []DateRange{{"2026-11-03", "2026-11-30"}, {"2026-12-01", "2026-12-01"}}},
		{"across a year end", day("2026-12-20"), day("2027-01-20"), []DateRange{{"2026-12-20", "2027-01-16"}, {"2027-01-17", "2027-01-20"}}},
		// The clock and zone are ignored: dates as written.
		{"late in a zone", time.Date(2026, 3, 29, 23, 30, 0, 0, time.FixedZone("+14", 14*3600)), day("2026-03-30"), []DateRange{{"2026-03-29", "2026-03-30"}}},
		{"last before first", day("2026-12-02"), day("2026-12-01"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DateRanges(tc.first, tc.last)
			assert.Equal(t, tc.want, got)
			for _, r := range got {
				_, err := rangeQuery("x", r.From, r.To)
				assert.NoError(t, err, "every range is one the client accepts")
			}
		})
	}
}
