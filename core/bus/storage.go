package bus

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrStorage is wrapped by errors saying the embedded store cannot take
// writes.
var ErrStorage = errors.New("storage unusable")

// minFree is the free space below which the embedded store counts as
// full: JetStream writes blocks and indexes, and a write that meets the
// end of the disk stops it (nats-server shuts JetStream down when out of
// space).
const minFree = 16 << 20

// Storage is the state of the embedded store's disk.
type Storage struct {
	Dir       string `json:"data_dir"`
	FreeBytes uint64 `json:"free_bytes"`
	// JetStream is false after the server stopped it for lack of space.
	JetStream bool `json:"jetstream"`
}

// Storage checks the embedded store's disk: the error (wrapping
// ErrStorage) says what is wrong and what to do. With a shared NATS
// server the storage is that server's, and Storage reports nothing.
func (b *Bus) Storage() (Storage, error) {
	if b.server == nil {
		return Storage{}, nil
	}
	st := Storage{Dir: b.opts.DataDir, JetStream: b.server.JetStreamEnabled()}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(st.Dir, &fs); err != nil {
		return st, fmt.Errorf("%w: data_dir %s: %w", ErrStorage, st.Dir, err)
	}
	st.FreeBytes = fs.Bavail * uint64(fs.Bsize)
	switch {
	case b.outOfSpace.Load():
		return st, fmt.Errorf("%w: a write to data_dir %s failed for lack of space (%s free now); free some space and the store restarts by itself, nothing is lost", ErrStorage, st.Dir, bytesText(st.FreeBytes))
	case !st.JetStream:
		return st, fmt.Errorf("%w: JetStream stopped because the disk of data_dir %s is full (%s free); free some space and it restarts by itself, nothing is lost", ErrStorage, st.Dir, bytesText(st.FreeBytes))
	case st.FreeBytes < minFree:
		return st, fmt.Errorf("%w: the disk of data_dir %s is nearly full (%s free, %s needed); free some space", ErrStorage, st.Dir, bytesText(st.FreeBytes), bytesText(minFree))
	}
	return st, nil
}

// RecoverStorage restarts the embedded JetStream after a write failed for
// lack of space (a stream's store then refuses every write) or the server
// stopped it, once the disk has room again. Streams, consumers and their
// positions are reloaded from disk. It reports whether it restarted.
func (b *Bus) RecoverStorage() (bool, error) {
	if b.server == nil || (!b.outOfSpace.Load() && b.server.JetStreamEnabled()) {
		return false, nil
	}
	st, _ := b.Storage()
	if st.FreeBytes < 2*minFree {
		return false, nil
	}
	if b.server.JetStreamEnabled() {
		if err := b.server.ShutdownJetStream(); err != nil {
			return false, fmt.Errorf("stop JetStream on data_dir %s: %w", b.opts.DataDir, err)
		}
	}
	b.outOfSpace.Store(false)
	// EnableJetStream adds "jetstream" to the store directory (and
	// writes to the config it is given): hand it the data_dir, afresh.
	cfg := *b.jsConfig
	cfg.StoreDir = b.opts.DataDir
	if err := b.server.EnableJetStream(&cfg); err != nil {
		return false, fmt.Errorf("restart JetStream on data_dir %s: %w", b.opts.DataDir, err)
	}
	return true, nil
}

func bytesText(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}
