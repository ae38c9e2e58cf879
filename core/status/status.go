// Package status is what a running daemon says about itself: the report
// `polarbridge status` prints and the status page shows, and how both
// render it.
package status

import (
	"time"

	"github.com/polarbridge/polarbridge/core/syncstate"
)

// Report is the daemon's state at one instant.
type Report struct {
	Version   string    `json:"version"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
	At        time.Time `json:"at"`
	Ready     bool      `json:"ready"`
	Reason    string    `json:"reason,omitempty"`
	NATS      string    `json:"nats"`
	Config    string    `json:"config,omitempty"`
	Accounts  []Account `json:"accounts"`
	// Webhook is nil when no webhook is registered at Polar.
	Webhook   *Webhook   `json:"webhook,omitempty"`
	Exporters []Exporter `json:"exporters"`
	Quota     []Quota    `json:"quota"`
}

// Account is a Polar account: an AccessLink user or a Team Pro coach
// account, with what it did last since the daemon started.
type Account struct {
	syncstate.Account
	MemberID string `json:"member_id,omitempty"`
	Zone     string `json:"zone,omitempty"`
	// Token is "active", "unauthorized" (revoked or expired: re-run
	// `users add`), "forbidden" (a consent is missing) or "expired".
	Token       string    `json:"token"`
	TokenReason string    `json:"token_reason,omitempty"`
	TokenSince  time.Time `json:"token_since,omitzero"`
}

// Webhook is the AccessLink webhook as stored and as seen.
type Webhook struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Listen is the receiver's address ("" when this daemon receives
	// none: webhook.listen is not set).
	Listen    string    `json:"listen,omitempty"`
	LastEvent time.Time `json:"last_event,omitzero"`
	// Silent: polls found new data while no push arrived.
	Silent bool `json:"silent,omitempty"`
}

// Exporter is one exporter plugin and its deliveries.
type Exporter struct {
	Name   string `json:"name"`
	Plugin string `json:"plugin"` // its name and version, as it describes itself
	// Lag is the records waiting for it or in delivery.
	Lag                 uint64     `json:"lag"`
	DeadLetters         int        `json:"dead_letters"`
	Failing             bool       `json:"failing"`
	ConsecutiveFailures int        `json:"consecutive_failures,omitempty"`
	FailingSince        *time.Time `json:"failing_since,omitempty"`
	LastSuccess         *time.Time `json:"last_success,omitempty"`
	LastError           string     `json:"last_error,omitempty"`
	// PluginError is why the plugin process is not healthy.
	PluginError string `json:"plugin_error,omitempty"`
}

// Quota is a rate-limit window of a Polar API, as Polar last reported it.
type Quota struct {
	API    string `json:"api"`
	Window string `json:"window"` // 15m, 24h
	Used   int    `json:"used"`
	// Limit is 0 while not known (no answer yet).
	Limit int `json:"limit"`
}

// Left is what the window still allows (-1: not known).
func (q Quota) Left() int {
	if q.Limit == 0 {
		return -1
	}
	return max(0, q.Limit-q.Used)
}
