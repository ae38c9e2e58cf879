// Package testbus opens a real embedded JetStream for tests.
package testbus

import (
	"context"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/core/bus"
)

// Open starts an embedded NATS server in a temporary directory and closes
// it when the test ends.
func Open(t testing.TB) *bus.Bus {
	t.Helper()
	b, err := bus.Open(context.Background(), bus.Options{
		DataDir:         t.TempDir(),
		EventsSubject:   "polarbridge.events",
		DuplicateWindow: time.Minute,
		RecordsMaxAge:   time.Hour,
	})
	if err != nil {
		t.Fatalf("open bus: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}
