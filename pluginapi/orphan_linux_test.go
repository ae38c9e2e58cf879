package pluginapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// With hostEnv set, the test binary is a host that launches the plugin
// binary named by hostPluginEnv with pluginapi.Launch and nothing else
// (in particular no parent-death signal, which core/pluginhost adds),
// prints its pid and runs until its stdin closes or it is killed.
const (
	hostEnv       = "POLARBRIDGE_PLUGINAPI_TEST_HOST"
	hostPluginEnv = "POLARBRIDGE_PLUGINAPI_TEST_PLUGIN"
)

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER of <linux/prctl.h>, which
// package syscall lacks.
const prSetChildSubreaper = 36

func TestMain(m *testing.M) {
	if os.Getenv(hostEnv) != "" {
		os.Exit(runHost())
	}
	// Orphans of the test hosts become the test's children, so that it can
	// wait for them and see how they ended.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "PR_SET_CHILD_SUBREAPER:", errno)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func runHost() int {
	c, err := pluginapi.Launch(os.Getenv(hostPluginEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Kill()
	if _, err := c.Describe(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("pid %d\n", c.PID())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// TestServedPluginExitsWhenHostIsKilled: a plugin notices by itself that
// its host is gone (re-parented, connection closed) and exits, within a
// poll interval, also when the host set no parent-death signal.
func TestServedPluginExitsWhenHostIsKilled(t *testing.T) {
	bin := testBinary(t)
	host := exec.Command(os.Args[0])
	host.Env = append(os.Environ(), hostEnv+"=1", hostPluginEnv+"="+bin)
	stderr := &syncBuffer{}
	host.Stderr = stderr
	stdin, err := host.StdinPipe()
	require.NoError(t, err)
	stdout, err := host.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, host.Start())
	t.Cleanup(func() {
		stdin.Close()
		_ = host.Process.Kill()
		_ = host.Wait()
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
		t.Fatalf("the host did not start the plugin within 30s; stderr:\n%s", stderr)
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(got, "pid "))
	require.NoError(t, err, "host printed %q; stderr:\n%s", got, stderr)
	require.NotZero(t, pid)
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	require.NoError(t, err)
	require.Equal(t, bin, exe)
	t.Cleanup(func() {
		// Only if the test failed is it still there: never leave it.
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(pid, &ws, 0, nil)
		}
	})

	start := time.Now()
	require.NoError(t, host.Process.Kill()) // SIGKILL: no host code runs
	_ = host.Wait()
	const limit = 5 * time.Second
	for {
		// The kernel re-parented the plugin to the test (a subreaper)
		// before the host could be waited for.
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		require.NoError(t, err, "wait for the orphaned plugin %d", pid)
		if got == pid {
			t.Logf("the plugin ended (exited %v, status %d) %s after its host was killed",
				ws.Exited(), ws.ExitStatus(), time.Since(start).Round(time.Millisecond))
			assert.True(t, ws.Exited() && ws.ExitStatus() == 0, "the plugin should shut down, not die: %v", ws)
			return
		}
		if time.Since(start) > limit {
			t.Fatalf("the plugin %d still runs %s after its host was killed", pid, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
