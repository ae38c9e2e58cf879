package mqttexport

import (
	"encoding/json"
	"maps"
	"slices"
)

// DeviceState is what the plugin last published for one Home Assistant
// device, kept in the host KV under "device.<id>" so that a restarted
// plugin still knows the latest values (and never republishes an older
// one) and which devices to re-announce.
type DeviceState struct {
	ID     string                  `json:"id"`
	Name   string                  `json:"name"`
	Model  string                  `json:"model"`
	Groups map[string]GroupReading `json:"groups,omitempty"`
}

// GroupReading is a group's latest values and the record they came from.
type GroupReading struct {
	Key        string         `json:"key"`
	Version    string         `json:"version"`
	Order      string         `json:"order"`
	MeasuredAt string         `json:"measured_at"`
	Values     map[string]any `json:"values"`
}

// Apply puts a record's reading into the state unless the state holds a
// newer one for the group; it reports whether anything changed and
// whether the group is new (its sensors must be announced).
func (d *DeviceState) Apply(key, version string, r Reading) (changed, added bool) {
	if d.Groups == nil {
		d.Groups = map[string]GroupReading{}
	}
	old, had := d.Groups[r.Group]
	switch {
	case had && r.Order < old.Order:
		return false, false // a late, older record
	case had && old.Key == key && old.Version == version:
		return false, false // a redelivery
	}
	g := GroupReading{Key: key, Version: version, Order: r.Order, MeasuredAt: r.MeasuredAt, Values: maps.Clone(r.Values)}
	d.Groups[r.Group] = g
	return true, !had
}

// Payload is the device's state message: one object per group with its
// values and measured_at.
func (d *DeviceState) Payload() ([]byte, error) {
	out := make(map[string]map[string]any, len(d.Groups))
	for name, g := range d.Groups {
		m := maps.Clone(g.Values)
		if m == nil {
			m = map[string]any{}
		}
		m["measured_at"] = g.MeasuredAt
		out[name] = m
	}
	return json.Marshal(out)
}

// groupNames are the state's groups in announcement order.
func (d *DeviceState) groupNames() []string {
	var names []string
	for _, g := range allGroups {
		if _, ok := d.Groups[g.Name]; ok {
			names = append(names, g.Name)
		}
	}
	// Groups unknown to this version (from a newer one) keep their place.
	for name := range d.Groups {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}
