package accesslink

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// The docs' example, byte for byte: a list, "very-high" hyphenated.
func TestDecodeCardioLoadDocsExample(t *testing.T) {
	list, err := DecodeCardioLoads(readTestdata(t, "cardio_load.json"))
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, CardioLoad{
		Date: "2023-01-01", Status: CardioLoadNotAvailable, CardioLoad: 0.2, Strain: 0.3, Tolerance: 0.4, Ratio: 0.1,
		Level: CardioLoadLevel{VeryLow: 0.1, Low: 0.1, Medium: 0.1, High: 0.1, VeryHigh: 0.1},
	}, list[0])
	assert.False(t, list[0].Available())

	// Either spelling of a level key is read.
	c, err := DecodeCardioLoad([]byte(`{"date":"2023-01-02","cardio_load_level":{"very-low":1,"very_high":5}}`))
	require.NoError(t, err)
	assert.Equal(t, 1.0, c.Level.VeryLow)
	assert.Equal(t, 5.0, c.Level.VeryHigh)

	_, err = DecodeCardioLoads([]byte(`{"date":"2023-01-01"}`))
	assert.ErrorIs(t, err, ErrInvalidPayload, "an object where a list is documented")
}

func TestNormalizeCardioLoad(t *testing.T) {
	var raw []json.RawMessage
	require.NoError(t, json.Unmarshal(readTestdata(t, "cardio_load.json"), &raw))
	rec, warns, err := NormalizeCardioLoad("475", raw[0], time.UTC, testNow)
	require.NoError(t, err)
	assert.Empty(t, warns, "the docs' example is plausible")
	assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD, rec.GetKind())
	assert.Equal(t, "cardio_load.475.2023-01-01", rec.GetKey())
	assert.Equal(t, "475", rec.GetUserId())
	assert.Equal(t, pluginapi.Source_SOURCE_ACCESSLINK, rec.GetSource())
	c := rec.GetCardioLoad()
	assert.Equal(t, "2023-01-01", c.GetDate())
	assertTime(t, "2023-01-01T00:00:00Z", 0, c.GetDayStart())
	assert.Equal(t, "LOAD_STATUS_NOT_AVAILABLE", c.GetStatus())
	assert.Equal(t, 0.2, c.GetCardioLoad())
	assert.Equal(t, 0.3, c.GetStrain())
	assert.Equal(t, 0.4, c.GetTolerance())
	assert.Equal(t, 0.1, c.GetRatio())
	assert.Equal(t, []float64{0.1, 0.1, 0.1, 0.1, 0.1},
		[]float64{c.GetLevelVeryLow(), c.GetLevelLow(), c.GetLevelMedium(), c.GetLevelHigh(), c.GetLevelVeryHigh()})
}

func TestNormalizeCardioLoadImplausible(t *testing.T) {
	day := []byte(`{"date":"2026-11-30","cardio_load_status":"SOMETHING_NEW","cardio_load":-3,"strain":1e9,"tolerance":40,"cardio_load_ratio":99,"cardio_load_level":{"very-high":-1}}`)
	rec, warns, err := NormalizeCardioLoad("475", day, time.UTC, testNow)
	require.NoError(t, err)
	assert.Equal(t, []string{"cardio_load", "strain", "ratio", "level_very_high"}, fieldsOf(warns))
	c := rec.GetCardioLoad()
	assert.Equal(t, CardioLoadUnrecognized, c.GetStatus(), "an undocumented status")
	assert.Zero(t, c.GetCardioLoad())
	assert.Zero(t, c.GetStrain())
	assert.Equal(t, 40.0, c.GetTolerance())
	assert.Zero(t, c.GetRatio())

	for _, bad := range []string{`{"date":"1900-01-01"}`, `{"date":"2027-06-01"}`, `{"date":"01.12.2026"}`} {
		_, _, err := NormalizeCardioLoad("475", []byte(bad), time.UTC, testNow)
		assert.ErrorIs(t, err, plausible.ErrImpossible, bad)
	}
	_, _, err = NormalizeCardioLoad("475", []byte(`{"cardio_load":1}`), time.UTC, testNow)
	assert.ErrorIs(t, err, ErrInvalidPayload, "no date")
}

