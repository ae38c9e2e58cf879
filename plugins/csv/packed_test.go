package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/csv/csvexport"
)

// packedRecords are records of every kind whose series the CSV files
// show, with values of every form a series can be packed in: integers,
// up to nine decimals, beyond 2^32, negative, FIT semicircles, doubles
// that do not pack, and offsets out of order.
func packedRecords() []*pluginapi.Record {
	start := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) // a DST change in Europe
	ex := testrecords.Exercise("475", "a1", start, 20*time.Minute)
	e := ex.GetExercise()
	n := len(e.GetSamples()[0].GetValues())
	offs := e.GetSamples()[0].GetOffsetMs()
	extra := func(typ pluginapi.SampleType, f func(i int) float64) *pluginapi.Series {
		s := &pluginapi.Series{Type: typ, Start: e.GetSamples()[0].GetStart(), OffsetMs: offs, Values: make([]float64, n)}
		for i := range s.Values {
			s.Values[i] = f(i)
		}
		return s
	}
	e.Samples = append(e.Samples,
		extra(pluginapi.SampleType_SAMPLE_TYPE_POWER, func(i int) float64 { return float64(i%400) - 100 }),
		extra(pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE, func(i int) float64 { return float64(-1234567+i*7) / 1e9 }),
		extra(pluginapi.SampleType_SAMPLE_TYPE_HRV, func(i int) float64 { return float64(1<<40+i*3) / 1e3 }),
		extra(pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE, func(i int) float64 { return 1.0 / float64(i+3) }),
	)
	for _, s := range e.GetSamples() {
		if s.GetType() == pluginapi.SampleType_SAMPLE_TYPE_LATITUDE {
			for i := range s.Values {
				s.Values[i] = float64(716533412+i*37) * (180.0 / (1 << 31))
			}
		}
	}
	// Two samples swapped: the samples file sorts them.
	alt := e.GetSamples()[3]
	alt.OffsetMs = append([]int64(nil), alt.GetOffsetMs()...)
	alt.OffsetMs[10], alt.OffsetMs[11] = alt.OffsetMs[11], alt.OffsetMs[10]

	team, players := testrecords.TeamProSession("t1", "s1", start, 15*time.Minute, 2)
	return append([]*pluginapi.Record{
		ex,
		testrecords.Sleep("475", "2026-03-29"),
		testrecords.NightlyRecharge("475", "2026-03-29"),
		testrecords.ContinuousHeartRate("475", "2026-03-29"),
		team,
	}, players...)
}

// pack returns copies of records stored as the daemon stores them: runs
// for offsets, value_deltas for values.
func pack(records []*pluginapi.Record) []*pluginapi.Record {
	out := make([]*pluginapi.Record, len(records))
	for i, r := range records {
		out[i] = proto.Clone(r).(*pluginapi.Record)
		pluginapi.CompactSeries(out[i])
		pluginapi.EachSeries(out[i], func(s *pluginapi.Series) { s.PackValues() })
	}
	return out
}

// csvFiles reads every CSV file under dir, by path.
func csvFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".csv") {
			return err
		}
		raw, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(raw)
		return err
	}))
	return files
}

// The plugin binary is served with PackedValues and reads the values as
// sent: every file it writes is byte for byte the one written from the
// same records as doubles, and so are the files of packed records in
// process.
func TestBinaryPackedValues(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	records := packedRecords()
	packedCopies := pack(records)
	deltas := 0
	pluginapi.EachSeries(&pluginapi.ExportRequest{Records: packedCopies}, func(s *pluginapi.Series) {
		if len(s.GetValueDeltas()) > 0 {
			deltas++
		}
	})
	require.Greater(t, deltas, 20, "most series packed")

	export := func(h *pluginapi.Harness, records []*pluginapi.Record) map[string]string {
		t.Helper()
		dir := t.TempDir()
		require.NoError(t, h.Configure(ctx, map[string]any{"dir": dir, "samples": true}))
		results, err := h.Export(ctx, records...)
		require.NoError(t, err)
		for i, res := range results {
			require.Equal(t, pluginapi.ExportResult_STATUS_OK, res.GetStatus(), "%s: %s", records[i].GetKey(), res.GetMessage())
		}
		return csvFiles(t, dir)
	}
	local := pluginapi.NewHarness(csvexport.New(sampleConfig))
	t.Cleanup(local.Close)
	want := export(local, records)
	require.Contains(t, want, filepath.Join("samples", "exercise.475.a1.samples.csv"))
	require.Contains(t, want, "sleep_heart_rate.csv")

	local2 := pluginapi.NewHarness(csvexport.New(sampleConfig))
	t.Cleanup(local2.Close)
	assert.Equal(t, want, export(local2, packedCopies), "in process, packed")

	remote, err := pluginapi.NewBinaryHarness(buildPlugin(t))
	require.NoError(t, err)
	t.Cleanup(remote.Close)
	assert.Equal(t, want, export(remote, pack(records)), "over gRPC, packed")
}

