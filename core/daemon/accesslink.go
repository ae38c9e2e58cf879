package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accesslinksync"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/core/metrics"
	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/core/source"
	"github.com/polarbridge/polarbridge/core/sports"
	"github.com/polarbridge/polarbridge/core/status"
	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/core/teamsync"
	"github.com/polarbridge/polarbridge/core/webhook"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// NewAccessLinkClient builds the AccessLink client the configuration
// describes.
func NewAccessLinkClient(cfg *config.Config, log *slog.Logger, extra ...accesslink.Option) (*accesslink.Client, error) {
	opts := []accesslink.Option{
		accesslink.WithBaseURL(cfg.AccessLink.APIURL),
		accesslink.WithLogger(log.With("component", "accesslink")),
	}
	if cfg.AccessLink.ClientID != "" {
		opts = append(opts, accesslink.WithClientCredentials(cfg.AccessLink.ClientID, cfg.AccessLink.ClientSecret))
	}
	c, err := accesslink.New(append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("accesslink: %w", err)
	}
	return c, nil
}

// sourceServices starts the sources (AccessLink, Team Pro), the event
// pipeline that routes their events, their poll loops and, if
// configured, the webhook receiver.
func (d *Daemon) sourceServices(ctx context.Context) ([]func(context.Context) error, error) {
	alOpts := append(slices.Clip(d.set.accessLinkOpts), accesslink.WithRequestObserver(d.Metrics.PolarRequestObserver("accesslink")))
	client, err := NewAccessLinkClient(d.cfg, d.log, alOpts...)
	if err != nil {
		return nil, err
	}
	d.Metrics.RegisterPolarQuota("accesslink", func() (short, long metrics.WindowUsage) {
		rl := client.RateLimits()
		return metrics.WindowUsage{Used: rl.Short.Used, Limit: rl.Short.Limit}, metrics.WindowUsage{Used: rl.Long.Used, Limit: rl.Long.Limit}
	})
	d.mu.Lock()
	d.quota = append(d.quota, func() []status.Quota {
		rl := client.RateLimits()
		return []status.Quota{
			{API: "accesslink", Window: "15m", Used: rl.Short.Used, Limit: rl.Short.Limit},
			{API: "accesslink", Window: "24h", Used: rl.Long.Used, Limit: rl.Long.Limit},
		}
	})
	d.mu.Unlock()
	acc, err := accounts.Open(ctx, d.Bus)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.Accounts = acc
	d.mu.Unlock()
	table, err := sports.NewTable(d.cfg.AccessLink.SportOverrides)
	if err != nil {
		return nil, fmt.Errorf("accesslink.sport_overrides: %w", err)
	}
	st, err := seen.Open(ctx, d.Bus)
	if err != nil {
		return nil, err
	}
	tpSet := d.set
	tpSet.teamProClientOpts = append(slices.Clip(d.set.teamProClientOpts), teampro.WithRequestObserver(d.Metrics.PolarRequestObserver("teampro")))
	tpSet.onTeamProWarning = func() { d.Metrics.DataWarnings.WithLabelValues("teampro").Inc() }
	tpSet.onTeamProImplausible = d.countImplausible("teampro")
	tpSet.onTeamProPolled = func(account string, err error) { d.Sync.Polled(teamsync.Name, account, err) }
	d.TeamPro = newTeamPro(d.cfg, d.Bus, acc, st, d.log, tpSet)
	d.poller = poller.New(d.Bus, client, acc, st, d.log.With("component", "poller"), poller.WithClock(d.set.now),
		poller.WithUserPolled(func(user string, err error) { d.Sync.Polled(accesslinksync.Name, user, err) }))
	al := accesslinksync.New(d.Bus, client, acc, table, st, d.poller, d.log.With("component", "accesslink"))
	al.OnNoData = func(kind string) { d.Metrics.NoData.WithLabelValues(al.Name(), kind).Inc() }
	al.OnImplausible = d.countImplausible(al.Name())
	al.OnZoneMismatch = func() { d.Metrics.ZoneMismatch.WithLabelValues(al.Name()).Inc() }
	al.Now = d.set.now
	al.ExerciseFiles = d.exerciseFiles
	d.poller.SetTransactor(al)
	w, err := ingest.New(d.Bus, []source.Source{al, d.TeamPro}, ingest.Options{
		Policy: d.cfg.Delivery,
		Grace:  d.cfg.ShutdownTimeout / 2,
		OnEvent: func(o ingest.Outcome) {
			d.Metrics.Events.WithLabelValues(o.Outcome).Inc()
			switch o.Outcome {
			case "ok":
				d.Sync.Event(o.Source, o.Account, nil)
			case "retry", "dead_letter":
				d.Sync.Event(o.Source, o.Account, o.Err)
			}
		},
	}, d.log.With("component", "ingest"))
	if err != nil {
		return nil, err
	}
	if err := w.Prepare(ctx); err != nil {
		return nil, err
	}
	services := []func(context.Context) error{w.Run, d.controlService}
	every := d.cfg.Poll.Interval
	if d.cfg.Webhook.Listen != "" {
		srv, err := d.webhookServer(acc)
		if err != nil {
			return nil, err
		}
		services = append(services, srv)
		every = d.cfg.Poll.IntervalWithWebhook
		d.warnMissingEvents(ctx, acc)
	}
	if every > 0 {
		cadence := &poller.Cadence{Daily: d.cfg.Poll.DailyKindsInterval}
		services = append(services, d.pollLoop(al.Name(), every, func(ctx context.Context) error {
			_, err := d.PollOnce(ctx, cadence.Scope(d.set.now()))
			return err
		}))
	}
	if every := d.cfg.TeamPro.PollInterval; every > 0 {
		services = append(services, d.pollLoop(d.TeamPro.Name(), every, func(ctx context.Context) error {
			_, err := d.TeamPro.Poll(ctx, source.Scope{})
			return err
		}))
	}
	return services, nil
}

