// Package poller finds Polar data without webhooks: per registered user it
// lists what AccessLink holds (exercises, nights, nightly recharges and
// cardio load of the last 28-30 days) and publishes an event for anything
// not yet taken in, or changed since, onto the same events subject and
// with the same Msg-Ids as the webhook receiver, so an item seen by both
// paths is processed once. It runs on a timer in the daemon (on its own
// without a webhook, as a catch-up beside one) and once for `polarbridge
// backfill`.
//
// Cardio load has no webhook at all: polling is its only path. Its event,
// CARDIO_LOAD, is the poller's own and carries the listed day, so a day
// costs no call beyond its list.
//
// 24/7 heart rate is listed with its ranged endpoint for the user's local
// yesterday and today (one call: today grows all day, yesterday's last
// hours sync after midnight); a day whose listing changed is queued as a
// CONTINUOUS_HEART_RATE event carrying only its date (a day is some
// 17,000 samples), which costs the worker 1 call. A day's listing is
// fingerprinted here, its push is not: with a webhook too, a day that grew
// since the last cycle is fetched by the cycle again even if its push was
// taken in (1 call; the unchanged record is not published again).
//
// Daily activity and physical information come from AccessLink's
// transactions, run by a Transactor (the AccessLink source, which
// publishes the records and commits; see accesslinksync). A cycle first
// asks the pull notifications once (GET /v3/notifications, client
// credentials) and starts a transaction only for the users and kinds
// listed there: an idle cycle costs 1 call for every user instead of one
// 204 per user and kind (2 per user). A transaction of 50 entities (the
// most Polar puts in one) is followed by another at once; a smaller one
// ends the user's kind for the cycle. A backfill (Since set), or a client
// without client credentials, does not gate: one transaction attempt per
// user and kind; AccessLink holds the last 30 days of uploads. Since does
// not limit these kinds: a transaction hands out what Polar holds and a
// commit deletes it, so all of it is published.
//
// SleepWise (alertness, circadian bedtime) and Elixir biosensing (skin
// temperature, skin contacts, ECG and SpO2 tests) are listed the same way:
// GET .../sleepwise/alertness and .../circadian-bedtime give the last 28
// days, .../biosensing/<kind> without from and to too; every new or
// changed entry's event carries it (SLEEP_WISE_ALERTNESS,
// SLEEP_WISE_CIRCADIAN_BEDTIME, SKIN_TEMPERATURE, SKIN_CONTACTS, ECG_TEST,
// SPO2_TEST), so it costs no further call.
//
// Nights and nightly recharges are listed in full too: a date's SLEEP
// event carries both entries as listed (see nights), so the worker
// fetches only a list the cycle did not read. An exercise the worker took
// in from a push carries its summary's fingerprint in the seen-state
// (seen.SummaryPrefix): listed unedited, it is known without a fetch.
//
// Cost: 11 list calls per user and cycle (one per listed kind) plus 1
// pull notifications call; every new or changed exercise then costs what
// its event costs the worker (2 calls), every new or changed day of 24/7
// heart rate 1, every other entry (nights included) none. A backfill with Since
// lists cardio load, 24/7 heart rate, SleepWise and biosensing with one
// ranged call per kind and 28 days.
package poller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Kinds the poller lists.
const (
	KindExercise        = "exercise"
	KindSleep           = "sleep"
	KindNightlyRecharge = "nightly-recharge"
	KindCardioLoad      = "cardio-load"
	// KindContinuousHeartRate is 24/7 heart rate; see listContinuousHeartRate.
	KindContinuousHeartRate = "continuous-heart-rate"
)

// AllKinds are every kind, in listing order.
var AllKinds = []string{KindExercise, KindSleep, KindNightlyRecharge, KindCardioLoad, KindContinuousHeartRate,
	KindDailyActivity, KindPhysicalInformation,
	KindSleepWiseAlertness, KindSleepWiseCircadianBedtime, KindSkinTemperature, KindSkinContacts, KindECG, KindSpO2}

// Lister is the part of the AccessLink client the poller uses.
type Lister interface {
	ListExercises(ctx context.Context, token string, opt accesslink.ExerciseOptions) ([]json.RawMessage, error)
	ListSleep(ctx context.Context, token string) ([]json.RawMessage, error)
	ListNightlyRecharge(ctx context.Context, token string) ([]json.RawMessage, error)
	ListCardioLoad(ctx context.Context, token string) ([]json.RawMessage, error)
	CardioLoadRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error)
	ContinuousHeartRateRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error)
	ListSleepWiseAlertness(ctx context.Context, token string) ([]json.RawMessage, error)
	SleepWiseAlertnessRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error)
	ListSleepWiseCircadianBedtime(ctx context.Context, token string) ([]json.RawMessage, error)
	SleepWiseCircadianBedtimeRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error)
	Biosensing(ctx context.Context, token string, kind accesslink.Biosensing, from, to string) ([]json.RawMessage, error)
}

