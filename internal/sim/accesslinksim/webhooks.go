package accesslinksim

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Webhook event types from the webhookType model.
const (
	EventPing                = "PING"
	EventExercise            = "EXERCISE"
	EventSleep               = "SLEEP"
	EventContinuousHeartRate = "CONTINUOUS_HEART_RATE"
	EventCircadianBedtime    = "SLEEP_WISE_CIRCADIAN_BEDTIME"
	EventAlertness           = "SLEEP_WISE_ALERTNESS"
)

var webhookTypes = []string{EventExercise, EventSleep, EventContinuousHeartRate, EventCircadianBedtime, EventAlertness}

// webhookFailureLimit: Polar deactivates a webhook after seven days of
// unsuccessful pushes.
const webhookFailureLimit = 7 * 24 * time.Hour

type webhook struct {
	id           string
	events       []string
	url          string
	secret       string
	active       bool
	firstFailure time.Time
}

// WebhookInfo is a snapshot of the registered webhook, including the secret
// that the API reveals only once, at creation.
type WebhookInfo struct {
	ID        string
	Events    []string
	URL       string
	SecretKey string
	Active    bool
}

// Delivery records one POST to a webhook URL.
type Delivery struct {
	Event      string
	URL        string
	Body       []byte
	Signature  string
	StatusCode int   // 0 when the request failed
	Err        error // transport error or non-200 status
	At         time.Time
}

type webhookRequest struct {
	Events []string `json:"events"`
	URL    string   `json:"url"`
}

type webhookData struct {
	ID                 string   `json:"id"`
	Events             []string `json:"events"`
	URL                string   `json:"url"`
	SignatureSecretKey string   `json:"signature_secret_key,omitempty"`
	Active             *bool    `json:"active,omitempty"`
}

func (wh *webhook) info() webhookData {
	return webhookData{ID: wh.id, Events: slices.Clone(wh.events), URL: wh.url, Active: ptr(wh.active)}
}

func validEvents(evs []string) bool {
	if len(evs) == 0 {
		return false
	}
	for _, e := range evs {
		if !slices.Contains(webhookTypes, e) {
			return false
		}
	}
	return true
}

func validURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (s *Simulator) handleCreateWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.requireClient(w, r) {
		return
	}
	var req webhookRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil || !validEvents(req.Events) || !validURL(req.URL) {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "events and a valid url are required")
		return
	}
	s.mu.Lock()
	exists := s.webhook != nil
	s.mu.Unlock()
	if exists {
		writeError(w, s.now(), http.StatusConflict, "CONFLICT", "webhook already exists")
		return
	}
	wh := &webhook{
		id:     hex.EncodeToString(randBytes(3)),
		events: slices.Clone(req.Events),
		url:    req.URL,
		secret: newSecretKey(),
		active: true,
	}
	if d := s.ping(wh.url, wh.secret); d.Err != nil {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "webhook ping failed: "+d.Err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook != nil { // lost a race with a concurrent create
		writeError(w, s.now(), http.StatusConflict, "CONFLICT", "webhook already exists")
		return
	}
	s.webhook = wh
	data := webhookData{ID: wh.id, Events: slices.Clone(wh.events), URL: wh.url, SignatureSecretKey: wh.secret}
	writeJSON(w, http.StatusCreated, map[string]webhookData{"data": data})
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return b
}

// newSecretKey looks like Polar's UUID-formatted signing keys.
func newSecretKey() string {
	b := randBytes(16)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (s *Simulator) handleGetWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.requireClient(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		// Undocumented; an empty list is the least surprising answer.
		writeJSON(w, http.StatusOK, map[string][]webhookData{"data": {}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]webhookData{"data": s.webhook.info()})
}

func (s *Simulator) handlePatchWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.requireClient(w, r) {
		return
	}
	var req webhookRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil ||
		(req.Events != nil && !validEvents(req.Events)) || (req.URL != "" && !validURL(req.URL)) {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "invalid events or url")
		return
	}
	s.mu.Lock()
	wh := s.webhook
	var secret, oldURL string
	if wh != nil && wh.id == r.PathValue("webhookID") {
		secret, oldURL = wh.secret, wh.url
	}
	s.mu.Unlock()
	if secret == "" {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "webhook not found")
		return
	}
	if req.URL != "" && req.URL != oldURL {
		if d := s.ping(req.URL, secret); d.Err != nil {
			writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "webhook ping failed: "+d.Err.Error())
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook != wh {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "webhook not found")
		return
	}
	if req.URL != "" {
		wh.url = req.URL
	}
	if req.Events != nil {
		wh.events = slices.Clone(req.Events)
	}
	writeJSON(w, http.StatusOK, map[string]webhookData{"data": wh.info()})
}

func (s *Simulator) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.requireClient(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil || s.webhook.id != r.PathValue("webhookID") {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "webhook not found")
		return
	}
	s.webhook = nil
	w.WriteHeader(http.StatusNoContent)
}

// handleActivateWebhook re-enables the webhook if its URL answers a PING.
func (s *Simulator) handleActivateWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.requireClient(w, r) {
		return
	}
	s.mu.Lock()
	wh := s.webhook
	var target, secret string
	if wh != nil {
		target, secret = wh.url, wh.secret
	}
	s.mu.Unlock()
	if wh == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if d := s.ping(target, secret); d.Err != nil {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "webhook ping failed: "+d.Err.Error())
		return
	}
	s.mu.Lock()
	wh.active, wh.firstFailure = true, time.Time{}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Simulator) handleDeactivateWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.requireClient(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.webhook.active = false
	w.WriteHeader(http.StatusOK)
}

