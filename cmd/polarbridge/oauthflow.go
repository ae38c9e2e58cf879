package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/polarbridge/polarbridge/core/onboard"
)

// authorizationCode gets an OAuth2 authorization code the way every
// authorizing command does: from --code (and --scope) when given;
// otherwise it prints (and opens) the authorization URL and takes
// whichever comes first, in one run: the redirect on the local callback,
// or the redirect's address (or its code) pasted on stdin, for a machine
// whose browser is elsewhere. The state is checked either way it comes.
// what completes "accept polarbridge's access to ...".
func authorizationCode(ctx context.Context, env *cliEnv, redirectURL, what string, authURL func(state string) string) (code, scope string, err error) {
	code, _ = env.flags.GetString("code")
	if code != "" {
		// --code takes the bare code or the whole redirect address (its
		// state cannot be checked: this run did not make it).
		if code, scope, err = pastedCode(code, ""); err != nil {
			return "", "", err
		}
		if env.flags.Lookup("scope") == nil {
			return code, "", nil
		}
		if s, _ := env.flags.GetString("scope"); s != "" {
			scope = s
		}
		if scope == "" {
			// Without it the granted scope could not be checked, and a
			// token short of what the plugin needs fails later, on export.
			return "", "", errors.New("--code needs --scope with the scope= of the redirect's address (or pass the whole address as --code)")
		}
		return code, scope, nil
	}
	state, err := onboard.NewState()
	if err != nil {
		return "", "", err
	}
	timeout, _ := env.flags.GetDuration("timeout")
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		code, scope string
		err         error
	}
	answers := make(chan answer, 2)
	cb, cbErr := onboard.ListenCallback(redirectURL, state)
	if cbErr == nil {
		go func() {
			c, s, err := cb.WaitScope(wctx)
			answers <- answer{c, s, err}
		}()
	}
	if cbErr != nil && env.stdin == nil {
		return "", "", fmt.Errorf("%w\n(on a machine without a browser, open the URL elsewhere and pass the code from the redirect with --code)", cbErr)
	}
	u := authURL(state)
	fmt.Fprintf(env.stdout, "Open this address in a browser and accept polarbridge's access to %s:\n\n  %s\n\n", what, u)
	if cbErr == nil {
		fmt.Fprintf(env.stdout, "Waiting for the redirect to %s ...\n", redirectURL)
	} else {
		fmt.Fprintf(env.stdout, "(No local callback: %v.)\n", cbErr)
	}
	if env.stdin != nil {
		fmt.Fprintf(env.stdout, "Browser on another machine? The redirect to %s then fails to load: paste that page's address (or its code=…) here and press Enter.\n", redirectURL)
		go func() {
			line, err := bufio.NewReader(env.stdin).ReadString('\n')
			if strings.TrimSpace(line) == "" {
				if err == nil || errors.Is(err, io.EOF) {
					return // nothing pasted: the callback may still come
				}
			}
			c, s, perr := pastedCode(line, state)
			answers <- answer{c, s, perr}
		}()
	}
	if open, _ := env.flags.GetBool("open"); open {
		openBrowser(u)
	}
	select {
	case a := <-answers:
		return a.code, a.scope, a.err
	case <-wctx.Done():
		return "", "", fmt.Errorf("no OAuth redirect arrived or was pasted: %w", wctx.Err())
	}
}

// pastedCode reads what the user pasted: the whole redirect address
// (its state must be ours, unless state is "") or the bare code.
func pastedCode(line, state string) (code, scope string, err error) {
	line = strings.TrimSpace(line)
	if !strings.Contains(line, "code=") && !strings.Contains(line, "error=") {
		if strings.ContainsAny(line, " /?&") {
			return "", "", errors.New("that is neither the redirect's address nor its code")
		}
		return line, "", nil
	}
	q := line
	if u, err := url.Parse(line); err == nil && u.RawQuery != "" {
		q = u.RawQuery
	}
	v, err := url.ParseQuery(strings.TrimPrefix(q, "?"))
	if err != nil {
		return "", "", fmt.Errorf("read the pasted address: %w", err)
	}
	if e := v.Get("error"); e != "" {
		return "", "", fmt.Errorf("the authorization was refused: %s", e)
	}
	if s := v.Get("state"); s != "" && state != "" && s != state {
		return "", "", errors.New("the pasted address is from another authorization (its state differs): start again")
	}
	if v.Get("code") == "" {
		return "", "", errors.New("the pasted address has no code")
	}
	return v.Get("code"), v.Get("scope"), nil
}
