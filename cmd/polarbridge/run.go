package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/pluginhost"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func pluginProtocol() int { return pluginapi.ProtocolVersion }

// runDaemon runs the daemon until the context ends. SIGHUP re-reads the
// config: an invalid one is refused with its error and the running daemon
// kept; a valid one stops the daemon the normal way (plugins stopped,
// in-flight batches finished or redelivered) and starts it again with the
// new config, in the same process.
func runDaemon(ctx context.Context, env *cliEnv, _ []string) error {
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var running map[string]*pluginhost.Instance
	for cfg != nil {
		if cfg, log, running, err = runUntilReload(ctx, env, cfg, log, hup, running); err != nil {
			return err
		}
	}
	return nil
}

// runUntilReload runs one daemon, with the plugins the previous one kept
// running; it returns the new config after a reload that brought a valid
// one, with the plugins it runs unchanged still running, or nil when the
// daemon ended.
func runUntilReload(ctx context.Context, env *cliEnv, cfg *config.Config, log *slog.Logger, hup chan os.Signal, running map[string]*pluginhost.Instance) (*config.Config, *slog.Logger, map[string]*pluginhost.Instance, error) {
	reload := func() {
		select {
		case hup <- syscall.SIGHUP:
		default: // a reload is already pending
		}
	}
	d, err := daemon.Start(ctx, cfg, log, version, daemon.WithReload(reload), daemon.WithRunningPlugins(running))
	if err != nil {
		return nil, nil, nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	for {
		select {
		case err := <-done:
			return nil, nil, nil, err
		case <-hup:
			next, nextLog, err := loadConfig(env)
			if err != nil {
				log.Error("reload: the config is not valid; the daemon keeps running with the previous one", "err", err)
				continue
			}
			log.Info("reload: config re-read; restarting the daemon with it (plugins it runs unchanged keep running)", "config", next.File)
			d.Reload(next)
			stop()
			if err := <-done; err != nil {
				for _, in := range d.Kept() {
					in.Close()
				}
				return nil, nil, nil, err
			}
			return next, nextLog, d.Kept(), nil
		}
	}
}
