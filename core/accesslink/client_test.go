package accesslink

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

var simNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// fakeClock drives the simulator and the client: Sleep advances it at once,
// so pacing and retry waits are deterministic and instant.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{t: simNow} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type simEnv struct {
	sim   *accesslinksim.Simulator
	srv   *httptest.Server
	clock *fakeClock
	logs  *syncBuffer
}

// newSimEnv serves the simulator over real HTTP; wrap, if not nil, sits in
// front of it (to inject failures or record requests).
func newSimEnv(t *testing.T, wrap func(http.Handler) http.Handler, opts ...accesslinksim.Option) *simEnv {
	t.Helper()
	clock := newFakeClock()
	all := append([]accesslinksim.Option{
		accesslinksim.WithSeed(7), accesslinksim.WithClock(clock.Now),
		accesslinksim.WithUsers(2), accesslinksim.WithHistoryDays(10),
	}, opts...)
	sim, err := accesslinksim.New(all...)
	require.NoError(t, err)
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &simEnv{sim: sim, srv: srv, clock: clock, logs: &syncBuffer{}}
}

func (e *simEnv) client(t *testing.T, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{
		WithBaseURL(e.srv.URL),
		WithHTTPClient(e.srv.Client()),
		WithClientCredentials(e.sim.ClientID(), e.sim.ClientSecret()),
		WithClock(e.clock.Now),
		WithSleep(e.clock.Sleep),
		WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}, opts...)
	c, err := New(all...)
	require.NoError(t, err)
	return c
}

// login runs the authorization code flow with OAuthConfig and returns the
// access token and the user id read by UserIDFromToken.
func (e *simEnv) login(t *testing.T) (token, userID string) {
	t.Helper()
	conf := OAuthConfig(e.sim.ClientID(), e.sim.ClientSecret(), "http://app.example/callback",
		e.srv.URL+"/oauth2/authorization", e.srv.URL+"/v2/oauth2/token")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(conf.AuthCodeURL("state"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, e.srv.Client())
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"))
	require.NoError(t, err)
	id, err := UserIDFromToken(tok)
	require.NoError(t, err)
	return tok.AccessToken, id
}

func (e *simEnv) loginRegistered(t *testing.T, c *Client) (token, userID string) {
	t.Helper()
	token, userID = e.login(t)
	created, err := c.RegisterUser(t.Context(), token, "member-"+userID)
	require.NoError(t, err)
	require.True(t, created)
	return token, userID
}

func (e *simEnv) requests() int {
	n := 0
	for _, v := range e.sim.Stats().Requests {
		n += v
	}
	return n
}

func simUserID(t *testing.T, userID string) int64 {
	t.Helper()
	var id int64
	_, err := fmt.Sscan(userID, &id)
	require.NoError(t, err)
	return id
}

func TestUsers(t *testing.T) {
	e := newSimEnv(t, nil)
	c := e.client(t)
	ctx := t.Context()
	token, userID := e.login(t)

	_, err := c.GetUser(ctx, token, userID)
	require.ErrorIs(t, err, ErrNotFound, "204 before registration")

	created, err := c.RegisterUser(ctx, token, "member-1")
	require.NoError(t, err)
	assert.True(t, created)
	created, err = c.RegisterUser(ctx, token, "member-1")
	require.NoError(t, err, "409 already registered is success")
	assert.False(t, created)

	u, err := c.GetUser(ctx, token, userID)
	require.NoError(t, err)
	assert.Equal(t, userID, fmt.Sprint(u.PolarUserID))
	assert.Equal(t, "member-1", u.MemberID)
	assert.NotEmpty(t, u.FirstName)
	assert.NotEmpty(t, u.RegistrationDate)

	require.NoError(t, c.DeleteUser(ctx, token, userID))
	_, err = c.GetUser(ctx, token, userID)
	require.ErrorIs(t, err, ErrUnauthorized, "deleting the user revokes the token")

	_, err = c.GetUser(ctx, token, "")
	require.ErrorIs(t, err, ErrInvalidArgument)
	before := e.requests()
	_, err = c.GetUser(ctx, "", userID)
	require.ErrorIs(t, err, ErrUnauthorized)
	_, err = c.GetUser(ctx, "qqsecret\r\nX-Injected: 1", userID)
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.NotContains(t, err.Error(), "qqsecret")
	assert.Equal(t, before, e.requests(), "no request without a usable token")
}

func TestAuthenticationSchemes(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // path prefix -> Authorization
	record := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v3/") {
				mu.Lock()
				seen[r.Method+" "+r.URL.Path] = r.Header.Get("Authorization")
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newSimEnv(t, record)
	c := e.client(t)
	ctx := t.Context()
	token, _ := e.loginRegistered(t, c)

	_, err := c.Notifications(ctx)
	require.NoError(t, err)
	_, _, err = c.GetWebhook(ctx)
	require.NoError(t, err)
	_, err = c.ListExercises(ctx, token, ExerciseOptions{})
	require.NoError(t, err)
	_, err = c.AvailableSleep(ctx, token)
	require.NoError(t, err)

	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(e.sim.ClientID()+":"+e.sim.ClientSecret()))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, basic, seen["GET /v3/notifications"])
	assert.Equal(t, basic, seen["GET /v3/webhooks"])
	assert.Equal(t, "Bearer "+token, seen["POST /v3/users"])
	assert.Equal(t, "Bearer "+token, seen["GET /v3/exercises"])
	assert.Equal(t, "Bearer "+token, seen["GET /v3/users/sleep/available"])
}

