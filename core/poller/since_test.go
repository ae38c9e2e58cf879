package poller

import (
	"testing"
	"time"
)

func TestItemSince(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// `backfill --since 2026-11-03` on a machine in New York: local
	// midnight, 05:00 UTC.
	since := time.Date(2026, 11, 3, 0, 0, 0, 0, newYork)
	start := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	for _, tt := range []struct {
		name string
		it   item
		want bool
	}{
		{"night dated that day (a user in Helsinki)", item{date: "2026-11-03"}, true},
		{"night dated the day before", item{date: "2026-11-02"}, false},
		{"recharge dated later", item{date: "2026-11-20"}, true},
		{"exercise after since", item{start: start("2026-11-03T06:00:00+01:00")}, true},
		{"exercise before since", item{start: start("2026-11-03T04:59:00Z")}, false},
		{"exercise at since", item{start: start("2026-11-03T05:00:00Z")}, true},
		{"no date or start", item{}, true},
	} {
		if got := tt.it.since(since); got != tt.want {
			t.Errorf("%s: since = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !(item{date: "2020-01-01"}).since(time.Time{}) {
		t.Error("a zero Since keeps everything")
	}
}
