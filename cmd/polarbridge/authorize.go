package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/core/pluginhost"
)

// pluginsAuthorize runs the OAuth2 flow a plugin asked for (e.g. Strava)
// and stores the token in the plugin's KV.
func pluginsAuthorize(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: polarbridge plugins authorize NAME (a name under plugins: in the config)")
	}
	name := args[0]
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	p, ok := cfg.Plugins[name]
	if !ok {
		return fmt.Errorf("no plugin %q under plugins: in %s", name, cfg.File)
	}
	b, err := bus.Attach(ctx, daemon.BusOptions(cfg))
	if err != nil {
		return err
	}
	defer b.Close()
	bucket, err := b.PluginKV(ctx, name)
	if err != nil {
		return err
	}
	kv := pluginhost.NewKV(bucket)
	in, err := pluginhost.Start(ctx, pluginhost.Spec{
		Name: name, Path: p.Path, Config: p.Config, HostVersion: version, Dir: cfg.BaseDir(),
	}, kv, log.With("plugin", name))
	if err != nil {
		return err
	}
	defer in.Close()
	spec := in.OAuth2()
	if spec == nil {
		return fmt.Errorf("plugin %s does not ask for an authorization", name)
	}
	redirect, _ := env.flags.GetString("redirect-url")
	if redirect == "" {
		redirect = cfg.AccessLink.RedirectURL
	}
	oc := onboard.PluginOAuthConfig(spec, redirect)
	code, scope, err := authorizationCode(ctx, env, oc.RedirectURL, name, func(state string) string { return onboard.PluginAuthURL(oc, spec, state) })
	if err != nil {
		return err
	}
	tok, err := onboard.AuthorizePlugin(ctx, oc, spec, kv, code, scope)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Authorized %s (token valid until %s; it is refreshed automatically).\nRecords dead-lettered for lack of authorization can now be replayed: polarbridge dlq replay --exporter %s\n",
		name, tok.Expiry.Local().Format(time.DateTime), name)
	return nil
}
