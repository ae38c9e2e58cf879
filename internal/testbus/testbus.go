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
	return OpenWith(t, nil)
}

// OpenWith is Open with options adjusted by adjust (nil: the defaults).
func OpenWith(t testing.TB, adjust func(*bus.Options)) *bus.Bus {
	t.Helper()
	opts := bus.Options{
		DataDir:         t.TempDir(),
		EventsSubject:   "polarbridge.events",
		DuplicateWindow: time.Minute,
		RecordsMaxAge:   time.Hour,
	}
	if adjust != nil {
		adjust(&opts)
	}
	b, err := bus.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open bus: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}
