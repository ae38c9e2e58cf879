// Package deploy_test checks the files that install polarbridge as a
// service (Dockerfile, docker-compose.yml, the systemd unit) as far as
// this machine can without Docker: they parse, every path they take from
// the repository exists, and the build steps are the ones CI runs.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/polarbridge/polarbridge/core/config"
)

const root = ".."

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	require.NoError(t, err)
	return string(b)
}

type compose struct {
	Services map[string]struct {
		Build       any               `yaml:"build"`
		Image       string            `yaml:"image"`
		Volumes     []string          `yaml:"volumes"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestComposeFile(t *testing.T) {
	var c compose
	require.NoError(t, yaml.Unmarshal([]byte(read(t, "docker-compose.yml")), &c))
	require.Contains(t, c.Services, "polarbridge")
	require.Contains(t, c.Services, "influxdb")
	require.Contains(t, c.Services, "grafana")
	assert.Equal(t, ".", c.Services["polarbridge"].Build, "built from this repository's Dockerfile")
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") {
				_, err := os.Stat(filepath.Join(root, src))
				assert.NoError(t, err, "service %s mounts %s", name, src)
				continue
			}
			assert.Contains(t, c.Volumes, src, "service %s: named volume %s is declared", name, src)
		}
	}
	// The config the bridge gets there is valid, its secrets set as the
	// compose file sets them.
	for k, v := range c.Services["polarbridge"].Environment {
		if strings.HasPrefix(k, "POLARBRIDGE_") {
			assert.Contains(t, v, "${POLAR_", k)
		}
	}
	raw := read(t, "deploy/docker/config.yaml")
	var block map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(raw), &block))
	assert.Equal(t, "/var/lib/polarbridge", block["data_dir"], "the image's volume")
	plugins := block["plugins"].(map[string]any)
	for name, p := range plugins {
		path := p.(map[string]any)["path"].(string)
		plugin := strings.TrimPrefix(filepath.Base(path), "polarbridge-")
		_, err := os.Stat(filepath.Join(root, "plugins", plugin, "main.go"))
		assert.NoError(t, err, "plugin %s: %s is one the image builds", name, path)
		assert.True(t, strings.HasPrefix(path, "/usr/local/bin/"), "where the Dockerfile copies bin/")
	}
	// The dashboards Grafana is given are the plugin's.
	dash, err := filepath.Glob(filepath.Join(root, "plugins/influxdb/grafana/*.json"))
	require.NoError(t, err)
	assert.NotEmpty(t, dash)
}

// TestComposeConfigLoads loads deploy/docker/config.yaml with the daemon's
// own loader, plugin paths aside (they exist only in the image).
func TestComposeConfigLoads(t *testing.T) {
	raw := read(t, "deploy/docker/config.yaml")
	dir := t.TempDir()
	bin := filepath.Join(dir, "polarbridge-influxdb")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
	raw = strings.ReplaceAll(raw, "/usr/local/bin/polarbridge-influxdb", bin)
	raw = strings.ReplaceAll(raw, "/var/lib/polarbridge", filepath.Join(dir, "data"))
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(raw), 0o600))
	t.Setenv("POLARBRIDGE_ACCESSLINK__CLIENT_ID", "id")
	t.Setenv("POLARBRIDGE_ACCESSLINK__CLIENT_SECRET", "secret")
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	require.NoError(t, fs.Parse([]string{"--config", p}))
	_, err := config.Load(fs)
	require.NoError(t, err)
}

func TestDockerfile(t *testing.T) {
	df := read(t, "Dockerfile")
	assert.Regexp(t, `(?m)^FROM golang:\S+ AS build$`, df, "multi-stage")
	assert.Contains(t, df, "make build", "the same build CI runs")
	assert.Contains(t, df, "CGO_ENABLED=0", "static binaries")
	assert.Regexp(t, `(?m)^USER polarbridge$`, df, "not root")
	assert.Contains(t, df, "VOLUME /var/lib/polarbridge")
	// Every file it copies from the repository exists.
	for _, m := range regexp.MustCompile(`(?m)^COPY (?:--\S+ )?(\S+)`).FindAllStringSubmatch(df, -1) {
		if strings.HasPrefix(m[0], "COPY --from") || m[1] == "." {
			continue
		}
		_, err := os.Stat(filepath.Join(root, m[1]))
		assert.NoError(t, err, m[0])
	}
	// Its Go matches go.mod's.
	goMod := read(t, "go.mod")
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(goMod)
	require.NotNil(t, goVersion)
	assert.Contains(t, df, "golang:"+goVersion[1])
}

func TestSystemdUnit(t *testing.T) {
	unit := read(t, "deploy/polarbridge.service")
	for _, want := range []string{"DynamicUser=yes", "StateDirectory=polarbridge", "ProtectSystem=strict",
		"NoNewPrivileges=yes", "CapabilityBoundingSet=", "ExecStart=/usr/local/bin/polarbridge run --config /etc/polarbridge/config.yaml"} {
		assert.Contains(t, unit, want)
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	// verify wants the binary to exist: point it at this test's own.
	self, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	p := filepath.Join(dir, "polarbridge.service")
	require.NoError(t, os.WriteFile(p, []byte(strings.ReplaceAll(unit, "/usr/local/bin/polarbridge", self)), 0o644))
	out, err := exec.Command(analyze, "verify", p).CombinedOutput()
	assert.NoError(t, err, "systemd-analyze verify:\n%s", out)
	assert.Empty(t, strings.TrimSpace(string(out)), "no warnings")
}

func TestReleaseFiles(t *testing.T) {
	lic := read(t, "LICENSE")
	assert.Contains(t, lic, "Apache License")
	assert.Contains(t, lic, "Version 2.0")
	cl := read(t, "CHANGELOG.md")
	assert.Contains(t, cl, "## Unreleased")
	mk := read(t, "Makefile")
	for _, target := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "SHA256SUMS"} {
		assert.Contains(t, mk, target, "make dist")
	}
}
