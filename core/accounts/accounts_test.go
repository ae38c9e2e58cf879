package accounts_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/internal/testbus"
)

func open(t *testing.T) *accounts.Store {
	t.Helper()
	s, err := accounts.Open(context.Background(), testbus.Open(t))
	require.NoError(t, err)
	return s
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	_, err := s.User(ctx, "475")
	assert.ErrorIs(t, err, accounts.ErrUnknownUser)
	assert.Contains(t, err.Error(), "polarbridge users add")

	require.NoError(t, s.PutUser(ctx, accounts.User{ID: "475", AccessToken: "tok-475", State: accounts.StateActive}))
	require.NoError(t, s.PutUser(ctx, accounts.User{ID: "12", AccessToken: "tok-12", State: accounts.StateActive}))
	require.NoError(t, s.SetUserState(ctx, "475", accounts.StateUnauthorized, "401 from Polar"))
	u, err := s.User(ctx, "475")
	require.NoError(t, err)
	assert.Equal(t, accounts.StateUnauthorized, u.State)
	assert.Equal(t, "401 from Polar", u.StateReason)
	assert.False(t, u.StateSince.IsZero())
	assert.Equal(t, "tok-475", u.AccessToken, "the token survives a state change")

	all, err := s.Users(ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.NoError(t, s.DeleteUser(ctx, "12"))
	all, err = s.Users(ctx)
	require.NoError(t, err)
	assert.Len(t, all, 1)
}

func TestCoaches(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	_, err := s.Coach(ctx, "coach")
	assert.ErrorIs(t, err, accounts.ErrUnknownCoach)
	require.NoError(t, s.PutCoach(ctx, accounts.Coach{Name: "coach", Token: &oauth2.Token{AccessToken: "a1", RefreshToken: "r1"}}))
	require.NoError(t, s.SaveCoachToken(ctx, "coach", &oauth2.Token{AccessToken: "a2", RefreshToken: "r2"}))
	c, err := s.Coach(ctx, "coach")
	require.NoError(t, err)
	assert.Equal(t, "r2", c.Token.RefreshToken, "a refreshed token replaces the stored one")
	assert.ErrorIs(t, s.SaveCoachToken(ctx, "nobody", &oauth2.Token{}), accounts.ErrUnknownCoach)
	// Users and coaches are listed apart.
	require.NoError(t, s.PutUser(ctx, accounts.User{ID: "475"}))
	coaches, err := s.Coaches(ctx)
	require.NoError(t, err)
	assert.Len(t, coaches, 1)
	users, err := s.Users(ctx)
	require.NoError(t, err)
	assert.Len(t, users, 1)
}

func TestWebhook(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	_, ok, err := s.Webhook(ctx)
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, s.PutWebhook(ctx, accounts.Webhook{ID: "w1", Secret: "s3cret"}))
	w, ok, err := s.Webhook(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "s3cret", w.Secret)
	at := time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC)
	require.NoError(t, s.MarkWebhookEvent(ctx, at))
	last, err := s.LastWebhookEvent(ctx)
	require.NoError(t, err)
	assert.True(t, at.Equal(last))
	require.NoError(t, s.DeleteWebhook(ctx))
	_, ok, err = s.Webhook(ctx)
	require.NoError(t, err)
	assert.False(t, ok)
}

// Secrets never reach a log line or %v, whatever logs an account.
func TestSecretsStayOutOfLogs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	u := accounts.User{ID: "475", AccessToken: "user-token"}
	c := accounts.Coach{Name: "coach", Token: &oauth2.Token{AccessToken: "coach-token", RefreshToken: "coach-refresh"}}
	w := accounts.Webhook{ID: "w1", Secret: "webhook-key"}
	log.Info("accounts", "user", u, "coach", c, "webhook", w)
	out := buf.String() + fmt.Sprintf("%v %v %+v %v %+v", u, c, u, w, w)
	for _, secret := range []string{"user-token", "coach-token", "coach-refresh", "webhook-key"} {
		assert.NotContains(t, out, secret)
	}
}

