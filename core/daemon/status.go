package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslinksync"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/status"
	"github.com/polarbridge/polarbridge/core/syncstate"
	"github.com/polarbridge/polarbridge/core/teamsync"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// sourceName names a record's source as the tracker does.
func sourceName(s pluginapi.Source) string {
	if s == pluginapi.Source_SOURCE_TEAMPRO {
		return teamsync.Name
	}
	return accesslinksync.Name
}

// Status is what the daemon is doing now: `polarbridge status` and the
// status page.
func (d *Daemon) Status(ctx context.Context) status.Report {
	r := status.Report{
		Version: d.version, PID: os.Getpid(), StartedAt: d.startedAt, At: time.Now(),
		Ready: true, NATS: d.natsDescription(), Config: d.cfg.File,
		Accounts: []status.Account{}, Exporters: []status.Exporter{}, Quota: []status.Quota{},
	}
	if err := d.Ready(); err != nil {
		r.Ready, r.Reason = false, err.Error()
	}
	r.Accounts = d.accountStatus(ctx)
	r.Webhook = d.webhookStatus(ctx)
	r.Exporters = d.exporterStatus(ctx)
	d.mu.Lock()
	quota := d.quota
	d.mu.Unlock()
	for _, q := range quota {
		r.Quota = append(r.Quota, q()...)
	}
	return r
}

func (d *Daemon) accountStatus(ctx context.Context) []status.Account {
	seen := map[[2]string]syncstate.Account{}
	for _, a := range d.Sync.Accounts() {
		seen[[2]string{a.Source, a.ID}] = a
	}
	sync := func(source, id string) syncstate.Account {
		a, ok := seen[[2]string{source, id}]
		if !ok {
			a = syncstate.Account{Source: source, ID: id}
		}
		return a
	}
	out := []status.Account{}
	d.mu.Lock()
	acc := d.Accounts
	d.mu.Unlock()
	if acc == nil {
		return out
	}
	users, _ := acc.Users(ctx)
	for _, u := range users {
		a := status.Account{Account: sync(accesslinksync.Name, u.ID), MemberID: u.MemberID, Zone: u.Zone, Token: u.State, TokenSince: u.StateSince}
		if u.State != accounts.StateActive {
			a.TokenReason = u.StateReason
		}
		out = append(out, a)
	}
	coaches, _ := acc.Coaches(ctx)
	for _, c := range coaches {
		a := status.Account{Account: sync(teamsync.Name, c.Name), Token: accounts.StateActive}
		if c.Token == nil || (c.Token.RefreshToken == "" && !c.Token.Expiry.IsZero() && c.Token.Expiry.Before(d.set.now())) {
			a.Token, a.TokenReason = "expired", "run `polarbridge teampro add --name "+c.Name+"` again"
		}
		out = append(out, a)
	}
	return out
}

func (d *Daemon) webhookStatus(ctx context.Context) *status.Webhook {
	d.mu.Lock()
	acc, listen, silent := d.Accounts, d.WebhookAddr, d.webhookWarned
	d.mu.Unlock()
	if acc == nil {
		return nil
	}
	wh, ok, err := acc.Webhook(ctx)
	if err != nil || !ok {
		return nil
	}
	last, _ := acc.LastWebhookEvent(ctx)
	return &status.Webhook{URL: wh.URL, Events: wh.Events, Listen: listen, LastEvent: last, Silent: silent}
}

func (d *Daemon) exporterStatus(ctx context.Context) []status.Exporter {
	d.mu.Lock()
	disps := d.dispatchers
	d.mu.Unlock()
	dead := map[string]int{}
	if b := d.bus(); b != nil {
		if entries, err := dlq.New(b).List(ctx, ""); err == nil {
			for _, e := range entries {
				dead[e.Exporter]++
			}
		}
	}
	plugins := map[string]*pluginState{}
	for _, in := range d.plugins() {
		p := &pluginState{}
		if desc := in.Describe(); desc != nil {
			p.name = desc.GetName() + " " + desc.GetVersion()
		}
		if err := in.Health(); err != nil {
			p.err = err.Error()
		}
		plugins[in.Name()] = p
	}
	out := []status.Exporter{}
	for _, disp := range disps {
		h := disp.Health()
		e := status.Exporter{
			Name: h.Exporter, DeadLetters: dead[h.Exporter], Failing: h.Failing, ConsecutiveFailures: h.ConsecutiveFailures,
			FailingSince: h.FailingSince, LastSuccess: h.LastSuccess, LastError: h.LastError,
		}
		e.Lag, _ = disp.Lag(ctx)
		if p := plugins[h.Exporter]; p != nil {
			e.Plugin, e.PluginError = p.name, p.err
		}
		out = append(out, e)
	}
	return out
}

// pluginState is a plugin as it describes itself and its health.
type pluginState struct{ name, err string }

// errStarting: the store is not open yet.
var errStarting = errors.New("the daemon is still starting: try again in a moment")

// statusPages are the status page and the dead-letter list on
// metrics.listen, with a replay token made for this start.
func (d *Daemon) statusPages() (*status.Pages, error) {
	token := make([]byte, 24)
	if _, err := rand.Read(token); err != nil {
		return nil, fmt.Errorf("status page token: %w", err)
	}
	queue := func() (*dlq.Queue, error) {
		b := d.bus()
		if b == nil {
			return nil, errStarting
		}
		return dlq.New(b), nil
	}
	return &status.Pages{
		Report: d.Status,
		DeadLetters: func(ctx context.Context) ([]dlq.Entry, error) {
			q, err := queue()
			if err != nil {
				return nil, err
			}
			return q.List(ctx, "")
		},
		Replay: func(ctx context.Context, exporter string, ids []uint64) (int, error) {
			q, err := queue()
			if err != nil {
				return 0, err
			}
			return q.Replay(ctx, exporter, ids)
		},
		Token: hex.EncodeToString(token),
		Log:   d.log.With("component", "status-page"),
	}, nil
}
