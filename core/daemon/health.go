package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/core/backoff"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/delivery"
)

// Ready reports whether the daemon can do its work (/readyz): connected to
// NATS, its storage usable, its plugins running. A destination that is
// down does not make it unready (its records wait, see Report).
func (d *Daemon) Ready() error {
	if err := d.storeReady(); err != nil {
		return err
	}
	d.mu.Lock()
	running := d.running
	d.mu.Unlock()
	if !running {
		return errors.New("starting")
	}
	for _, in := range d.plugins() {
		if err := in.Health(); err != nil {
			return err
		}
	}
	return nil
}

// storeReady reports whether events and records can be stored now.
func (d *Daemon) storeReady() error {
	b := d.bus()
	if b == nil {
		d.mu.Lock()
		err := d.natsErr
		d.mu.Unlock()
		if err != nil {
			return fmt.Errorf("waiting for NATS at %s: %w", d.natsDescription(), err)
		}
		return errors.New("starting")
	}
	if !b.Conn.IsConnected() {
		return fmt.Errorf("not connected to NATS (%s); reconnecting", d.natsDescription())
	}
	d.mu.Lock()
	err := d.storageErr
	d.mu.Unlock()
	return err
}

// Report is /healthz's body.
type Report struct {
	Ready     bool              `json:"ready"`
	Reason    string            `json:"reason,omitempty"`
	NATS      string            `json:"nats"`
	Storage   *bus.Storage      `json:"storage,omitempty"`
	Plugins   []PluginReport    `json:"plugins"`
	Exporters []delivery.Health `json:"exporters"`
}

// PluginReport is a plugin's state in the report.
type PluginReport struct {
	Name  string `json:"name"`
	Error string `json:"error,omitempty"`
}

// Report describes each part's state (/healthz).
func (d *Daemon) Report() any {
	r := Report{Ready: true, NATS: d.natsDescription(), Plugins: []PluginReport{}, Exporters: []delivery.Health{}}
	if err := d.Ready(); err != nil {
		r.Ready, r.Reason = false, err.Error()
	}
	if b := d.bus(); b != nil && d.cfg.NATS.URL == "" {
		st, _ := b.Storage()
		r.Storage = &st
	}
	for _, in := range d.plugins() {
		p := PluginReport{Name: in.Name()}
		if err := in.Health(); err != nil {
			p.Error = err.Error()
		}
		r.Plugins = append(r.Plugins, p)
	}
	d.mu.Lock()
	disps := d.dispatchers
	d.mu.Unlock()
	for _, disp := range disps {
		r.Exporters = append(r.Exporters, disp.Health())
	}
	return r
}

// openBus opens the bus. A shared NATS server that is not up yet (a
// normal boot order) is waited for, with backoff, while /readyz says so;
// an embedded one either starts or the start fails.
func (d *Daemon) openBus(ctx context.Context) (*bus.Bus, error) {
	opts := BusOptions(d.cfg)
	opts.Log = d.log.With("component", "nats")
	for attempt := 0; ; attempt++ {
		b, err := bus.Open(ctx, opts)
		if err == nil || opts.URL == "" || !bus.Unreachable(err) || ctx.Err() != nil {
			return b, err
		}
		d.mu.Lock()
		d.natsErr = err
		d.mu.Unlock()
		wait := backoff.Exponential(time.Second, 30*time.Second, attempt)
		d.log.Warn("NATS is not reachable yet; will retry", "url", d.natsDescription(), "in", wait, "err", err)
		if err := backoff.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("waiting for NATS at %s: %w", d.natsDescription(), err)
		}
	}
}

// storageEvery is how often the embedded store's disk is checked.
const storageEvery = 2 * time.Second

// storageLoop watches the embedded store's disk: a full disk is said at
// ERROR with the path and free space and makes the daemon unready (the
// webhook answers 503), and once space is freed the store is restarted,
// with nothing lost.
func (d *Daemon) storageLoop(ctx context.Context) error {
	t := time.NewTicker(storageEvery)
	defer t.Stop()
	for {
		d.checkStorage()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (d *Daemon) checkStorage() {
	b := d.bus()
	if b == nil {
		return
	}
	restarted, err := b.RecoverStorage()
	if err != nil {
		d.log.Error("could not restart the store", "err", err)
	} else if restarted {
		d.log.Info("the store took writes again after its disk was full", "data_dir", d.cfg.DataDir)
	}
	st, err := b.Storage()
	d.mu.Lock()
	was := d.storageErr
	d.storageErr = err
	d.mu.Unlock()
	switch {
	case err != nil && (was == nil || was.Error() != err.Error()):
		d.log.Error("storage unusable: events and records cannot be stored", "data_dir", st.Dir, "free_bytes", st.FreeBytes, "err", err)
	case err == nil && was != nil:
		d.log.Info("storage usable again", "data_dir", st.Dir, "free_bytes", st.FreeBytes)
	}
}
