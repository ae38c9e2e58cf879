package intervalsexport_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/internal/sim/intervalssim"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/intervals/intervalsexport"
)

const (
	upload    = "POST /api/v1/athlete/{id}/activities"
	putAct    = "PUT /api/v1/activity/{id}"
	deleteAct = "DELETE /api/v1/activity/{id}"
	manual    = "POST /api/v1/athlete/{id}/activities/manual"
	list      = "GET /api/v1/athlete/{id}/activities"
)

func TestExportOncePerExercise(t *testing.T) {
	e := newEnv(t, nil)
	recs := []*pluginapi.Record{
		exercise(t, "trail", "v1", "TRAIL_RUNNING", "RUNNING", "TRAIL"),
		exercise(t, "indoor", "v1", "INDOOR_CYCLING", "CYCLING", "INDOOR_CYCLING"),
		exercise(t, "sup", "v1", "SUP", "STAND_UP_PADDLEBOARDING", ""),
		exercise(t, "hoops", "v1", "BASKETBALL", "BASKETBALL", ""),
	}
	e.exportOK(recs...)
	acts := e.sim.Activities()
	require.Len(t, acts, 4)
	want := map[string]struct {
		typ, name string
		trainer   bool
	}{
		"trail":  {"TrailRun", "Trail running with Polar", false},
		"indoor": {"Ride", "Indoor cycling with Polar", true},
		"sup":    {"StandUpPaddling", "SUP with Polar", false},
		"hoops":  {"Workout", "Basketball with Polar", false}, // intervals.icu has no basketball
	}
	for _, a := range acts {
		w, found := want[a.ExternalID]
		require.True(t, found, "external_id is the Polar exercise id: %q", a.ExternalID)
		assert.Equal(t, w.typ, a.Type, a.ExternalID)
		assert.Equal(t, w.trainer, a.Trainer, a.ExternalID)
		assert.Equal(t, w.name, a.Name)
		assert.Equal(t, "1:02:03 · 10.42 km · avg HR 148 bpm · Polar Vantage V3", a.Description)
		assert.Equal(t, "fit", a.FileFormat)
	}
	rcpt, err := intervalsexport.LoadReceipt(context.Background(), e.h.KV, "exercise.475.trail")
	require.NoError(t, err)
	require.Len(t, rcpt.ActivityIDs, 1)
	assert.Equal(t, "v1", rcpt.Done)
	req := e.sim.Requests()
	assert.Equal(t, 4, req[upload], "one upload per exercise")
	assert.Equal(t, 4, req[putAct], "one update per exercise (the type)")

	// Redelivery: nothing is sent.
	e.exportOK(recs...)
	assert.Equal(t, req, e.sim.Requests())

	// A new version with the same file updates the activity's metadata.
	v2 := exercise(t, "trail", "v2", "TRAIL_RUNNING", "RUNNING", "TRAIL")
	v2.GetExercise().HeartRateAvg = 150
	e.exportOK(v2)
	after := e.sim.Requests()
	assert.Equal(t, req[upload], after[upload])
	assert.Equal(t, req[putAct]+1, after[putAct])
	a, found := e.sim.Activity(rcpt.ActivityIDs[0])
	require.True(t, found)
	assert.Contains(t, a.Description, "avg HR 150 bpm")

	// A new version with another file replaces the activity.
	v3 := exercise(t, "trail", "v3", "TRAIL_RUNNING", "RUNNING", "TRAIL")
	v3.GetExercise().Files[0].Data = fitFile(t, fit.SportRunning, fit.SubSportTrail, 4000)
	e.exportOK(v3)
	after = e.sim.Requests()
	assert.Equal(t, req[upload]+1, after[upload])
	assert.Equal(t, 1, after[deleteAct])
	_, found = e.sim.Activity(rcpt.ActivityIDs[0])
	assert.False(t, found, "the old activity is deleted")
	acts = e.sim.Activities()
	assert.Len(t, acts, 4)
	rcpt3, err := intervalsexport.LoadReceipt(context.Background(), e.h.KV, "exercise.475.trail")
	require.NoError(t, err)
	require.Len(t, rcpt3.ActivityIDs, 1)
	a, found = e.sim.Activity(rcpt3.ActivityIDs[0])
	require.True(t, found)
	assert.Equal(t, "TrailRun", a.Type)
	assert.Equal(t, uint32(4000), uint32(a.ElapsedTime))
}