// Poller lists and publishes.
type Poller struct {
	b        *bus.Bus
	polar    Lister
	accounts *accounts.Store
	seen     *seen.Store
	log      *slog.Logger
	now      func() time.Time
	tx       Transactor // nil: the transactional kinds are skipped
	// onUser, if set, is told each user's end of a cycle.
	onUser func(user string, err error)
}

// Option adjusts a Poller.
type Option func(*Poller)

// WithClock sets the clock that stamps events (default time.Now).
func WithClock(now func() time.Time) Option { return func(p *Poller) { p.now = now } }

// WithUserPolled has f told, after each user's lists in a cycle, whether
// they all answered (err nil).
func WithUserPolled(f func(user string, err error)) Option {
	return func(p *Poller) { p.onUser = f }
}

// New returns a Poller.
func New(b *bus.Bus, polar Lister, acc *accounts.Store, st *seen.Store, log *slog.Logger, opts ...Option) *Poller {
	p := &Poller{b: b, polar: polar, accounts: acc, seen: st, log: log, now: time.Now}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Scope limits a cycle (backfill); the zero value means everything.
type Scope struct {
	Users []string // empty: every active user
	Kinds []string // empty: AllKinds
	// Since keeps exercises that started at or after it and nights (and
	// recharges) dated on or after its date, in its location: a night is
	// dated by the user's local day, which need not be the bridge's.
	Since time.Time // zero: whatever Polar still holds
	// Progress, if set, is told about each list call and item.
	Progress func(Progress)
}

// Progress is a running count within a cycle.
type Progress = seen.Progress

// Item is one listed Polar item.
type item struct {
	key         string // seen-state key, e.g. exercise.475.aQlC83
	event       accesslink.WebhookEvent
	entityID    string
	date        string
	fingerprint string
	start       time.Time       // exercises: the local start, for Since
	data        json.RawMessage // cardio load: the listed day, sent in the event; nights: see nights
	kind        string
	summary     string // exercises: the summary's fingerprint (see seen.SummaryPrefix)
}

// since reports whether it is within a scope's Since.
func (it item) since(since time.Time) bool {
	switch {
	case since.IsZero():
		return true
	case it.date != "":
		return it.date >= since.Format(time.DateOnly)
	case !it.start.IsZero():
		return !it.start.Before(since)
	}
	return true
}

// Cycle lists and publishes once. Errors for one user (a revoked token)
// do not stop the others; they are returned joined.
func (p *Poller) Cycle(ctx context.Context, scope Scope) (Progress, error) {
	users, err := p.users(ctx, scope.Users)
	if err != nil {
		return Progress{}, err
	}
	kinds := scope.Kinds
	if len(kinds) == 0 {
		kinds = AllKinds
	}
	prog := Progress{ListsTotal: len(users) * len(kinds)}
	report := func() {
		if scope.Progress != nil {
			scope.Progress(prog)
		}
	}
	report()
	avail := p.notifications(ctx, kinds, !scope.Since.IsZero())
	var errs []error
	for _, u := range users {
		nights := newNights(kinds)
		userErrs := len(errs)
		for _, kind := range kinds {
			var items []item
			switch {
			case isTransactionKind(kind):
				err = p.transact(ctx, u, kind, avail, &prog)
			case isNightKind(kind):
				// A night's items wait for the other night list.
				items, err = p.list(ctx, u, kind, scope.Since)
				items = nights.add(kind, items, err == nil)
			default:
				items, err = p.list(ctx, u, kind, scope.Since)
			}
			prog.ListsDone++
			if err != nil {
				errs = append(errs, fmt.Errorf("user %s, %s: %w", u.ID, kind, err))
				report()
				if errors.Is(err, accesslink.ErrUnauthorized) || errors.Is(err, accesslink.ErrForbidden) {
					p.noteUserState(ctx, u, err)
					break // the other lists would fail the same way
				}
				if len(items) == 0 {
					continue
				}
			}
			for _, it := range items {
				if !it.since(scope.Since) {
					continue
				}
				prog.Found++
				outcome, err := p.consider(ctx, u, it)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				switch outcome {
				case "known", "recheck":
					prog.Known++
				case "new":
					prog.Queued++
				case "changed":
					prog.Changed++
				}
				report()
			}
			report()
		}
		if p.onUser != nil {
			p.onUser(u.ID, errors.Join(errs[userErrs:]...))
		}
	}
	return prog, errors.Join(errs...)
}

func (p *Poller) users(ctx context.Context, ids []string) ([]accounts.User, error) {
	all, err := p.accounts.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []accounts.User
	for _, u := range all {
		if len(ids) > 0 && !slices.Contains(ids, u.ID) {
			continue
		}
		if u.State != accounts.StateActive {
			p.log.Debug("skip user until re-authorized", "user", u.ID, "state", u.State)
			continue
		}
		out = append(out, u)
	}
	if len(ids) > 0 && len(out) == 0 {
		return nil, fmt.Errorf("no active user among %v (see `polarbridge users list`)", ids)
	}
	return out, nil
}

func (p *Poller) noteUserState(ctx context.Context, u accounts.User, err error) {
	state := accounts.StateUnauthorized
	if errors.Is(err, accesslink.ErrForbidden) {
		state = accounts.StateForbidden
	}
	p.log.Error("Polar refused the user's token", "user", u.ID, "state", state, "err", err)
	_ = p.accounts.SetUserState(ctx, u.ID, state, err.Error())
}

// consider publishes an event for it if it is new or changed.
func (p *Poller) consider(ctx context.Context, u accounts.User, it item) (string, error) {
	state, err := p.seen.Get(ctx, it.key)
	if err != nil {
		return "", err
	}
	if it.summary != "" && state == seen.SummaryPrefix+it.summary {
		// Taken in from a push with the summary listed now: not edited
		// since, nothing to fetch (a recheck cost the exercise and its
		// FIT again). From now on the listing's fingerprint stands.
		return "known", p.seen.Set(ctx, it.key, it.fingerprint)
	}
	var msgID, outcome string
	switch state {
	case it.fingerprint:
		return "known", nil
	case seen.Processed:
		// Taken in through a webhook, but the listing was never seen: it
		// may have been edited since (Polar sends no webhook for edits).
		// Fetch it once more; an unchanged record is not published again.
		outcome = "recheck"
		msgID = it.fingerprint
	case "", seen.PendingPrefix + it.fingerprint:
		outcome = "new"
	default:
		outcome = "changed"
		// A new id, or the de-duplication window would drop it.
		msgID = it.fingerprint
	}
	dup, err := p.publish(ctx, u, it, msgID)
	if err != nil {
		return "", err
	}
	if dup {
		// The same event is already on its way (a webhook, or the
		// night's SLEEP event, which carries its recharge too). The
		// worker turns the pending fingerprint into the item's when it
		// takes the item in; if it could not, the next cycle asks again.
		return "known", p.seen.Set(ctx, it.key, seen.PendingPrefix+it.fingerprint)
	}
	p.log.Info("poller queued", "item", it.key, "why", outcome)
	return outcome, p.seen.Set(ctx, it.key, it.fingerprint)
}

// publish puts the event a webhook would have carried on the events
// subject, with the webhook's Msg-Id (plus suffix for a change).
func (p *Poller) publish(ctx context.Context, u accounts.User, it item, suffix string) (duplicate bool, err error) {
	payload := accesslink.WebhookPayload{
		Event:     it.event,
		EntityID:  it.entityID,
		Date:      it.date,
		Timestamp: p.now().UTC().Format(time.RFC3339),
		Data:      it.data,
	}
	fmt.Sscan(u.ID, &payload.UserID)
	body, err := json.Marshal(payload)
	if err != nil {
		return false, err
	}
	id := payload.MsgID(body)
	if suffix != "" {
		id += "." + suffix
	}
	msg := nats.NewMsg(p.b.EventSubject(string(it.event)))
	msg.Data = body
	msg.Header.Set(accesslink.HeaderEvent, string(it.event))
	msg.Header.Set("Polarbridge-Source", "poller")
	ack, err := p.b.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(id))
	if err != nil {
		return false, fmt.Errorf("publish event for %s: %w", it.key, err)
	}
	return ack.Duplicate, nil
}