func TestNotifications(t *testing.T) {
	e := newSimEnv(t, nil)
	c := e.client(t)
	ctx := t.Context()

	got, err := c.Notifications(ctx)
	require.NoError(t, err, "204 without registered users")
	assert.Nil(t, got)

	_, userID := e.loginRegistered(t, c)
	got, err = c.Notifications(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, userID, fmt.Sprint(got[0].UserID))
	assert.Equal(t, "EXERCISE", got[0].DataType)
	assert.Contains(t, got[0].URL, "/v3/users/"+userID+"/exercise-transactions")
}

func TestWebhooks(t *testing.T) {
	var pings atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pings.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(receiver.Close)
	e := newSimEnv(t, nil)
	c := e.client(t)
	ctx := t.Context()

	_, found, err := c.GetWebhook(ctx)
	require.NoError(t, err)
	assert.False(t, found)
	require.ErrorIs(t, c.ActivateWebhook(ctx), ErrNotFound, "204: no webhook to activate")

	created, err := c.CreateWebhook(ctx, receiver.URL+"/hook", []WebhookEvent{EventExercise})
	require.NoError(t, err)
	info, ok := e.sim.Webhook()
	require.True(t, ok)
	assert.Equal(t, info.ID, created.ID)
	assert.Equal(t, info.SecretKey, created.SignatureSecretKey)
	assert.Equal(t, []WebhookEvent{EventExercise}, created.Events)
	assert.NotContains(t, fmt.Sprint(created), created.SignatureSecretKey, "String hides the secret")
	assert.NotContains(t, fmt.Sprintf("%+v", *created), created.SignatureSecretKey)
	assert.EqualValues(t, 1, pings.Load(), "AccessLink pings the URL on create")

	_, err = c.CreateWebhook(ctx, receiver.URL+"/hook", []WebhookEvent{EventExercise})
	require.ErrorIs(t, err, ErrConflict, "one webhook per client")

	got, found, err := c.GetWebhook(ctx)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, WebhookInfo{ID: created.ID, Events: []WebhookEvent{EventExercise}, URL: receiver.URL + "/hook", Active: true}, *got)

	upd, err := c.UpdateWebhook(ctx, created.ID, receiver.URL+"/other", []WebhookEvent{EventExercise, EventSleep})
	require.NoError(t, err)
	assert.Equal(t, receiver.URL+"/other", upd.URL)
	assert.Equal(t, []WebhookEvent{EventExercise, EventSleep}, upd.Events)
	upd, err = c.UpdateWebhook(ctx, created.ID, "", []WebhookEvent{EventSleep})
	require.NoError(t, err)
	assert.Equal(t, receiver.URL+"/other", upd.URL, "empty URL is left unchanged")
	_, err = c.UpdateWebhook(ctx, "nope", "", []WebhookEvent{EventSleep})
	require.ErrorIs(t, err, ErrNotFound)

	require.NoError(t, c.DeactivateWebhook(ctx))
	info, _ = e.sim.Webhook()
	assert.False(t, info.Active)
	require.NoError(t, c.ActivateWebhook(ctx))
	info, _ = e.sim.Webhook()
	assert.True(t, info.Active)

	require.ErrorIs(t, c.DeleteWebhook(ctx, "nope"), ErrNotFound)
	require.NoError(t, c.DeleteWebhook(ctx, created.ID))
	_, found, err = c.GetWebhook(ctx)
	require.NoError(t, err)
	assert.False(t, found)
	require.ErrorIs(t, c.DeactivateWebhook(ctx), ErrNotFound)
}

