package daemon_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testrecords"
)

// cluster is a 3-node JetStream cluster run in the test process, as the
// nats-server tests run theirs.
type cluster struct {
	t       testing.TB
	dir     string
	ports   []int // client ports
	cports  []int // cluster ports
	servers []*server.Server
}

func freePortNumber(t testing.TB) int {
	t.Helper()
	addr, err := freePort()
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return p
}

func startCluster(t testing.TB, n int) *cluster {
	t.Helper()
	c := &cluster{t: t, dir: t.TempDir(), servers: make([]*server.Server, n)}
	for range n {
		c.ports = append(c.ports, freePortNumber(t))
		c.cports = append(c.cports, freePortNumber(t))
	}
	for i := range n {
		c.start(i)
	}
	t.Cleanup(func() {
		for i := range c.servers {
			c.stop(i)
		}
	})
	c.waitReady()
	return c
}

func (c *cluster) start(i int) {
	c.t.Helper()
	var routes []string
	for _, p := range c.cports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	opts := &server.Options{
		ServerName: fmt.Sprintf("n%d", i), Host: "127.0.0.1", Port: c.ports[i],
		JetStream: true, StoreDir: filepath.Join(c.dir, fmt.Sprintf("n%d", i)), NoSigs: true, NoLog: true,
		Cluster: server.ClusterOpts{Name: "polarbridge-test", Host: "127.0.0.1", Port: c.cports[i]},
		Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
	}
	s, err := server.NewServer(opts)
	require.NoError(c.t, err)
	go s.Start()
	require.True(c.t, s.ReadyForConnections(20*time.Second))
	c.servers[i] = s
}

func (c *cluster) stop(i int) {
	if s := c.servers[i]; s != nil {
		s.Shutdown()
		s.WaitForShutdown()
		c.servers[i] = nil
	}
}

