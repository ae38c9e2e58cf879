package stravaexport_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/stravasim"
	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/polarbridge/polarbridge/plugins/strava/stravaexport"
)

const (
	ok        = pluginapi.ExportResult_STATUS_OK
	retry     = pluginapi.ExportResult_STATUS_RETRY
	permanent = pluginapi.ExportResult_STATUS_PERMANENT
)

func TestExportOncePerRecord(t *testing.T) {
	e := newEnv(t, nil)
	e.authorize()
	recs := []*pluginapi.Record{
		exercise("trail", "v1", "TRAIL_RUNNING", "RUNNING", "TRAIL"),
		exercise("indoor", "v1", "INDOOR_CYCLING", "CYCLING", "INDOOR_CYCLING"),
		exercise("sup", "v1", "SUP", "STAND_UP_PADDLEBOARDING", ""),
		exercise("new", "v1", "SOME_NEW_SPORT", "", ""),
	}
	for i, r := range e.export(recs...) {
		require.Equal(t, ok, r.GetStatus(), "record %d: %s", i, statusOf(r))
	}
	acts := e.sim.Activities()
	require.Len(t, acts, 4)
	want := []struct {
		sport, name, ext string
		trainer          bool
	}{
		{"TrailRun", "Trail running with Polar", "polar-475-trail.fit", false},
		{"Ride", "Indoor cycling with Polar", "polar-475-indoor.fit", true},
		{"StandUpPaddling", "SUP with Polar", "polar-475-sup.fit", false},
		{"Workout", "Some new sport with Polar", "polar-475-new.fit", false},
	}
	for i, w := range want {
		assert.Equal(t, w.sport, acts[i].SportType)
		assert.Equal(t, w.name, acts[i].Name)
		assert.Equal(t, w.ext, acts[i].ExternalID)
		assert.Equal(t, w.trainer, acts[i].Trainer)
		assert.Equal(t, "1:02:03 · 10.42 km · avg HR 148 bpm · Polar Vantage V3", acts[i].Description)
	}
	rcpt, err := stravaexport.LoadReceipt(context.Background(), e.h.KV, "exercise.475.trail")
	require.NoError(t, err)
	assert.Equal(t, acts[0].ID, rcpt.ActivityID)
	assert.Equal(t, acts[0].UploadID, rcpt.UploadID)
	assert.Equal(t, "v1", rcpt.Done)

	// Redelivery: nothing is sent to Strava.
	before := e.sim.Requests()
	for _, r := range e.export(recs...) {
		assert.Equal(t, ok, r.GetStatus())
	}
	assert.Equal(t, before, e.sim.Requests())

	// A new version updates the activity instead of uploading again.
	v2 := exercise("trail", "v2", "TRAIL_RUNNING", "RUNNING", "TRAIL")
	v2.GetExercise().DurationSeconds = 60
	require.Equal(t, ok, e.export(v2)[0].GetStatus())
	assert.Equal(t, before["POST /api/v3/uploads"], e.sim.Requests()["POST /api/v3/uploads"])
	assert.Equal(t, before["PUT /api/v3/activities/{id}"]+1, e.sim.Requests()["PUT /api/v3/activities/{id}"])
	acts = e.sim.Activities()
	require.Len(t, acts, 4)
	assert.True(t, strings.HasPrefix(acts[0].Description, "1:00 ·"), acts[0].Description)
}

