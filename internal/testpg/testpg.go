// Package testpg runs a real PostgreSQL server (Debian's postgresql
// package: initdb, pg_ctl's postgres) for tests: a throwaway cluster in a
// temporary directory, listening on a loopback port and on a Unix socket
// in that directory.
package testpg

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/polarbridge/polarbridge/internal/testport"
	"github.com/polarbridge/polarbridge/internal/testserver"
)

// InstallHint says how to get the server binaries.
const InstallHint = "install PostgreSQL with `make test-deps` (apt-get install -y postgresql)"

// The superuser initdb creates, and its password (password
// authentication is on, so tests can try a wrong one).
const (
	User     = "polar"
	Password = "s3cret-Test-Pw"
)

// Server is a running PostgreSQL cluster.
type Server struct {
	// Host and Port are where it listens (TCP, loopback).
	Host string
	Port int

	t    testing.TB
	bin  string // directory of initdb and postgres
	dir  string
	data string
	cred *syscall.Credential // nil: run as ourselves
	proc *testserver.Process
}

// Start creates a cluster and starts it; it is stopped and removed when
// the test ends. Without the binaries the test is skipped, or fails when
// the CI environment variable is set (CI must run it).
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: %s", err, InstallHint)
		}
		t.Skipf("%v: %s", err, InstallHint)
	}
	// Not t.TempDir: its parent is 0700, and as root the server runs as
	// another user, who must reach the data directory.
	dir, err := os.MkdirTemp("", "testpg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := testport.Addr(t)
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	s := &Server{Host: host, Port: port, t: t, bin: bin, dir: dir, data: filepath.Join(dir, "data")}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		s.cred, err = unprivileged()
		if err != nil {
			t.Fatal(err)
		}
	}
	pwFile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwFile, []byte(Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{s.data, s.sockDir()} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if s.cred != nil {
			if err := os.Chown(d, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	initdb := s.command(filepath.Join(bin, "initdb"), "-D", s.data, "-U", User, "--pwfile", pwFile,
		"-A", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.proc = testserver.New(t, "postgres", filepath.Join(s.dir, "postgres.log"), syscall.SIGINT)
	s.Restart()
	return s
}

func (s *Server) sockDir() string { return filepath.Join(s.dir, "sock") }

// command runs name as the server's user.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// DSN is a connection string for database, without the password (set
// it with WithPassword or pass it separately, as the plugin's config
// does).
func (s *Server) DSN(database string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", s.Host, s.Port, User, database)
}

// Conn connects to the postgres database as the superuser; closed when
// the test ends.
func (s *Server) Conn() *pgx.Conn {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN("postgres")+" password="+Password)
	if err != nil {
		s.t.Fatalf("testpg: connect: %v", err)
	}
	s.t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Stop stops the server (fast shutdown, SIGINT; SIGKILL after 10 s).
// Its data stays for Restart.
func (s *Server) Stop() { s.proc.Stop() }

// Restart starts the server again on the same port and data; it fails
// the test if the server does not accept connections within 30 s.
func (s *Server) Restart() {
	s.t.Helper()
	cmd := s.command(filepath.Join(s.bin, "postgres"), "-D", s.data,
		"-c", "listen_addresses="+s.Host, "-p", strconv.Itoa(s.Port),
		"-c", "unix_socket_directories="+s.sockDir(),
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=50", "-c", "shared_buffers=64MB")
	s.proc.Start(cmd, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, s.DSN("postgres")+" password="+Password)
		if err != nil {
			return err
		}
		conn.Close(context.Background())
		return nil
	})
}

// binDir finds the newest /usr/lib/postgresql/<version>/bin with initdb
// and postgres, or initdb on PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("testpg: initdb not found under /usr/lib/postgresql/*/bin or on PATH")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// unprivileged returns the credentials of the postgres user the package
// creates, or of nobody.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil {
			return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
		}
	}
	return nil, fmt.Errorf("testpg: running as root and neither user postgres nor nobody exists to run the server as")
}
