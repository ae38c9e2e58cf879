package intervalssim_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/sim/intervalssim"
)

var t0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// fakeClock is a pinned clock: only Advance moves it.
func fakeClock() intervalssim.Option { return intervalssim.WithClock(func() time.Time { return t0 }) }

type client struct {
	t   *testing.T
	srv *httptest.Server
	sim *intervalssim.Sim
	// auth sets the credentials; nil is Basic with the sim's key.
	auth func(*http.Request)
}

func newClient(t *testing.T, opts ...intervalssim.Option) *client {
	sim := intervalssim.New(append([]intervalssim.Option{fakeClock(), intervalssim.WithRateLimit(0, 0)}, opts...)...)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv, sim: sim}
}

// do sends a request and returns the status, the body and its JSON.
func (c *client) do(method, path string, body io.Reader, contentType string) (int, []byte, any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	require.NoError(c.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.auth != nil {
		c.auth(req)
	} else {
		req.SetBasicAuth("API_KEY", c.sim.APIKey())
	}
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	var out any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, data, out
}

func (c *client) json(method, path string, v any) (int, any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(c.t, err)
	status, _, out := c.do(method, path, bytes.NewReader(b), "application/json")
	return status, out
}

// upload posts file as part "file" with query and extra form fields.
func (c *client) upload(file []byte, query url.Values, form map[string]string) (int, map[string]any) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "a.fit")
	require.NoError(c.t, err)
	_, _ = fw.Write(file)
	for k, v := range form {
		require.NoError(c.t, mw.WriteField(k, v))
	}
	require.NoError(c.t, mw.Close())
	path := "/api/v1/athlete/0/activities"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	status, _, out := c.do(http.MethodPost, path, &buf, mw.FormDataContentType())
	m, _ := out.(map[string]any)
	return status, m
}

type fitSession = intervalssim.FITSession

// fitFile encodes an activity FIT file; offset is the local time's offset
// (local_timestamp), nil for none.
func fitFile(t *testing.T, offset *time.Duration, sessions ...fitSession) []byte {
	t.Helper()
	b, err := intervalssim.EncodeFIT(offset, sessions...)
	require.NoError(t, err)
	return b
}

func runFIT(t *testing.T, start time.Time) []byte {
	return fitFile(t, nil, fitSession{Sport: fit.SportRunning, SubSport: fit.SubSportGeneric, Start: start, Seconds: 1800, Distance: 5000})
}

func errText(out any) string {
	if arr, ok := out.([]any); ok && len(arr) == 1 {
		out = arr[0]
	}
	m, _ := out.(map[string]any)
	s, _ := m["error"].(string)
	return s
}

