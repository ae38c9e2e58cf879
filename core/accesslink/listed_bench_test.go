package accesslink

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// BenchmarkNormalizeListed normalizes a simulated wrist ECG test (30 s at
// 130 Hz: 3,900 samples) and an alertness period (about 16 hours).
func BenchmarkNormalizeListed(b *testing.B) {
	now := time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC)
	s, err := accesslinksim.New(accesslinksim.WithUsers(1), accesslinksim.WithHistoryDays(28), accesslinksim.WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	id := s.Users()[0].ID
	tests := s.BiosensingData(id).ECGTests
	as, _ := s.SleepWise(id)
	if len(tests) == 0 || len(as) == 0 {
		b.Fatal("the simulator made no ECG test or alertness period")
	}
	ecg, _ := json.Marshal(tests[0])
	alert, _ := json.Marshal(as[0])
	for _, c := range []struct {
		name string
		kind pluginapi.RecordKind
		raw  []byte
	}{{"ecg", pluginapi.RecordKind_RECORD_KIND_ECG_TEST, ecg}, {"alertness", pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, alert}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := NormalizeListed(c.kind, "475", c.raw, time.UTC, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
