package daemon_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/spf13/pflag"
)

// BenchmarkPipeline measures records/s from publish to acknowledged export
// through the embedded JetStream and a real plugin binary: the daemon's
// own overhead, with an exporter that does no work of its own.
func BenchmarkPipeline(b *testing.B) {
	start := time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		make func(i int) *pluginapi.Record
	}{
		{"sleep", func(i int) *pluginapi.Record {
			return testrecords.Sleep(fmt.Sprint(i%50), start.AddDate(0, 0, -i).Format("2006-01-02"))
		}},
		{"exercise-1h", func(i int) *pluginapi.Record {
			return testrecords.Exercise("475", fmt.Sprint(i), start.Add(time.Duration(i)*time.Hour), time.Hour)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			body := fmt.Sprintf(`data_dir: %[1]s/data
metrics: {listen: ""}
plugins:
  test:
    path: %[2]s
    config: {skip_kv: true}
`, dir, binary(b, "internal/testexporter"))
			p := filepath.Join(dir, "config.yaml")
			require.NoError(b, os.WriteFile(p, []byte(body), 0o600))
			fs := pflag.NewFlagSet("b", pflag.ContinueOnError)
			config.RegisterFlags(fs)
			require.NoError(b, fs.Parse([]string{"--config", p}))
			cfg, err := config.Load(fs)
			require.NoError(b, err)
			d, err := daemon.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), "bench")
			require.NoError(b, err)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			defer func() { cancel(); <-done }()

			recs := make([]*pluginapi.Record, b.N)
			for i := range recs {
				recs[i] = tc.make(i)
			}
			pub := records.NewPublisher(d.Bus)
			b.ResetTimer()
			for _, r := range recs {
				if _, err := pub.Publish(context.Background(), r); err != nil {
					b.Fatal(err)
				}
			}
			waitConsumerIdle(b, d.Bus, "test")
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func waitConsumerIdle(b *testing.B, bs *bus.Bus, exporter string) {
	for {
		c, err := bs.JS.Consumer(context.Background(), bus.RecordsStream, delivery.ConsumerName(exporter))
		if err == nil {
			info, err := c.Info(context.Background())
			if err == nil && info.NumPending == 0 && info.NumAckPending == 0 {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}
