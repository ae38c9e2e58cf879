package bus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// recentObjectsBytes bounds the objects kept in memory after they are
// written (see recentObjects). A delivery that keeps up reads a body
// within milliseconds of its publication, and a batch is at most
// delivery.batch_bytes (4 MiB by default). Measured on a backlog of 200
// exercises (docs/performance.md): 8 MiB kept the daemon at 141-145 MiB,
// 16 MiB at 155 MiB, none at 864 MiB.
const recentObjectsBytes = 8 << 20

// recentObjects holds the objects this process wrote last, so that the
// deliveries reading them moments later do not read them through NATS.
// That read is what costs memory: the embedded server keeps a file-store
// block it wrote in memory for 10 s after its last access (not
// configurable), so blocks read as soon as written stay cached as long
// as writes go on, hundreds of MB in a backlog; a block nobody read has
// its buffer reused when the next block starts. Object names are
// content-addressed (a digest, a content version), so a name never holds
// other bytes and a kept copy cannot be stale.
type recentObjects struct {
	mu     sync.Mutex
	max    int
	size   int
	byName map[string][]byte
	order  []string // oldest first
}

func newRecentObjects(max int) *recentObjects {
	return &recentObjects{max: max, byName: map[string][]byte{}}
}

// add keeps data under name, dropping the oldest objects beyond max; the
// newest is kept even when it alone is larger, since its writer holds it
// in memory anyway and its reader comes next.
func (r *recentObjects) add(name string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byName[name]; ok {
		return
	}
	r.byName[name] = data
	r.order = append(r.order, name)
	r.size += len(data)
	for r.size > r.max && len(r.order) > 1 {
		oldest := r.order[0]
		r.order = r.order[1:]
		r.size -= len(r.byName[oldest])
		delete(r.byName, oldest)
	}
}

func (r *recentObjects) get(name string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data, ok := r.byName[name]
	return data, ok
}

func (r *recentObjects) remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data, ok := r.byName[name]
	if !ok {
		return
	}
	delete(r.byName, name)
	r.size -= len(data)
	for i, n := range r.order {
		if n == name {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}

// PutObject stores data in the object store under name, a name derived
// from the content. The caller must not modify data afterwards: it is
// kept for ReadObject.
func (b *Bus) PutObject(ctx context.Context, name string, data []byte) error {
	if _, err := b.Files.PutBytes(ctx, name, data); err != nil {
		return err
	}
	b.recent.add(name, data)
	return nil
}

// ReadObject returns the bytes of the object name, from memory when this
// process wrote it last, else from the object store, whose digest it
// then checks. The bytes must not be modified.
func (b *Bus) ReadObject(ctx context.Context, name string) ([]byte, error) {
	if data, ok := b.recent.get(name); ok {
		return data, nil
	}
	obj, err := b.Files.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	info, err := obj.Info()
	if err != nil {
		return nil, err
	}
	// A buffer of the object's size: GetBytes grows one by doubling (8 MB
	// allocated for a 3 MB body).
	data := make([]byte, info.Size)
	if _, err := io.ReadFull(obj, data); err != nil {
		return nil, err
	}
	// Reading to the end is what checks the object's digest.
	if n, err := obj.Read(make([]byte, 1)); n > 0 || !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("object longer than its size")
		}
		return nil, fmt.Errorf("object %s: %w", name, err)
	}
	return data, nil
}

// DeleteObject deletes the object name.
func (b *Bus) DeleteObject(ctx context.Context, name string) error {
	b.recent.remove(name)
	return b.Files.Delete(ctx, name)
}
