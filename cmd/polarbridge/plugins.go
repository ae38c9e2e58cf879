package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// pluginsList starts each configured plugin, has it check its config
// block (a Configure on a scratch KV, so nothing stored is touched) and
// prints what it says about itself, including its sample config.
func pluginsList(ctx context.Context, env *cliEnv, _ []string) error {
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(cfg.Plugins))
	for n := range cfg.Plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintln(env.stdout, "no plugins configured (see the plugins: section of config.yaml.example)")
		return nil
	}
	for _, name := range names {
		p := cfg.Plugins[name]
		state := "enabled"
		if !p.IsEnabled() {
			state = "disabled"
		}
		c, err := pluginapi.Launch(p.Path, pluginapi.WithLogger(log.With("plugin", name)), pluginapi.WithDir(cfg.BaseDir()))
		if err != nil {
			fmt.Fprintf(env.stdout, "%s (%s): %s\n  cannot start: %v\n\n", name, state, p.Path, err)
			continue
		}
		desc, err := c.Describe(ctx)
		proto := c.ProtocolVersion()
		if err != nil {
			c.Kill()
			fmt.Fprintf(env.stdout, "%s (%s): %s\n  describe failed: %v\n\n", name, state, p.Path, err)
			continue
		}
		configState := "ok"
		if err := configureOnly(ctx, c, name, p.Config); err != nil {
			configState = err.Error()
		}
		c.Kill()
		var kinds []string
		for _, k := range desc.GetKinds() {
			kinds = append(kinds, pluginapi.KindName(k))
		}
		fmt.Fprintf(env.stdout, "%s (%s): %s %s, protocol v%d\n  path:   %s\n  kinds:  %s\n  config: %s\n  sample config:\n%s\n",
			name, state, desc.GetName(), desc.GetVersion(), proto, p.Path, strings.Join(kinds, ", "), configState,
			indent(desc.GetSampleConfig(), "    "))
	}
	return nil
}

// configureOnly hands the plugin its config block, as the daemon does,
// with a scratch KV.
func configureOnly(ctx context.Context, c *pluginapi.Client, name string, block map[string]any) error {
	raw := []byte("{}")
	if block != nil {
		var err error
		if raw, err = json.Marshal(block); err != nil {
			return fmt.Errorf("encode plugins.%s.config: %w", name, err)
		}
	}
	_, err := c.Configure(ctx, &pluginapi.ConfigureRequest{ConfigJson: raw, InstanceName: name, HostVersion: version}, pluginapi.NewMemoryKV())
	return err
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
