package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/core/sports"
)

// polarEnv is what the user and webhook commands work with.
type polarEnv struct {
	cfg    *config.Config
	log    *slog.Logger
	client *accesslink.Client
	acc    *accounts.Store
	bus    *bus.Bus
	close  func()
}

func openPolar(ctx context.Context, env *cliEnv) (*polarEnv, error) {
	cfg, log, err := loadConfig(env)
	if err != nil {
		return nil, err
	}
	client, err := daemon.NewAccessLinkClient(cfg, log)
	if err != nil {
		return nil, err
	}
	b, err := bus.Attach(ctx, daemon.BusOptions(cfg))
	if err != nil {
		return nil, err
	}
	acc, err := accounts.Open(ctx, b)
	if err != nil {
		b.Close()
		return nil, err
	}
	return &polarEnv{cfg: cfg, log: log, client: client, acc: acc, bus: b, close: b.Close}, nil
}

func requireClient(cfg *config.Config) error {
	if cfg.AccessLink.ClientID == "" || cfg.AccessLink.ClientSecret == "" {
		return errors.New("accesslink.client_id and accesslink.client_secret are required: register a client at https://admin.polaraccesslink.com and set them (the secret preferably as POLARBRIDGE_ACCESSLINK__CLIENT_SECRET)")
	}
	return nil
}

// zoneFlag returns --zone, checked: "" when not given.
func zoneFlag(env *cliEnv) (string, error) {
	zone, _ := env.flags.GetString("zone")
	if !env.flags.Changed("zone") {
		return "", nil
	}
	if _, err := accounts.LoadZone(zone); err != nil {
		return "", fmt.Errorf("--zone: %w", err)
	}
	return zone, nil
}

func usersAdd(ctx context.Context, env *cliEnv, _ []string) error {
	// The zone is checked first: a typo should not cost an authorization.
	zone, err := zoneFlag(env)
	if err != nil {
		return err
	}
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	if err := requireClient(p.cfg); err != nil {
		return err
	}
	al := p.cfg.AccessLink
	oc := accesslink.OAuthConfig(al.ClientID, al.ClientSecret, al.RedirectURL, al.AuthURL, al.TokenURL)
	code, _, err := authorizationCode(ctx, env, al.RedirectURL, "your Polar data", func(state string) string { return oc.AuthCodeURL(state) })
	if err != nil {
		return err
	}
	memberID, _ := env.flags.GetString("member-id")
	res, err := onboard.AddUser(ctx, oc, p.client, p.acc, code, memberID, zone)
	if err != nil {
		return err
	}
	how := "registered with AccessLink"
	if !res.Registered {
		how = "was already registered with AccessLink"
	}
	u, err := p.acc.User(ctx, res.UserID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Added Polar user %s (%s), time zone %s. New exercises and nights will be exported.\n", res.UserID, how, u.ZoneName())
	return nil
}

func usersSetZone(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 2 {
		return errors.New("usage: polarbridge users set-zone USER-ID ZONE, ZONE an IANA zone such as Europe/Helsinki (see `polarbridge users list`)")
	}
	if _, err := accounts.LoadZone(args[1]); err != nil {
		return err
	}
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	if err := p.acc.SetUserZone(ctx, args[0], args[1]); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Polar user %s is now in time zone %s (for data from now on; `polarbridge backfill --user %s` re-exports what Polar still holds).\n", args[0], args[1], args[0])
	return nil
}

func openBrowser(u string) {
	var cmd string
	switch runtime.GOOS {
	case "darwin":
		cmd = "open"
	case "linux":
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return
		}
		cmd = "xdg-open"
	default:
		return
	}
	if path, err := exec.LookPath(cmd); err == nil {
		_ = exec.Command(path, u).Start()
	}
}

func usersList(ctx context.Context, env *cliEnv, _ []string) error {
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	users, err := p.acc.Users(ctx)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		fmt.Fprintln(env.stdout, "no users; add one with `polarbridge users add`")
		return nil
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tMEMBER ID\tZONE\tADDED\tSTATE")
	for _, u := range users {
		state := u.State
		if u.StateReason != "" {
			state += ": " + u.StateReason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.MemberID, u.ZoneName(), u.AddedAt.Local().Format(time.DateTime), state)
	}
	return tw.Flush()
}

