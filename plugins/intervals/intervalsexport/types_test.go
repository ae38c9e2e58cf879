package intervalsexport

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/intervalssim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// TestActivityTypes checks the vocabulary against the contract's enum
// (the fake's copy of it), and which built-in types fall back.
func TestActivityTypes(t *testing.T) {
	assert.ElementsMatch(t, intervalssim.Types, ActivityTypes)
	m, err := NewTypeMap(nil)
	require.NoError(t, err)
	var fellBack []string
	for k, v := range pluginapi.ActivityTypesByDetailedSport {
		if got := m.Lookup(k, "", ""); got.String() != v {
			assert.Equal(t, pluginapi.FallbackActivityType, got.Type, k)
			fellBack = append(fellBack, strings.Fields(v)[0])
		}
	}
	assert.Subset(t, []string{"Basketball", "Cricket", "Dance", "Volleyball"}, fellBack, "only sports intervals.icu has no type for")
	assert.Equal(t, "Ride trainer", m.Lookup("INDOOR_CYCLING", "CYCLING", "INDOOR_CYCLING").String())
}
