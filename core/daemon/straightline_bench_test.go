//go:build linux

package daemon_test

import (
	"context"
	"net/http"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/straightline"
)

// benchMix is one round of exercises at 1 Hz, 18 h of samples in all.
var benchMix = []time.Duration{time.Hour, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}

// Issue #17's targets, printed in the metrics' names so that `make bench`
// shows each ratio next to its target.
// The -samedecoder ones are against the straight line decoding with the
// bridge's FIT library (muktihari/fit) instead of the issue's
// (tormoder/fit).
const (
	unitThroughputRatio     = "ratio-throughput(target>=0.8)"
	unitCPURatio            = "ratio-cpu(target>=0.6)"
	unitSameThroughputRatio = "ratio-throughput-samedecoder(target>=0.8)"
	unitSameCPURatio        = "ratio-cpu-samedecoder(target>=0.6)"
)

// BenchmarkBridgeVsStraightLine measures the bridge against the
// straight-line program (internal/straightline) on the same exercises
// from the same simulator, in the same run, with two baselines: the
// straight line decoding FIT with tormoder/fit (issue #17's program) and
// with muktihari/fit (the bridge's library, "samedecoder"). Each op is
// two rounds of benchMix, each exported once by each of the three, one
// after the other: tormoder, muktihari, bridge in the first round, the
// reverse in the second, so that each is on average as far from the
// start.
//
// straight line: GET exercise and FIT, decode, write the samples and RR
// files and the rows, one exercise after the other in this process.
// bridge: signed webhook pushes to the daemon (in this process), which
// fetches, decodes, stores and publishes each exercise, and the CSV
// plugin binary (samples on) writes it; from the first push until the
// last samples file is on disk.
//
// Throughput ratio: bridge exercises/s over straight-line exercises/s.
// CPU ratio: straight-line CPU over bridge CPU, the bridge's being this
// process's (the daemon) plus the plugin process's, each phase's CPU
// including a GC at its end. The simulator runs in a process of its
// own, counted on neither side.
func BenchmarkBridgeVsStraightLine(b *testing.B) {
	s := newSideBySide(b)
	var straight, same, bridge cost
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		first, second := s.add(b, benchMix...), s.add(b, benchMix...)
		b.StartTimer()
		straight.add(s.runStraight(b, s.straight, first))
		same.add(s.runStraight(b, s.same, first))
		bridge.add(s.runBridge(b, first))
		bridge.add(s.runBridge(b, second))
		same.add(s.runStraight(b, s.same, second))
		straight.add(s.runStraight(b, s.straight, second))
	}
	b.StopTimer()
	n := float64(b.N * 2 * len(benchMix))
	perExercise := func(d time.Duration) float64 { return float64(d.Milliseconds()) / n }
	b.ReportMetric(n/straight.wall.Seconds(), "straight-exercises/s")
	b.ReportMetric(n/same.wall.Seconds(), "straight-samedecoder-exercises/s")
	b.ReportMetric(n/bridge.wall.Seconds(), "bridge-exercises/s")
	b.ReportMetric(straight.wall.Seconds()/bridge.wall.Seconds(), unitThroughputRatio)
	b.ReportMetric(same.wall.Seconds()/bridge.wall.Seconds(), unitSameThroughputRatio)
	b.ReportMetric(perExercise(straight.cpu()), "straight-cpu-ms/exercise")
	b.ReportMetric(perExercise(same.cpu()), "straight-samedecoder-cpu-ms/exercise")
	b.ReportMetric(perExercise(bridge.self), "bridge-daemon-cpu-ms/exercise")
	b.ReportMetric(perExercise(bridge.plugin), "bridge-plugin-cpu-ms/exercise")
	b.ReportMetric(straight.cpu().Seconds()/bridge.cpu().Seconds(), unitCPURatio)
	b.ReportMetric(same.cpu().Seconds()/bridge.cpu().Seconds(), unitSameCPURatio)
}

// cost is what one side spent: wall time, this process's CPU and the
// plugin process's CPU.
type cost struct {
	wall, self, plugin time.Duration
}

func (c *cost) add(d cost) {
	c.wall += d.wall
	c.self += d.self
	c.plugin += d.plugin
}

func (c cost) cpu() time.Duration { return c.self + c.plugin }

