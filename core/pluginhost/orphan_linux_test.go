package pluginhost

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testlog"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// The test binary doubles as a daemon for the tests below: with helperEnv
// set it starts a child (a plugin through Start, or sleep with the
// plugins' process attributes), prints the child's pid and runs until its
// stdin closes, or until the test kills it with SIGKILL.
const (
	helperEnv       = "POLARBRIDGE_PLUGINHOST_TEST_HELPER"
	helperPluginEnv = "POLARBRIDGE_PLUGINHOST_TEST_PLUGIN"
	helperDirEnv    = "POLARBRIDGE_PLUGINHOST_TEST_DIR"
)

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER of <linux/prctl.h>, which
// package syscall lacks.
const prSetChildSubreaper = 36

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		// Orphans of the helper daemons become the test's children, so
		// that it can wait for them and see how they ended.
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
			fmt.Fprintln(os.Stderr, "PR_SET_CHILD_SUBREAPER:", errno)
			os.Exit(1)
		}
		os.Exit(m.Run())
	case "plugin":
		os.Exit(helperRunPlugin())
	case "sleep":
		os.Exit(helperRunSleep())
	default:
		fmt.Fprintf(os.Stderr, "unknown %s %q\n", helperEnv, os.Getenv(helperEnv))
		os.Exit(2)
	}
}

// helperRunPlugin is a daemon running one CSV exporter.
func helperRunPlugin() int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	in, err := Start(context.Background(), csvSpec(os.Getenv(helperPluginEnv), os.Getenv(helperDirEnv)), pluginapi.NewMemoryKV(), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer in.Close()
	fmt.Printf("pid %d\n", in.PID())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// helperRunSleep starts a process that ignores its parent's death, with
// the attributes plugins get.
func helperRunSleep() int {
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = pluginProcAttr()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("pid %d\n", cmd.Process.Pid)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return 0
}

func csvSpec(bin, dir string) Spec {
	return Spec{Name: "csv", Path: bin, Config: map[string]any{"dir": dir}, HostVersion: "test"}
}

var csvBuild struct {
	once sync.Once
	bin  string
	err  error
}

// csvPlugin builds the real CSV exporter once per test run.
func csvPlugin(t *testing.T) string {
	t.Helper()
	csvBuild.once.Do(func() {
		var dir string
		if dir, csvBuild.err = os.MkdirTemp("", "pluginhost-test"); csvBuild.err == nil {
			csvBuild.bin, csvBuild.err = pluginapi.BuildPlugin("../../plugins/csv", dir)
		}
	})
	require.NoError(t, csvBuild.err)
	return csvBuild.bin
}

// startDaemon runs the test binary as a helper daemon in mode and returns
// it and its child's pid.
func startDaemon(t *testing.T, mode string, env ...string) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append(env, helperEnv+"="+mode)...)
	stderr := &testlog.Buffer{}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("helper daemon's stderr:\n%s", stderr)
		}
	})

	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		s.Scan()
		line <- s.Text()
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var got string
	select {
	case got = <-line:
	case <-time.After(30 * time.Second):
		t.Fatalf("the helper daemon did not start its child within 30s; stderr:\n%s", stderr)
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(got, "pid "))
	require.NoError(t, err, "helper printed %q; stderr:\n%s", got, stderr)
	require.NotZero(t, pid)
	// Whatever happens, the child does not outlive the test.
	t.Cleanup(func() {
		if alive, _ := procState(pid); alive {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	alive, ppid := procState(pid)
	require.True(t, alive, "child %d is not running", pid)
	require.Equal(t, cmd.Process.Pid, ppid, "child %d is not the helper daemon's", pid)
	return cmd, pid
}

// procState reports whether pid runs (a zombie has ended) and its
// parent's pid.
func procState(pid int) (alive bool, ppid int) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil { // gone (ENOENT, or ESRCH while it is being removed)
		return false, 0
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	ppid, _ = strconv.Atoi(fields[1])
	return fields[0] != "Z" && fields[0] != "X", ppid
}

// killDaemon kills the helper daemon with SIGKILL, so that none of its
// code runs, and waits for its child to end, failing after limit. It
// returns how the child ended and how long after the kill.
func killDaemon(t *testing.T, daemon *exec.Cmd, child int, limit time.Duration) (syscall.WaitStatus, time.Duration) {
	t.Helper()
	start := time.Now()
	require.NoError(t, daemon.Process.Kill())
	_ = daemon.Wait()
	// The kernel re-parented the child to the test (a subreaper) before
	// the daemon could be waited for.
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(child, &ws, syscall.WNOHANG, nil)
		require.NoError(t, err, "wait for the orphaned child %d", child)
		if got == child {
			return ws, time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("child %d still runs %s after its daemon was killed", child, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ended(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}

// TestPluginExitsWhenDaemonIsKilled is issue #12's defect 5: after kill -9
// of the daemon its CSV exporter lived on and kept the directory, next to
// the restarted daemon's new one.
func TestPluginExitsWhenDaemonIsKilled(t *testing.T) {
	bin, dir := csvPlugin(t), t.TempDir()
	daemon, pid := startDaemon(t, "plugin", helperPluginEnv+"="+bin, helperDirEnv+"="+dir)
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	require.NoError(t, err)
	require.Equal(t, bin, exe)

	// While it runs, a second daemon cannot start a CSV exporter on the
	// same directory.
	log := slog.New(slog.DiscardHandler)
	_, err = Start(context.Background(), csvSpec(bin, dir), pluginapi.NewMemoryKV(), log)
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), dir+" is in use by another polarbridge CSV exporter")
	assert.Contains(t, err.Error(), fmt.Sprintf("(process %d)", pid))

	ws, took := killDaemon(t, daemon, pid, 5*time.Second)
	t.Logf("the plugin ended (%s) %s after its daemon was killed", ended(ws), took.Round(time.Millisecond))
	// It shut down rather than die: the parent-death signal is SIGTERM,
	// which pluginapi.Serve handles.
	assert.True(t, ws.Exited() && ws.ExitStatus() == 0, "plugin ended by %s, want exit status 0", ended(ws))

	// The restarted daemon gets the directory.
	in, err := Start(context.Background(), csvSpec(bin, dir), pluginapi.NewMemoryKV(), log)
	require.NoError(t, err)
	in.Close()
}

// TestParentDeathSignal checks the host's half on its own: a child with
// the plugins' process attributes that does nothing to notice its
// parent's death still ends with it.
func TestParentDeathSignal(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("needs sleep")
	}
	daemon, pid := startDaemon(t, "sleep")
	ws, took := killDaemon(t, daemon, pid, 5*time.Second)
	t.Logf("the child ended (%s) %s after its parent was killed", ended(ws), took.Round(time.Millisecond))
	assert.True(t, ws.Signaled() && ws.Signal() == syscall.SIGTERM, "child ended by %s, want SIGTERM", ended(ws))
}
