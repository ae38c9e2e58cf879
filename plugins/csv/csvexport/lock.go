package csvexport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFileName is the file in the output directory on which an Exporter
// holds an exclusive flock while it uses the directory.
const lockFileName = ".polarbridge-csv.lock"

// dirLock keeps other exporters out of a directory. Each Exporter rewrites
// the files from its own copy of the rows in memory, so two writing one
// directory (an orphaned plugin of a crashed daemon next to the restarted
// daemon's, a second daemon, two instances configured alike) would undo
// each other's rows and delete each other's temporary files.
//
// flock(2) belongs to the open file: a second open, in this process or
// another, cannot take it, and the kernel drops it when the process ends,
// however it ends, so a crash or kill -9 never leaves a stale lock.
type dirLock struct {
	dir string
	f   *os.File
}

// lockDir creates dir if needed and locks it. Its errors wrap
// pluginapi.ErrInvalidConfig, like the other reasons a directory cannot
// be used.
func lockDir(dir string) (*dirLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, dirError("cannot create directory "+dir, "create it or choose another directory", err)
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, dirError("cannot open the lock file "+path, "make the directory writable for the polarbridge user or choose another directory", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := lockHolder(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, dirError(dir+" is in use by another polarbridge CSV exporter"+holder+
				": perhaps an orphaned plugin process of a daemon that crashed, a second daemon, or another plugin instance with the same dir",
				"stop that process, or give each instance a directory of its own", err)
		}
		return nil, dirError("cannot lock "+path, "check that the file system supports flock", err)
	}
	// The holder's pid, for the message above; only informative.
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, dirError("cannot write "+path, "check the directory's permissions and free space", err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, dirError("cannot write "+path, "check the directory's permissions and free space", err)
	}
	return &dirLock{dir: dir, f: f}, nil
}

// lockHolder is " (process <pid>)" as the holder wrote it, or "".
func lockHolder(f *os.File) string {
	b := make([]byte, 32)
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return ""
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil {
		return ""
	}
	return fmt.Sprintf(" (process %d)", pid)
}

// release drops the lock. The file stays: removing it would let a process
// that already opened it lock the removed file while the next one creates
// and locks a new file, two holders at once.
func (l *dirLock) release() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("release %s: %w", filepath.Join(l.dir, lockFileName), err)
	}
	return nil
}