func TestExercises(t *testing.T) {
	e := newSimEnv(t, nil)
	c := e.client(t)
	ctx := t.Context()
	token, userID := e.loginRegistered(t, c)
	uid := simUserID(t, userID)
	manual, err := e.sim.AddExercise(uid, accesslinksim.ExerciseSpec{NoFIT: true})
	require.NoError(t, err)

	list, err := c.ListExercises(ctx, token, ExerciseOptions{})
	require.NoError(t, err)
	want := e.sim.Exercises(uid)
	require.Len(t, list, len(want))
	ids := map[string]bool{}
	for _, raw := range list {
		ex, err := DecodeExercise(raw)
		require.NoError(t, err)
		ids[string(ex.ID)] = true
		assert.Empty(t, ex.Samples, "no samples unless asked")
	}
	var withFIT accesslinksim.Exercise
	for _, ex := range want {
		assert.True(t, ids[ex.ID], "exercise %s listed", ex.ID)
		if ex.HasFIT && ex.HasRoute && withFIT.ID == "" {
			withFIT = ex
		}
	}
	require.NotEmpty(t, withFIT.ID)

	raw, err := c.GetExercise(ctx, token, withFIT.ID, ExerciseOptions{Samples: true, Zones: true})
	require.NoError(t, err)
	ex, err := DecodeExercise(raw)
	require.NoError(t, err)
	assert.Equal(t, withFIT.ID, string(ex.ID))
	assert.NotEmpty(t, ex.Samples)
	assert.NotEmpty(t, ex.HeartRateZones)

	fitData, found, err := c.GetFile(ctx, token, withFIT.ID, FormatFIT)
	require.NoError(t, err)
	require.True(t, found)
	wantFIT, err := e.sim.ExerciseFIT(withFIT.ID)
	require.NoError(t, err)
	assert.Equal(t, wantFIT, fitData)

	rec, warns, err := NormalizeExercise(userID, ExerciseInput{Exercise: raw, FIT: fitData}, nil, e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_EXERCISE, rec.GetKind())
	assert.Empty(t, warns, "the simulator's data is plausible")

	tcx, found, err := c.GetFile(ctx, token, withFIT.ID, FormatTCX)
	require.NoError(t, err)
	require.True(t, found)
	assert.True(t, bytes.HasPrefix(tcx, []byte("<?xml")), "TCX is returned gunzipped")
	assert.Contains(t, string(tcx[:300]), "TrainingCenterDatabase")
	gpx, found, err := c.GetFile(ctx, token, withFIT.ID, FormatGPX)
	require.NoError(t, err)
	require.True(t, found)
	assert.Contains(t, string(gpx[:300]), "<gpx")

	for _, f := range []FileFormat{FormatFIT, FormatTCX, FormatGPX} {
		data, found, err := c.GetFile(ctx, token, manual.ID, f)
		require.NoError(t, err, "204 for a manual exercise's %s", f)
		assert.False(t, found)
		assert.Nil(t, data)
	}

	_, err = c.GetExercise(ctx, token, "no-such-id", ExerciseOptions{})
	require.ErrorIs(t, err, ErrNotFound)
	assert.True(t, Permanent(err))
	_, _, err = c.GetFile(ctx, token, "no-such-id", FormatFIT)
	require.ErrorIs(t, err, ErrNotFound)
	_, _, err = c.GetFile(ctx, token, withFIT.ID, "pdf")
	require.ErrorIs(t, err, ErrInvalidArgument)
}

