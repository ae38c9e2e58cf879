package mqttexport_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testmqtt"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func night(date, version string) []*pluginapi.Record {
	s, n := testrecords.Sleep("475", date), testrecords.NightlyRecharge("475", date)
	s.Version, n.Version = version, version
	return []*pluginapi.Record{s, n}
}

func TestDiscoveryAndState(t *testing.T) {
	e := newEnv(t, map[string]any{"user_names": map[string]string{"475": "Anna"}})
	e.waitOnline()
	ex := testrecords.Exercise("475", "x1", time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), 45*time.Minute)
	ex.Version = "v1"
	e.exportOK(append(night("2026-05-04", "v1"), ex)...)

	got := e.retained("#")
	cfg := got[configTopic]
	require.NotNil(t, cfg, "the device's discovery config is retained: %v", got)
	dev := cfg["dev"].(map[string]any)
	assert.Equal(t, "Polar Anna", dev["name"])
	assert.Equal(t, []any{"polarbridge_475"}, dev["identifiers"])
	assert.Equal(t, "polarbridge", cfg["o"].(map[string]any)["name"])
	assert.Equal(t, stateTopic, cfg["state_topic"])
	assert.Equal(t, float64(1), cfg["qos"])
	assert.Equal(t, []any{map[string]any{"topic": availTopic, "payload_available": "online", "payload_not_available": "offline"}}, cfg["availability"])
	cmps := cfg["cmps"].(map[string]any)
	assert.Len(t, cmps, 4+5+7, "the sleep, recharge and exercise sensors, no others yet")
	hrv := cmps["polarbridge_475_recharge_hrv"].(map[string]any)
	assert.Equal(t, map[string]any{
		"p": "sensor", "unique_id": "polarbridge_475_recharge_hrv", "object_id": "polarbridge_475_recharge_hrv", "name": "HRV",
		"value_template": "{{ value_json.recharge.hrv | default(None) }}", "unit_of_measurement": "ms", "state_class": "measurement",
		"icon": "mdi:heart-pulse", "json_attributes_topic": stateTopic,
		"json_attributes_template": "{{ {'measured_at': value_json.recharge.measured_at} | tojson }}",
	}, hrv)
	dur := cmps["polarbridge_475_sleep_duration"].(map[string]any)
	assert.Equal(t, "duration", dur["device_class"])
	assert.Equal(t, "h", dur["unit_of_measurement"])
	status := cmps["polarbridge_475_recharge_status"].(map[string]any)
	assert.Equal(t, "enum", status["device_class"])
	assert.Len(t, status["options"], 6)
	assert.Equal(t, "timestamp", cmps["polarbridge_475_sleep_end"].(map[string]any)["device_class"])

	st := got[stateTopic]
	require.NotNil(t, st, "the state is retained")
	sleep := st["sleep"].(map[string]any)
	assert.Equal(t, 7.25, sleep["duration"], "(14400+5400+6300) s in hours")
	assert.Equal(t, float64(82), sleep["score"])
	assert.Equal(t, "2026-05-04T07:02:00+02:00", sleep["end"])
	assert.Equal(t, "2026-05-04T07:02:00+02:00", sleep["measured_at"], "the measurement's own time")
	rc := st["recharge"].(map[string]any)
	assert.Equal(t, "ok", rc["status"], "status 4 of Polar's 6: ok")
	assert.Equal(t, float64(44), rc["hrv"])
	assert.Equal(t, 13.6, rc["breathing_rate"])
	exj := st["exercise"].(map[string]any)
	assert.Equal(t, "Running", exj["sport"])
	assert.Equal(t, float64(45), exj["duration"])
	assert.Equal(t, "2026-05-04T08:00:00+02:00", exj["measured_at"])
	assert.Equal(t, "online", got[availTopic]["_raw"])
}

func TestOlderRecordNeverOverwrites(t *testing.T) {
	e := newEnv(t, nil)
	e.waitOnline()
	e.exportOK(night("2026-05-04", "v1")...)
	r := e.broker.Subscribe(t, stateTopic)
	require.Eventually(t, func() bool { return r.Count(stateTopic) == 1 }, 5*time.Second, 10*time.Millisecond, "the retained state")

	// A backfill delivers an older night late; a redelivery repeats one.
	e.exportOK(night("2026-05-01", "v1")...)
	e.exportOK(night("2026-05-04", "v1")...)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, 1, r.Count(stateTopic), "nothing published")
	st := e.retained(stateTopic)[stateTopic]
	assert.Equal(t, "2026-05-04", st["recharge"].(map[string]any)["measured_at"])

	// A new version of the latest night is published.
	n2 := night("2026-05-04", "v2")
	n2[0].GetSleep().SleepScore = 90
	e.exportOK(n2...)
	require.Eventually(t, func() bool { return r.Count(stateTopic) == 2 }, 5*time.Second, 10*time.Millisecond)
	st = e.retained(stateTopic)[stateTopic]
	assert.Equal(t, float64(90), st["sleep"].(map[string]any)["score"])
}

