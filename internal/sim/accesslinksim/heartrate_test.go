package accesslinksim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newEnvAt is newEnv with the clock at at.
func newEnvAt(t *testing.T, at time.Time, opts ...Option) *env {
	t.Helper()
	clock := &fakeClock{t: at}
	all := append([]Option{WithSeed(7), WithClock(clock.Now), WithUsers(5), WithHistoryDays(10)}, opts...)
	sim, err := New(all...)
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &env{sim: sim, srv: srv, clock: clock}
}

// loginAs logs in and registers the user living in zone.
func (e *env) loginAs(t *testing.T, zone string) (string, *user) {
	t.Helper()
	for _, u := range e.sim.users {
		if u.loc.String() == zone {
			require.NoError(t, e.sim.ApproveNext(u.id))
			tok, id := e.loginRegistered(t)
			require.Equal(t, u.id, id)
			return tok, u
		}
	}
	t.Fatalf("no user in %s", zone)
	return "", nil
}

func heartRateDays(t *testing.T, r response) []continuousHRJSON {
	t.Helper()
	require.Equal(t, http.StatusOK, r.StatusCode, string(r.body))
	var days []continuousHRJSON
	require.NoError(t, json.Unmarshal(r.body, &days), string(r.body))
	return days
}

// clockTimes checks a served day against the samples' instants: each
// sample_time is its instant's local clock in the user's zone.
func clockTimes(t *testing.T, u *user, day continuousHRJSON, want []HeartRateSample) {
	t.Helper()
	require.Len(t, day.Samples, len(want))
	for i, s := range want {
		assert.Equal(t, s.At.In(u.loc).Format(time.TimeOnly), day.Samples[i].SampleTime)
		assert.Equal(t, s.BPM, day.Samples[i].HeartRate)
		if i > 0 {
			require.True(t, s.At.After(want[i-1].At), "recorded in order")
		}
	}
}

// A day at 5 s is some 17,000 samples in the user's local day, with
// gaps where the watch was not worn (the user's exercises among them)
// and lower heart rate at night; both endpoints serve the same day.
func TestContinuousHeartRateEndpoints(t *testing.T) {
	e := newEnvAt(t, testNow, WithContinuousHeartRateInterval(5*time.Second))
	tok, u := e.loginAs(t, "Europe/Helsinki")
	local := testNow.In(u.loc)
	yesterday := local.AddDate(0, 0, -1).Format(dateLayout)

	want := e.sim.ContinuousHeartRate(u.id, yesterday)
	assert.Greater(t, len(want), 15000)
	assert.Less(t, len(want), 17280, "gaps where the watch was off the wrist")
	dayStart, _ := time.ParseInLocation(dateLayout, yesterday, u.loc)
	assert.False(t, want[0].At.Before(dayStart))
	assert.True(t, want[len(want)-1].At.Before(dayStart.AddDate(0, 0, 1)))
	for _, ex := range e.sim.Exercises(u.id) {
		for _, s := range want {
			assert.False(t, !s.At.Before(ex.Start) && s.At.Before(ex.Start.Add(ex.Duration)), "no samples during training %s", ex.ID)
		}
	}
	var night, day float64
	var nn, dn int
	for _, s := range want {
		switch h := s.At.Hour(); {
		case h >= 2 && h < 5:
			night += float64(s.BPM)
			nn++
		case h >= 10 && h < 20:
			day += float64(s.BPM)
			dn++
		}
	}
	if e.sim.Nights(u.id) != nil && nn > 0 && dn > 0 {
		assert.Less(t, night/float64(nn), day/float64(dn), "lower at night")
	}

	r := e.do(t, http.MethodGet, "/v3/users/continuous-heart-rate/"+yesterday, bearer(tok), "")
	require.Equal(t, http.StatusOK, r.StatusCode)
	var one continuousHRJSON
	require.NoError(t, json.Unmarshal(r.body, &one))
	requireKeys(t, mapOf(t, r.body), "polar_user", "date", "heart_rate_samples")
	assert.Equal(t, yesterday, one.Date)
	assert.True(t, strings.HasSuffix(one.PolarUser, "/v3/users/"+itoa(u.id)), one.PolarUser)
	clockTimes(t, u, one, want)

	from := local.AddDate(0, 0, -3).Format(dateLayout)
	days := heartRateDays(t, e.do(t, http.MethodGet, "/v3/users/continuous-heart-rate?from="+from+"&to="+local.Format(dateLayout), bearer(tok), ""))
	require.Len(t, days, 4)
	assert.Equal(t, one, days[2])
	today := e.sim.ContinuousHeartRate(u.id, local.Format(dateLayout))
	require.NotEmpty(t, today)
	assert.True(t, today[len(today)-1].At.Before(testNow), "only what was synced")

	// No data: before the history, ahead of today.
	for _, date := range []string{local.AddDate(0, 0, -10).Format(dateLayout), local.AddDate(0, 0, 1).Format(dateLayout)} {
		r := e.do(t, http.MethodGet, "/v3/users/continuous-heart-rate/"+date, bearer(tok), "")
		assert.Equal(t, http.StatusNotFound, r.StatusCode, date)
		assert.Contains(t, string(r.body), "no data found for date")
	}
	assert.Empty(t, heartRateDays(t, e.do(t, http.MethodGet, "/v3/users/continuous-heart-rate?from=2026-01-01&to=2026-01-02", bearer(tok), "")))
	for _, q := range []string{"", "?from=2026-03-01", "?from=2026-03-02&to=2026-03-01", "?from=2026-02-01&to=2026-03-01", "?from=2026-02-30&to=2026-03-01"} {
		r := e.do(t, http.MethodGet, "/v3/users/continuous-heart-rate"+q, bearer(tok), "")
		assert.Equal(t, http.StatusBadRequest, r.StatusCode, q)
	}
	assert.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v3/users/continuous-heart-rate?from=2026-02-01&to=2026-02-28", bearer(tok), "").StatusCode, "28 days")
	assert.Equal(t, http.StatusBadRequest, e.do(t, http.MethodGet, "/v3/users/continuous-heart-rate/2022-09-31", bearer(tok), "").StatusCode)

	st := e.sim.Stats().Requests
	assert.Equal(t, 4, st["GET /v3/users/continuous-heart-rate/{date}"])
	assert.Equal(t, 8, st["GET /v3/users/continuous-heart-rate"])
}

