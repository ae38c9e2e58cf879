package pluginapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func TestMemoryKV(t *testing.T) {
	ctx := context.Background()
	kv := pluginapi.NewMemoryKV()

	_, _, err := kv.Get(ctx, "receipt.1")
	require.ErrorIs(t, err, pluginapi.ErrKeyNotFound)

	rev, err := kv.Update(ctx, "receipt.1", []byte("a"), 0)
	require.NoError(t, err)
	_, err = kv.Update(ctx, "receipt.1", []byte("b"), 0)
	require.ErrorIs(t, err, pluginapi.ErrRevisionMismatch, "create-only must fail on an existing key")
	rev2, err := kv.Update(ctx, "receipt.1", []byte("b"), rev)
	require.NoError(t, err)
	assert.Greater(t, rev2, rev)

	_, err = kv.Put(ctx, "bad key", nil)
	require.ErrorIs(t, err, pluginapi.ErrInvalidKey)

	_, err = kv.Put(ctx, "receipt.2", []byte("c"))
	require.NoError(t, err)
	keys, err := kv.Keys(ctx, "receipt.")
	require.NoError(t, err)
	assert.Equal(t, []string{"receipt.1", "receipt.2"}, keys)

	require.NoError(t, kv.Delete(ctx, "receipt.1"))
	_, _, err = kv.Get(ctx, "receipt.1")
	require.ErrorIs(t, err, pluginapi.ErrKeyNotFound)
}

func TestDecodeConfig(t *testing.T) {
	var cfg struct {
		Dir     string `json:"dir"`
		Samples bool   `json:"samples"`
	}
	require.NoError(t, pluginapi.DecodeConfig([]byte(`{"dir":"/tmp/x","samples":true}`), &cfg))
	assert.Equal(t, "/tmp/x", cfg.Dir)
	assert.True(t, cfg.Samples)

	err := pluginapi.DecodeConfig([]byte(`{"dri":"/tmp/x"}`), &cfg)
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `unknown key "dri"`)

	err = pluginapi.DecodeConfig([]byte(`{"samples":"yes"}`), &cfg)
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `key "samples": expected bool, got string`)

	require.NoError(t, pluginapi.DecodeConfig(nil, &cfg), "an absent block is allowed")

	// Environment variables arrive as strings.
	var typed struct {
		Samples bool    `json:"samples"`
		Batch   int     `json:"batch"`
		Ratio   float64 `json:"ratio"`
		Nested  struct {
			On bool `json:"on"`
		} `json:"nested"`
	}
	require.NoError(t, pluginapi.DecodeConfig([]byte(`{"samples":"true","batch":"500","ratio":"0.5","nested":{"on":"1"}}`), &typed))
	assert.True(t, typed.Samples)
	assert.Equal(t, 500, typed.Batch)
	assert.Equal(t, 0.5, typed.Ratio)
	assert.True(t, typed.Nested.On)
	err = pluginapi.DecodeConfig([]byte(`{"batch":"lots"}`), &typed)
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `key "batch"`)

	// A key in the wrong case is a typo, not a match.
	err = pluginapi.DecodeConfig([]byte(`{"Samples":true}`), &typed)
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `unknown key "Samples" (did you mean "samples"?)`)
}

func TestDecodeConfigDurations(t *testing.T) {
	var cfg struct {
		Timeout time.Duration `json:"timeout"`
		Nested  struct {
			Every *time.Duration `json:"every"`
		} `json:"nested"`
	}
	require.NoError(t, pluginapi.DecodeConfig([]byte(`{"timeout":"1m30s","nested":{"every":" 5s "}}`), &cfg))
	assert.Equal(t, 90*time.Second, cfg.Timeout)
	require.NotNil(t, cfg.Nested.Every)
	assert.Equal(t, 5*time.Second, *cfg.Nested.Every)
	for raw, want := range map[string]string{
		`{"timeout":30}`:              `key "timeout": 30 has no unit: write it as a duration, e.g. "30s"`,
		`{"timeout":"30"}`:            `key "timeout": "30" is not a duration`,
		`{"nested":{"every":"soon"}}`: `key "nested.every": "soon" is not a duration`,
		`{"timeout":true}`:            `key "timeout": expected a duration`,
	} {
		err := pluginapi.DecodeConfig([]byte(raw), &cfg)
		require.ErrorIs(t, err, pluginapi.ErrInvalidConfig, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
}
