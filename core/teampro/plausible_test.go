package teampro_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/core/teampro"
)

// testNow is the clock's now in normalization tests.
var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func fields(ws []plausible.Warning) (out []string) {
	for _, w := range ws {
		out = append(out, w.Field)
	}
	return out
}

func implausibleInput(t *testing.T) teampro.PlayerSessionInput {
	off := 120
	return teampro.PlayerSessionInput{
		Details: readFixture(t, "implausible_player_session.json"), UTCOffsetMinutes: &off,
		PlayerID: "ZmozZxkr", Team: &teampro.TeamDetails{Team: teampro.Team{ID: "wMYz6L4w"}}, Now: testNow,
	}
}

// A fault run's values are dropped (0, nil, or a gap) with a warning each
// field; the rest of the session is kept.
func TestNormalizePlayerSessionDropsImplausibleValues(t *testing.T) {
	ps, _, err := teampro.NormalizePlayerSession(implausibleInput(t))
	require.NoError(t, err)
	assert.Zero(t, ps.Calories)
	assert.Zero(t, ps.DistanceMeters)
	assert.Zero(t, ps.HeartRateMax)
	assert.Zero(t, ps.RecoveryTime)
	assert.Nil(t, ps.Latitude, "no position without a plausible latitude")
	assert.Nil(t, ps.Longitude)
	assert.Equal(t, 141.0, ps.HeartRateAvg)
	assert.Equal(t, 90*time.Minute, ps.Duration)
	assert.Equal(t, 78.0, ps.TrainingLoad)

	hr := ps.SeriesByField("hr")
	assert.Equal(t, []int64{0, 3000}, hr.OffsetsMS)
	assert.Equal(t, []float64{94, 96}, hr.Values)
	speed := ps.SeriesByField("speed")
	assert.Equal(t, []float64{3.6, 7.2}, speed.Values, "km/h: 720 and -1 dropped")
	acc := ps.SeriesByField("forward_acceleration")
	assert.Equal(t, []int64{0, 1000, 3000}, acc.OffsetsMS)
	assert.Equal(t, []int32{485, 0, 500, 0, 0, 490}, ps.RRIntervalsMS, "an absurd interval reads as missing")

	assert.Equal(t, []string{"calories", "distance_meters", "recovery_time_seconds", "heart_rate_max",
		"latitude", "samples.heart_rate", "samples.speed", "samples.forward_acceleration", "samples.rr_interval"}, fields(ps.Implausible))
	for _, w := range ps.Implausible {
		assert.Equal(t, "player_session", w.Kind)
		assert.Equal(t, "player_session.wMYz6L4w.pSbad01", w.Record)
	}
}

func TestNormalizePlayerSessionSummary(t *testing.T) {
	in := implausibleInput(t)
	in.Summary = &teampro.SessionSummary{
		PlayerSessionID: "pSbad01", TrimmedStartTime: "2026-11-30T18:05:00", DurationMS: 3600000,
		HeartRateAvg: 140, HeartRateMaxPercent: 1e9, KiloCalories: -1,
		HeartRateZones: []teampro.HeartRateZone{{Index: 1, LowerLimit: 110, HigherLimit: 130}, {Index: 1e12, LowerLimit: 130}},
		SpeedZonesKMH:  []teampro.SpeedZone{{Index: 1, LowerLimit: 3, HigherLimit: 7000, InZoneMeters: 222}},
	}
	ps, _, err := teampro.NormalizePlayerSession(in)
	require.NoError(t, err)
	v := ps.Summary
	assert.Equal(t, 140.0, v.HeartRateAvg)
	assert.Zero(t, v.HeartRateMaxPercent)
	assert.Zero(t, v.KiloCalories)
	require.Len(t, v.HeartRateZones, 1, "a zone with an absurd index is dropped")
	assert.Zero(t, v.SpeedZones[0].Upper)
	assert.Equal(t, 222.0, v.SpeedZones[0].InZoneMeters)
	got := strings.Join(fields(ps.Implausible), " ")
	for _, f := range []string{"summary.calories", "summary.heart_rate_max_percent", "summary.heart_rate_zones.index", "summary.speed_zones.upper_kmh"} {
		assert.Contains(t, got, f)
	}

	// The trimmed start becomes the record's start: it must be possible.
	in.Summary.TrimmedStartTime = "1900-01-01T00:00:00"
	_, _, err = teampro.NormalizePlayerSession(in)
	assert.ErrorIs(t, err, plausible.ErrImpossible)
}

