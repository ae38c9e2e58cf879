// Package syncstate keeps, per Polar account and per exporter, when each
// last synced and what went wrong last: what `polarbridge status` and the
// status page show, and the last-sync metric.
package syncstate

import (
	"sort"
	"sync"
	"time"
)

// Account is what one Polar account (an AccessLink user, a Team Pro coach
// account) did last. Zero times mean "not since the daemon started".
type Account struct {
	Source string `json:"source"` // accesslink, teampro
	ID     string `json:"id"`
	// LastEvent is when an event of the account was last taken in
	// (fetched and published) successfully.
	LastEvent time.Time `json:"last_event,omitzero"`
	// LastPoll is when a poll of every list of the account last ended
	// without error.
	LastPoll time.Time `json:"last_poll,omitzero"`
	// LastExported is when a record of the account last reached an
	// exporter.
	LastExported time.Time `json:"last_exported,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
}

// LastSync is the account's latest successful event or poll.
func (a Account) LastSync() time.Time {
	if a.LastEvent.After(a.LastPoll) {
		return a.LastEvent
	}
	return a.LastPoll
}

// Tracker records the accounts' activity; safe for concurrent use.
type Tracker struct {
	now func() time.Time
	// onSync, if set, is told each successful sync (the metric).
	onSync func(source, id string, at time.Time)

	mu       sync.Mutex
	accounts map[key]*Account
}

type key struct{ source, id string }

// New returns a tracker on the clock now; onSync (may be nil) is called
// after each successful event or poll.
func New(now func() time.Time, onSync func(source, id string, at time.Time)) *Tracker {
	return &Tracker{now: now, onSync: onSync, accounts: map[key]*Account{}}
}

func (t *Tracker) update(source, id string, f func(a *Account, now time.Time)) {
	if id == "" {
		return
	}
	now := t.now()
	t.mu.Lock()
	a, ok := t.accounts[key{source, id}]
	if !ok {
		a = &Account{Source: source, ID: id}
		t.accounts[key{source, id}] = a
	}
	f(a, now)
	t.mu.Unlock()
}

func (t *Tracker) synced(source, id string, err error, set func(a *Account, now time.Time)) {
	t.update(source, id, func(a *Account, now time.Time) {
		if err != nil {
			a.LastError, a.LastErrorAt = err.Error(), now
			return
		}
		set(a, now)
	})
	if err == nil && t.onSync != nil && id != "" {
		t.onSync(source, id, t.now())
	}
}

// Event records an event of the account handled (err nil) or failed.
func (t *Tracker) Event(source, id string, err error) {
	t.synced(source, id, err, func(a *Account, now time.Time) { a.LastEvent = now })
}

// Polled records a poll of the account that ended (err nil: every list
// answered).
func (t *Tracker) Polled(source, id string, err error) {
	t.synced(source, id, err, func(a *Account, now time.Time) { a.LastPoll = now })
}

// Exported records a record of the account that reached an exporter.
func (t *Tracker) Exported(source, id string) {
	t.update(source, id, func(a *Account, now time.Time) { a.LastExported = now })
}

// Accounts returns every account seen, by source then id.
func (t *Tracker) Accounts() []Account {
	t.mu.Lock()
	out := make([]Account, 0, len(t.accounts))
	for _, a := range t.accounts {
		out = append(out, *a)
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].ID < out[j].ID
	})
	return out
}