type pingPayload struct {
	Timestamp string `json:"timestamp"`
	Event     string `json:"event"`
}

type exercisePayload struct {
	Event     string `json:"event"`
	UserID    int64  `json:"user_id"`
	EntityID  string `json:"entity_id"`
	Timestamp string `json:"timestamp"`
	URL       string `json:"url"`
}

type sleepPayload struct {
	Event     string `json:"event"`
	UserID    int64  `json:"user_id"`
	Date      string `json:"date"`
	Timestamp string `json:"timestamp"`
	URL       string `json:"url"`
}

func (s *Simulator) ping(target, secret string) Delivery {
	body, _ := json.Marshal(pingPayload{Timestamp: formatWebhookTime(s.now()), Event: EventPing})
	return s.post(target, secret, EventPing, body)
}

// Sign returns the Polar-Webhook-Signature value for body: hex-encoded
// HMAC-SHA256 keyed with the webhook's signature_secret_key.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// post delivers one signed payload and records it. It must be called
// without s.mu held: receivers commonly call back into the API.
func (s *Simulator) post(target, secret, event string, body []byte) Delivery {
	d := Delivery{Event: event, URL: target, Body: body, Signature: Sign(secret, body), At: s.now()}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		d.Err = fmt.Errorf("building request: %w", err)
	} else {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Polar-Webhook-Event", event)
		req.Header.Set("Polar-Webhook-Signature", d.Signature)
		resp, err := s.cfg.webhookClient.Do(req)
		if err != nil {
			d.Err = fmt.Errorf("posting %s: %w", event, err)
		} else {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			d.StatusCode = resp.StatusCode
			if resp.StatusCode != http.StatusOK {
				d.Err = fmt.Errorf("posting %s: status %d, want 200", event, resp.StatusCode)
			}
		}
	}
	if d.Err != nil {
		s.cfg.logger.Warn("webhook delivery failed", "event", event, "url", target, "err", d.Err)
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	return d
}

// Event identifies new data to announce through the webhook.
type Event struct {
	Type     string // EventExercise or EventSleep
	UserID   int64
	EntityID string // hashed exercise id for EXERCISE
	Date     string // YYYY-MM-DD for SLEEP
	From, To string // YYYY-MM-DD for the SleepWise events
}

// PushOption changes how a push is delivered.
type PushOption func(*pushConfig)

type pushConfig struct {
	times int
}

// Twice delivers the identical payload two times, like the duplicate SLEEP
// pushes observed from Polar. Receivers must be idempotent.
func Twice() PushOption { return func(c *pushConfig) { c.times = 2 } }

// Drop loses the push: the data exists but no webhook arrives, so only
// polling finds it.
func Drop() PushOption { return func(c *pushConfig) { c.times = 0 } }

// PushWebhook delivers ev to the registered webhook synchronously and
// returns the attempts made. Nothing is sent when there is no active
// webhook or it is not subscribed to ev.Type.
func (s *Simulator) PushWebhook(ev Event, opts ...PushOption) []Delivery {
	pc := pushConfig{times: 1}
	if ev.Type == EventSleep && s.cfg.doubleSleepPush {
		pc.times = 2
	}
	for _, o := range opts {
		o(&pc)
	}
	s.mu.Lock()
	wh := s.webhook
	if wh == nil || !wh.active || !slices.Contains(wh.events, ev.Type) || pc.times == 0 {
		s.mu.Unlock()
		return nil
	}
	target, secret, base := wh.url, wh.secret, s.base()
	s.mu.Unlock()

	ts := formatWebhookTime(s.now())
	var payload any
	switch ev.Type {
	case EventExercise:
		payload = exercisePayload{
			Event: ev.Type, UserID: ev.UserID, EntityID: ev.EntityID, Timestamp: ts,
			URL: fmt.Sprintf("%s/v3/exercises/%s", base, ev.EntityID),
		}
	case EventSleep:
		payload = sleepPayload{
			Event: ev.Type, UserID: ev.UserID, Date: ev.Date, Timestamp: ts,
			URL: fmt.Sprintf("%s/v3/users/sleep/%s", base, ev.Date),
		}
	case EventContinuousHeartRate:
		payload = sleepPayload{
			Event: ev.Type, UserID: ev.UserID, Date: ev.Date, Timestamp: ts,
			URL: fmt.Sprintf("%s/v3/users/continuous-heart-rate/%s", base, ev.Date),
		}
	case EventAlertness, EventCircadianBedtime:
		payload = sleepWisePayload(ev, ts, base)
	default:
		payload = sleepPayload{Event: ev.Type, UserID: ev.UserID, Date: ev.Date, Timestamp: ts}
	}
	body, _ := json.Marshal(payload)
	var out []Delivery
	for range pc.times {
		d := s.post(target, secret, ev.Type, body)
		out = append(out, d)
		s.noteDeliveryResult(wh, d)
	}
	return out
}

// noteDeliveryResult applies the seven-day auto-deactivation rule.
func (s *Simulator) noteDeliveryResult(wh *webhook, d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.Err == nil {
		wh.firstFailure = time.Time{}
		return
	}
	if wh.firstFailure.IsZero() {
		wh.firstFailure = d.At
	}
	if d.At.Sub(wh.firstFailure) >= webhookFailureLimit {
		wh.active = false
	}
}
