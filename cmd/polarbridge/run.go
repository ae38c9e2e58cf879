package main

import (
	"context"

	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func pluginProtocol() int { return pluginapi.ProtocolVersion }

func runDaemon(ctx context.Context, env *cliEnv, _ []string) error {
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	d, err := daemon.Start(ctx, cfg, log, version)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}
