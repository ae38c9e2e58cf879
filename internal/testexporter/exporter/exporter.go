// Package exporter is a configurable exporter for the project's own tests
// and benchmarks: it records what it receives, can fail, stall or crash on
// demand, and uses the host KV, so the daemon's delivery machinery can be
// tested against a real plugin binary (../main.go) or in-process.
package exporter

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

type config struct {
	// Kinds accepted; default all three AccessLink kinds.
	Kinds []string `json:"kinds"`
	// Mode: ok (default), retry, permanent.
	Mode string `json:"mode"`
	// LogFile receives one JSON line per record exported OK.
	LogFile string `json:"log_file"`
	// FailWhileExists: while this file exists every record gets Mode's
	// failure; once removed, records succeed.
	FailWhileExists string `json:"fail_while_exists"`
	// CrashOnceFile: if this file does not exist, create it and crash
	// the process in the middle of the next Export.
	CrashOnceFile string `json:"crash_once_file"`
	// Delay per Export call.
	Delay string `json:"delay"`
	// RetryAfterMs for retry results.
	RetryAfterMs int64 `json:"retry_after_ms"`
	// SkipKV leaves the host KV alone (benchmarks of the transport).
	SkipKV bool `json:"skip_kv"`
	// OAuth2, if set, is returned from Configure: the plugin asks the
	// host for an authorization, like a real destination would.
	OAuth2 *struct {
		AuthURL        string   `json:"auth_url"`
		TokenURL       string   `json:"token_url"`
		ClientID       string   `json:"client_id"`
		ClientSecret   string   `json:"client_secret"`
		Scope          string   `json:"scope"`
		RequiredScopes []string `json:"required_scopes"`
	} `json:"oauth2"`
}

// Exporter implements pluginapi.Exporter.
type Exporter struct {
	mu    sync.Mutex
	cfg   config
	delay time.Duration
	kv    pluginapi.KV
	log   *os.File
}

func (e *Exporter) Describe(context.Context, *pluginapi.DescribeRequest) (*pluginapi.DescribeResponse, error) {
	kinds := []pluginapi.RecordKind{
		pluginapi.RecordKind_RECORD_KIND_EXERCISE,
		pluginapi.RecordKind_RECORD_KIND_SLEEP,
		pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
	}
	// Describe cannot see config, so tests select kinds by environment.
	if env := os.Getenv("TESTEXPORTER_KINDS"); env != "" {
		kinds = nil
		for _, n := range strings.Split(env, ",") {
			k, err := pluginapi.ParseKind(n)
			if err != nil {
				return nil, err
			}
			kinds = append(kinds, k)
		}
	}
	return &pluginapi.DescribeResponse{
		Name:         "testexporter",
		Version:      "0.0.1",
		Kinds:        kinds,
		SampleConfig: "mode: ok\nlog_file: /tmp/exported.jsonl\n",
		IncludeFiles: os.Getenv("TESTEXPORTER_INCLUDE_FILES") == "1",
	}, nil
}

func (e *Exporter) Configure(_ context.Context, req *pluginapi.ConfigureRequest, host pluginapi.Host) (*pluginapi.ConfigureResponse, error) {
	var cfg config
	if err := pluginapi.DecodeConfig(req.GetConfigJson(), &cfg); err != nil {
		return nil, err
	}
	switch cfg.Mode {
	case "", "ok", "retry", "permanent":
	default:
		return nil, fmt.Errorf("%w: key \"mode\": %q is not one of ok, retry, permanent", pluginapi.ErrInvalidConfig, cfg.Mode)
	}
	var delay time.Duration
	if cfg.Delay != "" {
		d, err := time.ParseDuration(cfg.Delay)
		if err != nil {
			return nil, fmt.Errorf("%w: key \"delay\": %v", pluginapi.ErrInvalidConfig, err)
		}
		delay = d
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg, e.delay, e.kv = cfg, delay, host.KV()
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, fmt.Errorf("%w: key \"log_file\": %v", pluginapi.ErrInvalidConfig, err)
		}
		e.log = f
	}
	resp := &pluginapi.ConfigureResponse{}
	if o := cfg.OAuth2; o != nil {
		resp.Oauth2 = &pluginapi.OAuth2Spec{
			AuthUrl: o.AuthURL, TokenUrl: o.TokenURL, ClientId: o.ClientID, ClientSecret: o.ClientSecret,
			Scope: o.Scope, RequiredScopes: o.RequiredScopes,
		}
	}
	return resp, nil
}

