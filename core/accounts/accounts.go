// Package accounts keeps what the bridge knows about its Polar users and
// its webhook in JetStream KV: access tokens and the webhook's signature
// key among them. The embedded store's files are owner-only; nothing here
// is ever logged (see User.LogValue).
package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/bus"
)

// Buckets: AccessLink's users and webhook, and Team Pro's accounts.
const (
	Bucket        = "polarbridge_accesslink"
	TeamProBucket = "polarbridge_teampro"
)

// User states.
const (
	StateActive = "active"
	// StateUnauthorized: Polar answered 401; the token was revoked.
	StateUnauthorized = "unauthorized"
	// StateForbidden: Polar answered 403; consents are missing.
	StateForbidden = "forbidden"
)

// ErrUnknownUser means the user was never added (or was removed).
var ErrUnknownUser = errors.New("unknown user")

// User is one Polar user registered through the bridge.
type User struct {
	ID          string    `json:"id"` // Polar's x_user_id
	MemberID    string    `json:"member_id"`
	AccessToken string    `json:"access_token"`
	AddedAt     time.Time `json:"added_at"`
	State       string    `json:"state"`
	StateReason string    `json:"state_reason,omitempty"`
	StateSince  time.Time `json:"state_since,omitzero"`
	// Zone is the IANA time zone the user lives in (e.g. Europe/Helsinki):
	// AccessLink gives some data no UTC offset (cardio load's days), so
	// the bridge places it in this zone. "" (users stored before zones
	// existed): the machine's local zone, see Location.
	Zone string `json:"zone,omitempty"`
}

// Location returns the user's zone, or time.Local when none is stored.
// A stored zone the machine's zone database no longer knows falls back
// to time.Local too, with the error (for a warning), so data keeps
// flowing.
func (u User) Location() (*time.Location, error) {
	if u.Zone == "" {
		return time.Local, nil
	}
	loc, err := LoadZone(u.Zone)
	if err != nil {
		return time.Local, err
	}
	return loc, nil
}

// ZoneName is the user's zone as shown to people: the stored one, else
// the machine's local zone marked as the default.
func (u User) ZoneName() string {
	if u.Zone != "" {
		return u.Zone
	}
	return LocalZoneName() + " (local default)"
}

// LocalZoneName names time.Local as well as it can: time.Local.String()
// is always "Local". It is TZ when set, else the zone /etc/localtime
// links to, else "Local".
func LocalZoneName() string {
	if tz, ok := os.LookupEnv("TZ"); ok {
		if tz = strings.TrimPrefix(tz, ":"); tz == "" {
			return "UTC" // Go reads an empty TZ as UTC
		}
		return tz
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			return name
		}
	}
	return "Local"
}

// LoadZone validates an IANA zone name. "Local" and "" are refused: a
// user's zone is stored by name, and the machine's zone may change.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("time zone %q: want an IANA zone name such as Europe/Helsinki", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q is not an IANA zone (such as Europe/Helsinki): %w", name, err)
	}
	return loc, nil
}

// LogValue keeps the token out of logs whatever logs a User.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", u.ID), slog.String("state", u.State))
}

// String keeps the token out of %v.
func (u User) String() string { return fmt.Sprintf("user %s (%s)", u.ID, u.State) }

// Webhook is the bridge's webhook at Polar.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"signature_secret_key"`
	CreatedAt time.Time `json:"created_at"`
}

// LogValue keeps the signature key out of logs.
func (w Webhook) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", w.ID), slog.String("url", w.URL))
}

// String keeps the signature key out of %v.
func (w Webhook) String() string { return "webhook " + w.ID + " (" + w.URL + ")" }

// Store reads and writes accounts: each source's in its own bucket.
type Store struct {
	kv      jetstream.KeyValue // AccessLink
	teampro jetstream.KeyValue
}

