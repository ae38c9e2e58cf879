package main

import (
	"context"
	"fmt"

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
	fmt.Fprintf(env.stdout, "AccessLink simulator on http://%s — point the bridge at it with:\n\n"+
		"accesslink:\n  client_id: %s\n  client_secret: %s\n  auth_url: http://%[1]s/oauth2/authorization\n  token_url: http://%[1]s/oauth2/token\n  api_url: http://%[1]s\n\n",
		listen, sim.ClientID(), sim.ClientSecret())
	return sim.Run(ctx, listen, accesslinksim.RunOptions{GenerateEvery: every})
}

// logConfig reads the log flags without a config file.
func logConfig(env *cliEnv) config.Log {
	level, _ := env.flags.GetString("log-level")
	format, _ := env.flags.GetString("log-format")
	if level == "" {
		level = "info"
	}
	if format == "" {
		format = "text"
	}
	return config.Log{Level: level, Format: format}
}
