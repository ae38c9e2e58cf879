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
	failed int // calls failed for a body that is no record
}

func (e *encodedExporter) ExportEncoded(ctx context.Context, bodies [][]byte) (*pluginapi.ExportResponse, error) {
	req := &pluginapi.ExportRequest{}
	for _, b := range bodies {
		r := &pluginapi.Record{}
		if err := proto.Unmarshal(b, r); err != nil {
			e.mu.Lock()
			e.failed++
			e.mu.Unlock()
			return nil, errors.New("grpc: error unmarshalling request")
		}
		req.Records = append(req.Records, r)
	}
	return e.fakeExporter.Export(ctx, req)
}

func (e *encodedExporter) Export(context.Context, *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	panic("an encoded exporter without include_files is handed bytes")
}

// Records reach an encoded exporter as stored, with their versions. A
// body whose framing is broken is dead-lettered at once; one whose inner
// body is broken fails its batch once, then is dead-lettered, and the
// others are delivered.
func TestEncodedExporter(t *testing.T) {
	fake := &fakeExporter{}
	exp := &encodedExporter{fakeExporter: fake}
	recs := []*pluginapi.Record{sleepRecord("2026-12-01"), sleepRecord("2026-12-02")}
	e := startWith(t, exp, 3, nil, func(e *env) {
		e.publish(t, recs[0])
		for key, data := range map[string]string{
			"sleep.475.2026-12-08": "\x0a\xff not a record",
			"sleep.475.2026-12-09": "\x12\x14sleep.475.2026-12-09\x5a\x03\xff\xff\xff", // key, then a broken sleep
		} {
			bad := nats.NewMsg(records.Subject(pluginapi.RecordKind_RECORD_KIND_SLEEP, "475"))
			bad.Header.Set(records.HeaderKey, key)
			bad.Data = []byte(data)
			_, err := e.b.JS.PublishMsg(context.Background(), bad)
			require.NoError(t, err)
		}
		e.publish(t, recs[1])
	})
	e.waitIdle(t)
	assert.ElementsMatch(t, []string{
		"sleep.475.2026-12-01@" + recs[0].GetVersion(),
		"sleep.475.2026-12-02@" + recs[1].GetVersion(),
	}, fake.received())
	exp.mu.Lock()
	assert.Equal(t, 1, exp.failed, "the broken body failed one call, no more")
	exp.mu.Unlock()
	entries := e.deadLetters(t)
	require.Len(t, entries, 2)
	for _, en := range entries {
		assert.Contains(t, []string{"sleep.475.2026-12-08", "sleep.475.2026-12-09"}, en.Key)
		assert.Contains(t, en.Error, "bad record")
	}
}
