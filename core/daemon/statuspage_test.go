package daemon_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testbrowser"
)

// TestStatusPageInBrowser: after an exercise went through the bridge, the
// status page, in a real headless Chromium, shows the user and both
// exporters with the right numbers; the dead-letter page's Replay button
// re-queues the record the failing exporter gave up on, which it then
// takes once; a replay from another site, or without the page's token,
// is refused. `polarbridge status` reads the same report over NATS (#16).
func TestStatusPageInBrowser(t *testing.T) {
	flags := t.TempDir()
	down := filepath.Join(flags, "down")
	require.NoError(t, os.WriteFile(down, nil, 0o644))
	out := filepath.Join(flags, "out.jsonl")
	addr, err := freePort()
	require.NoError(t, err)
	ps := startPolar(t, polarOpts{metricsListen: addr, plugins: `plugins:
  csv:
    path: ` + binary(t, "plugins/csv") + `
    config:
      dir: export
  flaky:
    path: ` + binary(t, "internal/testexporter") + `
    config:
      mode: retry
      fail_while_exists: ` + down + `
      log_file: ` + out + `
`})

	ex, err := ps.sim.AddExercise(ps.users[0], accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 30 * time.Minute}, accesslinksim.Drop())
	require.NoError(t, err)
	ps.sim.PushWebhook(accesslinksim.Event{Type: "EXERCISE", UserID: ps.users[0], EntityID: ex.ID})
	ps.settle("csv")
	var entries []dlq.Entry
	require.Eventually(t, func() bool {
		entries, err = dlq.New(ps.d.Bus).List(context.Background(), "flaky")
		return err == nil && len(entries) > 0
	}, time.Minute, 50*time.Millisecond, "the failing exporter gives up on the exercise")
	require.Len(t, entries, 1)
	key := entries[0].Key

	// The same report over the control connection, as `polarbridge status` reads it.
	reports, err := daemon.RequestStatuses(context.Background(), ps.d.Bus)
	require.NoError(t, err)
	require.Len(t, reports, 1)
	rep := reports[0]
	require.Len(t, rep.Accounts, 1)
	assert.Equal(t, strconv.FormatInt(ps.users[0], 10), rep.Accounts[0].ID)
	assert.False(t, rep.Accounts[0].LastEvent.IsZero(), "the exercise event was taken in")
	assert.False(t, rep.Accounts[0].LastExported.IsZero(), "csv took its record")
	require.Len(t, rep.Exporters, 2)
	assert.Equal(t, "csv", rep.Exporters[0].Name)
	assert.Equal(t, 0, rep.Exporters[0].DeadLetters)
	assert.Equal(t, "flaky", rep.Exporters[1].Name)
	assert.Equal(t, 1, rep.Exporters[1].DeadLetters)
	assert.True(t, rep.Exporters[1].Failing)

	browser := testbrowser.New(t)
	step := func(a chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 30*time.Second)
		defer cancel()
		require.NoError(t, chromedp.Do(ctx, a))
	}
	text := func(sel string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 30*time.Second)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err, sel)
		return s
	}
	base := "http://" + addr
	step(chromedp.Navigate(base + "/"))
	assert.Contains(t, text("#state"), "Ready")
	accountsText := text("#accounts")
	assert.Contains(t, accountsText, strconv.FormatInt(ps.users[0], 10))
	assert.Contains(t, accountsText, "active")
	// Polls are off in these tests: the exercise came with the webhook.
	assert.Regexp(t, `accesslink\s+active\s+\d+s ago\s+never\s+\d+s ago\s+-`, accountsText)
	assert.Regexp(t, `csv\s+csv \S+\s+0\s+0\s+\d+s ago\s+ok`, text("#exporters tr:nth-child(2)"))
	assert.Regexp(t, `flaky\s+testexporter \S+\s+0\s+1\s+never\s+failing`, text("#exporters tr:nth-child(3)"))
	assert.Contains(t, text("#webhook"), "received on")

	step(chromedp.Navigate(base + "/dlq"))
	assert.Contains(t, text("#dead-letters"), key)

	// A forged replay: no token, or from another site with the token.
	token := regexp.MustCompile(`name="token" value="([0-9a-f]+)"`).FindStringSubmatch(get(t, base+"/dlq"))
	require.Len(t, token, 2)
	form := url.Values{"exporter": {"flaky"}, "id": {"all"}}
	assert.Equal(t, http.StatusForbidden, post(t, base+"/dlq/replay", form, ""))
	form.Set("token", token[1])
	assert.Equal(t, http.StatusForbidden, post(t, base+"/dlq/replay", form, "cross-site"))
	entries, err = dlq.New(ps.d.Bus).List(context.Background(), "")
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing replayed")

	// The destination is back; the page's button replays.
	require.NoError(t, os.Remove(down))
	ctx, cancel := context.WithTimeout(browser, 30*time.Second)
	_, err = chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`button[name="replay"]`))))
	cancel()
	require.NoError(t, err)
	assert.Contains(t, text("#message"), "1 re-queued")
	ps.waitIdle("flaky")
	assert.Equal(t, map[string]int{key: 1}, keysOf(readLog(t, out)))
	step(chromedp.Navigate(base + "/dlq"))
	assert.Contains(t, text("#empty"), "No dead letters")
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func post(t *testing.T, u string, form url.Values, fetchSite string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", fetchSite)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}
