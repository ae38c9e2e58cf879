package poller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	l := p.polar
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
	var (
		raws []json.RawMessage
		err  error
	)
	if since.IsZero() {
		raws, err = fetch("", "")
	} else {
		raws, err = ranged(kind, since, p.now().In(latestZone), fetch)
	}
	if err != nil {
		return nil, err
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