func TestDuplicateIsSuccess(t *testing.T) {
	for _, onPost := range []bool{false, true} {
		for _, form := range []stravasim.DuplicateForm{stravasim.DuplicateLink, stravasim.DuplicateActivity} {
			t.Run(fmt.Sprintf("onPost=%v/form=%d", onPost, form), func(t *testing.T) {
				e := newEnv(t, nil, stravasim.WithDuplicates(onPost, form))
				e.authorize()
				orig := exercise("a", "v1", "RUNNING", "RUNNING", "STREET")
				require.Equal(t, ok, e.export(orig)[0].GetStatus())
				acts := e.sim.Activities()
				require.Len(t, acts, 1)

				// The same file under another record (e.g. Polar Flow's own
				// sync): recorded as exported, that activity left alone.
				other := exercise("b", "v1", "TRAIL_RUNNING", "RUNNING", "TRAIL")
				other.GetExercise().Files[0].Data = fitFile("a")
				res := e.export(other)[0]
				require.Equal(t, ok, res.GetStatus(), statusOf(res))
				assert.Contains(t, res.GetMessage(), "not uploaded by polarbridge")
				rcpt, err := stravaexport.LoadReceipt(context.Background(), e.h.KV, "exercise.475.b")
				require.NoError(t, err)
				assert.Equal(t, acts[0].ID, rcpt.ActivityID)
				assert.True(t, rcpt.Foreign)
				after := e.sim.Activities()
				require.Len(t, after, 1)
				assert.Equal(t, "Run", after[0].SportType, "a foreign duplicate is not updated")

				// Our own upload whose answer was lost (the receipt as a
				// crash during the POST leaves it): the duplicate is ours,
				// so it is updated.
				raw, _, err := e.h.KV.Get(context.Background(), "receipt.exercise.475.a")
				require.NoError(t, err)
				_, err = e.h.KV.Put(context.Background(), "receipt.exercise.475.a",
					[]byte(`{"external_id":"polar-475-a.fit","lost_answer":true}`))
				require.NoError(t, err)
				v2 := exercise("a", "v2", "ROAD_RUNNING", "RUNNING", "STREET")
				res = e.export(v2)[0]
				require.Equal(t, ok, res.GetStatus(), statusOf(res))
				rcpt, err = stravaexport.LoadReceipt(context.Background(), e.h.KV, "exercise.475.a")
				require.NoError(t, err)
				assert.Equal(t, acts[0].ID, rcpt.ActivityID, "was %s", raw)
				require.Len(t, e.sim.Activities(), 1)
				assert.Equal(t, "Road running with Polar", e.sim.Activities()[0].Name)
			})
		}
	}
}

func TestNoFileIsSkipped(t *testing.T) {
	e := newEnv(t, nil)
	e.authorize()
	rec := exercise("manual", "v1", "RUNNING", "RUNNING", "")
	rec.GetExercise().Files = nil
	before := e.sim.Requests()
	res := e.export(rec)[0]
	assert.Equal(t, ok, res.GetStatus())
	assert.Contains(t, res.GetMessage(), "skipped: exercise has no FIT, TCX or GPX file")
	assert.Equal(t, before, e.sim.Requests(), "no call to Strava")
	rcpt, err := stravaexport.LoadReceipt(context.Background(), e.h.KV, rec.GetKey())
	require.NoError(t, err)
	assert.NotEmpty(t, rcpt.Skipped)

	// TCX when there is no FIT.
	tcx := exercise("tcx", "v1", "RUNNING", "RUNNING", "")
	tcx.GetExercise().Files = []*pluginapi.File{{Format: pluginapi.FileFormat_FILE_FORMAT_TCX, Data: []byte(`<?xml version="1.0"?><TrainingCenterDatabase/>`)}}
	require.Equal(t, ok, e.export(tcx)[0].GetStatus())
	require.Len(t, e.sim.Activities(), 1)
	assert.Equal(t, "tcx", e.sim.Activities()[0].DataType)
}

func TestNotAuthorized(t *testing.T) {
	e := newEnv(t, nil)
	for _, r := range e.export(exercise("a", "v1", "RUNNING", "", ""), exercise("b", "v1", "RUNNING", "", "")) {
		assert.Equal(t, permanent, r.GetStatus())
		assert.Contains(t, r.GetMessage(), "run `polarbridge plugins authorize test`")
	}
	assert.Empty(t, e.sim.Requests())
}

