// Package stravaexport is the polarbridge Strava exporter: it uploads each
// exercise's original FIT file (else TCX or GPX) to Strava exactly once,
// then sets the activity's sport type, name and description.
//
// Exactly once rests on receipts in the host KV ("receipt.<record key>"):
// the upload id is stored as soon as Strava returns it and the activity id
// when processing ends, so a retry, a crash or a redelivery resumes where
// the last attempt stopped; Strava's "duplicate of" answer covers the gap
// between a POST and its receipt. See plugins/strava/README.md.
package stravaexport

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Version is the plugin version reported by Describe.
const Version = "0.1.0"

// Scopes asked for and required.
const (
	Scope         = "activity:write,activity:read_all"
	RequiredScope = "activity:write"
)

// Exporter implements pluginapi.Exporter.
type Exporter struct {
	sampleConfig string
	now          func() time.Time
	sleep        func(context.Context, time.Duration) error
	transport    http.RoundTripper
	exit         func(code int)
	log          *slog.Logger

	mu sync.Mutex // one batch at a time
	s  *settings
	c  *client
	kv pluginapi.KV
}

var _ pluginapi.Exporter = (*Exporter)(nil)

// Option configures an Exporter (for tests).
type Option func(*Exporter)

// WithClock makes the exporter use now and sleep instead of the real
// clock, e.g. a fake clock shared with the Strava simulator.
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
	e := &Exporter{sampleConfig: sampleConfig, now: time.Now, sleep: pluginapi.SleepContext, exit: os.Exit}
	for _, o := range opts {
		o(e)
	}
	if e.log == nil {
		e.log = pluginapi.Logger()
	}
	return e
}

// Describe implements pluginapi.Exporter.
func (e *Exporter) Describe(context.Context, *pluginapi.DescribeRequest) (*pluginapi.DescribeResponse, error) {
	return &pluginapi.DescribeResponse{
		Name:         "strava",
		Version:      Version,
		Kinds:        []pluginapi.RecordKind{pluginapi.RecordKind_RECORD_KIND_EXERCISE},
		SampleConfig: e.sampleConfig,
		IncludeFiles: true,
	}, nil
}

// Configure implements pluginapi.Exporter. It asks the host for an OAuth2
// authorization (`polarbridge plugins authorize <name>`).
func (e *Exporter) Configure(_ context.Context, req *pluginapi.ConfigureRequest, host pluginapi.Host) (*pluginapi.ConfigureResponse, error) {
	s, err := parseSettings(req.GetConfigJson())
	if err != nil {
		return nil, err
	}
	instance := req.GetInstanceName()
	if instance == "" {
		instance = "strava"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.s = s
	if host != nil {
		e.kv = host.KV()
	}
	e.c = &client{
		s: s, kv: e.kv, instance: instance, now: e.now, log: e.log,
		http: &http.Client{Timeout: s.httpTimeout, Transport: e.transport},
		rate: &rateLimiter{now: e.now},
	}
	return &pluginapi.ConfigureResponse{Oauth2: &pluginapi.OAuth2Spec{
		AuthUrl:           s.cfg.AuthURL,
		TokenUrl:          s.cfg.TokenURL,
		ClientId:          s.cfg.ClientID,
		ClientSecret:      s.cfg.ClientSecret,
		Scope:             Scope,
		RequiredScopes:    []string{RequiredScope},
		CredentialsInBody: true,
		AuthParams:        map[string]string{"approval_prompt": "auto"},
		RedirectUrl:       s.cfg.RedirectURL,
	}}, nil
}

var errNotConfigured = errors.New("strava exporter: Export called before Configure")

// Export implements pluginapi.Exporter: one result per record, in order.
func (e *Exporter) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.s == nil || e.kv == nil {
		return nil, errNotConfigured
	}
	resp := &pluginapi.ExportResponse{}
	for _, rec := range req.GetRecords() {
		resp.Results = append(resp.Results, e.exportOne(ctx, rec))
	}
	return resp, nil
}
