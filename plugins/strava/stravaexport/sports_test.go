package stravaexport

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/stravasim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// TestBuiltinTypesAreStravaSportTypes checks the vocabulary against
// strava.md (the fake's copy of it), and that no built-in mapping falls
// back to Workout for lack of a Strava sport type.
func TestBuiltinTypesAreStravaSportTypes(t *testing.T) {
	assert.Equal(t, stravasim.SportTypes, SportTypes)
	m, err := NewSportMap(nil)
	require.NoError(t, err)
	for k, v := range pluginapi.ActivityTypesByDetailedSport {
		assert.Equal(t, v, m.Lookup(k, "", "").String(), k)
	}
	for k, v := range pluginapi.ActivityTypesByFITSport {
		sport, sub, _ := strings.Cut(k, "/")
		assert.Equal(t, v, m.Lookup("", sport, sub).String(), k)
	}
	assert.Equal(t, "Ride trainer", m.Lookup("INDOOR_CYCLING", "CYCLING", "INDOOR_CYCLING").String())
}
