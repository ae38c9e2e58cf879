// Package testdisk gives tests a real small filesystem to fill: a tmpfs
// of a chosen size, mounted for the test (root only; tests that need it
// skip elsewhere and say why).
package testdisk

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new directory and returns it;
// it is unmounted when the test ends.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	MountAt(t, dir, size)
	return dir
}

// MountAt mounts a tmpfs of size bytes on dir (created if missing) until
// the test ends.
func MountAt(t testing.TB, dir string, size int64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("mount point %s: %v", dir, err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.FormatInt(size, 10), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("needs a small filesystem to fill and cannot mount one (run as root): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// Fill writes a file in dir until the filesystem is full and returns a
// function that deletes it again.
func Fill(t testing.TB, dir string) (free func()) {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatalf("fill %s: %v", dir, err)
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			break
		}
	}
	for len(chunk) > 1 { // the last bytes, for a disk truly full
		chunk = chunk[:len(chunk)/2]
		for {
			if _, err := f.Write(chunk); err != nil {
				break
			}
		}
	}
	_ = f.Close()
	return func() {
		if err := os.Remove(p); err != nil {
			t.Errorf("free %s: %v", dir, err)
		}
	}
}
