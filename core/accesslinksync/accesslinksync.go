// Package accesslinksync is the AccessLink source: it handles AccessLink's
// events (a push, or the poller's event for an item it listed) by fetching
// the data they announce, normalizing it into records and publishing them
// once per content version, and it polls through package poller.
//
// Polar calls per event: EXERCISE costs 2 (the exercise with samples and
// zones, and its FIT file, always fetched: the samples are decoded from it),
// and without a FIT file 1 more (TCX) or 2 (TCX, then GPX for a route)
// only when an exporter takes files (see Source.ExerciseFiles); SLEEP
// pushed by Polar costs 2 (that date's sleep and nightly recharge: Polar
// sends no webhook for the recharge, it belongs to the night), the
// poller's SLEEP none (it carries both as listed; a list the poller did
// not read is fetched); CARDIO_LOAD costs none (the poller's
// own event: Polar has no webhook for cardio load, the poller lists it and
// the event carries the listed day); CONTINUOUS_HEART_RATE costs 1 (that
// date's 24/7 heart rate, GET /v3/users/continuous-heart-rate/{date}: the
// event carries only the date, a day is some 17,000 samples).
// SLEEP_WISE_ALERTNESS and SLEEP_WISE_CIRCADIAN_BEDTIME pushed by Polar
// cost 1 (the ranged GET .../date?from&to of the announced from..to, one
// more per further 28 days); the same events from the poller, and
// SKIN_TEMPERATURE, SKIN_CONTACTS, ECG_TEST and SPO2_TEST (the poller's
// own: Polar has no webhook for Elixir biosensing) carry their entry and
// cost none.
//
// Daily activity and physical information have no event: AccessLink
// serves them through transactions, which Source.Transaction runs when
// the poller's cycle calls it (per user and kind, see package poller).
// The source owns the records publisher, so it is the one that can tell
// when every record of a transaction is durable: it creates the
// transaction, fetches its entities, publishes each record (Publish
// returns after JetStream acknowledged it) and only then commits, since
// AccessLink deletes committed data. A crash or a failed commit leaves
// the transaction to be disbanded after 10 minutes; the next one hands
// out the same data, whose records have the same content version and are
// not published again. Cost of a transaction: create, list and commit (3
// calls), then per activity summary 1 call, and 2 more (step and zone
// samples) for each date whose latest summary is newer than the one
// published (older and already published ones cost nothing more); per
// physical information entry 1 call.
package accesslinksync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/core/source"
	"github.com/polarbridge/polarbridge/core/sports"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Name is the source's name.
const Name = "accesslink"

// Polar is the part of the AccessLink client the source uses.
type Polar interface {
	GetExercise(ctx context.Context, token, id string, opt accesslink.ExerciseOptions) ([]byte, error)
	GetFile(ctx context.Context, token, id string, format accesslink.FileFormat) ([]byte, bool, error)
	GetSleep(ctx context.Context, token, date string) ([]byte, bool, error)
	GetNightlyRecharge(ctx context.Context, token, date string) ([]byte, bool, error)
	GetContinuousHeartRate(ctx context.Context, token, date string) ([]byte, bool, error)
	// A SleepWise push's announced range (the poller's events carry
	// their entry and need none).
	SleepWiseAlertnessRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error)
	SleepWiseCircadianBedtimeRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error)
	// The transactions of daily activity and physical information.
	CreateTransaction(ctx context.Context, token, userID string, k accesslink.TransactionKind) (int64, bool, error)
	ListTransaction(ctx context.Context, token, userID string, k accesslink.TransactionKind, txID int64) ([]int64, error)
	GetTransactionItem(ctx context.Context, token, userID string, k accesslink.TransactionKind, txID, id int64, sub string) ([]byte, bool, error)
	CommitTransaction(ctx context.Context, token, userID string, k accesslink.TransactionKind, txID int64) error
}

// Marker records items the source took in, so the poller does not fetch
// them again.
type Marker interface {
	MarkProcessed(ctx context.Context, item string) error
}

