// Package testserver runs a real server process for a test (influxd,
// mosquitto, postgres): its output goes to a log file, it is stopped with
// a signal (SIGKILL after 10 s) and can be started again on the same
// files, and a start waits until the server answers.
package testserver

import (
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Process is one server process, started and stopped by a test.
type Process struct {
	t       testing.TB
	name    string // for messages, e.g. "influxd"
	logPath string
	stop    os.Signal

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	logFile *os.File
}

// New returns a stopped process named name (in messages) that logs to
// logPath and is stopped with the signal stop; it is stopped when the
// test ends.
func New(t testing.TB, name, logPath string, stop os.Signal) *Process {
	p := &Process{t: t, name: name, logPath: logPath, stop: stop}
	t.Cleanup(p.Stop)
	return p
}

// Start runs cmd and waits until ready returns nil; it fails the test if
// the process exits first or is not ready within 30 s (the last error of
// ready and the log in the message).
func (p *Process) Start(cmd *exec.Cmd, ready func() error) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.t.Fatalf("testserver: %s started while running", p.name)
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p.cmd, p.exited, p.logFile = cmd, exited, logFile

	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ready()
		if err == nil {
			return
		}
		select {
		case <-exited:
			p.cmd = nil
			p.t.Fatalf("%s exited at start; log:\n%s", p.name, p.Log())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s is not ready after 30 s (%v); log:\n%s", p.name, err, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the process (its signal, then SIGKILL after 10 s); its
// files stay for the next Start. Stopping a stopped process does nothing.
func (p *Process) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(p.stop)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd = nil
	p.logFile.Close()
}

// Log is what the process has written so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}