func TestSleepAndNightlyRecharge(t *testing.T) {
	for _, noData := range []int{http.StatusNotFound, http.StatusNoContent} {
		t.Run(fmt.Sprint(noData), func(t *testing.T) {
			e := newSimEnv(t, nil, accesslinksim.WithNoDataStatus(noData))
			c := e.client(t)
			ctx := t.Context()
			token, userID := e.loginRegistered(t, c)
			nights := e.sim.Nights(simUserID(t, userID))
			require.NotEmpty(t, nights)

			avail, err := c.AvailableSleep(ctx, token)
			require.NoError(t, err)
			require.Len(t, avail, len(nights))
			assert.Equal(t, nights[0].Date, avail[0].Date)

			list, err := c.ListSleep(ctx, token)
			require.NoError(t, err)
			require.Len(t, list, len(nights))
			s, err := DecodeSleep(list[0])
			require.NoError(t, err)
			assert.Equal(t, nights[0].Date, s.Date)

			var withRecharge accesslinksim.Night
			for _, n := range nights {
				if n.HasRecharge {
					withRecharge = n
				}
			}
			require.NotEmpty(t, withRecharge.Date)
			sleepJSON, found, err := c.GetSleep(ctx, token, withRecharge.Date)
			require.NoError(t, err)
			require.True(t, found)
			rec, warns, err := NormalizeSleep(userID, sleepJSON, e.clock.Now())
			require.NoError(t, err)
			assert.Empty(t, warns, "the simulator's data is plausible")
			assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_SLEEP, rec.GetKind())

			recharges, err := c.ListNightlyRecharge(ctx, token)
			require.NoError(t, err)
			require.NotEmpty(t, recharges)
			_, err = DecodeRecharges(append(append([]byte(`{"recharges":[`), recharges[0]...), ']', '}'))
			require.NoError(t, err)
			rechargeJSON, found, err := c.GetNightlyRecharge(ctx, token, withRecharge.Date)
			require.NoError(t, err)
			require.True(t, found)
			rec, warns, err = NormalizeNightlyRecharge(userID, rechargeJSON, sleepJSON, nil, e.clock.Now())
			require.NoError(t, err)
			assert.Empty(t, warns, "the simulator's data is plausible")
			assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, rec.GetKind())

			data, found, err := c.GetSleep(ctx, token, "2001-01-01")
			require.NoError(t, err, "no data for the date is not an error")
			assert.False(t, found)
			assert.Nil(t, data)
			_, found, err = c.GetNightlyRecharge(ctx, token, "2001-01-01")
			require.NoError(t, err)
			assert.False(t, found)

			before := e.requests()
			_, _, err = c.GetSleep(ctx, token, "2026-3-1")
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.Equal(t, before, e.requests(), "an invalid date makes no request")
		})
	}
}

func TestRevokedTokenIsUnauthorized(t *testing.T) {
	e := newSimEnv(t, nil)
	c := e.client(t)
	token, userID := e.loginRegistered(t, c)
	require.NoError(t, e.sim.Revoke(simUserID(t, userID)))

	before := e.requests()
	_, err := c.ListExercises(t.Context(), token, ExerciseOptions{})
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.Contains(t, err.Error(), "re-authorize the user with `polarbridge users add`")
	assert.Contains(t, err.Error(), "/v3/exercises")
	he, ok := errors.AsType[*HTTPError](err)
	require.True(t, ok)
	assert.Equal(t, http.StatusUnauthorized, he.Status)
	assert.True(t, Permanent(err))
	assert.Equal(t, before+1, e.requests(), "401 is not retried")
}

