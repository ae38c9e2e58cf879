package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testpg"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/postgres/pgexport"
)

// benchHarnesses returns the plugin binary and the same exporter
// in-process (the same pgx code, no gRPC), both configured for srv.
func benchHarnesses(b *testing.B, srv *testpg.Server) (viaPlugin, direct *pluginapi.Harness) {
	viaPlugin, err := pluginapi.NewBinaryHarness(pluginBin)
	require.NoError(b, err)
	b.Cleanup(func() { viaPlugin.Close() })
	direct = pluginapi.NewHarness(pgexport.New(sampleConfig))
	b.Cleanup(func() { direct.Close() })
	for _, h := range []*pluginapi.Harness{viaPlugin, direct} {
		require.NoError(b, h.Configure(context.Background(), config(srv, nil)))
	}
	return viaPlugin, direct
}

// warmUp writes recs once through each harness, untimed, so that
// connecting and preparing statements do not count (with -benchtime=1x
// they would dominate).
func warmUp(b *testing.B, recs []*pluginapi.Record, hs ...*pluginapi.Harness) {
	for i, h := range hs {
		timedExport(b, h, recs, fmt.Sprintf("warm-up-%d", i)) // a new version each: written, not skipped
	}
}

// timedExport exports recs under a new version each and returns how long
// it took.
func timedExport(b *testing.B, h *pluginapi.Harness, recs []*pluginapi.Record, version string) time.Duration {
	for _, r := range recs {
		r.Version = version
	}
	start := time.Now()
	res, err := h.Export(context.Background(), recs...)
	d := time.Since(start)
	require.NoError(b, err)
	for i, r := range res {
		if r.GetStatus() != pluginapi.ExportResult_STATUS_OK {
			b.Fatalf("record %s: %s %s", recs[i].GetKey(), r.GetStatus(), r.GetMessage())
		}
	}
	return d
}

// BenchmarkRecords writes batches of 50 daily records (sleep, nightly
// recharge, cardio load, 24/7 heart rate, daily activity, ...: everything
// but exercises and Team Pro) through the plugin binary and through the
// same code in-process, each a new version (so each one is replaced):
// records/s of each and their ratio.
func BenchmarkRecords(b *testing.B) {
	srv := testpg.Start(b)
	viaPlugin, direct := benchHarnesses(b, srv)
	var recs []*pluginapi.Record
	for d := 0; len(recs) < 50; d++ {
		for _, r := range everyKind("475", night.AddDate(0, 0, d)) {
			switch r.GetKind() {
			case pluginapi.RecordKind_RECORD_KIND_EXERCISE, pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION, pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION:
				continue
			}
			recs = append(recs, r)
		}
	}
	recs = recs[:50]
	warmUp(b, recs, viaPlugin, direct)
	var tPlugin, tDirect time.Duration
	i := 0
	for b.Loop() {
		i++
		tPlugin += timedExport(b, viaPlugin, recs, fmt.Sprintf("p%d", i))
		tDirect += timedExport(b, direct, recs, fmt.Sprintf("d%d", i))
	}
	n := float64(b.N * len(recs))
	b.ReportMetric(n/tPlugin.Seconds(), "plugin_records/s")
	b.ReportMetric(n/tDirect.Seconds(), "direct_records/s")
	b.ReportMetric(tDirect.Seconds()/tPlugin.Seconds(), "plugin/direct")
}

// BenchmarkExercise10h writes a 10 h exercise at 1 Hz (36,000 instants,
// 7 series: 252,000 samples) through the plugin binary and in-process:
// samples/s of each and their ratio.
func BenchmarkExercise10h(b *testing.B) {
	srv := testpg.Start(b)
	viaPlugin, direct := benchHarnesses(b, srv)
	rec := testrecords.Exercise("475", "long", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Hour)
	samples := 0
	for _, s := range rec.GetExercise().GetSamples() {
		samples += len(s.GetValues())
	}
	recs := []*pluginapi.Record{rec}
	warmUp(b, recs, viaPlugin, direct)
	var tPlugin, tDirect time.Duration
	i := 0
	for b.Loop() {
		i++
		tPlugin += timedExport(b, viaPlugin, recs, fmt.Sprintf("p%d", i))
		tDirect += timedExport(b, direct, recs, fmt.Sprintf("d%d", i))
	}
	n := float64(b.N * samples)
	b.ReportMetric(n/tPlugin.Seconds(), "plugin_samples/s")
	b.ReportMetric(n/tDirect.Seconds(), "direct_samples/s")
	b.ReportMetric(tDirect.Seconds()/tPlugin.Seconds(), "plugin/direct")
	var stored int
	require.NoError(b, srv.Conn().QueryRow(context.Background(),
		"SELECT sum(cardinality(value)) FROM polar.series WHERE record_key = $1", rec.GetKey()).Scan(&stored))
	require.Equal(b, samples, stored, "samples stored")
}
