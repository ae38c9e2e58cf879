package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// fakePlugin makes an executable file where a plugin binary is expected.
func fakePlugin(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755))
	return p
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	fakePlugin(t, dir, "bin/polarbridge-csv")
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

func noEnv() []string { return nil }

// The example must stay loadable: it is what users copy.
func TestExampleLoads(t *testing.T) {
	raw, err := os.ReadFile("../../config.yaml.example")
	require.NoError(t, err)
	p := writeConfig(t, string(raw))

	cfg, err := load(p, noEnv, nil)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(filepath.Dir(p), "data"), cfg.DataDir)
	assert.Equal(t, 8, cfg.Delivery.MaxAttempts)
	assert.Equal(t, 5*time.Second, cfg.Delivery.BackoffInitial)
	require.Contains(t, cfg.Plugins, "csv")
	assert.Equal(t, filepath.Join(filepath.Dir(p), "bin/polarbridge-csv"), cfg.Plugins["csv"].Path)
	assert.Equal(t, map[string]any{"dir": "export", "samples": true}, cfg.Plugins["csv"].Config)
	assert.True(t, cfg.Plugins["csv"].IsEnabled())
}

// Every default appears in the example with the same value, so the
// example documents them all.
func TestExampleDocumentsEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../../config.yaml.example")
	require.NoError(t, err)
	var missing []string
	var walk func(prefix string, tree keyTree)
	walk = func(prefix string, tree keyTree) {
		for k, sub := range tree {
			if k == "*" {
				k = "csv"
			}
			key := prefix + k
			if len(sub) == 0 {
				if !containsKeyLine(string(raw), k) {
					missing = append(missing, key)
				}
				continue
			}
			walk(key+".", sub)
		}
	}
	walk("", allowed)
	assert.Empty(t, missing, "keys not documented in config.yaml.example")
}

func containsKeyLine(doc, key string) bool {
	for _, line := range strings.Split(doc, "\n") {
		trimmed := strings.TrimLeft(line, " #")
		if len(trimmed) > len(key) && trimmed[:len(key)+1] == key+":" {
			return true
		}
	}
	return false
}

func TestPrecedenceFileEnvFlags(t *testing.T) {
	p := writeConfig(t, "log:\n  level: warn\nnats:\n  url: nats://file:4222\n")
	env := func() []string {
		return []string{"POLARBRIDGE_NATS__URL=nats://env:4222", "POLARBRIDGE_DELIVERY__MAX_ATTEMPTS=3", "OTHER=x"}
	}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	RegisterFlags(fs)
	require.NoError(t, fs.Parse([]string{"--log-level", "debug"}))

	cfg, err := load(p, env, fs)
	require.NoError(t, err)
	assert.Equal(t, "debug", cfg.Log.Level, "flag beats file")
	assert.Equal(t, "nats://env:4222", cfg.NATS.URL, "env beats file")
	assert.Equal(t, 3, cfg.Delivery.MaxAttempts, "env strings convert to ints")
	assert.Equal(t, "text", cfg.Log.Format, "default kept")
}

func TestSecretsFromEnvStayStrings(t *testing.T) {
	p := writeConfig(t, "plugins:\n  csv:\n    path: bin/polarbridge-csv\n    config:\n      dir: out\n")
	env := func() []string { return []string{"POLARBRIDGE_PLUGINS__CSV__CONFIG__TOKEN=0123"} }
	cfg, err := load(p, env, nil)
	require.NoError(t, err)
	assert.Equal(t, "0123", cfg.Plugins["csv"].Config["token"])
}