func TestManualEntryBecomesManualActivity(t *testing.T) {
	e := newEnv(t, nil)
	rec := exercise(t, "m1", "v1", "ROAD_RUNNING", "RUNNING", "")
	rec.GetExercise().Files = nil
	// The first answer is lost after the activity was created: the retry
	// finds it by external_id instead of creating a second one.
	e.sim.LoseAnswers(1)
	r := e.export(rec)[0]
	require.Equal(t, retry, r.GetStatus(), statusOf(r))
	e.exportOK(rec)
	acts := e.sim.Activities()
	require.Len(t, acts, 1)
	a := acts[0]
	assert.Equal(t, "MANUAL", a.Source)
	assert.Equal(t, "Run", a.Type)
	assert.Equal(t, "m1", a.ExternalID)
	assert.Equal(t, "2026-05-04T08:00:00", a.StartDateLocal, "06:00 UTC at UTC+2")
	assert.Equal(t, 3723, a.MovingTime)
	assert.InDelta(t, 10420, a.Distance, 0.01)
	req := e.sim.Requests()
	assert.Equal(t, 1, req[manual])
	assert.Equal(t, 1, req[list])
	assert.Zero(t, req[upload])
}

func TestDuplicateUploadedByHand(t *testing.T) {
	for _, update := range []bool{false, true} {
		t.Run(fmt.Sprint("update_duplicates=", update), func(t *testing.T) {
			e := newEnv(t, map[string]any{"update_duplicates": update})
			rec := exercise(t, "dup", "v1", "TRAIL_RUNNING", "RUNNING", "TRAIL")
			ids := e.sim.UploadByHand("run.fit", rec.GetExercise().Files[0].Data)
			require.Len(t, ids, 1)
			r := e.export(rec)[0]
			require.Equal(t, ok, r.GetStatus(), statusOf(r))
			require.Len(t, e.sim.Activities(), 1, "a 200 duplicate is success, not a second activity")
			rcpt, err := intervalsexport.LoadReceipt(context.Background(), e.h.KV, rec.GetKey())
			require.NoError(t, err)
			assert.Equal(t, ids, rcpt.ActivityIDs)
			assert.True(t, rcpt.Foreign)
			a, _ := e.sim.Activity(ids[0])
			if update {
				assert.Equal(t, "Trail running with Polar", a.Name)
				assert.Equal(t, 1, e.sim.Requests()[putAct])
			} else {
				assert.Contains(t, r.GetMessage(), "left as it is")
				assert.NotEqual(t, "Trail running with Polar", a.Name)
				assert.Zero(t, e.sim.Requests()[putAct])
			}
		})
	}
}

// TestLostUploadAnswer: the upload is processed but its answer lost; the
// retry's upload is answered "all duplicates", which is then ours.
func TestLostUploadAnswer(t *testing.T) {
	for _, fault := range []string{"lost", "500"} {
		t.Run(fault, func(t *testing.T) {
			e := newEnv(t, nil)
			rec := exercise(t, "lost", "v1", "ROAD_BIKING", "CYCLING", "ROAD")
			if fault == "lost" {
				e.sim.LoseAnswers(1)
			} else {
				e.sim.FailNext(1, 500)
			}
			r := e.export(rec)[0]
			require.Equal(t, retry, r.GetStatus(), statusOf(r))
			e.exportOK(rec)
			acts := e.sim.Activities()
			require.Len(t, acts, 1)
			assert.Equal(t, "Road cycling with Polar", acts[0].Name, "ours, so updated")
			rcpt, err := intervalsexport.LoadReceipt(context.Background(), e.h.KV, rec.GetKey())
			require.NoError(t, err)
			assert.False(t, rcpt.Foreign)
		})
	}
}

