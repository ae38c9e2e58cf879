package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// runDemo runs the daemon on the embedded NATS server with the CSV
// exporter, publishes a few days of sample records (one of them twice and
// one in a corrected version), waits until everything is exported and
// prints where it went.
func runDemo(ctx context.Context, env *cliEnv, _ []string) error {
	dir, _ := env.flags.GetString("dir")
	keep, _ := env.flags.GetBool("keep")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "polarbridge-demo-"); err != nil {
			return err
		}
		if !keep {
			defer os.RemoveAll(dir)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	csvPlugin, err := siblingBinary("polarbridge-csv")
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	cfgBody := fmt.Sprintf(`data_dir: data
metrics:
  listen: ""
delivery:
  backoff_initial: 1s
plugins:
  csv:
    path: %s
    config:
      dir: export
      samples: true
`, csvPlugin)
	if err := os.WriteFile(cfgPath, []byte(cfgBody), 0o600); err != nil {
		return err
	}
	_ = env.flags.Set("config", cfgPath)
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "polarbridge demo in %s\n  config: %s\n\n", dir, cfgPath)

	d, err := daemon.Start(ctx, cfg, log, version)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	defer func() { stop(); <-done }()

	pub := records.NewPublisher(d.Bus)
	published, skipped := 0, 0
	publish := func(r *pluginapi.Record) error {
		ok, err := pub.Publish(ctx, r)
		if err != nil {
			return err
		}
		if ok {
			published++
		} else {
			skipped++
		}
		return nil
	}
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	for _, user := range []string{"475", "476"} {
		for i := range 3 {
			date := day.AddDate(0, 0, i)
			start := date.Add(time.Duration(16+i) * time.Hour)
			id := fmt.Sprintf("%s%02d", user, i)
			for _, r := range []*pluginapi.Record{
				testrecords.Exercise(user, id, start, time.Duration(30+15*i)*time.Minute),
				testrecords.Sleep(user, date.Format("2006-01-02")),
				testrecords.NightlyRecharge(user, date.Format("2006-01-02")),
			} {
				if err := publish(r); err != nil {
					return err
				}
			}
		}
	}
	// Polar delivers the same data twice at times: nothing new is published.
	if err := publish(testrecords.Sleep("475", day.Format("2006-01-02"))); err != nil {
		return err
	}
	// A night re-computed by Polar: a new version replaces the old row.
	changed := testrecords.Sleep("475", day.Format("2006-01-02"))
	changed.GetSleep().SleepScore = 85
	if err := publish(changed); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "published %d records (%d duplicates skipped)\n", published, skipped)

	if err := waitDelivered(ctx, d.Bus, "csv", 60*time.Second); err != nil {
		return err
	}
	return printExport(env, filepath.Join(dir, "export"), keep)
}

// siblingBinary finds a plugin binary next to this executable (./bin after
// `make build`).
func siblingBinary(name string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(exe), name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s not found next to %s: run `make build` (or `make demo`)", name, exe)
	}
	return p, nil
}

// waitDelivered waits until the exporter's consumer has nothing pending.
func waitDelivered(ctx context.Context, b *bus.Bus, exporter string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := b.JS.Consumer(ctx, bus.RecordsStream, delivery.ConsumerName(exporter))
		if err == nil {
			info, err := c.Info(ctx)
			if err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.Delivered.Consumer > 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("records were not all exported in time; see the log above")
}

func printExport(env *cliEnv, dir string, keep bool) error {
	fmt.Fprintf(env.stdout, "\nexported to %s:\n", dir)
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rows, first, err := countRows(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(env.stdout, "  %-40s %6d rows\n", rel, rows)
		if rel == "exercises.csv" || rel == "sleep.csv" {
			fmt.Fprintf(env.stdout, "      %s\n", truncate(first, 110))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(env.stdout, "\nkept: %s\n", filepath.Dir(dir))
	}
	return nil
}

func countRows(path string) (int, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n, second := 0, ""
	for sc.Scan() {
		if n == 1 {
			second = sc.Text()
		}
		n++
	}
	return max(n-1, 0), second, sc.Err()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimSpace(s[:n]) + "…"
}
