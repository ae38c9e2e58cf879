package main

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testport"
)

func TestPastedCode(t *testing.T) {
	for _, tc := range []struct {
		line, code, scope, err string
	}{
		{"abc123\n", "abc123", "", ""},
		{"http://localhost:5000/oauth2/callback?code=abc123&state=S1&scope=activity:write\n", "abc123", "activity:write", ""},
		{"  ?code=abc123&state=S1  ", "abc123", "", ""},
		{"http://localhost:5000/oauth2/callback?code=abc123&state=OTHER", "", "", "another authorization"},
		{"http://localhost:5000/oauth2/callback?error=access_denied&state=S1", "", "", "refused: access_denied"},
		{"http://localhost:5000/oauth2/callback?state=S1&code=", "", "", "has no code"},
		{"not a code at all", "", "", "neither"},
	} {
		code, scope, err := pastedCode(tc.line, "S1")
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.line)
			continue
		}
		require.NoError(t, err, tc.line)
		assert.Equal(t, tc.code, code, tc.line)
		assert.Equal(t, tc.scope, scope, tc.line)
	}
}

// TestAuthorizationCodePastedInOneRun: with the browser on another
// machine, the redirect's address pasted on stdin completes the flow in
// the same run, its state checked (#16).
func TestAuthorizationCodePastedInOneRun(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.String("code", "", "")
	fs.Duration("timeout", 20*time.Second, "")
	fs.Bool("open", false, "")
	pr, pw := io.Pipe()
	defer pw.Close()
	var out bytes.Buffer
	env := &cliEnv{flags: fs, stdin: pr, stdout: &out}
	states := make(chan string, 1)
	redirect := "http://" + testport.Addr(t) + "/oauth2/callback"
	go func() {
		s := <-states
		_, _ = io.WriteString(pw, redirect+"?code=pasted-code&state="+s+"\n")
	}()
	code, _, err := authorizationCode(context.Background(), env, redirect, "the test", func(state string) string {
		states <- state
		return "https://auth.example/authorize?state=" + state
	})
	require.NoError(t, err)
	assert.Equal(t, "pasted-code", code)
	assert.Contains(t, out.String(), "https://auth.example/authorize?state=")
	assert.Contains(t, out.String(), "paste that page's address")
}
