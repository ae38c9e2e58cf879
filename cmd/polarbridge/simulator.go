package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// runSimulator serves the AccessLink simulator until interrupted.
func runSimulator(ctx context.Context, env *cliEnv, _ []string) error {
	listen, _ := env.flags.GetString("listen")
	users, _ := env.flags.GetInt("users")
	every, _ := env.flags.GetDuration("every")
	limit, _ := env.flags.GetInt("rate-limit")
	seed, _ := env.flags.GetUint64("seed")
	log := newLogger(env.stderr, logConfig(env))
	opts := []accesslinksim.Option{
		accesslinksim.WithUsers(users),
		accesslinksim.WithSeed(seed),
		accesslinksim.WithLogger(log),
	}
	if limit > 0 {
		opts = append(opts, accesslinksim.WithRateLimits(limit, limit*10))
	}
	sim, err := accesslinksim.New(opts...)
	if err != nil {
		return err
	}
	if path, _ := env.flags.GetString("write-config"); path != "" {
		if err := writeSimulatorConfig(path, listen, sim.ClientID(), sim.ClientSecret()); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "AccessLink simulator on http://%s; wrote %s for it: in another terminal run\n\n"+
			"  polarbridge users add --config %[2]s\n  polarbridge run --config %[2]s\n\n", listen, path)
	} else {
		fmt.Fprintf(env.stdout, "AccessLink simulator on http://%s — point the bridge at it with (or start it with --write-config FILE):\n\n%s\n",
			listen, simulatorAccessLink(listen, sim.ClientID(), sim.ClientSecret()))
	}
	return sim.Run(ctx, listen, accesslinksim.RunOptions{GenerateEvery: every})
}

func simulatorAccessLink(listen, clientID, secret string) string {
	return fmt.Sprintf("accesslink:\n  client_id: %s\n  client_secret: %s\n  auth_url: http://%[3]s/oauth2/authorization\n  token_url: http://%[3]s/oauth2/token\n  api_url: http://%[3]s\n",
		clientID, secret, listen)
}

// writeSimulatorConfig writes a config that runs the bridge against the
// simulator at listen, exporting to CSV, so that trying it takes no
// copying of keys. An existing file is left alone.
func writeSimulatorConfig(path, listen, clientID, secret string) error {
	csv, err := siblingBinary("polarbridge-csv")
	if err != nil {
		csv = "bin/polarbridge-csv" // relative to the config file
	}
	body := "# Written by `polarbridge simulator --write-config`: the bridge against the\n" +
		"# simulator at http://" + listen + ", exporting to CSV in ./export.\n" +
		"data_dir: data\n" + simulatorAccessLink(listen, clientID, secret) +
		"poll:\n  interval: 1m\n" +
		"plugins:\n  csv:\n    path: " + csv + "\n    config:\n      dir: export\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: remove it or choose another --write-config file", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// logConfig reads the log flags without a config file.
func logConfig(env *cliEnv) config.Log {
	level, _ := env.flags.GetString("log-level")
	format, _ := env.flags.GetString("log-format")
	return config.Log{Level: level, Format: format}
}
