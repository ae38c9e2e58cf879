// Command polarbridge bridges Polar training and recovery data to other
// platforms and stores through exporter plugins.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/poller"
)

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

// command is one CLI subcommand.
type command struct {
	usage string // arguments after the name
	help  string
	run   func(ctx context.Context, env *cliEnv, args []string) error
	// flags adds the command's own flags (nil: only the global ones).
	flags func(fs *pflag.FlagSet)
}

// cliEnv is what every command gets: parsed flags, output streams.
type cliEnv struct {
	flags *pflag.FlagSet
	// stdin is where an OAuth redirect can be pasted (nil: nowhere).
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// now is the calendar clock ("--since 28d" counts back from it).
	now func() time.Time
}

// commands declares every command once: its arguments, help, what it
// runs and its own flags.
func commands() map[string]command {
	return map[string]command{
		"run":                {"", "run the daemon", runDaemon, nil},
		"version":            {"", "print the version", printVersion, nil},
		"plugins list":       {"", "start each configured plugin and print what it describes", pluginsList, nil},
		"plugins authorize":  {"NAME [--code CODE --scope SCOPE]", "authorize a plugin's destination (e.g. Strava) through OAuth2 and store the token", pluginsAuthorize, pluginsAuthorizeFlags},
		"dlq list":           {"[--exporter NAME] [--json]", "list dead-lettered records", dlqList, dlqListFlags},
		"dlq replay":         {"[--exporter NAME] [ID...]", "re-queue dead letters (all, or by ID) for their exporter", dlqReplay, exporterFlag},
		"demo":               {"[--keep] [--dir DIR]", "try it all on the AccessLink simulator: OAuth, webhook, CSV export; ends by itself", runDemo, demoFlags},
		"users add":          {"[--code CODE] [--member-id ID] [--zone ZONE]", "authorize a Polar user (OAuth in the browser, or --code pasted by hand) and register them", usersAdd, usersAddFlags},
		"users list":         {"", "list the Polar users this bridge serves", usersList, nil},
		"users set-zone":     {"USER-ID ZONE", "change a Polar user's IANA time zone (e.g. Europe/Helsinki)", usersSetZone, nil},
		"users remove":       {"USER-ID", "de-register a Polar user and forget their token", usersRemove, nil},
		"webhook create":     {"--url URL [--events EXERCISE,SLEEP]", "create the AccessLink webhook and store its signature key", webhookCreate, webhookCreateFlags},
		"webhook show":       {"", "show the webhook at Polar and when the last event arrived", webhookShow, nil},
		"webhook update":     {"[--url URL] [--events ...]", "change the webhook's URL or events", webhookUpdate, webhookUpdateFlags},
		"webhook delete":     {"", "delete the webhook", webhookDelete, nil},
		"webhook activate":   {"", "re-activate a webhook Polar deactivated", webhookActivate, nil},
		"webhook deactivate": {"", "pause the webhook", webhookDeactivate, nil},
		"backfill":           {"[--source accesslink|teampro] [--user ID] [--since 28d] [--kinds exercise,sleep,nightly-recharge,cardio-load,sleepwise-alertness,...] [--wait]", "queue everything Polar still holds that the bridge has not exported", backfill, backfillFlags},
		"sports":             {"[--json]", "print the effective Polar sport -> FIT sport table", sportsTable, jsonFlag("print JSON")},
		"teampro add":        {"[--name NAME] [--code CODE]", "authorize a coach's Polar Team Pro account", teamproAdd, teamproAddFlags},
		"teampro teams":      {"", "list the teams of every Team Pro account", teamproTeams, nil},
		"teampro simulator":  {"[--listen ADDR]", "run the Team Pro simulator", teamproSimulator, listenFlag("127.0.0.1:7576", "address to serve the simulated Team Pro API on")},
		"simulator":          {"[--listen ADDR] [--users N] [--every D] [--write-config FILE]", "run the AccessLink simulator, to try the bridge without a Polar account", runSimulator, simulatorFlags},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli(ctx, time.Now, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli runs the command line and returns the exit code: 0, 1 when the
// command failed, 2 for a command line it cannot run (with what is wrong
// on stderr). Help asked for goes to stdout.
func cli(ctx context.Context, now func() time.Time, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	switch {
	case len(args) == 0 || args[0] == "-h" || args[0] == "--help":
		usage(stdout, cmds, "")
		return 0
	case args[0] == "--version" || args[0] == "-v":
		args = []string{"version"}
	case args[0] == "help" && len(args) > 1:
		// `help run` is `run --help`.
		args = append(args[1:len(args):len(args)], "--help")
	case args[0] == "help":
		usage(stdout, cmds, "")
		return 0
	}
	name, rest := findCommand(cmds, args)
	if name == "" {
		if group := groupOf(cmds, args); group != "" {
			// `users`, `users --help`: the group's commands.
			help := len(args) > 1 && (args[1] == "--help" || args[1] == "-h")
			w := stderr
			if help || len(args) == 1 {
				w = stdout
			}
			usage(w, cmds, group)
			if help || len(args) == 1 {
				return 0
			}
			fmt.Fprintf(stderr, "\nunknown command %q%s\n", strings.Join(args, " "), didYouMean(strings.Join(args[:min(2, len(args))], " "), commandNames(cmds)))
			return 2
		}
		usage(stderr, cmds, "")
		fmt.Fprintf(stderr, "\nunknown command %q%s\n", strings.Join(args, " "), didYouMean(args[0], commandNames(cmds)))
		return 2
	}
	cmd := cmds[name]
	fs := pflag.NewFlagSet("polarbridge "+name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	config.RegisterFlags(fs)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(stdout, "usage: polarbridge %s %s\n\n%s\n\nflags:\n%s", name, cmd.usage, cmd.help, fs.FlagUsages())
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "polarbridge %s: %v%s\nrun `polarbridge %s --help` for its flags\n", name, err, flagSuggestion(fs, err), name)
		return 2
	}
	env := &cliEnv{flags: fs, stdin: stdin, stdout: stdout, stderr: stderr, now: now}
	if err := cmd.run(ctx, env, fs.Args()); err != nil {
		fmt.Fprintf(stderr, "polarbridge %s: %v\n", name, err)
		return 1
	}
	return 0
}

func commandNames(cmds map[string]command) []string {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	return names
}

// groupOf returns "users" for args starting with a command group's name.
func groupOf(cmds map[string]command, args []string) string {
	if len(args) == 0 {
		return ""
	}
	for n := range cmds {
		if strings.HasPrefix(n, args[0]+" ") {
			return args[0]
		}
	}
	return ""
}

func didYouMean(got string, candidates []string) string {
	if c := config.Closest(got, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// flagSuggestion names the flag an unknown one was probably meant as.
func flagSuggestion(fs *pflag.FlagSet, err error) string {
	msg := err.Error()
	const unknown = "unknown flag: --"
	i := strings.Index(msg, unknown)
	if i < 0 {
		return ""
	}
	got := msg[i+len(unknown):]
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	if c := config.Closest(got, names); c != "" {
		return fmt.Sprintf(" (did you mean --%s?)", c)
	}
	return ""
}

// findCommand matches the longest command name at the start of args.
func findCommand(cmds map[string]command, args []string) (string, []string) {
	for n := min(2, len(args)); n > 0; n-- {
		name := strings.Join(args[:n], " ")
		if _, ok := cmds[name]; ok {
			return name, args[n:]
		}
	}
	return "", args
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

func demoFlags(fs *pflag.FlagSet) {
	fs.Bool("keep", false, "keep the demo's directory instead of removing it")
	fs.String("dir", "", "directory for the demo's data and output (default: a new temporary one)")
}

// authorizeFlags are those of every OAuth authorization command.
func authorizeFlags(fs *pflag.FlagSet, codeHelp string) {
	fs.String("code", "", codeHelp)
	fs.Bool("open", true, "open the authorization URL in a browser where possible")
	fs.Duration("timeout", 10*time.Minute, "how long to wait for the OAuth callback")
}

func pluginsAuthorizeFlags(fs *pflag.FlagSet) {
	authorizeFlags(fs, "an authorization code pasted by hand (headless)")
	fs.String("scope", "", "with --code: the scope the redirect reported")
	fs.String("redirect-url", "", "redirect URL registered with the destination (default accesslink.redirect_url)")
}

func usersAddFlags(fs *pflag.FlagSet) {
	authorizeFlags(fs, "an authorization code pasted by hand (headless: open the URL elsewhere)")
	fs.String("member-id", "", "the member id to register (default polarbridge-<user id>)")
	fs.String("zone", "", "the user's IANA time zone, e.g. Europe/Helsinki (default: kept on re-authorization, else the machine's local zone)")
}

func teamproAddFlags(fs *pflag.FlagSet) {
	authorizeFlags(fs, "an authorization code pasted by hand (headless)")
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

func simulatorFlags(fs *pflag.FlagSet) {
	listenFlag("127.0.0.1:7575", "address to serve the simulated AccessLink API on")(fs)
	fs.Int("users", 2, "simulated users")
	fs.Duration("every", time.Minute, "add an exercise or a night (and push the webhook) this often; 0 never")
	fs.Int("rate-limit", 0, "requests per 15 minutes (0: Polar's default for the user count)")
	fs.Uint64("seed", 1, "seed for the generated data")
	fs.String("write-config", "", "write a config file for the bridge against this simulator (CSV export) to this path")
}

// usage lists the commands, or only a group's ("users") when group is
// set.
func usage(w io.Writer, cmds map[string]command, group string) {
	if group == "" {
		fmt.Fprintf(w, "polarbridge %s: Polar training and recovery data, exported where you want it.\n\nusage: polarbridge COMMAND [flags]\n\ncommands:\n", version)
	} else {
		fmt.Fprintf(w, "usage: polarbridge %s COMMAND [flags]\n\ncommands:\n", group)
	}
	names := commandNames(cmds)
	sort.Strings(names)
	for _, n := range names {
		if group == "" || strings.HasPrefix(n, group+" ") {
			fmt.Fprintf(w, "  %-20s %s\n", n, cmds[n].help)
		}
	}
	fmt.Fprintf(w, "\nEvery command takes --config FILE (see config.yaml.example); `polarbridge COMMAND --help` lists its flags.\n")
}

func printVersion(_ context.Context, env *cliEnv, _ []string) error {
	fmt.Fprintf(env.stdout, "polarbridge %s (plugin protocol %d)\n", version, pluginProtocol())
	return nil
}

// loadConfig loads the configuration and builds the logger it asks for.
func loadConfig(env *cliEnv) (*config.Config, *slog.Logger, error) {
	cfg, err := config.Load(env.flags)
	if err != nil {
		return nil, nil, err
	}
	return cfg, newLogger(env.stderr, cfg.Log), nil
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
