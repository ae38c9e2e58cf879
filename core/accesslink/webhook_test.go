package accesslink

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookMsgID(t *testing.T) {
	for _, tt := range []struct {
		body, want string
	}{
		{`{"event":"EXERCISE","user_id":475,"entity_id":"aQlC83","timestamp":"2026-12-01T21:45:00Z"}`, "EXERCISE.475.aQlC83"},
		{`{"event":"SLEEP","user_id":475,"date":"2026-12-02","timestamp":"2026-12-01T21:45:00Z"}`, "SLEEP.475.2026-12-02"},
		{`{"event":"SLEEP_WISE_ALERTNESS","user_id":475,"from":"2026-12-01","to":"2026-12-02","timestamp":"x"}`, "SLEEP_WISE_ALERTNESS.475.2026-12-01.2026-12-02"},
	} {
		p, err := ParseWebhook([]byte(tt.body))
		require.NoError(t, err, tt.body)
		assert.Equal(t, tt.want, p.MsgID([]byte(tt.body)))
	}
	// Without an entity or a date, the body itself identifies the event.
	a, b := []byte(`{"event":"NEW_KIND","user_id":1,"timestamp":"a"}`), []byte(`{"event":"NEW_KIND","user_id":1,"timestamp":"b"}`)
	pa, err := ParseWebhook(a)
	require.NoError(t, err)
	pb, err := ParseWebhook(b)
	require.NoError(t, err)
	assert.NotEqual(t, pa.MsgID(a), pb.MsgID(b))
	assert.Equal(t, pa.MsgID(a), pa.MsgID(a))
}

// The poller marshals payloads itself: what it writes must read back as
// the webhook's own payload, with the same Msg-Id and no empty fields.
func TestWebhookPayloadRoundTrip(t *testing.T) {
	in := WebhookPayload{Event: EventSleep, UserID: 475, Date: "2026-12-02", Timestamp: "2026-12-01T21:45:00Z"}
	body, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"event":"SLEEP","user_id":475,"date":"2026-12-02","timestamp":"2026-12-01T21:45:00Z"}`, string(body))
	out, err := ParseWebhook(body)
	require.NoError(t, err)
	assert.Equal(t, in.MsgID(body), out.MsgID(body))
}

// A date-keyed push carries its body's hash: a re-computed night (a new
// push, new timestamp) is a new message, an identical repeat is not.
func TestWebhookPushID(t *testing.T) {
	first := []byte(`{"event":"SLEEP","user_id":475,"date":"2026-12-02","timestamp":"2026-12-02T06:10:00Z"}`)
	again := []byte(`{"event":"SLEEP","user_id":475,"date":"2026-12-02","timestamp":"2026-12-02T09:40:00Z"}`)
	p1, err := ParseWebhook(first)
	require.NoError(t, err)
	p2, err := ParseWebhook(again)
	require.NoError(t, err)
	assert.Equal(t, p1.PushID(first), p1.PushID(first))
	assert.NotEqual(t, p1.PushID(first), p2.PushID(again))
	assert.Regexp(t, `^SLEEP\.475\.2026-12-02\.[0-9a-f]{16}$`, p1.PushID(first))
	ex := []byte(`{"event":"EXERCISE","user_id":475,"entity_id":"a1","timestamp":"x"}`)
	pe, err := ParseWebhook(ex)
	require.NoError(t, err)
	assert.Equal(t, "EXERCISE.475.a1", pe.PushID(ex), "an exercise is its entity: Polar sends no push for edits")
}
