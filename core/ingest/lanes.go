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
		lanes: map[string]*lane{},
	}
}

// run fetches while there is room and dispatches until ctx ends. Then no
// event is started any more; the ones being handled get grace to finish
// (after that they are cancelled, and given back); once they are done,
// the events still queued are given back for the next start or another
// daemon. Giving back only after the last fetch has returned matters: an
// event given back while a fetch waits would be handed to this daemon
// again.
func (l *lanes) run(ctx context.Context, grace time.Duration) {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
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
		for range len(msgs) - 1 { // one slot was taken already
			l.slots <- struct{}{}
		}
		for _, m := range msgs {
			l.dispatch(ctx, work, m)
		}
	}
	timer := time.AfterFunc(grace, cancelWork)
	defer timer.Stop()
	l.wg.Wait()
	l.giveBack()
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

func (l *lanes) dispatch(ctx, work context.Context, m jetstream.Msg) {
	account := l.account(m)
	l.mu.Lock()
	ln, ok := l.lanes[account]
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
		go l.serve(ctx, work, account, ln)
	}
}

// serve handles a lane's events until its queue is empty or ctx ends; an
// event started runs to its end on work.
func (l *lanes) serve(ctx, work context.Context, account string, ln *lane) {
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

		select {
		case l.running <- struct{}{}:
		case <-ctx.Done():
			return // the queue is given back by run
		}
		if ctx.Err() != nil {
			<-l.running
			return
		}
		l.w.handle(work, m)
		<-l.running
		stop()

		l.mu.Lock()
		ln.queue, ln.stops = ln.queue[1:], ln.stops[1:]
		l.mu.Unlock()
		l.release(1)
	}
}

// giveBack returns the events no lane started to the stream.
func (l *lanes) giveBack() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for account, ln := range l.lanes {
		for i, m := range ln.queue {
			ln.stops[i]()
			_ = m.Nak()
		}
		delete(l.lanes, account)
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
