package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/status"
)

// The control subjects a running daemon answers on its NATS connection:
// the CLI reaches it there (bus.Attach), whether NATS is embedded or
// shared.
const (
	StatusSubject = "polarbridge.control.status"
	ReloadSubject = "polarbridge.control.reload"
)

// ErrNotRunning means no daemon answered on the store's NATS.
var ErrNotRunning = errors.New("no polarbridge daemon is running on this store")

// WithReload lets `polarbridge reload` ask for what SIGHUP does: reload
// is called from the control handler.
func WithReload(reload func()) Option {
	return func(s *settings) { s.reload = reload }
}

// controlService answers status and reload requests until ctx ends.
func (d *Daemon) controlService(ctx context.Context) error {
	nc := d.Bus.Conn
	statusSub, err := nc.Subscribe(StatusSubject, func(m *nats.Msg) {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		raw, err := json.Marshal(d.Status(rctx))
		if err != nil {
			d.log.Error("status", "err", err)
			return
		}
		_ = m.Respond(raw)
	})
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	defer func() { _ = statusSub.Unsubscribe() }()
	reloadSub, err := nc.Subscribe(ReloadSubject, func(m *nats.Msg) {
		if d.set.reload == nil {
			_ = m.Respond([]byte("this daemon cannot re-read its config: it was not started by `polarbridge run`"))
			return
		}
		d.log.Info("reload asked for (`polarbridge reload`)")
		d.set.reload()
		_ = m.Respond([]byte("ok"))
	})
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	defer func() { _ = reloadSub.Unsubscribe() }()
	<-ctx.Done()
	return nil
}

// gatherAfterFirst is how long RequestStatuses waits for more daemons
// once the first answered: they answer on one server, within
// milliseconds of each other.
const gatherAfterFirst = 300 * time.Millisecond

// RequestStatuses asks every daemon on b's NATS for its status: several
// daemons sharing one server each run part of the work (exclusive
// exporters, leased polls). ErrNotRunning when none answers.
func RequestStatuses(ctx context.Context, b *bus.Bus) ([]status.Report, error) {
	inbox := nats.NewInbox()
	answers := make(chan *nats.Msg, 16)
	sub, err := b.Conn.ChanSubscribe(inbox, answers)
	if err != nil {
		return nil, fmt.Errorf("ask the daemons: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := b.Conn.PublishRequest(StatusSubject, inbox, nil); err != nil {
		return nil, fmt.Errorf("ask the daemons: %w", err)
	}
	if err := b.Conn.FlushTimeout(5 * time.Second); err != nil {
		return nil, fmt.Errorf("ask the daemons: %w", err)
	}
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	var out []status.Report
	for {
		select {
		case m := <-answers:
			if len(m.Data) == 0 {
				if m.Header.Get("Status") == "503" && len(out) == 0 {
					return nil, ErrNotRunning // the server says nobody listens
				}
				continue
			}
			var r status.Report
			if err := json.Unmarshal(m.Data, &r); err != nil {
				return nil, fmt.Errorf("a daemon's status: %w", err)
			}
			out = append(out, r)
			if len(out) == 1 {
				deadline.Reset(gatherAfterFirst)
			}
		case <-deadline.C:
			if len(out) == 0 {
				return nil, ErrNotRunning
			}
			return out, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// RequestReload asks the daemon running on b's NATS to re-read its
// config, as SIGHUP does.
func RequestReload(ctx context.Context, b *bus.Bus) error {
	raw, err := request(ctx, b, ReloadSubject)
	if err != nil {
		return err
	}
	if string(raw) != "ok" {
		return errors.New(string(raw))
	}
	return nil
}

func request(ctx context.Context, b *bus.Bus, subject string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m, err := b.Conn.RequestWithContext(ctx, subject, nil)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, ErrNotRunning
	}
	if err != nil {
		return nil, fmt.Errorf("ask the daemon: %w", err)
	}
	return m.Data, nil
}
