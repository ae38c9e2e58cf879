package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/csv/csvexport"
)

// BenchmarkPluginBoundary exports a 1 h and a 10 h exercise (new version
// each time, sample files on) through the real plugin binary and
// in-process: the cost of the gRPC boundary next to a real exporter's own
// work. Over gRPC it also reports the plugin's peak RSS and its growth
// above the RSS it had before the first export, and that growth per byte
// of decoded sample values (issue #17 targets at most 5). grpc-nosamples
// exports the same record with samples off: the memory the record costs
// the plugin before the exporter does anything with its samples.
func BenchmarkPluginBoundary(b *testing.B) {
	start := time.Date(2026, 5, 4, 15, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{time.Hour, 10 * time.Hour} {
		rec := nineSeriesExercise(start, d)
		name := fmt.Sprintf("%dh", int(d.Hours()))
		b.Run(name+"/inprocess", func(b *testing.B) {
			benchBoundary(b, pluginapi.NewHarness(csvexport.New(sampleConfig)), rec, true, 0)
		})
		for _, samples := range []bool{true, false} {
			sub := name + "/grpc"
			if !samples {
				sub += "-nosamples"
			}
			b.Run(sub, func(b *testing.B) {
				h, err := pluginapi.NewBinaryHarness(buildPlugin(b))
				require.NoError(b, err)
				defer h.Close()
				benchBoundary(b, h, rec, samples, h.Client().PID())
			})
		}
	}
}

// nineSeriesExercise is testrecords' run with power and temperature
// added: nine series at 1 Hz, the shape issue #17 measured.
func nineSeriesExercise(start time.Time, d time.Duration) *pluginapi.Record {
	rec := testrecords.Exercise("475", "a1", start, d)
	e := rec.GetExercise()
	hr := e.GetSamples()[0]
	for _, typ := range []pluginapi.SampleType{pluginapi.SampleType_SAMPLE_TYPE_POWER, pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE} {
		s := &pluginapi.Series{Type: typ, Start: hr.GetStart(), OffsetMs: hr.GetOffsetMs(), Values: make([]float64, len(hr.GetValues()))}
		for i := range s.Values {
			s.Values[i] = float64(200+i%97) + float64(typ)/10
		}
		e.Samples = append(e.Samples, s)
	}
	return rec
}

func benchBoundary(b *testing.B, h *pluginapi.Harness, rec *pluginapi.Record, samples bool, pid int) {
	ctx := context.Background()
	require.NoError(b, h.Configure(ctx, map[string]any{"dir": b.TempDir(), "samples": samples}))
	idle := procStatusKiB(b, pid, "VmHWM")
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
	if pid == 0 {
		return
	}
	var decoded int
	for _, s := range rec.GetExercise().GetSamples() {
		decoded += 8 * len(s.GetValues())
	}
	peak := procStatusKiB(b, pid, "VmHWM")
	b.ReportMetric(float64(peak)/(1<<10), "plugin-peak-rss-MiB")
	b.ReportMetric(float64(peak-idle)/(1<<10), "plugin-rss-growth-MiB")
	b.ReportMetric(float64(peak-idle)*(1<<10)/float64(decoded), "growth/decoded")
}

// procStatusKiB reads a kB field of a process's /proc status (Linux), 0
// for pid 0.
func procStatusKiB(b *testing.B, pid int, field string) int {
	if pid == 0 {
		return 0
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	require.NoError(b, err)
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			require.NoError(b, err)
			return n
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