// sideBySide is a daemon with the CSV plugin (samples on) and the
// straight-line program, once with each FIT decoder, all reading one
// simulator, in a process of its own (see simProcessEnv) with its rate
// limits out of the way. All reach it through the same proxy in this
// process.
type sideBySide struct {
	ps     *polarSetup
	sim    *simProcess
	bin    string // the CSV plugin's binary
	plugin int    // its pid, once pluginPID found it
	// straight decodes with tormoder/fit (the program), same with
	// muktihari/fit (the bridge's library).
	straight, same *straightline.Exporter
	// straightDir and sameDir are their output directories.
	straightDir, sameDir string
	// written is how many samples files the bridge has written.
	written int
}

func newSideBySide(b testing.TB) *sideBySide {
	b.Helper()
	sim := startSimProcess(b)
	bin := binary(b, "plugins/csv")
	ps := startPolar(b, polarOpts{
		plugins: "plugins:\n  csv:\n    path: " + bin + "\n    config: {dir: export, samples: true}\n",
		wrap:    sim.proxy,
	})
	user := strconv.FormatInt(ps.users[0], 10)
	u, err := ps.d.Accounts.User(context.Background(), user)
	if err != nil {
		b.Fatal(err)
	}
	tmp := b.TempDir()
	dir := filepath.Join(tmp, "straight")
	sl, err := straightline.New(ps.cfg.AccessLink.APIURL, u.AccessToken, user, dir, &http.Client{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sl.Close() })
	sameDir := filepath.Join(tmp, "straight-samedecoder")
	same, err := straightline.New(ps.cfg.AccessLink.APIURL, u.AccessToken, user, sameDir, &http.Client{})
	if err != nil {
		b.Fatal(err)
	}
	same.Decoder = straightline.Muktihari
	b.Cleanup(func() { same.Close() })
	return &sideBySide{ps: ps, sim: sim, bin: bin, straight: sl, same: same, straightDir: dir, sameDir: sameDir}
}

// pluginPID finds the plugin process when a benchmark first needs it
// (benchmarks run alone; a test could see other tests' plugins).
func (s *sideBySide) pluginPID(b *testing.B) int {
	if s.plugin == 0 {
		s.plugin = childPID(b, s.bin)
	}
	return s.plugin
}

// add creates exercises in the simulator without pushing them and
// encodes their FIT files: that is the simulator's cost, not the
// bridge's.
func (s *sideBySide) add(b testing.TB, durations ...time.Duration) []string {
	b.Helper()
	ids := make([]string, 0, len(durations))
	for _, d := range durations {
		ids = append(ids, s.sim.addExercise(b, d))
	}
	return ids
}

// runStraight exports ids with the straight-line program sl. Its CPU
// includes a GC at the end, so each side pays for its own garbage.
func (s *sideBySide) runStraight(b testing.TB, sl *straightline.Exporter, ids []string) cost {
	b.Helper()
	cpu0, t0 := selfCPU(b), time.Now()
	for _, id := range ids {
		if err := sl.Export(context.Background(), id); err != nil {
			b.Fatal(err)
		}
	}
	wall := time.Since(t0)
	runtime.GC()
	return cost{wall: wall, self: selfCPU(b) - cpu0}
}

// runBridge pushes a webhook per exercise and waits for the plugin to
// write their samples files (wall time), then for the deliveries to be
// settled (CPU, with a GC as in runStraight).
func (s *sideBySide) runBridge(b *testing.B, ids []string) cost {
	b.Helper()
	pid := s.pluginPID(b)
	cpu0, plugin0, t0 := selfCPU(b), procCPU(b, pid), time.Now()
	for _, id := range ids {
		s.sim.push(b, id)
	}
	s.written += len(ids)
	waitFile(b, filepath.Join(s.ps.dir, "export", "samples"), s.written)
	wall := time.Since(t0)
	s.ps.waitIdle("csv")
	runtime.GC()
	return cost{wall: wall, self: selfCPU(b) - cpu0, plugin: procCPU(b, pid) - plugin0}
}

// decodedMiB is the size of a 10 h exercise's decoded samples: 36,000
// samples of 9 series, 8 bytes each (issue #17's yardstick).
const decodedMiB = 36000 * 9 * 8 / float64(1<<20)

