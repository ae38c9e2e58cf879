package bus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
//
// Kept objects can be paced (putPaced): their writer waits while paced
// objects no reader has read yet fill the bound and a reader is at work,
// so that a reader that lags (a backlog ingested faster than it is
// exported) still reads from memory. The writer waits at most maxWait
// per object, and not at all when nothing read lately (no exporter, or
// all of them down): an exporter that stops cannot stall the others.
type recentObjects struct {
	mu     sync.Mutex
	max    int
	size   int
	unread int // bytes of paced objects not read yet
	byName map[string]*recentObject
	order  []string // oldest first
	// freed is closed, and replaced, when unread bytes go.
	freed    chan struct{}
	lastRead time.Time
	now      func() time.Time
	maxWait  time.Duration
	// reading is how recent the last read must be for a reader to count
	// as at work.
	reading time.Duration
}

type recentObject struct {
	data        []byte
	paced, read bool
}

func newRecentObjects(max int) *recentObjects {
	return &recentObjects{max: max, byName: map[string]*recentObject{}, freed: make(chan struct{}),
		now: time.Now, maxWait: 2 * time.Second, reading: 5 * time.Second}
}

// add keeps data under name, dropping objects beyond max, those read
// already first, then the oldest; the newest is kept even when it alone
// is larger, since its writer holds it in memory anyway and its reader
// comes next. A paced object must have been through pace.
func (r *recentObjects) add(name string, data []byte, paced bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byName[name]; ok {
		if paced { // kept already: its room, counted by pace, is not needed
			r.unread -= len(data)
			r.signal()
		}
		return
	}
	r.byName[name] = &recentObject{data: data, paced: paced}
	r.order = append(r.order, name)
	r.size += len(data)
	for r.size > r.max && len(r.order) > 1 {
		i := slices.IndexFunc(r.order[:len(r.order)-1], func(n string) bool { return r.byName[n].read })
		r.drop(max(i, 0))
	}
}

// drop forgets the object at order[i]. r.mu is held.
func (r *recentObjects) drop(i int) {
	name := r.order[i]
	o := r.byName[name]
	r.order = slices.Delete(r.order, i, i+1)
	delete(r.byName, name)
	r.size -= len(o.data)
	if o.paced && !o.read {
		r.unread -= len(o.data)
		r.signal()
	}
}

// signal wakes the writers waiting in pace. r.mu is held.
func (r *recentObjects) signal() {
	close(r.freed)
	r.freed = make(chan struct{})
}

