package csvexport

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// The table-building implementation before streaming (issue #17), kept
// only to compare the streamed output with.

func legacyCSV(header []string, rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(rows)
	return b.Bytes()
}

func legacyColumnRows(start *pluginapi.Time, samples []*pluginapi.Series, cols []sampleColumn) [][]string {
	var series []columnSeries
	for _, s := range samples {
		i := slices.IndexFunc(cols, func(c sampleColumn) bool { return c.typ == s.GetType() })
		if i >= 0 {
			series = append(series, columnSeries{i, s})
		}
	}
	return legacyTimedRows(start, series, len(cols))
}

func legacyRRRows(start *pluginapi.Time, samples []*pluginapi.Series) [][]string {
	var series []columnSeries
	for _, s := range samples {
		if s.GetType() == pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL {
			series = append(series, columnSeries{0, s})
		}
	}
	return legacyTimedRows(start, series, 1)
}

func legacyTimedRows(start *pluginapi.Time, series []columnSeries, ncols int) [][]string {
	merged := legacyMergeSeries(start.GetUtc(), series, ncols)
	if len(merged) == 0 {
		return nil
	}
	loc := fixedZone(start.GetUtcOffsetMinutes())
	var origin int64
	if start.GetUtc() != nil {
		origin = start.GetUtc().AsTime().UnixNano()
	} else {
		origin = merged[0].at
	}
	rows := make([][]string, 0, len(merged))
	for _, m := range merged {
		at := time.Unix(0, m.at)
		row := make([]string, 0, 3+ncols)
		row = append(row, fmtUTC(at), at.In(loc).Format(time.RFC3339Nano), fmtFloat(float64(m.at-origin)/1e9))
		for c := range ncols {
			row = append(row, m.cell(c))
		}
		rows = append(rows, row)
	}
	return rows
}

type legacyMergedSample struct {
	at   int64
	vals []float64
	has  []bool
}

func (m legacyMergedSample) cell(c int) string {
	if !m.has[c] {
		return ""
	}
	return fmtFloat(m.vals[c])
}

func legacyMergeSeries(base *timestamppb.Timestamp, series []columnSeries, ncols int) []legacyMergedSample {
	var out []legacyMergedSample
	index := make(map[int64]int)
	for _, cs := range series {
		s := cs.series
		var start int64
		switch {
		case s.GetStart() != nil:
			start = s.GetStart().AsTime().UnixNano()
		case base != nil:
			start = base.AsTime().UnixNano()
		default:
			continue
		}
		offsets, values := s.GetOffsetMs(), s.GetValues()
		for i := range min(len(offsets), len(values)) {
			at := start + offsets[i]*int64(time.Millisecond)
			j, ok := index[at]
			if !ok {
				j = len(out)
				index[at] = j
				out = append(out, legacyMergedSample{at: at, vals: make([]float64, ncols), has: make([]bool, ncols)})
			}
			out[j].vals[cs.col] = values[i]
			out[j].has[cs.col] = true
		}
	}
	slices.SortFunc(out, func(a, b legacyMergedSample) int { return cmp.Compare(a.at, b.at) })
	return out
}

func legacySleepHeartRateRows(r *pluginapi.Record) [][]string {
	s := r.GetSleep()
	base, offset := s.GetStart().GetUtc(), s.GetStart().GetUtcOffsetMinutes()
	merged := legacyMergeSeries(base, []columnSeries{{0, s.GetHeartRate()}}, 1)
	rows := make([][]string, 0, len(merged))
	for _, m := range merged {
		at := time.Unix(0, m.at)
		rows = append(rows, []string{
			r.GetKey(), r.GetVersion(), r.GetUserId(), s.GetDate(),
			fmtUTC(at), fmtLocal(at, offset), fmtFloat(m.vals[0]),
		})
	}
	return rows
}

func legacyNightlyRechargeSampleRows(r *pluginapi.Record) [][]string {
	n := r.GetNightlyRecharge()
	merged := legacyMergeSeries(nil, []columnSeries{{0, n.GetHrv()}, {1, n.GetBreathingRate()}}, 2)
	rows := make([][]string, 0, len(merged))
	for _, m := range merged {
		rows = append(rows, []string{
			r.GetKey(), r.GetVersion(), r.GetUserId(), n.GetDate(),
			fmtUTC(time.Unix(0, m.at)), m.cell(0), m.cell(1),
		})
	}
	return rows
}

func legacyContinuousHeartRateSampleRows(c *pluginapi.ContinuousHeartRate) [][]string {
	samples := legacyHeartRateSamples(c)
	rows := make([][]string, len(samples))
	for i, s := range samples {
		rows[i] = []string{fmtUTC(s.at), fmtLocal(s.at, s.offset), fmtInt(s.offset), fmtFloat(s.bpm)}
	}
	return rows
}

