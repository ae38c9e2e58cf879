package main

import (
	"context"
	"fmt"

	"github.com/polarbridge/polarbridge/core/onboard"
)

// authorizationCode gets an OAuth2 authorization code the way every
// authorizing command does: from --code (and --scope) when given
// (headless), else by printing (and opening) the authorization URL and
// waiting for the redirect on the local callback, with the state checked.
// what completes "accept polarbridge's access to ...".
func authorizationCode(ctx context.Context, env *cliEnv, redirectURL, what string, authURL func(state string) string) (code, scope string, err error) {
	code, _ = env.flags.GetString("code")
	if code != "" {
		if env.flags.Lookup("scope") != nil {
			scope, _ = env.flags.GetString("scope")
		}
		return code, scope, nil
	}
	state, err := onboard.NewState()
	if err != nil {
		return "", "", err
	}
	cb, err := onboard.ListenCallback(redirectURL, state)
	if err != nil {
		return "", "", fmt.Errorf("%w\n(on a machine without a browser, open the URL elsewhere and pass the code from the redirect with --code)", err)
	}
	u := authURL(state)
	fmt.Fprintf(env.stdout, "Open this address in a browser and accept polarbridge's access to %s:\n\n  %s\n\nWaiting for the redirect to %s ...\n", what, u, redirectURL)
	if open, _ := env.flags.GetBool("open"); open {
		openBrowser(u)
	}
	timeout, _ := env.flags.GetDuration("timeout")
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return cb.WaitScope(wctx)
}