// waitReady waits until the cluster has elected a JetStream meta leader.
func (c *cluster) waitReady() {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		for _, s := range c.servers {
			if s != nil && s.JetStreamIsLeader() {
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "no JetStream meta leader")
}

func (c *cluster) url() string {
	var urls []string
	for _, p := range c.ports {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	return strings.Join(urls, ",")
}

// daemonProcess runs `polarbridge run` as a process of its own, so the
// test can kill -9 it.
func daemonProcess(t testing.TB, config string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t, "cmd/polarbridge"), "run", "--config", config)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if !testing.Verbose() {
		cmd.Stdout, cmd.Stderr = nil, nil
	}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// Two daemons on a 3-node JetStream cluster share the work; one is
// killed -9 mid-stream and a cluster node is stopped and restarted: the
// other daemon finishes. The stateless exporter got every record (at
// least once: a batch the killed daemon had in hand is delivered again);
// the CSV exporter, which owns its directory, ran on one daemon at a
// time, moved to the survivor, and holds every record exactly once.
func TestClusterScaleOutAndFailover(t *testing.T) {
	c := startCluster(t, 3)
	dir := t.TempDir()
	metricsB, err := freePort()
	require.NoError(t, err)
	body := func(name, metrics string) string {
		return fmt.Sprintf(`data_dir: %[1]s/%[2]s
shutdown_timeout: 5s
nats:
  url: %[3]s
  replicas: 3
metrics:
  listen: "%[6]s"
delivery:
  batch_size: 10
  backoff_initial: 100ms
  backoff_max: 1s
  max_attempts: 20
  ack_wait: 5s
plugins:
  test:
    path: %[4]s
    config:
      log_file: %[1]s/out-%[2]s.jsonl
      delay: 20ms
  csv:
    path: %[5]s
    config:
      dir: export
`, dir, name, c.url(), binary(t, "internal/testexporter"), binary(t, "plugins/csv"), metrics)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(body("b", metricsB)), 0o600))
	b := daemonProcess(t, filepath.Join(dir, "b.yaml"))
	require.Eventually(t, func() bool {
		status, _ := readyz(t, metricsB)
		return status == 200
	}, 60*time.Second, 50*time.Millisecond, "daemon B did not get ready")

	cfgA, err := loadYAML(t, dir, body("a", ""))
	require.NoError(t, err)
	a := &harness{t: t, dir: dir, cfg: cfgA}
	a.run()
	t.Cleanup(a.stop)
	ctx := context.Background()
	csvHolder := func() string {
		e, err := a.d.Bus.Leases.Get(ctx, "exporter.csv")
		if err != nil {
			return ""
		}
		return string(e.Value())
	}
	require.Eventually(t, func() bool { return strings.Contains(csvHolder(), fmt.Sprintf("-%d-", b.Process.Pid)) },
		30*time.Second, 50*time.Millisecond, "B, started first, runs the CSV exporter (holder %q)", csvHolder())

	// `polarbridge status` hears from both daemons: the CSV exporter
	// runs only on B.
	// (B starts its CSV plugin just after it took the lease.)
	var pids map[int][]string
	require.Eventually(t, func() bool {
		reports, err := daemon.RequestStatuses(ctx, a.d.Bus)
		if err != nil || len(reports) != 2 {
			return false
		}
		pids = map[int][]string{}
		for _, r := range reports {
			for _, e := range r.Exporters {
				pids[r.PID] = append(pids[r.PID], e.Name)
			}
		}
		return len(pids[b.Process.Pid]) == 2
	}, 30*time.Second, 100*time.Millisecond, "both daemons answer, B with the CSV exporter: %v", pids)
	assert.ElementsMatch(t, []string{"csv", "test"}, pids[b.Process.Pid])
	assert.Equal(t, []string{"test"}, pids[os.Getpid()])

	const total = 300
	pub := records.NewPublisher(a.d.Bus)
	for i := range total {
		_, err := pub.Publish(ctx, testrecords.Sleep(strconv.Itoa(400+i%5), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/5).Format(time.DateOnly)))
		require.NoError(t, err)
	}
	// Both work on the stateless exporter's records; then B dies.
	require.Eventually(t, func() bool {
		return len(readLog(t, filepath.Join(dir, "out-a.jsonl"))) > 10 && len(readLog(t, filepath.Join(dir, "out-b.jsonl"))) > 10
	}, 60*time.Second, 20*time.Millisecond, "the work is shared")
	require.NoError(t, b.Process.Signal(syscall.SIGKILL))
	_ = b.Wait()
	byB := len(readLog(t, filepath.Join(dir, "out-b.jsonl")))

	// A cluster node goes down and comes back meanwhile.
	c.stop(1)
	time.Sleep(time.Second) // let the other two notice
	c.start(1)
	c.waitReady()

	require.Eventually(t, func() bool { return strings.Contains(csvHolder(), fmt.Sprintf("-%d-", os.Getpid())) },
		60*time.Second, 100*time.Millisecond, "A takes the CSV exporter over once B's lease expires")
	for _, exp := range []string{"test", "csv"} {
		require.Eventually(t, func() bool {
			return a.d.Bus.Idle(ctx, bus.RecordsStream, delivery.ConsumerName(exp))
		}, 120*time.Second, 100*time.Millisecond, "the surviving daemon did not finish the work of %s", exp)
	}

	seen := map[string]int{}
	for _, f := range []string{"out-a.jsonl", "out-b.jsonl"} {
		for _, l := range readLog(t, filepath.Join(dir, f)) {
			seen[l.Key]++
		}
	}
	again := 0
	for _, n := range seen {
		again += n - 1
	}
	rows := readCSV(t, filepath.Join(dir, "export", "sleep.csv"))
	keys := map[string]int{}
	for _, r := range rows {
		keys[r["key"]]++
	}
	t.Logf("records %d: test exporter %d distinct (%d by the killed daemon, %d delivered again after the kill); csv %d rows, %d distinct",
		total, len(seen), byB, again, len(rows), len(keys))
	assert.Len(t, seen, total, "nothing lost")
	assert.LessOrEqual(t, again, 2*10, "only what the killed daemon had in hand (its batches) is delivered again")
	assert.Len(t, rows, total, "every record once in the CSV")
	assert.Len(t, keys, total)
}

// Two daemons starting at the same moment on a cluster (a host reboot)
// create the same streams and buckets at once: nats-server answers
// neither, and both used to fail their start after the API timeout.
func TestDaemonsStartingTogetherOnACluster(t *testing.T) {
	c := startCluster(t, 3)
	opts := bus.Options{URL: c.url(), EventsSubject: "polarbridge.events", DuplicateWindow: time.Minute, RecordsMaxAge: time.Hour, Replicas: 3}
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			b, err := bus.Open(context.Background(), opts)
			if err == nil {
				_, err = accounts.Open(context.Background(), b)
				b.Close()
			}
			errs <- err
		}()
	}
	for range 2 {
		require.NoError(t, <-errs)
	}
}
