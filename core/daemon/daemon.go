// Package daemon wires the daemon's parts together: the JetStream spine,
// the exporter plugins with one dispatcher each, and the health and
// metrics listener.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/lease"
	"github.com/polarbridge/polarbridge/core/metrics"
	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/core/pluginhost"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/core/teamsync"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Daemon is a started daemon.
type Daemon struct {
	cfg     *config.Config
	log     *slog.Logger
	version string

	Bus      *bus.Bus
	Metrics  *metrics.Metrics
	Plugins  []*pluginhost.Instance
	Accounts *accounts.Store
	// TeamPro is the Team Pro source.
	TeamPro *teamsync.Source
	// WebhookAddr is where the webhook receiver listens ("" if off).
	WebhookAddr string

	set           settings
	poller        *poller.Poller
	mu            sync.Mutex
	webhookWarned bool
	// exerciseFiles: an exporter of this start takes exercise files.
	exerciseFiles bool
	dispatchers   []*delivery.Dispatcher
	services      []func(context.Context) error

	// natsErr is why NATS could not be reached yet (while starting);
	// storageErr why the embedded store cannot take writes. Both guarded
	// by mu, as are Bus and Plugins once the health listener runs.
	natsErr    error
	storageErr error
	// health is the health and metrics listener, from the start on.
	healthStop func()
	healthErr  chan error
	// holder names this daemon among the holders of leases.
	holder string
	// running is set once Run has started everything.
	running bool
}

// settings are what Options adjust.
type settings struct {
	// now is the calendar clock: what "today" and "the last 28 days"
	// mean to the sources. Timeouts and pacing use their own clocks.
	now               func() time.Time
	accessLinkOpts    []accesslink.Option
	teamProClientOpts []teampro.Option
	teamProTokenOpts  []teampro.TokenSourceOption
	onTeamProWarning  func()
	// onTeamProImplausible counts Team Pro values dropped as implausible.
	onTeamProImplausible func(plausible.Warning)
}

func newSettings(opts []Option) settings {
	s := settings{now: time.Now}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// BusOptions derives the bus options from the configuration.
func BusOptions(cfg *config.Config) bus.Options {
	return bus.Options{
		URL:             cfg.NATS.URL,
		Credentials:     cfg.NATS.Credentials,
		DataDir:         cfg.DataDir,
		Listen:          cfg.NATS.Listen,
		EventsSubject:   cfg.NATS.EventsSubject,
		DuplicateWindow: cfg.NATS.DuplicateWindow,
		RecordsMaxAge:   cfg.NATS.RecordsMaxAge,
		Replicas:        cfg.NATS.Replicas,
	}
}

// Option adjusts a daemon beyond its configuration (for tests and the
// demo).
type Option func(*settings)

// WithClock sets the calendar clock (default time.Now): the instant the
// pollers take as "now" when they choose what to list and stamp events.
// Tests pin it, together with the simulators' clocks.
func WithClock(now func() time.Time) Option {
	return func(s *settings) { s.now = now }
}

// WithAccessLinkOptions adds options to the AccessLink client, e.g. a
// clock shared with a simulator.
func WithAccessLinkOptions(opts ...accesslink.Option) Option {
	return func(s *settings) { s.accessLinkOpts = append(s.accessLinkOpts, opts...) }
}

// Start opens the bus and starts every enabled plugin. The health
// listener comes first, so that /readyz can say what the daemon waits
// for: a shared NATS server not up yet is waited for (until ctx ends).
// Any other error (a plugin that will not start or rejects its config)
// stops the start with everything started so far shut down again.
func Start(ctx context.Context, cfg *config.Config, log *slog.Logger, version string, opts ...Option) (_ *Daemon, err error) {
	d := &Daemon{cfg: cfg, log: log, version: version, Metrics: metrics.New(), set: newSettings(opts), holder: lease.HolderID()}
	d.Metrics.SetBuildInfo(version)
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if err := d.serveHealth(); err != nil {
		return nil, err
	}
	b, err := d.openBus(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.Bus, d.natsErr = b, nil
	d.mu.Unlock()
	names := make([]string, 0, len(cfg.Plugins))
	for name, p := range cfg.Plugins {
		if p.IsEnabled() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var exclusive []func(context.Context) error
	for _, name := range names {
		desc, err := d.sharedDescription(ctx, name)
		if err != nil {
			return nil, err
		}
		if desc.GetOwnsLocalState() {
			d.exerciseFiles = d.exerciseFiles || d.takesExerciseFiles(name, desc)
			d.log.Info("exporter owns local state: one daemon at a time runs it", "exporter", name)
			exclusive = append(exclusive, d.exclusive(name))
			continue
		}
		in, err := d.startPlugin(ctx, name)
		if err != nil {
			return nil, err
		}
		d.exerciseFiles = d.exerciseFiles || d.takesExerciseFiles(name, in.Describe())
		disp, err := delivery.New(ctx, d.Bus, in, cfg.Delivery, d.Metrics, log.With("exporter", name))
		d.mu.Lock()
		d.Plugins = append(d.Plugins, in)
		if err == nil {
			d.dispatchers = append(d.dispatchers, disp)
		}
		d.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	d.services, err = d.sourceServices(ctx)
	if err != nil {
		return nil, err
	}
	d.services = append(d.services, exclusive...)
	if cfg.NATS.URL == "" {
		d.services = append(d.services, d.gcLoop, d.storageLoop)
	} else {
		// With a shared NATS server, one daemon at a time cleans up.
		d.services = append(d.services, d.leased("gc", func(ctx context.Context) { _ = d.gcLoop(ctx) }))
	}
	return d, nil
}

// leased runs work as a service only while this daemon holds the named
// lease: of several daemons on one NATS server, one at a time does it.
func (d *Daemon) leased(name string, work func(context.Context)) func(context.Context) error {
	l := lease.New(d.Bus.Leases, name, d.holder, d.Bus.LeaseTTL())
	return func(ctx context.Context) error {
		l.Run(ctx, d.log.With("lease", name), work)
		return nil
	}
}

// serveHealth starts the health and metrics listener (if configured).
func (d *Daemon) serveHealth() error {
	if d.cfg.Metrics.Listen == "" {
		return nil
	}
	ln, err := metrics.Listen(d.cfg.Metrics.Listen)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.healthStop, d.healthErr = cancel, make(chan error, 1)
	go func() { d.healthErr <- d.Metrics.Serve(ctx, ln, d, d.log) }()
	return nil
}

func (d *Daemon) bus() *bus.Bus {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.Bus
}

func (d *Daemon) plugins() []*pluginhost.Instance {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.Plugins
}

func (d *Daemon) startPlugin(ctx context.Context, name string) (*pluginhost.Instance, error) {
	p := d.cfg.Plugins[name]
	kv, err := d.Bus.PluginKV(ctx, name)
	if err != nil {
		return nil, err
	}
	in, err := pluginhost.Start(ctx, pluginhost.Spec{
		Name: name, Path: p.Path, Config: p.Config, Kinds: p.Kinds, HostVersion: d.version,
		Dir: d.cfg.BaseDir(),
	}, pluginhost.NewKV(kv), d.log.With("plugin", name))
	if err != nil {
		return nil, err
	}
	in.OnRestart = func() { d.Metrics.PluginRestarts.WithLabelValues(name).Inc() }
	d.Metrics.InitExporter(name)
	if in.OAuth2() != nil {
		if _, _, err := pluginapi.LoadOAuth2Token(ctx, pluginhost.NewKV(kv)); errors.Is(err, pluginapi.ErrNotAuthorized) {
			d.log.Warn("plugin needs an authorization before it can export: run `polarbridge plugins authorize "+name+"`", "plugin", name)
		}
	}
	desc := in.Describe()
	d.log.Info("plugin started", "plugin", name, "name", desc.GetName(), "version", desc.GetVersion(),
		"protocol", pluginProtocol(in), "kinds", kindNames(in))
	return in, nil
}

// Run delivers records until ctx ends, then drains: batches in progress
// finish (bounded by shutdown_timeout), plugins stop, the bus closes.
// The AccessLink source (the ingest worker, the webhook receiver) runs
// alongside and is stopped the same way.
func (d *Daemon) Run(parent context.Context) error {
	// A failing service stops the others too.
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	services := d.services
	var wg sync.WaitGroup
	errs := make(chan error, len(d.dispatchers)+len(services)+1)
	for _, disp := range d.dispatchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- disp.Run(ctx)
		}()
	}
	for _, svc := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- svc(ctx)
		}()
	}
	if d.healthErr != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case err := <-d.healthErr:
				errs <- err
			case <-ctx.Done():
			}
		}()
	}
	d.mu.Lock()
	d.running = true
	d.mu.Unlock()
	d.log.Info("polarbridge running", "plugins", len(d.Plugins), "nats", d.natsDescription())
	d.warnIdle(ctx)

	var firstErr error
	select {
	case <-ctx.Done():
	case firstErr = <-errs:
		if firstErr != nil {
			d.log.Error("stopping", "err", firstErr)
		}
	}
	cancel()
	d.log.Info("shutting down", "timeout", d.cfg.ShutdownTimeout)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d.cfg.ShutdownTimeout):
		d.log.Warn("shutdown timeout: unfinished batches will be redelivered on the next start")
	}
	d.Close()
	return firstErr
}