func TestRevokedToken(t *testing.T) {
	e := newEnv(t, nil)
	e.authorize()
	require.Equal(t, ok, e.export(exercise("a", "v1", "RUNNING", "", ""))[0].GetStatus())
	e.sim.Revoke()
	before := e.sim.Requests()
	res := e.export(exercise("b", "v1", "RUNNING", "", ""), exercise("c", "v1", "RUNNING", "", ""))
	for _, r := range res {
		assert.Equal(t, permanent, r.GetStatus())
		assert.Contains(t, r.GetMessage(), "run `polarbridge plugins authorize test`, then `polarbridge dlq replay --exporter test`")
	}
	after := e.sim.Requests()
	assert.Equal(t, before["POST /api/v3/uploads"]+1, after["POST /api/v3/uploads"], "one try, then no more for the batch")
	assert.Equal(t, before["POST /oauth/token"]+1, after["POST /oauth/token"], "one refresh attempt")

	// The next batch does not retry the known-bad token either.
	assert.Equal(t, permanent, e.export(exercise("d", "v1", "RUNNING", "", ""))[0].GetStatus())
	assert.Equal(t, after, e.sim.Requests())

	// After authorizing again it works.
	e.authorize()
	assert.Equal(t, ok, e.export(exercise("d", "v1", "RUNNING", "", ""))[0].GetStatus())
}

func TestMissingScope(t *testing.T) {
	e := newEnv(t, nil, stravasim.WithGrantedScope("activity:read_all"))
	spec := e.spec()
	// The host's flow refuses the grant; a token stored anyway (an older
	// authorization) is refused by the plugin with instructions.
	tok := pluginapi.OAuth2Token{AccessToken: "x", RefreshToken: "y", Expiry: time.Now().Add(time.Hour), Scope: "read,activity:read_all"}
	_, err := pluginapi.SaveOAuth2Token(context.Background(), e.h.KV, tok, 0)
	require.NoError(t, err)
	r := e.export(exercise("a", "v1", "RUNNING", "", ""))[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "lacks the activity:write scope")
	assert.Contains(t, r.GetMessage(), "polarbridge plugins authorize test")
	assert.Equal(t, []string{"activity:write"}, spec.GetRequiredScopes())

	// A token without a recorded scope: Strava's 401 says what is missing.
	_, err = pluginapi.SaveOAuth2Token(context.Background(), e.h.KV, pluginapi.OAuth2Token{}, 0)
	require.NoError(t, err)
	e.sim.SetGrantedScope("activity:read_all")
	code, _, _, err := e.sim.Authorize(e.url + "/oauth/authorize?client_id=" + e.sim.ClientID() + "&redirect_uri=http://localhost/cb&response_type=code&scope=" + url.QueryEscape(stravaexport.Scope))
	require.NoError(t, err)
	resp, err := http.PostForm(e.url+"/oauth/token", url.Values{"client_id": {e.sim.ClientID()}, "client_secret": {e.sim.ClientSecret()}, "grant_type": {"authorization_code"}, "code": {code}})
	require.NoError(t, err)
	var tj struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	require.NoError(t, jsonDecode(resp, &tj))
	_, err = pluginapi.SaveOAuth2Token(context.Background(), e.h.KV, pluginapi.OAuth2Token{AccessToken: tj.AccessToken, RefreshToken: tj.RefreshToken, Expiry: t0.Add(6 * time.Hour)}, 0)
	require.NoError(t, err)
	r = e.export(exercise("b", "v1", "RUNNING", "", ""))[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "lacks the activity:write scope")
	assert.Empty(t, e.sim.Activities())
}

