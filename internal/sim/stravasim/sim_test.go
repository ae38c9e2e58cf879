package stravasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

func fitFile(seed string) []byte {
	return append([]byte{14, 0x20, 0, 0, 0, 0, 0, 0, '.', 'F', 'I', 'T', 0, 0}, seed...)
}

type call struct {
	t   *testing.T
	sim *Sim
}

func (c call) do(method, path, token string, body []byte, contentType string) (*httptest.ResponseRecorder, map[string]any) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	c.sim.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

func (c call) token(form url.Values) (int, map[string]any) {
	form.Set("client_id", c.sim.ClientID())
	form.Set("client_secret", c.sim.ClientSecret())
	rec, out := c.do(http.MethodPost, "/oauth/token", "", []byte(form.Encode()), "application/x-www-form-urlencoded")
	return rec.Code, out
}

func (c call) authorize(scope string) (access, refresh string) {
	c.t.Helper()
	code, granted, state, err := c.sim.Authorize("/oauth/authorize?" + url.Values{
		"client_id": {c.sim.ClientID()}, "redirect_uri": {"http://localhost:1/cb"}, "response_type": {"code"},
		"approval_prompt": {"auto"}, "scope": {scope}, "state": {"st"},
	}.Encode())
	require.NoError(c.t, err)
	assert.Equal(c.t, "st", state)
	assert.Contains(c.t, granted, "read")
	status, out := c.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}})
	require.Equal(c.t, 200, status, out)
	assert.NotNil(c.t, out["athlete"])
	assert.EqualValues(c.t, 21600, out["expires_in"])
	access, refresh = out["access_token"].(string), out["refresh_token"].(string)
	// A code works once.
	status, out = c.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}})
	assert.Equal(c.t, 400, status)
	assert.Equal(c.t, "AuthorizationCode", out["errors"].([]any)[0].(map[string]any)["resource"])
	return access, refresh
}

func (c call) upload(token, externalID string, data []byte) (int, map[string]any) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", externalID)
	fw.Write(data)
	mw.WriteField("data_type", "fit")
	mw.WriteField("external_id", externalID)
	mw.Close()
	rec, out := c.do(http.MethodPost, "/api/v3/uploads", token, buf.Bytes(), mw.FormDataContentType())
	return rec.Code, out
}

func TestTokensRotateAndExpire(t *testing.T) {
	sim := New(WithClock(func() time.Time { return t0 }))
	c := call{t, sim}
	access, refresh := c.authorize("activity:write,activity:read_all")

	status, _ := c.upload(access, "a.fit", fitFile("a"))
	assert.Equal(t, 201, status)
	sim.Advance(AccessTokenLifetime)
	status, out := c.upload(access, "b.fit", fitFile("b"))
	assert.Equal(t, 401, status, "expired after 6 h")
	assert.Equal(t, "Authorization Error", out["message"])

	status, out = c.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	require.Equal(t, 200, status)
	assert.Nil(t, out["athlete"])
	newRefresh := out["refresh_token"].(string)
	assert.NotEqual(t, refresh, newRefresh)
	status, _ = c.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	assert.Equal(t, 400, status, "the old refresh token stopped working")
	status, _ = c.upload(out["access_token"].(string), "b.fit", fitFile("b"))
	assert.Equal(t, 201, status)

	sim.Revoke()
	status, _ = c.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {newRefresh}})
	assert.Equal(t, 400, status)
}

func TestMissingScope(t *testing.T) {
	sim := New(WithGrantedScope("read,activity:read_all"))
	c := call{t, sim}
	code, granted, _, err := sim.Authorize("/oauth/authorize?client_id=" + sim.ClientID() + "&redirect_uri=http://localhost/cb&response_type=code&scope=activity:write,activity:read_all")
	require.NoError(t, err)
	assert.Equal(t, "activity:read_all,read", granted)
	_, out := c.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}})
	status, f := c.upload(out["access_token"].(string), "a.fit", fitFile("a"))
	assert.Equal(t, 401, status)
	assert.Equal(t, "activity:write_permission", f["errors"].([]any)[0].(map[string]any)["field"])
}

