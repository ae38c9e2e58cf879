package accesslink

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/internal/testmem"
)

func BenchmarkNormalizeExerciseFIT1h(b *testing.B) { benchNormalizeFIT(b, 3600) }

// The 10 h exercise is the worst case: 36,000 records.
func BenchmarkNormalizeExerciseFIT10h(b *testing.B) { benchNormalizeFIT(b, 36000) }

func benchNormalizeFIT(b *testing.B, seconds int) {
	data := buildFIT(b, fitSpec{start: fitStart, seconds: seconds, laps: 12, sport: fit.SportRunning, noGPSAt: -1})
	in := ExerciseInput{Exercise: []byte(fitExerciseJSON), FIT: data}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	idle := testmem.ResetPeak()
	for b.Loop() {
		if _, _, err := NormalizeExercise("7", in, nil, testNow); err != nil {
			b.Fatal(err)
		}
	}
	// #17's measure: resident growth over the decoded samples (9 series
	// of float64), ≤ 5 the target.
	decoded := int64(seconds) * 9 * 8
	b.ReportMetric(float64(testmem.Peak(0)-idle)/float64(decoded), "rss-growth/decoded")
}

func BenchmarkParseSample1h(b *testing.B) {
	vals := make([]string, 3600)
	for i := range vals {
		vals[i] = strconv.Itoa(90 + i%80)
	}
	s := Sample{RecordingRate: 1, SampleType: SampleTypeHeartRate, Data: strings.Join(vals, ",")}
	b.SetBytes(int64(len(s.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseSample(s, testChecker()); err != nil {
			b.Fatal(err)
		}
	}
}
