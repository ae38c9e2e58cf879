// Package webhook receives Polar AccessLink webhook pushes and publishes
// each verified event, byte for byte, onto the events subject.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/polarbridge/polarbridge/core/accesslink"
)

// Headers Polar sends with every push (the event header also marks the
// poller's events).
const (
	HeaderSignature = "Polar-Webhook-Signature"
	HeaderEvent     = accesslink.HeaderEvent
)

// Publisher is the part of JetStream the receiver needs.
type Publisher interface {
	PublishMsg(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error)
}

// SecretFunc returns the current signature key (it may change when the
// webhook is re-created). An empty key means none is configured.
type SecretFunc func(ctx context.Context) (string, error)

// Handler verifies and publishes webhook pushes.
type Handler struct {
	pub           Publisher
	secret        SecretFunc
	subjectPrefix string
	maxBody       int64
	log           *slog.Logger
	// OnEvent, if set, is called after an event was published (for the
	// webhook health record).
	OnEvent func(p *accesslink.WebhookPayload)
	// Ready, if set, says whether events can be stored now (NATS
	// connected, storage usable): when not, a push is answered 503 at
	// once, for Polar to retry, instead of after a publish timeout.
	Ready func() error
}

// New returns a Handler publishing to "<subjectPrefix>.<EVENT>".
func New(pub Publisher, secret SecretFunc, subjectPrefix string, maxBody int64, log *slog.Logger) *Handler {
	return &Handler{pub: pub, secret: secret, subjectPrefix: subjectPrefix, maxBody: maxBody, log: log}
}

// publishTimeout bounds storing one push, well inside a sender's own
// timeout, so the answer is a 503 it can act on rather than silence.
const publishTimeout = 5 * time.Second

// ServeHTTP answers 200 only once JetStream has acknowledged the event,
// so Polar retries anything that was not stored.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		h.log.Warn("webhook: body too large", "limit", h.maxBody, "remote", r.RemoteAddr)
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	// Polar PINGs while creating the webhook, before the bridge can know
	// the new signature key. A PING publishes nothing, so it is answered
	// without verification.
	if isPing(r.Header.Get(HeaderEvent), body) {
		w.WriteHeader(http.StatusOK)
		return
	}
	secret, err := h.secret(r.Context())
	if err != nil {
		h.log.Error("webhook: cannot read the signature key", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if secret == "" {
		h.log.Error("webhook: no signature key; create the webhook with `polarbridge webhook create` or set webhook.secret")
		http.Error(w, "not configured", http.StatusServiceUnavailable)
		return
	}
	if !Valid(body, r.Header.Get(HeaderSignature), secret) {
		// Say nothing about why: a forger learns nothing.
		h.log.Warn("webhook: rejected a push with a missing or wrong signature", "remote", r.RemoteAddr, "event", r.Header.Get(HeaderEvent))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	p, err := accesslink.ParseWebhook(body)
	if err != nil {
		h.log.Warn("webhook: malformed payload", "err", err)
		http.Error(w, "malformed payload: "+err.Error(), http.StatusBadRequest)
		return
	}
	if !validToken(string(p.Event)) {
		http.Error(w, "malformed payload: bad event name", http.StatusBadRequest)
		return
	}
	if h.Ready != nil {
		if err := h.Ready(); err != nil {
			h.log.Warn("webhook: cannot store events now; answered 503 for Polar to retry", "event", p.Event, "user", p.UserID, "err", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	msg := nats.NewMsg(h.subjectPrefix + "." + string(p.Event))
	msg.Data = body
	msg.Header.Set(HeaderEvent, string(p.Event))
	ctx, cancel := context.WithTimeout(r.Context(), publishTimeout)
	defer cancel()
	if _, err := h.pub.PublishMsg(ctx, msg, jetstream.WithMsgID(p.PushID(body))); err != nil {
		h.log.Error("webhook: could not store the event; Polar will retry", "event", p.Event, "user", p.UserID, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	// An event names an entity (exercise) or a date (sleep), not both:
	// log only what it has.
	attrs := []any{"event", p.Event, "user", p.UserID}
	if p.EntityID != "" {
		attrs = append(attrs, "entity", p.EntityID)
	}
	if p.Date != "" {
		attrs = append(attrs, "date", p.Date)
	}
	h.log.Info("webhook event", attrs...)
	if h.OnEvent != nil {
		h.OnEvent(p)
	}
	w.WriteHeader(http.StatusOK)
}

// Valid reports whether signature is the hex HMAC-SHA256 of body keyed
// with secret, compared in constant time.
func Valid(body []byte, signature, secret string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign is the signature Polar puts on body (for tests and simulators).
func Sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func isPing(header string, body []byte) bool {
	if strings.EqualFold(header, string(accesslink.EventPing)) {
		return true
	}
	p, err := accesslink.ParseWebhook(body)
	return err == nil && p.Event == accesslink.EventPing
}

// validToken keeps an event name usable as one subject token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
