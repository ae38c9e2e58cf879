package daemon

import (
	"context"
	"time"

	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/records"
)

// CollectGarbage deletes object-store objects (record bodies, original
// files) older than olderThan that no dead letter or replay refers to.
func (d *Daemon) CollectGarbage(ctx context.Context, olderThan time.Duration) (int, error) {
	rd := records.NewReader(d.Bus)
	keep := map[string]bool{}
	if err := dlq.New(d.Bus).References(ctx, rd, keep); err != nil {
		return 0, err
	}
	if err := rd.RedeliveryReferences(ctx, keep); err != nil {
		return 0, err
	}
	return records.GC(ctx, d.Bus, olderThan, keep)
}

// gcLoop collects garbage once a day, an hour after the start.
func (d *Daemon) gcLoop(ctx context.Context) error {
	wait := time.Hour
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = 24 * time.Hour
		n, err := d.CollectGarbage(ctx, records.GCAge(d.cfg.NATS.RecordsMaxAge))
		if err != nil {
			d.log.Warn("object store clean-up", "err", err)
			continue
		}
		d.log.Info("object store cleaned up", "deleted", n)
	}
}