func TestTokenRefreshRotates(t *testing.T) {
	e := newEnv(t, nil)
	first := e.authorize()
	// The host's authorize stamped the expiry with the real clock; put it
	// on the fake's.
	first.Expiry = e.sim.Now().Add(stravasim.AccessTokenLifetime)
	_, err := pluginapi.SaveOAuth2Token(context.Background(), e.h.KV, first, 0)
	require.NoError(t, err)
	prev := first
	for i := range 4 {
		// Just inside the refresh margin: refreshed before use, no 401.
		e.sim.Advance(stravasim.AccessTokenLifetime - 2*time.Minute)
		r := e.export(exercise(fmt.Sprint("r", i), "v1", "RUNNING", "", ""))[0]
		require.Equal(t, ok, r.GetStatus(), "round %d: %s", i, statusOf(r))
		tok, _, err := pluginapi.LoadOAuth2Token(context.Background(), e.h.KV)
		require.NoError(t, err)
		assert.NotEqual(t, prev.RefreshToken, tok.RefreshToken, "the rotated refresh token is stored")
		assert.Equal(t, prev.Scope, tok.Scope)
		// The old refresh token no longer works at the fake.
		resp, err := http.PostForm(e.url+"/oauth/token", url.Values{"client_id": {e.sim.ClientID()}, "client_secret": {e.sim.ClientSecret()}, "grant_type": {"refresh_token"}, "refresh_token": {prev.RefreshToken}})
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		prev = tok
	}
	// 1 code exchange + 4 refreshes + 4 rejected probes above; never a 401.
	assert.Equal(t, 9, e.sim.Requests()["POST /oauth/token"])
	assert.Equal(t, 4, e.sim.Requests()["POST /api/v3/uploads"], "no upload was refused with a 401 and sent again")
	assert.Len(t, e.sim.Activities(), 4)

	// A token the host thinks valid but Strava expired (clock skew): one
	// 401, a refresh, and the request again.
	e.sim.Advance(7 * time.Hour)
	tok, rev, err := pluginapi.LoadOAuth2Token(context.Background(), e.h.KV)
	require.NoError(t, err)
	tok.Expiry = e.sim.Now().Add(time.Hour)
	_, err = pluginapi.SaveOAuth2Token(context.Background(), e.h.KV, tok, rev)
	require.NoError(t, err)
	require.Equal(t, ok, e.export(exercise("skew", "v1", "RUNNING", "", ""))[0].GetStatus())
	assert.Len(t, e.sim.Activities(), 5)
	assert.Equal(t, 6, e.sim.Requests()["POST /api/v3/uploads"], "refused once, refreshed, sent again")
}

func TestRateLimitLosesNothing(t *testing.T) {
	const limit, n = 10, 50
	e := newEnv(t, nil, stravasim.WithRateLimits(limit, 1000), stravasim.WithProcessingDelay(time.Second))
	e.authorize()
	pending := map[string]*pluginapi.Record{}
	var order []string
	for i := range n {
		r := exercise(fmt.Sprintf("x%02d", i), "v1", "ROAD_BIKING", "CYCLING", "ROAD")
		pending[r.GetKey()] = r
		order = append(order, r.GetKey())
	}
	windows := 0
	for round := 0; len(pending) > 0; round++ {
		require.Less(t, round, 100, "no progress")
		var batch []*pluginapi.Record
		for _, k := range order {
			if r, ok := pending[k]; ok {
				batch = append(batch, r)
			}
		}
		waited := false
		for i, r := range e.export(batch...) {
			switch r.GetStatus() {
			case ok:
				delete(pending, batch[i].GetKey())
			case retry:
				require.Positive(t, r.GetRetryAfterMs(), statusOf(r))
				require.LessOrEqual(t, r.GetRetryAfterMs(), int64(16*time.Minute/time.Millisecond))
				waited = true
			default:
				t.Fatalf("%s: %s", batch[i].GetKey(), statusOf(r))
			}
		}
		if waited {
			e.sim.AdvanceToNextWindow() // the host waits as asked
			windows++
		}
	}
	assert.Len(t, e.sim.Activities(), n, "every exercise uploaded once")
	assert.Equal(t, n, e.sim.Requests()["POST /api/v3/uploads"])
	assert.LessOrEqual(t, e.sim.TooManyRequests(), windows, "at most one 429 per window")
	assert.LessOrEqual(t, e.sim.MaxWindowUsage(), limit)
	t.Logf("%d windows, %d 429s, requests %v", windows, e.sim.TooManyRequests(), e.sim.Requests())
}

func TestTooManyRequestsRetriesAfterReset(t *testing.T) {
	e := newEnv(t, nil, stravasim.WithRateLimits(20, 1000))
	e.authorize()
	e.sim.UseRateLimit(20, false) // another client of the app used the window
	res := e.export(exercise("a", "v1", "RUNNING", "", ""), exercise("b", "v1", "RUNNING", "", ""))
	for _, r := range res {
		assert.Equal(t, retry, r.GetStatus())
		left := t0.Truncate(15*time.Minute).Add(15*time.Minute).Sub(e.sim.Now()) + time.Second
		assert.InDelta(t, left.Milliseconds(), r.GetRetryAfterMs(), 1000)
	}
	assert.Equal(t, 1, e.sim.TooManyRequests(), "one 429, then the batch stops asking")
	assert.Equal(t, 1, e.sim.Requests()["POST /api/v3/uploads"])
	// Still the same window: the next batch does not ask at all.
	assert.Equal(t, retry, e.export(exercise("a", "v1", "RUNNING", "", ""))[0].GetStatus())
	assert.Equal(t, 1, e.sim.Requests()["POST /api/v3/uploads"])
	e.sim.AdvanceToNextWindow()
	for _, r := range e.export(exercise("a", "v1", "RUNNING", "", ""), exercise("b", "v1", "RUNNING", "", "")) {
		assert.Equal(t, ok, r.GetStatus())
	}
	assert.Equal(t, 1, e.sim.TooManyRequests())
}