// The docs' default interval is 5 minutes.
func TestContinuousHeartRateDefaultInterval(t *testing.T) {
	e := newEnvAt(t, testNow)
	u := e.sim.users[0]
	got := e.sim.ContinuousHeartRate(u.id, testNow.In(u.loc).AddDate(0, 0, -1).Format(dateLayout))
	assert.Greater(t, len(got), 200)
	assert.LessOrEqual(t, len(got), 288)
	assert.Equal(t, 5*time.Minute, got[1].At.Sub(got[0].At)%(5*time.Minute)+5*time.Minute)
}

// DST days in the user's zone: spring forward has 23 hours and no clock
// time in the skipped hour; fall back has the repeated hour's clock times
// twice, in recording order.
func TestContinuousHeartRateDSTDays(t *testing.T) {
	for _, tt := range []struct {
		zone, date string
		at         time.Time
		hours      float64
		skipped    string // an hour no sample's clock shows ("" none)
		repeated   string // an hour whose clock times come twice
	}{
		{"America/New_York", "2026-03-08", testNow, 23, "02", ""},
		{"America/New_York", "2026-11-01", time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC), 25, "", "01"},
		{"Europe/Helsinki", "2026-03-29", time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), 23, "03", ""},
		{"Europe/Helsinki", "2026-10-25", time.Date(2026, 10, 27, 12, 0, 0, 0, time.UTC), 25, "", "03"},
	} {
		t.Run(tt.zone+" "+tt.date, func(t *testing.T) {
			e := newEnvAt(t, tt.at, WithContinuousHeartRateInterval(5*time.Second))
			tok, u := e.loginAs(t, tt.zone)
			want := e.sim.ContinuousHeartRate(u.id, tt.date)
			days := heartRateDays(t, e.do(t, http.MethodGet, "/v3/users/continuous-heart-rate?from="+tt.date+"&to="+tt.date, bearer(tok), ""))
			require.Len(t, days, 1)
			clockTimes(t, u, days[0], want)
			perHour := map[string]int{}
			for _, s := range days[0].Samples {
				perHour[s.SampleTime[:2]]++
			}
			start, _ := time.ParseInLocation(dateLayout, tt.date, u.loc)
			assert.Equal(t, tt.hours, start.AddDate(0, 0, 1).Sub(start).Hours())
			if tt.skipped != "" {
				assert.Zero(t, perHour[tt.skipped], "the skipped hour")
				assert.Len(t, perHour, 23)
			}
			if tt.repeated != "" {
				assert.Greater(t, perHour[tt.repeated], 720, "the repeated hour, twice")
				backwards := 0
				for i := 1; i < len(days[0].Samples); i++ {
					if days[0].Samples[i].SampleTime < days[0].Samples[i-1].SampleTime {
						backwards++
					}
				}
				assert.Equal(t, 1, backwards, "the clock goes back once")
			}
		})
	}
}

// A sync makes the samples recorded since visible and pushes
// CONTINUOUS_HEART_RATE with the date for each day that grew.
func TestSyncContinuousHeartRatePushes(t *testing.T) {
	e := newEnvAt(t, testNow, WithContinuousHeartRateInterval(5*time.Second))
	var got []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p map[string]any
		_ = json.NewDecoder(r.Body).Decode(&p)
		got = append(got, p)
	}))
	t.Cleanup(hook.Close)
	r := e.do(t, http.MethodPost, "/v3/webhooks", e.basic(), `{"events":["CONTINUOUS_HEART_RATE"],"url":"`+hook.URL+`"}`)
	require.Equal(t, http.StatusCreated, r.StatusCode, string(r.body))
	u := e.sim.users[0]
	today := testNow.In(u.loc).Format(dateLayout)
	before := len(e.sim.ContinuousHeartRate(u.id, today))

	dates, err := e.sim.SyncContinuousHeartRate(u.id)
	require.NoError(t, err)
	assert.Empty(t, dates, "nothing recorded since")

	e.clock.Advance(2 * time.Hour)
	dates, err = e.sim.SyncContinuousHeartRate(u.id)
	require.NoError(t, err)
	assert.Equal(t, []string{today}, dates)
	after := e.sim.ContinuousHeartRate(u.id, today)
	assert.Greater(t, len(after), before+1000)
	assert.Equal(t, e.sim.ContinuousHeartRate(u.id, today)[:before], after[:before], "a sync appends")
	require.Len(t, got, 2, "the PING and the push")
	assert.Equal(t, "CONTINUOUS_HEART_RATE", got[1]["event"])
	assert.Equal(t, today, got[1]["date"])
	assert.Equal(t, float64(u.id), got[1]["user_id"])
	assert.True(t, strings.HasSuffix(got[1]["url"].(string), "/v3/users/continuous-heart-rate/"+today))
}

func mapOf(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
