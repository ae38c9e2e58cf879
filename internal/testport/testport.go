// Package testport hands tests loopback addresses to listen on later (a
// redirect URL, a NATS server to start after the daemon). A port the
// kernel picked (":0") and released is back in the ephemeral range, where
// the next outgoing connection may take it before the test listens on it
// ("address already in use", seen under load). So ports come from below
// Linux's ephemeral range, are checked free, and are never handed out
// twice by one process.
package testport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
)

// The range ports are picked from: below the default ephemeral range
// (32768-60999) and above the well-known services.
const (
	low  = 20000
	high = 32000
)

var (
	mu     sync.Mutex
	handed = map[int]bool{}
)

// Pick returns "127.0.0.1:PORT" with a port free now.
func Pick() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	for range 1000 {
		p := low + rand.IntN(high-low)
		if handed[p] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		_ = l.Close()
		handed[p] = true
		return l.Addr().String(), nil
	}
	return "", fmt.Errorf("testport: no free port between %d and %d", low, high)
}

// Addr is Pick for a test, which it fails if no port is free.
func Addr(t testing.TB) string {
	t.Helper()
	addr, err := Pick()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
