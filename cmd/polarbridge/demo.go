package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// runDemo runs the whole bridge against the AccessLink simulator: the
// daemon (embedded NATS, CSV exporter, webhook receiver), two users added
// through the real OAuth flow, the webhook created, a few days of
// exercises and nights pushed (one of them twice), and a report of what
// was exported where and what it cost in Polar calls.
func runDemo(ctx context.Context, env *cliEnv, _ []string) error {
	dir, _ := env.flags.GetString("dir")
	keep, _ := env.flags.GetBool("keep")
	removeAfter := false
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "polarbridge-demo-"); err != nil {
			return err
		}
		if !keep {
			removeAfter = true
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
	out := env.stdout
	say := func(format string, args ...any) { fmt.Fprintf(out, "==> "+format+"\n", args...) }

	// 1. The simulated Polar.
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	callback, err := freeAddr()
	if err != nil {
		return err
	}
	redirect := "http://" + callback + "/oauth2/callback"
	sim, err := accesslinksim.New(accesslinksim.WithUsers(2), accesslinksim.WithHistoryDays(0),
		accesslinksim.WithRedirectURIs(redirect), accesslinksim.WithNoFITProbability(0))
	if err != nil {
		return err
	}
	simCtx, stopSim := context.WithCancel(ctx)
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Serve(simCtx, simLn, accesslinksim.RunOptions{}) }()
	defer func() { stopSim(); <-simDone }()
	simURL := "http://" + simLn.Addr().String()
	say("AccessLink simulator at %s", simURL)

	// 2. The daemon.
	cfgPath := filepath.Join(dir, "config.yaml")
	cfgBody := fmt.Sprintf(`data_dir: data
log:
  level: warn
metrics:
  listen: ""
delivery:
  backoff_initial: 1s
accesslink:
  client_id: %s
  client_secret: %s
  redirect_url: %s
  auth_url: %[4]s/oauth2/authorization
  token_url: %[4]s/oauth2/token
  api_url: %[4]s
webhook:
  listen: 127.0.0.1:0
plugins:
  csv:
    path: %s
    config:
      dir: export
      samples: true
`, sim.ClientID(), sim.ClientSecret(), redirect, simURL, csvPlugin)
	if err := os.WriteFile(cfgPath, []byte(cfgBody), 0o600); err != nil {
		return err
	}
	_ = env.flags.Set("config", cfgPath)
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	d, err := daemon.Start(ctx, cfg, log, version)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	defer func() { stop(); <-done }()
	say("daemon running: config %s, webhook receiver on %s", cfgPath, d.WebhookAddr)

	// 3. Two users authorize the bridge through the OAuth flow.
	client, err := daemon.NewAccessLinkClient(cfg, log)
	if err != nil {
		return err
	}
	oc := accesslink.OAuthConfig(cfg.AccessLink.ClientID, cfg.AccessLink.ClientSecret, redirect, cfg.AccessLink.AuthURL, cfg.AccessLink.TokenURL)
	var userIDs []int64
	for range 2 {
		res, err := demoAuthorize(ctx, oc, client, d.Accounts)
		if err != nil {
			return err
		}
		say("user %s authorized the bridge (OAuth code flow, state checked) and was registered", res.UserID)
		var id int64
		fmt.Sscan(res.UserID, &id)
		userIDs = append(userIDs, id)
	}

	// 4. The webhook: Polar PINGs the receiver, the key is stored.
	hookURL := "http://" + d.WebhookAddr + cfg.Webhook.Path
	created, err := client.CreateWebhook(ctx, hookURL, accesslink.PushEvents())
	if err != nil {
		return err
	}
	if err := d.Accounts.PutWebhook(ctx, accounts.Webhook{ID: created.ID, URL: created.URL, Secret: created.SignatureSecretKey, CreatedAt: time.Now()}); err != nil {
		return err
	}
	say("webhook %s created for %s (Polar's PING answered)", created.ID, hookURL)

	// 5. Polar sees new training and nights and pushes signed events.
	sportsList := []string{"RUNNING", "ROAD_BIKING", "TRAIL_RUNNING", "STRENGTH_TRAINING"}
	pushed := 0
	for i, uid := range userIDs {
		for j := range 2 {
			sport := sportsList[(i*2+j)%len(sportsList)]
			if _, err := sim.AddExercise(uid, accesslinksim.ExerciseSpec{DetailedSport: sport, Duration: time.Duration(30+20*j) * time.Minute}); err != nil {
				return err
			}
			pushed++
			// Polar is known to push SLEEP twice: stored once.
			if _, err := sim.AddSleep(uid, accesslinksim.Twice()); err != nil {
				return err
			}
			pushed++
		}
	}
	say("Polar pushed %d events (each SLEEP twice); waiting for the export", pushed)
	if err := waitIdle(ctx, d.Bus, bus.EventsStream, ingest.Name, 2*time.Minute); err != nil {
		return err
	}
	if err := waitIdle(ctx, d.Bus, bus.RecordsStream, delivery.ConsumerName("csv"), 2*time.Minute); err != nil {
		return err
	}
	if err := printExport(env, filepath.Join(dir, "export")); err != nil {
		return err
	}
	printPolarCalls(env, sim.Stats())
	switch {
	case keep:
		fmt.Fprintf(out, "\nKept everything in %s (run `polarbridge dlq list --config %s` there, or look at export/).\n", dir, cfgPath)
	case removeAfter:
		fmt.Fprintf(out, "\n%s is removed now; run `polarbridge demo --keep` (or `--dir DIR`) to keep it.\n", dir)
	}
	return nil
}

// demoAuthorize plays the user's browser through the OAuth flow, then
// adds the user as `polarbridge users add` does.
func demoAuthorize(ctx context.Context, oc *oauth2.Config, reg onboard.Registrar, acc *accounts.Store) (onboard.Result, error) {
	code, err := onboard.AuthorizeUnattended(ctx, oc)
	if err != nil {
		return onboard.Result{}, err
	}
	return onboard.AddUser(ctx, oc, reg, acc, code, "", "")
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
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

// waitIdle waits until a durable consumer has delivered and settled
// everything in its stream.
func waitIdle(ctx context.Context, b *bus.Bus, stream, consumer string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b.Idle(ctx, stream, consumer) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("not everything was processed in time; see the log above")
}

func printExport(env *cliEnv, dir string) error {
	fmt.Fprintf(env.stdout, "\nExported to %s:\n", dir)
	return filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rows, first, err := countRows(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(env.stdout, "  %-44s %6d rows\n", rel, rows)
		if rel == "exercises.csv" || rel == "sleep.csv" || rel == "nightly_recharge.csv" {
			fmt.Fprintf(env.stdout, "      %s\n", truncate(first, 110))
		}
		return nil
	})
}

func printPolarCalls(env *cliEnv, st accesslinksim.Stats) {
	fmt.Fprintf(env.stdout, "\nPolar API calls (counted by the simulator; limit %d per 15 min, 429s: %d):\n", st.ShortLimit, st.TooManyRequests)
	routes := make([]string, 0, len(st.Requests))
	for r := range st.Requests {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		fmt.Fprintf(env.stdout, "  %-52s %4d\n", r, st.Requests[r])
	}
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
