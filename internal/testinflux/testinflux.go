// Package testinflux runs a real InfluxDB 1.x server (Debian's influxdb
// package, `influxd`) for tests, on loopback ports with its data in a
// temporary directory.
package testinflux

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/polarbridge/polarbridge/internal/testserver"
)

// InstallHint says how to get influxd.
const InstallHint = "install InfluxDB 1.x with `make test-deps` (apt-get install -y influxdb)"

// Server is a running influxd.
type Server struct {
	// URL is the HTTP API's base URL, e.g. http://127.0.0.1:41234.
	URL string

	t      testing.TB
	bin    string
	dir    string
	config string
	proc   *testserver.Process
}

// Start starts influxd and waits until it answers /ping; the server is
// stopped when the test ends. Without influxd the test is skipped, or
// fails when the CI environment variable is set (CI must run it).
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("influxd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("influxd not found (%v): %s", err, InstallHint)
		}
		t.Skipf("influxd not found: %s", InstallHint)
	}
	dir := t.TempDir()
	httpPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	rpcPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		URL:    "http://" + httpPort,
		t:      t,
		bin:    bin,
		dir:    dir,
		config: filepath.Join(dir, "influxdb.conf"),
	}
	conf := fmt.Sprintf(`reporting-disabled = true
bind-address = %[2]q

[meta]
  dir = "%[1]s/meta"

[data]
  dir = "%[1]s/data"
  wal-dir = "%[1]s/wal"
  query-log-enabled = false

[http]
  enabled = true
  bind-address = %[3]q
  log-enabled = false

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = false

[subscriber]
  enabled = false
`, dir, rpcPort, httpPort)
	if err := os.WriteFile(s.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s.proc = testserver.New(t, "influxd", filepath.Join(dir, "influxd.log"), syscall.SIGTERM)
	s.Restart()
	return s
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s). Its data
// stays for Restart.
func (s *Server) Stop() { s.proc.Stop() }

// Restart starts the server again on the same address and data; it
// fails the test if the server does not answer /ping within 30 s.
func (s *Server) Restart() {
	s.t.Helper()
	s.proc.Start(exec.Command(s.bin, "run", "-config", s.config), func() error {
		resp, err := http.Get(s.URL + "/ping")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("/ping answered %d", resp.StatusCode)
		}
		return nil
	})
}

// Series is one series of a query result.
type Series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

// Query runs InfluxQL statements against db with epoch=ms timestamps and
// returns the series of every statement's result, in order. Numbers are
// float64 (JSON), timestamps milliseconds since the epoch.
func (s *Server) Query(db, q string) ([]Series, error) {
	form := url.Values{"db": {db}, "epoch": {"ms"}, "q": {q}}
	resp, err := http.PostForm(s.URL+"/query", form)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	var out struct {
		Error   string `json:"error"`
		Results []struct {
			Error  string   `json:"error"`
			Series []Series `json:"series"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("query %q: HTTP %d %s: %w", q, resp.StatusCode, body, err)
	}
	if out.Error != "" {
		return nil, fmt.Errorf("query %q: %s", q, out.Error)
	}
	var series []Series
	for _, r := range out.Results {
		if r.Error != "" {
			return nil, fmt.Errorf("query %q: %s", q, r.Error)
		}
		series = append(series, r.Series...)
	}
	return series, nil
}

// MustQuery is Query that fails the test on error.
func (s *Server) MustQuery(db, q string) []Series {
	s.t.Helper()
	series, err := s.Query(db, q)
	if err != nil {
		s.t.Fatal(err)
	}
	return series
}

// CreateDatabase creates a database (a no-op if it exists).
func (s *Server) CreateDatabase(name string) {
	s.t.Helper()
	s.MustQuery("", `CREATE DATABASE "`+strings.ReplaceAll(name, `"`, `\"`)+`"`)
}

// Count returns SELECT count(field) over a measurement, 0 if empty.
func (s *Server) Count(db, measurement, field string) int {
	s.t.Helper()
	series := s.MustQuery(db, fmt.Sprintf(`SELECT count(%q) FROM %q`, field, measurement))
	if len(series) == 0 || len(series[0].Values) == 0 {
		return 0
	}
	n, ok := series[0].Values[0][1].(float64)
	if !ok {
		s.t.Fatalf("count(%s) of %s: unexpected %v", field, measurement, series[0].Values[0])
	}
	return int(n)
}

// freePort returns a loopback address whose port was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("testinflux: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
