package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/csv/csvexport"
)

// TestSampleConfig checks that the sample is a valid config block (with
// its dir swapped for a temporary one) and documents every key.
func TestSampleConfig(t *testing.T) {
	var block map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(sampleConfig), &block))

	typ := reflect.TypeFor[csvexport.Config]()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		assert.Contains(t, block, key, "config.sample.yaml does not show key %q", key)
	}

	block["dir"] = t.TempDir()
	raw, err := json.Marshal(block)
	require.NoError(t, err)
	_, err = csvexport.New(sampleConfig).Configure(context.Background(), &pluginapi.ConfigureRequest{ConfigJson: raw}, nil)
	require.NoError(t, err)
}

var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildPlugin builds the plugin binary once for all tests and benchmarks.
func buildPlugin(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "polarbridge-csv")
		if built.err == nil {
			built.bin, built.err = pluginapi.BuildPlugin(".", built.dir)
		}
	})
	require.NoError(t, built.err)
	return built.bin
}

// TestBinary runs the built plugin the way the daemon does: handshake,
// Describe, Configure and Export over gRPC.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	h, err := pluginapi.NewBinaryHarness(buildPlugin(t))
	require.NoError(t, err)
	t.Cleanup(h.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	assert.Equal(t, "csv", desc.GetName())
	assert.Equal(t, sampleConfig, desc.GetSampleConfig())

	err = h.Configure(ctx, map[string]any{"dri": "/tmp"})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `unknown key "dri"`)

	dir := t.TempDir()
	require.NoError(t, h.Configure(ctx, map[string]any{"dir": dir}))
	rec := &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
		Key:     "nightly_recharge.475.2024-05-01",
		Version: "v1",
		UserId:  "475",
		Source:  pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_NightlyRecharge{NightlyRecharge: &pluginapi.NightlyRecharge{
			Date: "2024-05-01", HeartRateAvg: 54, HrvAvgMs: 48,
			Hrv: &pluginapi.Series{Start: timestamppb.New(time.Date(2024, 4, 30, 22, 0, 0, 0, time.UTC)), OffsetMs: []int64{0}, Values: []float64{45}},
		}},
	}
	results, err := h.Export(ctx, rec, &pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "sleep.475.x"})
	require.NoError(t, err)
	assert.Equal(t, pluginapi.ExportResult_STATUS_OK, results[0].GetStatus(), results[0].GetMessage())
	assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, results[1].GetStatus())

	f, err := os.Open(filepath.Join(dir, "nightly_recharge.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"nightly_recharge.475.2024-05-01", "v1", "475", "accesslink", "2024-05-01"}, rows[1][:5])
}

// TestBinaryDirLock runs two plugin processes on one directory: the
// second is refused while the first runs, and gets the directory once the
// first is killed with SIGKILL (the kernel drops a dead process's lock,
// so a crash never leaves a stale one).
func TestBinaryDirLock(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	first, err := pluginapi.NewBinaryHarness(buildPlugin(t))
	require.NoError(t, err)
	t.Cleanup(first.Close)
	require.NoError(t, first.Configure(ctx, map[string]any{"dir": dir}))
	second, err := pluginapi.NewBinaryHarness(buildPlugin(t))
	require.NoError(t, err)
	t.Cleanup(second.Close)

	err = second.Configure(ctx, map[string]any{"dir": dir})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), dir+" is in use by another polarbridge CSV exporter")
	assert.Contains(t, err.Error(), fmt.Sprintf("(process %d)", first.Client().PID()))

	require.NoError(t, syscall.Kill(first.Client().PID(), syscall.SIGKILL))
	require.Eventually(t, first.Client().Exited, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, second.Configure(ctx, map[string]any{"dir": dir}))
	results, err := second.Export(ctx, &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "sleep.475.2024-05-01", Version: "v1",
		Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{Date: "2024-05-01"}},
	})
	require.NoError(t, err)
	assert.Equal(t, pluginapi.ExportResult_STATUS_OK, results[0].GetStatus(), results[0].GetMessage())
}
