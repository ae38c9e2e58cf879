package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/webhook"
)

// recordingPublisher accepts every publish and remembers the last one.
type recordingPublisher struct{ last *nats.Msg }

func (p *recordingPublisher) PublishMsg(_ context.Context, m *nats.Msg, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	p.last = m
	return &jetstream.PubAck{}, nil
}

// FuzzHandler feeds arbitrary bodies, signed and unsigned, to the handler:
// it must never panic, never publish an unsigned body, publish signed
// bodies verbatim only when they parse, and answer with a known status.
func FuzzHandler(f *testing.F) {
	f.Add([]byte(exerciseBody), true, "EXERCISE")
	f.Add([]byte(sleepBody), true, "SLEEP")
	f.Add([]byte(`{"timestamp":"2019-01-11T08:25:10.02Z","event":"PING"}`), true, "PING")
	f.Add([]byte(`{"event":"EXERCISE","user_id":1}`), true, "")
	f.Add([]byte(`{"event":"A.B","user_id":1,"date":"x"}`), true, "")
	f.Add([]byte(`not json`), false, "EXERCISE")
	f.Fuzz(func(t *testing.T, body []byte, signed bool, event string) {
		pub := &recordingPublisher{}
		h := webhook.New(pub, fixedSecret, "polarbridge.events", 4096, slog.New(slog.NewTextHandler(io.Discard, nil)))
		sig := ""
		if signed {
			sig = webhook.Sign(body, secret)
		}
		rec := post(h, string(body), sig, event)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("unexpected status %d", rec.Code)
		}
		if pub.last == nil {
			return
		}
		if !signed {
			t.Fatal("published an unsigned body")
		}
		if string(pub.last.Data) != string(body) {
			t.Fatal("published body differs from the one received")
		}
		if _, err := accesslink.ParseWebhook(body); err != nil {
			t.Fatalf("published a body that does not parse: %v", err)
		}
		if rec.Code != http.StatusOK {
			t.Fatalf("published but answered %d", rec.Code)
		}
	})
}
