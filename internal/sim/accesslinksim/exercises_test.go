package accesslinksim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"
)

func TestListExercisesShape(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	resp := e.do(t, http.MethodGet, "/v3/exercises?samples=true&zones=true", bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(resp.body, &list))
	require.NotEmpty(t, list)
	require.Len(t, list, len(e.sim.Exercises(id)))

	for _, m := range list {
		requireKeys(t, m, "id", "upload_time", "polar_user", "start_time", "start_time_utc_offset",
			"duration", "calories", "sport", "has_route", "detailed_sport_info")
		assert.IsType(t, "", m["id"], "hashed id is a string")
		assert.Regexp(t, `^PT(\d+H)?(\d+M)?(\d+S)?$`, m["duration"])
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`, m["start_time"], "local time without offset")
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, m["upload_time"])
		requireNoKeys(t, m, "upload-time", "running_index")
		if _, ok := m["heart_rate"]; !ok {
			continue // manual entry
		}
		requireKeys(t, m, "device", "device_id", "heart_rate", "training_load", "heart_rate_zones", "samples",
			"fat_percentage", "carbohydrate_percentage", "protein_percentage")
		hr := m["heart_rate"].(map[string]any)
		requireKeys(t, hr, "average", "maximum")
		zones := m["heart_rate_zones"].([]any)
		require.Len(t, zones, 5)
		requireKeys(t, zones[0].(map[string]any), "index", "lower-limit", "upper-limit", "in-zone")
		smp := m["samples"].([]any)
		requireKeys(t, smp[0].(map[string]any), "recording-rate", "sample-type", "data")
		if m["detailed_sport_info"] == "RUNNING" {
			requireKeys(t, m, "running-index", "distance")
		}
		if tlp, ok := m["training_load_pro"].([]any); ok {
			requireKeys(t, tlp[0].(map[string]any), "date", "cardio-load", "muscle-load", "perceived-load",
				"cardio-load-interpretation", "muscle-load-interpretation", "perceived-load-interpretation", "user-rpe")
		}
	}
	// Without the query flags samples and zones are left out.
	resp = e.do(t, http.MethodGet, "/v3/exercises", bearer(tok), "")
	var plain []map[string]any
	require.NoError(t, json.Unmarshal(resp.body, &plain))
	require.Len(t, plain, len(list))
	for _, m := range plain {
		requireNoKeys(t, m, "samples", "heart_rate_zones")
	}
}

func TestGetExerciseAndNotFound(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	ex := e.findExercise(t, id, func(x Exercise) bool { return x.HasFIT })
	resp := e.do(t, http.MethodGet, "/v3/exercises/"+ex.ID+"?zones=true", bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	m := resp.object(t)
	assert.Equal(t, ex.ID, m["id"])
	assert.Equal(t, ex.DetailedSport, m["detailed_sport_info"])
	assert.Equal(t, float64(ex.AvgHR), m["heart_rate"].(map[string]any)["average"])
	assert.Equal(t, fmt.Sprintf("%s/v3/users/%d", e.srv.URL, id), m["polar_user"])
	_, off := ex.Start.Zone()
	assert.Equal(t, float64(off/60), m["start_time_utc_offset"])
	requireKeys(t, m, "heart_rate_zones")
	requireNoKeys(t, m, "samples")

	assert.Equal(t, http.StatusNotFound, e.do(t, http.MethodGet, "/v3/exercises/nope", bearer(tok), "").StatusCode)
	// Another user's exercise is not found either.
	other := e.sim.Users()[1].ID
	theirs := e.findExercise(t, other, func(Exercise) bool { return true })
	assert.Equal(t, http.StatusNotFound, e.do(t, http.MethodGet, "/v3/exercises/"+theirs.ID, bearer(tok), "").StatusCode)
}

func fetchFIT(t *testing.T, e *env, tok, id string) *fit.File {
	t.Helper()
	resp := e.do(t, http.MethodGet, "/v3/exercises/"+id+"/fit", bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	f, err := fit.Decode(bytes.NewReader(resp.body))
	require.NoError(t, err)
	return f
}

func TestFITMatchesJSONSamples(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	added, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "ROAD_BIKING", Duration: 45 * time.Minute})
	require.NoError(t, err)

	f := fetchFIT(t, e, tok, added.ID)
	act, err := f.Activity()
	require.NoError(t, err)
	require.Len(t, act.Records, 45*60)
	require.Len(t, act.Sessions, 1)
	assert.Equal(t, fit.SportCycling, act.Sessions[0].Sport)
	assert.Equal(t, fit.SubSportRoad, act.Sessions[0].SubSport)
	assert.Equal(t, fit.ManufacturerPolarElectro, f.FileId.Manufacturer)
	assert.Equal(t, uint8(added.AvgHR), act.Sessions[0].AvgHeartRate)
	assert.False(t, act.Records[0].PositionLat.Invalid(), "outdoor ride has positions")
	assert.Equal(t, added.Start.UTC(), act.Records[0].Timestamp.UTC())

	resp := e.do(t, http.MethodGet, "/v3/exercises/"+added.ID+"?samples=true", bearer(tok), "")
	var m struct {
		Distance float64 `json:"distance"`
		Samples  []struct {
			RecordingRate *int   `json:"recording-rate"`
			SampleType    string `json:"sample-type"`
			Data          string `json:"data"`
		} `json:"samples"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &m))
	byType := map[string][]string{}
	for _, s := range m.Samples {
		byType[s.SampleType] = strings.Split(s.Data, ",")
	}
	for _, typ := range []string{"0", "1", "2", "3", "4", "10"} {
		require.Len(t, byType[typ], len(act.Records), "sample type %s", typ)
	}
	for i, rec := range act.Records {
		hr, err := strconv.Atoi(byType["0"][i])
		require.NoError(t, err)
		require.Equal(t, int(rec.HeartRate), hr, "heart rate at %d", i)
		require.Equal(t, strconv.Itoa(int(rec.Cadence)), byType["2"][i])
		require.Equal(t, strconv.Itoa(int(rec.Power)), byType["4"][i])
		dist, _ := strconv.ParseFloat(byType["10"][i], 64)
		require.InDelta(t, rec.GetDistanceScaled(), dist, 0.051)
		alt, _ := strconv.ParseFloat(byType["3"][i], 64)
		require.InDelta(t, rec.GetAltitudeScaled(), alt, 0.11)
		kmh, _ := strconv.ParseFloat(byType["1"][i], 64)
		require.InDelta(t, rec.GetSpeedScaled()*3.6, kmh, 0.051)
	}
	assert.InDelta(t, act.Sessions[0].GetTotalDistanceScaled(), m.Distance, 0.051)
}

