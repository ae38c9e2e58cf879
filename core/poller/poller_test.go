package poller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/internal/testbus"
)

// fakeLister is what AccessLink lists, as JSON entries, per kind.
type fakeLister struct {
	mu                          sync.Mutex
	exercises, nights, recharge []string
	cardio                      []string // every day Polar holds, oldest first
	ranges                      [][2]string
	heartRate                   []string // 24/7 heart rate days, oldest first
	heartRateRanges             [][2]string
	err                         error
	rechargeErr                 error // the recharge list's alone
}

func raws(list []string) []json.RawMessage {
	out := make([]json.RawMessage, len(list))
	for i, s := range list {
		out[i] = json.RawMessage(s)
	}
	return out
}

func (f *fakeLister) ListExercises(context.Context, string, accesslink.ExerciseOptions) ([]json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return raws(f.exercises), f.err
}

func (f *fakeLister) ListSleep(context.Context, string) ([]json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return raws(f.nights), f.err
}

func (f *fakeLister) ListNightlyRecharge(context.Context, string) ([]json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rechargeErr != nil {
		return nil, f.rechargeErr
	}
	return raws(f.recharge), f.err
}

func (f *fakeLister) ListCardioLoad(context.Context, string) ([]json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return raws(f.cardio), f.err
}

// CardioLoadRange returns the days from..to and records the range.
func (f *fakeLister) CardioLoadRange(_ context.Context, _, from, to string) ([]json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ranges = append(f.ranges, [2]string{from, to})
	var out []json.RawMessage
	for _, raw := range raws(f.cardio) {
		var d struct{ Date string }
		if err := json.Unmarshal(raw, &d); err == nil && d.Date >= from && d.Date <= to {
			out = append(out, raw)
		}
	}
	return out, f.err
}

func cardioDay(date, status string, load float64) string {
	return fmt.Sprintf(`{"date":%q,"cardio_load_status":%q,"cardio_load":%v,"strain":40,"tolerance":50,"cardio_load_ratio":0.8}`, date, status, load)
}

func exercise(id string, calories int) string {
	return fmt.Sprintf(`{"id":%q,"start-time":"2026-12-01T07:00:00","start-time-utc-offset":120,"duration":"PT30M","calories":%d}`, id, calories)
}

type env struct {
	b    *bus.Bus
	acc  *accounts.Store
	seen *seen.Store
	p    *poller.Poller
	l    *fakeLister
}

func start(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	b := testbus.Open(t)
	acc, err := accounts.Open(ctx, b)
	require.NoError(t, err)
	require.NoError(t, acc.PutUser(ctx, accounts.User{ID: "475", AccessToken: "tok", State: accounts.StateActive}))
	st, err := seen.Open(ctx, b)
	require.NoError(t, err)
	l := &fakeLister{
		exercises: []string{exercise("a1", 300)},
		nights:    []string{`{"date":"2026-12-01"}`},
		recharge:  []string{`{"date":"2026-12-01"}`},
	}
	at := time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC)
	p := poller.New(b, l, acc, st, slog.New(slog.NewTextHandler(io.Discard, nil)), poller.WithClock(func() time.Time { return at }))
	return &env{b: b, acc: acc, seen: st, p: p, l: l}
}

// events are the events published so far, in order.
func (e *env) events(t *testing.T) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	s, err := e.b.JS.Stream(ctx, bus.EventsStream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		raw, err := s.GetMsg(ctx, seq)
		require.NoError(t, err)
		out = append(out, raw)
	}
	return out
}

// msgIDs are the Msg-Ids of the events published so far, in order.
func (e *env) msgIDs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, raw := range e.events(t) {
		out = append(out, raw.Header.Get("Nats-Msg-Id"))
	}
	return out
}

func TestCycleQueuesWhatIsNewOnce(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	prog, err := e.p.Cycle(ctx, poller.Scope{})
	require.NoError(t, err)
	assert.Equal(t, 3, prog.Found)
	assert.Equal(t, 2, prog.Queued, "the exercise and the night; the recharge rides on the night's event")
	assert.Equal(t, []string{"EXERCISE.475.a1", "SLEEP.475.2026-12-01"}, e.msgIDs(t), "the webhook's Msg-Ids")

	prog, err = e.p.Cycle(ctx, poller.Scope{})
	require.NoError(t, err)
	assert.Zero(t, prog.Queued+prog.Changed, "nothing new")
	assert.Len(t, e.msgIDs(t), 2)
}

func TestCycleNoticesAChange(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	_, err := e.p.Cycle(ctx, poller.Scope{})
	require.NoError(t, err)
	e.l.mu.Lock()
	e.l.exercises = []string{exercise("a1", 999)} // edited in Flow: no webhook
	e.l.mu.Unlock()
	prog, err := e.p.Cycle(ctx, poller.Scope{})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Changed)
	ids := e.msgIDs(t)
	require.Len(t, ids, 3)
	assert.Regexp(t, `^EXERCISE\.475\.a1\.[0-9a-f]{16}$`, ids[2], "a new Msg-Id, or the duplicate window would drop it")
}

