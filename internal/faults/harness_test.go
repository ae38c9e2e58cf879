package faults

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testdisk"
	"github.com/polarbridge/polarbridge/internal/testinflux"
	"github.com/polarbridge/polarbridge/internal/testport"
)

// full reports whether every case runs (make faults), not only the fast
// ones (make test).
func full() bool { return os.Getenv("FAULTS") == "all" }

// slow skips a case or a part of one unless the full suite runs.
func slow(t *testing.T) {
	t.Helper()
	if !full() {
		t.Skip("long fault case: runs with `make faults` (FAULTS=all)")
	}
}

// The binaries under test, built once per run from the working tree.
var bins struct {
	once     sync.Once
	err      error
	dir      string
	daemon   string
	csv      string
	influxdb string
}

func binaries(t *testing.T) {
	t.Helper()
	bins.once.Do(func() {
		bins.dir, bins.err = os.MkdirTemp("", "polarbridge-faults-")
		if bins.err != nil {
			return
		}
		// One go build for the three: packages are compiled in parallel.
		// Each binary is named after its package directory.
		cmd := exec.Command("go", "build", "-o", bins.dir+"/", "./cmd/polarbridge", "./plugins/csv", "./plugins/influxdb")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			bins.err = fmt.Errorf("build the daemon and plugins: %w\n%s", err, out)
			return
		}
		bins.daemon = filepath.Join(bins.dir, "polarbridge")
		bins.csv = filepath.Join(bins.dir, "csv")
		bins.influxdb = filepath.Join(bins.dir, "influxdb")
	})
	require.NoError(t, bins.err)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bins.dir != "" {
		os.RemoveAll(bins.dir)
	}
	os.Exit(code)
}

// waitFor polls cond every 50 ms until it holds (true) or d has passed
// (false).
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr is a loopback address to listen on later (see testport).
func freeAddr(t *testing.T) string {
	t.Helper()
	return testport.Addr(t)
}

// simClock is the simulator's clock: a fixed instant in the past that
// moves with real time, plus the jumps a test makes (so that exercises
// do not start in the same second and nights fall on different dates).
type simClock struct {
	mu     sync.Mutex
	base   time.Time
	t0     time.Time
	offset time.Duration
}

// simEpoch is where the simulator's clock starts: any instant after 2000
// (the earliest a record may be) and before the real now will do.
var simEpoch = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

func newSimClock() *simClock { return &simClock{base: simEpoch, t0: time.Now()} }

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.t0) + c.offset)
}

func (c *simClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// daemonProc is a `polarbridge run` process, started again as often as a
// case needs on the same config and data.
type daemonProc struct {
	t       *testing.T
	dir     string
	config  string
	dataDir string
	natsURL string // "" for the embedded server
	metrics string // the health and metrics listener
	webhook string // the webhook receiver
	logPath string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	starts  int
	plugins map[int]string // every plugin process seen: pid -> binary name
}

// spawn starts the process without waiting for it to be ready.
func (d *daemonProc) spawn() {
	d.t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	require.Nil(d.t, d.cmd, "daemon already running")
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(d.t, err)
	d.starts++
	fmt.Fprintf(logf, "===== faults: start %d at %s\n", d.starts, time.Now().Format(time.StampMilli))
	cmd := exec.Command(bins.daemon, "run", "--config", d.config)
	cmd.Dir = d.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(d.t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(logf, "===== faults: process exited: %v\n", err)
		logf.Close()
		close(exited)
	}()
	d.cmd, d.exited = cmd, exited
}

// start starts the process and waits until it is ready.
func (d *daemonProc) start() {
	d.t.Helper()
	d.spawn()
	d.waitReady(90 * time.Second)
}

// waitReady waits until the daemon is ready, failing the test if it
// is not.
func (d *daemonProc) waitReady(timeout time.Duration) {
	d.t.Helper()
	if err := d.ready(timeout); err != nil {
		d.t.Fatalf("%v; log:\n%s", err, d.logTail(60))
	}
}

// ready waits until /readyz answers 200 and the webhook receiver takes
// connections; it fails if the process exits first.
func (d *daemonProc) ready(timeout time.Duration) error {
	var status int
	var body string
	ok := waitFor(timeout, func() bool {
		if !d.running() {
			return true
		}
		status, body = d.readyz()
		return status == http.StatusOK && listening(d.webhook)
	})
	if !d.running() {
		d.mu.Lock()
		d.cmd = nil
		d.mu.Unlock()
		return fmt.Errorf("the daemon exited while starting: %s", d.lastWords())
	}
	if !ok {
		return fmt.Errorf("the daemon is not ready after %s (/readyz %d %s)", timeout, status, body)
	}
	d.notePlugins()
	return nil
}

// lastWords is the last line the daemon wrote before it exited.
func (d *daemonProc) lastWords() string {
	lines := strings.Split(strings.TrimRight(d.log(), "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if !strings.HasPrefix(lines[i], "===== faults:") {
			return lines[i]
		}
	}
	return ""
}

func (d *daemonProc) running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return false
	}
	select {
	case <-d.exited:
		return false
	default:
		return true
	}
}