func legacyHeartRateSamples(c *pluginapi.ContinuousHeartRate) []heartRateSample {
	s := c.GetHeartRate()
	if s.GetStart() == nil {
		return nil
	}
	start := s.GetStart().AsTime()
	offs := c.GetUtcOffsets()
	out := make([]heartRateSample, 0, len(s.GetValues()))
	j := 0
	var off int32
	if len(offs) > 0 {
		off = offs[0].GetUtcOffsetMinutes()
	}
	for i, v := range s.GetValues() {
		if i >= len(s.GetOffsetMs()) {
			break
		}
		for j+1 < len(offs) && int(offs[j+1].GetIndex()) <= i {
			j++
			off = offs[j].GetUtcOffsetMinutes()
		}
		out = append(out, heartRateSample{at: start.Add(time.Duration(s.GetOffsetMs()[i]) * time.Millisecond), offset: off, bpm: v})
	}
	return out
}

func (c variedCase) legacyFiles() map[string][]byte {
	e, p := c.exercise, c.player
	files := map[string][]byte{
		"exercise.samples.csv":         legacyCSV(exerciseSampleHeader, legacyColumnRows(e.GetStart(), e.GetSamples(), exerciseSampleColumns)),
		"player.samples.csv":           legacyCSV(playerSampleHeader, legacyColumnRows(p.GetStart(), p.GetSamples(), playerSampleColumns)),
		"heart_rate.samples.csv":       legacyCSV(continuousHeartRateSampleHeader, legacyContinuousHeartRateSampleRows(c.heart)),
		"sleep_heart_rate.csv":         legacyCSV(sleepHeartRateHeader, legacySleepHeartRateRows(c.sleep)),
		"nightly_recharge_samples.csv": legacyCSV(nightlyRechargeSampleHeader, legacyNightlyRechargeSampleRows(c.recharge)),
	}
	if rr := legacyRRRows(e.GetStart(), e.GetSamples()); len(rr) > 0 {
		files["exercise.rr.csv"] = legacyCSV(rrHeader, rr)
	}
	if rr := legacyRRRows(p.GetStart(), p.GetSamples()); len(rr) > 0 {
		files["player.rr.csv"] = legacyCSV(rrHeader, rr)
	}
	return files
}

func TestStreamedMatchesLegacy(t *testing.T) {
	rows := 0
	for seed := range uint64(3000) {
		c := newVariedCase(seed)
		got, want := c.files(t), c.legacyFiles()
		for name, w := range want {
			rows += bytes.Count(w, []byte("\n"))
			if !bytes.Equal(w, got[name]) {
				t.Fatalf("seed %d %s:\nwant\n%s\ngot\n%s", seed, name, w, got[name])
			}
		}
		if len(got) != len(want) {
			t.Fatalf("seed %d: files %d, want %d", seed, len(got), len(want))
		}
	}
	t.Logf("%d lines compared", rows)
}

func TestWriteGolden(t *testing.T) {
	if os.Getenv("WRITE_GOLDEN") == "" {
		t.Skip()
	}
	var b bytes.Buffer
	for seed := range uint64(goldenCases) {
		files := newVariedCase(seed).legacyFiles()
		for _, name := range slices.Sorted(maps.Keys(files)) {
			fmt.Fprintf(&b, "=== case %d %s\n", seed, name)
			b.Write(files[name])
		}
	}
	os.MkdirAll("testdata", 0o755)
	os.WriteFile(goldenPath, b.Bytes(), 0o644)
}

func TestFixturesMatchLegacy(t *testing.T) {
	cases := []variedCase{
		{exercise: newExercise("x", "v", exerciseStart, 36000).GetExercise(), player: newPlayerSession("v1", 3600).GetPlayerSession(),
			sleep: newSleep("2024-05-01", "v1", sleepStart), recharge: newNightlyRecharge("2024-05-01", "v1"),
			heart: newContinuousHeartRate("2024-10-27", "v2", 1000).GetContinuousHeartRate()},
		{exercise: newExercise("x", "v", exerciseStart, 3).GetExercise(), player: newPlayerSession("v1", 3).GetPlayerSession(),
			sleep: newSleep("2024-05-01", "v1", sleepStart), recharge: newNightlyRecharge("2024-05-01", "v1"),
			heart: newContinuousHeartRate("2024-10-27", "v2", 3).GetContinuousHeartRate()},
	}
	for i, c := range cases {
		got, want := c.files(t), c.legacyFiles()
		require.Equal(t, len(want), len(got))
		for name, w := range want {
			t.Logf("%d %s: %d bytes", i, name, len(w))
			require.True(t, bytes.Equal(w, got[name]), "%d %s", i, name)
		}
	}
}
