package bus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// controlFile, in data_dir, tells CLI commands how to reach the embedded
// server of a running daemon. It holds a secret: owner-only.
const controlFile = "polarbridge.control.json"

type control struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// ErrRunning means another daemon already uses the data directory.
var ErrRunning = errors.New("another polarbridge daemon is running")

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate NATS token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func writeControl(dir, url, token string) error {
	raw, _ := json.Marshal(control{URL: url, Token: token, PID: os.Getpid()})
	tmp := filepath.Join(dir, controlFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("write control file: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, controlFile)); err != nil {
		return fmt.Errorf("write control file: %w", err)
	}
	return nil
}

func removeControl(dir string) { _ = os.Remove(filepath.Join(dir, controlFile)) }

// runningDaemon connects to the embedded server of a daemon running on
// dir, if there is one.
func runningDaemon(dir string) (*nats.Conn, *control, error) {
	raw, err := os.ReadFile(filepath.Join(dir, controlFile))
	if err != nil {
		return nil, nil, err
	}
	var c control
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, nil, fmt.Errorf("control file: %w", err)
	}
	nc, err := nats.Connect(c.URL, nats.Token(c.Token), nats.Timeout(2*time.Second), nats.Name("polarbridge-cli"))
	if err != nil {
		return nil, &c, err
	}
	return nc, &c, nil
}

func checkNotRunning(dir string) error {
	nc, c, err := runningDaemon(dir)
	if err != nil {
		return nil // stale or absent control file
	}
	nc.Close()
	return fmt.Errorf("%w on data_dir %s (pid %d); stop it first, or use its store through the CLI", ErrRunning, dir, c.PID)
}

// Attached reports whether b is the connection of a CLI command to a
// running daemon's embedded server (Attach).
func (b *Bus) Attached() bool { return b.attached }

// Attach connects CLI commands to the store: through the running daemon's
// embedded server if one runs on opts.DataDir, else by opening it (or the
// configured nats.url) directly.
func Attach(ctx context.Context, opts Options) (*Bus, error) {
	if opts.URL == "" {
		if nc, _, err := runningDaemon(opts.DataDir); err == nil {
			b := &Bus{opts: opts, Conn: nc, attached: true, recent: newRecentObjects(recentObjectsBytes)}
			if b.JS, err = jetstream.New(nc); err != nil {
				nc.Close()
				return nil, fmt.Errorf("jetstream: %w", err)
			}
			if err := b.setup(ctx); err != nil {
				b.Close()
				return nil, err
			}
			return b, nil
		}
	}
	return Open(ctx, opts)
}
