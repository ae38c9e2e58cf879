package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/oauth2"
)

// ErrUnknownCoach means no Team Pro account of that name was added.
var ErrUnknownCoach = errors.New("unknown Team Pro account")

// Coach is a Team Pro account (a coach's authorization) with its token.
// Team Pro access tokens last 12 hours; every refreshed token is stored
// here before it is used.
type Coach struct {
	Name    string        `json:"name"`
	Token   *oauth2.Token `json:"token"`
	AddedAt time.Time     `json:"added_at"`
}

// LogValue keeps tokens out of logs.
func (c Coach) LogValue() slog.Value { return slog.StringValue("teampro account " + c.Name) }

// String keeps tokens out of %v.
func (c Coach) String() string { return "teampro account " + c.Name }

// legacyCoachPrefix is where earlier versions kept Team Pro accounts, in
// the AccessLink bucket.
const legacyCoachPrefix = "teampro."

func coachKey(name string) string { return "coaches." + name }

// PutCoach adds or replaces a Team Pro account.
func (s *Store) PutCoach(ctx context.Context, c Coach) error {
	if c.Name == "" || strings.ContainsAny(c.Name, ". *>") {
		return fmt.Errorf("bad Team Pro account name %q (letters, digits, - and _)", c.Name)
	}
	return put(ctx, s.teampro, coachKey(c.Name), c)
}

// Coach returns the account name, or ErrUnknownCoach.
func (s *Store) Coach(ctx context.Context, name string) (Coach, error) {
	var c Coach
	err := get(ctx, s.teampro, coachKey(name), &c)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return c, fmt.Errorf("%w %q: add it with `polarbridge teampro add --name %s`", ErrUnknownCoach, name, name)
	}
	return c, err
}

// Coaches returns every Team Pro account, by name.
func (s *Store) Coaches(ctx context.Context) ([]Coach, error) {
	return list(ctx, s.teampro, "coaches.", "Team Pro accounts", s.Coach, ErrUnknownCoach)
}

// SaveCoachToken stores a refreshed token of an account.
func (s *Store) SaveCoachToken(ctx context.Context, name string, tok *oauth2.Token) error {
	c, err := s.Coach(ctx, name)
	if err != nil {
		return err
	}
	c.Token = tok
	return s.PutCoach(ctx, c)
}