func TestUploadLifecycleAndDuplicates(t *testing.T) {
	for _, tc := range []struct {
		onPost bool
		form   DuplicateForm
		want   string
	}{
		{false, DuplicateLink, "a.fit duplicate of <a href='/activities/%d' target='_blank'>Workout</a>"},
		{false, DuplicateActivity, "a.fit duplicate of activity %d"},
		{true, DuplicateLink, "a.fit duplicate of <a href='/activities/%d' target='_blank'>Workout</a>"},
		{true, DuplicateActivity, "a.fit duplicate of activity %d"},
	} {
		t.Run(fmt.Sprint(tc.onPost, tc.form), func(t *testing.T) {
			sim := New(WithClock(func() time.Time { return t0 }), WithDuplicates(tc.onPost, tc.form), WithProcessingDelay(2*time.Second))
			c := call{t, sim}
			access, _ := c.authorize("activity:write")
			status, up := c.upload(access, "a.fit", fitFile("a"))
			require.Equal(t, 201, status)
			assert.Equal(t, StatusProcessing, up["status"])
			assert.Nil(t, up["activity_id"])
			assert.Nil(t, up["error"])
			id := int64(up["id"].(float64))
			assert.Equal(t, fmt.Sprint(id), up["id_str"])

			path := fmt.Sprintf("/api/v3/uploads/%d", id)
			_, got := c.do(http.MethodGet, path, access, nil, "")
			assert.Equal(t, StatusProcessing, got["status"])
			sim.Advance(2 * time.Second)
			_, got = c.do(http.MethodGet, path, access, nil, "")
			assert.Equal(t, StatusReady, got["status"])
			act := int64(got["activity_id"].(float64))
			require.Len(t, sim.Activities(), 1)

			// Same bytes under another name: a duplicate.
			_, dup := c.upload(access, "a.fit", fitFile("a"))
			if !tc.onPost {
				assert.Equal(t, StatusProcessing, dup["status"])
				sim.Advance(2 * time.Second)
				_, dup = c.do(http.MethodGet, fmt.Sprintf("/api/v3/uploads/%d", int64(dup["id"].(float64))), access, nil, "")
			}
			assert.Equal(t, StatusError, dup["status"])
			assert.Equal(t, fmt.Sprintf(tc.want, act), dup["error"])
			assert.Nil(t, dup["activity_id"])
			assert.Len(t, sim.Activities(), 1)

			// Update: sport_type validated.
			rec, _ := c.do(http.MethodPut, fmt.Sprintf("/api/v3/activities/%d", act), access, []byte(`{"sport_type":"Bike"}`), "application/json")
			assert.Equal(t, 400, rec.Code)
			rec, _ = c.do(http.MethodPut, fmt.Sprintf("/api/v3/activities/%d", act), access, []byte(`{"sport_type":"TrailRun","name":"n","trainer":true}`), "application/json")
			assert.Equal(t, 200, rec.Code)
			a := sim.Activities()[0]
			assert.Equal(t, "TrailRun", a.SportType)
			assert.True(t, a.Trainer)

			sim.DeleteActivity(act)
			_, got = c.do(http.MethodGet, path, access, nil, "")
			assert.Equal(t, StatusDeleted, got["status"])
			rec, _ = c.do(http.MethodPut, fmt.Sprintf("/api/v3/activities/%d", act), access, []byte(`{"name":"x"}`), "application/json")
			assert.Equal(t, 404, rec.Code)
		})
	}
}

func TestBadFile(t *testing.T) {
	sim := New(WithProcessingDelay(0))
	c := call{t, sim}
	access, _ := c.authorize("activity:write")
	_, up := c.upload(access, "x.fit", []byte("not a fit file"))
	assert.Equal(t, StatusError, up["status"])
	assert.Equal(t, "x.fit Improperly formatted data.", up["error"])
	assert.Empty(t, sim.Activities())
}

