// Package testlog is a log a test reads while the code under test writes
// it from other goroutines (a daemon, a helper process's stderr).
package testlog

import (
	"bytes"
	"log/slog"
	"os"
	"sync"
	"testing"
)

// Buffer keeps what is written to it; safe for concurrent use. Under
// `go test -v` it also copies it to stderr.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if testing.Verbose() {
		os.Stderr.Write(p)
	}
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger is a text logger at INFO writing into b.
func (b *Buffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