func usersRemove(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: polarbridge users remove USER-ID (see `polarbridge users list`)")
	}
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	if err := onboard.RemoveUser(ctx, p.client, p.acc, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Removed Polar user %s: de-registered and token forgotten.\n", args[0])
	return nil
}

// parseEvents reads --events; nil when it is empty.
func parseEvents(env *cliEnv) ([]accesslink.WebhookEvent, error) {
	raw, _ := env.flags.GetString("events")
	return accesslink.ParseEvents(raw)
}

func webhookCreate(ctx context.Context, env *cliEnv, _ []string) error {
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	if err := requireClient(p.cfg); err != nil {
		return err
	}
	u, _ := env.flags.GetString("url")
	if u == "" {
		return errors.New("--url is required: the public address of this daemon's webhook receiver (webhook.listen + webhook.path)")
	}
	events, err := parseEvents(env)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		events = accesslink.PushEvents()
	}
	created, err := p.client.CreateWebhook(ctx, u, events)
	if err != nil {
		return fmt.Errorf("create webhook (Polar PINGs the URL first: is the daemon running with webhook.listen, reachable at %s?): %w", u, err)
	}
	names := make([]string, len(created.Events))
	for i, e := range created.Events {
		names[i] = string(e)
	}
	// Polar shows the signature key only now: store it before anything else.
	err = p.acc.PutWebhook(ctx, accounts.Webhook{
		ID: created.ID, URL: created.URL, Events: names, Secret: created.SignatureSecretKey, CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		return fmt.Errorf("webhook %s created but its signature key could not be stored (delete it with `polarbridge webhook delete` and create it again): %w", created.ID, err)
	}
	fmt.Fprintf(env.stdout, "Created webhook %s for %s (%s); its signature key is stored.\n", created.ID, created.URL, strings.Join(names, ", "))
	return nil
}

func webhookShow(ctx context.Context, env *cliEnv, _ []string) error {
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	stored, haveStored, err := p.acc.Webhook(ctx)
	if err != nil {
		return err
	}
	last, err := p.acc.LastWebhookEvent(ctx)
	if err != nil {
		return err
	}
	lastText := "never"
	if !last.IsZero() {
		lastText = fmt.Sprintf("%s (%s ago)", last.Local().Format(time.DateTime), time.Since(last).Round(time.Second))
	}
	if p.cfg.AccessLink.ClientID == "" {
		fmt.Fprintln(env.stdout, "accesslink.client_id is not set: cannot ask Polar.")
	} else {
		info, found, err := p.client.GetWebhook(ctx)
		if err != nil {
			return err
		}
		if !found {
			fmt.Fprintln(env.stdout, "Polar has no webhook for this client; create one with `polarbridge webhook create --url URL`.")
		} else {
			active := "active"
			if !info.Active {
				active = "INACTIVE (Polar deactivates a webhook after 7 days of failed pushes; `polarbridge webhook activate`)"
			}
			fmt.Fprintf(env.stdout, "webhook %s\n  url:    %s\n  events: %v\n  state:  %s\n", info.ID, info.URL, info.Events, active)
			if missing := accesslink.MissingPushEvents(info.Events); len(missing) > 0 {
				fmt.Fprintf(env.stdout, "  not subscribed: %v (the bridge polls for them; `polarbridge webhook update` subscribes to them)\n", missing)
			}
		}
	}
	key := "missing: pushes will be refused (re-create the webhook, or set webhook.secret)"
	if haveStored && stored.Secret != "" {
		key = "stored"
	}
	if p.cfg.Webhook.Secret != "" {
		key = "from webhook.secret"
	}
	fmt.Fprintf(env.stdout, "  signature key: %s\n  last event received: %s\n", key, lastText)
	return nil
}

