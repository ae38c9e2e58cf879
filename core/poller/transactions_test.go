package poller_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/poller"
)

// fakeTransactor hands out transactions of the given sizes, per kind.
type fakeTransactor struct {
	mu    sync.Mutex
	sizes map[string][]int
	calls map[string]int // user/kind: transactions run
}

func (f *fakeTransactor) Transaction(_ context.Context, u accounts.User, kind string) (poller.TransactionResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[u.ID+"/"+kind]++
	if len(f.sizes[kind]) == 0 {
		return poller.TransactionResult{}, nil
	}
	n := f.sizes[kind][0]
	f.sizes[kind] = f.sizes[kind][1:]
	return poller.TransactionResult{Items: n, Published: n}, nil
}

// notifyingLister adds pull notifications to the fake lister.
type notifyingLister struct {
	*fakeLister
	notes []accesslink.AvailableUserData
	err   error
	calls int
}

func (n *notifyingLister) Notifications(context.Context) ([]accesslink.AvailableUserData, error) {
	n.calls++
	return n.notes, n.err
}

var txKinds = []string{poller.KindDailyActivity, poller.KindPhysicalInformation}

// A full transaction (50) is followed by another at once; a smaller one
// ends the kind for the cycle.
func TestFullTransactionIsFollowedAtOnce(t *testing.T) {
	e := start(t)
	tx := &fakeTransactor{sizes: map[string][]int{poller.KindDailyActivity: {50, 50, 7, 3}}}
	e.p.SetTransactor(tx)
	prog, err := e.p.Cycle(context.Background(), poller.Scope{Kinds: txKinds})
	require.NoError(t, err)
	assert.Equal(t, 3, tx.calls["475/"+poller.KindDailyActivity], "50, 50, then 7: the 3 wait for the next cycle")
	assert.Equal(t, 1, tx.calls["475/"+poller.KindPhysicalInformation], "a 204")
	assert.Equal(t, 107, prog.Transacted)
	assert.Equal(t, 107, prog.Found)
}

// With pull notifications, only the users and kinds listed get a
// transaction; without credentials (or when the call fails) every user
// does.
func TestNotificationsGateTransactions(t *testing.T) {
	ctx := context.Background()
	e := start(t)
	require.NoError(t, e.acc.PutUser(ctx, accounts.User{ID: "476", AccessToken: "tok2", State: accounts.StateActive}))
	nl := &notifyingLister{fakeLister: e.l, notes: []accesslink.AvailableUserData{
		{UserID: 476, DataType: "PHYSICAL_INFORMATION"}, {UserID: 475, DataType: "EXERCISE"},
	}}
	p := poller.New(e.b, nl, e.acc, e.seen, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tx := &fakeTransactor{}
	p.SetTransactor(tx)
	_, err := p.Cycle(ctx, poller.Scope{Kinds: txKinds})
	require.NoError(t, err)
	assert.Equal(t, 1, nl.calls)
	assert.Equal(t, map[string]int{"476/" + poller.KindPhysicalInformation: 1}, tx.calls)

	nl.notes = nil // 204: nothing anywhere
	tx.calls = nil
	_, err = p.Cycle(ctx, poller.Scope{Kinds: txKinds})
	require.NoError(t, err)
	assert.Empty(t, tx.calls, "an idle cycle starts no transaction")

	nl.err = errors.New("boom")
	_, err = p.Cycle(ctx, poller.Scope{Kinds: txKinds})
	require.NoError(t, err)
	assert.Len(t, tx.calls, 4, "the notifications failed: every user and kind")

	// Lists only: no notifications call.
	calls := nl.calls
	_, err = p.Cycle(ctx, poller.Scope{Kinds: []string{poller.KindExercise}})
	require.NoError(t, err)
	assert.Equal(t, calls, nl.calls)
}
