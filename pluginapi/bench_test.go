package pluginapi_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/internal/testexporter/exporter"
	"github.com/polarbridge/polarbridge/internal/testmem"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// BenchmarkExport measures records/s through one plugin over gRPC (a real
// binary launched through go-plugin) against the same exporter called
// in-process, so the difference is the cost of the plugin boundary.
func BenchmarkExport(b *testing.B) {
	start := time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC)
	sizes := []struct {
		name string
		rec  *pluginapi.Record
	}{
		{"small", testrecords.Sleep("475", "2026-05-05")},
		{"1h", testrecords.Exercise("475", "a1", start, time.Hour)},
		{"10h", testrecords.Exercise("475", "a10", start, 10*time.Hour)},
	}
	for _, sz := range sizes {
		b.Run(sz.name+"/inprocess", func(b *testing.B) {
			h := pluginapi.NewHarness(&exporter.Exporter{})
			benchExport(b, h, sz.rec, 0)
		})
		b.Run(sz.name+"/grpc", func(b *testing.B) {
			h, err := pluginapi.NewBinaryHarness(testBinary(b))
			require.NoError(b, err)
			defer h.Close()
			benchExport(b, h, sz.rec, h.Client().PID())
		})
		// The daemon's way: the record as stored, handed over encoded; and
		// what it did before: decode the stored record, Export re-encodes.
		b.Run(sz.name+"/grpc-encoded", func(b *testing.B) { benchStored(b, sz.rec, true) })
		b.Run(sz.name+"/grpc-decoded", func(b *testing.B) { benchStored(b, sz.rec, false) })
	}
}

// benchStored exports rec from its encoding, as the daemon has it:
// handed over encoded, or decoded and re-encoded.
func benchStored(b *testing.B, rec *pluginapi.Record, encoded bool) {
	h, err := pluginapi.NewBinaryHarness(testBinary(b))
	require.NoError(b, err)
	defer h.Close()
	body, err := proto.Marshal(rec)
	require.NoError(b, err)
	benchCalls(b, h, h.Client().PID(), func(ctx context.Context) ([]*pluginapi.ExportResult, error) {
		if encoded {
			resp, err := h.Client().ExportEncoded(ctx, [][]byte{body})
			return resp.GetResults(), err
		}
		r := &pluginapi.Record{}
		if err := proto.Unmarshal(body, r); err != nil {
			return nil, err
		}
		return h.Export(ctx, r)
	})
}

func benchExport(b *testing.B, h *pluginapi.Harness, rec *pluginapi.Record, pid int) {
	benchCalls(b, h, pid, func(ctx context.Context) ([]*pluginapi.ExportResult, error) { return h.Export(ctx, rec) })
}

// benchCalls configures h and measures export calls to it.
func benchCalls(b *testing.B, h *pluginapi.Harness, pid int, export func(context.Context) ([]*pluginapi.ExportResult, error)) {
	ctx := context.Background()
	require.NoError(b, h.Configure(ctx, map[string]any{"skip_kv": true}))
	stop := watchHeap()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := export(ctx)
		if err != nil || len(res) != 1 || res[0].GetStatus() != pluginapi.ExportResult_STATUS_OK {
			b.Fatalf("export: %v %v", err, res)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(stop())/(1<<20), "host-peak-heap-MB")
	if pid != 0 {
		b.ReportMetric(testmem.MB(testmem.Peak(pid)), "plugin-peak-rss-MB")
	}
}

// watchHeap samples the heap until stopped and returns the peak above the
// heap in use when it started.
func watchHeap() (stop func() uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
					peak.Store(ms.HeapAlloc - base)
				}
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}
