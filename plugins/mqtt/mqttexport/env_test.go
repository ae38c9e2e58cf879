package mqttexport_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testmqtt"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/mqtt/mqttexport"
)

const (
	ok        = pluginapi.ExportResult_STATUS_OK
	retry     = pluginapi.ExportResult_STATUS_RETRY
	permanent = pluginapi.ExportResult_STATUS_PERMANENT

	configTopic = "homeassistant/device/polarbridge_475/config"
	stateTopic  = "polarbridge/polarbridge_475/state"
	availTopic  = "polarbridge/status"
)

type env struct {
	t      *testing.T
	broker *testmqtt.Broker
	exp    *mqttexport.Exporter
	h      *pluginapi.Harness
}

// newEnv runs the exporter in-process against a real mosquitto and waits
// until it is connected (its availability is online).
func newEnv(t *testing.T, cfg map[string]any, opts ...testmqtt.Option) *env {
	t.Helper()
	b := testmqtt.Start(t, opts...)
	e := &env{t: t, broker: b}
	e.start(cfg)
	return e
}

func (e *env) start(cfg map[string]any) {
	e.t.Helper()
	c := map[string]any{"broker": e.broker.URL, "connect_timeout": "2s", "publish_timeout": "2s"}
	for k, v := range cfg {
		c[k] = v
	}
	kv := pluginapi.NewMemoryKV()
	if e.h != nil {
		kv = e.h.KV
	}
	e.exp = mqttexport.New("", mqttexport.WithLogger(testLogger()))
	e.h = pluginapi.NewHarness(e.exp)
	e.h.KV = kv
	require.NoError(e.t, e.h.Configure(context.Background(), c))
	e.t.Cleanup(e.h.Close)
}

// waitOnline waits for the bridge's retained availability to be online.
func (e *env) waitOnline() {
	e.t.Helper()
	r := e.broker.Subscribe(e.t, availTopic)
	require.Eventually(e.t, func() bool {
		m, found := r.Last(availTopic)
		return found && string(m.Payload) == "online"
	}, 20*time.Second, 20*time.Millisecond, "the bridge announces itself online")
}

func (e *env) export(recs ...*pluginapi.Record) []*pluginapi.ExportResult {
	e.t.Helper()
	res, err := e.h.Export(context.Background(), recs...)
	require.NoError(e.t, err)
	return res
}

func (e *env) exportOK(recs ...*pluginapi.Record) {
	e.t.Helper()
	for i, r := range e.export(recs...) {
		require.Equal(e.t, ok, r.GetStatus(), "record %d (%s): %s", i, recs[i].GetKey(), r.GetMessage())
	}
}

// retained returns the retained JSON on each topic under filter.
func (e *env) retained(filter string) map[string]map[string]any {
	e.t.Helper()
	out := map[string]map[string]any{}
	for topic, payload := range e.broker.Retained(e.t, filter, 150*time.Millisecond) {
		var m map[string]any
		if json.Unmarshal(payload, &m) == nil {
			out[topic] = m
		} else {
			out[topic] = map[string]any{"_raw": string(payload)}
		}
	}
	return out
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}
