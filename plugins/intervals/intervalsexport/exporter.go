// Package intervalsexport is the polarbridge intervals.icu exporter: each
// Polar exercise becomes one intervals.icu activity (the original FIT
// file uploaded, or a manual activity for an entry without a file), and
// each night's sleep and Nightly Recharge, each day's activity, weight
// and SpO2 the fields of that day's wellness record.
//
// intervals.icu de-duplicates uploads only by the file's hash, so
// exactly one activity per exercise rests on receipts in the host KV
// ("receipt.<record key>"); wellness writes are idempotent and their
// receipts ("wellness.<date>") only save requests and arbitrate between
// records that write the same field. See plugins/intervals/README.md.
package intervalsexport

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Version is the plugin version reported by Describe.
const Version = "0.1.0"

// Exporter implements pluginapi.Exporter.
type Exporter struct {
	sampleConfig string
	now          func() time.Time
	sleep        func(context.Context, time.Duration) error
	transport    http.RoundTripper
	kill         func() // testing.exit_after_upload
	log          *slog.Logger

	mu    sync.Mutex // one batch at a time
	s     *settings
	c     *client
	kv    pluginapi.KV
	users map[string]bool // Polar users seen, to warn about mixing
}

var _ pluginapi.Exporter = (*Exporter)(nil)

// Option configures an Exporter (for tests).
type Option func(*Exporter)

// WithClock makes the exporter pace itself on now and sleep.
func WithClock(now func() time.Time, sleep func(context.Context, time.Duration) error) Option {
	return func(e *Exporter) { e.now, e.sleep = now, sleep }
}

// WithLogger sets the logger (default pluginapi.Logger()).
func WithLogger(l *slog.Logger) Option { return func(e *Exporter) { e.log = l } }

// WithTransport sets the HTTP transport.
func WithTransport(rt http.RoundTripper) Option { return func(e *Exporter) { e.transport = rt } }

// New returns an unconfigured Exporter; main embeds sampleConfig from
// config.sample.yaml.
func New(sampleConfig string, opts ...Option) *Exporter {
	e := &Exporter{sampleConfig: sampleConfig, now: time.Now, sleep: pluginapi.SleepContext, kill: killSelf, users: map[string]bool{}}
	for _, o := range opts {
		o(e)
	}
	if e.log == nil {
		e.log = pluginapi.Logger()
	}
	return e
}

// killSelf ends the process as kill -9 would: no deferred function, no
// flush, no goodbye to the host.
func killSelf() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Kill()
	}
	os.Exit(3) // where Kill cannot signal
}

// Describe implements pluginapi.Exporter.
func (e *Exporter) Describe(context.Context, *pluginapi.DescribeRequest) (*pluginapi.DescribeResponse, error) {
	return &pluginapi.DescribeResponse{
		Name:         "intervals",
		Version:      Version,
		Kinds:        append([]pluginapi.RecordKind{pluginapi.RecordKind_RECORD_KIND_EXERCISE}, wellnessKinds...),
		SampleConfig: e.sampleConfig,
		IncludeFiles: true,
	}, nil
}

// Configure implements pluginapi.Exporter. With oauth configured it asks
// the host for an OAuth2 authorization (`polarbridge plugins authorize`).
func (e *Exporter) Configure(_ context.Context, req *pluginapi.ConfigureRequest, host pluginapi.Host) (*pluginapi.ConfigureResponse, error) {
	s, err := parseSettings(req.GetConfigJson())
	if err != nil {
		return nil, err
	}
	instance := req.GetInstanceName()
	if instance == "" {
		instance = "intervals"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.s = s
	if host != nil {
		e.kv = host.KV()
	}
	e.c = &client{
		s: s, kv: e.kv, instance: instance, now: e.now, sleep: e.sleep, log: e.log,
		http: &http.Client{Timeout: s.httpTimeout, Transport: e.transport},
	}
	resp := &pluginapi.ConfigureResponse{}
	if s.oauth {
		o := s.cfg.OAuth
		resp.Oauth2 = &pluginapi.OAuth2Spec{
			AuthUrl: o.AuthURL, TokenUrl: o.TokenURL, ClientId: o.ClientID, ClientSecret: o.ClientSecret,
			Scope: o.Scope, CredentialsInBody: true, RedirectUrl: o.RedirectURL,
		}
	}
	return resp, nil
}

var errNotConfigured = errors.New("intervals exporter: Export called before Configure")

// Export implements pluginapi.Exporter: one result per record, in order.
// Exercises go one by one; the batch's wellness records are written
// together, grouped by day.
func (e *Exporter) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.s == nil || e.kv == nil {
		return nil, errNotConfigured
	}
	recs := req.GetRecords()
	results := make([]*pluginapi.ExportResult, len(recs))
	var wellness []wellnessItem
	for i, rec := range recs {
		if !e.s.exports(rec.GetUserId()) {
			results[i] = pluginapi.OK()
			results[i].Message = "skipped: Polar user " + rec.GetUserId() + " is not in polar_users"
			continue
		}
		e.noteUser(rec.GetUserId())
		switch {
		case rec.GetKind() == pluginapi.RecordKind_RECORD_KIND_EXERCISE && rec.GetExercise() != nil:
			results[i] = e.exportExercise(ctx, rec)
		case slices.Contains(wellnessKinds, rec.GetKind()):
			src, err := e.s.wellnessOf(rec)
			if err != nil {
				results[i] = pluginapi.Permanent("%s: %v", rec.GetKey(), err)
				continue
			}
			wellness = append(wellness, wellnessItem{i: i, rec: rec, src: src})
		default:
			results[i] = pluginapi.Permanent("record %q: kind %s is not exported to intervals.icu", rec.GetKey(), rec.GetKind())
		}
	}
	if len(wellness) > 0 {
		e.exportWellness(ctx, wellness, results)
	}
	return &pluginapi.ExportResponse{Results: results}, nil
}

// noteUser warns once when records of several Polar users reach one
// intervals.icu athlete.
func (e *Exporter) noteUser(id string) {
	if e.users[id] || e.s.users != nil {
		return
	}
	e.users[id] = true
	if len(e.users) == 2 {
		e.log.Warn("records of several Polar users go to one intervals.icu athlete: set polar_users, one plugin instance per athlete")
	}
}
