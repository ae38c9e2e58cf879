package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCommandLineErrorsAndHelp: unknown flags and commands say what is
// wrong with a suggestion (exit 2, stderr); help asked for goes to stdout
// (#16).
func TestCommandLineErrorsAndHelp(t *testing.T) {
	for _, tc := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"run", "--confg", "config.yaml"}, 2, "", "unknown flag: --confg (did you mean --config?)"},
		{[]string{"users", "list", "--bogus"}, 2, "", "run `polarbridge users list --help` for its usage"},
		{[]string{"version", "--json"}, 2, "", "unknown flag: --json"},
		{[]string{"run", "--help"}, 0, "polarbridge run [flags]", ""},
		{[]string{"help", "run"}, 0, "polarbridge run [flags]", ""},
		{[]string{"--help"}, 0, "Available Commands:", ""},
		{[]string{"help"}, 0, "Available Commands:", ""},
		{[]string{}, 0, "Available Commands:", ""},
		{[]string{"help", "users", "add"}, 0, "polarbridge users add --zone Europe/Helsinki", ""},
		{[]string{"completion", "bash"}, 0, "bash completion", ""},
		{[]string{"completion", "zsh"}, 0, "compdef", ""},
		{[]string{"completion", "fish"}, 0, "complete -c polarbridge", ""},
		{[]string{"--version"}, 0, "plugin protocol", ""},
		{[]string{"users", "--help"}, 0, "polarbridge users [command]", ""},
		{[]string{"users"}, 0, "set-zone", ""},
		{[]string{"dlq", "--help"}, 0, "replay", ""},
		{[]string{"users", "set-zone", "--help"}, 0, "polarbridge users set-zone USER-ID ZONE [flags]", ""},
		{[]string{"users", "lst"}, 2, "", `(did you mean "users list"?)`},
		{[]string{"bakfill"}, 2, "", `(did you mean "backfill"?)`},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		assert.Equal(t, tc.code, code, "%v: stderr %s", tc.args, errOut)
		if tc.stdout != "" {
			assert.Contains(t, out, tc.stdout, "%v", tc.args)
		}
		if tc.stderr != "" {
			assert.Contains(t, errOut, tc.stderr, "%v", tc.args)
		}
		if tc.code == 0 {
			assert.Empty(t, errOut, "%v: help is on stdout", tc.args)
		}
	}
	_, out, _ := runCLI(t, "users", "--help")
	assert.NotContains(t, out, "replay", "a group's help lists the group")
}

// TestCommandsListTheirOwnFlags: a command's help lists the flags it
// takes and no others, and every command has an example (#16).
func TestCommandsListTheirOwnFlags(t *testing.T) {
	_, out, _ := runCLI(t, "users", "list", "--help")
	assert.Contains(t, out, "--config")
	assert.NotContains(t, out, "--metrics-listen", "only the daemon serves")
	_, out, _ = runCLI(t, "run", "--help")
	assert.Contains(t, out, "--metrics-listen")
	_, out, _ = runCLI(t, "version", "--help")
	assert.NotContains(t, out, "--config", "version reads no config")
	_, out, _ = runCLI(t, "simulator", "--help")
	assert.NotContains(t, out, "--config")
	assert.Contains(t, out, "--log-level")
	_, out, _ = runCLI(t, "demo", "--help")
	assert.NotContains(t, out, "--data-dir", "the demo writes its own config")

	for _, c := range commands() {
		if c.name != "version" {
			assert.NotEmpty(t, c.example, "%s has an example", c.name)
		}
	}
}
