package daemon_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// BenchmarkPipeline measures records/s from publish to acknowledged export
// through the embedded JetStream and a real plugin binary: the daemon's
// own overhead, with an exporter that does no work of its own.
func BenchmarkPipeline(b *testing.B) {
	t0 := time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		make func(i int) *pluginapi.Record
	}{
		{"sleep", func(i int) *pluginapi.Record {
			return testrecords.Sleep(fmt.Sprint(i%50), t0.AddDate(0, 0, -i).Format("2006-01-02"))
		}},
		{"exercise-1h", func(i int) *pluginapi.Record {
			return testrecords.Exercise("475", fmt.Sprint(i), t0.Add(time.Duration(i)*time.Hour), time.Hour)
		}},
		{"exercise-10h", func(i int) *pluginapi.Record {
			return testrecords.Exercise("475", fmt.Sprint(i), t0.Add(time.Duration(i)*10*time.Hour), 10*time.Hour)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := start(b, b.TempDir(), `data_dir: %[1]s/data
metrics: {listen: ""}
plugins:
  test:
    path: `+binary(b, "internal/testexporter")+`
    config: {skip_kv: true}
`)
			d := h.d
			recs := make([]*pluginapi.Record, b.N)
			for i := range recs {
				recs[i] = tc.make(i)
			}
			pub := records.NewPublisher(d.Bus)
			cpu0 := cpuTime()
			b.ResetTimer()
			for _, r := range recs {
				if _, err := pub.Publish(context.Background(), r); err != nil {
					b.Fatal(err)
				}
			}
			for !d.Bus.Idle(context.Background(), bus.RecordsStream, delivery.ConsumerName("test")) {
				time.Sleep(5 * time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			// CPU of this process (the daemon), less sensitive than time
			// to what else the machine runs.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "daemon-cpu-ms/record")
		})
	}
}

// cpuTime is the user and system CPU this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
