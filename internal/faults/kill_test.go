package faults

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// killOnCreate kills pid as soon as a file whose name match accepts is
// created in dir. The CSV exporter writes every file to a temporary one
// (".<name>.tmp-*") and renames it, so this kills it in the middle of an
// export. The channel says what was being written; stop ends the watch.
func killOnCreate(t *testing.T, dir string, match func(string) bool, pid int) (<-chan string, func()) {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	require.NoError(t, err)
	_, err = syscall.InotifyAddWatch(fd, dir, syscall.IN_CREATE)
	require.NoError(t, err)
	// Non-blocking, so Go's poller serves the reads and Close ends them.
	f := os.NewFile(uintptr(fd), "inotify")
	killed := make(chan string, 1)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := f.Read(buf)
			if err != nil {
				return
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				var ev syscall.InotifyEvent
				_ = binary.Read(bytes.NewReader(buf[off:off+syscall.SizeofInotifyEvent]), binary.NativeEndian, &ev)
				name := strings.TrimRight(string(buf[off+syscall.SizeofInotifyEvent:off+syscall.SizeofInotifyEvent+int(ev.Len)]), "\x00")
				off += syscall.SizeofInotifyEvent + int(ev.Len)
				if match(name) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
					killed <- name
					return
				}
			}
		}
	}()
	var once sync.Once
	stop := func() { once.Do(func() { f.Close() }) }
	t.Cleanup(stop)
	return killed, stop
}

// killProxy stands between the InfluxDB exporter and influxd. Armed with
// a pid, it kills that process when its next write arrives, then passes
// the write on all the same: the points land, the exporter never answers
// the daemon (the "written but not acknowledged" case).
type killProxy struct {
	URL    string
	target string

	mu     sync.Mutex
	pid    int
	killed chan string
}

func newKillProxy(t *testing.T, target string) *killProxy {
	p := &killProxy{target: strings.TrimSuffix(target, "/")}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *killProxy) killOnWrite(pid int) <-chan string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pid, p.killed = pid, make(chan string, 1)
	return p.killed
}

func (p *killProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/write") {
		p.mu.Lock()
		pid, killed := p.pid, p.killed
		p.pid = 0
		p.mu.Unlock()
		if pid != 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			killed <- fmt.Sprintf("%s %s (%d bytes)", r.Method, r.URL.Path, len(body))
		}
	}
	// Not on the caller's context: a killed caller's write still lands.
	req, err := http.NewRequestWithContext(context.Background(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