func TestReannouncedWhenHomeAssistantComesOnline(t *testing.T) {
	e := newEnv(t, nil)
	e.waitOnline()
	e.exportOK(night("2026-05-04", "v1")...)
	r := e.broker.Subscribe(t, "#")
	require.Eventually(t, func() bool { return r.Count(configTopic) == 1 && r.Count(stateTopic) == 1 }, 5*time.Second, 10*time.Millisecond)
	e.broker.Publish(t, "homeassistant/status", false, "online")
	require.Eventually(t, func() bool { return r.Count(configTopic) == 2 && r.Count(stateTopic) == 2 }, 10*time.Second, 10*time.Millisecond,
		"config and state are sent again")
	e.broker.Publish(t, "homeassistant/status", false, "offline")
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, 2, r.Count(configTopic), "offline asks for nothing")
}

// TestBrokerRestartLosesNothing: the broker goes away mid-stream and
// comes back without its retained messages; the export meanwhile is a
// retry, and after the reconnection the devices are announced again.
func TestBrokerRestartLosesNothing(t *testing.T) {
	e := newEnv(t, nil, testmqtt.WithoutPersistence())
	e.waitOnline()
	e.exportOK(night("2026-05-03", "v1")...)
	e.broker.Stop()
	for _, r := range e.export(night("2026-05-04", "v1")...) {
		assert.Equal(t, retry, r.GetStatus(), r.GetMessage())
		assert.Contains(t, r.GetMessage(), "MQTT broker")
	}
	e.broker.Restart()
	require.Eventually(t, func() bool {
		res := e.export(night("2026-05-04", "v1")...)
		return res[0].GetStatus() == ok && res[1].GetStatus() == ok
	}, 60*time.Second, 200*time.Millisecond, "the retried batch lands once the plugin reconnected")
	got := e.retained("#")
	require.NotNil(t, got[configTopic], "announced again after reconnecting")
	assert.Equal(t, "2026-05-04", got[stateTopic]["recharge"].(map[string]any)["measured_at"])
	assert.Equal(t, "online", got[availTopic]["_raw"])
}

func TestBadCredentialsArePermanent(t *testing.T) {
	b := testmqtt.Start(t, testmqtt.WithUser("bridge", "right-password"))
	e := &env{t: t, broker: b}
	e.start(map[string]any{"username": "bridge", "password": "wrong-password-123"})
	var res []*pluginapi.ExportResult
	require.Eventually(t, func() bool {
		res = e.export(night("2026-05-04", "v1")...)
		return res[0].GetStatus() == permanent
	}, 20*time.Second, 100*time.Millisecond)
	assert.Contains(t, res[0].GetMessage(), "refused the credentials")
	assert.Contains(t, res[0].GetMessage(), "POLARBRIDGE_PLUGINS__TEST__CONFIG__PASSWORD", "the variable of this instance")
	assert.NotContains(t, res[0].GetMessage(), "wrong-password-123")

	e2 := &env{t: t, broker: b}
	e2.start(map[string]any{"username": "bridge", "password": "right-password"})
	require.Eventually(t, func() bool { return e2.export(night("2026-05-04", "v1")...)[0].GetStatus() == ok }, 20*time.Second, 100*time.Millisecond)
}

func TestUsersAndPlayers(t *testing.T) {
	e := newEnv(t, map[string]any{"users": []string{"999"}})
	e.waitOnline()
	r := e.export(night("2026-05-04", "v1")...)[0]
	assert.Equal(t, ok, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "not in users")
	_, players := testrecords.TeamProSession("t1", "s1", time.Date(2026, 5, 4, 17, 0, 0, 0, time.UTC), time.Hour, 2)
	r = e.export(players[0])[0]
	assert.Contains(t, r.GetMessage(), "team_pro_players is false")

	e2 := newEnv(t, map[string]any{"team_pro_players": true})
	e2.waitOnline()
	e2.exportOK(players...)
	got := e2.retained("homeassistant/#")
	assert.Len(t, got, 2, "one device per player: %v", got)
	for topic, cfg := range got {
		assert.Contains(t, topic, "polarbridge_player_")
		assert.Contains(t, cfg["dev"].(map[string]any)["name"], "Polar ")
		assert.Len(t, cfg["cmps"], 6)
	}
}

func TestCloseSaysOffline(t *testing.T) {
	e := newEnv(t, nil)
	e.waitOnline()
	r := e.broker.Subscribe(t, availTopic)
	e.h.Close()
	require.Eventually(t, func() bool {
		m, found := r.Last(availTopic)
		return found && string(m.Payload) == "offline"
	}, 10*time.Second, 10*time.Millisecond)
}

func TestTLSBroker(t *testing.T) {
	b := testmqtt.Start(t, testmqtt.WithTLS())
	// Without the CA the broker's certificate is not trusted: a retry,
	// with the reason.
	e := &env{t: t, broker: b}
	e.start(nil)
	require.Eventually(t, func() bool {
		r := e.export(night("2026-05-04", "v1")...)[0]
		return r.GetStatus() == retry && strings.Contains(r.GetMessage(), "certificate")
	}, 20*time.Second, 100*time.Millisecond)

	e2 := &env{t: t, broker: b}
	e2.start(map[string]any{"tls": map[string]any{"ca_file": b.CAFile}})
	require.Eventually(t, func() bool { return e2.export(night("2026-05-04", "v1")...)[0].GetStatus() == ok }, 20*time.Second, 100*time.Millisecond)
	assert.Contains(t, e2.retained(stateTopic), stateTopic)
}