// natsDescription names the NATS server for logs and /readyz, without a
// user or password the URL may hold.
func (d *Daemon) natsDescription() string {
	if d.cfg.NATS.URL == "" {
		return "embedded (" + d.cfg.DataDir + ")"
	}
	urls := strings.Split(d.cfg.NATS.URL, ",")
	for i, raw := range urls {
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.User != nil {
			u.User = nil
			urls[i] = u.String()
		}
	}
	return strings.Join(urls, ",")
}

// Close stops plugins and the bus. It is safe to call more than once.
func (d *Daemon) Close() {
	d.mu.Lock()
	plugins, b, stop := d.Plugins, d.Bus, d.healthStop
	d.Plugins, d.Bus, d.healthStop = nil, nil, nil
	d.mu.Unlock()
	if stop != nil {
		stop()
	}
	for _, in := range plugins {
		in.Close()
	}
	if b != nil {
		b.Close()
	}
}

func pluginProtocol(in *pluginhost.Instance) string { return fmt.Sprintf("v%d", in.ProtocolVersion()) }

func kindNames(in *pluginhost.Instance) []string {
	var names []string
	for _, k := range in.Kinds() {
		names = append(names, pluginapi.KindName(k))
	}
	return names
}

// warnIdle says at start what keeps a daemon from doing anything: no
// Polar account to take data from, or no exporter to give it to.
func (d *Daemon) warnIdle(ctx context.Context) {
	if len(d.Plugins) == 0 {
		d.log.Warn("no exporter plugins are configured: records are kept in NATS but go nowhere; add one under plugins: in the config (see config.yaml.example)")
	}
	if d.Accounts == nil {
		return
	}
	users, uerr := d.Accounts.Users(ctx)
	coaches, cerr := d.Accounts.Coaches(ctx)
	if uerr == nil && cerr == nil && len(users) == 0 && len(coaches) == 0 {
		d.log.Warn("no Polar account yet: add one with `polarbridge users add` (AccessLink) or `polarbridge teampro add` (Team Pro)")
	}
}
