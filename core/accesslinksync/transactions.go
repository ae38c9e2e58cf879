package accesslinksync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/poller"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// latestStore remembers, per daily activity key, the created time of the
// summary last published for the day (the seen-state store does).
type latestStore interface {
	Get(ctx context.Context, item string) (string, error)
	Set(ctx context.Context, item, value string) error
}

// createdPrefix marks a seen-state value that is a summary's created
// time (Unix nanoseconds), not a listing fingerprint.
const createdPrefix = "created:"

var _ poller.Transactor = (*Source)(nil)

// Transaction implements poller.Transactor: one transaction of kind
// (poller.KindDailyActivity or poller.KindPhysicalInformation) for u,
// committed only after every record made from it is published (Publish
// returns once JetStream acknowledged the record, so it is durable).
// Any failure before that leaves the transaction uncommitted: Polar
// disbands it after 10 minutes and hands the same data out again, and
// the records, versioned by content, are not published twice.
func (s *Source) Transaction(ctx context.Context, u accounts.User, kind string) (poller.TransactionResult, error) {
	tp := s.polar
	k := accesslink.ActivityTransactions
	if kind == poller.KindPhysicalInformation {
		k = accesslink.PhysicalInformationTransactions
	}
	txID, found, err := tp.CreateTransaction(ctx, u.AccessToken, u.ID, k)
	if err != nil || !found {
		return poller.TransactionResult{}, err
	}
	ids, err := tp.ListTransaction(ctx, u.AccessToken, u.ID, k, txID)
	if err != nil {
		return poller.TransactionResult{}, fmt.Errorf("list transaction %d: %w", txID, err)
	}
	res := poller.TransactionResult{Items: len(ids)}
	if kind == poller.KindPhysicalInformation {
		res.Published, err = s.physicalInformation(ctx, tp, u, txID, ids)
	} else {
		res.Published, err = s.dailyActivity(ctx, tp, u, txID, ids)
	}
	if err != nil {
		return res, fmt.Errorf("transaction %d left uncommitted (Polar returns its data in a later one): %w", txID, err)
	}
	if err := tp.CommitTransaction(ctx, u.AccessToken, u.ID, k, txID); err != nil {
		if errors.Is(err, accesslink.ErrNotFound) {
			// Fetching took longer than the transaction's 10 minutes
			// (pacing under the rate limit). The next transaction is
			// cheaper: days already published are not fetched again.
			return res, fmt.Errorf("commit transaction %d: Polar disbanded it before the commit (over 10 minutes); its records are published and Polar hands its data out again: %w", txID, err)
		}
		return res, fmt.Errorf("commit transaction %d (its records are published; Polar returns its data in a later one): %w", txID, err)
	}
	s.log.Info("transaction committed", "user", u.ID, "kind", kind, "transaction", txID, "items", res.Items, "published", res.Published)
	return res, nil
}

// summary is one fetched activity summary.
type summary struct {
	id      int64
	raw     []byte
	date    string
	created time.Time
}