func TestConsentsMissingIsForbidden(t *testing.T) {
	e := newSimEnv(t, nil)
	c := e.client(t)
	token, userID := e.loginRegistered(t, c)
	require.NoError(t, e.sim.SetConsentsMissing(simUserID(t, userID), true))

	before := e.requests()
	_, _, err := c.GetSleep(t.Context(), token, "2026-03-09")
	require.ErrorIs(t, err, ErrForbidden)
	assert.Contains(t, err.Error(), "ask the user to accept the consents in Polar Flow")
	assert.True(t, Permanent(err))
	assert.Equal(t, before+1, e.requests(), "403 is not retried")

	require.NoError(t, e.sim.SetConsentsMissing(simUserID(t, userID), false))
	_, _, err = c.GetSleep(t.Context(), token, "2026-03-09")
	require.NoError(t, err)
}

func TestWrongClientCredentials(t *testing.T) {
	e := newSimEnv(t, nil)
	c := e.client(t, WithClientCredentials(e.sim.ClientID(), "wrong-secret"))
	_, err := c.Notifications(t.Context())
	require.ErrorIs(t, err, ErrClientUnauthorized)
	assert.NotErrorIs(t, err, ErrUnauthorized, "not the user's token")
	assert.True(t, Permanent(err))

	bare, err := New(WithBaseURL(e.srv.URL))
	require.NoError(t, err)
	_, err = bare.Notifications(t.Context())
	require.ErrorIs(t, err, ErrNoClientCredentials)
}

// TestSecretsNeverLeak provokes every kind of failure, including a server
// that echoes the Authorization header, and looks for the credentials in
// the errors and the debug log.
func TestSecretsNeverLeak(t *testing.T) {
	echo := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/v3/users/sleep/available", "/v3/webhooks":
				http.Error(w, "bad request from "+r.Header.Get("Authorization"), http.StatusBadRequest)
			case "/v3/users/nightly-recharge":
				http.Error(w, "down "+r.Header.Get("Authorization"), http.StatusServiceUnavailable)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
	e := newSimEnv(t, echo)
	c := e.client(t, WithMaxRetries(1))
	ctx := t.Context()
	token, userID := e.loginRegistered(t, c)
	basic := base64.StdEncoding.EncodeToString([]byte(e.sim.ClientID() + ":" + e.sim.ClientSecret()))

	var errs []error
	_, err := c.AvailableSleep(ctx, token)
	errs = append(errs, err)
	_, _, err = c.GetWebhook(ctx)
	errs = append(errs, err)
	_, err = c.ListNightlyRecharge(ctx, token)
	errs = append(errs, err)
	require.NoError(t, e.sim.SetConsentsMissing(simUserID(t, userID), true))
	_, err = c.ListSleep(ctx, token)
	errs = append(errs, err)
	require.NoError(t, e.sim.Revoke(simUserID(t, userID)))
	_, err = c.ListExercises(ctx, token, ExerciseOptions{})
	errs = append(errs, err)
	wrong := e.client(t, WithClientCredentials(e.sim.ClientID(), "another-secret"))
	_, err = wrong.Notifications(ctx)
	errs = append(errs, err)

	logs := e.logs.String()
	require.NotEmpty(t, logs)
	for _, err := range errs {
		require.Error(t, err)
		for _, secret := range []string{token, e.sim.ClientSecret(), basic, "another-secret"} {
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, fmt.Sprintf("%+v", err), secret)
		}
	}
	assert.Contains(t, errs[0].Error(), "[redacted]", "the echoed header is redacted from the body snippet")
	for _, secret := range []string{token, e.sim.ClientSecret(), basic, "another-secret"} {
		assert.NotContains(t, logs, secret)
		assert.NotContains(t, fmt.Sprintf("%v %+v", c, wrong), secret)
	}
}

// failFirst answers the first n API requests with status, before they reach
// the simulator.
func failFirst(n int32, status int) (func(http.Handler) http.Handler, *atomic.Int32) {
	var calls atomic.Int32
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v3/") && calls.Add(1) <= n {
				http.Error(w, "temporarily unavailable", status)
				return
			}
			next.ServeHTTP(w, r)
		})
	}, &calls
}