// list fetches one kind for a user and turns it into items; since (not
// zero) asks Polar for cardio load from its date on.
func (p *Poller) list(ctx context.Context, u accounts.User, kind string, since time.Time) ([]item, error) {
	var (
		raws []json.RawMessage
		err  error
	)
	switch kind {
	case KindExercise:
		raws, err = p.polar.ListExercises(ctx, u.AccessToken, accesslink.ExerciseOptions{})
	case KindSleep:
		raws, err = p.polar.ListSleep(ctx, u.AccessToken)
	case KindNightlyRecharge:
		raws, err = p.polar.ListNightlyRecharge(ctx, u.AccessToken)
	case KindCardioLoad:
		raws, err = p.listCardioLoad(ctx, u, since)
	case KindContinuousHeartRate:
		raws, err = p.listContinuousHeartRate(ctx, u, since)
	case KindSleepWiseAlertness, KindSleepWiseCircadianBedtime, KindSkinTemperature, KindSkinContacts, KindECG, KindSpO2:
		return p.listListed(ctx, u, kind, since)
	default:
		return nil, fmt.Errorf("unknown kind %q (%s)", kind, strings.Join(AllKinds, ", "))
	}
	if err != nil {
		return nil, err
	}
	items := make([]item, 0, len(raws))
	for _, raw := range raws {
		it, err := toItem(u.ID, kind, raw)
		if errors.Is(err, errNotAvailable) {
			continue
		}
		if err != nil {
			p.log.Warn("skip an unreadable list entry", "user", u.ID, "kind", kind, "err", err)
			continue
		}
		items = append(items, it)
	}
	return items, nil
}

