package accesslink

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HeaderEvent is the header that names a push's event type; events on the
// events subject carry it too, whoever published them.
const HeaderEvent = "Polar-Webhook-Event"

// WebhookEvent is the event type of a webhook payload.
type WebhookEvent string

// Documented webhook events. Others may appear; they decode generically.
const (
	EventPing                      WebhookEvent = "PING"
	EventExercise                  WebhookEvent = "EXERCISE"
	EventSleep                     WebhookEvent = "SLEEP"
	EventContinuousHeartRate       WebhookEvent = "CONTINUOUS_HEART_RATE"
	EventSleepWiseCircadianBedtime WebhookEvent = "SLEEP_WISE_CIRCADIAN_BEDTIME"
	EventSleepWiseAlertness        WebhookEvent = "SLEEP_WISE_ALERTNESS"
)

// PushEvents are the webhook events the bridge takes in, in the order
// Polar documents them: what `webhook create` subscribes to and `webhook
// update` adds to an existing webhook.
func PushEvents() []WebhookEvent {
	return []WebhookEvent{EventExercise, EventSleep, EventContinuousHeartRate,
		EventSleepWiseCircadianBedtime, EventSleepWiseAlertness}
}

// MissingPushEvents returns the PushEvents that have lacks.
func MissingPushEvents(have []WebhookEvent) []WebhookEvent {
	var missing []WebhookEvent
	for _, e := range PushEvents() {
		if !slices.Contains(have, e) {
			missing = append(missing, e)
		}
	}
	return missing
}

