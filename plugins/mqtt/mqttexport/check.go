package mqttexport

import (
	"context"
	"errors"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// checkWait is how long Check waits for the first connection.
const checkWait = 5 * time.Second

// Check is `polarbridge check`: the broker accepted the connection and
// its credentials.
func (e *Exporter) Check(ctx context.Context, _ *pluginapi.CheckRequest) (*pluginapi.CheckResponse, error) {
	e.mu.Lock()
	cn := e.conn
	e.mu.Unlock()
	if cn == nil {
		return nil, errors.New("mqtt exporter: Check called before Configure")
	}
	item := "MQTT broker " + redactURL(cn.s.cfg.Broker)
	ctx, cancel := context.WithTimeout(ctx, checkWait)
	defer cancel()
	for {
		err := cn.ready()
		if err == nil {
			return &pluginapi.CheckResponse{Results: []*pluginapi.CheckResult{pluginapi.CheckOK(item, "connected, credentials accepted")}}, nil
		}
		var auth *authError
		if errors.As(err, &auth) || pluginapi.SleepContext(ctx, 100*time.Millisecond) != nil {
			return &pluginapi.CheckResponse{Results: []*pluginapi.CheckResult{pluginapi.CheckFailed(item, err.Error())}}, nil
		}
	}
}
