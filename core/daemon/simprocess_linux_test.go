package daemon_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// simProcessEnv makes the test binary serve the AccessLink simulator
// instead of running tests: the benchmarks comparing the bridge with the
// straight line run it in a process of its own, so that neither side's
// CPU counts its serving, and so that the exercises it holds (hundreds
// of MiB for a backlog) do not inflate the daemon's RSS, directly or
// through the garbage collector's headroom, which grows with the live
// heap.
const simProcessEnv = "POLARBRIDGE_BENCH_SIM"

func init() {
	if os.Getenv(simProcessEnv) != "" {
		if err := serveSimProcess(); err != nil {
			fmt.Fprintln(os.Stderr, "simulator process:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// serveSimProcess serves a simulator like startPolar's (one user, no
// history, every exercise with a FIT file, its clock at defaultInstant,
// rate limits out of the way) plus two control endpoints, until stdin
// closes (the benchmark ended or died):
//
//	POST /bench/exercises?duration=10h  adds an exercise without pushing it
//	                                    and encodes its FIT file; answers its id
//	POST /bench/push?id=ID              pushes its EXERCISE webhook
func serveSimProcess() error {
	sim, err := accesslinksim.New(accesslinksim.WithUsers(1), accesslinksim.WithHistoryDays(0),
		accesslinksim.WithNoFITProbability(0), accesslinksim.WithRateLimits(1<<30, 1<<30),
		accesslinksim.WithClock(func() time.Time { return defaultInstant }))
	if err != nil {
		return err
	}
	user := sim.Users()[0].ID
	mux := http.NewServeMux()
	mux.Handle("/", sim)
	mux.HandleFunc("POST /bench/exercises", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("duration"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ex, err := sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: d}, accesslinksim.Drop())
		if err == nil {
			_, err = sim.ExerciseFIT(ex.ID)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, ex.ID)
	})
	mux.HandleFunc("POST /bench/push", func(w http.ResponseWriter, r *http.Request) {
		sim.PushWebhook(accesslinksim.Event{Type: accesslinksim.EventExercise, UserID: user, EntityID: r.URL.Query().Get("id")})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	return http.Serve(ln, mux)
}

// simProcess is the simulator's process, seen from the benchmark.
type simProcess struct {
	url string
	pid int
}

// startSimProcess starts the simulator process, stopped when t ends.
func startSimProcess(t testing.TB) *simProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), simProcessEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("simulator process: %v", err)
	}
	return &simProcess{url: strings.TrimSpace(line), pid: cmd.Process.Pid}
}

// proxy is a handler for startPolar's wrap: the bridge talks to this
// process's simulator.
func (p *simProcess) proxy(http.Handler) http.Handler {
	u, err := url.Parse(p.url)
	if err != nil {
		panic(err) // startSimProcess read it from our own child
	}
	return httputil.NewSingleHostReverseProxy(u)
}

func (p *simProcess) post(t testing.TB, path string) string {
	t.Helper()
	resp, err := http.Post(p.url+path, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("simulator process: POST %s: %s: %s", path, resp.Status, body)
	}
	return string(body)
}

// addExercise adds an exercise of duration d, its FIT file encoded, and
// returns its id.
func (p *simProcess) addExercise(t testing.TB, d time.Duration) string {
	return p.post(t, "/bench/exercises?duration="+d.String())
}

// push pushes the exercise's webhook and returns when the bridge has
// answered it.
func (p *simProcess) push(t testing.TB, id string) { p.post(t, "/bench/push?id="+url.QueryEscape(id)) }