func TestAuth(t *testing.T) {
	const bearer = "oauth-access-token"
	c := newClient(t, intervalssim.WithBearerTokens(bearer))
	key := c.sim.APIKey()
	tests := []struct {
		name   string
		auth   func(*http.Request)
		path   string
		status int
		error  string
	}{
		{"basic", func(r *http.Request) { r.SetBasicAuth("API_KEY", key) }, "/api/v1/athlete/0/wellness/2026-05-04", 200, ""},
		{"real athlete id", func(r *http.Request) { r.SetBasicAuth("API_KEY", key) }, "/api/v1/athlete/i12345/wellness/2026-05-04", 200, ""},
		{"other athlete", func(r *http.Request) { r.SetBasicAuth("API_KEY", key) }, "/api/v1/athlete/i999/wellness/2026-05-04", 401, "Unauthorized"},
		{"wrong key", func(r *http.Request) { r.SetBasicAuth("API_KEY", "nope") }, "/api/v1/athlete/0/wellness/2026-05-04", 401, "Unauthorized"},
		{"wrong user", func(r *http.Request) { r.SetBasicAuth("athlete", key) }, "/api/v1/athlete/0/wellness/2026-05-04", 401, "Unauthorized"},
		{"none", func(*http.Request) {}, "/api/v1/athlete/0/wellness/2026-05-04", 401, "Unauthorized"},
		{"key as bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }, "/api/v1/athlete/0/wellness/2026-05-04", 403, "Access denied"},
		{"bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+bearer) }, "/api/v1/athlete/0/wellness/2026-05-04", 200, ""},
		{"unknown bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, "/api/v1/athlete/0/wellness/2026-05-04", 401, "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.auth = tt.auth
			status, _, out := c.do(http.MethodGet, tt.path, nil, "")
			assert.Equal(t, tt.status, status)
			if tt.error != "" {
				assert.Equal(t, map[string]any{"status": float64(tt.status), "error": tt.error}, out)
			}
		})
	}
	c.auth = nil
	assert.Equal(t, len(tests), c.sim.Requests()["GET /api/v1/athlete/{id}/wellness/{date}"], "rejected requests count")

	// The athlete regenerates the key: the old one stops working.
	c.sim.SetAPIKey("new-key")
	c.auth = func(r *http.Request) { r.SetBasicAuth("API_KEY", key) }
	status, _, _ := c.do(http.MethodGet, "/api/v1/athlete/0/wellness/2026-05-04", nil, "")
	assert.Equal(t, 401, status)
	c.auth = nil
	status, _, _ = c.do(http.MethodGet, "/api/v1/athlete/0/wellness/2026-05-04", nil, "")
	assert.Equal(t, 200, status)
}

func TestUploadDedupByFileHash(t *testing.T) {
	c := newClient(t)
	file := runFIT(t, t0)
	status, out := c.upload(file, url.Values{"external_id": {"polar-1"}}, nil)
	require.Equal(t, 201, status, out)
	id := out["id"].(string)
	assert.Equal(t, "i12345", out["icu_athlete_id"])
	assert.Equal(t, []any{map[string]any{"icu_athlete_id": "i12345", "id": id}}, out["activities"])

	status, again := c.upload(file, url.Values{"external_id": {"polar-1"}}, nil)
	assert.Equal(t, 200, status, "all duplicates")
	assert.Equal(t, out, again, "the existing ids")

	// Other bytes, same external_id: not an upsert, a second activity.
	status, other := c.upload(runFIT(t, t0.Add(time.Minute)), url.Values{"external_id": {"polar-1"}}, nil)
	assert.Equal(t, 201, status)
	assert.NotEqual(t, id, other["id"])
	require.Len(t, c.sim.Activities(), 2)

	a, ok := c.sim.Activity(id)
	require.True(t, ok)
	assert.Equal(t, "Run", a.Type)
	assert.Equal(t, "UPLOAD", a.Source)
	assert.Equal(t, "Morning Run", a.Name)
	assert.Equal(t, "2026-05-04T08:00:00", a.StartDateLocal)
	assert.Equal(t, 1800, a.MovingTime)
	assert.Equal(t, 1800, a.ElapsedTime)
	assert.InDelta(t, 5000, a.Distance, 0.01)
	assert.Equal(t, "fit", a.FileFormat)
	assert.Len(t, a.FileSHA256, 64)
	assert.Equal(t, 3, c.sim.Requests()["POST /api/v1/athlete/{id}/activities"])

	// As the athlete on the web site: the same de-dup.
	assert.Equal(t, []string{id}, c.sim.UploadByHand("a.fit", file))
	assert.Equal(t, 3, c.sim.Requests()["POST /api/v1/athlete/{id}/activities"])
}

func TestUploadQueryParamsNotFormFields(t *testing.T) {
	c := newClient(t)
	status, out := c.upload(runFIT(t, t0), url.Values{"name": {"From query"}, "description": {"q desc"}, "device_name": {"Polar Vantage"}},
		map[string]string{"external_id": "form-ext", "name": "From form"})
	require.Equal(t, 201, status)
	a, _ := c.sim.Activity(out["id"].(string))
	assert.Equal(t, "From query", a.Name)
	assert.Equal(t, "q desc", a.Description)
	assert.Equal(t, "Polar Vantage", a.DeviceName)
	assert.Empty(t, a.ExternalID, "a form field external_id is ignored")

	status, out = c.upload(runFIT(t, t0.Add(time.Hour)), url.Values{"paired_event_id": {"abc"}}, nil)
	assert.Equal(t, 422, status)
	assert.Contains(t, errText(out), "paired_event_id")
}

func TestUploadMultisportAndLocalTime(t *testing.T) {
	c := newClient(t)
	offset := 2 * time.Hour
	file := fitFile(t, &offset,
		fitSession{Sport: fit.SportCycling, SubSport: fit.SubSportIndoorCycling, Start: t0, Seconds: 3600, Distance: 30000},
		fitSession{Sport: fit.SportRunning, SubSport: fit.SubSportTrail, Start: t0.Add(time.Hour), Seconds: 1200, Distance: 4000},
	)
	status, out := c.upload(file, nil, nil)
	require.Equal(t, 201, status, out)
	acts := out["activities"].([]any)
	require.Len(t, acts, 2)
	assert.Equal(t, acts[0].(map[string]any)["id"], out["id"])

	list := c.sim.Activities()
	require.Len(t, list, 2)
	assert.Equal(t, "Ride", list[0].Type)
	assert.True(t, list[0].Trainer)
	assert.Equal(t, "2026-05-04T10:00:00", list[0].StartDateLocal, "UTC start + local_timestamp offset")
	assert.Equal(t, 0, list[0].SessionIndex)
	assert.Equal(t, "TrailRun", list[1].Type)
	assert.False(t, list[1].Trainer)
	assert.Equal(t, "2026-05-04T11:00:00", list[1].StartDateLocal)
	assert.Equal(t, 1, list[1].SessionIndex)
	assert.Equal(t, list[0].FileSHA256, list[1].FileSHA256)

	status, again := c.upload(file, nil, nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, out, again)

	// One of the two deleted: the re-upload recreates it only.
	require.True(t, c.sim.DeleteActivity(list[1].ID))
	status, third := c.upload(file, nil, nil)
	assert.Equal(t, 201, status)
	ids := third["activities"].([]any)
	assert.Equal(t, list[0].ID, ids[0].(map[string]any)["id"])
	assert.NotEqual(t, list[1].ID, ids[1].(map[string]any)["id"])
}

func TestUploadFormats(t *testing.T) {
	c := newClient(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(runFIT(t, t0))
	require.NoError(t, zw.Close())
	tcx := []byte(`<?xml version="1.0"?><TrainingCenterDatabase><Activities><Activity Sport="Biking"><Id>2026-05-04T06:00:00Z</Id>
<Lap StartTime="2026-05-04T06:00:00Z"><TotalTimeSeconds>600</TotalTimeSeconds><DistanceMeters>3000</DistanceMeters>
<Track><Trackpoint><Time>2026-05-04T06:00:00Z</Time><DistanceMeters>0</DistanceMeters></Trackpoint>
<Trackpoint><Time>2026-05-04T06:10:00Z</Time><DistanceMeters>3000</DistanceMeters></Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>`)
	gpx := []byte(`<gpx version="1.1"><trk><trkseg><trkpt lat="1" lon="2"><time>2026-05-04T19:00:00Z</time></trkpt></trkseg></trk></gpx>`)
	fitHeaderOnly := runFIT(t, t0)[:20]

	tests := []struct {
		name   string
		file   []byte
		status int
		typ    string
		format string
		start  string
	}{
		{"gzip fit", gz.Bytes(), 201, "Run", "fit", "2026-05-04T08:00:00"},
		{"tcx", tcx, 201, "Ride", "tcx", "2026-05-04T06:00:00"},
		{"gpx", gpx, 201, "Workout", "gpx", "2026-05-04T19:00:00"},
		{"not a file of activity", []byte("hello, world"), 422, "", "", ""},
		{"broken fit", fitHeaderOnly, 422, "", "", ""},
		{"other xml", []byte(`<html><body/></html>`), 422, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := c.upload(tt.file, nil, nil)
			require.Equal(t, tt.status, status, out)
			if status != 201 {
				assert.Contains(t, errText(out), "Unable to read file")
				return
			}
			a, ok := c.sim.Activity(out["id"].(string))
			require.True(t, ok)
			assert.Equal(t, tt.typ, a.Type)
			assert.Equal(t, tt.format, a.FileFormat)
			assert.Equal(t, tt.start, a.StartDateLocal)
		})
	}

	// No part "file".
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("name", "x")
	_ = mw.Close()
	status, _, out := c.do(http.MethodPost, "/api/v1/athlete/0/activities", &buf, mw.FormDataContentType())
	assert.Equal(t, 422, status)
	assert.Equal(t, "Missing file", errText(out))
}

func TestManualActivity(t *testing.T) {
	c := newClient(t)
	tests := []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"ok", map[string]any{"start_date_local": "2026-05-04T18:30:00", "type": "WeightTraining", "name": "Gym", "moving_time": 2400, "elapsed_time": 2700, "external_id": "polar-7", "trainer": true}, 200},
		{"no start", map[string]any{"type": "Run"}, 422},
		{"bad start", map[string]any{"start_date_local": "2026-05-04", "type": "Run"}, 422},
		{"no type", map[string]any{"start_date_local": "2026-05-04T18:30:00"}, 422},
		{"bad type", map[string]any{"start_date_local": "2026-05-04T18:30:00", "type": "Strength"}, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := c.json(http.MethodPost, "/api/v1/athlete/0/activities/manual", tt.body)
			require.Equal(t, tt.status, status, out)
			if status != 200 {
				return
			}
			m := out.(map[string]any)
			assert.Equal(t, "MANUAL", m["source"])
			assert.Equal(t, "Gym", m["name"])
			assert.Equal(t, "2026-05-04T18:30:00", m["start_date_local"])
			a, ok := c.sim.Activity(m["id"].(string))
			require.True(t, ok)
			assert.Equal(t, intervalssim.Activity{
				ID: a.ID, AthleteID: "i12345", ExternalID: "polar-7", Name: "Gym", Type: "WeightTraining", Source: "MANUAL",
				Trainer: true, StartDateLocal: "2026-05-04T18:30:00", MovingTime: 2400, ElapsedTime: 2700,
			}, a)
		})
	}
	assert.Len(t, c.sim.Activities(), 1)
}