// BenchmarkBridgeMemory measures peak RSS growth above idle (after a GC
// that returns the free heap to the OS) for the daemon (this process)
// and the CSV plugin process, the simulator running in a process of its
// own. For reference, on the same exercises: fetch-growth-MiB is this
// process's growth when it only fetches them (through the proxy the
// daemon's calls go through too), straight-growth-MiB the straight-line
// program's.
//
// 10h: one 10 h exercise; growth as a multiple of its decoded samples
// (target ≤ 5×).
// backlog: backlogRounds rounds of benchMix pushed at once; absolute
// peaks (targets: daemon < 150 MiB, plugin < 100 MiB).
func BenchmarkBridgeMemory(b *testing.B) {
	b.Run("10h", func(b *testing.B) {
		s := newSideBySide(b)
		var m memPeaks
		for range b.N {
			b.StopTimer()
			ids := s.add(b, 10*time.Hour)
			b.StartTimer()
			m.max(s.measure(b, ids))
		}
		b.StopTimer()
		b.ReportMetric(m.daemonGrowth/decodedMiB, "daemon-growth-x-samples(target<=5)")
		b.ReportMetric(m.pluginGrowth/decodedMiB, "plugin-growth-x-samples(target<=5)")
		m.report(b)
	})
	b.Run("backlog", func(b *testing.B) {
		s := newSideBySide(b)
		var m memPeaks
		for range b.N {
			b.StopTimer()
			var mix []time.Duration
			for range backlogRounds {
				mix = append(mix, benchMix...)
			}
			ids := s.add(b, mix...)
			b.StartTimer()
			m.max(s.measure(b, ids))
		}
		b.StopTimer()
		b.ReportMetric(m.daemonPeak, "daemon-peak-MiB(target<150)")
		b.ReportMetric(m.pluginPeak, "plugin-peak-MiB(target<100)")
		m.report(b)
	})
}

// backlogRounds rounds of benchMix make the backlog.
const backlogRounds = 50

// memPeaks are MiB.
type memPeaks struct {
	daemonPeak, daemonGrowth, pluginPeak, pluginGrowth, fetchGrowth, straightGrowth float64
}

func (m *memPeaks) max(o memPeaks) {
	m.daemonPeak = max(m.daemonPeak, o.daemonPeak)
	m.daemonGrowth = max(m.daemonGrowth, o.daemonGrowth)
	m.pluginPeak = max(m.pluginPeak, o.pluginPeak)
	m.pluginGrowth = max(m.pluginGrowth, o.pluginGrowth)
	m.fetchGrowth = max(m.fetchGrowth, o.fetchGrowth)
	m.straightGrowth = max(m.straightGrowth, o.straightGrowth)
}

func (m memPeaks) report(b *testing.B) {
	b.ReportMetric(m.daemonGrowth, "daemon-growth-MiB")
	b.ReportMetric(m.pluginGrowth, "plugin-growth-MiB")
	b.ReportMetric(m.fetchGrowth, "fetch-growth-MiB")
	b.ReportMetric(m.straightGrowth, "straight-growth-MiB")
}

// measure fetches ids, then runs them through the straight line, then
// the bridge, each from a settled heap and a reset high-water mark, so
// each peak is its own.
func (s *sideBySide) measure(b *testing.B, ids []string) memPeaks {
	b.Helper()
	var m memPeaks
	idle := settleMemory(b, 0)
	for _, id := range ids {
		if _, _, err := s.straight.Fetch(context.Background(), id); err != nil {
			b.Fatal(err)
		}
	}
	m.fetchGrowth = mib(peakRSS(b, 0) - idle)

	idle = settleMemory(b, 0)
	s.runStraight(b, s.straight, ids)
	m.straightGrowth = mib(peakRSS(b, 0) - idle)

	idle = settleMemory(b, 0)
	pluginIdle := settleMemory(b, s.pluginPID(b))
	s.runBridge(b, ids)
	m.daemonPeak = mib(peakRSS(b, 0))
	m.daemonGrowth = m.daemonPeak - mib(idle)
	m.pluginPeak = mib(peakRSS(b, s.pluginPID(b)))
	m.pluginGrowth = m.pluginPeak - mib(pluginIdle)
	return m
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// settleMemory returns the process's (0: this one) RSS in KiB after
// resetting its high-water mark; for this process, after a GC that
// returns the free heap to the OS.
func settleMemory(b *testing.B, pid int) int64 {
	b.Helper()
	if pid == 0 {
		debug.FreeOSMemory()
	}
	resetPeakRSS(b, pid)
	rss, _ := procMemory(b, pid)
	return rss
}

func peakRSS(b *testing.B, pid int) int64 {
	b.Helper()
	_, hwm := procMemory(b, pid)
	return hwm
}

// selfCPU is the user and system CPU time this process has used.
func selfCPU(b testing.TB) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
