// Package source is what the daemon knows of a source of Polar data
// (AccessLink, Team Pro; a file importer next): which events it handles,
// how it handles one, and how it polls and backfills. The daemon loops over
// its sources; the event pipeline (package ingest) routes each event to
// the source that declared its type, and owns retries and dead letters.
package source

import (
	"context"
	"errors"
	"time"

	"github.com/polarbridge/polarbridge/core/seen"
)

// Source is one place Polar data comes from.
type Source interface {
	// Name is the source's name in logs, metrics and `backfill --source`.
	Name() string
	// Events are the event types (the last token of the events subject)
	// the source handles.
	Events() []string
	// Handle fetches what one event announces and publishes its records.
	// An error wrapped with Permanent is dead-lettered at once; one that
	// wraps ErrIgnored is acknowledged and counted; any other is retried.
	Handle(ctx context.Context, event string, body []byte) error
	// Account names the account an event belongs to (a Polar user, a
	// Team Pro coach account), "" if the body does not say. The pipeline
	// handles one account's events in order and another's alongside, so
	// one slow account cannot hold up the rest.
	Account(event string, body []byte) string
	// Poll lists what Polar holds and queues an event for everything new
	// or changed since the last poll.
	Poll(ctx context.Context, scope Scope) (seen.Progress, error)
}

// Scope limits a poll (a backfill); the zero value means everything.
type Scope struct {
	// Accounts are the source's accounts to poll: Polar user ids for
	// AccessLink, Team Pro account names (empty: all).
	Accounts []string
	// Kinds are the kinds of data to poll (empty: all the source has).
	Kinds []string
	// Since keeps items from this instant on; zero: whatever Polar holds.
	Since time.Time
	// Progress, if set, is told about each list call and item.
	Progress func(seen.Progress)
}

// ErrIgnored marks an event of a type the source knows but does not
// handle (yet).
var ErrIgnored = errors.New("event ignored")

// Permanent marks err as one a retry cannot fix: the event goes to the
// dead-letter queue at once.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Deferrer is an error that says when to try again (a rate limit): the
// pipeline waits at least that long before the retry.
type Deferrer interface {
	error
	RetryAfter() time.Duration
}
