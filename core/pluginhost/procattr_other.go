//go:build !linux

package pluginhost

import "syscall"

// pluginProcAttr is nil where there is no parent-death signal; there a
// plugin notices the daemon is gone by itself (pluginapi.Serve watches
// its parent process and the daemon's connection).
func pluginProcAttr() *syscall.SysProcAttr { return nil }