func TestFITSizeAndIndoorHasNoPosition(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	run, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "RUNNING", Duration: time.Hour})
	require.NoError(t, err)
	b, err := e.sim.ExerciseFIT(run.ID)
	require.NoError(t, err)
	assert.Greater(t, len(b), 70_000, "1 h at 1 Hz")
	assert.Less(t, len(b), 130_000, "1 h at 1 Hz")

	gym, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "STRENGTH_TRAINING", Duration: 30 * time.Minute})
	require.NoError(t, err)
	f := fetchFIT(t, e, tok, gym.ID)
	act, err := f.Activity()
	require.NoError(t, err)
	require.Len(t, act.Records, 1800)
	assert.True(t, act.Records[100].PositionLat.Invalid())
	assert.Equal(t, fit.SubSportStrengthTraining, act.Sessions[0].SubSport)
	assert.Equal(t, http.StatusNoContent, e.do(t, http.MethodGet, "/v3/exercises/"+gym.ID+"/gpx", bearer(tok), "").StatusCode)
}

func TestManualExerciseHasNoFIT(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	ex, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "YOGA", NoFIT: true})
	require.NoError(t, err)
	for _, suffix := range []string{"/fit", "/tcx", "/gpx"} {
		resp := e.do(t, http.MethodGet, "/v3/exercises/"+ex.ID+suffix, bearer(tok), "")
		assert.Equal(t, http.StatusNoContent, resp.StatusCode, suffix)
		assert.Empty(t, resp.body)
	}
	m := e.do(t, http.MethodGet, "/v3/exercises/"+ex.ID+"?samples=true", bearer(tok), "").object(t)
	requireNoKeys(t, m, "samples")
	assert.Equal(t, false, m["has_route"])
}

// A recorded exercise whose FIT (and TCX) Polar does not have: those
// answer 204, the samples, the route and the other files stay.
func TestMissingFilesAnswer204(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	ex, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "RUNNING", Duration: 10 * time.Minute, FITMissing: true, TCXMissing: true})
	require.NoError(t, err)
	assert.False(t, ex.HasFIT)
	for suffix, status := range map[string]int{"/fit": http.StatusNoContent, "/tcx": http.StatusNoContent, "/gpx": http.StatusOK} {
		assert.Equal(t, status, e.do(t, http.MethodGet, "/v3/exercises/"+ex.ID+suffix, bearer(tok), "").StatusCode, suffix)
	}
	m := e.do(t, http.MethodGet, "/v3/exercises/"+ex.ID+"?samples=true", bearer(tok), "").object(t)
	assert.Contains(t, m, "samples")
	assert.Equal(t, true, m["has_route"])

	noFIT, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "RUNNING", Duration: 10 * time.Minute, FITMissing: true})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v3/exercises/"+noFIT.ID+"/tcx", bearer(tok), "").StatusCode)
}