func TestListActivities(t *testing.T) {
	c := newClient(t)
	for i, day := range []int{1, 3, 5} {
		_, out := c.upload(runFIT(t, time.Date(2026, 5, day, 7, 0, i, 0, time.UTC)), nil, nil)
		require.NotNil(t, out)
	}
	status, _, out := c.do(http.MethodGet, "/api/v1/athlete/0/activities", nil, "")
	assert.Equal(t, 422, status, "oldest is required")
	assert.NotEmpty(t, errText(out))

	status, _, out = c.do(http.MethodGet, "/api/v1/athlete/0/activities?oldest=2026-05-02&newest=2026-05-05", nil, "")
	require.Equal(t, 200, status)
	list := out.([]any)
	require.Len(t, list, 2)
	assert.Equal(t, "2026-05-05T07:00:02", list[0].(map[string]any)["start_date_local"], "newest first, newest inclusive")
	assert.Equal(t, "2026-05-03T07:00:01", list[1].(map[string]any)["start_date_local"])
	for _, k := range []string{"id", "external_id", "source", "start_date_local", "type", "name"} {
		assert.Contains(t, list[0], k)
	}

	_, _, out = c.do(http.MethodGet, "/api/v1/athlete/0/activities?oldest=2026-01-01&limit=1", nil, "")
	assert.Len(t, out, 1)
}

