package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/poller"
)

// command is one CLI command, declared once: its arguments, help, what it
// runs and the flags it takes.
type command struct {
	name    string // "users add"
	args    string // positional arguments, as usage shows them
	short   string
	example string
	run     func(ctx context.Context, env *cliEnv, args []string) error
	// flags adds the command's own flags (nil: none).
	flags func(fs *pflag.FlagSet)
	// reads says which configuration flags the command takes.
	reads configFlags
}

// configFlags are the global flags a command takes.
type configFlags int

const (
	// readsConfig: --config, --data-dir, --log-*, --nats-url. The zero
	// value: the command does not read the configuration.
	readsConfig configFlags = iota + 1
	// readsDaemon: those and --metrics-listen, for commands that serve.
	readsDaemon
)

// commandGroups are the commands that only hold others.
var commandGroups = []struct{ name, short string }{
	{"users", "the Polar users this bridge serves (AccessLink)"},
	{"teampro", "Polar Team Pro coach accounts and teams"},
	{"webhook", "the AccessLink webhook that pushes new data"},
	{"plugins", "the exporter plugins"},
	{"dlq", "dead-lettered records: list and replay"},
}

// commands declares every command.
func commands() []command {
	return []command{
		{name: "run", short: "run the daemon (SIGHUP or `polarbridge reload` re-reads the config)", run: runDaemon, reads: readsDaemon,
			example: "polarbridge run --config /etc/polarbridge/config.yaml"},
		{name: "status", short: "what the running daemon is doing: users, exporters, webhook, Polar quota", run: statusCmd, flags: jsonFlag("print JSON"), reads: readsConfig,
			example: "polarbridge status --config config.yaml\npolarbridge status --json | jq .exporters"},
		{name: "check", short: "check the config, each plugin's own config block and what can be reached, one line per item", run: checkCmd, reads: readsConfig,
			example: "polarbridge check --config config.yaml"},
		{name: "reload", short: "make the running daemon re-read its config (like kill -HUP)", run: reloadCmd, reads: readsConfig,
			example: "polarbridge reload --config config.yaml"},
		{name: "version", short: "print the version", run: printVersion},
		{name: "demo", short: "try it all on the AccessLink simulator: OAuth, webhook, CSV export; ends by itself", run: runDemo, flags: demoFlags,
			example: "polarbridge demo\npolarbridge demo --keep --dir /tmp/pb-demo"},
		{name: "simulator", short: "run the AccessLink simulator, to try the bridge without a Polar account", run: runSimulator, flags: simulatorFlags,
			example: "polarbridge simulator --write-config sim.yaml"},
		{name: "backfill", short: "queue everything Polar still holds that the bridge has not exported", run: backfill, flags: backfillFlags, reads: readsConfig,
			example: "polarbridge backfill --since 7d --kinds exercise,sleep --wait\npolarbridge backfill --source teampro --since 2026-11-01"},
		{name: "sports", short: "print the effective Polar sport -> FIT sport table", run: sportsTable, flags: jsonFlag("print JSON"), reads: readsConfig,
			example: "polarbridge sports --json"},

		{name: "users add", short: "authorize a Polar user (OAuth in a browser, or the redirect pasted here) and register them", run: usersAdd, flags: usersAddFlags, reads: readsConfig,
			example: "polarbridge users add --zone Europe/Helsinki\npolarbridge users add --code 8f2c...  # the code= in the failed redirect's address bar"},
		{name: "users list", short: "list the Polar users this bridge serves", run: usersList, reads: readsConfig,
			example: "polarbridge users list"},
		{name: "users set-zone", args: "USER-ID ZONE", short: "change a Polar user's IANA time zone", run: usersSetZone, reads: readsConfig,
			example: "polarbridge users set-zone 12345678 Europe/Helsinki"},
		{name: "users remove", args: "USER-ID", short: "de-register a Polar user and forget their token", run: usersRemove, reads: readsConfig,
			example: "polarbridge users remove 12345678"},

		{name: "teampro add", short: "authorize a coach's Polar Team Pro account", run: teamproAdd, flags: teamproAddFlags, reads: readsConfig,
			example: "polarbridge teampro add --name club"},
		{name: "teampro teams", short: "list the teams of every Team Pro account", run: teamproTeams, reads: readsConfig,
			example: "polarbridge teampro teams"},
		{name: "teampro simulator", short: "run the Team Pro simulator", run: teamproSimulator, flags: teamproSimulatorFlags,
			example: "polarbridge teampro simulator --listen 127.0.0.1:7576"},

		{name: "webhook create", short: "create the AccessLink webhook and store its signature key", run: webhookCreate, flags: webhookCreateFlags, reads: readsConfig,
			example: "polarbridge webhook create --url https://bridge.example.org/webhook"},
		{name: "webhook show", short: "show the webhook at Polar and when the last event arrived", run: webhookShow, reads: readsConfig,
			example: "polarbridge webhook show"},
		{name: "webhook update", short: "change the webhook's URL or events", run: webhookUpdate, flags: webhookUpdateFlags, reads: readsConfig,
			example: "polarbridge webhook update --url https://new.example.org/webhook"},
		{name: "webhook delete", short: "delete the webhook", run: webhookDelete, reads: readsConfig, example: "polarbridge webhook delete"},
		{name: "webhook activate", short: "re-activate a webhook Polar deactivated", run: webhookActivate, reads: readsConfig, example: "polarbridge webhook activate"},
		{name: "webhook deactivate", short: "pause the webhook", run: webhookDeactivate, reads: readsConfig, example: "polarbridge webhook deactivate"},

		{name: "plugins list", short: "start each configured plugin, have it check its config block, and print what it describes", run: pluginsList, reads: readsConfig,
			example: "polarbridge plugins list"},
		{name: "plugins authorize", args: "NAME", short: "authorize a plugin's destination (e.g. Strava) through OAuth2 and store the token", run: pluginsAuthorize, flags: pluginsAuthorizeFlags, reads: readsConfig,
			example: "polarbridge plugins authorize strava\npolarbridge plugins authorize strava --code 3a9e... --scope read,activity:write"},

		{name: "dlq list", short: "list dead-lettered records", run: dlqList, flags: dlqListFlags, reads: readsConfig,
			example: "polarbridge dlq list --exporter strava"},
		{name: "dlq replay", args: "[ID...]", short: "re-queue dead letters (all, or by ID) for their exporter", run: dlqReplay, flags: exporterFlag, reads: readsConfig,
			example: "polarbridge dlq replay           # all of them\npolarbridge dlq replay 12 13"},
	}
}