// latestZone is UTC+14, where the date is the latest on Earth: a
// backfill asks up to its date so no user's today is left out (Polar
// answers a day still ahead as not available).
var latestZone = time.FixedZone("UTC+14", 14*3600)

// listCardioLoad lists the last 28 days, or with since every day from its
// date on, in ranges of accesslink.RangeMaxDays: the fewest
// calls Polar's ranged endpoint allows, one per 28 days.
func (p *Poller) listCardioLoad(ctx context.Context, u accounts.User, since time.Time) ([]json.RawMessage, error) {
	if since.IsZero() {
		return p.polar.ListCardioLoad(ctx, u.AccessToken)
	}
	return ranged("cardio load", since, p.now().In(latestZone), func(from, to string) ([]json.RawMessage, error) {
		return p.polar.CardioLoadRange(ctx, u.AccessToken, from, to)
	})
}

// ranged asks fetch for the days from first to last in the fewest
// ranged calls (accesslink.DateRanges) and joins what they list.
func ranged(what string, first, last time.Time, fetch func(from, to string) ([]json.RawMessage, error)) ([]json.RawMessage, error) {
	var all []json.RawMessage
	for _, r := range accesslink.DateRanges(first, last) {
		raws, err := fetch(r.From, r.To)
		if err != nil {
			return nil, fmt.Errorf("%s %s..%s: %w", what, r.From, r.To, err)
		}
		all = append(all, raws...)
	}
	return all, nil
}

// errNotAvailable marks a listed day Polar could not calculate: not an
// item, there is nothing to export.
var errNotAvailable = errors.New("not available")

func toItem(user, kind string, raw []byte) (item, error) {
	sum := sha256.Sum256(raw)
	it := item{fingerprint: hex.EncodeToString(sum[:8]), kind: kind}
	switch kind {
	case KindExercise:
		ex, err := accesslink.DecodeExercise(raw)
		if err != nil {
			return it, err
		}
		it.entityID = string(ex.ID)
		it.summary = ex.SummaryFingerprint()
		it.key = pluginapi.ExerciseKey(user, it.entityID)
		it.event = accesslink.EventExercise
		if t, err := accesslink.ParseLocalStart(ex.StartTime, ex.StartTimeUTCOffset); err == nil {
			it.start = t
		}
	case KindSleep:
		s, err := accesslink.DecodeSleep(raw)
		if err != nil {
			return it, err
		}
		it.date, it.key, it.event, it.data = s.Date, pluginapi.SleepKey(user, s.Date), accesslink.EventSleep, json.RawMessage(raw)
	case KindNightlyRecharge:
		r, err := accesslink.DecodeNightlyRecharge(raw)
		if err != nil {
			return it, err
		}
		it.date, it.key, it.event, it.data = r.Date, pluginapi.NightlyRechargeKey(user, r.Date), accesslink.EventSleep, json.RawMessage(raw)
	case KindCardioLoad:
		c, err := accesslink.DecodeCardioLoad(raw)
		if err != nil {
			return it, err
		}
		if !c.Available() {
			return it, errNotAvailable
		}
		it.date, it.key, it.event, it.data = c.Date, pluginapi.CardioLoadKey(user, c.Date), accesslink.EventCardioLoad, json.RawMessage(raw)
	case KindContinuousHeartRate:
		date, samples, err := accesslink.ContinuousHeartRateDay(raw)
		if err != nil {
			return it, err
		}
		if samples == 0 {
			return it, errNotAvailable
		}
		it.date, it.key, it.event = date, pluginapi.ContinuousHeartRateKey(user, date), accesslink.EventContinuousHeartRate
	}
	if it.key == "" || (it.entityID == "" && it.date == "") {
		return it, errors.New("list entry without id or date")
	}
	return it, nil
}
