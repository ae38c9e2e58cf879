package stravaexport

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/stravasim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// TestMappedValuesAreSportTypes checks every built-in value against the
// SportType list of strava.md (and the fake's copy of it), and every key
// against Polar's detailed sports and the FIT profile.
func TestMappedValuesAreSportTypes(t *testing.T) {
	assert.Equal(t, stravasim.SportTypes, SportTypes)
	for name, table := range map[string]map[string]string{"ByDetailedSport": ByDetailedSport, "ByFITSport": ByFITSport} {
		for k, v := range table {
			tg, err := parseTarget(v)
			if assert.NoError(t, err, "%s[%s]", name, k) {
				assert.True(t, slices.Contains(stravasim.SportTypes, tg.SportType), "%s[%s] = %s", name, k, v)
			}
			assert.True(t, knownKey(k), "%s: unknown key %s", name, k)
		}
	}
	for k := range ByDetailedSport {
		_, ok := pluginapi.SportByDetailed(k)
		assert.True(t, ok, "%s is not a Polar detailed sport", k)
	}
	// A key in both tables must agree.
	for k, v := range ByDetailedSport {
		if w, ok := ByFITSport[normKey(k)]; ok {
			assert.Equal(t, v, w, k)
		}
	}
}

func TestLookup(t *testing.T) {
	m, err := NewSportMap(nil)
	require.NoError(t, err)
	for _, tc := range []struct{ detailed, sport, sub, want string }{
		{"TRAIL_RUNNING", "RUNNING", "TRAIL", "TrailRun"},
		{"MOUNTAIN_BIKING", "CYCLING", "MOUNTAIN", "MountainBikeRide"},
		{"INDOOR_CYCLING", "CYCLING", "INDOOR_CYCLING", "Ride trainer"},
		{"TREADMILL_RUNNING", "RUNNING", "TREADMILL", "Run trainer"},
		{"E_BIKE", "E_BIKING", "", "EBikeRide"},
		{"SUP", "STAND_UP_PADDLEBOARDING", "", "StandUpPaddling"},
		{"", "CYCLING", "GRAVEL_CYCLING", "GravelRide"},
		{"NEW_POLAR_SPORT", "RUNNING", "TRAIL", "TrailRun"},
		{"NEW_POLAR_SPORT", "CYCLING", "SOMETHING", "Ride"},
		{"AEROBICS", "GENERIC", "", "Workout"},
		{"", "", "", "Workout"},
	} {
		assert.Equal(t, tc.want, m.Lookup(tc.detailed, tc.sport, tc.sub).String(), "%+v", tc)
	}
	// Every Polar detailed sport maps to something valid.
	for _, row := range pluginapi.Sports() {
		tg := m.Lookup(row.Detailed, row.FITSport, row.FITSubSport)
		assert.Contains(t, SportTypes, tg.SportType, row.Detailed)
	}
}

func TestOverrides(t *testing.T) {
	m, err := NewSportMap(map[string]string{
		"indoor_cycling": "VirtualRide",
		"CYCLING":        "Ride commute",
		"RUNNING/TRAIL":  "Run",
	})
	require.NoError(t, err)
	assert.Equal(t, "VirtualRide", m.Lookup("INDOOR_CYCLING", "CYCLING", "INDOOR_CYCLING").String())
	assert.Equal(t, "Ride commute", m.Lookup("MOUNTAIN_BIKING", "CYCLING", "MOUNTAIN").String(), "FIT sport override beats built-in detailed")
	assert.Equal(t, "Run", m.Lookup("TRAIL_RUNNING", "RUNNING", "TRAIL").String())
	assert.True(t, m.Lookup("TRAIL_RUNNING", "RUNNING", "TRAIL").Overridden)

	for _, bad := range []map[string]string{
		{"RUNNING": "Jogging"},
		{"RUNNING": "Run indoors"},
		{"NOT_A_SPORT": "Run"},
		{"RUNNING/NOPE": "Run"},
	} {
		_, err := NewSportMap(bad)
		assert.True(t, errors.Is(err, errSport), "%v: %v", bad, err)
	}
}
