package influxexport

import (
	"context"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Check is `polarbridge check`: InfluxDB answers, the credentials are
// accepted and the database or bucket exists, whatever "check" says.
func (e *Exporter) Check(ctx context.Context, _ *pluginapi.CheckRequest) (*pluginapi.CheckResponse, error) {
	e.mu.Lock()
	cl := e.cl
	e.mu.Unlock()
	if cl == nil {
		return nil, errNotConfigured
	}
	item := "InfluxDB at " + cl.base.Redacted()
	warnings, err := cl.check(ctx)
	if err != nil {
		return &pluginapi.CheckResponse{Results: []*pluginapi.CheckResult{pluginapi.CheckFailed(item, err.Error())}}, nil
	}
	results := []*pluginapi.CheckResult{pluginapi.CheckOK(item, "answers, credentials accepted, where to write exists")}
	for _, w := range warnings {
		results = append(results, pluginapi.CheckFailed(item, w))
	}
	return &pluginapi.CheckResponse{Results: results}, nil
}
