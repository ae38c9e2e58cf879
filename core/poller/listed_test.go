package poller_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/poller"
)

// fakeLister lists no SleepWise or biosensing entries; listedFake does.
func (f *fakeLister) ListSleepWiseAlertness(context.Context, string) ([]json.RawMessage, error) {
	return nil, f.err
}
func (f *fakeLister) SleepWiseAlertnessRange(context.Context, string, string, string) ([]json.RawMessage, error) {
	return nil, f.err
}
func (f *fakeLister) ListSleepWiseCircadianBedtime(context.Context, string) ([]json.RawMessage, error) {
	return nil, f.err
}
func (f *fakeLister) SleepWiseCircadianBedtimeRange(context.Context, string, string, string) ([]json.RawMessage, error) {
	return nil, f.err
}
func (f *fakeLister) Biosensing(context.Context, string, accesslink.Biosensing, string, string) ([]json.RawMessage, error) {
	return nil, f.err
}

// listedFake serves skin temperature nights by sleep_date and records
// each call: "list" (no range) or "from..to".
type listedFake struct {
	*fakeLister
	lmu   sync.Mutex
	temps []string // sleep dates
	calls []string
}

func (f *listedFake) Biosensing(_ context.Context, _ string, kind accesslink.Biosensing, from, to string) ([]json.RawMessage, error) {
	f.lmu.Lock()
	defer f.lmu.Unlock()
	if from == "" {
		f.calls = append(f.calls, string(kind)+" list")
		from, to = "2026-11-04", "2026-12-01"
	} else {
		f.calls = append(f.calls, string(kind)+" "+from+".."+to)
	}
	if kind != accesslink.BiosensingSkinTemperature {
		return nil, nil
	}
	var out []json.RawMessage
	for _, d := range f.temps {
		if d >= from && d <= to {
			out = append(out, json.RawMessage(`{"sleep_time_skin_temperature_celsius":34.1,"deviation_from_baseline_celsius":-0.2,"sleep_date":"`+d+`"}`))
		}
	}
	return out, nil
}

// An entry travels in its event, named by its key; a backfill asks in
// 28-day ranges up to the latest date on Earth; the same entry listed
// again is not queued again.
func TestSkinTemperatureRidesInItsEventAndBackfillsInRanges(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	l := &listedFake{fakeLister: e.l, temps: []string{"2026-10-01", "2026-11-20", "2026-12-01"}}
	at := time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC)
	p := poller.New(e.b, l, e.acc, e.seen, slog.New(slog.NewTextHandler(io.Discard, nil)), poller.WithClock(func() time.Time { return at }))
	kinds := []string{poller.KindSkinTemperature}

	prog, err := p.Cycle(ctx, poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	assert.Equal(t, 2, prog.Queued, "the last 28 days")
	assert.Equal(t, []string{"SKIN_TEMPERATURE.475.2026-11-20", "SKIN_TEMPERATURE.475.2026-12-01"}, e.msgIDs(t))
	s, err := e.b.JS.Stream(ctx, bus.EventsStream)
	require.NoError(t, err)
	msg, err := s.GetLastMsgForSubject(ctx, e.b.EventSubject(string(accesslink.EventSkinTemperature)))
	require.NoError(t, err)
	pl, err := accesslink.ParseWebhook(msg.Data)
	require.NoError(t, err)
	assert.Contains(t, string(pl.Data), `"sleep_date":"2026-12-01"`)

	prog, err = p.Cycle(ctx, poller.Scope{Kinds: kinds, Since: time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Queued, "only 2026-10-01 is new")
	assert.Equal(t, 2, prog.Known)
	assert.Equal(t, []string{"skintemperature list", "skintemperature 2026-09-20..2026-10-17",
		"skintemperature 2026-10-18..2026-11-14", "skintemperature 2026-11-15..2026-12-02"}, l.calls, "74 days: 3 calls")
}
