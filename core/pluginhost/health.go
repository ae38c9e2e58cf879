package pluginhost

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Health is nil while the plugin runs or can be restarted at its next
// batch; an error once restarting it has failed (it is retried with
// backoff, and the records wait).
func (in *Instance) Health() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return fmt.Errorf("%w %s: stopped", ErrPlugin, in.spec.Name)
	}
	if in.failures > 0 {
		return fmt.Errorf("%w %s: exited and %d restarts failed; next in %s", ErrPlugin, in.spec.Name, in.failures, time.Until(in.nextTry).Round(time.Second))
	}
	return nil
}

// Describe starts the plugin just to ask what it is, and stops it again:
// for a plugin the daemon may not configure yet (one that owns local
// state, while another daemon runs it).
func Describe(ctx context.Context, spec Spec, log *slog.Logger) (*pluginapi.DescribeResponse, error) {
	c, err := pluginapi.Launch(spec.Path, pluginapi.WithLogger(log), pluginapi.WithDir(spec.Dir),
		pluginapi.WithSysProcAttr(pluginProcAttr()))
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrPlugin, spec.Name, err)
	}
	defer c.Kill()
	desc, err := c.Describe(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w %s: describe: %w", ErrPlugin, spec.Name, err)
	}
	return desc, nil
}
