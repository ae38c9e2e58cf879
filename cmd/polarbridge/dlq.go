package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/dlq"
)

func openQueue(ctx context.Context, env *cliEnv) (*dlq.Queue, func(), error) {
	cfg, _, err := loadConfig(env)
	if err != nil {
		return nil, nil, err
	}
	b, err := bus.Attach(ctx, daemon.BusOptions(cfg))
	if err != nil {
		return nil, nil, err
	}
	return dlq.New(b), b.Close, nil
}

func dlqList(ctx context.Context, env *cliEnv, _ []string) error {
	q, closeFn, err := openQueue(ctx, env)
	if err != nil {
		return err
	}
	defer closeFn()
	exporter, _ := env.flags.GetString("exporter")
	entries, err := q.List(ctx, exporter)
	if err != nil {
		return err
	}
	if asJSON, _ := env.flags.GetBool("json"); asJSON {
		enc := json.NewEncoder(env.stdout)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	if len(entries) == 0 {
		fmt.Fprintln(env.stdout, "no dead letters")
		return nil
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEXPORTER\tRECORD\tATTEMPTS\tFAILED\tERROR")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.Exporter, e.Key, e.Attempts, e.FailedAt.Local().Format(time.DateTime), e.Error)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "\n%d dead letters. Fix the cause, then `polarbridge dlq replay` (all) or `polarbridge dlq replay ID...`.\n", len(entries))
	return nil
}

func dlqReplay(ctx context.Context, env *cliEnv, args []string) error {
	var ids []uint64
	for _, a := range args {
		id, err := strconv.ParseUint(a, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a dead-letter ID (see `polarbridge dlq list`)", a)
		}
		ids = append(ids, id)
	}
	q, closeFn, err := openQueue(ctx, env)
	if err != nil {
		return err
	}
	defer closeFn()
	exporter, _ := env.flags.GetString("exporter")
	n, err := q.Replay(ctx, exporter, ids)
	fmt.Fprintf(env.stdout, "re-queued %d dead letters\n", n)
	return err
}
