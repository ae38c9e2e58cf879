package poller_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/poller"
)

// nightEvents are the SLEEP events published so far: date → the night
// they carry.
func (e *env) nightEvents(t *testing.T) map[string]accesslink.ListedNight {
	t.Helper()
	out := map[string]accesslink.ListedNight{}
	for _, raw := range e.events(t) {
		p, err := accesslink.ParseWebhook(raw.Data)
		require.NoError(t, err)
		if p.Event != accesslink.EventSleep {
			continue
		}
		var ln accesslink.ListedNight
		require.NoError(t, json.Unmarshal(p.Data, &ln), "a poller's SLEEP event carries its night")
		out[p.Date] = ln
	}
	return out
}

const (
	night1    = `{"date":"2026-12-01","sleep_score":80}`
	recharge1 = `{"date":"2026-12-01","ans_charge":3}`
	night0    = `{"date":"2026-11-30","sleep_score":70}` // its recharge not computed yet
)

// The night and recharge lists hold full entries: a date's SLEEP event
// carries both, so the worker fetches neither.
func TestNightRidesInItsEvent(t *testing.T) {
	e := start(t)
	e.l.nights, e.l.recharge = []string{night0, night1}, []string{recharge1}
	prog, err := e.p.Cycle(context.Background(), poller.Scope{Kinds: []string{poller.KindSleep, poller.KindNightlyRecharge}})
	require.NoError(t, err)
	assert.Equal(t, 2, prog.Queued, "one event per date; the recharge rides on its night's")
	got := e.nightEvents(t)
	require.Len(t, got, 2)
	assert.True(t, got["2026-12-01"].SleepListed && got["2026-12-01"].RechargeListed)
	assert.JSONEq(t, night1, string(got["2026-12-01"].Sleep))
	assert.JSONEq(t, recharge1, string(got["2026-12-01"].NightlyRecharge))
	assert.True(t, got["2026-11-30"].RechargeListed, "listed: Polar has no recharge for the date yet")
	assert.Empty(t, got["2026-11-30"].NightlyRecharge)
}

// A night list outside the scope, or one that failed, is left to the
// worker to fetch: the event does not claim it was listed.
func TestNightEventClaimsOnlyWhatWasListed(t *testing.T) {
	t.Run("scope", func(t *testing.T) {
		e := start(t)
		e.l.nights = []string{night1}
		_, err := e.p.Cycle(context.Background(), poller.Scope{Kinds: []string{poller.KindSleep}})
		require.NoError(t, err)
		got := e.nightEvents(t)["2026-12-01"]
		assert.True(t, got.SleepListed)
		assert.False(t, got.RechargeListed, "the recharge list was not asked")
	})
	t.Run("failed list", func(t *testing.T) {
		e := start(t)
		e.l.nights, e.l.rechargeErr = []string{night1}, errors.New("502 from Polar")
		_, err := e.p.Cycle(context.Background(), poller.Scope{Kinds: []string{poller.KindSleep, poller.KindNightlyRecharge}})
		require.ErrorContains(t, err, "502 from Polar")
		got := e.nightEvents(t)["2026-12-01"]
		assert.True(t, got.SleepListed, "the night is queued all the same")
		assert.False(t, got.RechargeListed)
		assert.JSONEq(t, night1, string(got.Sleep))
	})
}
