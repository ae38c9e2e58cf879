// Package mqttexport is the polarbridge MQTT exporter for Home Assistant:
// one Home Assistant device per Polar user (and per Team Pro player if
// configured), announced by MQTT discovery, whose sensors show the latest
// sleep, Nightly Recharge, exercise, daily activity, cardio load,
// physical information, SpO2, skin temperature and SleepWise alertness.
//
// Each device has one retained JSON state message; the latest record of
// each kind wins by its own time, so a late or redelivered older record
// never overwrites a newer value. See plugins/mqtt/README.md.
package mqttexport

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Version is the plugin version reported by Describe.
const Version = "0.1.0"

const deviceKeyPrefix = "device."

// Exporter implements pluginapi.Exporter.
type Exporter struct {
	sampleConfig string
	log          *slog.Logger

	// mu orders every publish of a device's config and state: a
	// re-announcement never publishes an older state after a newer one.
	mu       sync.Mutex
	s        *settings
	kv       pluginapi.KV
	conn     *conn
	instance string
	// devices caches what was stored, with its KV revision: a save still
	// fails if another process changed it, and the cache is then dropped.
	devices map[string]*pluginapi.Stored[DeviceState]
}

var _ pluginapi.Exporter = (*Exporter)(nil)

// Option configures an Exporter (for tests).
type Option func(*Exporter)

// WithLogger sets the logger (default pluginapi.Logger()).
func WithLogger(l *slog.Logger) Option { return func(e *Exporter) { e.log = l } }

// New returns an unconfigured Exporter; main embeds sampleConfig from
// config.sample.yaml.
func New(sampleConfig string, opts ...Option) *Exporter {
	e := &Exporter{sampleConfig: sampleConfig}
	for _, o := range opts {
		o(e)
	}
	if e.log == nil {
		e.log = pluginapi.Logger()
	}
	return e
}

// Describe implements pluginapi.Exporter.
func (e *Exporter) Describe(context.Context, *pluginapi.DescribeRequest) (*pluginapi.DescribeResponse, error) {
	return &pluginapi.DescribeResponse{Name: "mqtt", Version: Version, Kinds: Kinds(), SampleConfig: e.sampleConfig}, nil
}

// Configure implements pluginapi.Exporter. It starts connecting to the
// broker in the background: a broker that is down is a retry of each
// export, not a refusal to start.
func (e *Exporter) Configure(_ context.Context, req *pluginapi.ConfigureRequest, host pluginapi.Host) (*pluginapi.ConfigureResponse, error) {
	s, err := parseSettings(req.GetConfigJson())
	if err != nil {
		return nil, err
	}
	if host == nil {
		return &pluginapi.ConfigureResponse{}, nil // validation only
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		return nil, errors.New("mqtt exporter: configured twice")
	}
	e.s, e.kv, e.instance = s, host.KV(), req.GetInstanceName()
	if e.instance == "" {
		e.instance = "mqtt"
	}
	e.conn = newConn(s, e.instance, e.log, e.announceAll, func(online bool) {
		if online {
			e.log.Info("Home Assistant is online: announcing the devices again")
			e.announceAll()
		}
	})
	return &pluginapi.ConfigureResponse{}, nil
}

// Close implements io.Closer: the bridge goes offline.
func (e *Exporter) Close() error {
	e.mu.Lock()
	c := e.conn
	e.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}

var errNotConfigured = errors.New("mqtt exporter: Export called before Configure")

// deviceOf names the Home Assistant device of a record.
func (e *Exporter) deviceOf(rec *pluginapi.Record) (id, name, model string, ok bool) {
	if rec.GetKind() == pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION {
		p := rec.GetPlayerSession()
		if !e.s.cfg.TeamProPlayers || p.GetPlayerId() == "" {
			return "", "", "", false
		}
		name := p.GetPlayerName()
		if name == "" {
			name = "player " + p.GetPlayerId()
		}
		return "polarbridge_player_" + safeID(p.GetPlayerId()), "Polar " + name, "Team Pro player of " + p.GetTeamName(), true
	}
	user := rec.GetUserId()
	name = e.s.cfg.UserNames[user]
	if name == "" {
		name = user
	}
	return "polarbridge_" + safeID(user), "Polar " + name, "AccessLink user " + user, true
}