// warnMissingEvents says when the stored webhook (made by an older
// version, or with --events) lacks events the bridge takes in: their data
// then arrives only with the next poll.
func (d *Daemon) warnMissingEvents(ctx context.Context, acc *accounts.Store) {
	w, ok, err := acc.Webhook(ctx)
	if err != nil || !ok {
		return
	}
	have := make([]accesslink.WebhookEvent, len(w.Events))
	for i, e := range w.Events {
		have[i] = accesslink.WebhookEvent(e)
	}
	if missing := accesslink.MissingPushEvents(have); len(missing) > 0 {
		d.log.Warn("the webhook is not subscribed to every event the bridge takes in; their data waits for the next poll: run `polarbridge webhook update` to subscribe",
			"webhook", w.ID, "missing", fmt.Sprint(missing))
	}
}

// webhookServer listens now (so a busy port fails the start) and returns
// the service that serves until ctx ends.
func (d *Daemon) webhookServer(acc *accounts.Store) (func(context.Context) error, error) {
	ln, err := net.Listen("tcp", d.cfg.Webhook.Listen)
	if err != nil {
		return nil, fmt.Errorf("webhook.listen %s: %w", d.cfg.Webhook.Listen, err)
	}
	d.mu.Lock()
	d.WebhookAddr = ln.Addr().String()
	d.mu.Unlock()
	h := webhook.New(d.Bus.JS, d.webhookSecret(acc), d.Bus.EventsSubjectPrefix(), d.cfg.Webhook.MaxBodyBytes, d.log.With("component", "webhook"))
	h.Ready = d.storeReady
	var (
		mu   sync.Mutex
		last time.Time
	)
	h.OnEvent = func(*accesslink.WebhookPayload) {
		d.Metrics.WebhookEvents.Inc()
		mu.Lock()
		defer mu.Unlock()
		// Recorded at most once a minute: it only answers "is the
		// webhook alive".
		if now := d.set.now(); now.Sub(last) > time.Minute || now.Before(last) {
			last = now
			_ = acc.MarkWebhookEvent(context.Background(), now)
		}
	}
	mux := http.NewServeMux()
	mux.Handle(d.cfg.Webhook.Path, h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	return func(ctx context.Context) error {
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		d.log.Info("webhook receiver listening", "addr", ln.Addr().String(), "path", d.cfg.Webhook.Path)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("webhook receiver: %w", err)
		}
		return nil
	}, nil
}

