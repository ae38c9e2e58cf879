// Package testmem reads processes' resident memory for benchmarks: the
// peak since a reset and the current size, from /proc (Linux; elsewhere
// every figure is 0).
package testmem

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// ResetPeak returns what garbage this process holds to the OS, then
// starts its peak (VmHWM) afresh from its current size, which it returns
// in bytes: a measured phase's growth is Peak(0) minus that.
func ResetPeak() int64 {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return Current(0)
}

// Peak is process pid's peak resident size in bytes (0: this process).
func Peak(pid int) int64 { return status(pid, "VmHWM:") }

// Current is process pid's resident size in bytes (0: this process).
func Current(pid int) int64 { return status(pid, "VmRSS:") }

// MB is bytes in MiB, for b.ReportMetric.
func MB(bytes int64) float64 { return float64(bytes) / (1 << 20) }

func status(pid int, field string) int64 {
	p := "self"
	if pid != 0 {
		p = strconv.Itoa(pid)
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%s/status", p))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
