package records_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/internal/testbus"
	"github.com/polarbridge/polarbridge/internal/testrecords"
)

// BenchmarkPublish measures Publish of new versions (hash, encode, the
// stream and, for the 10 h exercise, the object store) on a real bus.
func BenchmarkPublish(b *testing.B) {
	start := time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{time.Hour, 10 * time.Hour} {
		b.Run(fmt.Sprintf("exercise-%.0fh", d.Hours()), func(b *testing.B) {
			pub := records.NewPublisher(testbus.Open(b))
			rec := testrecords.Exercise("475", "bench", start, d)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				rec.GetExercise().Calories = int32(i) // a new version each time
				if ok, err := pub.Publish(context.Background(), rec); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

// BenchmarkVersion is the hash alone.
func BenchmarkVersion(b *testing.B) {
	rec := testrecords.Exercise("475", "bench", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := records.Version(rec); err != nil {
			b.Fatal(err)
		}
	}
}
