package daemon_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/testmqtt"
)

// TestMQTTHomeAssistantEndToEnd: the daemon with the MQTT plugin binary
// against a real mosquitto: a night and an exercise from the Polar
// simulator become a retained Home Assistant device and state equal to
// the records (as the CSV plugin wrote them).
func TestMQTTHomeAssistantEndToEnd(t *testing.T) {
	broker := testmqtt.Start(t)
	ps := startPolar(t, polarOpts{plugins: fmt.Sprintf(`plugins:
  csv:
    path: %s
    config:
      dir: export
  mqtt:
    path: %s
    config:
      broker: %s
`, binary(t, "plugins/csv"), binary(t, "plugins/mqtt"), broker.URL)})
	user := ps.users[0]
	night, err := ps.sim.AddSleep(user)
	require.NoError(t, err)
	ex, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "TRAIL_RUNNING", Duration: 40 * time.Minute})
	require.NoError(t, err)
	ps.settle("csv", "mqtt")

	device := fmt.Sprintf("polarbridge_%d", user)
	got := broker.Retained(t, "#", 200*time.Millisecond)
	require.Contains(t, got, "homeassistant/device/"+device+"/config")
	var state map[string]map[string]any
	require.NoError(t, json.Unmarshal(got["polarbridge/"+device+"/state"], &state))

	var sleepRow map[string]string
	for _, r := range ps.csv("sleep.csv") {
		if r["date"] == night.Date {
			sleepRow = r
		}
	}
	require.NotNil(t, sleepRow)
	score, err := strconv.ParseFloat(sleepRow["sleep_score"], 64)
	require.NoError(t, err)
	assert.Equal(t, score, state["sleep"]["score"])
	assert.Equal(t, night.End.Format(time.RFC3339), state["sleep"]["end"], "the end of the night, in the user's zone")
	assert.Equal(t, "Trail running", state["exercise"]["sport"])
	assert.Equal(t, float64(40), state["exercise"]["duration"])
	assert.Equal(t, ex.Start.Format(time.RFC3339), state["exercise"]["measured_at"])
	assert.Equal(t, "online", string(got["polarbridge/status"]))
	assert.Positive(t, counterValue(t, ps.harness, "polarbridge_polar_requests_total", "200"), "Polar requests are counted by status")
}
