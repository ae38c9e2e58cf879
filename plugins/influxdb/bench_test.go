package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testinflux"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/influxdb/influxexport"
)

type captured struct {
	query string
	body  []byte
}

// capture returns the write requests the exporter makes for rec,
// decompressed.
func capture(b *testing.B, rec *pluginapi.Record) []captured {
	var mu sync.Mutex
	var out []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zr, err := gzip.NewReader(r.Body)
		require.NoError(b, err)
		body, _ := io.ReadAll(zr)
		mu.Lock()
		out = append(out, captured{r.URL.RawQuery, body})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	h := pluginapi.NewHarness(influxexport.New(sampleConfig))
	require.NoError(b, h.Configure(context.Background(), map[string]any{"url": srv.URL, "database": "polar", "check": false}))
	res, err := h.Export(context.Background(), rec)
	require.NoError(b, err)
	require.Equal(b, pluginapi.ExportResult_STATUS_OK, res[0].GetStatus())
	return out
}

// BenchmarkWrite writes a 10 h exercise at 1 Hz (36,000 samples) to a
// real InfluxDB through the plugin binary, and posts the same line
// protocol (same requests, gzip) straight to the server: points/s of
// each and their ratio.
func BenchmarkWrite(b *testing.B) {
	rec := testrecords.Exercise("475", "long", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Hour)
	reqs := capture(b, rec)
	points := 0
	for _, r := range reqs {
		points += bytes.Count(r.body, []byte("\n"))
	}

	srv := testinflux.Start(b)
	srv.CreateDatabase("polar")
	h, err := pluginapi.NewBinaryHarness(pluginBin)
	require.NoError(b, err)
	defer h.Close()
	ctx := context.Background()
	require.NoError(b, h.Configure(ctx, map[string]any{"url": srv.URL, "database": "polar"}))

	var viaPlugin, direct time.Duration
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	i := 0
	for b.Loop() {
		i++
		rec.Version = fmt.Sprint(i)
		start := time.Now()
		res, err := h.Export(ctx, rec)
		if err != nil || res[0].GetStatus() != pluginapi.ExportResult_STATUS_OK {
			b.Fatalf("export: %v %v", err, res)
		}
		viaPlugin += time.Since(start)

		start = time.Now()
		for _, r := range reqs {
			zbuf.Reset()
			zw.Reset(&zbuf)
			zw.Write(r.body)
			zw.Close()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/write?"+r.query, &zbuf)
			req.Header.Set("Content-Encoding", "gzip")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				b.Fatalf("direct write: HTTP %d", resp.StatusCode)
			}
		}
		direct += time.Since(start)
	}
	n := float64(b.N * points)
	b.ReportMetric(n/viaPlugin.Seconds(), "plugin_points/s")
	b.ReportMetric(n/direct.Seconds(), "direct_points/s")
	b.ReportMetric(direct.Seconds()/viaPlugin.Seconds(), "plugin/direct")
	if got := srv.Count("polar", "exercise_sample", "heart_rate"); got != 36000 {
		b.Fatalf("exercise_sample has %d points, want 36000", got)
	}
}