func TestMultisportKeepsEveryActivity(t *testing.T) {
	e := newEnv(t, nil)
	rec := exercise(t, "tri", "v1", "TRIATHLON_CYCLING", "CYCLING", "")
	data, err := intervalssim.EncodeFIT(nil,
		intervalssim.FITSession{Sport: fit.SportCycling, Start: t0.Add(-3 * time.Hour), Seconds: 3600, Distance: 40000},
		intervalssim.FITSession{Sport: fit.SportRunning, Start: t0.Add(-2 * time.Hour), Seconds: 1800, Distance: 10000})
	require.NoError(t, err)
	rec.GetExercise().Files[0].Data = data
	e.exportOK(rec)
	acts := e.sim.Activities()
	require.Len(t, acts, 2)
	assert.Equal(t, []string{"Ride", "Run"}, []string{acts[0].Type, acts[1].Type}, "each part typed from the file")
	rcpt, err := intervalsexport.LoadReceipt(context.Background(), e.h.KV, rec.GetKey())
	require.NoError(t, err)
	assert.Equal(t, []string{acts[0].ID, acts[1].ID}, rcpt.ActivityIDs)
	assert.Zero(t, e.sim.Requests()[putAct])

	// A new version renames both and keeps their types.
	v2 := exercise(t, "tri", "v2", "TRIATHLON_CYCLING", "CYCLING", "")
	v2.GetExercise().Files[0].Data = data
	e.exportOK(v2)
	assert.Equal(t, 2, e.sim.Requests()[putAct])
	for _, a := range e.sim.Activities() {
		assert.Equal(t, "Cycling with Polar", a.Name)
	}
	assert.Equal(t, []string{"Ride", "Run"}, []string{e.sim.Activities()[0].Type, e.sim.Activities()[1].Type})
}

func TestRevokedKeyIsPermanentWithoutTheKey(t *testing.T) {
	e := newEnv(t, nil)
	old := e.sim.APIKey()
	e.sim.SetAPIKey("regenerated-key-999")
	res := e.export(exercise(t, "a", "v1", "RUNNING", "RUNNING", ""), exercise(t, "b", "v1", "RUNNING", "RUNNING", ""))
	for _, r := range res {
		assert.Equal(t, permanent, r.GetStatus())
		assert.Contains(t, r.GetMessage(), "check the API key")
		assert.Contains(t, r.GetMessage(), "POLARBRIDGE_PLUGINS__TEST__CONFIG__API_KEY")
		assert.Contains(t, r.GetMessage(), "dlq replay --exporter test")
		assert.NotContains(t, r.GetMessage(), old)
	}
	assert.Empty(t, e.sim.Activities())
}

func TestRateLimitRetriesAfter(t *testing.T) {
	// The fake allows 1 request/s with a burst of 2; the plugin, told it
	// may send 10/s, meets the 429.
	e := newEnv(t, map[string]any{"requests_per_second": 10}, intervalssim.WithRateLimit(1, 2))
	res := e.export(exercise(t, "a", "v1", "RUNNING", "RUNNING", ""), exercise(t, "b", "v1", "RUNNING", "RUNNING", ""))
	assert.Equal(t, ok, res[0].GetStatus(), statusOf(res[0]))
	require.Equal(t, retry, res[1].GetStatus(), statusOf(res[1]))
	assert.GreaterOrEqual(t, res[1].GetRetryAfterMs(), int64(1000))
	assert.Contains(t, res[1].GetMessage(), "rate limit")
	before := e.sim.Requests()[upload]
	// Before Retry-After has passed the plugin does not ask again.
	assert.Equal(t, retry, e.export(exercise(t, "b", "v1", "RUNNING", "RUNNING", ""))[0].GetStatus())
	assert.Equal(t, before, e.sim.Requests()[upload])
	e.sim.Advance(5 * time.Second)
	e.exportOK(exercise(t, "b", "v1", "RUNNING", "RUNNING", ""))
	assert.Len(t, e.sim.Activities(), 2)
}

