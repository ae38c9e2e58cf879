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
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/polarbridge/polarbridge/core/config"
)

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli(ctx, time.Now, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// failed marks an error of a command that ran (exit 1), as opposed to a
// command line that cannot run (exit 2).
type failed struct{ err error }

func (f failed) Error() string { return f.err.Error() }
func (f failed) Unwrap() error { return f.err }

// cli runs the command line and returns the exit code: 0, 1 when the
// command failed, 2 for a command line it cannot run (with what is wrong
// on stderr). Help asked for goes to stdout.
func cli(ctx context.Context, now func() time.Time, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := rootCommand(func(fs *pflag.FlagSet) *cliEnv {
		return &cliEnv{flags: fs, stdin: stdin, stdout: stdout, stderr: stderr, now: now}
	})
	root.SetArgs(args)
	root.SetIn(orEmpty(stdin))
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var f failed
	if errors.As(err, &f) {
		fmt.Fprintf(stderr, "%s: %v\n", cmd.CommandPath(), f.err)
		return 1
	}
	fmt.Fprintf(stderr, "%s: %v\nrun `%s --help` for its usage\n", cmd.CommandPath(), err, cmd.CommandPath())
	return 2
}

func orEmpty(r io.Reader) io.Reader {
	if r == nil {
		return strings.NewReader("")
	}
	return r
}

// rootCommand builds the command tree; newEnv makes a command's
// environment from its parsed flags.
func rootCommand(newEnv func(*pflag.FlagSet) *cliEnv) *cobra.Command {
	root := &cobra.Command{
		Use:   "polarbridge",
		Short: "Polar training and recovery data, exported where you want it",
		Long: "polarbridge takes Polar AccessLink and Team Pro data (exercises, sleep, recovery, activity, ...)\n" +
			"and exports it through plugins to CSV, InfluxDB, Strava, intervals.icu, Home Assistant and PostgreSQL.\n" +
			"Every command that reads the configuration takes --config FILE (see config.yaml.example).",
		Example: "  polarbridge demo                  # try it all on simulated data\n" +
			"  polarbridge run --config config.yaml\n" +
			"  polarbridge status --config config.yaml",
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE:          unknownSubcommand,
	}
	root.SetVersionTemplate(fmt.Sprintf("polarbridge %s (plugin protocol %d)\n", version, pluginProtocol()))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w%s", err, flagSuggestion(c.Flags(), err))
	})
	groups := map[string]*cobra.Command{}
	for _, g := range commandGroups {
		gc := &cobra.Command{Use: g.name, Short: g.short, Args: cobra.ArbitraryArgs, RunE: unknownSubcommand}
		groups[g.name] = gc
		root.AddCommand(gc)
	}
	for _, c := range commands() {
		parent := root
		name := c.name
		if group, sub, ok := strings.Cut(c.name, " "); ok {
			parent, name = groups[group], sub
		}
		parent.AddCommand(c.cobra(name, newEnv))
	}
	return root
}

// unknownSubcommand runs when no subcommand matched: without arguments
// it is the help (`polarbridge users`), else an unknown command with the
// closest one.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return c.Help()
	}
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	suggestion := ""
	if s := config.Closest(args[0], names); s != "" {
		suggestion = fmt.Sprintf(" (did you mean %q?)", strings.TrimPrefix(c.CommandPath()+" "+s, "polarbridge "))
	}
	return fmt.Errorf("unknown command %q%s", strings.TrimPrefix(c.CommandPath()+" "+args[0], "polarbridge "), suggestion)
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
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if c := config.Closest(got, names); c != "" {
		return fmt.Sprintf(" (did you mean --%s?)", c)
	}
	return ""
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