func TestUpdateActivity(t *testing.T) {
	c := newClient(t)
	_, out := c.upload(runFIT(t, t0), url.Values{"description": {"keep me"}}, nil)
	id := out["id"].(string)
	path := "/api/v1/activity/" + id

	status, got := c.json(http.MethodPut, path, map[string]any{"name": "Tempo", "trainer": true, "icu_training_load": 80})
	require.Equal(t, 200, status, got)
	assert.Equal(t, "Tempo", got.(map[string]any)["name"])
	assert.Equal(t, "keep me", got.(map[string]any)["description"], "partial")
	a, _ := c.sim.Activity(id)
	assert.Equal(t, "Run", a.Type)
	assert.True(t, a.Trainer)

	status, got = c.json(http.MethodPut, path, map[string]any{"type": "Jogging"})
	assert.Equal(t, 422, status)
	assert.IsType(t, map[string]any{}, got, "object shape")

	status, got = c.json(http.MethodPut, path, map[string]any{"name": strings.Repeat("é", 81)})
	assert.Equal(t, 422, status)
	assert.Equal(t, []any{map[string]any{"status": 422.0, "error": "Name is too long"}}, got, "array shape")
	status, _ = c.json(http.MethodPut, path, map[string]any{"name": strings.Repeat("é", 80)})
	assert.Equal(t, 200, status)

	status, got = c.json(http.MethodPut, "/api/v1/activity/i1", map[string]any{"name": "x"})
	assert.Equal(t, 404, status)
	assert.Equal(t, map[string]any{"status": 404.0, "error": "Activity not found"}, got)

	status, _, got = c.do(http.MethodGet, path, nil, "")
	require.Equal(t, 200, status)
	assert.Equal(t, strings.Repeat("é", 80), got.(map[string]any)["name"])
}

