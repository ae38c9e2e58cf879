// Package pluginhost runs exporter plugins for the daemon: it launches
// each configured binary, configures it, restarts it with backoff when it
// crashes, and serves it its own key-value store.
package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Spec says how to run one plugin instance.
type Spec struct {
	Name   string
	Path   string
	Config map[string]any
	// Kinds narrows what the plugin receives; empty means all it accepts.
	Kinds       []string
	HostVersion string
	// Dir is the plugin's working directory (the config file's), so
	// relative paths in its config block mean the same as elsewhere.
	Dir string
}

// Instance is one running plugin, restarted on demand after a crash.
type Instance struct {
	spec   Spec
	kv     *swappableKV
	log    *slog.Logger
	config []byte

	// OnRestart, if set, is called after each restart (for metrics).
	OnRestart func()

	mu       sync.Mutex
	client   *pluginapi.Client
	desc     *pluginapi.DescribeResponse
	oauth2   *pluginapi.OAuth2Spec
	failures int       // consecutive failed restarts
	nextTry  time.Time // earliest next restart
	closed   bool      // after Close, never relaunch
}

// ErrPlugin is wrapped by errors starting or configuring a plugin.
var ErrPlugin = errors.New("plugin")

// Start launches, describes and configures the plugin. An error here
// (bad binary, invalid config block) should stop the daemon's start.
func Start(ctx context.Context, spec Spec, kv pluginapi.KV, log *slog.Logger) (*Instance, error) {
	raw, err := json.Marshal(spec.Config)
	if err != nil {
		return nil, fmt.Errorf("%w %s: encode config: %w", ErrPlugin, spec.Name, err)
	}
	if spec.Config == nil {
		raw = []byte("{}")
	}
	in := &Instance{spec: spec, kv: &swappableKV{kv: kv}, log: log, config: raw}
	if err := in.launch(ctx); err != nil {
		return nil, err
	}
	if err := in.checkKinds(); err != nil {
		in.Close()
		return nil, err
	}
	return in, nil
}

func (in *Instance) launch(ctx context.Context) error {
	c, err := pluginapi.Launch(in.spec.Path, pluginapi.WithLogger(in.log), pluginapi.WithDir(in.spec.Dir),
		pluginapi.WithSysProcAttr(pluginProcAttr()))
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrPlugin, in.spec.Name, err)
	}
	desc, err := c.Describe(ctx)
	if err != nil {
		c.Kill()
		return fmt.Errorf("%w %s: describe: %w", ErrPlugin, in.spec.Name, err)
	}
	resp, err := c.Configure(ctx, &pluginapi.ConfigureRequest{
		ConfigJson:   in.config,
		InstanceName: in.spec.Name,
		HostVersion:  in.spec.HostVersion,
	}, in.kv)
	if err != nil {
		c.Kill()
		if errors.Is(err, pluginapi.ErrInvalidConfig) {
			return fmt.Errorf("%w %s: plugins.%s.config: %w", ErrPlugin, in.spec.Name, in.spec.Name, err)
		}
		return fmt.Errorf("%w %s: configure: %w", ErrPlugin, in.spec.Name, err)
	}
	in.client, in.desc, in.oauth2 = c, desc, resp.GetOauth2()
	return nil
}

func (in *Instance) checkKinds() error {
	for _, name := range in.spec.Kinds {
		k, _ := pluginapi.ParseKind(name)
		if !slices.Contains(in.desc.GetKinds(), k) {
			return fmt.Errorf("%w %s: plugins.%s.kinds: the plugin does not accept %q", ErrPlugin, in.spec.Name, in.spec.Name, name)
		}
	}
	return nil
}

// Spec is how the instance runs.
func (in *Instance) Spec() Spec { return in.spec }

// SetKV points the running plugin at another store of its KV: a daemon
// that reloads its config keeps an unchanged plugin running across its
// new NATS connection.
func (in *Instance) SetKV(kv pluginapi.KV) { in.kv.set(kv) }