// Source is the AccessLink source.
type Source struct {
	polar    Polar
	accounts *accounts.Store
	pub      *records.Publisher
	sports   *sports.Table
	seen     Marker
	poller   *poller.Poller
	log      *slog.Logger
	// OnNoData, if set, counts items Polar answered with no data.
	OnNoData func(kind string)
	// OnImplausible, if set, counts each field of a record whose values
	// were dropped as implausible (w.Count values).
	OnImplausible func(w plausible.Warning)
	// OnZoneMismatch, if set, counts exercises and nights whose UTC
	// offset disagrees with the user's zone (see checkZone).
	OnZoneMismatch func()
	// ExerciseFiles: some exporter takes exercises with their files'
	// bytes (include_files, and the exercise kind). Only then is an
	// exercise without a FIT file worth its TCX or GPX: they are never
	// decoded, only attached for such exporters to upload (Strava,
	// intervals.icu) or store (PostgreSQL). The daemon sets it at each
	// start from the exporters it runs.
	ExerciseFiles bool
	// Now is the calendar clock a record's time is judged by: one more
	// than a day ahead of it is rejected. nil: the Polar client's clock
	// if it has one (the AccessLink client's WithClock, which the daemon
	// and its tests set to the calendar clock), else time.Now.
	Now func() time.Time

	zoneMu     sync.Mutex
	zoneWarned map[string]time.Time // user: last zone warning
}

// clock is a Polar client that tells the time.
type clock interface{ Now() time.Time }

// New returns the AccessLink source. seen, if not nil, is told about
// every item taken in; p polls (nil: the source does not poll).
func New(b *bus.Bus, polar Polar, acc *accounts.Store, table *sports.Table, seen Marker, p *poller.Poller, log *slog.Logger) *Source {
	return &Source{polar: polar, accounts: acc, pub: records.NewPublisher(b), sports: table, seen: seen, poller: p, log: log}
}

// Name implements source.Source.
func (s *Source) Name() string { return Name }

// Events implements source.Source: every AccessLink webhook event; those
// the bridge does not fetch yet are acknowledged as ignored.
func (s *Source) Events() []string {
	return append([]string{string(accesslink.EventExercise), string(accesslink.EventSleep), string(accesslink.EventContinuousHeartRate),
		string(accesslink.EventSleepWiseCircadianBedtime), string(accesslink.EventSleepWiseAlertness),
		string(accesslink.EventCardioLoad)}, listedEvents()...)
}

// Poll implements source.Source: the accounts are Polar user ids.
func (s *Source) Poll(ctx context.Context, scope source.Scope) (seen.Progress, error) {
	if s.poller == nil {
		return seen.Progress{}, errors.New("accesslink: this source does not poll")
	}
	return s.poller.Cycle(ctx, poller.Scope{Users: scope.Accounts, Kinds: scope.Kinds, Since: scope.Since, Progress: scope.Progress})
}

// Handle implements source.Source for an AccessLink event body.
func (s *Source) Handle(ctx context.Context, _ string, body []byte) error {
	err := s.handle(ctx, body)
	if err != nil && !source.IsPermanent(err) && accesslink.Permanent(err) {
		return source.Permanent(err)
	}
	return err
}

func (s *Source) handle(ctx context.Context, body []byte) error {
	p, err := accesslink.ParseWebhook(body)
	if err != nil {
		return source.Permanent(err)
	}
	_, listed := accesslink.ListedKinds[p.Event]
	switch {
	case p.Event == accesslink.EventExercise, p.Event == accesslink.EventSleep, p.Event == accesslink.EventCardioLoad,
		p.Event == accesslink.EventContinuousHeartRate, listed:
	default:
		s.log.Debug("event kind not handled yet; ignored", "event", p.Event)
		return source.ErrIgnored
	}
	user, err := s.accounts.User(ctx, p.UserIDString())
	if errors.Is(err, accounts.ErrUnknownUser) {
		return source.Permanent(fmt.Errorf("Polar user %d is not known to this bridge: add them with `polarbridge users add`, then `polarbridge dlq replay --exporter ingest`", p.UserID))
	}
	if err != nil {
		return err
	}
	if user.State != accounts.StateActive {
		return source.Permanent(fmt.Errorf("Polar user %s is %s (%s): re-authorize with `polarbridge users add`, then `polarbridge dlq replay --exporter ingest`", user.ID, user.State, user.StateReason))
	}
	switch {
	case listed:
		err = s.listed(ctx, user, p)
	case p.Event == accesslink.EventExercise:
		err = s.exercise(ctx, user, p.EntityID)
	case p.Event == accesslink.EventCardioLoad:
		err = s.cardioLoad(ctx, user, p.Date, p.Data)
	case p.Event == accesslink.EventContinuousHeartRate:
		err = s.continuousHeartRate(ctx, user, p.Date)
	default:
		err = s.night(ctx, user, p.Date, p.Data)
	}
	s.noteUserState(ctx, user, err)
	return err
}