func TestCardioLoadClient(t *testing.T) {
	e := newSimEnv(t, nil, accesslinksim.WithHistoryDays(40))
	c := e.client(t)
	ctx := t.Context()
	token, userID := e.loginRegistered(t, c)
	user := e.sim.Users()[0]
	for _, u := range e.sim.Users() {
		if u.ID == simUserID(t, userID) {
			user = u
		}
	}
	local := simNow.In(user.Location)
	today := local.Format(time.DateOnly)

	list, err := c.ListCardioLoad(ctx, token)
	require.NoError(t, err)
	require.Len(t, list, 28)
	last, err := DecodeCardioLoad(list[27])
	require.NoError(t, err)
	want := e.sim.CardioLoad(user.ID, today)
	require.True(t, want.Available)
	assert.Equal(t, today, last.Date)
	assert.Equal(t, want.Status, last.Status)
	assert.Equal(t, want.Strain, last.Strain)
	assert.Equal(t, want.VeryHigh, last.Level.VeryHigh)

	one, err := c.GetCardioLoad(ctx, token, today)
	require.NoError(t, err)
	require.Len(t, one, 1)
	assert.JSONEq(t, string(list[27]), string(one[0]))

	from := local.AddDate(0, 0, -27).Format(time.DateOnly)
	rng, err := c.CardioLoadRange(ctx, token, from, today)
	require.NoError(t, err)
	assert.Len(t, rng, 28)
	_, err = c.CardioLoadRange(ctx, token, local.AddDate(0, 0, -28).Format(time.DateOnly), today)
	assert.ErrorIs(t, err, ErrInvalidArgument, "29 days: more than the bridge asks for at once")
	_, err = c.CardioLoadRange(ctx, token, today, from)
	assert.ErrorIs(t, err, ErrInvalidArgument)

	days, err := c.CardioLoadDays(ctx, token, 5)
	require.NoError(t, err)
	assert.Len(t, days, 5)
	months, err := c.CardioLoadMonths(ctx, token, 2)
	require.NoError(t, err)
	assert.Greater(t, len(months), 55)
	_, err = c.CardioLoadDays(ctx, token, 0)
	assert.ErrorIs(t, err, ErrInvalidArgument)

	st := e.sim.Stats().Requests
	assert.Equal(t, 1, st["GET /v3/users/cardio-load/{$}"])
	assert.Equal(t, 1, st["GET /v3/users/cardio-load/date"], "refused ranges cost no call")
	assert.Equal(t, 1, st["GET /v3/users/cardio-load/period/days/{days}"])
	assert.Equal(t, 1, st["GET /v3/users/cardio-load/period/months/{months}"])

	_, err = c.ListCardioLoad(ctx, "revoked")
	assert.ErrorIs(t, err, ErrUnauthorized)
}

// 204 and an empty body are no days, not an error.
func TestCardioLoadNoContent(t *testing.T) {
	for _, status := range []int{http.StatusNoContent, http.StatusOK} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		c, err := New(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
		require.NoError(t, err)
		list, err := c.ListCardioLoad(t.Context(), "tok")
		require.NoError(t, err, status)
		assert.Empty(t, list)
	}
}

// day_start is the first instant of the date in the user's zone, with
// its offset then: across DST changes, in zones west and east of UTC with
// whole and half hours, and where clocks jump over midnight.
func TestCardioLoadDayStartInTheUsersZone(t *testing.T) {
	for _, c := range []struct {
		zone, date, wantUTC string
		wantOffset          int32
	}{
		{"UTC", "2026-03-29", "2026-03-29T00:00:00Z", 0},
		{"Europe/Berlin", "2026-03-28", "2026-03-27T23:00:00Z", 60},
		{"Europe/Berlin", "2026-03-29", "2026-03-28T23:00:00Z", 60},  // clocks go forward at 02:00, after midnight
		{"Europe/Berlin", "2026-03-30", "2026-03-29T22:00:00Z", 120}, // the day after: summer time
		{"Europe/Berlin", "2026-10-25", "2026-10-24T22:00:00Z", 120}, // back at 03:00: midnight still summer time
		{"Europe/Berlin", "2026-10-26", "2026-10-25T23:00:00Z", 60},
		{"America/New_York", "2026-03-08", "2026-03-08T05:00:00Z", -300},
		{"America/New_York", "2026-03-09", "2026-03-09T04:00:00Z", -240},
		{"America/New_York", "2026-11-01", "2026-11-01T04:00:00Z", -240},
		{"America/New_York", "2026-11-02", "2026-11-02T05:00:00Z", -300},
		{"Pacific/Honolulu", "2026-11-30", "2026-11-30T10:00:00Z", -600},
		{"Asia/Kolkata", "2026-11-30", "2026-11-29T18:30:00Z", 330},
		// Chile goes forward at 24:00: 00:00 does not exist, the day
		// begins at 01:00 -03.
		{"America/Santiago", "2026-09-06", "2026-09-06T04:00:00Z", -180},
		// Cuba goes back at 01:00 to 00:00: midnight happens twice, the
		// first (summer time) begins the day.
		{"America/Havana", "2026-11-01", "2026-11-01T04:00:00Z", -240},
	} {
		loc, err := time.LoadLocation(c.zone)
		require.NoError(t, err)
		rec, _, err := NormalizeCardioLoad("475", []byte(`{"date":"`+c.date+`","cardio_load_status":"MAINTAINING"}`), loc, testNow)
		require.NoError(t, err, c.zone+" "+c.date)
		got := rec.GetCardioLoad()
		assert.Equal(t, c.date, got.GetDate())
		assertTime(t, c.wantUTC, c.wantOffset, got.GetDayStart())
		// The instant reads as the date in the zone.
		assert.Equal(t, c.date, got.GetDayStart().GetUtc().AsTime().In(loc).Format(time.DateOnly), c.zone+" "+c.date)
	}
}
