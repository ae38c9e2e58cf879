package teamprosim_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)} }

type fixture struct {
	sim *teamprosim.Simulator
	srv *httptest.Server
	clk *clock
}

func newFixture(t *testing.T, opts ...teamprosim.Option) *fixture {
	t.Helper()
	clk := newClock()
	sim, err := teamprosim.New(append([]teamprosim.Option{teamprosim.WithClock(clk.Now)}, opts...)...)
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv, clk: clk}
}

// token runs the documented flow by hand: authorize, then POST the code
// with Basic client credentials.
func (f *fixture) token(t *testing.T) map[string]any {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(f.srv.URL + "/oauth/authorize?client_id=" + f.sim.ClientID() + "&response_type=code&scope=team_read&redirect_uri=http://cb.example/x&state=s1")
	require.NoError(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "s1", loc.Query().Get("state"))
	return f.grant(t, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {"http://cb.example/x"}}, http.StatusOK)
}

func (f *fixture) grant(t *testing.T, form url.Values, want int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(f.sim.ClientID(), f.sim.ClientSecret())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, want, resp.StatusCode)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

func (f *fixture) get(t *testing.T, token, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

func TestOAuthAndExpiry(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t)
	assert.Equal(t, "bearer", tok["token_type"])
	assert.Equal(t, "team_read", tok["scope"])
	assert.EqualValues(t, 43199, tok["expires_in"])
	at := tok["access_token"].(string)

	code, _ := f.get(t, at, "/v1/teams")
	assert.Equal(t, http.StatusOK, code)
	f.clk.Advance(12 * time.Hour)
	code, _ = f.get(t, at, "/v1/teams")
	assert.Equal(t, http.StatusUnauthorized, code)

	rt := tok["refresh_token"].(string)
	nt := f.grant(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, http.StatusOK)
	code, _ = f.get(t, nt["access_token"].(string), "/v1/teams")
	assert.Equal(t, http.StatusOK, code)
	// Refresh tokens rotate.
	f.grant(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, http.StatusBadRequest)

	f.sim.ExpireTokens()
	code, _ = f.get(t, nt["access_token"].(string), "/v1/teams")
	assert.Equal(t, http.StatusUnauthorized, code)
	st := f.sim.Stats()
	assert.Equal(t, 1, st.TokensIssued)
	assert.Equal(t, 1, st.Refreshes)
	assert.Equal(t, 2, st.Unauthorized)

	// Codes are single use; bad scope is refused.
	f.grant(t, url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}}, http.StatusBadRequest)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(f.srv.URL + "/oauth/authorize?client_id=" + f.sim.ClientID() + "&response_type=code&scope=admin&redirect_uri=http://cb.example/x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Location"), "error=invalid_scope")
}

func TestRateLimitBucket(t *testing.T) {
	f := newFixture(t)
	at := f.token(t)["access_token"].(string)
	for i := range 100 {
		code, _ := f.get(t, at, "/v1/teams")
		require.Equal(t, http.StatusOK, code, "request %d within the burst", i)
	}
	code, body := f.get(t, at, "/v1/teams")
	assert.Equal(t, http.StatusTooManyRequests, code)
	assert.Contains(t, string(body), "TOO_MANY_REQUESTS")
	f.clk.Advance(time.Second)
	code, _ = f.get(t, at, "/v1/teams")
	assert.Equal(t, http.StatusOK, code, "one more a second")
	code, _ = f.get(t, at, "/v1/teams")
	assert.Equal(t, http.StatusTooManyRequests, code)
	f.clk.Advance(100 * time.Second)
	for range 100 {
		code, _ = f.get(t, at, "/v1/teams")
		require.Equal(t, http.StatusOK, code, "bucket drained back")
	}
	assert.Equal(t, 2, f.sim.Stats().TooManyRequests)
}

