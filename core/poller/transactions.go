package poller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
)

// Transactional kinds: AccessLink serves them through transactions
// (create, list, fetch, commit) and has no webhook for them.
const (
	KindDailyActivity       = "daily-activity"
	KindPhysicalInformation = "physical-information"
)

// maxTransactionsPerCycle bounds the transactions one user and kind get
// in a cycle: a full transaction (50 entities) is followed by another at
// once, and a Polar that kept answering full ones must not hold the
// cycle forever.
const maxTransactionsPerCycle = 20

// Transactor runs one AccessLink transaction of a kind for a user:
// create it, fetch its entities, publish their records and, only once
// every record is durably published, commit it. The AccessLink source
// implements it (it owns the records publisher).
type Transactor interface {
	Transaction(ctx context.Context, u accounts.User, kind string) (TransactionResult, error)
}

// TransactionResult is what one transaction held.
type TransactionResult struct {
	Items     int // entities in the transaction; 0: Polar had nothing (204)
	Published int // records published as a new version
}

// Notifier is the part of the AccessLink client that reads pull
// notifications (GET /v3/notifications, client credentials).
type Notifier interface {
	Notifications(ctx context.Context) ([]accesslink.AvailableUserData, error)
}

// SetTransactor makes the poller run transactions for the transactional
// kinds; without one it skips them.
func (p *Poller) SetTransactor(t Transactor) { p.tx = t }

func isTransactionKind(kind string) bool {
	return kind == KindDailyActivity || kind == KindPhysicalInformation
}

// notificationType is the pull notifications' data-type of a kind.
func notificationType(kind string) string {
	if kind == KindDailyActivity {
		return "ACTIVITY_SUMMARY"
	}
	return "PHYSICAL_INFORMATION"
}

// available is the users (by id) with data of each type according to
// the pull notifications; nil means unknown (no client credentials, the
// call failed, or a backfill): every user then gets a transaction.
type available map[string]map[string]bool

// has reports whether a transaction of kind is worth starting for user.
func (a available) has(user, kind string) bool {
	if a == nil {
		return true
	}
	return a[user][notificationType(kind)]
}

// notifications asks Polar once per cycle which users have transactional
// data, so an idle cycle costs 1 call instead of a transaction per user
// and kind. A backfill (since set) does not gate: it is asked for
// explicitly, and costs at most one 204 per user and kind.
func (p *Poller) notifications(ctx context.Context, kinds []string, backfill bool) available {
	if p.tx == nil || backfill || !slices.ContainsFunc(kinds, isTransactionKind) {
		return nil
	}
	n, ok := p.polar.(Notifier)
	if !ok {
		return nil
	}
	list, err := n.Notifications(ctx)
	if err != nil {
		if !errors.Is(err, accesslink.ErrNoClientCredentials) {
			p.log.Warn("pull notifications failed; starting a transaction for every user", "err", err)
		}
		return nil
	}
	out := available{}
	for _, d := range list {
		id := strconv.FormatInt(d.UserID, 10)
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		out[id][d.DataType] = true
	}
	return out
}

// transact runs transactions of kind for u while Polar hands out full
// ones: fewer than 50 entities means it has nothing more for now ("partner
// should not request a new transaction immediately after committing").
func (p *Poller) transact(ctx context.Context, u accounts.User, kind string, avail available, prog *Progress) error {
	if p.tx == nil || !avail.has(u.ID, kind) {
		return nil
	}
	for range maxTransactionsPerCycle {
		res, err := p.tx.Transaction(ctx, u, kind)
		prog.Found += res.Items
		prog.Transacted += res.Published
		prog.Known += res.Items - res.Published
		if err != nil {
			return fmt.Errorf("%s transaction: %w", kind, err)
		}
		if res.Items < accesslink.TransactionMaxItems {
			return nil
		}
	}
	p.log.Warn("Polar kept handing out full transactions; the rest waits for the next cycle", "user", u.ID, "kind", kind)
	return nil
}