// safeID keeps only what topics and unique ids allow.
func safeID(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// Export implements pluginapi.Exporter: each device touched by the batch
// gets one state message (and a new discovery config when a group of
// sensors appears), then its state is stored.
func (e *Exporter) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.s == nil || e.kv == nil {
		return nil, errNotConfigured
	}
	recs := req.GetRecords()
	results := make([]*pluginapi.ExportResult, len(recs))
	type touched struct {
		st      *pluginapi.Stored[DeviceState]
		idx     []int
		changed bool
		added   bool
	}
	devices := map[string]*touched{}
	var order []string
	for i, rec := range recs {
		skip := func(why string) {
			results[i] = pluginapi.OK()
			results[i].Message = "skipped: " + why
		}
		r, ok := ReadingOf(rec)
		if !ok {
			results[i] = pluginapi.Permanent("record %q: kind %s is not published to MQTT", rec.GetKey(), rec.GetKind())
			continue
		}
		if rec.GetKind() != pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION && !e.s.exports(rec.GetUserId()) {
			skip("Polar user " + rec.GetUserId() + " is not in users")
			continue
		}
		id, name, model, ok := e.deviceOf(rec)
		if !ok {
			skip("Team Pro players are not published (team_pro_players is false)")
			continue
		}
		if r.Skip != "" {
			skip(r.Skip)
			continue
		}
		d := devices[id]
		if d == nil {
			st, err := e.device(ctx, id)
			if err != nil {
				results[i] = pluginapi.Retry("%s: %v", rec.GetKey(), err)
				continue
			}
			st.Value.ID, st.Value.Name, st.Value.Model = id, name, model
			d = &touched{st: st}
			devices[id] = d
			order = append(order, id)
		}
		changed, added := d.st.Value.Apply(rec.GetKey(), rec.GetVersion(), r)
		d.changed, d.added = d.changed || changed, d.added || added
		d.idx = append(d.idx, i)
	}
	for _, id := range order {
		d := devices[id]
		err := e.publishDevice(ctx, d.st, d.changed, d.added)
		if err != nil {
			delete(e.devices, id) // read it again: it may be stale
		}
		for _, i := range d.idx {
			results[i] = pluginapi.ResultFor(recs[i].GetKey(), err)
		}
	}
	return &pluginapi.ExportResponse{Results: results}, nil
}

// device returns a device's stored state, from the cache or the KV.
// The cached value is changed in place: a failed export drops it.
func (e *Exporter) device(ctx context.Context, id string) (*pluginapi.Stored[DeviceState], error) {
	if st, ok := e.devices[id]; ok {
		return st, nil
	}
	st, err := pluginapi.LoadStored[DeviceState](ctx, e.kv, deviceKeyPrefix+id)
	if err != nil {
		return nil, err
	}
	if e.devices == nil {
		e.devices = map[string]*pluginapi.Stored[DeviceState]{}
	}
	e.devices[id] = st
	return st, nil
}

// publishDevice publishes what changed, then stores the state.
func (e *Exporter) publishDevice(ctx context.Context, st *pluginapi.Stored[DeviceState], changed, added bool) error {
	if !changed {
		return nil // late or redelivered records only
	}
	if err := e.conn.ready(); err != nil {
		return err
	}
	if added || !st.Exists() {
		if err := e.publishConfig(&st.Value); err != nil {
			return err
		}
	}
	if err := e.publishState(&st.Value); err != nil {
		return err
	}
	return st.Save(ctx)
}

func (e *Exporter) publishConfig(d *DeviceState) error {
	cfg, err := e.s.topics.discovery(d, int(e.s.qos), Version)
	if err != nil {
		return err
	}
	return e.conn.publish(e.s.topics.Config(d.ID), true, cfg)
}

func (e *Exporter) publishState(d *DeviceState) error {
	payload, err := d.Payload()
	if err != nil {
		return err
	}
	return e.conn.publish(e.s.topics.State(d.ID), true, payload)
}

// announceAll publishes the bridge's availability and every known
// device's config and state: after each connection (the broker may have
// lost its retained messages) and when Home Assistant comes online.
func (e *Exporter) announceAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*e.s.publishTimeout)
	defer cancel()
	if err := e.conn.publish(e.s.topics.Availability(), true, []byte("online")); err != nil {
		e.log.Warn("could not publish the availability", "error", err)
		return
	}
	keys, err := e.kv.Keys(ctx, deviceKeyPrefix)
	if err != nil {
		e.log.Warn("could not list the devices to announce", "error", err)
		return
	}
	for _, k := range keys {
		st, err := pluginapi.LoadStored[DeviceState](ctx, e.kv, k)
		if err == nil {
			err = e.publishConfig(&st.Value)
		}
		if err == nil {
			err = e.publishState(&st.Value)
		}
		if err != nil {
			e.log.Warn("could not announce a device", "device", strings.TrimPrefix(k, deviceKeyPrefix), "error", err)
			return
		}
	}
	e.log.Info("announced to Home Assistant", "devices", len(keys))
}
