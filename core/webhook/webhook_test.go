package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/webhook"
	"github.com/polarbridge/polarbridge/internal/testbus"
)

const secret = "s3cr3t-key"

func fixedSecret(context.Context) (string, error) { return secret, nil }

func newHandler(t *testing.T) (*webhook.Handler, *bus.Bus, *bytes.Buffer) {
	t.Helper()
	b := testbus.Open(t)
	logs := &bytes.Buffer{}
	h := webhook.New(b.JS, fixedSecret, "polarbridge.events", 4096, slog.New(slog.NewTextHandler(logs, nil)))
	return h, b, logs
}

func post(h http.Handler, body, signature, event string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/polar/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(webhook.HeaderSignature, signature)
	}
	if event != "" {
		req.Header.Set(webhook.HeaderEvent, event)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func eventsStored(t *testing.T, b *bus.Bus) []*jetstream.RawStreamMsg {
	t.Helper()
	s, err := b.JS.Stream(context.Background(), bus.EventsStream)
	require.NoError(t, err)
	info, err := s.Info(context.Background())
	require.NoError(t, err)
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(context.Background(), seq)
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

const exerciseBody = `{"event":"EXERCISE","user_id":475,"entity_id":"aQlC83","timestamp":"2018-05-15T14:22:24Z","url":"https://www.polaraccesslink.com/v3/exercises/aQlC83"}`
const sleepBody = `{"event":"SLEEP","user_id":475,"date":"2019-12-31","timestamp":"2018-05-15T14:22:24Z","url":"https://www.polaraccesslink.com/v3/users/sleep/2019-12-31"}`

func TestSignedEventPublishedVerbatim(t *testing.T) {
	h, b, _ := newHandler(t)
	rec := post(h, exerciseBody, webhook.Sign([]byte(exerciseBody), secret), "EXERCISE")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	msgs := eventsStored(t, b)
	require.Len(t, msgs, 1)
	assert.Equal(t, "polarbridge.events.EXERCISE", msgs[0].Subject)
	assert.Equal(t, exerciseBody, string(msgs[0].Data), "the body exactly as Polar sent it")
	assert.Equal(t, "EXERCISE.475.aQlC83", msgs[0].Header.Get(nats.MsgIdHdr))
}

func TestRepeatedDeliveryStoredOnce(t *testing.T) {
	h, b, _ := newHandler(t)
	for range 2 { // Polar is known to send SLEEP twice
		rec := post(h, sleepBody, webhook.Sign([]byte(sleepBody), secret), "SLEEP")
		require.Equal(t, http.StatusOK, rec.Code)
	}
	msgs := eventsStored(t, b)
	require.Len(t, msgs, 1)
	assert.Regexp(t, `^SLEEP\.475\.2019-12-31\.[0-9a-f]{16}$`, msgs[0].Header.Get(nats.MsgIdHdr), "date-keyed: the body's hash is part of the id")

	// Polar re-computes the night and pushes again (a new timestamp): a
	// new event, which the worker fetches.
	again := strings.Replace(sleepBody, "2018-05-15T14:22:24Z", "2018-05-15T19:02:11Z", 1)
	require.NotEqual(t, sleepBody, again)
	rec := post(h, again, webhook.Sign([]byte(again), secret), "SLEEP")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Len(t, eventsStored(t, b), 2)
}

func TestRejections(t *testing.T) {
	tests := []struct {
		name, body, sig, event string
		want                   int
	}{
		{"missing signature", exerciseBody, "", "EXERCISE", http.StatusUnauthorized},
		{"forged signature", exerciseBody, webhook.Sign([]byte(exerciseBody), "not-the-key"), "EXERCISE", http.StatusUnauthorized},
		{"signature of another body", exerciseBody, webhook.Sign([]byte(sleepBody), secret), "EXERCISE", http.StatusUnauthorized},
		{"garbage signature", exerciseBody, "zz", "EXERCISE", http.StatusUnauthorized},
		{"malformed json", `{"event":`, webhook.Sign([]byte(`{"event":`), secret), "EXERCISE", http.StatusBadRequest},
		{"exercise without entity", `{"event":"EXERCISE","user_id":1}`, webhook.Sign([]byte(`{"event":"EXERCISE","user_id":1}`), secret), "EXERCISE", http.StatusBadRequest},
		{"too large", strings.Repeat(" ", 5000) + exerciseBody, "00", "EXERCISE", http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, b, _ := newHandler(t)
			rec := post(h, tt.body, tt.sig, tt.event)
			assert.Equal(t, tt.want, rec.Code, rec.Body.String())
			assert.Empty(t, eventsStored(t, b), "nothing is published")
		})
	}
}

func TestPing(t *testing.T) {
	h, b, _ := newHandler(t)
	body := `{"timestamp":"2019-01-11T08:25:10.02Z","event":"PING"}`
	assert.Equal(t, http.StatusOK, post(h, body, webhook.Sign([]byte(body), secret), "PING").Code)
	// While the webhook is being created the bridge cannot know the new
	// key yet; a PING stores nothing, so it is answered anyway.
	assert.Equal(t, http.StatusOK, post(h, body, webhook.Sign([]byte(body), "the-new-key"), "PING").Code)
	assert.Equal(t, http.StatusOK, post(h, body, "", "").Code)
	// A PING header does not smuggle a real event past the signature check.
	assert.Equal(t, http.StatusOK, post(h, exerciseBody, "", "PING").Code)
	assert.Empty(t, eventsStored(t, b))
}

type failingPublisher struct{}

func (failingPublisher) PublishMsg(context.Context, *nats.Msg, ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	return nil, errors.New("nats: timeout")
}

func TestNotStoredMeans503(t *testing.T) {
	h := webhook.New(failingPublisher{}, fixedSecret, "polarbridge.events", 4096, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := post(h, exerciseBody, webhook.Sign([]byte(exerciseBody), secret), "EXERCISE")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "Polar must retry an event that was not stored")
}

func TestSecretNeverLogged(t *testing.T) {
	h, _, logs := newHandler(t)
	post(h, exerciseBody, webhook.Sign([]byte(exerciseBody), "wrong"), "EXERCISE")
	post(h, exerciseBody, webhook.Sign([]byte(exerciseBody), secret), "EXERCISE")
	assert.NotContains(t, logs.String(), secret)
	assert.Contains(t, logs.String(), "wrong signature")
}

// TestEventLogHasNoEmptyFields: an exercise event has no date and a
// sleep event no entity; the log line says only what the event has.
func TestEventLogHasNoEmptyFields(t *testing.T) {
	h, _, logs := newHandler(t)
	require.Equal(t, http.StatusOK, post(h, exerciseBody, webhook.Sign([]byte(exerciseBody), secret), "EXERCISE").Code)
	require.Equal(t, http.StatusOK, post(h, sleepBody, webhook.Sign([]byte(sleepBody), secret), "SLEEP").Code)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2, logs.String())
	assert.Contains(t, lines[0], "entity=aQlC83")
	assert.NotContains(t, lines[0], "date=")
	assert.Contains(t, lines[1], "date=2019-12-31")
	assert.NotContains(t, lines[1], "entity=")
	assert.NotContains(t, logs.String(), `=""`)
}
