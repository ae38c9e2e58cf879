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

// benchNormalizeFIT measures the daemon's path and, in the same run, the
// tormoder/fit decoder it replaced (#17) on the same file, so the two can
// be compared on one machine state.
func benchNormalizeFIT(b *testing.B, seconds int) {
	data := buildFIT(b, fitSpec{start: fitStart, seconds: seconds, laps: 12, sport: fit.SportRunning, noGPSAt: -1})
	in := ExerciseInput{Exercise: []byte(fitExerciseJSON), FIT: data}
	b.Run("decoder=streaming", func(b *testing.B) {
		benchRSS(b, seconds, len(data), func() error {
			_, _, err := NormalizeExercise("7", in, nil, testNow)
			return err
		})
	})
	b.Run("decoder=tormoder", func(b *testing.B) {
		// NormalizeExercise's steps with the old decoder in DecodeFIT's place.
		benchRSS(b, seconds, len(data), func() error {
			ex, err := DecodeExercise(in.Exercise)
			if err != nil {
				return err
			}
			act, err := decodeFITTormoder(in.FIT)
			if err != nil {
				return err
			}
			_, _, err = ExerciseRecord("7", ex, nil, nil, act, nil, testNow)
			return err
		})
	})
}

func benchRSS(b *testing.B, seconds, size int, normalize func() error) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	idle := testmem.ResetPeak()
	for b.Loop() {
		if err := normalize(); err != nil {
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
