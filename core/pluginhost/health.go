package pluginhost

import (
	"fmt"
	"time"
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
