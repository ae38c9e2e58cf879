package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/status"
)

// attachDaemon connects to the store of the configured daemon.
func attachDaemon(ctx context.Context, env *cliEnv) (*bus.Bus, string, error) {
	cfg, _, err := loadConfig(env)
	if err != nil {
		return nil, "", err
	}
	b, err := bus.Attach(ctx, daemon.BusOptions(cfg))
	if err != nil {
		return nil, "", err
	}
	where := "data_dir " + cfg.DataDir
	if cfg.NATS.URL != "" {
		where = "its NATS server"
	}
	return b, where, nil
}

// notRunning says what to do when no daemon answered.
func notRunning(err error, where string) error {
	if errors.Is(err, daemon.ErrNotRunning) {
		return fmt.Errorf("%w (%s): start it with `polarbridge run --config ...` or `systemctl start polarbridge`", err, where)
	}
	return err
}

func statusCmd(ctx context.Context, env *cliEnv, _ []string) error {
	b, where, err := attachDaemon(ctx, env)
	if err != nil {
		return err
	}
	defer b.Close()
	r, err := daemon.RequestStatus(ctx, b)
	if err != nil {
		return notRunning(err, where)
	}
	if asJSON, _ := env.flags.GetBool("json"); asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return status.WriteText(env.stdout, r)
}

func reloadCmd(ctx context.Context, env *cliEnv, _ []string) error {
	b, where, err := attachDaemon(ctx, env)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := daemon.RequestReload(ctx, b); err != nil {
		return notRunning(err, where)
	}
	fmt.Fprintln(env.stdout, "The daemon re-reads its config: a valid one restarts it in place, an invalid one is refused and logged (see its log or `polarbridge status`).")
	return nil
}