func TestBadConfig(t *testing.T) {
	tests := []struct {
		name, body string
		env        []string
		want       []string
	}{
		{
			name: "unknown key with suggestion",
			body: "delviery:\n  max_attempts: 3\n",
			want: []string{`unknown key "delviery.max_attempts"`, `did you mean "delivery"?`},
		},
		{
			name: "unknown nested key",
			body: "delivery:\n  max_atempts: 3\n",
			want: []string{`unknown key "delivery.max_atempts"`, `did you mean "delivery.max_attempts"?`},
		},
		{
			name: "unknown key from the environment",
			env:  []string{"POLARBRIDGE_NATS__ULR=nats://x"},
			want: []string{`unknown key "nats.ulr"`},
		},
		{
			name: "wrong type",
			body: "delivery:\n  max_attempts: lots\n",
			want: []string{`key "delivery.max_attempts"`},
		},
		{
			name: "batch byte budget too small",
			body: "delivery:\n  batch_bytes: 1000\n",
			want: []string{`key "delivery.batch_bytes": must be at least 65536, got 1000`},
		},
		{
			name: "bad duration",
			body: "delivery:\n  backoff_initial: 5 parsecs\n",
			want: []string{`key "delivery.backoff_initial"`, "not a duration"},
		},
		{
			name: "duration without a unit",
			body: "shutdown_timeout: 30\n",
			want: []string{`key "shutdown_timeout"`, "30 has no unit", `"30s"`},
		},
		{
			name: "duration without a unit from the environment",
			env:  []string{"POLARBRIDGE_DELIVERY__BACKOFF_INITIAL=5"},
			want: []string{`key "delivery.backoff_initial"`, `"5" is not a duration`, `"30s"`},
		},
		{
			name: "negative duration",
			body: "shutdown_timeout: -1s\n",
			want: []string{`key "shutdown_timeout": must be a positive duration`},
		},
		{
			name: "missing plugin binary",
			body: "plugins:\n  strava:\n    path: bin/polarbridge-strava\n",
			want: []string{`key "plugins.strava.path"`, "not found", "make build"},
		},
		{
			name: "plugin without path",
			body: "plugins:\n  strava:\n    config: {}\n",
			want: []string{`key "plugins.strava.path": is required`},
		},
		{
			name: "bad kind",
			body: "plugins:\n  csv:\n    path: bin/polarbridge-csv\n    kinds: [exercise, nap]\n",
			want: []string{`key "plugins.csv.kinds[1]"`, `"nap" is not a record kind`},
		},
		{
			name: "bad log level",
			body: "log:\n  level: loud\n",
			want: []string{`key "log.level"`},
		},
		{
			name: "scalar where a block belongs",
			body: "delivery: fast\n",
			want: []string{`key "delivery"`},
		},
		{
			name: "block where a scalar belongs",
			body: "data_dir:\n  path: x\n",
			want: []string{`"data_dir" takes a single value`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, tt.body)
			_, err := load(p, func() []string { return tt.env }, nil)
			require.ErrorIs(t, err, ErrInvalid)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestDisabledPluginNeedsNoBinary(t *testing.T) {
	p := writeConfig(t, "plugins:\n  strava:\n    enabled: false\n    path: nowhere\n")
	cfg, err := load(p, noEnv, nil)
	require.NoError(t, err)
	assert.False(t, cfg.Plugins["strava"].IsEnabled())
}

func TestMissingConfigFile(t *testing.T) {
	_, err := load(filepath.Join(t.TempDir(), "nope.yaml"), noEnv, nil)
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "nope.yaml")
}

// TestPluginEnvVarNames: the names plugins print for their secrets
// (pluginapi.ConfigEnvVar) are the ones the loader reads, nested keys and
// instance names with "_" included.
func TestPluginEnvVarNames(t *testing.T) {
	p := writeConfig(t, "plugins:\n  csv_anna:\n    path: bin/polarbridge-csv\n    config:\n      dir: out\n")
	secret := pluginapi.ConfigEnvVar("csv_anna", "oauth.client_secret")
	assert.Equal(t, "POLARBRIDGE_PLUGINS__CSV_ANNA__CONFIG__OAUTH__CLIENT_SECRET", secret)
	env := func() []string {
		return []string{secret + "=s3cret", pluginapi.ConfigEnvVar("csv_anna", "api_key") + "=k"}
	}
	cfg, err := load(p, env, nil)
	require.NoError(t, err)
	c := cfg.Plugins["csv_anna"].Config
	assert.Equal(t, "k", c["api_key"])
	assert.Equal(t, map[string]any{"client_secret": "s3cret"}, c["oauth"])
}
