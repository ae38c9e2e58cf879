package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli(context.Background(), testNow, args, nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

// testNow is the CLI's and the simulators' clock in these tests: an
// evening (UTC) when it is already tomorrow for users in UTC+2 and east.
func testNow() time.Time { return time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC) }

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "plugin protocol 2")
}

func TestUnknownCommand(t *testing.T) {
	code, _, errOut := runCLI(t, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "frobnicate"`)
	assert.Contains(t, errOut, "run `polarbridge --help` for its usage")
}

func TestBadConfigNamesTheKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte("delivery:\n  max_atempts: 3\n"), 0o600))
	code, _, errOut := runCLI(t, "run", "--config", p)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `unknown key "delivery.max_atempts" (did you mean "delivery.max_attempts"?)`)
}

func TestDLQAndPluginsList(t *testing.T) {
	dir := t.TempDir()
	bin, err := pluginapi.BuildPlugin("../../internal/testexporter", dir)
	require.NoError(t, err)
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte("data_dir: data\nplugins:\n  mine:\n    path: "+bin+"\n"), 0o600))

	code, out, errOut := runCLI(t, "dlq", "list", "--config", p)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "no dead letters")

	code, _, errOut = runCLI(t, "dlq", "replay", "--config", p, "42")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no dead letter with id [42]")

	code, out, errOut = runCLI(t, "plugins", "list", "--config", p)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "mine (enabled): testexporter 0.0.1, protocol v2")
	assert.Contains(t, out, "kinds:  exercise, sleep, nightly_recharge")
	assert.Contains(t, out, "config: ok")
	assert.Contains(t, out, "log_file: /tmp/exported.jsonl")

	require.NoError(t, os.WriteFile(p, []byte("data_dir: data\nplugins:\n  mine:\n    path: "+bin+"\n    config:\n      mode: sometimes\n"), 0o600))
	code, out, errOut = runCLI(t, "plugins", "list", "--config", p)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `config: pluginapi: invalid config: key "mode": "sometimes" is not one of ok, retry, permanent`)
}

// TestCheck: `polarbridge check` says per item what is fine and what to
// fix: a plugin's own config block is checked by the plugin (#16).
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	bin, err := pluginapi.BuildPlugin("../../internal/testexporter", dir)
	require.NoError(t, err)
	p := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte("data_dir: data\nplugins:\n  mine:\n    path: "+bin+"\n  broken:\n    path: "+bin+"\n    config:\n      mode: sometimes\n"), 0o600))

	code, out, errOut := runCLI(t, "check", "--config", p)
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, out, "ok    config: "+p)
	assert.Contains(t, out, "ok    NATS: the embedded store in "+filepath.Join(dir, "data")+" opens (no daemon runs on it)")
	assert.Contains(t, out, "FAIL  accounts: no Polar user or Team Pro account: add one with `polarbridge users add`")
	assert.Contains(t, out, "ok    plugin mine: testexporter 0.0.1 accepts its config (plugins.mine.config)")
	assert.Contains(t, out, `FAIL  plugin broken: plugins.broken.config: pluginapi: invalid config: key "mode": "sometimes" is not one of ok, retry, permanent`)
	assert.Contains(t, errOut, "2 problem(s): fix them and run `polarbridge check` again")
	assert.NotContains(t, errOut, "plugin process exited", "the plugins' own lines are not check's")
}

// TestProgressBarAndLogs: on a terminal, a log line written while the
// backfill's bar is drawn goes on a cleared line and the bar is drawn
// again under it, so neither overwrites the other (#16).
func TestProgressBarAndLogs(t *testing.T) {
	var screen bytes.Buffer
	p := &progress{w: &screen, tty: true, start: testNow()}
	logs := p.logs(&screen)
	p.update(seen.Progress{ListsDone: 1, ListsTotal: 4})
	fmt.Fprint(logs, "level=WARN msg=\"Polar answered 429\"\n")
	p.update(seen.Progress{ListsDone: 2, ListsTotal: 4})
	p.done()
	fmt.Fprint(logs, "after\n")
	bar1 := "[#######.......................] 1/4  found 0  known 0  queued 0  changed 0  ETA "
	got := screen.String()
	i := strings.Index(got, bar1)
	require.GreaterOrEqual(t, i, 0, "%q", got)
	rest := got[i+len(bar1):]
	assert.Regexp(t, `^\S+\r\x1b\[Klevel=WARN msg="Polar answered 429"\n\[#######`, rest, "cleared, logged, redrawn")
	assert.True(t, strings.HasSuffix(got, "\nafter\n"), "after done() logs are plain: %q", got)

	var plain bytes.Buffer
	q := &progress{w: &plain, start: testNow()}
	assert.Equal(t, io.Writer(&plain), q.logs(&plain), "no terminal, nothing to redraw")
}