// line is what LogFile receives per exported record.
type line struct {
	Key     string `json:"key"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Samples int    `json:"samples"`
	// ValuesSum adds up every sample value, in order: equal sums say the
	// values arrived as they were sent.
	ValuesSum float64 `json:"values_sum"`
	FileBytes int     `json:"file_bytes"`
	// Files are the formats (FILE_FORMAT_FIT) of the files that came with
	// their bytes.
	Files []string `json:"files,omitempty"`
	Count int      `json:"count"` // how often this key was exported, from the host KV
	PID   int      `json:"pid"`   // the plugin process that exported it
}

func (e *Exporter) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.delay > 0 {
		select {
		case <-time.After(e.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if e.cfg.CrashOnceFile != "" {
		if _, err := os.Stat(e.cfg.CrashOnceFile); os.IsNotExist(err) {
			_ = os.WriteFile(e.cfg.CrashOnceFile, nil, 0o644)
			pluginapi.Logger().Error("crashing on purpose", "records", len(req.GetRecords()))
			os.Exit(3)
		}
	}
	failing := e.cfg.Mode != "" && e.cfg.Mode != "ok"
	if failing && e.cfg.FailWhileExists != "" {
		if _, err := os.Stat(e.cfg.FailWhileExists); os.IsNotExist(err) {
			failing = false
		}
	}
	resp := &pluginapi.ExportResponse{}
	for _, r := range req.GetRecords() {
		if failing {
			if e.cfg.Mode == "permanent" {
				resp.Results = append(resp.Results, pluginapi.Permanent("rejected %s on purpose", r.GetKey()))
			} else {
				resp.Results = append(resp.Results, pluginapi.RetryAfter(e.cfg.RetryAfterMs, "destination down (test)"))
			}
			continue
		}
		resp.Results = append(resp.Results, e.exportOne(ctx, r))
	}
	return resp, nil
}

func (e *Exporter) exportOne(ctx context.Context, r *pluginapi.Record) *pluginapi.ExportResult {
	if e.cfg.SkipKV && e.log == nil {
		return pluginapi.OK()
	}
	count := 1
	if raw, _, err := e.kv.Get(ctx, "count."+r.GetKey()); err == nil {
		_, _ = fmt.Sscan(string(raw), &count)
		count++
	}
	if _, err := e.kv.Put(ctx, "count."+r.GetKey(), []byte(fmt.Sprint(count))); err != nil {
		return pluginapi.Retry("host kv: %v", err)
	}
	l := line{Key: r.GetKey(), Version: r.GetVersion(), Kind: pluginapi.KindName(r.GetKind()), Count: count, PID: os.Getpid()}
	if ex := r.GetExercise(); ex != nil {
		for _, s := range ex.GetSamples() {
			l.Samples += s.Len()
			for _, v := range s.GetValues() {
				l.ValuesSum += v
			}
		}
		for _, f := range ex.GetFiles() {
			l.FileBytes += len(f.GetData())
			if len(f.GetData()) > 0 {
				l.Files = append(l.Files, f.GetFormat().String())
			}
		}
	}
	if e.log != nil {
		b, _ := json.Marshal(l)
		if _, err := e.log.Write(append(b, '\n')); err != nil {
			return pluginapi.Retry("write log: %v", err)
		}
	}
	return pluginapi.OK()
}
