package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/metrics"
	"github.com/polarbridge/polarbridge/core/pluginhost"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testbus"
	"github.com/polarbridge/polarbridge/internal/testmem"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// BenchmarkBacklog delivers a backlog of 200 mixed exercises (1 h to
// 10 h, a quarter of them 10 h) to the test exporter binary, with the
// default byte budget and, for comparison in the same run, without one
// (count only, as before #17). It reports the peak RSS of this process
// (the daemon's side: embedded NATS, dispatcher) and of the plugin.
func BenchmarkBacklog(b *testing.B) {
	bin, err := pluginapi.BuildPlugin("../../internal/testexporter", b.TempDir())
	require.NoError(b, err)
	for _, tc := range []struct {
		name  string
		bytes int
	}{{"bytes-default", 0}, {"bytes-8MiB", 8 << 20}, {"count-only", 1 << 40}} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				backlog(b, bin, tc.bytes)
			}
		})
	}
}

func backlog(b *testing.B, bin string, batchBytes int) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	bs := testbus.Open(b)
	pub := records.NewPublisher(bs)
	t0 := time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC)
	for i := range 200 {
		hours := 1 + i%3
		if i%4 == 0 {
			hours = 10
		}
		r := testrecords.Exercise("475", strconv.Itoa(i), t0.Add(time.Duration(i)*24*time.Hour), time.Duration(hours)*time.Hour)
		_, err := pub.Publish(ctx, r)
		require.NoError(b, err)
	}
	in, err := pluginhost.Start(ctx, pluginhost.Spec{Name: "test", Path: bin, Config: map[string]any{"skip_kv": true}},
		pluginapi.NewMemoryKV(), quiet)
	require.NoError(b, err)
	defer in.Close()
	policy := delivery.Policy{BatchSize: 50, BatchBytes: batchBytes, MaxAttempts: 3, BackoffInitial: time.Second,
		BackoffMax: time.Second, AckWait: time.Minute, ExportTimeout: time.Minute}
	d, err := delivery.New(ctx, bs, in, policy, metrics.New(), quiet)
	require.NoError(b, err)
	// The peak counts from here: what publishing left is returned first.
	idle := testmem.ResetPeak()
	b.StartTimer()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(runCtx) }()
	for !bs.Idle(ctx, bus.RecordsStream, delivery.ConsumerName("test")) {
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(testmem.MB(idle), "daemon-start-rss-MB")
	b.ReportMetric(testmem.MB(testmem.Peak(0)), "daemon-peak-rss-MB")
	b.ReportMetric(testmem.MB(testmem.Peak(in.PID())), "plugin-peak-rss-MB")
	cancel()
	<-done
}
