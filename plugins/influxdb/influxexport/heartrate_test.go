package influxexport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// heartRateDay is Helsinki's fall-back day 2026-10-25 with samples at
// 03:30 EEST and 03:10 EET (the clock went back between them), plus
// more every 5 s.
func heartRateDay(version string, n int) *pluginapi.Record {
	start := time.Date(2026, 10, 24, 21, 0, 0, 0, time.UTC)
	offs := []int64{(3*time.Hour + 30*time.Minute).Milliseconds(), (4*time.Hour + 10*time.Minute).Milliseconds()}
	for len(offs) < n {
		offs = append(offs, offs[len(offs)-1]+5000)
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(50 + i)
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE, Key: "continuous_heart_rate.475.2026-10-25", Version: version, UserId: "475",
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_ContinuousHeartRate{ContinuousHeartRate: &pluginapi.ContinuousHeartRate{
			Date: "2026-10-25", Zone: "Europe/Helsinki",
			DayStart:   &pluginapi.Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 180},
			HeartRate:  &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, Start: timestamppb.New(start), OffsetMs: offs[:n], Values: vals},
			UtcOffsets: []*pluginapi.UtcOffsetChange{{Index: 0, UtcOffsetMinutes: 180}, {Index: 1, UtcOffsetMinutes: 120}},
		}},
	}
}

// One point per sample at its absolute instant, one series per user.
func TestContinuousHeartRatePoints(t *testing.T) {
	ps, err := recordPoints(heartRateDay("v1", 3))
	require.NoError(t, err)
	assert.Equal(t, `heart_rate_247,user=475 bpm=50 1792888200000
heart_rate_247,user=475 bpm=51 1792890600000
heart_rate_247,user=475 bpm=52 1792890605000
`, encode(t, ps))
	assert.Equal(t, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), ps[0].time, "03:30 EEST")
	assert.Equal(t, time.Date(2026, 10, 25, 1, 10, 0, 0, time.UTC), ps[1].time, "03:10 EET, after it")

	empty, err := recordPoints(heartRateDay("v1", 0))
	require.NoError(t, err)
	assert.Empty(t, empty)
	bad := heartRateDay("v1", 1)
	bad.GetContinuousHeartRate().GetHeartRate().Start = nil
	_, err = recordPoints(bad)
	assert.Error(t, err)
}

// A re-computed day (more samples) replaces the old version's points:
// its group is stale, so it is deleted before the new points are
// written; a redelivery is not.
func TestContinuousHeartRateNewVersionReplacesPoints(t *testing.T) {
	groups := func(r *pluginapi.Record) []group {
		ps, err := recordPoints(r)
		require.NoError(t, err)
		return groupsOf(ps)
	}
	old := groups(heartRateDay("v1", 3))
	require.Len(t, old, 1, "one series")
	assert.Empty(t, staleGroups(old, groups(heartRateDay("v1", 3))))
	stale := staleGroups(old, groups(heartRateDay("v2", 1000)))
	require.Len(t, stale, 1)
	assert.Equal(t, mHeartRate247, stale[0].Measurement)
	assert.Equal(t, 3, stale[0].N)
}