// Open returns the Store on b, creating its buckets if needed. Team Pro
// accounts that earlier versions kept in the AccessLink bucket are moved
// to their own, once.
func Open(ctx context.Context, b *bus.Bus) (*Store, error) {
	kv, err := b.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket:      Bucket,
		Description: "Polar users (access tokens) and the webhook",
		Storage:     jetstream.FileStorage,
		Replicas:    b.Replicas(),
		History:     1,
	})
	if err != nil {
		return nil, fmt.Errorf("open accounts: %w", err)
	}
	tp, err := b.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket:      TeamProBucket,
		Description: "Polar Team Pro accounts (OAuth tokens)",
		Storage:     jetstream.FileStorage,
		Replicas:    b.Replicas(),
		History:     1,
	})
	if err != nil {
		return nil, fmt.Errorf("open Team Pro accounts: %w", err)
	}
	s := &Store{kv: kv, teampro: tp}
	if err := s.moveCoaches(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// moveCoaches moves Team Pro accounts stored under "teampro.<name>" in the
// AccessLink bucket (before the sources had buckets of their own). A
// move cut short is finished at the next start: copying again is
// harmless, and the old key goes only once the copy is stored.
func (s *Store) moveCoaches(ctx context.Context) error {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("list accounts: %w", err)
	}
	var old []string
	for key := range lister.Keys() {
		if strings.HasPrefix(key, legacyCoachPrefix) {
			old = append(old, key)
		}
	}
	for _, key := range old {
		e, err := s.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("move Team Pro account %s: %w", key, err)
		}
		if _, err := s.teampro.Put(ctx, coachKey(strings.TrimPrefix(key, legacyCoachPrefix)), e.Value()); err != nil {
			return fmt.Errorf("move Team Pro account %s: %w", key, err)
		}
		if err := s.kv.Purge(ctx, key); err != nil {
			return fmt.Errorf("move Team Pro account %s: %w", key, err)
		}
	}
	return nil
}

func userKey(id string) string { return "users." + id }

// PutUser adds or replaces a user.
func (s *Store) PutUser(ctx context.Context, u User) error {
	if u.ID == "" || strings.ContainsAny(u.ID, ". *>") {
		return fmt.Errorf("bad user id %q", u.ID)
	}
	return s.put(ctx, userKey(u.ID), u)
}

// User returns the user with id, or ErrUnknownUser.
func (s *Store) User(ctx context.Context, id string) (User, error) {
	var u User
	err := s.get(ctx, userKey(id), &u)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return u, fmt.Errorf("%w %s: add it with `polarbridge users add`", ErrUnknownUser, id)
	}
	return u, err
}

// Users returns every user, by id.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	return list(ctx, s.kv, "users.", "users", s.User, ErrUnknownUser)
}

// list returns every entry under prefix, read with get and sorted by key;
// one removed meanwhile (gone) is left out.
func list[T any](ctx context.Context, kv jetstream.KeyValue, prefix, what string, get func(context.Context, string) (T, error), gone error) ([]T, error) {
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	var names []string
	for key := range lister.Keys() {
		if name, ok := strings.CutPrefix(key, prefix); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]T, 0, len(names))
	for _, name := range names {
		v, err := get(ctx, name)
		if errors.Is(err, gone) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// DeleteUser forgets a user and its token.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	if err := s.kv.Purge(ctx, userKey(id)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("remove user %s: %w", id, err)
	}
	return nil
}

// SetUserState records that Polar refused (or accepted again) a user's
// token, so the bridge stops calling for a revoked user and says why.
func (s *Store) SetUserState(ctx context.Context, id, state, reason string) error {
	u, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	if u.State == state && u.StateReason == reason {
		return nil
	}
	u.State, u.StateReason, u.StateSince = state, reason, time.Now().UTC()
	return s.PutUser(ctx, u)
}

// SetUserZone changes a user's time zone (validated with LoadZone).
func (s *Store) SetUserZone(ctx context.Context, id, zone string) error {
	if _, err := LoadZone(zone); err != nil {
		return err
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	u.Zone = zone
	return s.PutUser(ctx, u)
}

// Webhook returns the webhook, or ok=false if none was created.
func (s *Store) Webhook(ctx context.Context) (Webhook, bool, error) {
	var w Webhook
	err := s.get(ctx, "webhook", &w)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return w, false, nil
	}
	return w, err == nil, err
}

// PutWebhook stores the webhook (with its secret, which Polar shows once).
func (s *Store) PutWebhook(ctx context.Context, w Webhook) error { return s.put(ctx, "webhook", w) }

// DeleteWebhook forgets the webhook.
func (s *Store) DeleteWebhook(ctx context.Context) error {
	if err := s.kv.Purge(ctx, "webhook"); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("remove webhook: %w", err)
	}
	return nil
}

// MarkWebhookEvent records when the receiver last stored an event.
func (s *Store) MarkWebhookEvent(ctx context.Context, at time.Time) error {
	return s.put(ctx, "webhook_last_event", at.UTC())
}

// LastWebhookEvent is when the receiver last stored an event (zero: never).
func (s *Store) LastWebhookEvent(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.get(ctx, "webhook_last_event", &t)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return time.Time{}, nil
	}
	return t, err
}

func (s *Store) put(ctx context.Context, key string, v any) error { return put(ctx, s.kv, key, v) }

func (s *Store) get(ctx context.Context, key string, v any) error { return get(ctx, s.kv, key, v) }

func put(ctx context.Context, kv jetstream.KeyValue, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if _, err := kv.Put(ctx, key, raw); err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}

func get(ctx context.Context, kv jetstream.KeyValue, key string, v any) error {
	e, err := kv.Get(ctx, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(e.Value(), v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}
