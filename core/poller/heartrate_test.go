package poller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/poller"
)

// ContinuousHeartRateRange returns the days from..to and records the range.
func (f *fakeLister) ContinuousHeartRateRange(_ context.Context, _, from, to string) ([]json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.heartRateRanges = append(f.heartRateRanges, [2]string{from, to})
	var out []json.RawMessage
	for _, raw := range raws(f.heartRate) {
		var d struct{ Date string }
		if err := json.Unmarshal(raw, &d); err == nil && d.Date >= from && d.Date <= to {
			out = append(out, raw)
		}
	}
	return out, f.err
}

func heartRateDay(date string, samples ...int) string {
	s := ""
	for i, hr := range samples {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf(`{"heart_rate":%d,"sample_time":"00:%02d:00"}`, hr, i)
	}
	return fmt.Sprintf(`{"polar_user":"https://polaraccesslink.com/v3/users/475","date":%q,"heart_rate_samples":[%s]}`, date, s)
}

// startInZone is start with user 475 living in zone.
func startInZone(t *testing.T, zone string) *env {
	t.Helper()
	e := start(t)
	require.NoError(t, e.acc.PutUser(context.Background(), accounts.User{ID: "475", AccessToken: "tok", State: accounts.StateActive, Zone: zone}))
	return e
}

// A poll asks for the user's local yesterday and today in one call (the
// clock is 21:45 UTC: 2026-12-02 in Auckland); a day with samples is an
// event that carries only its date, a day without none; a day that grew
// is a change, an unchanged one is not queued again.
func TestContinuousHeartRatePollsTwoLocalDays(t *testing.T) {
	ctx := context.Background()
	e := startInZone(t, "Pacific/Auckland")
	e.l.heartRate = []string{heartRateDay("2026-11-30", 50), heartRateDay("2026-12-01", 60, 61), heartRateDay("2026-12-02")}
	kinds := []string{poller.KindContinuousHeartRate}
	prog, err := e.p.Cycle(ctx, poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"2026-12-01", "2026-12-02"}}, e.l.heartRateRanges)
	assert.Equal(t, 1, prog.Found, "2026-11-30 is not asked for, 2026-12-02 has no samples yet")
	assert.Equal(t, 1, prog.Queued)
	assert.Equal(t, []string{"CONTINUOUS_HEART_RATE.475.2026-12-01"}, e.msgIDs(t), "the webhook's Msg-Id")
	s, err := e.b.JS.Stream(ctx, bus.EventsStream)
	require.NoError(t, err)
	msg, err := s.GetLastMsgForSubject(ctx, e.b.EventSubject(string(accesslink.EventContinuousHeartRate)))
	require.NoError(t, err)
	p, err := accesslink.ParseWebhook(msg.Data)
	require.NoError(t, err)
	assert.Equal(t, "2026-12-01", p.Date)
	assert.Empty(t, p.Data, "the samples stay with Polar")
	assert.Less(t, len(msg.Data), 200, "an event is small")

	prog, err = e.p.Cycle(ctx, poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Known)
	assert.Zero(t, prog.Queued+prog.Changed, "nothing changed")

	e.l.mu.Lock()
	e.l.heartRate[1] = heartRateDay("2026-12-01", 60, 61, 62) // synced later that day
	e.l.heartRate[2] = heartRateDay("2026-12-02", 55)
	e.l.mu.Unlock()
	prog, err = e.p.Cycle(ctx, poller.Scope{Kinds: kinds})
	require.NoError(t, err)
	assert.Equal(t, 1, prog.Changed)
	assert.Equal(t, 1, prog.Queued)
	ids := e.msgIDs(t)
	require.Len(t, ids, 3)
	assert.Regexp(t, `^CONTINUOUS_HEART_RATE\.475\.2026-12-01\.[0-9a-f]{16}$`, ids[1], "a new Msg-Id for the change")
	assert.Equal(t, "CONTINUOUS_HEART_RATE.475.2026-12-02", ids[2])
}

// The user's zone decides which days are theirs: at 21:45 UTC it is
// still 2026-12-01 in New York.
func TestContinuousHeartRatePollFollowsTheUsersZone(t *testing.T) {
	e := startInZone(t, "America/New_York")
	_, err := e.p.Cycle(context.Background(), poller.Scope{Kinds: []string{poller.KindContinuousHeartRate}})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"2026-11-30", "2026-12-01"}}, e.l.heartRateRanges)
}

// A backfill walks from Since's date to the user's today in 28-day
// ranges.
func TestContinuousHeartRateBackfillRanges(t *testing.T) {
	e := startInZone(t, "Europe/Helsinki")
	e.l.heartRate = []string{heartRateDay("2026-09-30", 50), heartRateDay("2026-10-01", 51), heartRateDay("2026-12-01", 52)}
	since := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	prog, err := e.p.Cycle(context.Background(), poller.Scope{Kinds: []string{poller.KindContinuousHeartRate}, Since: since})
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"2026-10-01", "2026-10-28"}, {"2026-10-29", "2026-11-25"}, {"2026-11-26", "2026-12-01"}}, e.l.heartRateRanges,
		"62 days: 3 calls")
	assert.Equal(t, 2, prog.Queued)
	assert.Equal(t, []string{"CONTINUOUS_HEART_RATE.475.2026-10-01", "CONTINUOUS_HEART_RATE.475.2026-12-01"}, e.msgIDs(t))
}
