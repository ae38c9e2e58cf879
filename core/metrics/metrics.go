// Package metrics holds the daemon's Prometheus metrics and serves them
// with the health endpoints.
package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the daemon's counters and gauges, on a registry of their own
// (no global state).
type Metrics struct {
	Registry *prometheus.Registry

	Exported       *prometheus.CounterVec // exporter
	Failed         *prometheus.CounterVec // exporter: permanent failures
	Retried        *prometheus.CounterVec // exporter
	DeadLetters    *prometheus.CounterVec // exporter
	ConsumerLag    *prometheus.GaugeVec   // exporter: records not yet delivered
	PluginRestarts *prometheus.CounterVec // plugin
	ExportSeconds  *prometheus.HistogramVec
	Events         *prometheus.CounterVec // outcome: ok, ignored, retry, dead_letter
	WebhookEvents  prometheus.Counter
	WebhookSilent  prometheus.Gauge
	PollCycles     prometheus.Counter
	PollQueued     prometheus.Counter
	DataWarnings   *prometheus.CounterVec // source
	NoData         *prometheus.CounterVec // source, kind
	Implausible    *prometheus.CounterVec // source, kind, field: values dropped (docs/data-quality.md)
	ZoneMismatch   *prometheus.CounterVec // source: Polar's UTC offset disagrees with the user's zone
	// ExporterFailing is 1 while an exporter's last delivery failed.
	ExporterFailing *prometheus.GaugeVec // exporter
	// ExporterLastSuccess is when an exporter last accepted a record.
	ExporterLastSuccess *prometheus.GaugeVec // exporter
	Ready               prometheus.Gauge
	// PolarRequests counts HTTP requests to Polar by API and status.
	PolarRequests *prometheus.CounterVec // api (accesslink, teampro), status (200, 429, ..., error)
	buildInfo     *prometheus.GaugeVec   // version, goversion
	// LastSync is when each Polar account last synced: an event taken in
	// or a poll whose lists all answered.
	LastSync *prometheus.GaugeVec // source, account
}