// cobra builds the command under its last name word.
func (c command) cobra(name string, newEnv func(*pflag.FlagSet) *cliEnv) *cobra.Command {
	use := name
	if c.args != "" {
		use += " " + c.args
	}
	cc := &cobra.Command{
		Use:     use,
		Short:   c.short,
		Example: indentExample(c.example),
		RunE: func(cc *cobra.Command, args []string) error {
			if err := c.run(cc.Context(), newEnv(cc.Flags()), args); err != nil {
				return failed{err}
			}
			return nil
		},
	}
	switch c.reads {
	case readsConfig:
		config.RegisterStoreFlags(cc.Flags())
	case readsDaemon:
		config.RegisterFlags(cc.Flags())
	}
	if c.flags != nil {
		c.flags(cc.Flags())
	}
	return cc
}

func indentExample(example string) string {
	if example == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(example, "\n", "\n  ")
}

// Flags of the commands, by what they are about.

func exporterFlag(fs *pflag.FlagSet) { fs.String("exporter", "", "only this exporter's dead letters") }

func jsonFlag(help string) func(*pflag.FlagSet) {
	return func(fs *pflag.FlagSet) { fs.Bool("json", false, help) }
}

func listenFlag(def, help string) func(*pflag.FlagSet) {
	return func(fs *pflag.FlagSet) { fs.String("listen", def, help) }
}