// noteUserState remembers a revoked token or missing consents, so the
// bridge stops calling Polar for that user until it is re-authorized.
func (s *Source) noteUserState(ctx context.Context, u accounts.User, err error) {
	state := ""
	switch {
	case errors.Is(err, accesslink.ErrUnauthorized):
		state = accounts.StateUnauthorized
	case errors.Is(err, accesslink.ErrForbidden):
		state = accounts.StateForbidden
	default:
		return
	}
	s.log.Error("Polar refused the user's token", "user", u.ID, "state", state, "err", err)
	if serr := s.accounts.SetUserState(ctx, u.ID, state, err.Error()); serr != nil {
		s.log.Warn("record user state", "user", u.ID, "err", serr)
	}
}

func (s *Source) exercise(ctx context.Context, u accounts.User, id string) error {
	raw, err := s.polar.GetExercise(ctx, u.AccessToken, id, accesslink.ExerciseOptions{Samples: true, Zones: true})
	if err != nil {
		return fmt.Errorf("fetch exercise %s: %w", id, err)
	}
	fitBytes, hasFIT, err := s.polar.GetFile(ctx, u.AccessToken, id, accesslink.FormatFIT)
	if err != nil {
		return fmt.Errorf("fetch FIT of exercise %s: %w", id, err)
	}
	ex, err := accesslink.DecodeExercise(raw)
	if err != nil {
		return source.Permanent(fmt.Errorf("normalize exercise %s: %w", id, err))
	}
	// The poller computes the same from its listing (see markSummary).
	summary := ex.SummaryFingerprint()
	in := accesslink.ExerciseInput{FIT: fitBytes}
	now := s.now()
	rec, warns, err := accesslink.NormalizeDecodedExercise(u.ID, ex, in, s.sports, now)
	if errors.Is(err, accesslink.ErrBadFIT) {
		// Keep the exercise (from its JSON samples) and the original
		// file, so nothing is lost; exporters that need a valid FIT
		// report it then.
		s.log.Warn("exercise has a broken FIT file; using Polar's JSON samples", "exercise", id, "err", err)
		in.FIT = nil
		rec, warns, err = accesslink.NormalizeDecodedExercise(u.ID, ex, in, s.sports, now)
	}
	if err != nil {
		return source.Permanent(fmt.Errorf("normalize exercise %s: %w", id, err))
	}
	s.implausible(warns)
	s.checkZone(u, rec.GetKey(), rec.GetExercise().GetStart())
	if hasFIT {
		f, err := s.pub.PutFile(ctx, pluginapi.FileFormat_FILE_FORMAT_FIT, fitBytes, s.ExerciseFiles)
		if err != nil {
			return err
		}
		rec.GetExercise().Files = append(rec.GetExercise().Files, f)
	} else if s.ExerciseFiles {
		if err := s.fallbackFile(ctx, u, id, rec); err != nil {
			return err
		}
	}
	if err := s.publish(ctx, rec); err != nil {
		return err
	}
	return s.markSummary(ctx, rec.GetKey(), summary)
}

// summaryMarker is a Marker that also keeps an exercise's summary
// fingerprint (seen.Store does).
type summaryMarker interface {
	MarkProcessedSummary(ctx context.Context, item, summary string) error
}

// markSummary marks an exercise with its summary's fingerprint: the first
// poll that lists it unedited then fetches nothing (without it, that poll
// fetched the exercise and its FIT again to catch an edit made since).
func (s *Source) markSummary(ctx context.Context, key, summary string) error {
	if m, ok := s.seen.(summaryMarker); ok && summary != "" {
		return m.MarkProcessedSummary(ctx, key, summary)
	}
	return s.mark(ctx, key)
}

// fallbackFile attaches the TCX (else GPX) file of an exercise without a
// FIT file, for exporters that upload files (Strava). Only such exercises
// cost these extra calls; a manual entry has neither (204). GPX holds
// only the route: it is not asked for when the summary's has_route says
// there is none.
func (s *Source) fallbackFile(ctx context.Context, u accounts.User, id string, rec *pluginapi.Record) error {
	for _, f := range []struct {
		api    accesslink.FileFormat
		record pluginapi.FileFormat
	}{{accesslink.FormatTCX, pluginapi.FileFormat_FILE_FORMAT_TCX}, {accesslink.FormatGPX, pluginapi.FileFormat_FILE_FORMAT_GPX}} {
		if f.api == accesslink.FormatGPX && !rec.GetExercise().GetHasRoute() {
			return nil
		}
		data, found, err := s.polar.GetFile(ctx, u.AccessToken, id, f.api)
		if err != nil {
			return fmt.Errorf("fetch %s of exercise %s: %w", f.api, id, err)
		}
		if !found {
			continue
		}
		ref, err := s.pub.PutFile(ctx, f.record, data, true)
		if err != nil {
			return err
		}
		rec.GetExercise().Files = append(rec.GetExercise().Files, ref)
		return nil
	}
	return nil
}