// dailyActivity publishes one record per date of the transaction: only
// the summary created last for a date counts (partial days, devices
// combined), and one older than the day's published one is skipped.
// Samples are fetched only for the summaries that count.
func (s *Source) dailyActivity(ctx context.Context, tp Polar, u accounts.User, txID int64, ids []int64) (int, error) {
	k := accesslink.ActivityTransactions
	latest := map[string]summary{}
	var dates []string
	var bad []error // malformed entities: the rest is published, nothing committed
	for _, id := range ids {
		raw, found, err := tp.GetTransactionItem(ctx, u.AccessToken, u.ID, k, txID, id, "")
		if err != nil {
			return 0, fmt.Errorf("fetch activity summary %d: %w", id, err)
		}
		if !found {
			s.noData(u, "daily_activity", strconv.FormatInt(id, 10))
			continue
		}
		a, err := accesslink.DecodeActivitySummary(raw)
		if err != nil {
			bad = append(bad, fmt.Errorf("activity summary %d: %w", id, err))
			continue
		}
		created, err := accesslink.ParseCreated(a.Created)
		if err != nil {
			bad = append(bad, fmt.Errorf("activity summary %d: %w", id, err))
			continue
		}
		cur, seen := latest[a.Date]
		if !seen {
			dates = append(dates, a.Date)
		}
		if !seen || created.After(cur.created) || created.Equal(cur.created) && id > cur.id {
			latest[a.Date] = summary{id: id, raw: raw, date: a.Date, created: created}
		}
	}
	store, _ := s.seen.(latestStore)
	loc := s.location(u)
	published := 0
	for _, date := range dates {
		sm := latest[date]
		key := pluginapi.DailyActivityKey(u.ID, date)
		if store != nil {
			prev, err := store.Get(ctx, key)
			if err != nil {
				return published, err
			}
			if p, ok := parseCreatedState(prev); ok && !sm.created.After(p) {
				// Published already (a transaction re-run after a crash
				// before its commit), or older than what was.
				s.log.Debug("activity summary not newer than the day's published one", "key", key, "created", sm.created, "published", p)
				continue
			}
		}
		in := accesslink.ActivityInput{Summary: sm.raw}
		var err error
		if in.Steps, _, err = tp.GetTransactionItem(ctx, u.AccessToken, u.ID, k, txID, sm.id, "step-samples"); err != nil {
			return published, fmt.Errorf("fetch step samples of activity %d: %w", sm.id, err)
		}
		if in.Zones, _, err = tp.GetTransactionItem(ctx, u.AccessToken, u.ID, k, txID, sm.id, "zone-samples"); err != nil {
			return published, fmt.Errorf("fetch zone samples of activity %d: %w", sm.id, err)
		}
		rec, warns, err := accesslink.DailyActivityRecord(u.ID, in, loc, s.now())
		if err != nil {
			bad = append(bad, fmt.Errorf("normalize activity %d (%s): %w", sm.id, date, err))
			continue
		}
		s.implausible(warns)
		ok, err := s.pub.Publish(ctx, rec)
		if err != nil {
			return published, err
		}
		if ok {
			published++
			s.log.Debug("record published", "key", key, "version", rec.GetVersion())
		}
		if store != nil {
			if err := store.Set(ctx, key, createdPrefix+strconv.FormatInt(sm.created.UnixNano(), 10)); err != nil {
				return published, err
			}
		}
	}
	return published, malformed(bad)
}

// malformed is the error for entities that cannot become records. The
// transaction is then not committed, so Polar keeps them (they come back
// in a later transaction, with whatever is new) and nothing is lost;
// the error says so and what to do.
func malformed(bad []error) error {
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%w (left at Polar, uncommitted, until the bridge can read it: report it with this message)", errors.Join(bad...))
}

func parseCreatedState(v string) (time.Time, bool) {
	if len(v) <= len(createdPrefix) || v[:len(createdPrefix)] != createdPrefix {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(v[len(createdPrefix):], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, n).UTC(), true
}

// physicalInformation publishes each entry of the transaction as its
// own record (key by Polar's id): every entry is a full snapshot.
func (s *Source) physicalInformation(ctx context.Context, tp Polar, u accounts.User, txID int64, ids []int64) (int, error) {
	loc := s.location(u)
	published := 0
	var bad []error
	for _, id := range ids {
		raw, found, err := tp.GetTransactionItem(ctx, u.AccessToken, u.ID, accesslink.PhysicalInformationTransactions, txID, id, "")
		if err != nil {
			return published, fmt.Errorf("fetch physical information %d: %w", id, err)
		}
		if !found {
			s.noData(u, "physical_information", strconv.FormatInt(id, 10))
			continue
		}
		rec, warns, err := accesslink.PhysicalInformationRecord(u.ID, raw, loc, s.now())
		if err != nil {
			bad = append(bad, fmt.Errorf("normalize physical information %d: %w", id, err))
			continue
		}
		s.implausible(warns)
		ok, err := s.pub.Publish(ctx, rec)
		if err != nil {
			return published, err
		}
		if ok {
			published++
			s.log.Debug("record published", "key", rec.GetKey(), "version", rec.GetVersion())
		}
	}
	return published, malformed(bad)
}