func TestRateLimits(t *testing.T) {
	start := time.Date(2026, 5, 4, 8, 14, 0, 0, time.UTC)
	sim := New(WithClock(func() time.Time { return start }), WithRateLimits(3, 7), WithReadRateLimits(2, 100))
	c := call{t, sim}
	access, _ := c.authorize("activity:write")
	for i := range 3 {
		status, _ := c.upload(access, fmt.Sprint(i), fitFile(fmt.Sprint(i)))
		assert.Equal(t, 201, status)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.Close()
	rec, out := c.do(http.MethodPost, "/api/v3/uploads", access, buf.Bytes(), mw.FormDataContentType())
	assert.Equal(t, 429, rec.Code)
	assert.Equal(t, "Rate Limit Exceeded", out["message"])
	assert.Equal(t, map[string]any{"resource": "Application", "field": "rate limit", "code": "exceeded"}, out["errors"].([]any)[0])
	assert.Equal(t, "3,7", rec.Header().Get("X-RateLimit-Limit"))
	assert.Equal(t, "3,4", rec.Header().Get("X-RateLimit-Usage"), "a rejected request counts toward the day")
	assert.Equal(t, "2,100", rec.Header().Get("X-ReadRateLimit-Limit"))
	assert.Equal(t, 1, sim.TooManyRequests())
	assert.NotEmpty(t, rec.Header().Get("Date"))

	sim.AdvanceToNextWindow() // 08:15
	assert.Equal(t, time.Date(2026, 5, 4, 8, 15, 0, 0, time.UTC), sim.Now().Truncate(time.Second))
	rec, _ = c.do(http.MethodGet, "/api/v3/uploads/1", access, nil, "")
	assert.Equal(t, 404, rec.Code)
	assert.Equal(t, "1,5", rec.Header().Get("X-RateLimit-Usage"))
	assert.Equal(t, "1,1", rec.Header().Get("X-ReadRateLimit-Usage"))
	rec, _ = c.do(http.MethodGet, "/api/v3/uploads/1", access, nil, "")
	assert.Equal(t, 404, rec.Code)
	rec, _ = c.do(http.MethodGet, "/api/v3/uploads/1", access, nil, "")
	assert.Equal(t, 429, rec.Code, "read limit")
	status, _ := c.upload(access, "z", fitFile("z"))
	assert.Equal(t, 429, status, "daily limit")
	sim.Advance(24 * time.Hour)
	status, _ = c.upload(access, "z", fitFile("z"))
	assert.Equal(t, 401, status, "a new day (and an expired token)")
	assert.Equal(t, 6, sim.Requests()["POST /api/v3/uploads"], "rejected requests are counted too")
}

func TestLoseAnswersAndAddActivity(t *testing.T) {
	sim := New(WithClock(func() time.Time { return t0 }), WithProcessingDelay(0))
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := call{t, sim}
	access, _ := c.authorize("activity:write")
	post := func(externalID string, data []byte) (*http.Response, error) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", externalID)
		fw.Write(data)
		mw.WriteField("data_type", "fit")
		mw.WriteField("external_id", externalID)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v3/uploads", &buf)
		req.Header.Set("Authorization", "Bearer "+access)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return http.DefaultClient.Do(req)
	}

	// Another application (Polar Flow) uploaded the file first.
	other := sim.AddActivity(fitFile("a"), "Morning Run", "Run")
	_, dup := c.upload(access, "a.fit", fitFile("a"))
	assert.Equal(t, fmt.Sprintf("a.fit duplicate of <a href='/activities/%d' target='_blank'>Morning Run</a>", other.ID), dup["error"])

	// Processed, then the connection closes without an answer.
	sim.LoseAnswers("POST /api/v3/uploads", 0, http.StatusGatewayTimeout)
	_, err := post("b.fit", fitFile("b"))
	require.Error(t, err)
	require.Len(t, sim.Activities(), 2, "the upload was processed")
	// Processed, then a proxy's 504.
	resp, err := post("c.fit", fitFile("c"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("X-RateLimit-Usage"), "not Strava's answer")
	require.Len(t, sim.Activities(), 3)
	// Then answers arrive again.
	resp, err = post("d.fit", fitFile("d"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)

	calls := sim.Calls()
	assert.Equal(t, "POST /api/v3/uploads", calls[len(calls)-1])
	assert.Equal(t, 4, sim.Requests()["POST /api/v3/uploads"])
}
