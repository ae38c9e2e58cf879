package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/pluginhost"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// checks prints one line per item checked and counts the failures.
type checks struct {
	w      io.Writer
	failed int
}

func (c *checks) ok(item, msg string) { fmt.Fprintf(c.w, "ok    %s: %s\n", item, msg) }

func (c *checks) fail(item, msg string) {
	c.failed++
	fmt.Fprintf(c.w, "FAIL  %s: %s\n", item, msg)
}

// checkCmd checks the config, the store, the accounts and each enabled
// plugin: its own config block (Configure) and what it can check of its
// destination (Check).
func checkCmd(ctx context.Context, env *cliEnv, _ []string) error {
	c := &checks{w: env.stdout}
	cfg, log, err := loadConfig(env)
	if err != nil {
		c.fail("config", err.Error())
		return fmt.Errorf("1 problem")
	}
	file := cfg.File
	if file == "" {
		file = "defaults and environment (no --config)"
	}
	c.ok("config", file)
	if cfg.Log.Level != "debug" {
		// The plugins' start and stop lines are not what check reports.
		log = newLogger(env.stderr, config.Log{Level: "warn", Format: cfg.Log.Format})
	}
	b, err := bus.Attach(ctx, daemon.BusOptions(cfg))
	if err != nil {
		c.fail("NATS", err.Error())
		return fmt.Errorf("%d problems: fix them and run `polarbridge check` again", c.failed)
	}
	defer b.Close()
	switch {
	case b.Attached():
		c.ok("NATS", "a daemon runs on "+cfg.DataDir+"; its embedded server answers")
	case cfg.NATS.URL != "":
		c.ok("NATS", "reachable")
	default:
		c.ok("NATS", "the embedded store in "+cfg.DataDir+" opens (no daemon runs on it)")
	}
	checkAccounts(ctx, c, cfg, b)
	checkPlugins(ctx, c, cfg, b, log)
	if c.failed > 0 {
		return fmt.Errorf("%d problem(s): fix them and run `polarbridge check` again", c.failed)
	}
	fmt.Fprintln(env.stdout, "\nEverything checked is fine.")
	return nil
}

func checkAccounts(ctx context.Context, c *checks, cfg *config.Config, b *bus.Bus) {
	acc, err := accounts.Open(ctx, b)
	if err != nil {
		c.fail("accounts", err.Error())
		return
	}
	users, _ := acc.Users(ctx)
	coaches, _ := acc.Coaches(ctx)
	if len(users)+len(coaches) == 0 {
		c.fail("accounts", "no Polar user or Team Pro account: add one with `polarbridge users add` or `polarbridge teampro add`")
	}
	if len(users) > 0 {
		if err := requireClient(cfg); err != nil {
			c.fail("accesslink", err.Error())
		}
	}
	for _, u := range users {
		item := "user " + u.ID
		if u.State == accounts.StateActive {
			c.ok(item, "token active, zone "+orLocal(u.Zone))
			continue
		}
		c.fail(item, fmt.Sprintf("Polar refused the token (%s: %s): run `polarbridge users add` again for this user", u.State, u.StateReason))
	}
	for _, co := range coaches {
		c.ok("Team Pro account "+co.Name, "token stored")
	}
}

func orLocal(zone string) string {
	if zone == "" {
		return "the machine's local zone"
	}
	return zone
}

func checkPlugins(ctx context.Context, c *checks, cfg *config.Config, b *bus.Bus, log *slog.Logger) {
	names := make([]string, 0, len(cfg.Plugins))
	for name, p := range cfg.Plugins {
		if p.IsEnabled() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		c.fail("exporters", "none enabled: add a plugin under `plugins:` (see config.yaml.example)")
	}
	for _, name := range names {
		checkPlugin(ctx, c, cfg, b, name, log)
	}
}

// checkPlugin starts one plugin with its config block (which it
// validates) and runs its own checks.
func checkPlugin(ctx context.Context, c *checks, cfg *config.Config, b *bus.Bus, name string, log *slog.Logger) {
	item := "plugin " + name
	p := cfg.Plugins[name]
	kv, err := b.PluginKV(ctx, name)
	if err != nil {
		c.fail(item, err.Error())
		return
	}
	if b.Attached() && ownsLocalState(ctx, p.Path, cfg, log) {
		c.ok(item, "in use by the running daemon, which accepted its config at start (it keeps local state one process at a time)")
		return
	}
	in, err := pluginhost.Start(ctx, pluginhost.Spec{Name: name, Path: p.Path, Config: p.Config, Kinds: p.Kinds, HostVersion: version, Dir: cfg.BaseDir()},
		pluginhost.NewKV(kv), log.With("plugin", name))
	if err != nil {
		// The error names the plugin already, as the item does.
		c.fail(item, strings.TrimPrefix(err.Error(), item+": "))
		return
	}
	defer in.Close()
	desc := in.Describe()
	c.ok(item, fmt.Sprintf("%s %s accepts its config (plugins.%s.config)", desc.GetName(), desc.GetVersion(), name))
	if in.OAuth2() != nil {
		if _, _, err := pluginapi.LoadOAuth2Token(ctx, pluginhost.NewKV(kv)); errors.Is(err, pluginapi.ErrNotAuthorized) {
			c.fail(item, "not authorized yet: run `polarbridge plugins authorize "+name+"`")
		} else if err != nil {
			c.fail(item, "read its token: "+err.Error())
		}
	}
	resp, err := in.Check(ctx)
	switch {
	case errors.Is(err, pluginapi.ErrNoChecks):
		return
	case err != nil:
		c.fail(item, "check: "+err.Error())
		return
	}
	for _, r := range resp.GetResults() {
		if r.GetOk() {
			c.ok(item+", "+r.GetItem(), r.GetMessage())
		} else {
			c.fail(item+", "+r.GetItem(), r.GetMessage())
		}
	}
}

// ownsLocalState asks the plugin (without configuring it) whether it
// keeps state one process at a time (the CSV exporter's directory).
func ownsLocalState(ctx context.Context, path string, cfg *config.Config, log *slog.Logger) bool {
	cl, err := pluginapi.Launch(path, pluginapi.WithLogger(log), pluginapi.WithDir(cfg.BaseDir()))
	if err != nil {
		return false
	}
	defer cl.Kill()
	desc, err := cl.Describe(ctx)
	return err == nil && desc.GetOwnsLocalState()
}