func TestDeleteThenReupload(t *testing.T) {
	c := newClient(t)
	file := runFIT(t, t0)
	_, out := c.upload(file, nil, nil)
	id := out["id"].(string)
	status, _, got := c.do(http.MethodDelete, "/api/v1/activity/"+id, nil, "")
	require.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"icu_athlete_id": "i12345", "id": id}, got)
	_, ok := c.sim.Activity(id)
	assert.False(t, ok)
	status, _, _ = c.do(http.MethodDelete, "/api/v1/activity/"+id, nil, "")
	assert.Equal(t, 404, status)

	status, out = c.upload(file, nil, nil)
	assert.Equal(t, 201, status, "a deleted activity does not block its file")
	assert.NotEqual(t, id, out["id"])
	assert.Equal(t, 2, c.sim.Requests()["DELETE /api/v1/activity/{id}"])
}

func TestWellnessPartialPut(t *testing.T) {
	c := newClient(t)
	path := "/api/v1/athlete/0/wellness/2026-05-04"
	status, got := c.json(http.MethodPut, path, map[string]any{"restingHR": 48, "hrv": 61.5, "sleepSecs": 27000, "comments": "ok", "ctl": 55, "updated": "x"})
	require.Equal(t, 200, status, got)
	rec := got.(map[string]any)
	assert.Equal(t, "2026-05-04", rec["id"])
	assert.Equal(t, 48.0, rec["restingHR"])
	assert.Equal(t, 0.0, rec["ctl"], "server-computed fields are ignored")
	assert.Equal(t, t0.Format(time.RFC3339), rec["updated"])

	c.sim.Advance(time.Hour)
	status, got = c.json(http.MethodPut, path, map[string]any{"weight": 70.2, "hrv": -1, "steps": nil})
	require.Equal(t, 200, status, got)
	assert.Equal(t, t0.Add(time.Hour).Format(time.RFC3339), got.(map[string]any)["updated"])
	assert.Equal(t, map[string]any{"restingHR": 48.0, "sleepSecs": 27000.0, "comments": "ok", "weight": 70.2}, c.sim.Wellness("2026-05-04"),
		"other fields kept, -1 unset, null ignored")

	status, _, got2 := c.do(http.MethodGet, path, nil, "")
	require.Equal(t, 200, status)
	assert.Equal(t, 70.2, got2.(map[string]any)["weight"])
	assert.Nil(t, c.sim.Wellness("2026-05-05"))

	// PUT /wellness: the body's id is the date.
	status, _ = c.json(http.MethodPut, "/api/v1/athlete/0/wellness", map[string]any{"id": "2026-05-06", "steps": 9000})
	assert.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"steps": 9000.0}, c.sim.Wellness("2026-05-06"))
}

