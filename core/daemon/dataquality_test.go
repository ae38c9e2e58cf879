package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

var exercisePath = regexp.MustCompile(`^/v3/exercises/[^/]+$`)

// faultyExercises stands between the bridge and the simulator like the
// fault run of issue #12: a trail run comes with 10^9 bpm, 3×10^9 kcal
// and a negative distance, a road run with a 1900 start.
func faultyExercises(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !exercisePath.MatchString(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var ex map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &ex) != nil {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		switch ex["detailed_sport_info"] {
		case "TRAIL_RUNNING":
			ex["calories"] = 3e9
			ex["distance"] = -1600.2
			ex["heart_rate"] = map[string]any{"average": 141, "maximum": 1e9}
		case "RUNNING":
			ex["start_time"] = "1900-01-01T10:00:00"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ex)
	})
}

// Implausible values never reach an exporter: the CSV row has the record
// without them (and nothing wrapped negative); the exercise with an
// impossible start is dead-lettered with the reason.
func TestImplausibleValuesDroppedAndImpossibleRecordDeadLettered(t *testing.T) {
	ps := startPolar(t, polarOpts{wrap: faultyExercises})
	user := ps.users[0]
	bad, err := ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "TRAIL_RUNNING", Duration: 40 * time.Minute})
	require.NoError(t, err)
	_, err = ps.sim.AddExercise(user, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)
	ps.settle()

	rows := ps.csv("exercises.csv")
	require.Len(t, rows, 1, "the 1900 exercise is not exported")
	r := rows[0]
	assert.Equal(t, fmt.Sprintf("exercise.%d.%s", user, bad.ID), r["key"])
	assert.Equal(t, "0", r["calories_kcal"], "3e9 kcal dropped, not wrapped")
	assert.Equal(t, "0", r["heart_rate_max_bpm"])
	assert.Equal(t, "0", r["distance_m"])
	assert.Equal(t, "141", r["heart_rate_avg_bpm"], "the rest of the record is kept")
	assert.Equal(t, "2400", r["duration_s"])
	for col, v := range r {
		if strings.HasSuffix(col, "_kcal") || strings.HasSuffix(col, "_bpm") || strings.HasSuffix(col, "_m") {
			assert.False(t, strings.HasPrefix(v, "-"), "%s is %s", col, v)
		}
	}

	entries, err := dlq.New(ps.d.Bus).List(context.Background(), ingest.Name)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Contains(t, entries[0].Error, "before 2000-01-01")
	assert.Contains(t, entries[0].Error, "impossible record")
	assert.Equal(t, 1.0, counterValue(t, ps.harness, "polarbridge_events_total", "dead_letter"))
	assert.Equal(t, 1.0, counterValue(t, ps.harness, "polarbridge_implausible_values_total", "calories"), "the dropped value is counted")
}
