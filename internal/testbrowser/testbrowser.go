// Package testbrowser drives a real headless Chromium from tests, over
// the DevTools protocol (chromedp).
package testbrowser

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// InstallHint says how to get the browser (`make test-deps` does).
const InstallHint = "install Debian's chromium (apt-get install chromium; `make test-deps` does)"

// find returns the browser's path.
func find() (string, error) {
	var err error
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		var p string
		if p, err = exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", err
}

// New starts a headless browser for the test and returns a context whose
// chromedp.Run drives one tab; the browser stops when the test ends. Limit
// single steps with contexts derived from it: a timeout on this one would
// stop the browser.
// Without a browser the test is skipped, or fails when the CI
// environment variable is set (CI must run it).
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Chromium found (%v): %s", err, InstallHint)
		}
		t.Skipf("no Chromium found: %s", InstallHint)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		// As root (CI) Chromium refuses to start with its sandbox.
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// Start the browser now, so a broken install fails here, clearly.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}
