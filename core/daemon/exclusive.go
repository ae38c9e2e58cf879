package daemon

import (
	"context"
	"slices"
	"time"

	"github.com/polarbridge/polarbridge/core/backoff"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/pluginhost"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// sharedDescription is the plugin's description, asked with a shared NATS
// server only (nil with an embedded one, which has just this daemon): its
// owns_local_state says whether it keeps state only one process may use
// (a CSV directory).
func (d *Daemon) sharedDescription(ctx context.Context, name string) (*pluginapi.DescribeResponse, error) {
	if d.cfg.NATS.URL == "" {
		return nil, nil
	}
	p := d.cfg.Plugins[name]
	return pluginhost.Describe(ctx, pluginhost.Spec{Name: name, Path: p.Path, Dir: d.cfg.BaseDir()}, d.log.With("plugin", name))
}

// exclusiveRetry is how long a daemon that took an exclusive exporter's
// lease but could not start it waits before it lets another try.
const exclusiveRetry = 30 * time.Second

// exclusive runs an exporter that owns local state while this daemon
// holds its lease: the plugin is started when the lease is taken and
// stopped when it is lost, so of several daemons on one NATS server one
// runs it and the others stand by.
func (d *Daemon) exclusive(name string) func(context.Context) error {
	return d.leased("exporter."+name, func(ctx context.Context) {
		log := d.log.With("exporter", name)
		in, err := d.startPlugin(ctx, name)
		if err != nil {
			log.Error("exporter cannot start on this daemon; it will try again, or another daemon takes it", "err", err)
			_ = backoff.Sleep(ctx, exclusiveRetry)
			return
		}
		disp, err := d.newDispatcher(ctx, in, log)
		if err != nil {
			in.Close()
			log.Error("exporter consumer", "err", err)
			_ = backoff.Sleep(ctx, exclusiveRetry)
			return
		}
		d.mu.Lock()
		d.Plugins = append(d.Plugins, in)
		d.dispatchers = append(d.dispatchers, disp)
		d.mu.Unlock()
		_ = disp.Run(ctx)
		d.mu.Lock()
		d.Plugins = slices.DeleteFunc(d.Plugins, func(p *pluginhost.Instance) bool { return p == in })
		d.dispatchers = slices.DeleteFunc(d.dispatchers, func(p *delivery.Dispatcher) bool { return p == disp })
		d.mu.Unlock()
		in.Close()
		log.Info("exporter stopped on this daemon")
	})
}
