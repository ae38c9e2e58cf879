package main

import (
	"context"
	"fmt"
	"github.com/polarbridge/polarbridge/core/seen"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslinksync"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/core/teamsync"
)

// backfill queues everything Polar still holds in the window that the
// bridge has not taken in. Safe to run twice or while the daemon runs:
// what is known is skipped, and events carry the webhook's Msg-Ids.
func backfill(ctx context.Context, env *cliEnv, _ []string) error {
	source, _ := env.flags.GetString("source")
	if source != "accesslink" && source != "teampro" {
		return fmt.Errorf("--source %q: accesslink or teampro", source)
	}
	sinceFlag, _ := env.flags.GetString("since")
	since, err := parseSince(sinceFlag, env.now())
	if err != nil {
		return err
	}
	kinds, err := parseKinds(env)
	if err != nil {
		return err
	}
	users, _ := env.flags.GetStringSlice("user")

	bar := newProgress(env.stdout)
	env.stderr = bar.logs(env.stderr)
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	b := p.bus
	st, err := seen.Open(ctx, b)
	if err != nil {
		return err
	}
	var prog seen.Progress
	if source == "teampro" {
		src, serr := teamProSource(ctx, p)
		if serr != nil {
			return serr
		}
		prog, err = src.Poll(ctx, teamsync.Scope{Accounts: users, Since: since, Progress: bar.update})
	} else {
		pl := poller.New(b, p.client, p.acc, st, p.log.With("component", "backfill"))
		// Daily activity and physical information come from transactions
		// the source runs, publishes and commits itself.
		pl.SetTransactor(accesslinksync.New(b, p.client, p.acc, nil, st, pl, p.log.With("component", "backfill")))
		prog, err = pl.Cycle(ctx, poller.Scope{Users: users, Kinds: kinds, Since: since, Progress: bar.update})
	}
	bar.done()
	fmt.Fprintf(env.stdout, "Backfill since %s: found %d, already exported (or queued) %d, queued %d new and %d changed.\n",
		since.Local().Format(time.DateOnly), prog.Found, prog.Known, prog.Queued, prog.Changed)
	if prog.Transacted > 0 {
		fmt.Fprintf(env.stdout, "Published %d daily activity and physical information records from AccessLink transactions (committed: Polar no longer holds them).\n", prog.Transacted)
	}
	if err != nil {
		return err
	}
	if wait, _ := env.flags.GetBool("wait"); wait && prog.Queued+prog.Changed > 0 {
		return waitProcessed(ctx, env, b)
	}
	if prog.Queued+prog.Changed > 0 {
		fmt.Fprintln(env.stdout, "The daemon fetches and exports them (`polarbridge run`); `--wait` follows it.")
	}
	return nil
}

// parseSince accepts "28d", a Go duration ("72h") or a date (2026-01-02).
func parseSince(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: use days (28d), a duration (72h) or a date (2026-01-02); Polar keeps about 30 days", s)
}

func parseKinds(env *cliEnv) ([]string, error) {
	raw, _ := env.flags.GetStringSlice("kinds")
	var kinds []string
	for _, k := range raw {
		k = strings.ReplaceAll(strings.TrimSpace(k), "_", "-")
		switch k {
		case poller.KindExercise, poller.KindSleep, poller.KindNightlyRecharge, poller.KindCardioLoad, poller.KindContinuousHeartRate,
			poller.KindDailyActivity, poller.KindPhysicalInformation,
			poller.KindSleepWiseAlertness, poller.KindSleepWiseCircadianBedtime,
			poller.KindSkinTemperature, poller.KindSkinContacts, poller.KindECG, poller.KindSpO2:
			kinds = append(kinds, k)
		default:
			return nil, fmt.Errorf("--kinds: %q is not one of %s", k, strings.Join(poller.AllKinds, ", "))
		}
	}
	return kinds, nil
}

// waitProcessed follows the ingest worker until the queue is empty.
func waitProcessed(ctx context.Context, env *cliEnv, b *bus.Bus) error {
	fmt.Fprintln(env.stdout, "Waiting for the daemon to fetch and export them...")
	bar := newProgress(env.stdout)
	env.stderr = bar.logs(env.stderr)
	total := -1
	for {
		c, err := b.JS.Consumer(ctx, bus.EventsStream, ingest.Name)
		if err != nil {
			return fmt.Errorf("the daemon's worker is not running (start `polarbridge run`): %w", err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		left := int(info.NumPending) + info.NumAckPending
		if total < left {
			total = left
		}
		bar.update(seen.Progress{ListsDone: total - left, ListsTotal: total})
		if left == 0 {
			bar.done()
			fmt.Fprintln(env.stdout, "All processed.")
			return nil
		}
		select {
		case <-ctx.Done():
			bar.done()
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// progress draws a bar with counts and an ETA on a terminal, and plain
// lines (one per completed step) otherwise. Log lines written through
// logs() clear the bar first and redraw it after, so neither overwrites
// the other.
type progress struct {
	w     io.Writer
	tty   bool
	start time.Time

	mu   sync.Mutex
	last seen.Progress
	bar  string // the bar on screen ("" none)
}

// clearLine returns to the start of the line and erases it.
const clearLine = "\r\033[K"

func newProgress(w io.Writer) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, start: time.Now()}
}

func (p *progress) update(pr seen.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	changedStep := pr.ListsDone != p.last.ListsDone
	p.last = pr
	if !p.tty {
		if changedStep {
			fmt.Fprintf(p.w, "progress: %d/%d steps, found %d, known %d, queued %d, changed %d\n",
				pr.ListsDone, pr.ListsTotal, pr.Found, pr.Known, pr.Queued, pr.Changed)
		}
		return
	}
	const width = 30
	filled := 0
	if pr.ListsTotal > 0 {
		filled = width * pr.ListsDone / pr.ListsTotal
	}
	eta := "?"
	if pr.ListsDone > 0 && pr.ListsTotal > 0 {
		per := time.Since(p.start) / time.Duration(pr.ListsDone)
		eta = (per * time.Duration(pr.ListsTotal-pr.ListsDone)).Round(time.Second).String()
	}
	p.bar = fmt.Sprintf("[%s%s] %d/%d  found %d  known %d  queued %d  changed %d  ETA %s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), pr.ListsDone, pr.ListsTotal,
		pr.Found, pr.Known, pr.Queued, pr.Changed, eta)
	fmt.Fprint(p.w, clearLine+p.bar)
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.bar != "" {
		fmt.Fprintln(p.w)
		p.bar = ""
	}
}

// logs wraps the log output (stderr, the same terminal): each line is
// written on a cleared line, and the bar drawn again under it.
func (p *progress) logs(w io.Writer) io.Writer {
	if !p.tty {
		return w
	}
	return logsUnderBar{p: p, w: w}
}

type logsUnderBar struct {
	p *progress
	w io.Writer
}

func (l logsUnderBar) Write(b []byte) (int, error) {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	if l.p.bar != "" {
		fmt.Fprint(l.p.w, clearLine)
	}
	n, err := l.w.Write(b)
	if l.p.bar != "" {
		fmt.Fprint(l.p.w, l.p.bar)
	}
	return n, err
}