func TestNormalizePlayerSessionRejectsImpossible(t *testing.T) {
	for name, edit := range map[string]func(string) string{
		"1900 start": func(s string) string {
			return strings.Replace(s, `"start_time": "2026-11-30T18:00:06"`, `"start_time": "1900-01-01T18:00:06"`, 1)
		},
		"two days ahead": func(s string) string {
			return strings.Replace(s, `"start_time": "2026-11-30T18:00:06"`, `"start_time": "2026-12-03T18:00:06"`, 1)
		},
		"stop before start": func(s string) string {
			return strings.Replace(s, `"stop_time": "2026-11-30T19:30:06"`, `"stop_time": "2026-11-30T17:30:06"`, 1)
		},
		"negative duration": func(s string) string {
			return strings.Replace(s, `"duration_ms": 5400000`, `"duration_ms": -5400000`, 1)
		},
		"id with a dot": func(s string) string { return strings.Replace(s, `"id": "pSbad01"`, `"id": "pS.bad01"`, 1) },
	} {
		t.Run(name, func(t *testing.T) {
			in := implausibleInput(t)
			in.Details = []byte(edit(string(in.Details)))
			_, _, err := teampro.NormalizePlayerSession(in)
			require.ErrorIs(t, err, plausible.ErrImpossible)
			assert.True(t, teampro.Permanent(err))
		})
	}
	in := implausibleInput(t)
	in.Now = time.Time{}
	_, _, err := teampro.NormalizePlayerSession(in)
	assert.ErrorIs(t, err, teampro.ErrInvalidArgument, "no clock")
}

func TestNormalizeTeamSessionChecks(t *testing.T) {
	base := func() *teampro.TeamTrainingSessionDetails {
		d, err := teampro.DecodeTeamTrainingSessionDetails(readFixture(t, "team_session.json"))
		require.NoError(t, err)
		return d
	}
	off := 120
	d := base()
	bad, big := 95.0, int64(1e12)
	d.Latitude = &bad
	d.Participants[0].PlayerNumber = big
	ts, _, err := teampro.NormalizeTeamSession(d, nil, &off, testNow)
	require.NoError(t, err)
	assert.Nil(t, ts.Latitude)
	assert.Zero(t, ts.Participants[0].PlayerNumber, "not wrapped to int32")
	assert.Equal(t, []string{"latitude", "participants.player_number"}, fields(ts.Implausible))
	assert.Equal(t, "team_session.wMYz6L4w.R8rMB4j7", ts.Implausible[0].Record)

	for name, edit := range map[string]func(*teampro.TeamTrainingSessionDetails){
		"1900 record start":        func(d *teampro.TeamTrainingSessionDetails) { d.RecordStartTime = "1900-01-01T09:17:22" },
		"record end before start":  func(d *teampro.TeamTrainingSessionDetails) { d.RecordEndTime = "2017-04-14T08:00:00" },
		"end before start":         func(d *teampro.TeamTrainingSessionDetails) { d.EndTime = "2017-04-14T09:00:00" },
		"start more than a day on": func(d *teampro.TeamTrainingSessionDetails) { d.StartTime = "2026-12-05T09:00:00" },
		"no team id":               func(d *teampro.TeamTrainingSessionDetails) { d.TeamID = "" },
		"id with a space":          func(d *teampro.TeamTrainingSessionDetails) { d.ID = "R8r MB4j7" },
	} {
		t.Run(name, func(t *testing.T) {
			d := base()
			edit(d)
			_, _, err := teampro.NormalizeTeamSession(d, nil, &off, testNow)
			require.ErrorIs(t, err, plausible.ErrImpossible)
			assert.True(t, teampro.Permanent(err))
		})
	}
}