func webhookUpdate(ctx context.Context, env *cliEnv, _ []string) error {
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	stored, ok, id, err := webhookID(ctx, p)
	if err != nil {
		return err
	}
	if id == "" {
		return errors.New("no webhook to update; create one with `polarbridge webhook create --url URL`")
	}
	u, _ := env.flags.GetString("url")
	events, err := parseEvents(env)
	if err != nil {
		return err
	}
	if events == nil {
		// Without --events, add what the bridge takes in and the webhook
		// lacks (a webhook made by an older version), keeping the rest.
		current, found, err := p.client.GetWebhook(ctx)
		if err != nil {
			return err
		}
		if !found {
			return errors.New("no webhook at Polar for this client; create one with `polarbridge webhook create --url URL`")
		}
		if missing := accesslink.MissingPushEvents(current.Events); len(missing) > 0 {
			events = append(slices.Clone(current.Events), missing...)
			fmt.Fprintf(env.stdout, "Subscribing to %v as well.\n", missing)
		} else if u == "" {
			fmt.Fprintf(env.stdout, "Webhook %s already subscribes to every event the bridge takes in: %v\n", current.ID, current.Events)
			return nil
		}
	}
	info, err := p.client.UpdateWebhook(ctx, id, u, events)
	if err != nil {
		return err
	}
	if ok {
		stored.URL = info.URL
		stored.Events = stored.Events[:0]
		for _, e := range info.Events {
			stored.Events = append(stored.Events, string(e))
		}
		if err := p.acc.PutWebhook(ctx, stored); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.stdout, "Updated webhook %s: %s %v\n", info.ID, info.URL, info.Events)
	return nil
}

func webhookDelete(ctx context.Context, env *cliEnv, _ []string) error {
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	_, _, id, err := webhookID(ctx, p)
	if err != nil {
		return err
	}
	if id == "" {
		fmt.Fprintln(env.stdout, "no webhook to delete")
		return nil
	}
	if err := p.client.DeleteWebhook(ctx, id); err != nil && !errors.Is(err, accesslink.ErrNotFound) {
		return err
	}
	if err := p.acc.DeleteWebhook(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Deleted webhook %s.\n", id)
	return nil
}

// webhookID finds the webhook: the one stored at create, else Polar's
// (created elsewhere). id is "" when there is none.
func webhookID(ctx context.Context, p *polarEnv) (stored accounts.Webhook, ok bool, id string, err error) {
	stored, ok, err = p.acc.Webhook(ctx)
	if err != nil || ok {
		return stored, ok, stored.ID, err
	}
	info, found, err := p.client.GetWebhook(ctx)
	if err != nil || !found {
		return stored, false, "", err
	}
	return stored, false, info.ID, nil
}

func webhookActivate(ctx context.Context, env *cliEnv, _ []string) error {
	return webhookState(ctx, env, true)
}

func webhookDeactivate(ctx context.Context, env *cliEnv, _ []string) error {
	return webhookState(ctx, env, false)
}

func webhookState(ctx context.Context, env *cliEnv, active bool) error {
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	if active {
		err = p.client.ActivateWebhook(ctx)
	} else {
		err = p.client.DeactivateWebhook(ctx)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "webhook %s\n", map[bool]string{true: "activated", false: "deactivated"}[active])
	return nil
}

// sportsTable prints the effective FIT sport table.
func sportsTable(_ context.Context, env *cliEnv, _ []string) error {
	cfg, _, err := loadConfig(env)
	if err != nil {
		return err
	}
	table, err := sports.NewTable(cfg.AccessLink.SportOverrides)
	if err != nil {
		return fmt.Errorf("accesslink.sport_overrides: %w", err)
	}
	rows := table.All()
	if asJSON, _ := env.flags.GetBool("json"); asJSON {
		type row struct {
			DetailedSport string `json:"detailed_sport"`
			FlowName      string `json:"flow_name"`
			FITSport      string `json:"fit_sport"`
			FITSubSport   string `json:"fit_sub_sport"`
			FITSportID    uint8  `json:"fit_sport_id"`
			FITSubSportID uint8  `json:"fit_sub_sport_id"`
			Overridden    bool   `json:"overridden"`
		}
		out := make([]row, len(rows))
		for i, m := range rows {
			out[i] = row{m.DetailedSport, m.FlowName, m.SportName(), m.SubSportName(), uint8(m.Sport), uint8(m.SubSport), m.Overridden}
		}
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DETAILED SPORT\tPOLAR FLOW NAME\tFIT SPORT\tFIT SUB-SPORT\t")
	for _, m := range rows {
		mark := ""
		if m.Overridden {
			mark = "(config)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.DetailedSport, m.FlowName, m.SportName(), m.SubSportName(), mark)
	}
	return tw.Flush()
}

func pushEventNames() []string {
	var names []string
	for _, e := range accesslink.PushEvents() {
		names = append(names, string(e))
	}
	return names
}
