package intervalsexport_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/internal/sim/intervalssim"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/intervals/intervalsexport"
)

var t0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

const (
	ok        = pluginapi.ExportResult_STATUS_OK
	retry     = pluginapi.ExportResult_STATUS_RETRY
	permanent = pluginapi.ExportResult_STATUS_PERMANENT
)

// env is the exporter in-process against the fake intervals.icu, both on
// the fake's clock: the exporter's pacing sleeps advance it.
type env struct {
	t   testing.TB
	sim *intervalssim.Sim
	url string
	h   *pluginapi.Harness
	cfg map[string]any
}

func newEnv(t testing.TB, cfg map[string]any, opts ...intervalssim.Option) *env {
	t.Helper()
	sim := intervalssim.New(append([]intervalssim.Option{intervalssim.WithClock(func() time.Time { return t0 })}, opts...)...)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	e := &env{t: t, sim: sim, url: srv.URL, cfg: map[string]any{"api_key": sim.APIKey(), "api_url": srv.URL + "/api/v1"}}
	for k, v := range cfg {
		e.cfg[k] = v
	}
	exp := intervalsexport.New("", intervalsexport.WithLogger(testLogger()), intervalsexport.WithClock(sim.Now, func(ctx context.Context, d time.Duration) error {
		sim.Advance(d)
		return ctx.Err()
	}))
	e.h = pluginapi.NewHarness(exp)
	require.NoError(t, e.h.Configure(context.Background(), e.cfg))
	return e
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
		require.Equal(e.t, ok, r.GetStatus(), "record %d (%s): %s", i, recs[i].GetKey(), statusOf(r))
	}
}

// fitFiles keeps each file built: tormoder/fit's encoder orders a
// definition's fields by map iteration, so encoding the same file twice
// gives other bytes, and intervals.icu tells files apart by their hash.
var fitFiles sync.Map

// fitFile is a FIT activity of one session; seconds makes files differ.
func fitFile(t testing.TB, sport fit.Sport, sub fit.SubSport, seconds uint32) []byte {
	t.Helper()
	key := fmt.Sprint(sport, sub, seconds)
	if b, found := fitFiles.Load(key); found {
		return b.([]byte)
	}
	b, err := intervalssim.EncodeFIT(nil, intervalssim.FITSession{Sport: sport, SubSport: sub, Start: t0.Add(-2 * time.Hour), Seconds: seconds, Distance: 10420})
	require.NoError(t, err)
	b2, _ := fitFiles.LoadOrStore(key, b)
	return b2.([]byte)
}

var (
	idSeconds sync.Map
	nextID    atomic.Uint32
)

// fileSeconds gives each exercise id a FIT duration of its own, so that
// different exercises never share a file (and its hash).
func fileSeconds(id string) uint32 {
	s, _ := idSeconds.LoadOrStore(id, 3600+nextID.Add(1))
	return s.(uint32)
}

// exercise is an exercise record of the given sport with a FIT file.
func exercise(t testing.TB, id, version, detailed, fitSport, fitSub string) *pluginapi.Record {
	sport, _ := pluginapi.FITSport(fitSport)
	sub, _ := pluginapi.FITSubSport(fitSub)
	seconds := fileSeconds(id)
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: "exercise.475." + id, Version: version, UserId: "475",
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{
			Id: id, Start: &pluginapi.Time{Utc: timestamppb.New(t0.Add(-2 * time.Hour)), UtcOffsetMinutes: 120},
			DurationSeconds: 3723, DistanceMeters: 10420, HeartRateAvg: 148, Device: "Polar Vantage V3",
			DetailedSport: detailed, FitSport: fitSport, FitSubSport: fitSub,
			Files: []*pluginapi.File{{Format: pluginapi.FileFormat_FILE_FORMAT_FIT, Data: fitFile(t, fit.Sport(sport), fit.SubSport(sub), seconds)}},
		}},
	}
}

func statusOf(r *pluginapi.ExportResult) string {
	return fmt.Sprintf("%s %s", r.GetStatus(), r.GetMessage())
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}