// pace waits until an object of size bytes fits among the unread paced
// ones, no reader is at work, maxWait has passed or ctx is done, and
// counts it among them: writers in parallel each wait for their own
// room. A writer that then fails to store its object calls release.
func (r *recentObjects) pace(ctx context.Context, size int) error {
	var timeout <-chan time.Time
	for waited := false; ; {
		r.mu.Lock()
		fits := r.unread == 0 || r.unread+size <= r.max
		if fits || waited || r.now().Sub(r.lastRead) > r.reading {
			r.unread += size
			r.mu.Unlock()
			return nil
		}
		freed := r.freed
		r.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(r.maxWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-freed:
		case <-timeout:
			waited = true
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release gives back what pace counted for an object never added.
func (r *recentObjects) release(size int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unread -= size
	r.signal()
}

// get returns the object kept under name. Called for every read, kept
// or not: each one shows a reader at work.
func (r *recentObjects) get(name string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastRead = r.now()
	o, ok := r.byName[name]
	if !ok {
		return nil, false
	}
	if !o.read {
		o.read = true
		if o.paced {
			r.unread -= len(o.data)
			r.signal()
		}
	}
	return o.data, true
}

func (r *recentObjects) remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.Index(r.order, name); i >= 0 {
		r.drop(i)
	}
}

// BodyPrefix begins the name of every record body in the object store
// ("records/<key>/<version>"); any other name is an original file's
// ("files/<sha256>").
//
// Bodies have a bucket of their own (BodiesBucket) because the embedded
// server caches the block it is writing in a pooled buffer of the next
// size up (256 KiB, 1 MiB, 4 MiB, 8 MiB), and the runtime may zero all
// of it when the buffer is new. A 10 h exercise's FIT file (0.83 MB) and
// its body (0.26 MB) written to one block took a 4 MiB buffer; apart,
// each fits in 1 MiB, and the daemon's peak growth for that exercise
// fell from 10.1-13.7 to 8.8-10.8 MiB (docs/performance.md).
const BodyPrefix = "records/"

// objectStore returns the bucket for the object name.
func (b *Bus) objectStore(name string) jetstream.ObjectStore {
	if isBody(name) {
		return b.Bodies
	}
	return b.Files
}

func isBody(name string) bool { return strings.HasPrefix(name, BodyPrefix) }

// PutObject stores data in the object store under name, a name derived
// from the content. With readSoon (an exporter of this process takes the
// file) it is also kept in memory for ReadObject, and the caller must not
// modify data afterwards. Without, nothing reads it soon, and keeping it
// would only crowd out the record bodies that are (a 10 h exercise's FIT
// file is 0.8 MB).
func (b *Bus) PutObject(ctx context.Context, name string, data []byte, readSoon bool) error {
	if _, err := b.objectStore(name).PutBytes(ctx, name, data); err != nil {
		return err
	}
	if readSoon {
		b.recent.add(name, data, false)
	}
	return nil
}

// PutObjectPaced is PutObject for an object a reader in this process
// reads soon (a record's body for the deliveries): while the readers lag
// by the objects kept in memory, it waits for them (a couple of seconds
// at most), so that they read it from memory and not through NATS. A
// backlog of 200 exercises peaked at 180-235 MiB without the wait, when
// ingesting outran the exporter (docs/performance.md).
func (b *Bus) PutObjectPaced(ctx context.Context, name string, data []byte) error {
	if err := b.recent.pace(ctx, len(data)); err != nil {
		return err
	}
	if _, err := b.objectStore(name).PutBytes(ctx, name, data); err != nil {
		b.recent.release(len(data))
		return err
	}
	b.recent.add(name, data, true)
	return nil
}

// ReadObject returns the bytes of the object name, from memory when this
// process wrote it last, else from the object store, whose digest it
// then checks. The bytes must not be modified.
//
// A body stored before bodies had a bucket of their own is read from
// the files bucket, where it stays until object GC takes it.
func (b *Bus) ReadObject(ctx context.Context, name string) ([]byte, error) {
	if data, ok := b.recent.get(name); ok {
		return data, nil
	}
	obj, err := b.objectStore(name).Get(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) && isBody(name) {
		obj, err = b.Files.Get(ctx, name)
	}
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

// ListObjects returns every object in both buckets; a body stored before
// bodies had a bucket of their own is listed from the files bucket.
func (b *Bus) ListObjects(ctx context.Context) ([]*jetstream.ObjectInfo, error) {
	var all []*jetstream.ObjectInfo
	for _, store := range []jetstream.ObjectStore{b.Files, b.Bodies} {
		objects, err := store.List(ctx)
		if err != nil && !errors.Is(err, jetstream.ErrNoObjectsFound) {
			return nil, err
		}
		all = append(all, objects...)
	}
	return all, nil
}

// DeleteObject deletes the object name: for a body, also its copy in
// the files bucket, where bodies were stored before they had a bucket of
// their own. It fails with jetstream.ErrObjectNotFound when neither
// bucket held it.
func (b *Bus) DeleteObject(ctx context.Context, name string) error {
	b.recent.remove(name)
	err := b.objectStore(name).Delete(ctx, name)
	if !isBody(name) || err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return err
	}
	legacy := b.Files.Delete(ctx, name)
	if err == nil && errors.Is(legacy, jetstream.ErrObjectNotFound) {
		return nil
	}
	return legacy
}
