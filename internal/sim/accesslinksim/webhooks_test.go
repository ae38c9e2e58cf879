package accesslinksim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type received struct {
	event, signature string
	body             []byte
}

// receiver is a webhook endpoint recording what arrives.
type receiver struct {
	mu     sync.Mutex
	got    []received
	status int
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: http.StatusOK}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.got = append(rc.got, received{r.Header.Get("Polar-Webhook-Event"), r.Header.Get("Polar-Webhook-Signature"), b})
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func (rc *receiver) setStatus(code int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = code
}

func verify(secret string, r received) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(r.body)
	return hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(r.signature))
}

func createWebhook(t *testing.T, e *env, url string, events ...string) (response, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"events": events, "url": url})
	resp := e.do(t, http.MethodPost, "/v3/webhooks", e.basic(), string(b))
	if resp.StatusCode != http.StatusCreated {
		return resp, nil
	}
	return resp, resp.object(t)["data"].(map[string]any)
}

func TestWebhookCreatePingsAndSigns(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	resp, data := createWebhook(t, e, rc.srv.URL+"/hook", EventExercise, EventSleep)
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(resp.body))
	requireKeys(t, data, "id", "events", "url", "signature_secret_key")
	secret := data["signature_secret_key"].(string)

	got := rc.all()
	require.Len(t, got, 1)
	assert.Equal(t, "PING", got[0].event)
	assert.True(t, verify(secret, got[0]), "PING is signed with the new key")
	var ping map[string]any
	require.NoError(t, json.Unmarshal(got[0].body, &ping))
	assert.Equal(t, "PING", ping["event"])
	requireKeys(t, ping, "timestamp", "event")

	// The key is never shown again.
	resp = e.do(t, http.MethodGet, "/v3/webhooks", e.basic(), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	info := resp.object(t)["data"].(map[string]any)
	requireKeys(t, info, "id", "events", "url", "active")
	requireNoKeys(t, info, "signature_secret_key")
	assert.Equal(t, true, info["active"])

	// Only one webhook per client.
	resp, _ = createWebhook(t, e, rc.srv.URL+"/other", EventExercise)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
}

func TestWebhookPushes(t *testing.T) {
	e := newEnv(t)
	_, id := e.loginRegistered(t)
	rc := newReceiver(t)
	_, data := createWebhook(t, e, rc.srv.URL, EventExercise, EventSleep)
	secret := data["signature_secret_key"].(string)

	ex, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "RUNNING", Duration: 5 * time.Minute})
	require.NoError(t, err)
	got := rc.all()
	require.Len(t, got, 2, "PING then EXERCISE, delivered before AddExercise returns")
	push := got[1]
	assert.Equal(t, "EXERCISE", push.event)
	assert.True(t, verify(secret, push))
	var p map[string]any
	require.NoError(t, json.Unmarshal(push.body, &p))
	requireKeys(t, p, "event", "user_id", "entity_id", "timestamp", "url")
	assert.Equal(t, float64(id), p["user_id"])
	assert.Equal(t, ex.ID, p["entity_id"])
	assert.Equal(t, e.srv.URL+"/v3/exercises/"+ex.ID, p["url"])

	n, err := e.sim.AddSleep(id, Twice())
	require.NoError(t, err)
	got = rc.all()
	require.Len(t, got, 4)
	assert.Equal(t, got[2].body, got[3].body, "double delivery repeats the payload")
	require.NoError(t, json.Unmarshal(got[2].body, &p))
	requireKeys(t, p, "event", "user_id", "date", "timestamp", "url")
	assert.Equal(t, n.Date, p["date"])
	assert.Equal(t, e.srv.URL+"/v3/users/sleep/"+n.Date, p["url"])
	assert.True(t, verify(secret, got[3]))

	_, err = e.sim.AddExercise(id, ExerciseSpec{}, Drop())
	require.NoError(t, err)
	assert.Len(t, rc.all(), 4, "dropped push")
	assert.Len(t, e.sim.Deliveries(), 4)
}

