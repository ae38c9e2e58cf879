package pluginapi

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testVocabulary = []string{"Ride", "Run", "TrailRun", "MountainBikeRide", "EBikeRide", "StandUpPaddling",
	"GravelRide", "VirtualRide", "Workout", "Yoga"}

// TestActivityTypeTables checks every key against Polar's detailed sports
// and the FIT profile, and that a key in both tables maps alike.
func TestActivityTypeTables(t *testing.T) {
	for name, table := range map[string]map[string]string{"ByDetailedSport": ActivityTypesByDetailedSport, "ByFITSport": ActivityTypesByFITSport} {
		for k, v := range table {
			_, err := parseActivityType(v)
			assert.NoError(t, err, "%s[%s]", name, k)
			assert.True(t, knownSportKey(k), "%s: unknown key %s", name, k)
		}
	}
	for k := range ActivityTypesByDetailedSport {
		_, ok := SportByDetailed(k)
		assert.True(t, ok, "%s is not a Polar detailed sport", k)
	}
	for k, v := range ActivityTypesByDetailedSport {
		if w, ok := ActivityTypesByFITSport[normalizeSportName(k)]; ok {
			assert.Equal(t, v, w, k)
		}
	}
}

func TestActivityTypeLookup(t *testing.T) {
	m, err := NewActivityTypeMap("test type", testVocabulary, nil)
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
		// Outside the vocabulary: the fallback, with the rule kept.
		{"BASKETBALL", "BASKETBALL", "", "Workout"},
	} {
		assert.Equal(t, tc.want, m.Lookup(tc.detailed, tc.sport, tc.sub).String(), "%+v", tc)
	}
	assert.Equal(t, "BASKETBALL", m.Lookup("BASKETBALL", "", "").Rule)
	for _, row := range Sports() {
		assert.Contains(t, testVocabulary, m.Lookup(row.Detailed, row.FITSport, row.FITSubSport).Type, row.Detailed)
	}
	_, err = NewActivityTypeMap("test type", []string{"Run"}, nil)
	assert.ErrorIs(t, err, ErrActivityType, "a vocabulary without the fallback")
}

func TestActivityTypeOverrides(t *testing.T) {
	m, err := NewActivityTypeMap("test type", testVocabulary, map[string]string{
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
		{"RUNNING": ""},
		{"NOT_A_SPORT": "Run"},
		{"RUNNING/NOPE": "Run"},
	} {
		_, err := NewActivityTypeMap("test type", testVocabulary, bad)
		assert.True(t, errors.Is(err, ErrActivityType), "%v: %v", bad, err)
	}
	_, err = NewActivityTypeMap("test type", testVocabulary, map[string]string{"RUNNING": "Jogging"})
	assert.ErrorContains(t, err, `"Jogging" is not a test type`)
}
