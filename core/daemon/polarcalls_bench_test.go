package daemon_test

import (
	"path/filepath"
	"testing"
)

// BenchmarkExercisePolarCalls reports the Polar calls one exercise costs
// (counted by the simulator, from its event to its export) next to the
// documented minimum, for an exporter without and with include_files
// and for what Polar holds: a FIT file; none but a TCX; neither, with or
// without a route (has_route). TestExercisePolarCalls asserts the same
// counts; this prints them with `make bench`.
func BenchmarkExercisePolarCalls(b *testing.B) {
	b.Setenv("TESTEXPORTER_INCLUDE_FILES", "1")
	for _, exp := range []struct {
		name, exporter string
		files          bool
	}{{"csv", "csv", false}, {"include_files", "files", true}} {
		b.Run(exp.name, func(b *testing.B) {
			plugins := ""
			if exp.files {
				plugins = filesPlugins(b, filepath.Join(b.TempDir(), "out.jsonl"), "")
			}
			ps := startPolar(b, polarOpts{plugins: plugins})
			for _, c := range []exerciseCase{exerciseCases[0], exerciseCases[2], exerciseCases[4], exerciseCases[5]} {
				b.Run(c.name, func(b *testing.B) {
					calls := 0
					for range b.N {
						_, got := addExercise(b, ps, c, exp.exporter)
						for _, n := range got {
							calls += n
						}
					}
					target := 0
					for _, n := range c.wantCalls(exp.files) {
						target += n
					}
					b.ReportMetric(float64(calls)/float64(b.N), "polar-calls/exercise")
					b.ReportMetric(float64(target), "target-calls/exercise")
				})
			}
		})
	}
}
