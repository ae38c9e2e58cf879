package mqttexport

import (
	"encoding/json"
	"fmt"
)

// Topics are where the plugin publishes.
type Topics struct {
	Prefix    string // e.g. "polarbridge"
	Discovery string // e.g. "homeassistant"
}

// Availability is the bridge's online/offline topic (its last will).
func (t Topics) Availability() string { return t.Prefix + "/status" }

// State is a device's state topic.
func (t Topics) State(device string) string { return t.Prefix + "/" + device + "/state" }

// Config is a device's device-based discovery topic.
func (t Topics) Config(device string) string { return t.Discovery + "/device/" + device + "/config" }

// HAStatus is where Home Assistant announces itself (online/offline).
func (t Topics) HAStatus() string { return t.Discovery + "/status" }

// discoveryConfig is Home Assistant's device-based discovery payload.
type discoveryConfig struct {
	Device       deviceBlock          `json:"dev"`
	Origin       originBlock          `json:"o"`
	Components   map[string]component `json:"cmps"`
	StateTopic   string               `json:"state_topic"`
	Availability []availability       `json:"availability"`
	QoS          int                  `json:"qos"`
}

type deviceBlock struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	SWVersion    string   `json:"sw_version"`
}

type originBlock struct {
	Name      string `json:"name"`
	SWVersion string `json:"sw_version"`
	URL       string `json:"support_url"`
}

type availability struct {
	Topic        string `json:"topic"`
	Available    string `json:"payload_available"`
	NotAvailable string `json:"payload_not_available"`
}

type component struct {
	Platform               string   `json:"p"`
	UniqueID               string   `json:"unique_id"`
	ObjectID               string   `json:"object_id"`
	Name                   string   `json:"name"`
	ValueTemplate          string   `json:"value_template"`
	Unit                   string   `json:"unit_of_measurement,omitempty"`
	DeviceClass            string   `json:"device_class,omitempty"`
	StateClass             string   `json:"state_class,omitempty"`
	Options                []string `json:"options,omitempty"`
	Icon                   string   `json:"icon,omitempty"`
	JSONAttributesTopic    string   `json:"json_attributes_topic"`
	JSONAttributesTemplate string   `json:"json_attributes_template"`
}

// UniqueID is a sensor's unique_id (and object id): only [a-zA-Z0-9_-].
func UniqueID(device, group, key string) string { return device + "_" + group + "_" + key }

// discovery builds the device's discovery config with the sensors of the
// groups it has values for: a sensor without data would only show an
// error in Home Assistant's log.
func (t Topics) discovery(d *DeviceState, qos int, version string) ([]byte, error) {
	state := t.State(d.ID)
	cfg := discoveryConfig{
		Device:       deviceBlock{Identifiers: []string{d.ID}, Name: d.Name, Manufacturer: "Polar", Model: d.Model, SWVersion: version},
		Origin:       originBlock{Name: "polarbridge", SWVersion: version, URL: "https://github.com/polarbridge/polarbridge"},
		Components:   map[string]component{},
		StateTopic:   state,
		Availability: []availability{{Topic: t.Availability(), Available: "online", NotAvailable: "offline"}},
		QoS:          qos,
	}
	for _, name := range d.groupNames() {
		g, ok := groupByName(name)
		if !ok {
			continue
		}
		for _, s := range g.Sensors {
			id := UniqueID(d.ID, g.Name, s.Key)
			cfg.Components[id] = component{
				Platform: "sensor", UniqueID: id, ObjectID: id, Name: s.Name,
				// A value the record lacks is unknown, not an error.
				ValueTemplate: fmt.Sprintf("{{ value_json.%s.%s | default(None) }}", g.Name, s.Key),
				Unit:          s.Unit, DeviceClass: s.DeviceClass, StateClass: s.StateClass, Options: s.Options, Icon: s.Icon,
				JSONAttributesTopic:    state,
				JSONAttributesTemplate: fmt.Sprintf("{{ {'measured_at': value_json.%s.measured_at} | tojson }}", g.Name),
			}
		}
	}
	return json.Marshal(cfg)
}