func TestWellnessValidation(t *testing.T) {
	c := newClient(t)
	c.sim.AddCustomWellnessField("SkinTemp")
	tests := []struct {
		name   string
		path   string
		body   map[string]any
		status int
		error  string
	}{
		{"unknown field", "/api/v1/athlete/0/wellness/2026-05-04", map[string]any{"skinTemperature": 36.5}, 422, "Unknown wellness field: skinTemperature"},
		{"custom field", "/api/v1/athlete/0/wellness/2026-05-04", map[string]any{"SkinTemp": 36.5}, 200, ""},
		{"string for number", "/api/v1/athlete/0/wellness/2026-05-04", map[string]any{"weight": "70"}, 422, ""},
		{"fraction for int", "/api/v1/athlete/0/wellness/2026-05-04", map[string]any{"restingHR": 48.5}, 422, ""},
		{"sleepQuality range", "/api/v1/athlete/0/wellness/2026-05-04", map[string]any{"sleepQuality": 5}, 422, ""},
		{"sleepQuality ok", "/api/v1/athlete/0/wellness/2026-05-04", map[string]any{"sleepQuality": 2}, 200, ""},
		{"bad date", "/api/v1/athlete/0/wellness/04-05-2026", map[string]any{"weight": 70}, 422, ""},
		{"no id", "/api/v1/athlete/0/wellness", map[string]any{"weight": 70}, 422, ""},
		{"id not the path's date", "/api/v1/athlete/0/wellness/2026-05-04", map[string]any{"id": "2026-05-05", "weight": 70}, 422, ""},
		{"bad phase", "/api/v1/athlete/0/wellness/2026-05-04", map[string]any{"menstrualPhase": "SPRING"}, 422, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := c.json(http.MethodPut, tt.path, tt.body)
			assert.Equal(t, tt.status, status, out)
			if tt.error != "" {
				assert.Equal(t, map[string]any{"status": 422.0, "error": tt.error}, out)
			}
		})
	}
	assert.Equal(t, map[string]any{"SkinTemp": 36.5, "sleepQuality": 2.0}, c.sim.Wellness("2026-05-04"))
}

func TestWellnessBulkAndRange(t *testing.T) {
	c := newClient(t)
	bulk := []map[string]any{{"id": "2026-05-01", "restingHR": 50}, {"id": "2026-05-02", "bogus": 1}}
	status, out := c.json(http.MethodPut, "/api/v1/athlete/0/wellness-bulk", bulk)
	assert.Equal(t, 422, status, out)
	assert.Nil(t, c.sim.Wellness("2026-05-01"), "all or nothing")

	bulk = []map[string]any{{"id": "2026-05-03", "restingHR": 52}, {"id": "2026-05-01", "restingHR": 50}, {"id": "2026-05-05", "steps": 1}}
	b, _ := json.Marshal(bulk)
	status, body, _ := c.do(http.MethodPut, "/api/v1/athlete/0/wellness-bulk", bytes.NewReader(b), "application/json")
	require.Equal(t, 200, status)
	assert.Empty(t, body)

	status, _, got := c.do(http.MethodGet, "/api/v1/athlete/0/wellness?oldest=2026-05-01&newest=2026-05-03", nil, "")
	require.Equal(t, 200, status)
	list := got.([]any)
	require.Len(t, list, 2, "newest inclusive, only days with a record")
	assert.Equal(t, "2026-05-01", list[0].(map[string]any)["id"])
	assert.Equal(t, "2026-05-03", list[1].(map[string]any)["id"])
	assert.Equal(t, 52.0, list[1].(map[string]any)["restingHR"])
	assert.Equal(t, 1, c.sim.Requests()["GET /api/v1/athlete/{id}/wellness"])
	assert.Equal(t, 2, c.sim.Requests()["PUT /api/v1/athlete/{id}/wellness-bulk"])
}

func TestRateLimit(t *testing.T) {
	c := newClient(t, intervalssim.WithRateLimit(2, 3))
	path := "/api/v1/athlete/0/wellness/2026-05-04"
	for i := range 3 {
		status, _, _ := c.do(http.MethodGet, path, nil, "")
		require.Equal(t, 200, status, "burst request %d", i)
	}
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+path, nil)
	req.SetBasicAuth("API_KEY", c.sim.APIKey())
	resp, err := c.srv.Client().Do(req)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Equal(t, map[string]any{"status": 429.0, "error": "Too many requests"}, out)

	c.sim.Advance(500 * time.Millisecond)
	status, _, _ := c.do(http.MethodGet, path, nil, "")
	assert.Equal(t, 200, status, "one token after 0.5 s at 2/s")
	status, _, _ = c.do(http.MethodGet, path, nil, "")
	assert.Equal(t, 429, status)
	assert.Equal(t, 6, c.sim.Requests()["GET /api/v1/athlete/{id}/wellness/{date}"], "rejected requests count")
}