func TestRRSamplesMayHoldNULL(t *testing.T) {
	e := newEnv(t, WithUsers(4))
	// Find an exercise with RR data across users by adding long runs.
	var found *Exercise
	var tok string
	for _, u := range e.sim.Users() {
		for range 4 {
			ex, err := e.sim.AddExercise(u.ID, ExerciseSpec{DetailedSport: "RUNNING", Duration: time.Hour})
			require.NoError(t, err)
			if ex.HasRR {
				found = &ex
				break
			}
		}
		if found != nil {
			require.NoError(t, e.sim.ApproveNext(u.ID))
			tok, _ = e.loginRegistered(t)
			break
		}
	}
	require.NotNil(t, found, "some user wears a chest strap")
	resp := e.do(t, http.MethodGet, "/v3/exercises/"+found.ID+"?samples=true", bearer(tok), "")
	var m struct {
		Samples []map[string]any `json:"samples"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &m))
	var rr map[string]any
	for _, s := range m.Samples {
		if s["sample-type"] == "11" {
			rr = s
		}
	}
	require.NotNil(t, rr)
	requireKeys(t, rr, "recording-rate")
	assert.Nil(t, rr["recording-rate"], "RR has no recording rate")
	nulls := 0
	for v := range strings.SplitSeq(rr["data"].(string), ",") {
		if v == "NULL" {
			nulls++
			continue
		}
		ms, err := strconv.Atoi(v)
		require.NoError(t, err)
		require.Greater(t, ms, 200)
	}
	assert.Positive(t, nulls)

	b, err := e.sim.ExerciseFIT(found.ID)
	require.NoError(t, err)
	f, err := fit.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	act, _ := f.Activity()
	assert.NotEmpty(t, act.Hrvs, "RR intervals are in the FIT file as HRV messages")
}

func TestTCXIsGzippedAndGPXParses(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	ex, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "TRAIL_RUNNING", Duration: 20 * time.Minute})
	require.NoError(t, err)

	resp := e.do(t, http.MethodGet, "/v3/exercises/"+ex.ID+"/tcx", bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	zr, err := gzip.NewReader(bytes.NewReader(resp.body))
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	var tcx struct {
		Activities struct {
			Activity struct {
				Sport string `xml:"Sport,attr"`
				Lap   struct {
					Track struct {
						Points []struct{} `xml:"Trackpoint"`
					} `xml:"Track"`
				} `xml:"Lap"`
			} `xml:"Activity"`
		} `xml:"Activities"`
	}
	require.NoError(t, xml.Unmarshal(raw, &tcx))
	assert.Equal(t, "Running", tcx.Activities.Activity.Sport)
	assert.Len(t, tcx.Activities.Activity.Lap.Track.Points, 1200)

	resp = e.do(t, http.MethodGet, "/v3/exercises/"+ex.ID+"/gpx", bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var gpx struct {
		Points []struct {
			Lat float64 `xml:"lat,attr"`
			Lon float64 `xml:"lon,attr"`
		} `xml:"trk>trkseg>trkpt"`
	}
	require.NoError(t, xml.Unmarshal(resp.body, &gpx))
	require.Len(t, gpx.Points, 1200)
	assert.NotZero(t, gpx.Points[0].Lat)
}

func TestEditExerciseChangesFIT(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	ex, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "RUNNING", Duration: 10 * time.Minute})
	require.NoError(t, err)
	before := fetchFIT(t, e, tok, ex.ID)
	_, err = e.sim.EditExercise(ex.ID, ExerciseEdit{DetailedSport: "TRAIL_RUNNING", Calories: 999})
	require.NoError(t, err)
	after := fetchFIT(t, e, tok, ex.ID)
	a1, _ := before.Activity()
	a2, _ := after.Activity()
	assert.Equal(t, fit.SubSportStreet, a1.Sessions[0].SubSport)
	assert.Equal(t, fit.SubSportTrail, a2.Sessions[0].SubSport)
	assert.Equal(t, uint16(999), a2.Sessions[0].TotalCalories)
	m := e.do(t, http.MethodGet, "/v3/exercises/"+ex.ID, bearer(tok), "").object(t)
	assert.Equal(t, "TRAIL_RUNNING", m["detailed_sport_info"])
	assert.Equal(t, float64(999), m["calories"])
}

func TestExerciseTransactions(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)

	resp := e.do(t, http.MethodGet, "/v3/notifications", e.basic(), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	avail := resp.object(t)["available-user-data"].([]any)
	require.Len(t, avail, 1)
	entry := avail[0].(map[string]any)
	requireKeys(t, entry, "user-id", "data-type", "url")
	assert.Equal(t, "EXERCISE", entry["data-type"])

	base := fmt.Sprintf("/v3/users/%d/exercise-transactions", id)
	resp = e.do(t, http.MethodPost, base, bearer(tok), "")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	loc := resp.object(t)
	requireKeys(t, loc, "transaction-id", "resource-uri")
	txPath := fmt.Sprintf("%s/%d", base, int64(loc["transaction-id"].(float64)))

	resp = e.do(t, http.MethodGet, txPath, bearer(tok), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	urls := resp.object(t)["exercises"].([]any)
	require.Len(t, urls, len(e.sim.Exercises(id)))

	// The transaction resource uses hyphenated keys and numeric ids.
	ex := e.findExercise(t, id, func(x Exercise) bool { return x.HasFIT })
	exPath := fmt.Sprintf("%s/exercises/%d", txPath, ex.TransactionID)
	m := e.do(t, http.MethodGet, exPath, bearer(tok), "").object(t)
	requireKeys(t, m, "id", "upload-time", "polar-user", "transaction-id", "device", "device-id", "start-time",
		"start-time-utc-offset", "duration", "calories", "heart-rate", "training-load", "sport", "has-route",
		"detailed-sport-info")
	requireNoKeys(t, m, "upload_time")
	assert.Equal(t, float64(ex.TransactionID), m["id"])

	zones := e.do(t, http.MethodGet, exPath+"/heart-rate-zones", bearer(tok), "").object(t)
	require.Len(t, zones["zone"], 5)
	samples := e.do(t, http.MethodGet, exPath+"/samples", bearer(tok), "").object(t)["samples"].([]any)
	require.NotEmpty(t, samples)
	assert.True(t, strings.HasSuffix(samples[0].(string), "/samples/0"))
	hr := e.do(t, http.MethodGet, exPath+"/samples/0", bearer(tok), "").object(t)
	requireKeys(t, hr, "recording-rate", "sample-type", "data")
	assert.Equal(t, http.StatusNoContent, e.do(t, http.MethodGet, exPath+"/samples/7", bearer(tok), "").StatusCode)
	assert.Equal(t, http.StatusOK, e.do(t, http.MethodGet, exPath+"/fit", bearer(tok), "").StatusCode)

	assert.Equal(t, http.StatusOK, e.do(t, http.MethodPut, txPath, bearer(tok), "").StatusCode)
	assert.Equal(t, http.StatusNotFound, e.do(t, http.MethodGet, txPath, bearer(tok), "").StatusCode, "committed")
	assert.Equal(t, http.StatusNoContent, e.do(t, http.MethodPost, base, bearer(tok), "").StatusCode)
	assert.Equal(t, http.StatusNoContent, e.do(t, http.MethodGet, "/v3/notifications", e.basic(), "").StatusCode)
}

func TestUncommittedTransactionIsDisbanded(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	base := fmt.Sprintf("/v3/users/%d/exercise-transactions", id)
	loc := e.do(t, http.MethodPost, base, bearer(tok), "").object(t)
	txPath := fmt.Sprintf("%s/%d", base, int64(loc["transaction-id"].(float64)))
	assert.Equal(t, http.StatusNoContent, e.do(t, http.MethodPost, base, bearer(tok), "").StatusCode, "all data in the open transaction")
	e.clock.Advance(11 * time.Minute)
	assert.Equal(t, http.StatusNotFound, e.do(t, http.MethodGet, txPath, bearer(tok), "").StatusCode)
	assert.Equal(t, http.StatusCreated, e.do(t, http.MethodPost, base, bearer(tok), "").StatusCode, "data returned in the next transaction")
}

func TestStrictRegistrationWindowHidesHistory(t *testing.T) {
	e := newEnv(t, WithStrictRegistrationWindow())
	tok, id := e.loginRegistered(t)
	var list []any
	require.NoError(t, json.Unmarshal(e.do(t, http.MethodGet, "/v3/exercises", bearer(tok), "").body, &list))
	assert.Empty(t, list)
	e.clock.Advance(time.Minute)
	_, err := e.sim.AddExercise(id, ExerciseSpec{DetailedSport: "WALKING", Duration: 5 * time.Minute})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(e.do(t, http.MethodGet, "/v3/exercises", bearer(tok), "").body, &list))
	assert.Len(t, list, 1)
}
