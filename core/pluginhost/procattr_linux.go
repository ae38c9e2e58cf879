//go:build linux

package pluginhost

import "syscall"

// pluginProcAttr has the kernel send the plugin SIGTERM when the daemon
// dies, also by kill -9 when no daemon code runs, so that no plugin
// outlives its daemon (an orphan would keep writing, e.g. to the CSV
// directory, next to the restarted daemon's new plugin).
//
// Linux sends this signal when the thread that forked the child ends, not
// the process. It still means "the daemon died" here: Go ends a thread
// only when a goroutine locked to it (runtime.LockOSThread) returns
// without unlocking, and plugins are never launched from such a
// goroutine, so the forking thread lives as long as the daemon. (If one
// ever were, the plugin would get SIGTERM early, exit gracefully, and be
// restarted before the next batch: noisy, not harmful.)
//
// It is not enough on its own, which is why pluginapi.Serve also watches
// for its parent to change and for the daemon's connection to close: the
// signal is Linux only, set only by hosts that ask for it (not by
// `polarbridge plugins list`, a test or a host in another language), and
// reaches only the process the daemon started, not a plugin behind a
// wrapper script.
func pluginProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
