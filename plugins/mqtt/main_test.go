package main

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/polarbridge/polarbridge/internal/testmqtt"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/mqtt/mqttexport"
)

// TestSampleConfig checks that the sample is a valid config block and
// shows every key.
func TestSampleConfig(t *testing.T) {
	var block map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(sampleConfig), &block))
	typ := reflect.TypeFor[mqttexport.Config]()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		assert.Contains(t, block, key, "config.sample.yaml does not show key %q", key)
	}
	raw, err := json.Marshal(block)
	require.NoError(t, err)
	_, err = mqttexport.New(sampleConfig).Configure(context.Background(), &pluginapi.ConfigureRequest{ConfigJson: raw}, nil)
	require.NoError(t, err)
	assert.Equal(t, mqttexport.DefaultTopicPrefix, block["topic_prefix"])
	assert.Equal(t, mqttexport.DefaultDiscoveryPrefix, block["discovery_prefix"])
}

func TestInvalidConfig(t *testing.T) {
	base := func(kv ...any) map[string]any {
		m := map[string]any{"broker": "tcp://localhost:1883"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{}, `"broker" is required`},
		{base("brokr", "x"), `unknown key "brokr"`},
		{base("broker", "localhost"), "not a URL"},
		{base("broker", "http://localhost:1883"), `scheme "http"`},
		{base("broker", "tcp://bridge:s3cret-pw@localhost:1883"), "not in the URL"},
		{base("password", "s3cret-pw"), `"password" is set without "username"`},
		{base("topic_prefix", "polar bridge"), "only letters"},
		{base("discovery_prefix", "home/#"), "only letters"},
		{base("qos", 3), "not 0, 1 or 2"},
		{base("publish_timeout", "soon"), "not a positive duration"},
		{base("tls", map[string]any{"ca_file": "/nonexistent/ca.pem"}), "tls.ca_file"},
		{base("tls", map[string]any{"cert_file": "c.pem"}), "go together"},
	} {
		h := pluginapi.NewHarness(mqttexport.New(""))
		err := h.Configure(context.Background(), tc.cfg)
		if assert.ErrorIs(t, err, pluginapi.ErrInvalidConfig, "%v", tc.cfg) {
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "s3cret-pw")
		}
	}
}

var binPath string

// TestMain builds the plugin binary once for the tests that launch it.
func TestMain(m *testing.M) { os.Exit(pluginapi.RunWithPlugin(m, ".", &binPath)) }

func start(t *testing.T, b *testmqtt.Broker) *pluginapi.Harness {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	h, err := pluginapi.NewBinaryHarness(binPath)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	require.NoError(t, h.Configure(context.Background(), map[string]any{"broker": b.URL}))
	return h
}

func waitAvailability(t *testing.T, r *testmqtt.Recorder, want string) {
	t.Helper()
	require.Eventually(t, func() bool {
		m, found := r.Last("polarbridge/status")
		return found && string(m.Payload) == want && m.Topic != ""
	}, 20*time.Second, 20*time.Millisecond, "availability %s", want)
}

// TestBinaryAvailability: the plugin binary announces itself online,
// says offline when stopped, and its last will says offline when it is
// killed.
func TestBinaryAvailability(t *testing.T) {
	b := testmqtt.Start(t)
	r := b.Subscribe(t, "polarbridge/status")
	h := start(t, b)
	desc, err := h.Describe(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "mqtt", desc.GetName())
	assert.Equal(t, sampleConfig, desc.GetSampleConfig())
	waitAvailability(t, r, "online")
	s := testrecords.Sleep("475", "2026-05-04")
	s.Version = "v1"
	res, err := h.Export(context.Background(), s)
	require.NoError(t, err)
	require.Equal(t, pluginapi.ExportResult_STATUS_OK, res[0].GetStatus(), res[0].GetMessage())

	// Killed: the broker publishes the last will.
	h.Client().Kill()
	waitAvailability(t, r, "offline")

	h2 := start(t, b)
	waitAvailability(t, r, "online")
	got := b.Retained(t, "polarbridge/+/state", 150*time.Millisecond)
	assert.Contains(t, string(got["polarbridge/polarbridge_475/state"]), `"score":82`, "the state outlives the plugin")
	_ = h2
}

// TestCheck: `polarbridge check` has the plugin say whether the broker
// took its connection; a stopped broker fails the check (#16).
func TestCheck(t *testing.T) {
	b := testmqtt.Start(t)
	h := start(t, b)
	results, err := h.Check(context.Background())
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.True(t, results[0].GetOk(), results[0].GetMessage())
	assert.Equal(t, "MQTT broker "+b.URL, results[0].GetItem())

	b.Stop()
	require.Eventually(t, func() bool {
		results, err = h.Check(context.Background())
		return err == nil && len(results) == 1 && !results[0].GetOk()
	}, 30*time.Second, 100*time.Millisecond)
	assert.Contains(t, results[0].GetMessage(), "not connected to the MQTT broker")
}