// New creates the metrics.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Exported: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "polarbridge_records_exported_total", Help: "Records an exporter accepted.",
		}, []string{"exporter"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "polarbridge_records_failed_total", Help: "Records an exporter rejected permanently.",
		}, []string{"exporter"}),
		Retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "polarbridge_records_retried_total", Help: "Deliveries that will be retried.",
		}, []string{"exporter"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "polarbridge_dead_letters_total", Help: "Records moved to the dead-letter queue.",
		}, []string{"exporter"}),
		ConsumerLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "polarbridge_consumer_lag", Help: "Records waiting for or in delivery to an exporter.",
		}, []string{"exporter"}),
		PluginRestarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "polarbridge_plugin_restarts_total", Help: "Times a crashed plugin was restarted.",
		}, []string{"plugin"}),
		ExportSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "polarbridge_export_duration_seconds", Help: "Time a plugin took for one Export batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"exporter"}),
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "polarbridge_events_total", Help: "Polar events processed by the ingest worker, by outcome.",
		}, []string{"outcome"}),
		WebhookEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "polarbridge_webhook_events_total", Help: "Webhook events stored.",
		}),
	}
	m.WebhookSilent = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "polarbridge_webhook_silent", Help: "1 when polling finds new data but no webhook event arrived for poll.webhook_silence.",
	})
	m.PollCycles = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "polarbridge_poll_cycles_total", Help: "AccessLink poll cycles run.",
	})
	m.PollQueued = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "polarbridge_poll_queued_total", Help: "Events the poller queued (new or changed items).",
	})
	m.DataWarnings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "polarbridge_data_warnings_total", Help: "Data problems (malformed sample rows, odd values) in data exported anyway.",
	}, []string{"source"})
	m.NoData = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "polarbridge_polar_no_data_total", Help: "Items an event announced that Polar answered with no data (404, 204 or an empty body): nothing to export, yet.",
	}, []string{"source", "kind"})
	m.Implausible = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "polarbridge_implausible_values_total", Help: "Values dropped from exported records as outside their plausible range (docs/data-quality.md), by record kind and field.",
	}, []string{"source", "kind", "field"})
	m.ZoneMismatch = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "polarbridge_user_zone_mismatch_total", Help: "Exercises and nights whose UTC offset from Polar disagrees with the user's time zone (`polarbridge users set-zone`).",
	}, []string{"source"})
	m.ExporterFailing = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "polarbridge_exporter_failing", Help: "1 while an exporter's deliveries fail (the records are kept and retried).",
	}, []string{"exporter"})
	m.ExporterLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "polarbridge_exporter_last_success_timestamp_seconds", Help: "When an exporter last accepted a record (Unix time).",
	}, []string{"exporter"})
	m.Ready = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "polarbridge_ready", Help: "1 when the daemon can do its work (what /readyz says).",
	})
	m.PolarRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "polarbridge_polar_requests_total", Help: "HTTP requests to Polar's APIs, by API and answer status (error: no answer).",
	}, []string{"api", "status"})
	m.LastSync = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "polarbridge_account_last_sync_timestamp_seconds", Help: "When a Polar account (AccessLink user, Team Pro coach account) last synced: an event taken in or a poll whose lists all answered (Unix time).",
	}, []string{"source", "account"})
	m.buildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "polarbridge_build_info", Help: "Always 1; the labels say which build runs.",
	}, []string{"version", "goversion"})
	m.Registry.MustRegister(m.LastSync, m.PolarRequests, m.buildInfo, m.ExporterFailing, m.ExporterLastSuccess, m.Ready, m.Implausible, m.ZoneMismatch, m.NoData, m.DataWarnings, m.WebhookSilent, m.PollCycles, m.PollQueued, m.Events, m.WebhookEvents, m.Exported, m.Failed, m.Retried, m.DeadLetters, m.ConsumerLag,
		m.PluginRestarts, m.ExportSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SetBuildInfo sets polarbridge_build_info{version,goversion} to 1.
func (m *Metrics) SetBuildInfo(version string) {
	m.buildInfo.WithLabelValues(version, runtime.Version()).Set(1)
}

// PolarRequestObserver returns what a Polar client calls after each
// request, to count it under api.
func (m *Metrics) PolarRequestObserver(api string) func(status int, err error) {
	return func(status int, err error) {
		label := "error"
		if err == nil && status > 0 {
			label = strconv.Itoa(status)
		}
		m.PolarRequests.WithLabelValues(api, label).Inc()
	}
}

// WindowUsage is one rate-limit window's state: requests used and the
// limit (0: not known yet).
type WindowUsage struct{ Used, Limit int }

// RegisterPolarQuota exports AccessLink's rate-limit windows, read from
// the client at each scrape, as polarbridge_polar_rate_limit_used and
// _limit by window (15m, 24h).
func (m *Metrics) RegisterPolarQuota(api string, windows func() (short, long WindowUsage)) {
	for _, w := range []struct {
		name string
		pick func(s, l WindowUsage) WindowUsage
	}{
		{"15m", func(s, _ WindowUsage) WindowUsage { return s }},
		{"24h", func(_, l WindowUsage) WindowUsage { return l }},
	} {
		labels := prometheus.Labels{"api": api, "window": w.name}
		m.Registry.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "polarbridge_polar_rate_limit_used", Help: "Requests Polar counts in the rate-limit window (all users of the client credentials).", ConstLabels: labels},
				func() float64 { s, l := windows(); return float64(w.pick(s, l).Used) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "polarbridge_polar_rate_limit_limit", Help: "Requests Polar allows in the rate-limit window (0: not known yet).", ConstLabels: labels},
				func() float64 { s, l := windows(); return float64(w.pick(s, l).Limit) }))
	}
}

// InitExporter creates an exporter's series at zero when it starts, so
// that rate() and absent() work before the first record, failure or
// restart.
func (m *Metrics) InitExporter(name string) {
	for _, c := range []*prometheus.CounterVec{m.Exported, m.Failed, m.Retried, m.DeadLetters} {
		c.WithLabelValues(name)
	}
	m.PluginRestarts.WithLabelValues(name)
	m.ExporterFailing.WithLabelValues(name).Set(0)
	m.ConsumerLag.WithLabelValues(name)
}

// Health is what the health endpoints report.
type Health interface {
	// Ready is nil when the daemon can do its work (/readyz).
	Ready() error
	// Report is /healthz's JSON body: the state of each part, including
	// trouble that does not make the daemon unready (a destination that
	// keeps failing).
	Report() any
}

// Listen opens the health and metrics listener, so that a busy address
// fails the start.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves /healthz, /readyz and /metrics on ln until ctx ends, and
// pages (if not nil) on every other path. /healthz answers 200 while the
// process runs, with the report as JSON; /readyz answers 503 with the
// reason while the daemon is not ready.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener, h Health, pages http.Handler, log *slog.Logger) error {
	mux := http.NewServeMux()
	if pages != nil {
		mux.Handle("/", pages)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(h.Report())
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := h.Ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.Ready() == nil {
			m.Ready.Set(1)
		} else {
			m.Ready.Set(0)
		}
		promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("serving the status page, health and metrics", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics server: %w", err)
	}
	return nil
}