// ParseEvents reads a comma-separated list of webhook events (any case);
// a name Polar does not document is an error that lists the valid ones.
func ParseEvents(list string) ([]WebhookEvent, error) {
	var out []WebhookEvent
	for _, e := range strings.Split(list, ",") {
		e = strings.ToUpper(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if !slices.Contains(PushEvents(), WebhookEvent(e)) {
			return nil, fmt.Errorf("unknown webhook event %q (Polar's events: %s): %w", e, joinEvents(PushEvents()), ErrInvalidArgument)
		}
		out = append(out, WebhookEvent(e))
	}
	return out, nil
}

func joinEvents(evs []WebhookEvent) string {
	names := make([]string, len(evs))
	for i, e := range evs {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// EventCardioLoad is the bridge's own event for a day of cardio load:
// Polar sends no webhook for cardio load, the poller lists it and puts
// each new or changed day on the events subject with the listed entry in
// Data, so taking it in costs no further call.
const EventCardioLoad WebhookEvent = "CARDIO_LOAD"

// WebhookPayload is the body Polar POSTs to the webhook URL. Which fields
// are set depends on the event: EXERCISE has EntityID, SLEEP and
// CONTINUOUS_HEART_RATE have Date, the SleepWise events have From and To,
// PING has only Event and Timestamp.
type WebhookPayload struct {
	Event    WebhookEvent `json:"event"`
	UserID   int64        `json:"user_id"`
	EntityID string       `json:"entity_id,omitempty"`
	Date     string       `json:"date,omitempty"`
	From     string       `json:"from,omitempty"`
	To       string       `json:"to,omitempty"`
	// Timestamp is kept verbatim; see SentAt.
	Timestamp string `json:"timestamp"`
	URL       string `json:"url,omitempty"`
	// Data is the day's entry on the poller's CARDIO_LOAD events, the
	// ListedNight on its SLEEP events; Polar never sends it.
	Data json.RawMessage `json:"data,omitempty"`
}

// ListedNight is what the poller's SLEEP event carries: the night and
// the nightly recharge of its date as their lists gave them (the lists
// hold the full entries), so the worker fetches only what was not listed.
type ListedNight struct {
	// SleepListed and RechargeListed say which lists were read; a listed
	// kind without its entry has none for the date (yet).
	SleepListed     bool            `json:"sleep_listed,omitempty"`
	RechargeListed  bool            `json:"recharge_listed,omitempty"`
	Sleep           json.RawMessage `json:"sleep,omitempty"`
	NightlyRecharge json.RawMessage `json:"nightly_recharge,omitempty"`
}

// PushID is the Msg-Id of a push from Polar: MsgID, plus a hash of the
// body for an event keyed by a date rather than an entity (SLEEP and the
// like). Polar pushes such an event again when it re-computes the day, and
// that push must be fetched; a byte-identical repeat (Polar sends SLEEP
// twice) is still dropped by the duplicate window.
func (p *WebhookPayload) PushID(body []byte) string {
	id := p.MsgID(body)
	if p.EntityID != "" || (p.Date == "" && p.From == "" && p.To == "") {
		return id // already an entity, or already the body's hash
	}
	sum := sha256.Sum256(body)
	return fmt.Sprintf("%s.%x", id, sum[:8])
}

// MsgID identifies the event across Polar's repeated deliveries and the
// poller's events for the same item: type + user + entity id or date.
// Events without either fall back to a hash of body. The webhook
// receiver and the poller both de-duplicate by it.
func (p *WebhookPayload) MsgID(body []byte) string {
	switch {
	case p.EntityID != "":
		return fmt.Sprintf("%s.%d.%s", p.Event, p.UserID, p.EntityID)
	case p.Date != "":
		return fmt.Sprintf("%s.%d.%s", p.Event, p.UserID, p.Date)
	case p.From != "" || p.To != "":
		return fmt.Sprintf("%s.%d.%s.%s", p.Event, p.UserID, p.From, p.To)
	}
	sum := sha256.Sum256(body)
	return fmt.Sprintf("%s.%d.%x", p.Event, p.UserID, sum[:8])
}

// ParseWebhook decodes and checks a webhook body: every payload needs an
// event; EXERCISE needs user_id and entity_id; SLEEP needs user_id and a
// date; CARDIO_LOAD needs user_id, date and data; CONTINUOUS_HEART_RATE
// needs user_id and date. Other events are accepted as they come.
func ParseWebhook(data []byte) (*WebhookPayload, error) {
	var p WebhookPayload
	if err := decodeJSON("webhook payload", data, &p); err != nil {
		return nil, err
	}
	var missing string
	switch {
	case p.Event == "":
		missing = "event"
	case p.Event == EventExercise && p.UserID == 0:
		missing = "user_id"
	case p.Event == EventExercise && p.EntityID == "":
		missing = "entity_id"
	case p.Event == EventSleep && p.UserID == 0:
		missing = "user_id"
	case p.Event == EventSleep && p.Date == "":
		missing = "date"
	case p.Event == EventCardioLoad && p.UserID == 0:
		missing = "user_id"
	case p.Event == EventCardioLoad && p.Date == "":
		missing = "date"
	case p.Event == EventCardioLoad && len(p.Data) == 0:
		missing = "data"
	case p.Event == EventContinuousHeartRate && p.UserID == 0:
		missing = "user_id"
	case p.Event == EventContinuousHeartRate && p.Date == "":
		missing = "date"
	default:
		missing = listedMissing(&p)
	}
	if missing != "" {
		return nil, fmt.Errorf("webhook payload for event %q lacks %s: %w", p.Event, missing, ErrInvalidPayload)
	}
	return &p, nil
}

// UserIDString is the user id as records carry it.
func (p *WebhookPayload) UserIDString() string {
	return strconv.FormatInt(p.UserID, 10)
}

// SentAt parses Timestamp (RFC 3339, fractional seconds allowed).
func (p *WebhookPayload) SentAt() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, p.Timestamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("webhook timestamp %q: %v: %w", p.Timestamp, err, ErrInvalidTime)
	}
	return t, nil
}

// AvailableUserData is one entry of GET /v3/notifications.
type AvailableUserData struct {
	UserID   int64  `json:"user-id"`
	DataType string `json:"data-type"` // EXERCISE, ACTIVITY_SUMMARY, PHYSICAL_INFORMATION
	URL      string `json:"url"`
}

// Notifications is the body of GET /v3/notifications.
type Notifications struct {
	AvailableUserData []AvailableUserData `json:"available-user-data"`
}

// DecodeNotifications decodes GET /v3/notifications.
func DecodeNotifications(data []byte) ([]AvailableUserData, error) {
	var n Notifications
	if err := decodeJSON("notifications", data, &n); err != nil {
		return nil, err
	}
	return n.AvailableUserData, nil
}
