package teampro_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/teampro"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// The documentation's own examples decode.
func TestDocsExamplesDecode(t *testing.T) {
	teams, page, err := teampro.DecodeTeams(readFixture(t, "teams.json"))
	require.NoError(t, err)
	assert.Equal(t, "wMYz6L4w", teams[0].ID)
	assert.Equal(t, teampro.Page{PerPage: 20, TotalElements: 2, PageNumber: 0, TotalPages: 1}, *page)

	team, err := teampro.DecodeTeamDetails(readFixture(t, "team.json"))
	require.NoError(t, err)
	assert.Equal(t, "Organisation1", team.Organisation)
	assert.Equal(t, teampro.Player{PlayerID: "ZmozZxkr", PlayerNumber: 12, Role: "Midfielder", FirstName: "John", LastName: "Doe"}, team.Players[0])

	sessions, _, err := teampro.DecodeTeamTrainingSessions(readFixture(t, "team_sessions.json"))
	require.NoError(t, err)
	assert.Equal(t, "MATCH", sessions[0].Type)
	assert.InDelta(t, 55.67336654663086, *sessions[0].Latitude, 1e-12)

	d, err := teampro.DecodeTeamTrainingSessionDetails(readFixture(t, "team_session.json"))
	require.NoError(t, err)
	assert.Equal(t, "Valby old stadium Denmark", d.Arena)
	assert.Equal(t, "wp9DQ9ln", d.Participants[0].PlayerSessionID)
	assert.Equal(t, "PHASE", d.Markers[0].MarkerType)

	ps, _, err := teampro.DecodePlayerTrainingSessions(readFixture(t, "player_sessions.json"))
	require.NoError(t, err)
	assert.Equal(t, 120, *ps[0].TimezoneOffset)
	assert.Equal(t, "AWESOME,", ps[0].Feeling)

	det, err := teampro.DecodePlayerTrainingSessionDetails(readFixture(t, "player_session.json"))
	require.NoError(t, err)
	assert.Equal(t, "Polar Pro", det.Product)
	assert.Len(t, det.Samples.Fields, 10)

	sum, err := teampro.DecodeSessionSummary(readFixture(t, "session_summary.json"))
	require.NoError(t, err)
	assert.InDelta(t, 7.9, sum.SpeedAvgKMH, 1e-9, "documented integer, sent with a decimal")
	assert.Equal(t, "PT4.2S", sum.PowerZones[0].InZone)
	assert.Equal(t, -3.0, sum.AccelerationZonesMS2[0].Limit)

	_, err = teampro.DecodeTeamDetails([]byte(`{"data": null}`))
	assert.ErrorIs(t, err, teampro.ErrInvalidPayload)
	_, _, err = teampro.DecodeTeams([]byte(`{"data": {`))
	assert.ErrorIs(t, err, teampro.ErrInvalidPayload)
}

