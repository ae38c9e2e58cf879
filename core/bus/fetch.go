package bus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// FetchBatch waits up to wait for the first message, then takes whatever
// else is already waiting, up to n in all. A plain Fetch(n) would hold a
// lone message until the batch filled or the wait ran out, adding up to
// wait to every quiet-time delivery.
func FetchBatch(cons jetstream.Consumer, n int, wait time.Duration) ([]jetstream.Msg, error) {
	first, err := cons.Fetch(1, jetstream.FetchMaxWait(wait))
	if err != nil {
		return nil, err
	}
	var msgs []jetstream.Msg
	for m := range first.Messages() {
		msgs = append(msgs, m)
	}
	if err := first.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && len(msgs) == 0 {
		return nil, err
	}
	if len(msgs) == 0 || n <= 1 {
		return msgs, nil
	}
	rest, err := cons.FetchNoWait(n - 1)
	if err != nil {
		return msgs, nil // the first message is still delivered
	}
	for m := range rest.Messages() {
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// Idle reports whether a durable consumer has delivered and settled
// everything in its stream (false if it does not exist yet).
//
// The consumer's pending count is updated asynchronously: a message the
// stream stored a moment ago may not be counted yet. So the consumer is
// idle only once it has also delivered the last message its filters
// match.
func (b *Bus) Idle(ctx context.Context, stream, consumer string) bool {
	c, err := b.JS.Consumer(ctx, stream, consumer)
	if err != nil {
		return false
	}
	info, err := c.Info(ctx)
	if err != nil || info.NumPending != 0 || info.NumAckPending != 0 {
		return false
	}
	s, err := b.JS.Stream(ctx, stream)
	if err != nil {
		return false
	}
	filters := info.Config.FilterSubjects
	if info.Config.FilterSubject != "" {
		filters = append(filters, info.Config.FilterSubject)
	}
	if len(filters) == 0 {
		filters = []string{">"}
	}
	for _, f := range filters {
		last, err := s.GetLastMsgForSubject(ctx, f)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil || last.Sequence > info.Delivered.Stream {
			return false
		}
	}
	return true
}
