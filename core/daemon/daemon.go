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
	"reflect"
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
	"github.com/polarbridge/polarbridge/core/status"
	"github.com/polarbridge/polarbridge/core/syncstate"
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

	// Sync is what each Polar account did last (status, metrics).
	Sync      *syncstate.Tracker
	startedAt time.Time
	// quota reads the Polar APIs' rate-limit windows (guarded by mu).
	quota []func() []status.Quota
	// keep names the plugins Close leaves running, for the next daemon
	// of a reload; kept holds them once Close ran (guarded by mu).
	keep map[string]bool
	kept map[string]*pluginhost.Instance
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
	// onTeamProPolled is told each Team Pro account's poll.
	onTeamProPolled func(account string, err error)
	// reload, if set, is what `polarbridge reload` asks for.
	reload func()
	// running are plugins a previous daemon kept running for this one
	// (a reload that did not change them), by name.
	running map[string]*pluginhost.Instance
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
	d := &Daemon{cfg: cfg, log: log, version: version, Metrics: metrics.New(), set: newSettings(opts), holder: lease.HolderID(), startedAt: time.Now()}
	d.Metrics.SetBuildInfo(version)
	// Status times are when things happened, on the wall clock, not the
	// calendar clock that tells the sources what "today" is.
	d.Sync = syncstate.New(time.Now, func(source, account string, at time.Time) {
		d.Metrics.LastSync.WithLabelValues(source, account).Set(float64(at.Unix()))
	})
	defer func() {
		if err != nil {
			d.Close()
			for _, in := range d.set.running {
				in.Close()
			}
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
		disp, err := d.newDispatcher(ctx, in, log.With("exporter", name))
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
	for name, in := range d.set.running {
		if d.pluginOf(name) != in {
			in.Close() // kept for this daemon, which does not use it
		}
	}
	d.set.running = nil // an exclusive exporter, started later, starts anew
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
	pages, err := d.statusPages()
	if err != nil {
		ln.Close()
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.healthStop, d.healthErr = cancel, make(chan error, 1)
	go func() { d.healthErr <- d.Metrics.Serve(ctx, ln, d, pages.Handler(), d.log) }()
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

// newDispatcher creates the exporter's dispatcher.
func (d *Daemon) newDispatcher(ctx context.Context, in *pluginhost.Instance, log *slog.Logger) (*delivery.Dispatcher, error) {
	return delivery.New(ctx, d.Bus, in, d.cfg.Delivery, d.Metrics, log, delivery.WithExported(func(r *pluginapi.Record) {
		d.Sync.Exported(sourceName(r.GetSource()), r.GetUserId())
	}))
}

// pluginOf returns the started plugin of that name (nil: none).
func (d *Daemon) pluginOf(name string) *pluginhost.Instance {
	for _, in := range d.plugins() {
		if in.Name() == name {
			return in
		}
	}
	return nil
}

// pluginSpec is how cfg runs the plugin.
func pluginSpec(cfg *config.Config, version, name string) pluginhost.Spec {
	p := cfg.Plugins[name]
	return pluginhost.Spec{
		Name: name, Path: p.Path, Config: p.Config, Kinds: p.Kinds, HostVersion: version,
		Dir: cfg.BaseDir(),
	}
}

func (d *Daemon) startPlugin(ctx context.Context, name string) (*pluginhost.Instance, error) {
	kv, err := d.Bus.PluginKV(ctx, name)
	if err != nil {
		return nil, err
	}
	if in := d.set.running[name]; in != nil {
		// Kept running through a reload that did not change it: it only
		// needs the KV of this daemon's NATS connection.
		in.SetKV(pluginhost.NewKV(kv))
		in.OnRestart = func() { d.Metrics.PluginRestarts.WithLabelValues(name).Inc() }
		d.Metrics.InitExporter(name)
		d.log.Info("plugin kept running through the reload", "plugin", name)
		return in, nil
	}
	in, err := pluginhost.Start(ctx, pluginSpec(d.cfg, d.version, name), pluginhost.NewKV(kv), d.log.With("plugin", name))
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
	for _, in := range plugins {
		if d.keep[in.Name()] {
			if d.kept == nil {
				d.kept = map[string]*pluginhost.Instance{}
			}
			d.kept[in.Name()] = in
		}
	}
	d.mu.Unlock()
	if stop != nil {
		stop()
	}
	for _, in := range plugins {
		if !d.keep[in.Name()] {
			in.Close()
		}
	}
	if b != nil {
		b.Close()
	}
}

// Reload is what a reload to next needs of this daemon: it marks the
// plugins next runs exactly as this daemon does (same binary, config
// block, kinds, directory and log settings) to be left running when this
// daemon stops. After Run returned, Kept hands them over.
func (d *Daemon) Reload(next *config.Config) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.keep = map[string]bool{}
	if !reflect.DeepEqual(d.cfg.Log, next.Log) || d.cfg.BaseDir() != next.BaseDir() {
		return // every plugin's log or working directory changes
	}
	for _, in := range d.Plugins {
		p, ok := next.Plugins[in.Name()]
		if ok && p.IsEnabled() && reflect.DeepEqual(in.Spec(), pluginSpec(next, d.version, in.Name())) {
			d.keep[in.Name()] = true
		}
	}
}

// Kept returns the plugins Reload marked, left running by Close.
func (d *Daemon) Kept() map[string]*pluginhost.Instance {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.kept
}

// WithRunningPlugins hands the daemon plugins a previous one kept running
// (Kept): those its config runs the same way are used as they are, the
// others stopped.
func WithRunningPlugins(running map[string]*pluginhost.Instance) Option {
	return func(s *settings) { s.running = running }
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
