package csvexport

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// newContinuousHeartRate is Helsinki's fall-back day 2024-10-27 with n
// samples: 03:30 EEST, then 03:10 and 03:40 EET (the clock went back at
// 04:00 EEST), a later one each further sample.
func newContinuousHeartRate(date, version string, n int) *pluginapi.Record {
	start := time.Date(2024, 10, 26, 21, 0, 0, 0, time.UTC) // 00:00 EEST
	instants := []time.Time{
		time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC), // 03:30+03:00
		time.Date(2024, 10, 27, 1, 10, 0, 0, time.UTC), // 03:10+02:00
		time.Date(2024, 10, 27, 1, 40, 0, 0, time.UTC), // 03:40+02:00
	}
	for len(instants) < n {
		instants = append(instants, instants[len(instants)-1].Add(5*time.Second))
	}
	s := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, Start: timestamppb.New(start)}
	for i, at := range instants[:n] {
		s.OffsetMs = append(s.OffsetMs, at.Sub(start).Milliseconds())
		s.Values = append(s.Values, float64(50+i))
	}
	return &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE,
		Key:     "continuous_heart_rate.475." + date,
		Version: version,
		UserId:  "475",
		Source:  pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_ContinuousHeartRate{ContinuousHeartRate: &pluginapi.ContinuousHeartRate{
			Date:       date,
			DayStart:   &pluginapi.Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 180},
			DayEnd:     &pluginapi.Time{Utc: timestamppb.New(start.Add(25 * time.Hour)), UtcOffsetMinutes: 120},
			Zone:       "Europe/Helsinki",
			HeartRate:  s,
			UtcOffsets: []*pluginapi.UtcOffsetChange{{Index: 0, UtcOffsetMinutes: 180}, {Index: 1, UtcOffsetMinutes: 120}},
		}},
	}
}

func TestContinuousHeartRateRow(t *testing.T) {
	got := continuousHeartRateRow(newContinuousHeartRate("2024-10-27", "v1", 3))
	assert.Equal(t, []string{
		"continuous_heart_rate.475.2024-10-27", "v1", "475", "accesslink", "2024-10-27", "Europe/Helsinki",
		"2024-10-26T21:00:00Z", "2024-10-27T22:00:00Z",
		"3", "50", "51", "52",
		"2024-10-27T00:30:00Z", "2024-10-27T03:30:00+03:00", "2024-10-27T01:40:00Z", "2024-10-27T03:40:00+02:00",
	}, got)

	empty := continuousHeartRateRow(newContinuousHeartRate("2024-10-27", "v1", 0))
	assert.Equal(t, "0", empty[8])
	assert.Equal(t, []string{"", "", "", "", "", "", ""}, empty[9:])
}

// Each sample at its instant and with its own offset: the repeated
// hour's clock times, in order.
func TestContinuousHeartRateSampleRows(t *testing.T) {
	c := newContinuousHeartRate("2024-10-27", "v1", 3).GetContinuousHeartRate()
	got := written(t, func(w io.Writer) error { return writeContinuousHeartRateSamples(w, c) })
	assert.Equal(t, withHeader(continuousHeartRateSampleHeader,
		[]string{"2024-10-27T00:30:00Z", "2024-10-27T03:30:00+03:00", "180", "50"},
		[]string{"2024-10-27T01:10:00Z", "2024-10-27T03:10:00+02:00", "120", "51"},
		[]string{"2024-10-27T01:40:00Z", "2024-10-27T03:40:00+02:00", "120", "52"},
	), got)
}

// A day arriving again (a redelivery) or re-computed (more samples) is
// one row, the latest; its samples file is replaced.
func TestExportRecomputedContinuousHeartRateDay(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, true)
	requireAllOK(t, export(t, e, newContinuousHeartRate("2024-10-27", "v1", 3)))
	requireAllOK(t, export(t, e, newContinuousHeartRate("2024-10-27", "v1", 3))) // redelivered
	rows := readCSV(t, filepath.Join(dir, "continuous_heart_rate.csv"))
	assert.Equal(t, []string{"v1"}, column(t, rows, "version"))
	requireAllOK(t, export(t, e, newContinuousHeartRate("2024-10-27", "v2", 1000)))
	rows = readCSV(t, filepath.Join(dir, "continuous_heart_rate.csv"))
	assert.Equal(t, []string{"continuous_heart_rate.475.2024-10-27"}, column(t, rows, "key"))
	assert.Equal(t, []string{"v2"}, column(t, rows, "version"))
	assert.Equal(t, []string{"1000"}, column(t, rows, "samples"))
	samples := readCSV(t, filepath.Join(dir, "samples", "continuous_heart_rate.475.2024-10-27.samples.csv"))
	assert.Equal(t, continuousHeartRateSampleHeader, samples[0])
	assert.Len(t, samples, 1+1000)

	// Without samples: true, only the day's row.
	dir2 := t.TempDir()
	requireAllOK(t, export(t, newConfigured(t, dir2, false), newContinuousHeartRate("2024-10-27", "v1", 3)))
	assert.Len(t, readCSV(t, filepath.Join(dir2, "continuous_heart_rate.csv")), 2)
	_, err := os.Stat(filepath.Join(dir2, "samples"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