func (s *Source) mark(ctx context.Context, key string) error {
	if s.seen == nil {
		return nil
	}
	return s.seen.MarkProcessed(ctx, key)
}

// night takes in a date's sleep and nightly recharge: from the poller's
// event (listed, an accesslink.ListedNight) what it carries, fetched
// what it does not (Polar's push carries only the date: 2 calls).
func (s *Source) night(ctx context.Context, u accounts.User, date string, listed []byte) error {
	var ln accesslink.ListedNight
	if len(listed) > 0 {
		if err := json.Unmarshal(listed, &ln); err != nil {
			return source.Permanent(fmt.Errorf("SLEEP event for %s carries no night: %w: %w", date, accesslink.ErrInvalidPayload, err))
		}
	}
	sleepRaw, hasSleep := []byte(ln.Sleep), len(ln.Sleep) > 0
	if !ln.SleepListed {
		var err error
		if sleepRaw, hasSleep, err = s.polar.GetSleep(ctx, u.AccessToken, date); err != nil {
			return fmt.Errorf("fetch sleep %s: %w", date, err)
		}
	}
	rechargeRaw, hasRecharge := []byte(ln.NightlyRecharge), len(ln.NightlyRecharge) > 0
	if !ln.RechargeListed {
		var err error
		if rechargeRaw, hasRecharge, err = s.polar.GetNightlyRecharge(ctx, u.AccessToken, date); err != nil {
			return fmt.Errorf("fetch nightly recharge %s: %w", date, err)
		}
	}
	// Polar answers 404, 204 or an empty 200 for data it does not have
	// (yet): said and counted, never silently dropped. The next poll
	// finds it once Polar has it.
	if !hasSleep {
		s.noData(u, "sleep", date)
	}
	if !hasRecharge {
		s.noData(u, "nightly_recharge", date)
	}
	if hasSleep {
		rec, warns, err := accesslink.NormalizeSleep(u.ID, sleepRaw, s.now())
		if err != nil {
			return source.Permanent(fmt.Errorf("normalize sleep %s: %w", date, err))
		}
		s.implausible(warns)
		s.checkZone(u, rec.GetKey(), rec.GetSleep().GetStart())
		if err := s.publish(ctx, rec); err != nil {
			return err
		}
		if err := s.mark(ctx, rec.GetKey()); err != nil {
			return err
		}
	}
	if hasRecharge {
		// The night anchors the recharge's HH:MM sample times; without
		// it they are read in the user's zone.
		rec, warns, err := accesslink.NormalizeNightlyRecharge(u.ID, rechargeRaw, sleepRaw, s.location(u), s.now())
		if err != nil {
			return source.Permanent(fmt.Errorf("normalize nightly recharge %s: %w", date, err))
		}
		s.implausible(warns)
		if err := s.publish(ctx, rec); err != nil {
			return err
		}
		if err := s.mark(ctx, rec.GetKey()); err != nil {
			return err
		}
	}
	return nil
}

// cardioLoad takes in the day the poller listed and put in the event.
func (s *Source) cardioLoad(ctx context.Context, u accounts.User, date string, day []byte) error {
	// AccessLink gives the day no zone: it begins at the user's midnight.
	rec, warns, err := accesslink.NormalizeCardioLoad(u.ID, day, s.location(u), s.now())
	if err != nil {
		return source.Permanent(fmt.Errorf("normalize cardio load %s: %w", date, err))
	}
	if got := rec.GetCardioLoad().GetDate(); got != date {
		return source.Permanent(fmt.Errorf("cardio load event for %s carries the day %s: %w", date, got, accesslink.ErrInvalidPayload))
	}
	s.implausible(warns)
	if err := s.publish(ctx, rec); err != nil {
		return err
	}
	return s.mark(ctx, rec.GetKey())
}

func (s *Source) noData(u accounts.User, kind, date string) {
	s.log.Info("Polar has no data for the date (yet)", "user", u.ID, "kind", kind, "date", date)
	if s.OnNoData != nil {
		s.OnNoData(kind)
	}
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	if c, ok := s.polar.(clock); ok {
		return c.Now()
	}
	return time.Now()
}

// implausible logs and counts values dropped from a record: one line per
// field, however many samples.
func (s *Source) implausible(warns []plausible.Warning) {
	for _, w := range warns {
		w.Log(s.log)
		if s.OnImplausible != nil {
			s.OnImplausible(w)
		}
	}
}

func (s *Source) publish(ctx context.Context, rec *pluginapi.Record) error {
	return s.pub.PublishLogged(ctx, rec, s.log)
}
