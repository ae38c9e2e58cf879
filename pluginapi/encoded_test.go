package pluginapi_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Records handed over encoded, compact as the daemon stores them, reach
// a plugin as the records they encode, values unpacked, in order, one
// result each; bytes that are no record fail the call.
func TestExportEncoded(t *testing.T) {
	ctx := context.Background()
	h, err := pluginapi.NewBinaryHarness(testBinary(t))
	require.NoError(t, err)
	defer h.Close()
	log := filepath.Join(t.TempDir(), "exported.jsonl")
	require.NoError(t, h.Configure(ctx, map[string]any{"log_file": log, "skip_kv": true}))

	ex := testrecords.Exercise("475", "e1", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 10*time.Minute)
	ex.Version = "v1"
	sum := 0.0
	for _, s := range ex.GetExercise().GetSamples() {
		for _, v := range s.GetValues() {
			sum += v
		}
	}
	sleep := testrecords.Sleep("475", "2026-05-05")
	sleep.Version = "v2"
	var encoded [][]byte
	packed := 0
	for _, r := range []*pluginapi.Record{ex, sleep} {
		r = proto.Clone(r).(*pluginapi.Record)
		pluginapi.EachSeries(r, func(s *pluginapi.Series) { // as the daemon stores them
			s.Compact()
			if s.PackValues() {
				packed++
			}
		})
		b, err := proto.Marshal(r)
		require.NoError(t, err)
		encoded = append(encoded, b)
	}
	require.Greater(t, packed, 3, "the records have series whose values pack")
	resp, err := h.Client().ExportEncoded(ctx, encoded)
	require.NoError(t, err)
	require.Len(t, resp.GetResults(), 2)
	for _, r := range resp.GetResults() {
		assert.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus())
	}
	raw, err := os.ReadFile(log)
	require.NoError(t, err)
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		got = append(got, m)
	}
	require.Len(t, got, 2)
	assert.Equal(t, "exercise.475.e1", got[0]["key"])
	assert.Equal(t, "v1", got[0]["version"])
	assert.EqualValues(t, 7*600, got[0]["samples"], "the series arrive whole")
	assert.Equal(t, sum, got[0]["values_sum"], "the plugin reads the packed values as they were")
	assert.Equal(t, "sleep.475.2026-05-05", got[1]["key"])
	assert.Equal(t, "v2", got[1]["version"])

	_, err = h.Client().ExportEncoded(ctx, [][]byte{encoded[0], []byte("\x0a\xff not a record")})
	require.Error(t, err)
}

func TestExportRequestRecordsIsField1(t *testing.T) {
	f := (&pluginapi.ExportRequest{}).ProtoReflect().Descriptor().Fields().ByName("records")
	require.NotNil(t, f)
	assert.EqualValues(t, 1, f.Number(), "ExportEncoded writes the records as field 1")
}