func TestPaginationAndSamples(t *testing.T) {
	f := newFixture(t, teamprosim.WithSessions(25))
	at := f.token(t)["access_token"].(string)
	team := f.sim.Teams()[0]
	code, body := f.get(t, at, "/v1/teams/"+team.ID+"/training_sessions?page=1")
	require.Equal(t, http.StatusOK, code)
	var list struct {
		Data []map[string]any `json:"data"`
		Page map[string]int   `json:"page"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	assert.Len(t, list.Data, 5)
	assert.Equal(t, map[string]int{"per_page": 20, "total_elements": 25, "page_number": 1, "total_pages": 2}, list.Page)
	code, _ = f.get(t, at, "/v1/teams/"+team.ID+"/training_sessions?per_page=101")
	assert.Equal(t, http.StatusBadRequest, code)

	s := f.sim.Sessions(team.ID)[0]
	psID := s.PlayerSessions[team.Players[0].ID]
	code, body = f.get(t, at, "/v1/training_sessions/"+psID+"?samples=all")
	require.Equal(t, http.StatusOK, code)
	var d struct {
		Data struct {
			Feeling string `json:"feeling"`
			Samples struct {
				Fields []string          `json:"fields"`
				Values []json.RawMessage `json:"values"`
			} `json:"samples"`
			RR []*int `json:"rr_intervals"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &d))
	assert.Len(t, d.Data.Samples.Fields, 10)
	assert.Len(t, d.Data.Samples.Values, 54000, "90 min at 10 Hz")
	assert.True(t, strings.HasPrefix(string(d.Data.Samples.Values[1]), `["PT0.1S",`))
	assert.True(t, strings.HasPrefix(string(d.Data.Samples.Values[600]), `["PT1M0S",`) || strings.HasPrefix(string(d.Data.Samples.Values[600]), `["PT1M",`))
	lengths := map[int]bool{}
	for _, v := range d.Data.Samples.Values {
		var row []any
		require.NoError(t, json.Unmarshal(v, &row))
		lengths[len(row)] = true
	}
	assert.True(t, lengths[9] && lengths[10] && lengths[11], "short, full and long rows: %v", lengths)
	assert.Greater(t, len(d.Data.RR), 5000)

	code, body = f.get(t, at, "/v1/training_sessions/"+psID+"/session_summary")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `"heart_rate_zones"`)

	code, body = f.get(t, at, "/v1/training_sessions/"+psID+"?samples=hr,location")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `"fields":["time","hr","lat","lon"]`)
	assert.NotContains(t, string(body), "rr_intervals")

	code, _ = f.get(t, at, "/v1/players/"+team.Players[0].ID+"/training_sessions?type=bogus")
	assert.Equal(t, http.StatusBadRequest, code)
	code, body = f.get(t, at, "/v1/players/"+team.Players[0].ID+"/training_sessions?type=INDIVIDUAL")
	require.Equal(t, http.StatusOK, code)
	var ind struct {
		Data []struct {
			ID             string `json:"id"`
			TimezoneOffset *int   `json:"timezone_offset"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &ind))
	require.Len(t, ind.Data, 2)
	assert.Equal(t, team.UTCOffsetMinutes, *ind.Data[0].TimezoneOffset)
	code, _ = f.get(t, at, "/v1/training_sessions/"+ind.Data[0].ID+"/session_summary")
	assert.Equal(t, http.StatusNotFound, code, "no team summary for individual sessions")
}

func TestAddAndModifySession(t *testing.T) {
	f := newFixture(t)
	at := f.token(t)["access_token"].(string)
	team := f.sim.Teams()[1]
	s, err := f.sim.AddSession(team.ID, teamprosim.SessionSpec{Type: "MATCH", Players: 11, Duration: 20 * time.Minute})
	require.NoError(t, err)
	assert.Len(t, s.PlayerSessions, 11)
	f.clk.Advance(time.Hour)
	m, err := f.sim.ModifySession(s.ID)
	require.NoError(t, err)
	assert.Equal(t, s.Modified.Add(time.Hour), m.Modified)
	code, body := f.get(t, at, "/v1/teams/training_sessions/"+s.ID)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `"modified":"`+m.Modified.Format(time.RFC3339)+`"`)
	assert.Contains(t, string(body), `"type":"MATCH"`)
	_, err = f.sim.ModifySession("nope")
	assert.Error(t, err)
}

func TestDeterministic(t *testing.T) {
	a, b := newFixture(t, teamprosim.WithSeed(3)), newFixture(t, teamprosim.WithSeed(3))
	require.Equal(t, a.sim.Teams(), b.sim.Teams())
	team := a.sim.Teams()[0]
	sa, sb := a.sim.Sessions(team.ID), b.sim.Sessions(team.ID)
	require.Equal(t, sa, sb)
	ta, tb := a.token(t)["access_token"].(string), b.token(t)["access_token"].(string)
	path := "/v1/training_sessions/" + sa[2].PlayerSessions[team.Players[3].ID] + "?samples=all"
	_, ba := a.get(t, ta, path)
	_, bb := b.get(t, tb, path)
	assert.Equal(t, ba, bb)
	c := newFixture(t, teamprosim.WithSeed(4))
	assert.NotEqual(t, a.sim.Teams()[0].ID, c.sim.Teams()[0].ID)
}

func TestRun(t *testing.T) {
	sim, err := teamprosim.New()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/v1/teams")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	cancel()
	require.NoError(t, <-done)
}
