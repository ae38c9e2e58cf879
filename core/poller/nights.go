package poller

import (
	"encoding/json"

	"github.com/polarbridge/polarbridge/core/accesslink"
)

// nights pairs one user's sleep and nightly recharge lists. Both lists
// hold full entries and a date's two items share one SLEEP event (one
// Msg-Id), so the event carries both entries as listed
// (accesslink.ListedNight) and the worker fetches neither: a new night
// costs no call beyond the two lists (it cost 2). A list outside the
// scope, or one that failed, is not claimed: the worker fetches that one.
type nights struct {
	pending map[string]bool // night kinds in scope not listed yet
	listed  map[string]bool
	items   []item
}

func newNights(kinds []string) *nights {
	n := &nights{pending: map[string]bool{}, listed: map[string]bool{}}
	for _, k := range kinds {
		if isNightKind(k) {
			n.pending[k] = true
		}
	}
	return n
}

func isNightKind(kind string) bool { return kind == KindSleep || kind == KindNightlyRecharge }

// add takes the items of one night kind (ok: its list answered). It
// returns nothing until the last night kind in scope is in, then every
// night item, each carrying its date's entries.
func (n *nights) add(kind string, items []item, ok bool) []item {
	delete(n.pending, kind)
	if ok {
		n.listed[kind] = true
		n.items = append(n.items, items...)
	}
	if len(n.pending) > 0 {
		return nil
	}
	byDate := map[string]*accesslink.ListedNight{}
	for _, it := range n.items {
		ln := byDate[it.date]
		if ln == nil {
			ln = &accesslink.ListedNight{SleepListed: n.listed[KindSleep], RechargeListed: n.listed[KindNightlyRecharge]}
			byDate[it.date] = ln
		}
		if it.kind == KindSleep {
			ln.Sleep = it.data
		} else {
			ln.NightlyRecharge = it.data
		}
	}
	out := n.items
	n.items = nil
	for i := range out {
		data, err := json.Marshal(byDate[out[i].date])
		if err != nil {
			// Raw JSON from a list that decoded: cannot fail. Without
			// data the worker fetches the night.
			data = nil
		}
		out[i].data = data
	}
	return out
}