func dlqListFlags(fs *pflag.FlagSet) {
	exporterFlag(fs)
	jsonFlag("print JSON lines")(fs)
}

// demoFlags: the demo writes its own config, so --config is there but
// not for the user.
func demoFlags(fs *pflag.FlagSet) {
	fs.Bool("keep", false, "keep the demo's directory instead of removing it")
	fs.String("dir", "", "directory for the demo's data and output (default: a new temporary one, removed at the end)")
	config.RegisterStoreFlags(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "keep" && f.Name != "dir" {
			_ = fs.MarkHidden(f.Name)
		}
	})
}

// authorizeFlags are those of every OAuth authorization command.
func authorizeFlags(fs *pflag.FlagSet, codeHelp string) {
	fs.String("code", "", codeHelp)
	fs.Bool("open", true, "open the authorization URL in a browser where possible")
	fs.Duration("timeout", 10*time.Minute, "how long to wait for the OAuth callback or a pasted redirect")
}

func pluginsAuthorizeFlags(fs *pflag.FlagSet) {
	authorizeFlags(fs, "the code= of the redirect, pasted by hand (headless); better: paste the whole redirect URL when asked")
	fs.String("scope", "", "with --code: the scope= the redirect reported (required with --code, so the granted scope is checked)")
	fs.String("redirect-url", "", "redirect URL registered with the destination (default accesslink.redirect_url)")
}

func usersAddFlags(fs *pflag.FlagSet) {
	authorizeFlags(fs, "the code= of the redirect, pasted by hand (headless: open the URL elsewhere)")
	fs.String("member-id", "", "the member id to register (default polarbridge-<user id>)")
	fs.String("zone", "", "the user's IANA time zone, e.g. Europe/Helsinki (default: kept on re-authorization, else the machine's local zone)")
}

func teamproAddFlags(fs *pflag.FlagSet) {
	authorizeFlags(fs, "the code= of the redirect, pasted by hand (headless)")
	fs.String("name", "coach", "a name for the account")
}

func webhookCreateFlags(fs *pflag.FlagSet) {
	fs.String("url", "", "public URL of this daemon's webhook receiver")
	fs.String("events", "", "events to subscribe to, comma-separated (default: every event the bridge takes in: "+strings.Join(pushEventNames(), ",")+")")
}

func webhookUpdateFlags(fs *pflag.FlagSet) {
	fs.String("url", "", "new URL (empty keeps it)")
	fs.String("events", "", "the events to subscribe to, replacing the current ones (default: add the ones the bridge takes in that the webhook lacks)")
}

func backfillFlags(fs *pflag.FlagSet) {
	fs.StringSlice("user", nil, "only these Polar user ids, or Team Pro account names with --source teampro (default: all)")
	fs.String("since", "28d", "how far back: days (28d), a duration (72h) or a date")
	fs.StringSlice("kinds", nil, strings.Join(poller.AllKinds, ", ")+" (default: all)")
	fs.String("source", "accesslink", "the source to backfill: accesslink or teampro")
	fs.Bool("wait", false, "wait until the daemon has processed what was queued")
}

// logFlags are those of commands that log without reading the config.
func logFlags(fs *pflag.FlagSet) {
	fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.String("log-format", "text", "log format: text or json")
}

func teamproSimulatorFlags(fs *pflag.FlagSet) {
	listenFlag("127.0.0.1:7576", "address to serve the simulated Team Pro API on")(fs)
	logFlags(fs)
}

func simulatorFlags(fs *pflag.FlagSet) {
	listenFlag("127.0.0.1:7575", "address to serve the simulated AccessLink API on")(fs)
	logFlags(fs)
	fs.Int("users", 2, "simulated users")
	fs.Duration("every", time.Minute, "add an exercise or a night (and push the webhook) this often; 0 never")
	fs.Int("rate-limit", 0, "requests per 15 minutes (0: Polar's default for the user count)")
	fs.Uint64("seed", 1, "seed for the generated data")
	fs.String("write-config", "", "write a config file for the bridge against this simulator (CSV export) to this path")
}
