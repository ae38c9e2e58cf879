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
		{[]string{"users", "list", "--bogus"}, 2, "", "run `polarbridge users list --help` for its flags"},
		{[]string{"version", "--json"}, 2, "", "unknown flag: --json"},
		{[]string{"run", "--help"}, 0, "usage: polarbridge run", ""},
		{[]string{"help", "run"}, 0, "usage: polarbridge run", ""},
		{[]string{"--help"}, 0, "commands:", ""},
		{[]string{"help"}, 0, "commands:", ""},
		{[]string{"--version"}, 0, "plugin protocol", ""},
		{[]string{"users", "--help"}, 0, "users add", ""},
		{[]string{"users"}, 0, "users remove", ""},
		{[]string{"dlq", "--help"}, 0, "dlq replay", ""},
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
	assert.NotContains(t, out, "dlq replay", "a group's help lists the group")
}
