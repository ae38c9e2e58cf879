package pluginapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// printExporter is a tiny exporter for the examples: it "exports" an
// exercise by printing one line, and keeps a receipt per record key in
// the host KV so a redelivered record is not printed twice.
type printExporter struct {
	prefix string
	kv     pluginapi.KV
}

type printConfig struct {
	Prefix string `json:"prefix"`
}

func (e *printExporter) Describe(context.Context, *pluginapi.DescribeRequest) (*pluginapi.DescribeResponse, error) {
	return &pluginapi.DescribeResponse{
		Name:         "print",
		Version:      "0.1.0",
		Kinds:        []pluginapi.RecordKind{pluginapi.RecordKind_RECORD_KIND_EXERCISE},
		SampleConfig: "# Printed before every line.\nprefix: \"exported\"\n",
	}, nil
}

func (e *printExporter) Configure(_ context.Context, req *pluginapi.ConfigureRequest, host pluginapi.Host) (*pluginapi.ConfigureResponse, error) {
	cfg := printConfig{Prefix: "exported"}
	if err := pluginapi.DecodeConfig(req.GetConfigJson(), &cfg); err != nil {
		return nil, err
	}
	e.prefix, e.kv = cfg.Prefix, host.KV()
	return &pluginapi.ConfigureResponse{}, nil
}

func (e *printExporter) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	resp := &pluginapi.ExportResponse{}
	for _, rec := range req.GetRecords() {
		resp.Results = append(resp.Results, e.exportOne(ctx, rec))
	}
	return resp, nil
}

func (e *printExporter) exportOne(ctx context.Context, rec *pluginapi.Record) *pluginapi.ExportResult {
	ex := rec.GetExercise()
	if ex == nil {
		return pluginapi.Permanent("record %s has no exercise", rec.GetKey())
	}
	receipt := "receipt." + rec.GetKey()
	done, _, err := e.kv.Get(ctx, receipt)
	switch {
	case err == nil && string(done) == rec.GetVersion():
		return pluginapi.OK() // this version was exported before
	case err != nil && !errors.Is(err, pluginapi.ErrKeyNotFound):
		return pluginapi.Retry("read receipt: %v", err)
	}
	fmt.Printf("%s %s (%s): %s, %.0f min\n", e.prefix, rec.GetKey(), rec.GetVersion(), ex.GetSport(), ex.GetDurationSeconds()/60)
	if _, err := e.kv.Put(ctx, receipt, []byte(rec.GetVersion())); err != nil {
		return pluginapi.Retry("write receipt: %v", err)
	}
	return pluginapi.OK()
}

func runRecord(key, version string) *pluginapi.Record {
	start := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	return &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_EXERCISE,
		Key:     key,
		Version: version,
		UserId:  "475",
		Source:  pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id:              "aQlC83",
			Start:           &pluginapi.Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 120},
			DurationSeconds: 2700,
			Sport:           "RUNNING",
		}},
	}
}

// NewHarness runs an exporter in-process, the way the daemon would:
// Describe, Configure with a config block, then Export batches. The
// exporter's host KV is Harness.KV.
func ExampleNewHarness() {
	ctx := context.Background()
	h := pluginapi.NewHarness(&printExporter{})

	desc, err := h.Describe(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("plugin:", desc.GetName(), desc.GetVersion())

	// The block under plugins.<name>.config in config.yaml.
	if err := h.Configure(ctx, map[string]any{"prefix": "uploaded"}); err != nil {
		panic(err)
	}

	results, err := h.Export(ctx,
		runRecord("exercise.475.aQlC83", "v1"),
		runRecord("exercise.475.aQlC83", "v1"), // a redelivery: not printed again
		&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: "exercise.475.empty"},
	)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(strings.TrimSpace(r.GetStatus().String() + " " + r.GetMessage()))
	}

	receipt, _, _ := h.KV.Get(ctx, "receipt.exercise.475.aQlC83")
	fmt.Println("receipt:", string(receipt))
	// Output:
	// plugin: print 0.1.0
	// uploaded exercise.475.aQlC83 (v1): RUNNING, 45 min
	// STATUS_OK
	// STATUS_OK
	// STATUS_PERMANENT record exercise.475.empty has no exercise
	// receipt: v1
}

// DecodeConfig rejects unknown keys and wrong types with an error that
// wraps ErrInvalidConfig; returned from Configure, it stops the daemon's
// start and the message is shown to the user.
func ExampleDecodeConfig() {
	var cfg struct {
		Dir     string `json:"dir"`
		Samples bool   `json:"samples"`
	}
	for _, block := range []string{
		`{"dir": "export", "samples": true}`,
		`{"dri": "export"}`,
		`{"samples": "yes"}`,
	} {
		err := pluginapi.DecodeConfig([]byte(block), &cfg)
		fmt.Println(errors.Is(err, pluginapi.ErrInvalidConfig), err)
	}
	// Output:
	// false <nil>
	// true pluginapi: invalid config: unknown key "dri"
	// true pluginapi: invalid config: key "samples": expected bool, got string
}

// MemoryKV follows the daemon's KV rules: revisions for optimistic
// concurrency, and Update with revision 0 to create a key only if it does
// not exist yet.
func ExampleMemoryKV() {
	ctx := context.Background()
	kv := pluginapi.NewMemoryKV()

	rev, err := kv.Update(ctx, "lock.upload", []byte("a"), 0) // create-only
	fmt.Println(rev, err)
	_, err = kv.Update(ctx, "lock.upload", []byte("b"), 0) // exists already
	fmt.Println(errors.Is(err, pluginapi.ErrRevisionMismatch))
	rev, err = kv.Update(ctx, "lock.upload", []byte("b"), rev) // at the revision we read
	fmt.Println(rev, err)

	_, _, err = kv.Get(ctx, "missing")
	fmt.Println(errors.Is(err, pluginapi.ErrKeyNotFound))
	_, err = kv.Put(ctx, "no spaces allowed", nil)
	fmt.Println(errors.Is(err, pluginapi.ErrInvalidKey))
	// Output:
	// 1 <nil>
	// true
	// 2 <nil>
	// true
	// true
}

// KindName and ParseKind convert between RecordKind and the lower-case
// names used in config.yaml (plugins.<name>.kinds).
func ExampleKindName() {
	fmt.Println(pluginapi.KindName(pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE))
	k, err := pluginapi.ParseKind("sleep")
	fmt.Println(k, err)
	_, err = pluginapi.ParseKind("steps")
	fmt.Println(err)
	// Output:
	// nightly_recharge
	// RECORD_KIND_SLEEP <nil>
	// unknown record kind "steps"
}

// An exporter served with PackedValues reads each series through a
// ValueReader; a decimal series gives its scaled integers.
func ExampleSeries_ReadValues() {
	speed := &pluginapi.Series{Values: []float64{3.2, 3.25, 3.31, 3.3}}
	speed.PackValues() // as the daemon sends it

	r := speed.ReadValues()
	d, ok := r.Decimals()
	fmt.Println("decimals:", d, ok)
	ints := make([]int64, 2) // a chunk at a time
	for n := r.ReadScaled(ints); n > 0; n = r.ReadScaled(ints) {
		fmt.Println(ints[:n])
	}
	fmt.Println("error:", r.Err())
	// Output:
	// decimals: 2 true
	// [320 325]
	// [331 330]
	// error: <nil>
}
