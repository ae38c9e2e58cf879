// Package testmqtt runs a real MQTT broker (Debian's mosquitto) for tests,
// on a loopback port with its persistence in a temporary directory, and
// reads what was published to it with a real client.
package testmqtt

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/polarbridge/polarbridge/internal/testport"
	"github.com/polarbridge/polarbridge/internal/testserver"
)

// InstallHint says how to get mosquitto.
const InstallHint = "install mosquitto with `make test-deps` (apt-get install -y mosquitto)"

// Broker is a running mosquitto.
type Broker struct {
	// URL is the broker's address for clients, e.g. tcp://127.0.0.1:41234
	// (ssl://… WithTLS).
	URL string
	// CAFile is the CA that signed the broker's certificate (WithTLS).
	CAFile string

	t      testing.TB
	bin    string
	dir    string
	config string
	proc   *testserver.Process
}

// Option configures a Broker.
type Option func(*brokerConfig)

type brokerConfig struct {
	users       map[string]string
	persistence bool
	tls         bool
}

// WithUser makes the broker refuse anonymous clients and accept user with
// password.
func WithUser(user, password string) Option {
	return func(c *brokerConfig) {
		if c.users == nil {
			c.users = map[string]string{}
		}
		c.users[user] = password
	}
}

// WithoutPersistence makes the broker forget retained messages when it
// restarts, as one configured without persistence does.
func WithoutPersistence() Option { return func(c *brokerConfig) { c.persistence = false } }

func findMosquitto() (string, error) {
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p, nil
	}
	// Debian puts it in /usr/sbin, which a user's PATH may lack.
	if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
		return "/usr/sbin/mosquitto", nil
	}
	return "", exec.ErrNotFound
}

// Start starts mosquitto and waits until it accepts a client; it is
// stopped when the test ends. Without mosquitto the test is skipped, or
// fails when the CI environment variable is set (CI must run it).
func Start(t testing.TB, opts ...Option) *Broker {
	t.Helper()
	bin, err := findMosquitto()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mosquitto not found (%v): %s", err, InstallHint)
		}
		t.Skipf("mosquitto not found: %s", InstallHint)
	}
	cfg := brokerConfig{persistence: true}
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	addr := testport.Addr(t)
	host, port, _ := net.SplitHostPort(addr)
	b := &Broker{URL: "tcp://" + addr, t: t, bin: bin, dir: dir, config: filepath.Join(dir, "mosquitto.conf")}
	conf := fmt.Sprintf("listener %s %s\npersistence %t\npersistence_location %s/\nautosave_interval 1\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n",
		port, host, cfg.persistence, dir)
	if os.Geteuid() == 0 {
		// As root, mosquitto would switch to its own user, which cannot
		// write the test's directory.
		if u, err := user.Current(); err == nil {
			conf += "user " + u.Username + "\n"
		}
	}
	if len(cfg.users) > 0 {
		pw := filepath.Join(dir, "passwords")
		if err := os.WriteFile(pw, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		for u, p := range cfg.users {
			out, err := exec.Command("mosquitto_passwd", "-b", pw, u, p).CombinedOutput()
			if err != nil {
				t.Fatalf("mosquitto_passwd: %v: %s", err, out)
			}
		}
		conf += "allow_anonymous false\npassword_file " + pw + "\n"
	} else {
		conf += "allow_anonymous true\n"
	}
	if cfg.tls {
		ca, cert, key, err := writeCerts(dir)
		if err != nil {
			t.Fatal(err)
		}
		b.URL, b.CAFile = "ssl://"+addr, ca
		conf += "certfile " + cert + "\nkeyfile " + key + "\n"
	}
	if err := os.WriteFile(b.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	b.proc = testserver.New(t, "mosquitto", filepath.Join(dir, "mosquitto.log"), syscall.SIGTERM)
	b.Restart()
	return b
}

// Stop stops the broker (SIGTERM, then SIGKILL after 10 s). Its
// persistence stays for Restart.
func (b *Broker) Stop() { b.proc.Stop() }

// Restart starts the broker again on the same port; it fails the test if
// no client can connect within 30 s.
func (b *Broker) Restart() {
	b.t.Helper()
	b.proc.Start(exec.Command(b.bin, "-c", b.config), func() error {
		c := mqtt.NewClient(b.options("testmqtt-probe").SetConnectTimeout(time.Second))
		tok := c.Connect()
		if !tok.WaitTimeout(2 * time.Second) {
			return errors.New("no answer to CONNECT")
		}
		switch err := tok.Error(); {
		case err == nil:
			c.Disconnect(0)
			return nil
		case isRefusedAuth(err):
			return nil // a broker that refuses anonymous clients still answers
		default:
			return err
		}
	})
}

func isRefusedAuth(err error) bool {
	return errors.Is(err, packets.ErrorRefusedNotAuthorised) || errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword)
}

// Log is the broker's log so far.
func (b *Broker) Log() string { return b.proc.Log() }
