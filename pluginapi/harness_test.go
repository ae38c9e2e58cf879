package pluginapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// testBinary builds internal/testexporter once per test run.
func testBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pluginapi-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath, buildErr = pluginapi.BuildPlugin("../internal/testexporter", dir)
	})
	require.NoError(t, buildErr)
	return binPath
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func exerciseRecord(key string, samples int) *pluginapi.Record {
	start := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	hr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, Start: timestamppb.New(start)}
	for i := range samples {
		hr.OffsetMs = append(hr.OffsetMs, int64(i)*1000)
		hr.Values = append(hr.Values, 120+float64(i%40))
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: key, Version: "v1", UserId: "475",
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id: "x", Start: &pluginapi.Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 180},
			Samples: []*pluginapi.Series{hr},
		}},
	}
}

func TestBinaryHarnessRoundTrip(t *testing.T) {
	logs := &syncBuffer{}
	h, err := pluginapi.NewBinaryHarness(testBinary(t),
		pluginapi.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	defer h.Close()
	ctx := context.Background()

	assert.Equal(t, pluginapi.ProtocolVersion, h.Client().ProtocolVersion())
	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	assert.Equal(t, "testexporter", desc.GetName())
	assert.Len(t, desc.GetKinds(), 3)

	logFile := filepath.Join(t.TempDir(), "out.jsonl")
	require.NoError(t, h.Configure(ctx, map[string]any{"log_file": logFile}))

	results, err := h.Export(ctx, exerciseRecord("exercise.475.a", 10), exerciseRecord("exercise.475.b", 0))
	require.NoError(t, err)
	require.Len(t, results, 2)
	for _, r := range results {
		assert.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
	}
	// The plugin counted deliveries in the host KV, over the broker.
	_, err = h.Export(ctx, exerciseRecord("exercise.475.a", 10))
	require.NoError(t, err)
	v, rev, err := h.KV.Get(ctx, "count.exercise.475.a")
	require.NoError(t, err)
	assert.Equal(t, "2", string(v))
	assert.NotZero(t, rev)

	out, err := os.ReadFile(logFile)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 3)
	var first struct {
		Key     string `json:"key"`
		Samples int    `json:"samples"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "exercise.475.a", first.Key)
	assert.Equal(t, 10, first.Samples)
}

func TestBinaryHarnessInvalidConfig(t *testing.T) {
	h, err := pluginapi.NewBinaryHarness(testBinary(t))
	require.NoError(t, err)
	defer h.Close()

	err = h.Configure(context.Background(), map[string]any{"mood": "ok"})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `unknown key "mood"`)

	err = h.Configure(context.Background(), map[string]any{"mode": "sometimes"})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `key "mode"`)
}

func TestBinaryHarnessLargeRecord(t *testing.T) {
	h, err := pluginapi.NewBinaryHarness(testBinary(t))
	require.NoError(t, err)
	defer h.Close()
	ctx := context.Background()
	logFile := filepath.Join(t.TempDir(), "out.jsonl")
	require.NoError(t, h.Configure(ctx, map[string]any{"log_file": logFile}))

	// A 10 h exercise at 1 Hz plus an 8 MB file: well past gRPC's 4 MB default.
	rec := exerciseRecord("exercise.475.long", 36000)
	rec.GetExercise().Files = []*pluginapi.File{{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Data: bytes.Repeat([]byte{0xAB}, 8<<20)}}
	results, err := h.Export(ctx, rec)
	require.NoError(t, err)
	assert.Equal(t, pluginapi.ExportResult_STATUS_OK, results[0].GetStatus())
	out, err := os.ReadFile(logFile)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"samples":36000`)
	assert.Contains(t, string(out), `"file_bytes":8388608`)
}

func TestBinaryHarnessCrashIsUnavailable(t *testing.T) {
	logs := &syncBuffer{}
	h, err := pluginapi.NewBinaryHarness(testBinary(t),
		pluginapi.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	defer h.Close()
	ctx := context.Background()
	require.NoError(t, h.Configure(ctx, map[string]any{"crash_once_file": filepath.Join(t.TempDir(), "crashed")}))

	_, err = h.Export(ctx, exerciseRecord("exercise.475.a", 1))
	require.Error(t, err)
	assert.True(t, pluginapi.IsUnavailable(err), "got %v", err)
	require.Eventually(t, h.Client().Exited, 5*time.Second, 10*time.Millisecond)
	// The plugin's own log line reached the host logger with its level.
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "crashing on purpose") }, 5*time.Second, 10*time.Millisecond, logs.String())
	assert.Contains(t, logs.String(), `"level":"ERROR"`)
}

func TestNotRunByHand(t *testing.T) {
	// Run directly, a plugin binary explains itself instead of hanging.
	out, err := exec.Command(testBinary(t)).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "plugin")
}