func TestFailNext(t *testing.T) {
	c := newClient(t)
	file := runFIT(t, t0)
	for _, st := range []int{500, 502, 503} {
		c.sim.FailNext(1, st)
		status, body, out := c.do(http.MethodPost, "/api/v1/athlete/0/activities", bytes.NewReader(nil), "")
		assert.Equal(t, st, status)
		if st == 500 {
			assert.Contains(t, errText(out), "java.lang.")
		} else {
			assert.Nil(t, out, "plain body: %s", body)
		}
	}
	c.sim.FailNext(2, 503)
	status, _ := c.upload(file, nil, nil)
	assert.Equal(t, 503, status)
	status, _ = c.upload(file, nil, nil)
	assert.Equal(t, 503, status)
	assert.Empty(t, c.sim.Activities(), "nothing done")
	status, _ = c.upload(file, nil, nil)
	assert.Equal(t, 201, status)
}

func TestLoseAnswers(t *testing.T) {
	c := newClient(t)
	file := runFIT(t, t0)
	c.sim.LoseAnswers(1)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "a.fit")
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/api/v1/athlete/0/activities", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.SetBasicAuth("API_KEY", c.sim.APIKey())
	resp, err := c.srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "the answer is lost")
	require.Len(t, c.sim.Activities(), 1, "but the upload was done")

	status, out := c.upload(file, nil, nil)
	assert.Equal(t, 200, status, "the retry finds the duplicate")
	assert.Equal(t, c.sim.Activities()[0].ID, out["id"])
}

func TestSpringNotFound(t *testing.T) {
	c := newClient(t)
	status, _, out := c.do(http.MethodGet, "/api/v1/athlete/0/nothing-here", nil, "")
	assert.Equal(t, 404, status)
	m := out.(map[string]any)
	assert.Equal(t, 404.0, m["status"])
	assert.Equal(t, "Not Found", m["error"])
	assert.Equal(t, "/api/v1/athlete/0/nothing-here", m["path"])
	assert.Contains(t, m["timestamp"], "2026-05-04T08:00:00")
}

func TestConcurrentUploads(t *testing.T) {
	c := newClient(t)
	file := runFIT(t, t0)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = c.upload(file, nil, nil) })
	}
	wg.Wait()
	created := 0
	for _, st := range statuses {
		if st == 201 {
			created++
		}
	}
	assert.Equal(t, 1, created)
	assert.Len(t, c.sim.Activities(), 1)
}

func TestStravaStub(t *testing.T) {
	c := newClient(t)
	a := c.sim.AddActivity(intervalssim.Activity{Source: "STRAVA", Name: "Hidden", Type: "Ride", StartDateLocal: "2026-05-04T07:00:00"})
	status, _, out := c.do(http.MethodGet, "/api/v1/athlete/0/activities?oldest=2026-05-01", nil, "")
	require.Equal(t, 200, status)
	list := out.([]any)
	require.Len(t, list, 1)
	item := list[0].(map[string]any)
	assert.Equal(t, a.ID, item["id"])
	assert.Equal(t, "STRAVA", item["source"])
	assert.NotContains(t, item, "name", "a stub")
	status, got := c.json(http.MethodPut, "/api/v1/activity/"+a.ID, map[string]any{"name": "x"})
	assert.Equal(t, 422, status, got)
	b, _ := c.sim.Activity(a.ID)
	assert.Equal(t, "Hidden", b.Name)
}

// TestPolarFITLocalStart uploads the FIT file the Polar simulator serves
// for a Helsinki user: the activity starts at the local wall clock,
// whatever order the file's fields came in (the encoder's is random).
func TestPolarFITLocalStart(t *testing.T) {
	at := time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC)
	polar, err := accesslinksim.New(accesslinksim.WithUsers(1), accesslinksim.WithClock(func() time.Time { return at }),
		accesslinksim.WithNoFITProbability(0))
	require.NoError(t, err)
	u := polar.Users()[0]
	require.Equal(t, "Europe/Helsinki", u.Location.String())
	c := newClient(t)
	for i := range 6 {
		ex, err := polar.AddExercise(u.ID, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: time.Duration(30+i) * time.Minute})
		require.NoError(t, err)
		data, err := polar.ExerciseFIT(ex.ID)
		require.NoError(t, err)
		status, out := c.upload(data, nil, nil)
		require.Equal(t, http.StatusCreated, status, "%v", out)
		a, found := c.sim.Activity(out["id"].(string))
		require.True(t, found)
		assert.Equal(t, ex.Start.In(u.Location).Format("2006-01-02T15:04:05"), a.StartDateLocal, "exercise %d", i)
	}
}
