package delivery

import (
	"sync"
	"time"
)

// Health is an exporter's delivery state, as /healthz shows it.
type Health struct {
	Exporter string `json:"exporter"`
	// Failing is true while the exporter's last delivery failed (the
	// records are kept and retried).
	Failing             bool       `json:"failing"`
	ConsecutiveFailures int        `json:"consecutive_failures,omitempty"`
	FailingSince        *time.Time `json:"failing_since,omitempty"`
	LastError           string     `json:"last_error,omitempty"`
	LastSuccess         *time.Time `json:"last_success,omitempty"`
}

// warnEvery bounds the WARN lines of an exporter that keeps failing: one
// at the first failure, then one a minute with the count.
const warnEvery = time.Minute

// health tracks failures: a destination that is down says so at WARN,
// once a minute, in metrics and in /healthz, and says when it recovers.
type health struct {
	mu       sync.Mutex
	failures int
	since    time.Time
	lastErr  string
	lastOK   time.Time
	lastWarn time.Time
	unwarned int // failures since the last WARN
}

// Health reports the exporter's delivery state.
func (d *Dispatcher) Health() Health {
	h := &d.health
	h.mu.Lock()
	defer h.mu.Unlock()
	out := Health{Exporter: d.exp.Name(), Failing: h.failures > 0, ConsecutiveFailures: h.failures, LastError: h.lastErr}
	if h.failures > 0 {
		since := h.since
		out.FailingSince = &since
	}
	if !h.lastOK.IsZero() {
		ok := h.lastOK
		out.LastSuccess = &ok
	}
	return out
}

func (d *Dispatcher) succeeded(n int) {
	h := &d.health
	h.mu.Lock()
	failures, since := h.failures, h.since
	h.failures, h.unwarned, h.lastErr, h.lastOK = 0, 0, "", time.Now()
	h.mu.Unlock()
	d.metrics.ExporterFailing.WithLabelValues(d.exp.Name()).Set(0)
	d.metrics.ExporterLastSuccess.WithLabelValues(d.exp.Name()).SetToCurrentTime()
	if failures > 0 {
		d.log.Info("exporter recovered", "failed_deliveries", failures, "failing_for", time.Since(since).Round(time.Second), "records", n)
	}
}

func (d *Dispatcher) failed(reason string) {
	h := &d.health
	h.mu.Lock()
	now := time.Now()
	if h.failures == 0 {
		h.since = now
	}
	h.failures++
	h.unwarned++
	h.lastErr = reason
	warn := now.Sub(h.lastWarn) >= warnEvery || h.failures == 1
	failures, unwarned, since := h.failures, h.unwarned, h.since
	if warn {
		h.lastWarn, h.unwarned = now, 0
	}
	h.mu.Unlock()
	d.metrics.ExporterFailing.WithLabelValues(d.exp.Name()).Set(1)
	if warn {
		d.log.Warn("exporter is failing; its records are kept and retried", "failed_deliveries", failures, "new_since_last_warning", unwarned,
			"failing_for", now.Sub(since).Round(time.Second), "err", reason)
	}
}
