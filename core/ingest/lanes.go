package ingest

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/backoff"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/consume"
)

// lanes hands events to one lane per account: a lane handles its events
// one at a time in the order they came, lanes run alongside each other
// up to a bound. A Polar user whose calls hang or wait out a 429 holds up
// only their own lane.
type lanes struct {
	w       *Worker
	running chan struct{} // a token per event being handled
	slots   chan struct{} // a token per event taken off the stream
	perLane int           // events one lane may hold before it is full

	mu    sync.Mutex
	lanes map[string]*lane
	wg    sync.WaitGroup
}

type lane struct {
	queue []jetstream.Msg
	stops []func() // keep-alives of the queued messages
}

func newLanes(w *Worker, concurrency, queued int) *lanes {
	return &lanes{
		w: w, running: make(chan struct{}, concurrency), slots: make(chan struct{}, queued),
		perLane: max(1, queued/4), lanes: map[string]*lane{},
	}
}

// run fetches while there is room and dispatches until ctx ends, then
// lets the events being handled finish and gives the queued ones back.
func (l *lanes) run(ctx context.Context) {
	work := context.WithoutCancel(ctx) // handling in progress finishes at shutdown
	for ctx.Err() == nil {
		if !l.take(ctx) {
			break
		}
		free := cap(l.slots) - len(l.slots) + 1 // the slot just taken included
		msgs, err := bus.FetchBatch(l.w.cons, free, time.Second)
		if err != nil {
			l.release(1)
			if ctx.Err() == nil {
				l.w.log.Warn("fetch from the consumer", "err", err)
				_ = backoff.Sleep(ctx, time.Second)
			}
			continue
		}
		if len(msgs) == 0 {
			l.release(1)
			continue
		}
		// One slot was taken; the others are free by the count above.
		for range len(msgs) - 1 {
			l.slots <- struct{}{}
		}
		for _, m := range msgs {
			l.dispatch(work, m)
		}
	}
	l.drain()
	l.wg.Wait()
}

func (l *lanes) take(ctx context.Context) bool {
	select {
	case l.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (l *lanes) release(n int) {
	for range n {
		<-l.slots
	}
}

func (l *lanes) dispatch(ctx context.Context, m jetstream.Msg) {
	account := l.account(m)
	l.mu.Lock()
	ln, ok := l.lanes[account]
	if ok && len(ln.queue) >= l.perLane {
		l.mu.Unlock()
		_ = m.NakWithDelay(l.w.opts.requeue())
		l.release(1)
		return
	}
	if !ok {
		ln = &lane{}
		l.lanes[account] = ln
	}
	// Queued events are kept alive as the one being handled is: a long
	// wait in their lane must not get them redelivered meanwhile.
	ln.queue = append(ln.queue, m)
	ln.stops = append(ln.stops, consume.KeepAlive([]jetstream.Msg{m}, ackWait/3))
	l.mu.Unlock()
	if !ok {
		l.wg.Add(1)
		go l.serve(ctx, account, ln)
	}
}

// serve handles a lane's events until its queue is empty.
func (l *lanes) serve(ctx context.Context, account string, ln *lane) {
	defer l.wg.Done()
	for {
		l.mu.Lock()
		if len(ln.queue) == 0 {
			delete(l.lanes, account)
			l.mu.Unlock()
			return
		}
		m, stop := ln.queue[0], ln.stops[0]
		l.mu.Unlock()

		l.running <- struct{}{}
		l.w.handle(ctx, m)
		<-l.running
		stop()

		l.mu.Lock()
		ln.queue, ln.stops = ln.queue[1:], ln.stops[1:]
		l.mu.Unlock()
		l.release(1)
	}
}

// drain gives back the events still waiting for their lane at shutdown,
// so another daemon (or the next start) takes them at once. The event
// each lane is handling stays with it.
func (l *lanes) drain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.lanes {
		if len(ln.queue) <= 1 {
			continue
		}
		for i, m := range ln.queue[1:] {
			ln.stops[i+1]()
			_ = m.Nak()
		}
		ln.queue, ln.stops = ln.queue[:1], ln.stops[:1]
	}
}

func (l *lanes) account(m jetstream.Msg) string {
	event := strings.TrimPrefix(m.Subject(), l.w.b.EventsSubjectPrefix()+".")
	src, ok := l.w.sources[event]
	if !ok {
		return ""
	}
	return src.Name() + "/" + src.Account(event, m.Data())
}
