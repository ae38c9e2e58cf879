package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// pluginsList starts each configured plugin (without configuring it) and
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
		c.Kill()
		if err != nil {
			fmt.Fprintf(env.stdout, "%s (%s): %s\n  describe failed: %v\n\n", name, state, p.Path, err)
			continue
		}
		var kinds []string
		for _, k := range desc.GetKinds() {
			kinds = append(kinds, pluginapi.KindName(k))
		}
		fmt.Fprintf(env.stdout, "%s (%s): %s %s, protocol v%d\n  path:  %s\n  kinds: %s\n  sample config:\n%s\n",
			name, state, desc.GetName(), desc.GetVersion(), proto, p.Path, strings.Join(kinds, ", "),
			indent(desc.GetSampleConfig(), "    "))
	}
	return nil
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