// Earlier versions kept Team Pro accounts in the AccessLink bucket: Open
// moves them to their own, once, and they read as before.
func TestCoachesMovedOutOfTheAccessLinkBucket(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	legacy, err := b.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: accounts.Bucket, History: 1})
	require.NoError(t, err)
	_, err = legacy.Put(ctx, "teampro.coach", []byte(`{"name":"coach","token":{"access_token":"a1","refresh_token":"r1"}}`))
	require.NoError(t, err)
	_, err = legacy.Put(ctx, "users.475", []byte(`{"id":"475","access_token":"t","state":"active"}`))
	require.NoError(t, err)

	s, err := accounts.Open(ctx, b)
	require.NoError(t, err)
	c, err := s.Coach(ctx, "coach")
	require.NoError(t, err)
	assert.Equal(t, "r1", c.Token.RefreshToken)
	_, err = legacy.Get(ctx, "teampro.coach")
	assert.ErrorIs(t, err, jetstream.ErrKeyNotFound, "moved, not copied")
	u, err := s.User(ctx, "475")
	require.NoError(t, err, "users stay where they are")
	assert.Equal(t, "t", u.AccessToken)

	// A second start finds nothing more to move.
	s, err = accounts.Open(ctx, b)
	require.NoError(t, err)
	coaches, err := s.Coaches(ctx)
	require.NoError(t, err)
	assert.Len(t, coaches, 1)
}

func TestUserZone(t *testing.T) {
	ctx := context.Background()
	b := testbus.Open(t)
	s, err := accounts.Open(ctx, b)
	require.NoError(t, err)
	// A user stored before zones existed: no "zone" key at all.
	kv, err := b.JS.KeyValue(ctx, accounts.Bucket)
	require.NoError(t, err)
	_, err = kv.Put(ctx, "users.7", []byte(`{"id":"7","member_id":"m7","access_token":"tok-7","added_at":"2026-01-02T03:04:05Z","state":"active"}`))
	require.NoError(t, err)
	u, err := s.User(ctx, "7")
	require.NoError(t, err)
	assert.Empty(t, u.Zone)
	loc, err := u.Location()
	require.NoError(t, err)
	assert.Equal(t, time.Local, loc, "no zone: the machine's")
	assert.Contains(t, u.ZoneName(), "(local default)")

	require.NoError(t, s.SetUserZone(ctx, "7", "Europe/Helsinki"))
	u, err = s.User(ctx, "7")
	require.NoError(t, err)
	assert.Equal(t, "Europe/Helsinki", u.Zone)
	assert.Equal(t, "tok-7", u.AccessToken, "the token survives a zone change")
	loc, err = u.Location()
	require.NoError(t, err)
	assert.Equal(t, "Europe/Helsinki", loc.String())
	assert.Equal(t, "Europe/Helsinki", u.ZoneName())

	// Round trip of a user stored with a zone.
	require.NoError(t, s.PutUser(ctx, accounts.User{ID: "8", Zone: "Asia/Kolkata", State: accounts.StateActive}))
	u, err = s.User(ctx, "8")
	require.NoError(t, err)
	assert.Equal(t, "Asia/Kolkata", u.Zone)

	for _, bad := range []string{"", "Local", "Mars/Olympus", "../etc/passwd"} {
		assert.Error(t, s.SetUserZone(ctx, "8", bad), bad)
	}
	assert.ErrorIs(t, s.SetUserZone(ctx, "nobody", "UTC"), accounts.ErrUnknownUser)

	// A zone the zone database no longer knows still reads: time.Local.
	loc, err = accounts.User{Zone: "Gone/Zone"}.Location()
	assert.Error(t, err)
	assert.Equal(t, time.Local, loc)
}

func TestLocalZoneName(t *testing.T) {
	t.Setenv("TZ", "America/New_York")
	assert.Equal(t, "America/New_York", accounts.LocalZoneName())
	t.Setenv("TZ", "")
	assert.Equal(t, "UTC", accounts.LocalZoneName())
}
