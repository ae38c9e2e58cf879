package sports

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"
)

// Numbers from the FIT SDK profile (Profile.xlsx, types sport and
// sub_sport), written out independently of tormoder/fit.
func TestProfileNumbers(t *testing.T) {
	sportIDs := map[string]uint8{
		"GENERIC": 0, "RUNNING": 1, "CYCLING": 2, "SWIMMING": 5, "AMERICAN_FOOTBALL": 9,
		"TRAINING": 10, "WALKING": 11, "CROSS_COUNTRY_SKIING": 12, "ALPINE_SKIING": 13,
		"E_BIKING": 21, "MOTORCYCLING": 22, "DRIVING": 24, "HORSEBACK_RIDING": 27,
		"ROCK_CLIMBING": 31, "SNOWSHOEING": 35, "STAND_UP_PADDLEBOARDING": 37,
		"WATER_SKIING": 40, "KAYAKING": 41, "KITESURFING": 44, "BOXING": 47,
	}
	for name, id := range sportIDs {
		s, ok := ParseSport(name)
		if assert.True(t, ok, name) {
			assert.Equal(t, id, uint8(s), name)
			assert.Equal(t, name, SportName(s))
		}
	}
	subIDs := map[string]uint8{
		"GENERIC": 0, "TREADMILL": 1, "STREET": 2, "TRAIL": 3, "TRACK": 4,
		"INDOOR_CYCLING": 6, "ROAD": 7, "MOUNTAIN": 8, "INDOOR_ROWING": 14,
		"OPEN_WATER": 18, "FLEXIBILITY_TRAINING": 19, "STRENGTH_TRAINING": 20,
		"BACKCOUNTRY": 37, "YOGA": 43, "PILATES": 44, "INDOOR_RUNNING": 45,
	}
	for name, id := range subIDs {
		s, ok := ParseSubSport(name)
		if assert.True(t, ok, name) {
			assert.Equal(t, id, uint8(s), name)
			assert.Equal(t, name, SubSportName(s))
		}
	}
	_, ok := ParseSport("ALL")
	assert.False(t, ok, "ALL is for goals, not an activity sport")
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name, detailed, sport string
		wantSport, wantSub    string
		wantDetailed          string
	}{
		{"detailed wins", "TRAIL_RUNNING", "CYCLING", "RUNNING", "TRAIL", "TRAIL_RUNNING"},
		{"multisport leg", "TRIATHLON_SWIMMING", "", "SWIMMING", "GENERIC", "TRIATHLON_SWIMMING"},
		{"case and space", " trail_running ", "", "RUNNING", "TRAIL", "TRAIL_RUNNING"},
		{"hyphen as documented", "CROSS-COUNTRY_SKIING", "", "CROSS_COUNTRY_SKIING", "GENERIC", "CROSS-COUNTRY_SKIING"},
		{"underscore spelling", "CROSS_COUNTRY_SKIING", "", "CROSS_COUNTRY_SKIING", "GENERIC", "CROSS-COUNTRY_SKIING"},
		{"no detailed: sport", "", "RUNNING", "RUNNING", "STREET", "RUNNING"},
		{"unknown detailed: sport", "GRAVEL_BIKING", "CYCLING", "CYCLING", "GENERIC", "CYCLING"},
		{"sport OTHER", "", "OTHER", "GENERIC", "GENERIC", ""},
		{"nothing", "", "", "GENERIC", "GENERIC", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Lookup(tt.detailed, tt.sport)
			assert.Equal(t, tt.wantSport, m.SportName())
			assert.Equal(t, tt.wantSub, m.SubSportName())
			assert.Equal(t, tt.wantDetailed, m.DetailedSport)
		})
	}
}

func TestNewTableOverrides(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string]string
		lookup    string
		wantSport fit.Sport
		wantSub   fit.SubSport
		wantErr   string
	}{
		{"sport and sub-sport", map[string]string{"SPINNING": "CYCLING/INDOOR_CYCLING"}, "SPINNING", 2, 6, ""},
		{"lower case", map[string]string{"yoga": "training/yoga"}, "YOGA", 10, 43, ""},
		{"sport only resets sub-sport", map[string]string{"RUNNING": "RUNNING"}, "RUNNING", 1, 0, ""},
		{"new detailed sport", map[string]string{"GRAVEL_BIKING": "CYCLING/GRAVEL_CYCLING"}, "gravel_biking", 2, 46, ""},
		{"unknown sport", map[string]string{"RUNNING": "RUNING/TRAIL"}, "", 0, 0, `unknown FIT sport "RUNING"`},
		{"unknown sub-sport", map[string]string{"RUNNING": "RUNNING/TRIAL"}, "", 0, 0, `unknown FIT sub-sport "TRIAL"`},
		{"empty", map[string]string{"RUNNING": ""}, "", 0, 0, "unknown FIT sport"},
		{"empty key", map[string]string{" ": "RUNNING"}, "", 0, 0, "empty detailed sport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := NewTable(tt.overrides)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalidOverride)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			m := table.Lookup(tt.lookup, "")
			assert.Equal(t, tt.wantSport, m.Sport)
			assert.Equal(t, tt.wantSub, m.SubSport)
			assert.True(t, m.Overridden)
		})
	}
}

func TestOverrideLeavesDefaultAlone(t *testing.T) {
	before := Lookup("SPINNING", "")
	table, err := NewTable(map[string]string{"SPINNING": "CYCLING/SPIN"})
	require.NoError(t, err)
	assert.Equal(t, "CYCLING/SPIN", table.Lookup("SPINNING", "").String())
	assert.Equal(t, before, Lookup("SPINNING", ""))
	assert.Equal(t, "GENERIC/INDOOR_CYCLING", Lookup("SPINNING", "").String())
	assert.False(t, Lookup("SPINNING", "").Overridden)
}

func TestAllSortedAndComplete(t *testing.T) {
	table, err := NewTable(map[string]string{"NEW_SPORT": "HIKING"})
	require.NoError(t, err)
	all := table.All()
	require.Len(t, all, len(Default().All())+1)
	for i := 1; i < len(all); i++ {
		assert.Less(t, all[i-1].DetailedSport, all[i].DetailedSport)
	}
	var found bool
	for _, m := range all {
		if m.DetailedSport == "NEW_SPORT" {
			found = true
			assert.Equal(t, "HIKING", m.String())
		}
	}
	assert.True(t, found)
}