// webhookSecret returns the configured key, else the one stored by
// `webhook create`, re-read at most every 10 s so a re-created webhook is
// picked up without a restart.
func (d *Daemon) webhookSecret(acc *accounts.Store) webhook.SecretFunc {
	if d.cfg.Webhook.Secret != "" {
		s := d.cfg.Webhook.Secret
		return func(context.Context) (string, error) { return s, nil }
	}
	var (
		mu     sync.Mutex
		cached string
		at     time.Time
	)
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if cached != "" && time.Since(at) < 10*time.Second {
			return cached, nil
		}
		w, ok, err := acc.Webhook(ctx)
		if err != nil {
			return "", err
		}
		if ok {
			cached, at = w.Secret, time.Now()
		}
		return cached, nil
	}
}

// pollLoop runs a source's poll every interval (the first right away).
func (d *Daemon) pollLoop(name string, every time.Duration, poll func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		for {
			if err := poll(ctx); err != nil && ctx.Err() == nil {
				d.log.Warn("poll", "source", name, "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(every):
			}
		}
	}
}

// PollOnce runs one poll cycle and checks the webhook's health.
func (d *Daemon) PollOnce(ctx context.Context, scope poller.Scope) (seen.Progress, error) {
	prog, err := d.poller.Cycle(ctx, scope)
	d.Metrics.PollCycles.Inc()
	d.Metrics.PollQueued.Add(float64(prog.Queued + prog.Changed))
	d.mu.Lock()
	d.webhookWarned = d.checkWebhookHealth(ctx, prog, d.webhookWarned)
	d.mu.Unlock()
	return prog, err
}

// checkWebhookHealth warns once when polling finds new data although the
// webhook has been silent for poll.webhook_silence: Polar deactivates a
// webhook after 7 days of failed pushes, and pushes do get lost.
func (d *Daemon) checkWebhookHealth(ctx context.Context, prog seen.Progress, warned bool) bool {
	if d.cfg.Webhook.Listen == "" {
		return false
	}
	if _, ok, err := d.Accounts.Webhook(ctx); err != nil || !ok {
		return warned
	}
	last, err := d.Accounts.LastWebhookEvent(ctx)
	if err != nil {
		return warned
	}
	quiet := d.set.now().Sub(last)
	silent := prog.Queued > 0 && quiet > d.cfg.Poll.WebhookSilence
	if !silent {
		if !last.IsZero() && quiet <= d.cfg.Poll.WebhookSilence {
			d.Metrics.WebhookSilent.Set(0)
			return false
		}
		return warned
	}
	d.Metrics.WebhookSilent.Set(1)
	if !warned {
		since := "ever"
		if !last.IsZero() {
			since = quiet.Round(time.Minute).String()
		}
		d.log.Warn("the webhook looks broken: polling found new data but no webhook event arrived for "+since+
			"; check `polarbridge webhook show` (Polar deactivates a webhook after 7 days of failed pushes)", "new_items", prog.Queued)
	}
	return true
}

// countImplausible counts a source's values dropped as implausible.
func (d *Daemon) countImplausible(source string) func(plausible.Warning) {
	return func(w plausible.Warning) {
		d.Metrics.Implausible.WithLabelValues(source, w.Kind, w.Field).Add(float64(w.Count))
	}
}

// takesExerciseFiles reports whether the exporter name, described by
// desc, receives exercises with their files' bytes: only then are an
// exercise's TCX and GPX worth fetching when it has no FIT file. Daemons
// sharing one NATS server share the records too, so they are meant to
// run the same exporters (an exporter that takes files on one daemon
// only would miss those files when another fetched the exercise).
func (d *Daemon) takesExerciseFiles(name string, desc *pluginapi.DescribeResponse) bool {
	kinds := pluginSpec(d.cfg, d.version, name).KindsOf(desc)
	return desc.GetIncludeFiles() && slices.Contains(kinds, pluginapi.RecordKind_RECORD_KIND_EXERCISE)
}