func TestServerErrorsAreRetried(t *testing.T) {
	wrap, calls := failFirst(3, http.StatusServiceUnavailable)
	e := newSimEnv(t, wrap)
	c := e.client(t)

	got, err := c.Notifications(t.Context())
	require.NoError(t, err)
	assert.Nil(t, got)
	assert.EqualValues(t, 4, calls.Load())
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, e.clock.Slept(), "exponential backoff")
	assert.Equal(t, 1, e.sim.Stats().Requests["GET /v3/notifications"])
	assert.Contains(t, e.logs.String(), "server error, retrying")
}

func TestServerErrorsExhaustRetries(t *testing.T) {
	wrap, calls := failFirst(100, http.StatusBadGateway)
	e := newSimEnv(t, wrap)
	c := e.client(t, WithMaxRetries(2))

	_, err := c.Notifications(t.Context())
	require.ErrorIs(t, err, ErrUnavailable)
	assert.False(t, Permanent(err))
	assert.EqualValues(t, 3, calls.Load(), "one try and two retries")
}

func TestCreateWebhookIsNotRetried(t *testing.T) {
	wrap, calls := failFirst(1, http.StatusInternalServerError)
	e := newSimEnv(t, wrap)
	c := e.client(t)

	_, err := c.CreateWebhook(t.Context(), "http://127.0.0.1:1/hook", []WebhookEvent{EventExercise})
	require.ErrorIs(t, err, ErrUnavailable)
	assert.EqualValues(t, 1, calls.Load(), "a lost create answer would lose the secret: no retry")
}

func TestTimeoutsAreRetried(t *testing.T) {
	var calls atomic.Int32
	hang := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v3/notifications" && calls.Add(1) == 1 {
				select { // until the client gives up
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newSimEnv(t, hang)
	hc := e.srv.Client()
	hc.Timeout = 200 * time.Millisecond
	c := e.client(t, WithHTTPClient(hc))

	_, err := c.Notifications(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load())
	assert.Equal(t, []time.Duration{time.Second}, e.clock.Slept())
}

func TestCancelledContextStopsWaiting(t *testing.T) {
	// A 429 whose reset is ten minutes away, with the real sleep.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(HeaderRateLimitUsage, "21, 21")
		w.Header().Set(HeaderRateLimitLimit, "20, 1000")
		w.Header().Set(HeaderRateLimitReset, "600, 80000")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	c, err := New(WithBaseURL(srv.URL), WithClientCredentials("id", "secret"))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Notifications(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.False(t, Permanent(err))

	// The pacer now knows the window is spent: the next call waits
	// before sending anything, and that wait honours ctx too.
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	_, err = c.Notifications(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "https://user:pw@host", "https://host?x=1", "://"} {
		_, err := New(WithBaseURL(u))
		require.ErrorIs(t, err, ErrInvalidArgument, u)
		if err != nil {
			assert.NotContains(t, err.Error(), "pw@", u)
		}
	}
	c, err := New()
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.base)
}

func TestGetWebhookAcceptsArrayData(t *testing.T) {
	for body, wantFound := range map[string]bool{
		`{"data":[]}`: false,
		`{"data":[{"id":"ab12","events":["SLEEP"],"url":"https://x/h","active":false}]}`: true,
		`{"data":{"id":"ab12","events":["SLEEP"],"url":"https://x/h","active":false}}`:   true,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}))
		c, err := New(WithBaseURL(srv.URL), WithClientCredentials("id", "secret"))
		require.NoError(t, err)
		got, found, err := c.GetWebhook(t.Context())
		srv.Close()
		require.NoError(t, err, body)
		require.Equal(t, wantFound, found, body)
		if found {
			assert.Equal(t, WebhookInfo{ID: "ab12", Events: []WebhookEvent{EventSleep}, URL: "https://x/h"}, *got)
		}
	}
}
