package accesslink

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// The summary's fingerprint is the same from the list (no samples) and
// from the exercise fetched with samples and zones, and an edit changes
// it: the poller and the worker compare them.
func TestSummaryFingerprintAcrossCalls(t *testing.T) {
	e := newSimEnv(t, nil)
	c := e.client(t)
	ctx := t.Context()
	token, userID := e.loginRegistered(t, c)
	uid := simUserID(t, userID)
	ex, err := e.sim.AddExercise(uid, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	fingerprints := func() (listed, fetched string) {
		t.Helper()
		list, err := c.ListExercises(ctx, token, ExerciseOptions{})
		require.NoError(t, err)
		for _, raw := range list {
			le, err := DecodeExercise(raw)
			require.NoError(t, err)
			if string(le.ID) == ex.ID {
				listed = le.SummaryFingerprint()
			}
		}
		raw, err := c.GetExercise(ctx, token, ex.ID, ExerciseOptions{Samples: true, Zones: true})
		require.NoError(t, err)
		fe, err := DecodeExercise(raw)
		require.NoError(t, err)
		require.NotEmpty(t, fe.Samples)
		require.NotEmpty(t, fe.HeartRateZones)
		return listed, fe.SummaryFingerprint()
	}
	listed, fetched := fingerprints()
	require.NotEmpty(t, listed)
	assert.Equal(t, listed, fetched)

	_, err = e.sim.EditExercise(ex.ID, accesslinksim.ExerciseEdit{Calories: 777})
	require.NoError(t, err)
	edited, _ := fingerprints()
	assert.NotEqual(t, listed, edited)
}