func TestNormalizeDocsExamples(t *testing.T) {
	d, err := teampro.DecodeTeamTrainingSessionDetails(readFixture(t, "team_session.json"))
	require.NoError(t, err)
	team, err := teampro.DecodeTeamDetails(readFixture(t, "team.json"))
	require.NoError(t, err)
	off := 120
	ts, warnings, err := teampro.NormalizeTeamSession(d, team, &off, testNow)
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Empty(t, ts.Implausible)
	assert.True(t, ts.RecordStart.Equal(time.Date(2017, 4, 14, 7, 17, 22, 0, time.UTC)), ts.RecordStart)
	_, zoneOff := ts.RecordStart.Zone()
	assert.Equal(t, 7200, zoneOff)
	assert.True(t, ts.Start.Equal(time.Date(2017, 4, 14, 7, 20, 6, 0, time.UTC)))
	assert.True(t, ts.Markers[0].Start.Equal(time.Date(2024, 11, 28, 13, 18, 2, 89e6, time.UTC)))
	assert.Equal(t, "John", ts.Participants[0].FirstName)

	ts2, warnings, err := teampro.NormalizeTeamSession(d, nil, nil, testNow)
	require.NoError(t, err)
	assert.False(t, ts2.OffsetKnown)
	require.Len(t, warnings, 1)
	assert.Equal(t, "timezone_offset", warnings[0].Where)

	sum, err := teampro.DecodeSessionSummary(readFixture(t, "session_summary.json"))
	require.NoError(t, err)
	ps, warnings, err := teampro.NormalizePlayerSession(teampro.PlayerSessionInput{
		Details: readFixture(t, "player_session.json"), UTCOffsetMinutes: &off,
		PlayerID: "ZmozZxkr", TeamSession: d, Summary: sum, Team: team, Now: testNow,
	})
	require.NoError(t, err)
	assert.Equal(t, "AWESOME", ps.Feeling)
	assert.Equal(t, "R8rMB4j7", ps.TeamSessionID)
	assert.Equal(t, 12, ps.PlayerNumber)
	assert.Equal(t, "Midfielder", ps.Role)
	assert.Equal(t, 3*time.Minute, ps.Duration)
	assert.True(t, ps.Start.Equal(time.Date(2017, 4, 14, 7, 20, 6, 0, time.UTC)))
	assert.Equal(t, []int32{485, 483, 0, 800, 483, 486, 483, 0, 950, 281}, ps.RRIntervalsMS)
	require.NotNil(t, ps.Summary)
	assert.Equal(t, 4200*time.Millisecond, ps.Summary.PowerZones[0].InZone)
	assert.Equal(t, 4*time.Second, ps.Summary.HeartRateZones[0].InZone)
	assert.InDelta(t, 222, ps.Summary.SpeedZones[0].InZoneMeters, 0)
	assert.True(t, ps.Summary.Start.Equal(ps.Start))

	hr := ps.SeriesByField("hr")
	assert.Equal(t, []int64{0}, hr.OffsetsMS)
	assert.Equal(t, []float64{94}, hr.Values)
	// The docs' rows are shifted: -0.02 is an acceleration read as power,
	// and negative watts are dropped.
	power := ps.SeriesByField("power")
	assert.Equal(t, []int64{100}, power.OffsetsMS)
	assert.Equal(t, []float64{0.04}, power.Values)
	assert.Equal(t, time.Date(2017, 4, 14, 7, 20, 6, 100e6, time.UTC), power.At(ps.Start, 0).UTC())
	require.Len(t, ps.Implausible, 1)
	assert.Equal(t, "samples.power", ps.Implausible[0].Field)
	assert.Equal(t, -0.02, ps.Implausible[0].Value)
	assert.Equal(t, "player_session.wMYz6L4w.wp9DQ9ln", ps.Implausible[0].Record)

	var where []string
	for _, w := range warnings {
		where = append(where, w.String())
	}
	assert.Len(t, warnings, 3, where)
	assert.Contains(t, where[0], `"AWESOME," read as AWESOME`)
	assert.Contains(t, where[1], "1 rows have fewer values than the 9 fields (first: row 0)")
	assert.Contains(t, where[2], "1 rows have more values than the 9 fields (first: row 2)")
}

func TestNormalizeEnum(t *testing.T) {
	for in, want := range map[string]string{
		"AWESOME,": "AWESOME", " great ": "GREAT", "Not good": "NOT_GOOD", "NOT_GOOD": "NOT_GOOD",
		"STRENGTH AND CONDITION": "STRENGTH_AND_CONDITION", "okay!!": "OKAY", "": "", ",,": "",
	} {
		assert.Equal(t, want, teampro.NormalizeEnum(in), in)
	}
}

func TestNormalizeWarnsOnOddValues(t *testing.T) {
	d := &teampro.TeamTrainingSessionDetails{TeamTrainingSession: teampro.TeamTrainingSession{
		ID: "x", TeamID: "t", Type: "Scrimmage", RecordStartTime: "2017-04-14T09:17:22", EndTime: "yesterday",
	}}
	off := -300
	ts, warnings, err := teampro.NormalizeTeamSession(d, nil, &off, testNow)
	require.NoError(t, err)
	assert.Equal(t, "SCRIMMAGE", ts.Type)
	assert.True(t, ts.End.IsZero())
	assert.Len(t, warnings, 2)

	d.RecordStartTime = ""
	_, _, err = teampro.NormalizeTeamSession(d, nil, &off, testNow)
	assert.ErrorIs(t, err, teampro.ErrInvalidTime)
	_, _, err = teampro.NormalizePlayerSession(teampro.PlayerSessionInput{Details: []byte(`{"data":{"id":"a","start_time":"2017-04-14T09:17:22"}}`), Now: testNow})
	assert.ErrorIs(t, err, teampro.ErrInvalidArgument, "no player id")
}