// launchWithSamples starts the plugin binary writing samples files into
// a new directory.
func launchWithSamples(t *testing.T) (context.Context, *pluginapi.Harness, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	h, err := pluginapi.NewBinaryHarness(buildPlugin(t))
	require.NoError(t, err)
	t.Cleanup(h.Close)
	dir := t.TempDir()
	require.NoError(t, h.Configure(ctx, map[string]any{"dir": dir, "samples": true}))
	return ctx, h, dir
}

// Value deltas that do not decode fail their record for good, with the
// reason, and leave no file of it behind; the rest of the batch lands.
func TestBinaryMalformedValues(t *testing.T) {
	ctx, h, dir := launchWithSamples(t)

	records := pack(packedRecords()[:4]) // exercise, sleep, nightly recharge, heart rate
	broken := map[int]bool{0: true, 1: true}
	for i := range broken {
		pluginapi.EachSeries(records[i], func(s *pluginapi.Series) {
			if d := s.GetValueDeltas(); len(d) > 0 && s.GetValueUnit() == 0 {
				s.ValueDeltas = append(d[:len(d)-1:len(d)-1], 0x80) // the last varint cut short
			}
		})
	}
	results, err := h.Export(ctx, records...)
	require.NoError(t, err)
	for i, res := range results {
		if broken[i] {
			assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, res.GetStatus(), records[i].GetKey())
			assert.Contains(t, res.GetMessage(), "malformed value_deltas")
			assert.Contains(t, res.GetMessage(), records[i].GetKey())
		} else {
			assert.Equal(t, pluginapi.ExportResult_STATUS_OK, res.GetStatus(), "%s: %s", records[i].GetKey(), res.GetMessage())
		}
	}
	files := csvFiles(t, dir)
	for path := range files {
		assert.NotContains(t, path, "a1", "no samples file of the broken exercise")
	}
	assert.NotContains(t, files["sleep.csv"], "sleep.475", "no row of the broken night")
	assert.Contains(t, files["nightly_recharge.csv"], "nightly_recharge.475")
}

// An exercise whose RR intervals do not decode is refused before any of
// its files is replaced: the files of the version before stay as they
// were, consistent with its rows.
func TestBinaryMalformedRRKeepsLastVersion(t *testing.T) {
	ctx, h, dir := launchWithSamples(t)

	withRR := func(version string, hr float64) *pluginapi.Record {
		rec := testrecords.Exercise("475", "a2", time.Date(2026, 10, 25, 0, 40, 0, 0, time.UTC), 10*time.Minute)
		rec.Version = version
		e := rec.GetExercise()
		e.GetSamples()[0].Values[0] = hr
		rr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, Start: e.GetSamples()[0].GetStart()}
		off := int64(0)
		for i := range 600 {
			v := int64(420 + i%37)
			rr.OffsetMs, rr.Values = append(rr.OffsetMs, off), append(rr.Values, float64(v))
			off += v
		}
		e.Samples = append(e.Samples, rr)
		return pack([]*pluginapi.Record{rec})[0]
	}
	results, err := h.Export(ctx, withRR("v1", 120))
	require.NoError(t, err)
	require.Equal(t, pluginapi.ExportResult_STATUS_OK, results[0].GetStatus(), results[0].GetMessage())
	before := csvFiles(t, dir)
	require.Contains(t, before, filepath.Join("samples", "exercise.475.a2.rr.csv"))

	broken := withRR("v2", 99)
	rr := broken.GetExercise().Series(pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL)
	require.NotEmpty(t, rr.GetValueDeltas())
	rr.ValueDeltas = append(rr.ValueDeltas[:len(rr.ValueDeltas)-1:len(rr.ValueDeltas)-1], 0x80)
	results, err = h.Export(ctx, broken)
	require.NoError(t, err)
	assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, results[0].GetStatus())
	assert.Contains(t, results[0].GetMessage(), "RR intervals")
	assert.Equal(t, before, csvFiles(t, dir), "the files of v1, untouched")
}
