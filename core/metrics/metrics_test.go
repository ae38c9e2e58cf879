package metrics

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLint runs promlint over every metric the daemon registers, with
// an exporter's series created.
func TestLint(t *testing.T) {
	m := New()
	m.SetBuildInfo("1.2.3")
	m.InitExporter("csv")
	problems, err := testutil.GatherAndLint(m.Registry)
	require.NoError(t, err)
	for _, p := range problems {
		// The Go and process collectors are client_golang's own.
		if !strings.HasPrefix(p.Metric, "go_") && !strings.HasPrefix(p.Metric, "process_") {
			assert.Failf(t, "promlint", "%s: %s", p.Metric, p.Text)
		}
	}
}

// TestExporterSeriesStartAtZero: the counters exist before their first
// increment, so rate() and absent() alerts work from the start.
func TestExporterSeriesStartAtZero(t *testing.T) {
	m := New()
	m.InitExporter("influxdb")
	for _, name := range []string{"polarbridge_records_exported_total", "polarbridge_records_failed_total",
		"polarbridge_records_retried_total", "polarbridge_dead_letters_total", "polarbridge_plugin_restarts_total",
		"polarbridge_exporter_failing", "polarbridge_consumer_lag"} {
		n, err := testutil.GatherAndCount(m.Registry, name)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "%s has the exporter's series", name)
	}
	assert.Equal(t, 0.0, testutil.ToFloat64(m.DeadLetters.WithLabelValues("influxdb")))

	m.SetBuildInfo("1.2.3")
	want := `# HELP polarbridge_build_info Always 1; the labels say which build runs.
# TYPE polarbridge_build_info gauge
polarbridge_build_info{goversion="` + runtime.Version() + `",version="1.2.3"} 1
`
	assert.NoError(t, testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "polarbridge_build_info"))
}

func TestPolarRequestsAndQuota(t *testing.T) {
	m := New()
	obs := m.PolarRequestObserver("accesslink")
	obs(200, nil)
	obs(200, nil)
	obs(429, nil)
	obs(0, errors.New("connection refused"))
	assert.Equal(t, 2.0, testutil.ToFloat64(m.PolarRequests.WithLabelValues("accesslink", "200")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.PolarRequests.WithLabelValues("accesslink", "429")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.PolarRequests.WithLabelValues("accesslink", "error")))

	short := WindowUsage{Used: 12, Limit: 540}
	m.RegisterPolarQuota("accesslink", func() (WindowUsage, WindowUsage) { return short, WindowUsage{Used: 300, Limit: 5200} })
	want := `# HELP polarbridge_polar_rate_limit_used Requests Polar counts in the rate-limit window (all users of the client credentials).
# TYPE polarbridge_polar_rate_limit_used gauge
polarbridge_polar_rate_limit_used{api="accesslink",window="15m"} 12
polarbridge_polar_rate_limit_used{api="accesslink",window="24h"} 300
`
	assert.NoError(t, testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "polarbridge_polar_rate_limit_used"))
	short.Used = 13 // read at each scrape
	n, err := testutil.GatherAndCount(m.Registry, "polarbridge_polar_rate_limit_limit")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.NoError(t, testutil.GatherAndCompare(m.Registry, strings.NewReader(strings.ReplaceAll(want, "} 12", "} 13")), "polarbridge_polar_rate_limit_used"))
	problems, err := testutil.GatherAndLint(m.Registry, "polarbridge_polar_rate_limit_used", "polarbridge_polar_requests_total")
	require.NoError(t, err)
	assert.Empty(t, problems)
}