// An item the worker took in from a webhook is fetched once more on its
// first listing (it may have been edited meanwhile), then known.
func TestCycleRechecksWhatAWebhookBrought(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	require.NoError(t, e.seen.MarkProcessed(ctx, "exercise.475.a1"))
	prog, err := e.p.Cycle(ctx, poller.Scope{Kinds: []string{poller.KindExercise}})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Known)
	ids := e.msgIDs(t)
	require.Len(t, ids, 1)
	assert.Regexp(t, `^EXERCISE\.475\.a1\.[0-9a-f]{16}$`, ids[0])
	prog, err = e.p.Cycle(ctx, poller.Scope{Kinds: []string{poller.KindExercise}})
	require.NoError(t, err)
	assert.Len(t, e.msgIDs(t), 1, "known from now on")
	assert.Equal(t, 1, prog.Known)
}

// An exercise the worker took in from a push, with the summary's
// fingerprint: listed unedited it is known (no fetch); edited since, it
// is a change.
func TestCycleComparesAPushedExercisesSummary(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	e.l.exercises = []string{exercise("a1", 300), exercise("a2", 400)}
	listed := func(raw string) string {
		ex, err := accesslink.DecodeExercise([]byte(raw))
		require.NoError(t, err)
		return ex.SummaryFingerprint()
	}
	require.NoError(t, e.seen.MarkProcessedSummary(ctx, "exercise.475.a1", listed(exercise("a1", 300))))
	require.NoError(t, e.seen.MarkProcessedSummary(ctx, "exercise.475.a2", listed(exercise("a2", 350)))) // edited to 400 since
	prog, err := e.p.Cycle(ctx, poller.Scope{Kinds: []string{poller.KindExercise}})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Known)
	assert.Equal(t, 1, prog.Changed)
	ids := e.msgIDs(t)
	require.Len(t, ids, 1)
	assert.Regexp(t, `^EXERCISE\.475\.a2\.[0-9a-f]{16}$`, ids[0])

	prog, err = e.p.Cycle(ctx, poller.Scope{Kinds: []string{poller.KindExercise}})
	require.NoError(t, err)
	assert.Equal(t, 2, prog.Known, "the listing's fingerprint stands from now on")
	assert.Len(t, e.msgIDs(t), 1)
}

func TestRevokedTokenMarksTheUser(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	e.l.err = fmt.Errorf("list: %w", accesslink.ErrUnauthorized)
	_, err := e.p.Cycle(ctx, poller.Scope{})
	assert.ErrorIs(t, err, accesslink.ErrUnauthorized)
	u, err := e.acc.User(ctx, "475")
	require.NoError(t, err)
	assert.Equal(t, accounts.StateUnauthorized, u.State)
	// The next cycle skips the user instead of calling Polar again.
	prog, err := e.p.Cycle(ctx, poller.Scope{})
	require.NoError(t, err)
	assert.Zero(t, prog.ListsTotal)
}

// A cardio load day travels in its event: the worker needs no call. A day
// Polar could not calculate is no item; a re-computed day is a change.
func TestCardioLoadDayRidesInItsEvent(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	day := cardioDay("2026-12-01", "PRODUCTIVE", 80)
	e.l.cardio = []string{cardioDay("2026-11-30", "LOAD_STATUS_NOT_AVAILABLE", 0), day}
	kinds := []string{poller.KindCardioLoad}
	prog, err := e.p.Cycle(ctx, poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Found, "the uncalculated day is not an item")
	assert.Equal(t, 1, prog.Queued)
	assert.Equal(t, []string{"CARDIO_LOAD.475.2026-12-01"}, e.msgIDs(t))
	s, err := e.b.JS.Stream(ctx, bus.EventsStream)
	require.NoError(t, err)
	msg, err := s.GetLastMsgForSubject(ctx, e.b.EventSubject(string(accesslink.EventCardioLoad)))
	require.NoError(t, err)
	p, err := accesslink.ParseWebhook(msg.Data)
	require.NoError(t, err)
	assert.Equal(t, "2026-12-01", p.Date)
	assert.JSONEq(t, day, string(p.Data))

	e.l.mu.Lock()
	e.l.cardio[1] = cardioDay("2026-12-01", "PRODUCTIVE", 120) // a second session that day
	e.l.mu.Unlock()
	prog, err = e.p.Cycle(ctx, poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Changed)
	ids := e.msgIDs(t)
	require.Len(t, ids, 2)
	assert.Regexp(t, `^CARDIO_LOAD\.475\.2026-12-01\.[0-9a-f]{16}$`, ids[1])
	assert.Empty(t, e.l.ranges, "a poll lists the last 28 days in one call")
}

// A backfill asks for cardio load in 28-day ranges, from Since's date to
// the latest date on Earth (the clock is 21:45 UTC: 2026-12-02 in UTC+14).
func TestCardioLoadBackfillRanges(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	e.l.cardio = []string{cardioDay("2026-09-30", "PRODUCTIVE", 10), cardioDay("2026-10-01", "PRODUCTIVE", 20), cardioDay("2026-12-02", "MAINTAINING", 30)}
	since := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	prog, err := e.p.Cycle(ctx, poller.Scope{Kinds: []string{poller.KindCardioLoad}, Since: since})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"2026-10-01", "2026-10-28"}, {"2026-10-29", "2026-11-25"}, {"2026-11-26", "2026-12-02"}}, e.l.ranges,
		"63 days: 3 calls")
	assert.Equal(t, 2, prog.Queued)
	assert.Equal(t, []string{"CARDIO_LOAD.475.2026-10-01", "CARDIO_LOAD.475.2026-12-02"}, e.msgIDs(t))
}
