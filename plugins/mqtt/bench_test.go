package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/internal/testmqtt"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/mqtt/mqttexport"
)

// nightBatch is 25 nights (sleep and Nightly Recharge each), each newer
// than the last, from day n on: 50 records, the daemon's batch size, that
// all change the device's state. The records carry their summaries only
// (the plugin publishes no series), so that building them does not
// weigh on the measurement.
func nightBatch(n int) []*pluginapi.Record {
	recs := make([]*pluginapi.Record, 0, 50)
	for i := range 25 {
		day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n+i)
		date := day.Format(time.DateOnly)
		end := &pluginapi.Time{Utc: timestamppb.New(day.Add(5 * time.Hour)), UtcOffsetMinutes: 120}
		recs = append(recs,
			&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "sleep.475." + date, Version: "v1", UserId: "475",
				Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{Date: date, End: end, Start: end, LightSleepSeconds: 14400, SleepScore: 80}}},
			&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, Key: "nightly_recharge.475." + date, Version: "v1", UserId: "475",
				Body: &pluginapi.Record_NightlyRecharge{NightlyRecharge: &pluginapi.NightlyRecharge{Date: date, HrvAvgMs: 44, NightlyRechargeStatus: 4, BreathingRateAvg: 13.6}}})
	}
	return recs
}

// BenchmarkPublish compares records/s through the plugin binary (gRPC,
// state merge, KV, one retained QoS 1 state per record batch and device)
// with paho publishing the same states directly in the same run: once
// per batch, as the plugin does (the baseline), and after every record,
// as a naive bridge would.
func BenchmarkPublish(b *testing.B) {
	broker := testmqtt.Start(b)
	b.Run("plugin", func(b *testing.B) {
		h, err := pluginapi.NewBinaryHarness(binPath)
		if err != nil {
			b.Fatal(err)
		}
		benchPlugin(b, h, broker)
	})
	// The same exporter called in-process: what the process boundary
	// (the Export call and the KV save over gRPC) costs.
	b.Run("in_process", func(b *testing.B) { benchPlugin(b, pluginapi.NewHarness(mqttexport.New("")), broker) })
	for _, batched := range []bool{false, true} {
		name := "direct_per_record"
		if batched {
			name = "direct_per_batch"
		}
		b.Run(name, func(b *testing.B) { benchDirect(b, broker, batched) })
	}
}

// benchPlugin exports batches through h and reports records/s.
func benchPlugin(b *testing.B, h *pluginapi.Harness, broker *testmqtt.Broker) {
	defer h.Close()
	if err := h.Configure(context.Background(), map[string]any{"broker": broker.URL}); err != nil {
		b.Fatal(err)
	}
	day, n := 0, 0
	// The first batch waits for the connection.
	for {
		res, err := h.Export(context.Background(), nightBatch(day)...)
		if err != nil {
			b.Fatal(err)
		}
		if res[0].GetStatus() == pluginapi.ExportResult_STATUS_OK {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for b.Loop() {
		day += 25
		res, err := h.Export(context.Background(), nightBatch(day)...)
		if err != nil || res[0].GetStatus() != pluginapi.ExportResult_STATUS_OK {
			b.Fatal(err, res[0].GetMessage())
		}
		n += len(res)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// benchDirect publishes the state with paho: after every record, or once
// per batch as the plugin does.
func benchDirect(b *testing.B, broker *testmqtt.Broker, batched bool) {
	{
		c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker.URL).SetClientID("bench-direct"))
		if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			b.Fatal(tok.Error())
		}
		defer c.Disconnect(100)
		var d mqttexport.DeviceState
		day, n := 0, 0
		for b.Loop() {
			day += 25
			for _, rec := range nightBatch(day) {
				r, _ := mqttexport.ReadingOf(rec)
				d.Apply(rec.GetKey(), rec.GetVersion(), r)
				n++
				if !batched {
					publishState(b, c, &d)
				}
			}
			if batched {
				publishState(b, c, &d)
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	}
}

func publishState(b *testing.B, c mqtt.Client, d *mqttexport.DeviceState) {
	payload, err := d.Payload()
	if err != nil {
		b.Fatal(err)
	}
	if tok := c.Publish("bench/state", 1, true, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatal(fmt.Errorf("publish: %w", tok.Error()))
	}
}