// Name is the configured name.
func (in *Instance) Name() string { return in.spec.Name }

// Describe is what the plugin said about itself at start.
func (in *Instance) Describe() *pluginapi.DescribeResponse {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.desc
}

// OAuth2 is the authorization the plugin asked for at Configure (nil if
// none).
func (in *Instance) OAuth2() *pluginapi.OAuth2Spec {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.oauth2
}

// Kinds are the record kinds this instance receives.
func (in *Instance) Kinds() []pluginapi.RecordKind { return in.spec.KindsOf(in.Describe()) }

// KindsOf are the record kinds a plugin described by desc receives under
// s: s.Kinds if set, else every kind it accepts.
func (s Spec) KindsOf(desc *pluginapi.DescribeResponse) []pluginapi.RecordKind {
	if len(s.Kinds) == 0 {
		return desc.GetKinds()
	}
	var kinds []pluginapi.RecordKind
	for _, name := range s.Kinds {
		k, _ := pluginapi.ParseKind(name)
		kinds = append(kinds, k)
	}
	return kinds
}

// IncludeFiles reports whether the plugin wants file bytes in records.
func (in *Instance) IncludeFiles() bool { return in.Describe().GetIncludeFiles() }

// Export sends a batch, first restarting the plugin if it has exited.
// A restart that fails returns an error; the caller retries the batch
// later, so nothing is lost while a plugin cannot start.
func (in *Instance) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	c, err := in.alive(ctx)
	if err != nil {
		return nil, err
	}
	return c.Export(ctx, req)
}

// ExportEncoded is Export for records as stored, encoded (see
// pluginapi.Client.ExportEncoded), with the same restart.
func (in *Instance) ExportEncoded(ctx context.Context, records [][]byte) (*pluginapi.ExportResponse, error) {
	c, err := in.alive(ctx)
	if err != nil {
		return nil, err
	}
	return c.ExportEncoded(ctx, records)
}

// Check runs the plugin's own checks of its destination (`polarbridge
// check`); pluginapi.ErrNoChecks if it has none.
func (in *Instance) Check(ctx context.Context) (*pluginapi.CheckResponse, error) {
	c, err := in.alive(ctx)
	if err != nil {
		return nil, err
	}
	return c.Check(ctx)
}

// alive returns a running client, restarting the plugin with exponential
// backoff (1 s doubling to 1 min) if it has exited.
func (in *Instance) alive(ctx context.Context) (*pluginapi.Client, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return nil, fmt.Errorf("%w %s: stopped", ErrPlugin, in.spec.Name)
	}
	if in.client != nil && !in.client.Exited() {
		return in.client, nil
	}
	if wait := time.Until(in.nextTry); wait > 0 {
		return nil, fmt.Errorf("%w %s: exited; next restart in %s", ErrPlugin, in.spec.Name, wait.Round(time.Millisecond))
	}
	if in.client != nil {
		in.client.Kill()
		in.client = nil
	}
	in.log.Warn("plugin exited; restarting", "attempt", in.failures+1)
	if err := in.launch(ctx); err != nil {
		in.failures++
		in.nextTry = time.Now().Add(restartBackoff(in.failures))
		return nil, err
	}
	in.failures = 0
	if in.OnRestart != nil {
		in.OnRestart()
	}
	return in.client, nil
}

func restartBackoff(failures int) time.Duration {
	d := time.Second << min(failures-1, 6)
	return min(d, time.Minute)
}

// Close stops the plugin process.
func (in *Instance) Close() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.closed = true
	if in.client != nil {
		in.client.Kill()
		in.client = nil
	}
}

// PID is the running plugin process's id (0 when there is none).
func (in *Instance) PID() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.client == nil {
		return 0
	}
	return in.client.PID()
}

// ProtocolVersion is the plugin protocol version negotiated at start.
func (in *Instance) ProtocolVersion() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.client == nil {
		return 0
	}
	return in.client.ProtocolVersion()
}
