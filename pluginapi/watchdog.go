package pluginapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

const (
	// parentPollInterval is how often a served plugin checks that its
	// parent, the daemon, is still there.
	parentPollInterval = 500 * time.Millisecond
	// drainTimeout bounds how long shutdown waits for Exporter calls in
	// flight. It matches the grace go-plugin gives a plugin it stops
	// before killing it; when the daemon is gone the call's result
	// cannot be delivered anyway (the records are redelivered), the wait
	// only lets it stop at a clean point.
	drainTimeout = 2 * time.Second
	// exitDeadline is when a plugin whose daemon is gone exits even if
	// shutting down hangs (a call stuck on a dead disk, a Close that
	// blocks): an orphan must not live on, whatever the Exporter does.
	exitDeadline = drainTimeout + 3*time.Second
)

// served is the Exporter of a process run by Serve. It counts the calls
// in flight so that shutdown can let them finish, and stops the gRPC
// server when the daemon is gone. Only Serve creates one: in-process tests
// (NewHarness) call the Exporter directly and have no watchdog.
type served struct {
	impl   Exporter
	packed bool // PackedValues: Export's series as sent

	mu       sync.Mutex
	server   *grpc.Server // set by newGRPCServer
	stopping bool         // no new calls
	calls    sync.WaitGroup
	conns    int // host connections open now

	hostClosed chan struct{} // closed when the last host connection ends
	closedOnce sync.Once
	stopOnce   sync.Once
	finishOnce sync.Once
}

func newServed(impl Exporter) *served {
	return &served{impl: impl, hostClosed: make(chan struct{})}
}

func (s *served) newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	srv := newGRPCServer(append(opts, grpc.StatsHandler(connWatch{s})))
	s.mu.Lock()
	s.server = srv
	s.mu.Unlock()
	return srv
}

// enter registers an Exporter call; it is false once shutdown began.
func (s *served) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.calls.Add(1)
	return true
}

func (s *served) leave() { s.calls.Done() }

// watchHost stops the plugin when its daemon is gone. Three signs, any of
// which suffices:
//   - SIGTERM: the kernel's parent-death signal (Linux, set by
//     core/pluginhost), or a service manager stopping everything;
//   - the parent process changed: the daemon died and the kernel
//     re-parented the plugin to init or a subreaper. This covers hosts
//     that set no parent-death signal (other systems, other hosts,
//     `polarbridge plugins list`) and the cases where that signal misses;
//   - the host's gRPC connection closed: the daemon's end of the socket
//     went away even though the parent lives on (the plugin was started
//     through a wrapper that stays its parent).
//
// ppid is the parent at start. A daemon running as pid 1 (in a container)
// never changes; the other two signs still apply.
//
// The plugin does not set the parent-death signal on itself
// (prctl(PR_SET_PDEATHSIG)): it fires when the host *thread* that forked
// the plugin ends, and the plugin cannot know the host's threads. A host
// that starts plugins from a short-lived thread (a thread pool, common
// outside Go) would see them killed while it runs. The host, which knows,
// sets it (core/pluginhost); the polling above needs no such assumption.
func (s *served) watchHost(ppid int, term <-chan os.Signal) {
	tick := time.NewTicker(parentPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-term:
			s.stop(slog.LevelWarn, "received SIGTERM")
			return
		case <-s.hostClosed:
			// Also the normal end: the daemon closes the connection
			// after asking the plugin to stop; hence only debug.
			s.stop(slog.LevelDebug, "the daemon closed its connection")
			return
		case <-tick.C:
			if now := os.Getppid(); now != ppid {
				s.stop(slog.LevelWarn, fmt.Sprintf("the daemon (parent process %d) is gone; re-parented to %d", ppid, now))
				return
			}
		}
	}
}

// stop makes plugin.Serve return, so that Serve finishes: new calls are
// refused, the gRPC server stops (calls in flight keep running until
// finish has waited for them), and the process exits by exitDeadline at
// the latest.
func (s *served) stop(level slog.Level, reason string) {
	s.stopOnce.Do(func() {
		log := Logger()
		log.Log(context.Background(), level, "shutting down: "+reason, "pid", os.Getpid())
		time.AfterFunc(exitDeadline, func() {
			log.Error("shutdown took too long; exiting")
			os.Exit(1)
		})
		s.mu.Lock()
		s.stopping = true
		srv := s.server
		s.mu.Unlock()
		if srv != nil {
			srv.Stop()
		}
	})
}

// finish runs once plugin.Serve returned: it waits up to wait for the
// Exporter calls in flight, then closes the Exporter if it is an
// io.Closer.
func (s *served) finish(wait time.Duration) {
	s.finishOnce.Do(func() {
		s.mu.Lock()
		s.stopping = true
		s.mu.Unlock()
		done := make(chan struct{})
		go func() {
			s.calls.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(wait):
			Logger().Warn("shutting down with a call still in flight", "waited", wait.String())
		}
		if c, ok := s.impl.(io.Closer); ok {
			if err := c.Close(); err != nil {
				Logger().Error("close exporter", "error", err.Error())
			}
		}
	})
}

// connWatch counts the host's connections to the plugin's gRPC server:
// one from go-plugin's client, open for as long as the daemon runs the
// plugin (its broker and stdio streams keep it from going idle).
type connWatch struct{ s *served }

func (w connWatch) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (w connWatch) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context   { return ctx }
func (w connWatch) HandleRPC(context.Context, stats.RPCStats)                         {}

func (w connWatch) HandleConn(_ context.Context, st stats.ConnStats) {
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st.(type) {
	case *stats.ConnBegin:
		s.conns++
	case *stats.ConnEnd:
		s.conns--
		if s.conns == 0 {
			s.closedOnce.Do(func() { close(s.hostClosed) })
		}
	}
}
