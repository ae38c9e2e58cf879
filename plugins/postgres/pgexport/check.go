package pgexport

import (
	"context"
	"errors"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Check is `polarbridge check`: the server answers with the credentials
// and the schema is migrated.
func (e *Exporter) Check(ctx context.Context, _ *pluginapi.CheckRequest) (*pluginapi.CheckResponse, error) {
	e.mu.Lock()
	pool, migrated, set := e.pool, e.migrated, e.set
	e.mu.Unlock()
	if pool == nil {
		return nil, errors.New("postgres exporter: Check called before Configure")
	}
	cc := pool.Config().ConnConfig
	item := "PostgreSQL at " + cc.Host + "/" + cc.Database
	if err := pool.Ping(ctx); err != nil {
		return &pluginapi.CheckResponse{Results: []*pluginapi.CheckResult{pluginapi.CheckFailed(item, set.classify("connect", err).result.GetMessage())}}, nil
	}
	res := pluginapi.CheckOK(item, "answers, credentials accepted, schema up to date")
	if !migrated {
		res = pluginapi.CheckOK(item, "answers, credentials accepted; the schema is migrated at the first export")
	}
	return &pluginapi.CheckResponse{Results: []*pluginapi.CheckResult{res}}, nil
}
