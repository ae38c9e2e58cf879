// Package lease holds named leases in a JetStream key-value bucket, so
// that of several daemons sharing one NATS server exactly one does a job
// at a time: the object-store clean-up, or an exporter that owns local
// state (a CSV directory). A holder renews its lease every third of the
// bucket's TTL; a daemon that dies (kill -9, a lost machine) stops
// renewing, its entry expires, and another takes over.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrLost is returned by Renew when another holder has the lease (this
// one expired, e.g. after a pause longer than the TTL).
var ErrLost = errors.New("lease lost")

// HolderID names this process among the lease holders: its host, its
// pid and a random part, so a restarted daemon is a new holder.
func HolderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Lease is one named lease as seen by one holder.
type Lease struct {
	kv     jetstream.KeyValue
	name   string
	holder string
	ttl    time.Duration

	mu  sync.Mutex
	rev uint64 // our entry's revision while held; 0 when not
}

// New returns the lease name in kv (whose TTL is ttl) for holder.
func New(kv jetstream.KeyValue, name, holder string, ttl time.Duration) *Lease {
	return &Lease{kv: kv, name: name, holder: holder, ttl: ttl}
}

// TryAcquire takes the lease if nobody holds it, and reports whether
// this holder has it now.
func (l *Lease) TryAcquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rev != 0 {
		return true, nil
	}
	rev, err := l.kv.Create(ctx, l.name, []byte(l.holder))
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", l.name, err)
	}
	l.rev = rev
	return true, nil
}

// Renew extends a held lease; ErrLost when it is no longer ours.
func (l *Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rev == 0 {
		return ErrLost
	}
	rev, err := l.kv.Update(ctx, l.name, []byte(l.holder), l.rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		l.rev = 0
		return fmt.Errorf("%w: %s", ErrLost, l.name)
	}
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", l.name, err)
	}
	l.rev = rev
	return nil
}

// Release gives a held lease up, so a standby takes over at once rather
// than after the TTL.
func (l *Lease) Release(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rev == 0 {
		return
	}
	_ = l.kv.Delete(ctx, l.name, jetstream.LastRevision(l.rev))
	l.rev = 0
}

// Holder is who holds the lease now ("" if nobody).
func (l *Lease) Holder(ctx context.Context) string {
	e, err := l.kv.Get(ctx, l.name)
	if err != nil {
		return ""
	}
	return string(e.Value())
}

// Run calls work whenever this holder has the lease, with a context that
// ends when the lease is lost or ctx ends, and waits for work to return
// before trying again. It returns when ctx ends, releasing the lease.
func (l *Lease) Run(ctx context.Context, log *slog.Logger, work func(context.Context)) {
	every := l.ttl / 3
	for ctx.Err() == nil {
		held, err := l.TryAcquire(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("lease", "name", l.name, "err", err)
		}
		if !held {
			select {
			case <-ctx.Done():
			case <-time.After(every):
			}
			continue
		}
		log.Info("lease taken: this daemon does the job now", "lease", l.name)
		l.hold(ctx, every, log, work)
	}
	l.Release(context.WithoutCancel(ctx))
}

// hold runs work while renewing the lease; it returns once work has.
func (l *Lease) hold(ctx context.Context, every time.Duration, log *slog.Logger, work func(context.Context)) {
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		work(wctx)
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	renewed := time.Now()
	for {
		select {
		case <-done:
			cancel()
			return
		case <-ctx.Done():
			cancel()
			<-done
			return
		case <-t.C:
			if err := l.Renew(ctx); err != nil {
				if ctx.Err() != nil {
					continue
				}
				if errors.Is(err, ErrLost) {
					log.Warn("lease lost: another daemon does the job now", "lease", l.name)
					cancel()
					<-done
					return
				}
				// NATS trouble: try again, but not past the point where
				// the entry may have expired and another daemon taken over.
				if time.Since(renewed) > 2*l.ttl/3 {
					log.Warn("lease could not be renewed in time; stopping the job", "lease", l.name, "err", err)
					cancel()
					<-done
					l.mu.Lock()
					l.rev = 0
					l.mu.Unlock()
					return
				}
				log.Warn("lease", "name", l.name, "err", err)
				continue
			}
			renewed = time.Now()
		}
	}
}