func TestProcessingErrorIsPermanent(t *testing.T) {
	e := newEnv(t, nil)
	e.authorize()
	rec := exercise("bad", "v1", "RUNNING", "", "")
	rec.GetExercise().Files[0].Data = []byte("garbage")
	r := e.export(rec)[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "Improperly formatted data")
	assert.Empty(t, e.sim.Activities())
}

func TestDeletedActivityNotUploadedAgain(t *testing.T) {
	e := newEnv(t, nil)
	e.authorize()
	require.Equal(t, ok, e.export(exercise("a", "v1", "RUNNING", "", ""))[0].GetStatus())
	e.sim.DeleteActivity(e.sim.Activities()[0].ID)
	r := e.export(exercise("a", "v2", "RUNNING", "", ""))[0]
	assert.Equal(t, ok, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "deleted on Strava")
	assert.Equal(t, 1, e.sim.Requests()["POST /api/v3/uploads"])
}

func TestStillProcessingRetriesAndResumes(t *testing.T) {
	e := newEnv(t, map[string]any{"max_polls": 3}, stravasim.WithProcessingDelay(time.Hour))
	e.authorize()
	r := e.export(exercise("a", "v1", "RUNNING", "", ""))[0]
	assert.Equal(t, retry, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "still processing")
	assert.Equal(t, 3, e.sim.Requests()["GET /api/v3/uploads/{id}"])
	e.sim.FinishProcessing()
	require.Equal(t, ok, e.export(exercise("a", "v1", "RUNNING", "", ""))[0].GetStatus())
	assert.Equal(t, 1, e.sim.Requests()["POST /api/v3/uploads"])
	assert.Len(t, e.sim.Activities(), 1)
}

// TestCallsPerExercise measures Strava calls per exported exercise with
// the production poll interval (1 s) and the fake's default processing
// delay (1.5 s, "typically under 2 s").
func TestCallsPerExercise(t *testing.T) {
	const n = 20
	e := newEnv(t, nil)
	e.authorize()
	for i := range n {
		require.Equal(t, ok, e.export(exercise(fmt.Sprint(i), "v1", "RUNNING", "", ""))[0].GetStatus())
	}
	req := e.sim.Requests()
	polls := float64(req["GET /api/v3/uploads/{id}"]) / n
	calls := float64(req["POST /api/v3/uploads"]+req["GET /api/v3/uploads/{id}"]+req["PUT /api/v3/activities/{id}"]) / n
	t.Logf("per exercise: %.1f API calls (1 upload + %.1f polls + 1 update)", calls, polls)
	assert.Equal(t, n, req["POST /api/v3/uploads"])
	assert.Equal(t, n, req["PUT /api/v3/activities/{id}"])
	assert.InDelta(t, 2.0, polls, 0.01, "ceil(1.5 s / 1 s) polls")
}

func BenchmarkCallsPerExercise(b *testing.B) {
	e := newEnv(b, nil, stravasim.WithRateLimits(1<<30, 1<<30), stravasim.WithReadRateLimits(1<<30, 1<<30))
	e.authorize()
	i := 0
	for b.Loop() {
		i++
		if r := e.export(exercise(fmt.Sprint(i), "v1", "RUNNING", "", ""))[0]; r.GetStatus() != ok {
			b.Fatal(statusOf(r))
		}
	}
	req := e.sim.Requests()
	b.ReportMetric(float64(req["GET /api/v3/uploads/{id}"])/float64(i), "polls/exercise")
	b.ReportMetric(float64(req["POST /api/v3/uploads"]+req["GET /api/v3/uploads/{id}"]+req["PUT /api/v3/activities/{id}"])/float64(i), "calls/exercise")
}