func TestWebhookOnlySubscribedEvents(t *testing.T) {
	e := newEnv(t, WithDuplicateSleepPushes())
	_, id := e.loginRegistered(t)
	rc := newReceiver(t)
	_, data := createWebhook(t, e, rc.srv.URL, EventSleep)
	_, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "YOGA", NoFIT: true})
	require.NoError(t, err)
	assert.Len(t, rc.all(), 1, "only the PING")
	_, err = e.sim.AddSleep(id)
	require.NoError(t, err)
	assert.Len(t, rc.all(), 3, "SLEEP delivered twice by default")

	// PATCH to EXERCISE only; deactivation stops pushes.
	hookID := data["id"].(string)
	resp := e.do(t, http.MethodPatch, "/v3/webhooks/"+hookID, e.basic(), `{"events":["EXERCISE"]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []any{"EXERCISE"}, resp.object(t)["data"].(map[string]any)["events"])
	_, _ = e.sim.AddSleep(id)
	assert.Len(t, rc.all(), 3)
	require.Equal(t, http.StatusOK, e.do(t, http.MethodPost, "/v3/webhooks/deactivate", e.basic(), "").StatusCode)
	_, _ = e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "YOGA", NoFIT: true})
	assert.Len(t, rc.all(), 3)
	require.Equal(t, http.StatusOK, e.do(t, http.MethodPost, "/v3/webhooks/activate", e.basic(), "").StatusCode)
	assert.Equal(t, "PING", rc.all()[3].event, "activation pings")
	_, _ = e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "YOGA", NoFIT: true})
	assert.Equal(t, "EXERCISE", rc.all()[4].event)

	assert.Equal(t, http.StatusNotFound, e.do(t, http.MethodDelete, "/v3/webhooks/nope", e.basic(), "").StatusCode)
	assert.Equal(t, http.StatusNoContent, e.do(t, http.MethodDelete, "/v3/webhooks/"+hookID, e.basic(), "").StatusCode)
	_, ok := e.sim.Webhook()
	assert.False(t, ok)
	assert.Equal(t, http.StatusNoContent, e.do(t, http.MethodPost, "/v3/webhooks/activate", e.basic(), "").StatusCode)
}

func TestWebhookCreateFailsWhenPingFails(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	rc.setStatus(http.StatusInternalServerError)
	resp, _ := createWebhook(t, e, rc.srv.URL, EventExercise)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	requireKeys(t, resp.object(t), "timestamp", "status", "errorType", "message", "corrId")
	_, ok := e.sim.Webhook()
	assert.False(t, ok)
	assert.Len(t, rc.all(), 1, "the PING was attempted")

	resp, _ = createWebhook(t, e, "not a url", EventExercise)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = createWebhook(t, e, rc.srv.URL, "BOGUS")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestWebhookDeactivatedAfterSevenDaysOfFailures(t *testing.T) {
	e := newEnv(t)
	_, id := e.loginRegistered(t)
	rc := newReceiver(t)
	createWebhook(t, e, rc.srv.URL, EventExercise)
	rc.setStatus(http.StatusServiceUnavailable)
	ds := e.sim.PushWebhook(Event{Type: EventExercise, UserID: id, EntityID: "x"})
	require.Len(t, ds, 1)
	assert.Error(t, ds[0].Err)
	e.clock.Advance(7*24*time.Hour + time.Minute)
	e.sim.PushWebhook(Event{Type: EventExercise, UserID: id, EntityID: "x"})
	wh, ok := e.sim.Webhook()
	require.True(t, ok)
	assert.False(t, wh.Active)
}

func TestSignMatchesHMAC(t *testing.T) {
	m := hmac.New(sha256.New, []byte("k"))
	m.Write([]byte(`{"a":1}`))
	assert.Equal(t, hex.EncodeToString(m.Sum(nil)), Sign("k", []byte(`{"a":1}`)))
}