func TestPacing(t *testing.T) {
	e := newEnv(t, map[string]any{"requests_per_second": 4}, intervalssim.WithRateLimit(5, 5))
	start := e.sim.Now()
	for i := range 5 {
		e.exportOK(exercise(t, fmt.Sprint(i), "v1", "RUNNING", "RUNNING", ""))
	}
	n := e.sim.Requests()[upload] + e.sim.Requests()[putAct]
	assert.Equal(t, 10, n)
	// 10 requests at 4/s: the last starts 9 × 250 ms after the first.
	assert.Equal(t, 9*250*time.Millisecond, e.sim.Now().Sub(start))
}

func TestValidationErrorIsPermanent(t *testing.T) {
	e := newEnv(t, map[string]any{"name": strings.Repeat("x", 81)})
	r := e.export(exercise(t, "long", "v1", "RUNNING", "RUNNING", ""))[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "Name is too long")

	e = newEnv(t, nil)
	rec := exercise(t, "bad", "v1", "RUNNING", "RUNNING", "")
	rec.GetExercise().Files[0].Data = []byte("not a fit file")
	r = e.export(rec)[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "422")
	assert.Empty(t, e.sim.Activities())
}

func TestDeletedOnIntervals(t *testing.T) {
	e := newEnv(t, nil)
	e.exportOK(exercise(t, "a", "v1", "RUNNING", "RUNNING", ""))
	e.sim.DeleteActivity(e.sim.Activities()[0].ID)
	r := e.export(exercise(t, "a", "v2", "RUNNING", "RUNNING", ""))[0]
	assert.Equal(t, ok, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "deleted on intervals.icu")
	assert.Equal(t, 1, e.sim.Requests()[upload])
	assert.Empty(t, e.sim.Activities())
}

func TestPolarUsersFilter(t *testing.T) {
	e := newEnv(t, map[string]any{"polar_users": []string{"999"}})
	r := e.export(exercise(t, "a", "v1", "RUNNING", "RUNNING", ""))[0]
	assert.Equal(t, ok, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "not in polar_users")
	assert.Empty(t, e.sim.Requests())
}

func TestOAuthBearer(t *testing.T) {
	e := newEnv(t, map[string]any{"api_key": "", "oauth": map[string]any{"client_id": "77", "client_secret": "s"}},
		intervalssim.WithBearerTokens("oauth-access-token"))
	resp, err := intervalsexport.New("").Configure(context.Background(), &pluginapi.ConfigureRequest{ConfigJson: []byte(`{"oauth":{"client_id":"77","client_secret":"s"}}`)}, nil)
	require.NoError(t, err)
	assert.Equal(t, intervalsexport.DefaultAuthURL, resp.GetOauth2().GetAuthUrl())
	assert.Equal(t, intervalsexport.DefaultScope, resp.GetOauth2().GetScope())

	r := e.export(exercise(t, "a", "v1", "RUNNING", "RUNNING", ""))[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "run `polarbridge plugins authorize test`")
	_, err = pluginapi.SaveOAuth2Token(context.Background(), e.h.KV, pluginapi.OAuth2Token{AccessToken: "oauth-access-token", TokenType: "Bearer"}, 0)
	require.NoError(t, err)
	e.exportOK(exercise(t, "a", "v1", "RUNNING", "RUNNING", ""))
	assert.Len(t, e.sim.Activities(), 1)
}
