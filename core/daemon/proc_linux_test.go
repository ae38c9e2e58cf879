package daemon_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The benchmarks read a plugin process's CPU and memory from /proc: the
// plugin host does not expose its pid, and this needs no change to it.

// childPID returns the pid of this process's child running the binary
// at path, waiting for it to start.
func childPID(t testing.TB, path string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pids := childrenRunning(path)
		if len(pids) == 1 {
			return pids[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d children run %s, want 1", len(pids), path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func childrenRunning(path string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || exe != path {
			continue
		}
		if f, err := procStat(pid); err == nil && f[1] == strconv.Itoa(os.Getpid()) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat returns the fields of /proc/<pid>/stat after the command
// name: f[0] is the state, f[1] the parent pid.
func procStat(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	// The name, in parentheses, may hold spaces and parentheses.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return nil, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	return f, nil
}

// userHZ is the unit of /proc's CPU times on Linux.
const userHZ = 100

// procCPU is the user and system CPU time process pid has used.
func procCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	f, err := procStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	var ticks int64
	for _, s := range f[11:13] { // utime, stime
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ
}

// procMemory returns the resident set size of process pid (0: this one)
// and its high-water mark, in KiB.
func procMemory(t testing.TB, pid int) (rss, hwm int64) {
	t.Helper()
	f, err := os.Open(procPath(pid, "status"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), ":")
		var dst *int64
		switch name {
		case "VmRSS":
			dst = &rss
		case "VmHWM":
			dst = &hwm
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("%s: %s: %v", procPath(pid, "status"), name, err)
		}
		*dst = kb
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rss == 0 || hwm == 0 {
		t.Fatalf("%s: no VmRSS or VmHWM", procPath(pid, "status"))
	}
	return rss, hwm
}

// resetPeakRSS sets process pid's (0: this one) high-water mark to its
// current RSS (Linux: "5" to clear_refs), so the next peak is the
// measured phase's own. It skips the benchmark if the kernel does not
// allow it or ignores it.
func resetPeakRSS(t testing.TB, pid int) {
	t.Helper()
	if err := os.WriteFile(procPath(pid, "clear_refs"), []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
	// Right after the reset the mark is the RSS; allow for what the
	// process allocated meanwhile.
	if rss, hwm := procMemory(t, pid); hwm > rss+16<<10 {
		t.Skipf("%s ignored: VmHWM %d KiB, VmRSS %d KiB", procPath(pid, "clear_refs"), hwm, rss)
	}
}

func procPath(pid int, name string) string {
	if pid == 0 {
		return "/proc/self/" + name
	}
	return fmt.Sprintf("/proc/%d/%s", pid, name)
}
