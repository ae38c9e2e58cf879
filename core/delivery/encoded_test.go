package delivery_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// encodedExporter takes records encoded, as a plugin does over gRPC: it
// decodes them all, failing the whole call if one is not a record.
type encodedExporter struct {
	*fakeExporter
	calls int
}

func (e *encodedExporter) ExportEncoded(ctx context.Context, bodies [][]byte) (*pluginapi.ExportResponse, error) {
	e.mu.Lock()
	e.calls++
	e.mu.Unlock()
	req := &pluginapi.ExportRequest{}
	for _, b := range bodies {
		r := &pluginapi.Record{}
		if err := proto.Unmarshal(b, r); err != nil {
			return nil, errors.New("grpc: error unmarshalling request")
		}
		req.Records = append(req.Records, r)
	}
	return e.fakeExporter.Export(ctx, req)
}

func (e *encodedExporter) Export(context.Context, *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	panic("an encoded exporter without include_files is handed bytes")
}

// Records reach an encoded exporter as stored, with their versions; a
// body that is no record fails its batch once, then is dead-lettered
// and the others are delivered.
func TestEncodedExporter(t *testing.T) {
	fake := &fakeExporter{}
	exp := &encodedExporter{fakeExporter: fake}
	recs := []*pluginapi.Record{sleepRecord("2026-12-01"), sleepRecord("2026-12-02")}
	e := startWith(t, exp, 3, nil, func(e *env) {
		e.publish(t, recs[0])
		bad := nats.NewMsg(records.Subject(pluginapi.RecordKind_RECORD_KIND_SLEEP, "475"))
		bad.Header.Set(records.HeaderKey, "sleep.475.2026-12-09")
		bad.Header.Set(records.HeaderVersion, "00")
		bad.Data = []byte("\x0a\xff not a record")
		_, err := e.b.JS.PublishMsg(context.Background(), bad)
		require.NoError(t, err)
		e.publish(t, recs[1])
	})
	e.waitIdle(t)
	assert.ElementsMatch(t, []string{
		"sleep.475.2026-12-01@" + recs[0].GetVersion(),
		"sleep.475.2026-12-02@" + recs[1].GetVersion(),
	}, fake.received())
	exp.mu.Lock()
	assert.GreaterOrEqual(t, exp.calls, 2, "the failed call, then the good records")
	exp.mu.Unlock()
	entries := e.deadLetters(t)
	require.Len(t, entries, 1)
	assert.Equal(t, "sleep.475.2026-12-09", entries[0].Key)
	assert.Contains(t, entries[0].Error, "bad record")
}
