package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/csv/csvexport"
)

// BenchmarkPluginBoundary exports a 1 h exercise (new version each time,
// sample files on) through the real plugin binary and in-process: the
// cost of the gRPC boundary next to a real exporter's own work.
func BenchmarkPluginBoundary(b *testing.B) {
	rec := testrecords.Exercise("475", "a1", time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC), time.Hour)
	run := func(b *testing.B, h *pluginapi.Harness) {
		ctx := context.Background()
		require.NoError(b, h.Configure(ctx, map[string]any{"dir": b.TempDir(), "samples": true}))
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			i++
			rec.Version = fmt.Sprint(i)
			res, err := h.Export(ctx, rec)
			if err != nil || res[0].GetStatus() != pluginapi.ExportResult_STATUS_OK {
				b.Fatalf("export: %v %v", err, res)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("1h/inprocess", func(b *testing.B) { run(b, pluginapi.NewHarness(csvexport.New(sampleConfig))) })
	b.Run("1h/grpc", func(b *testing.B) {
		bin, err := pluginapi.BuildPlugin(".", b.TempDir())
		require.NoError(b, err)
		h, err := pluginapi.NewBinaryHarness(bin)
		require.NoError(b, err)
		defer h.Close()
		run(b, h)
	})
}