func (d *daemonProc) pid() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return 0
	}
	return d.cmd.Process.Pid
}

// kill9 kills the daemon with SIGKILL: no daemon code runs.
func (d *daemonProc) kill9() {
	d.t.Helper()
	d.notePlugins()
	d.signalAndWait(syscall.SIGKILL, 10*time.Second)
}

// stop asks the daemon to stop (SIGTERM), as a service manager would.
func (d *daemonProc) stop() {
	d.t.Helper()
	if !d.signalAndWait(syscall.SIGTERM, 30*time.Second) {
		d.t.Errorf("the daemon did not stop within 30 s of SIGTERM; killed")
		d.signalAndWait(syscall.SIGKILL, 10*time.Second)
	}
}

func (d *daemonProc) signalAndWait(sig syscall.Signal, timeout time.Duration) bool {
	d.mu.Lock()
	cmd, exited := d.cmd, d.exited
	d.mu.Unlock()
	if cmd == nil {
		return true
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(timeout):
		return false
	}
	d.mu.Lock()
	d.cmd = nil
	d.mu.Unlock()
	return true
}

// cleanup stops the daemon and ends any of its plugin processes still
// alive (an orphan would hold the CSV directory's lock).
func (d *daemonProc) cleanup() {
	d.stop()
	d.mu.Lock()
	seen := d.plugins
	d.mu.Unlock()
	for pid, name := range seen {
		if exeName(pid) == name {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func (d *daemonProc) readyz() (int, string) {
	resp, err := http.Get("http://" + d.metrics + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// metric sums the samples of a Prometheus metric whose labels contain
// label (e.g. `exporter="csv"`; "" for all).
func (d *daemonProc) metric(name, label string) float64 {
	resp, err := http.Get("http://" + d.metrics + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		if label != "" && !strings.Contains(line, label) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

func (d *daemonProc) log() string {
	b, _ := os.ReadFile(d.logPath)
	return string(b)
}

func (d *daemonProc) logTail(n int) string {
	lines := strings.Split(strings.TrimRight(d.log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// pluginPIDs are the daemon's live plugin processes by binary name.
func (d *daemonProc) pluginPIDs() map[string]int {
	out := map[string]int{}
	parent := d.pid()
	if parent == 0 {
		return out
	}
	for _, pid := range children(parent) {
		if name := exeName(pid); name != "" {
			out[name] = pid
		}
	}
	return out
}

// notePlugins remembers the plugin processes, to check on them after the
// daemon is gone.
func (d *daemonProc) notePlugins() {
	live := d.pluginPIDs()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.plugins == nil {
		d.plugins = map[int]string{}
	}
	for name, pid := range live {
		d.plugins[pid] = name
	}
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid(child) == pid {
			out = append(out, child)
		}
	}
	return out
}

func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// exeName is the base name of a live process's binary ("" if none, or
// if it is a zombie).
func exeName(pid int) string {
	p, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return ""
	}
	return filepath.Base(strings.TrimSuffix(p, " (deleted)"))
}

// listening reports whether addr takes TCP connections.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// alive reports whether pid still runs the binary name.
func alive(pid int, name string) bool { return exeName(pid) == name }

// natsServer is a JetStream nats-server in the test process, for daemons
// configured with nats.url; it can be stopped and started again on the
// same port and store.
type natsServer struct {
	t    *testing.T
	addr string
	dir  string
	mu   sync.Mutex
	ns   *server.Server
}

func newNATS(t *testing.T) *natsServer {
	n := &natsServer{t: t, addr: freeAddr(t), dir: filepath.Join(t.TempDir(), "nats")}
	t.Cleanup(n.stop)
	return n
}

func (n *natsServer) url() string { return "nats://" + n.addr }

func (n *natsServer) start() {
	n.t.Helper()
	host, port, err := net.SplitHostPort(n.addr)
	require.NoError(n.t, err)
	p, err := strconv.Atoi(port)
	require.NoError(n.t, err)
	ns, err := server.NewServer(&server.Options{Host: host, Port: p, JetStream: true, StoreDir: n.dir, NoSigs: true, NoLog: true})
	require.NoError(n.t, err)
	go ns.Start()
	require.True(n.t, ns.ReadyForConnections(30*time.Second), "nats-server did not start on %s", n.addr)
	n.mu.Lock()
	n.ns = ns
	n.mu.Unlock()
}

func (n *natsServer) stop() {
	n.mu.Lock()
	ns := n.ns
	n.ns = nil
	n.mu.Unlock()
	if ns != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
	}
}

// logLevel is the daemons' log level: FAULTS_LOG_LEVEL, default info.
func logLevel() string {
	if l := os.Getenv("FAULTS_LOG_LEVEL"); l != "" {
		return l
	}
	return "info"
}

// caseOpts shape a case's setup.
type caseOpts struct {
	users int
	// nats, if set, is the external NATS server (nats.url); else the
	// daemon runs its embedded one.
	nats *natsServer
	// influx, if set, adds the InfluxDB exporter writing to it (through
	// influxURL if set, a proxy).
	influx    *testinflux.Server
	influxURL string
	// samples makes the CSV exporter write every exercise's samples too
	// (heavier exports, so a kill lands in one).
	samples bool
	// csvDisk and dataDisk, if set, give the CSV directory or data_dir a
	// small filesystem of their own (to fill).
	csvDisk, dataDisk int64
	// noStart leaves starting the daemon and onboarding to the case.
	noStart bool
}

// env is one case's world: the simulator behind the fault injector, the
// daemon process and its destinations.
type env struct {
	t         *testing.T
	dir       string
	clock     *simClock
	sim       *accesslinksim.Simulator
	inject    *injector
	srv       *httptest.Server
	redirect  string
	d         *daemonProc
	users     []int64
	csvDir    string
	influx    *testinflux.Server
	influxURL string // what the exporter writes to
	influxDB  string
	push      *pusher
	// excluded are items the simulator holds that the case never
	// announces legitimately (a forged push's exercise): not expected.
	excluded map[string]bool
	result   *caseResult
}

func newEnv(t *testing.T, o caseOpts) *env {
	t.Helper()
	binaries(t)
	if o.users == 0 {
		o.users = 1
	}
	dir := t.TempDir()
	e := &env{t: t, dir: dir, clock: newSimClock(), excluded: map[string]bool{}}
	e.result = record(t)
	e.redirect = "http://" + freeAddr(t) + "/oauth2/callback"
	sim, err := accesslinksim.New(
		accesslinksim.WithUsers(o.users), accesslinksim.WithHistoryDays(0),
		accesslinksim.WithRedirectURIs(e.redirect), accesslinksim.WithNoFITProbability(0),
		accesslinksim.WithClock(e.clock.Now),
		// The faults are the injector's: no rate limit of the simulator's
		// own gets in the way.
		accesslinksim.WithRateLimits(1_000_000, 10_000_000),
	)
	require.NoError(t, err)
	e.sim = sim
	e.inject = newInjector(sim)
	e.srv = httptest.NewServer(e.inject)
	t.Cleanup(e.srv.Close)
	// Hung requests end with the test; the server's Close waits for them.
	t.Cleanup(e.inject.releaseAll)
	e.push = &pusher{sim: sim, refusedBy: map[int]int{}}

	e.csvDir = filepath.Join(dir, "csv")
	if o.csvDisk > 0 {
		testdisk.MountAt(t, e.csvDir, o.csvDisk)
	}
	e.d = &daemonProc{
		t: t, dir: dir, config: filepath.Join(dir, "config.yaml"), dataDir: filepath.Join(dir, "data"),
		metrics: freeAddr(t), webhook: freeAddr(t), logPath: filepath.Join(dir, "daemon.log"),
	}
	if o.nats != nil {
		e.d.natsURL = o.nats.url()
	}
	if o.dataDisk > 0 {
		testdisk.MountAt(t, e.d.dataDir, o.dataDisk)
	}
	if o.influx != nil {
		e.influx, e.influxURL = o.influx, o.influx.URL
		if o.influxURL != "" {
			e.influxURL = o.influxURL
		}
		e.influxDB = "faults_" + strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())
		o.influx.CreateDatabase(e.influxDB)
	}
	require.NoError(t, os.WriteFile(e.d.config, []byte(e.configYAML(o)), 0o600))
	t.Cleanup(func() {
		e.d.cleanup()
		if t.Failed() {
			t.Logf("daemon log (tail):\n%s", e.d.logTail(80))
		}
		// FAULTS_LOGS=dir keeps every case's daemon log.
		if dir := os.Getenv("FAULTS_LOGS"); dir != "" {
			name := strings.NewReplacer("/", "_").Replace(t.Name()) + ".log"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(e.d.log()), 0o644); err != nil {
				t.Errorf("keep the daemon log: %v", err)
			}
		}
	})
	if !o.noStart {
		e.d.start()
		e.onboard(o.users)
	}
	return e
}

func (e *env) configYAML(o caseOpts) string {
	var b strings.Builder
	fmt.Fprintf(&b, `data_dir: %[1]s
shutdown_timeout: 5s
log:
  level: %[2]s
metrics:
  listen: %[3]s
nats:
  url: %[4]q
delivery:
  batch_size: 20
  backoff_initial: 500ms
  backoff_max: 4s
  # with the backoff above, about 30 s of retries
  max_attempts: 10
  ack_wait: 5s
  export_timeout: 60s
accesslink:
  client_id: %[5]s
  client_secret: %[6]s
  redirect_url: %[7]s
  auth_url: %[8]s/oauth2/authorization
  token_url: %[8]s/oauth2/token
  api_url: %[8]s
webhook:
  listen: %[9]s
poll:
  interval: 0s
  interval_with_webhook: 0s
plugins:
  csv:
    path: %[10]s
    config:
      dir: %[11]s
      samples: %[12]t
`, e.d.dataDir, logLevel(), e.d.metrics, e.d.natsURL, e.sim.ClientID(), e.sim.ClientSecret(), e.redirect,
		e.srv.URL, e.d.webhook, bins.csv, e.csvDir, o.samples)
	if e.influx != nil {
		fmt.Fprintf(&b, `  influxdb:
    path: %s
    config:
      url: %s
      database: %s
`, bins.influxdb, e.influxURL, e.influxDB)
	}
	return b.String()
}

// cli runs a polarbridge command against the case's config.
func (e *env) cli(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins.daemon, append(args, "--config", e.d.config)...)
	cmd.Dir = e.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		if e.d.starts > 0 && !e.d.running() {
			err = fmt.Errorf("%w (and the daemon is not running: it exited by itself)", err)
		}
		return string(out), fmt.Errorf("polarbridge %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// onboard adds the simulator's users with `polarbridge users add --code`
// (the headless flow) and creates the webhook with `polarbridge webhook
// create`, as an operator would against the running daemon.
func (e *env) onboard(n int) {
	e.t.Helper()
	for range n {
		out, err := e.cli("users", "add", "--code", e.authCode())
		require.NoError(e.t, err)
		// The CLI logs at the configured level too: find its answer.
		var id int64
		i := strings.Index(out, "Added Polar user ")
		require.GreaterOrEqual(e.t, i, 0, "users add said: %s", out)
		_, err = fmt.Sscanf(out[i:], "Added Polar user %d", &id)
		require.NoError(e.t, err, "users add said: %s", out)
		e.users = append(e.users, id)
	}
	_, err := e.cli("webhook", "create", "--url", "http://"+e.d.webhook+"/polar/webhook")
	require.NoError(e.t, err)
}

// authCode gets an authorization code the way a user on another machine
// would: from the redirect's address.
func (e *env) authCode() string {
	e.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"response_type": {"code"}, "client_id": {e.sim.ClientID()}, "redirect_uri": {e.redirect}, "state": {"faults"}}
	resp, err := c.Get(e.srv.URL + "/oauth2/authorization?" + q.Encode())
	require.NoError(e.t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(e.t, err)
	code := loc.Query().Get("code")
	require.NotEmpty(e.t, code, "no code in %s", loc)
	return code
}

var sports = []string{"RUNNING", "ROAD_BIKING", "TRAIL_RUNNING", "WALKING", "HIKING", "MOUNTAIN_BIKING", "INDOOR_ROWING"}

// addExercise creates an exercise in the simulator and pushes it like
// Polar (retried by the pusher until the bridge takes it).
func (e *env) addExercise(user int64) accesslinksim.Exercise {
	e.t.Helper()
	ex := e.newExercise(user)
	e.push.push(accesslinksim.Event{Type: accesslinksim.EventExercise, UserID: user, EntityID: ex.ID})
	return ex
}

// newExercise creates an exercise without announcing it.
func (e *env) newExercise(user int64) accesslinksim.Exercise {
	e.t.Helper()
	// Ten minutes apart, no two exercises of a user share a start second
	// (the InfluxDB exporter keys an exercise's point by user and start).
	e.clock.advance(10 * time.Minute)
	n := len(e.sim.Exercises(user))
	spec := accesslinksim.ExerciseSpec{DetailedSport: sports[n%len(sports)], Duration: time.Duration(15+n%20) * time.Minute}
	ex, err := e.sim.AddExercise(user, spec, accesslinksim.Drop())
	require.NoError(e.t, err)
	return ex
}

// addNight creates the user's night of a new date and pushes SLEEP.
func (e *env) addNight(user int64) accesslinksim.Night {
	e.t.Helper()
	e.clock.advance(24 * time.Hour)
	n, err := e.sim.AddSleep(user, accesslinksim.Drop())
	require.NoError(e.t, err)
	e.push.push(accesslinksim.Event{Type: accesslinksim.EventSleep, UserID: user, Date: n.Date})
	return n
}

// pusher delivers webhook pushes the way the bridge expects Polar to: a
// push not answered 200 is tried again later.
type pusher struct {
	sim       *accesslinksim.Simulator
	mu        sync.Mutex
	pending   []accesslinksim.Event
	accepted  int
	refused   int
	refusedBy map[int]int // status (0: no answer) -> pushes refused
	lastErr   error
}

// push delivers ev once; if the bridge does not take it, it is kept for
// flush.
func (p *pusher) push(ev accesslinksim.Event) bool {
	ok := p.try(ev)
	if !ok {
		p.mu.Lock()
		p.pending = append(p.pending, ev)
		p.mu.Unlock()
	}
	return ok
}

func (p *pusher) try(ev accesslinksim.Event) bool {
	ds := p.sim.PushWebhook(ev)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(ds) > 0 && ds[len(ds)-1].Err == nil {
		p.accepted++
		return true
	}
	p.refused++
	status := 0
	if len(ds) > 0 {
		status = ds[len(ds)-1].StatusCode
		p.lastErr = ds[len(ds)-1].Err
	}
	p.refusedBy[status]++
	return false
}

// flush retries the refused pushes until the bridge took them all.
func (p *pusher) flush(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		p.mu.Lock()
		todo := p.pending
		p.pending = nil
		p.mu.Unlock()
		var again []accesslinksim.Event
		for _, ev := range todo {
			if !p.try(ev) {
				again = append(again, ev)
			}
		}
		if len(again) == 0 {
			return nil
		}
		p.mu.Lock()
		p.pending = append(again, p.pending...)
		p.mu.Unlock()
		if time.Now().After(deadline) {
			return fmt.Errorf("%d pushes still refused after %s", len(again), timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (p *pusher) summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refused == 0 {
		return fmt.Sprintf("pushes: %d taken", p.accepted)
	}
	var by []string
	for status, n := range p.refusedBy {
		what := strconv.Itoa(status)
		if status == 0 {
			what = "no answer"
		}
		by = append(by, fmt.Sprintf("%d %s", n, what))
	}
	sort.Strings(by)
	return fmt.Sprintf("pushes: %d taken, %d refused (%s; last: %v) and retried", p.accepted, p.refused, strings.Join(by, ", "), p.lastErr)
}

// errNotRunning: the daemon's store cannot be reached now.
var errNotRunning = errors.New("no running daemon")
