package poller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
)

// SleepWise and Elixir biosensing kinds.
const (
	KindSleepWiseAlertness        = "sleepwise-alertness"
	KindSleepWiseCircadianBedtime = "sleepwise-circadian-bedtime"
	KindSkinTemperature           = "skin-temperature"
	KindSkinContacts              = "skin-contacts"
	KindECG                       = "ecg"
	KindSpO2                      = "spo2"
)

// ListedLister is the part of the AccessLink client that lists SleepWise
// and biosensing; the poller asks its Lister for it when it lists one of
// those kinds.
type ListedLister interface {
	ListSleepWiseAlertness(ctx context.Context, token string) ([]json.RawMessage, error)
	SleepWiseAlertnessRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error)
	ListSleepWiseCircadianBedtime(ctx context.Context, token string) ([]json.RawMessage, error)
	SleepWiseCircadianBedtimeRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error)
	Biosensing(ctx context.Context, token string, kind accesslink.Biosensing, from, to string) ([]json.RawMessage, error)
}

// listedKinds are the kinds whose entries travel in their events.
var listedKinds = map[string]struct {
	event      accesslink.WebhookEvent
	biosensing accesslink.Biosensing // "" for SleepWise
}{
	KindSleepWiseAlertness:        {event: accesslink.EventSleepWiseAlertness},
	KindSleepWiseCircadianBedtime: {event: accesslink.EventSleepWiseCircadianBedtime},
	KindSkinTemperature:           {accesslink.EventSkinTemperature, accesslink.BiosensingSkinTemperature},
	KindSkinContacts:              {accesslink.EventSkinContacts, accesslink.BiosensingSkinContacts},
	KindECG:                       {accesslink.EventECGTest, accesslink.BiosensingECG},
	KindSpO2:                      {accesslink.EventSpO2Test, accesslink.BiosensingSpO2},
}

// listListed lists a SleepWise or biosensing kind: the last 28 days in
// one call, or with since every day from its date to the latest date on
// Earth in ranges of accesslink.RangeMaxDays, one call per 28 days.
func (p *Poller) listListed(ctx context.Context, u accounts.User, kind string, since time.Time) ([]item, error) {
	lk := listedKinds[kind]
	l, ok := p.polar.(ListedLister)
	if !ok {
		return nil, fmt.Errorf("this AccessLink client cannot list %s", kind)
	}
	fetch := func(from, to string) ([]json.RawMessage, error) {
		switch {
		case lk.biosensing != "":
			return l.Biosensing(ctx, u.AccessToken, lk.biosensing, from, to)
		case kind == KindSleepWiseAlertness && from == "":
			return l.ListSleepWiseAlertness(ctx, u.AccessToken)
		case kind == KindSleepWiseAlertness:
			return l.SleepWiseAlertnessRange(ctx, u.AccessToken, from, to)
		case from == "":
			return l.ListSleepWiseCircadianBedtime(ctx, u.AccessToken)
		default:
			return l.SleepWiseCircadianBedtimeRange(ctx, u.AccessToken, from, to)
		}
	}
	var raws []json.RawMessage
	if since.IsZero() {
		r, err := fetch("", "")
		if err != nil {
			return nil, err
		}
		raws = r
	} else {
		y, m, d := since.Date()
		from := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		y, m, d = p.now().In(latestZone).Date()
		last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		for ; !from.After(last); from = from.AddDate(0, 0, accesslink.RangeMaxDays) {
			to := from.AddDate(0, 0, accesslink.RangeMaxDays-1)
			if to.After(last) {
				to = last
			}
			r, err := fetch(from.Format(time.DateOnly), to.Format(time.DateOnly))
			if err != nil {
				return nil, fmt.Errorf("%s %s..%s: %w", kind, from.Format(time.DateOnly), to.Format(time.DateOnly), err)
			}
			raws = append(raws, r...)
		}
	}
	items := make([]item, 0, len(raws))
	for _, raw := range raws {
		it, err := p.listedItem(u.ID, lk.event, raw)
		if err != nil {
			p.log.Warn("skip an unreadable list entry", "user", u.ID, "kind", kind, "err", err)
			continue
		}
		items = append(items, it)
	}
	return items, nil
}

// listedItem names an entry by its record's key: the normalization the
// worker will do, for the key only (keys do not depend on the zone).
func (p *Poller) listedItem(user string, event accesslink.WebhookEvent, raw json.RawMessage) (item, error) {
	sum := sha256.Sum256(raw)
	it := item{fingerprint: hex.EncodeToString(sum[:8]), event: event, data: raw}
	rec, _, err := accesslink.NormalizeListed(accesslink.ListedKinds[event], user, raw, time.UTC, p.now())
	if err != nil {
		return it, err
	}
	it.key = rec.GetKey()
	// The key's last part (a date or a UTC instant) names the entry in
	// the event's Msg-Id.
	it.entityID = it.key[strings.LastIndexByte(it.key, '.')+1:]
	// No date or start for Since: the ranged calls already began at its
	// date, and which local day a UTC period belongs to is Polar's call.
	return it, nil
}
