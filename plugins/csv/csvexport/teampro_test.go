package csvexport

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// teamStart is 18:00 local time in UTC+3.
var teamStart = time.Date(2024, 6, 4, 15, 0, 0, 0, time.UTC)

func newTeamSession(version string) *pluginapi.Record {
	return &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION,
		Key:     "team_session.wMYz6L4w.R8rMB4j7",
		Version: version,
		UserId:  "9001",
		Source:  pluginapi.Source_SOURCE_TEAMPRO,
		Body: &pluginapi.Record_TeamSession{TeamSession: &pluginapi.TeamSession{
			Id:          "R8rMB4j7",
			TeamId:      "wMYz6L4w",
			TeamName:    "FC Valby",
			Name:        "Match against Brazil",
			Type:        "MATCH",
			Note:        "Started well, lost 0-8",
			RecordStart: ptime(teamStart.Add(-2*time.Minute-38*time.Second), 180),
			RecordEnd:   ptime(teamStart.Add(96*time.Minute+41*time.Second), 180),
			Start:       ptime(teamStart, 180),
			End:         ptime(teamStart.Add(90*time.Minute), 180),
			Latitude:    55.67336654663086,
			Longitude:   12.49395084381104,
			Sport:       "SOCCER",
			Arena:       "Valby old stadium, Denmark",
			Participants: []*pluginapi.Participant{
				{PlayerId: "ZmozZxkr", PlayerNumber: 12, Role: "Midfielder", PlayerSessionId: "wp9DQ9ln", PlayerName: "Anna Berg"},
				{PlayerId: "Xq2", PlayerNumber: 1, Role: "Goalkeeper", PlayerSessionId: "ps2", PlayerName: "Bo Holm"},
			},
			Markers: []*pluginapi.Marker{
				{Start: ptime(teamStart, 180), End: ptime(teamStart.Add(45*time.Minute), 180), Type: "PHASE", Name: "First half"},
				{Start: ptime(teamStart.Add(20*time.Minute+89*time.Millisecond), 180), End: ptime(teamStart.Add(20*time.Minute+89*time.Millisecond), 180),
					Type: "NOTE", Name: "Goal", Note: "0-1"},
			},
		}},
	}
}

// newPlayerSession returns a player's session with samples at 10 Hz for
// seconds (0: none) plus RR intervals of 500 ms.
func newPlayerSession(version string, seconds int) *pluginapi.Record {
	p := &pluginapi.PlayerSession{
		Id: "wp9DQ9ln", TeamSessionId: "R8rMB4j7", TeamId: "wMYz6L4w", TeamName: "FC Valby",
		PlayerId: "ZmozZxkr", PlayerName: "Anna Berg", PlayerNumber: 12, Role: "Midfielder",
		Type: "TEAM", Sport: "SOCCER", Name: "Match against Brazil", Feeling: "AWESOME", Note: "Tired legs",
		Start: ptime(teamStart, 180), DurationSeconds: 5400.5, DistanceMeters: 10566.5, Calories: 901,
		HeartRateAvg: 149, HeartRateMax: 186, HeartRateMin: 92,
		HeartRateAvgPercent: 76, HeartRateMaxPercent: 95, HeartRateMinPercent: 47,
		SprintCount: 12, SpeedAvgKmh: 7.04, SpeedMaxKmh: 29.3, CadenceAvg: 78.5, CadenceMax: 191,
		TrainingLoad: 178, CardioLoad: 127.5, MuscleLoad: 341, RecoveryTimeSeconds: 48277,
		RunningIndex: 52, AscentMeters: 4.5, DescentMeters: 4.25, Product: "Polar Pro",
		HeartRateZones: []*pluginapi.HeartRateZone{{Index: 1, LowerBpm: 96, UpperBpm: 115, Seconds: 610.5}},
		SpeedZones:     []*pluginapi.SpeedZone{{Index: 1, LowerKmh: 3, UpperKmh: 6.99, Meters: 1204.25}},
		AccelerationZones: []*pluginapi.AccelerationZone{
			{LimitMs2: -2.5, Count: 14}, {LimitMs2: 2.5, Count: 17},
		},
		PowerZones: []*pluginapi.PowerZone{{Index: 2, LowerW: 150, UpperW: 300, Seconds: 300, MuscleLoad: 21.5}},
	}
	if seconds > 0 {
		for _, c := range playerSampleColumns {
			s := &pluginapi.Series{Type: c.typ, Start: timestamppb.New(teamStart)}
			for i := range seconds * 10 {
				s.OffsetMs = append(s.OffsetMs, int64(i)*100)
				s.Values = append(s.Values, float64(int(c.typ)*1000+i)/100)
			}
			p.Samples = append(p.Samples, s)
		}
		rr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, Start: timestamppb.New(teamStart)}
		for at := int64(0); at < int64(seconds)*1000; at += 500 {
			rr.OffsetMs = append(rr.OffsetMs, at)
			rr.Values = append(rr.Values, 500)
		}
		p.Samples = append(p.Samples, rr)
	}
	return &pluginapi.Record{
		Kind:    pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION,
		Key:     "player_session.wMYz6L4w.wp9DQ9ln",
		Version: version,
		UserId:  "9001",
		Source:  pluginapi.Source_SOURCE_TEAMPRO,
		Body:    &pluginapi.Record_PlayerSession{PlayerSession: p},
	}
}

func TestTeamSessionRow(t *testing.T) {
	want := []string{
		"team_session.wMYz6L4w.R8rMB4j7", "v1", "9001", "teampro", "wMYz6L4w", "R8rMB4j7", "FC Valby",
		"Match against Brazil", "MATCH", "SOCCER", "Started well, lost 0-8", "Valby old stadium, Denmark",
		"2024-06-04T15:00:00Z", "2024-06-04T18:00:00+03:00", "180",
		"2024-06-04T16:30:00Z", "2024-06-04T19:30:00+03:00", "180", "5400",
		"2024-06-04T14:57:22Z", "2024-06-04T17:57:22+03:00", "180",
		"2024-06-04T16:36:41Z", "2024-06-04T19:36:41+03:00", "180",
		"55.67336654663086", "12.49395084381104", "2", "2",
	}
	assert.Equal(t, want, teamSessionRow(newTeamSession("v1")))
}

func TestTeamSessionMarkerAndParticipantRows(t *testing.T) {
	r := newTeamSession("v1")
	prefix := []string{"team_session.wMYz6L4w.R8rMB4j7", "v1", "wMYz6L4w", "R8rMB4j7", "2024-06-04T15:00:00Z"}
	assert.Equal(t, [][]string{
		append(slices.Clone(prefix), "1", "PHASE", "First half", "",
			"2024-06-04T15:00:00Z", "2024-06-04T18:00:00+03:00", "180",
			"2024-06-04T15:45:00Z", "2024-06-04T18:45:00+03:00", "180", "2700"),
		append(slices.Clone(prefix), "2", "NOTE", "Goal", "0-1",
			"2024-06-04T15:20:00.089Z", "2024-06-04T18:20:00.089+03:00", "180",
			"2024-06-04T15:20:00.089Z", "2024-06-04T18:20:00.089+03:00", "180", "0"),
	}, teamSessionMarkerRows(r))
	assert.Equal(t, [][]string{
		append(slices.Clone(prefix), "ZmozZxkr", "Anna Berg", "12", "Midfielder", "wp9DQ9ln", "player_session.wMYz6L4w.wp9DQ9ln"),
		append(slices.Clone(prefix), "Xq2", "Bo Holm", "1", "Goalkeeper", "ps2", "player_session.wMYz6L4w.ps2"),
	}, teamSessionParticipantRows(r))
}

func TestPlayerSessionRow(t *testing.T) {
	want := []string{
		"player_session.wMYz6L4w.wp9DQ9ln", "v1", "9001", "teampro", "wMYz6L4w", "FC Valby",
		"R8rMB4j7", "team_session.wMYz6L4w.R8rMB4j7", "wp9DQ9ln",
		"ZmozZxkr", "Anna Berg", "12", "Midfielder",
		"TEAM", "SOCCER", "Match against Brazil", "AWESOME", "Tired legs",
		"2024-06-04T15:00:00Z", "2024-06-04T18:00:00+03:00", "180", "5400.5",
		"10566.5", "901",
		"149", "186", "92", "76", "95", "47",
		"12", "7.04", "29.3", "78.5", "191",
		"178", "127.5", "341", "48277", "52",
		"4.5", "4.25", "Polar Pro",
		"heart_rate;speed;distance;cadence;latitude;longitude;altitude;forward_acceleration;power;rr_interval",
	}
	assert.Equal(t, want, playerSessionRow(newPlayerSession("v1", 1)))
}

func TestPlayerSessionZoneRows(t *testing.T) {
	prefix := []string{"player_session.wMYz6L4w.wp9DQ9ln", "v1", "wMYz6L4w", "wp9DQ9ln", "ZmozZxkr", "2024-06-04T15:00:00Z"}
	row := func(kind, index string, cells ...string) []string {
		return append(append(slices.Clone(prefix), kind, index), cells...)
	}
	//                                      bpm      km/h         W          limit  s       m          count muscle
	assert.Equal(t, [][]string{
		row("heart_rate", "1", "96", "115", "", "", "", "", "", "610.5", "", "", ""),
		row("speed", "1", "", "", "3", "6.99", "", "", "", "", "1204.25", "", ""),
		row("acceleration", "", "", "", "", "", "", "", "-2.5", "", "", "14", ""),
		row("acceleration", "", "", "", "", "", "", "", "2.5", "", "", "17", ""),
		row("power", "2", "", "", "", "", "150", "300", "", "300", "", "", "21.5"),
	}, playerSessionZoneRows(newPlayerSession("v1", 0)))
}

func TestPlayerSampleRows(t *testing.T) {
	p := newPlayerSession("v1", 2).GetPlayerSession()
	rows := written(t, playerSamples(p).write)
	require.Len(t, rows, 1+20)
	assert.Equal(t, []string{
		"time_utc", "time_local", "elapsed_s", "heart_rate_bpm", "speed_m_s", "distance_m", "cadence_rpm",
		"latitude_deg", "longitude_deg", "altitude_m", "forward_acceleration_m_s2", "power_w",
	}, playerSampleHeader)
	assert.Equal(t, []string{
		"2024-06-04T15:00:01.3Z", "2024-06-04T18:00:01.3+03:00", "1.3",
		"10.13", "20.13", "60.13", "30.13", "80.13", "90.13", "40.13", "130.13", "50.13",
	}, rows[1+13])
	rr := written(t, rrSamples(p.GetStart(), p.GetSamples()).write)
	assert.Equal(t, withHeader(rrHeader,
		[]string{"2024-06-04T15:00:00Z", "2024-06-04T18:00:00+03:00", "0", "500"},
		[]string{"2024-06-04T15:00:00.5Z", "2024-06-04T18:00:00.5+03:00", "0.5", "500"},
		[]string{"2024-06-04T15:00:01Z", "2024-06-04T18:00:01+03:00", "1", "500"},
		[]string{"2024-06-04T15:00:01.5Z", "2024-06-04T18:00:01.5+03:00", "1.5", "500"},
	), rr)
}

func TestExportTeamPro(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, true)
	ts, ps := newTeamSession("v1"), newPlayerSession("v1", 3)
	requireAllOK(t, export(t, e, ts, ps))

	files := map[string][][]string{
		"team_sessions.csv":             withHeader(teamSessionHeader, teamSessionRow(ts)),
		"team_session_markers.csv":      withHeader(teamSessionMarkerHeader, teamSessionMarkerRows(ts)...),
		"team_session_participants.csv": withHeader(teamSessionParticipantHeader, teamSessionParticipantRows(ts)...),
		"player_sessions.csv":           withHeader(playerSessionHeader, playerSessionRow(ps)),
		"player_session_zones.csv":      withHeader(playerSessionZoneHeader, playerSessionZoneRows(ps)...),
	}
	for name, want := range files {
		assert.Equal(t, want, readCSV(t, filepath.Join(dir, name)), name)
	}
	stem := filepath.Join(dir, samplesDir, "player_session.wMYz6L4w.wp9DQ9ln")
	assert.Equal(t, written(t, playerSamples(ps.GetPlayerSession()).write), readCSV(t, stem+".samples.csv"))
	assert.Len(t, readCSV(t, stem+".rr.csv"), 1+6)

	// A redelivery rewrites nothing; a new version replaces the rows.
	before, err := os.Stat(filepath.Join(dir, "team_session_markers.csv"))
	require.NoError(t, err)
	requireAllOK(t, export(t, e, ts, ps))
	after, err := os.Stat(filepath.Join(dir, "team_session_markers.csv"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "team_session_markers.csv was rewritten for a redelivery")

	ts2, ps2 := newTeamSession("v2"), newPlayerSession("v2", 2)
	ts2.GetTeamSession().Markers = ts2.GetTeamSession().GetMarkers()[:1]
	ps2.GetPlayerSession().SprintCount = 13
	ps2.GetPlayerSession().AccelerationZones = nil
	requireAllOK(t, export(t, e, ts2, ps2))
	assert.Equal(t, []string{"v2"}, column(t, readCSV(t, filepath.Join(dir, "team_session_markers.csv")), "version"))
	assert.Equal(t, []string{"1"}, column(t, readCSV(t, filepath.Join(dir, "team_sessions.csv")), "markers"))
	assert.Equal(t, []string{"13"}, column(t, readCSV(t, filepath.Join(dir, "player_sessions.csv")), "sprint_count"))
	assert.Equal(t, []string{"heart_rate", "speed", "power"}, column(t, readCSV(t, filepath.Join(dir, "player_session_zones.csv")), "kind"))
	assert.Len(t, readCSV(t, stem+".samples.csv"), 1+20)
	assert.Len(t, readCSV(t, stem+".rr.csv"), 1+4)

	// A body that does not match the kind is permanent.
	bad := newTeamSession("v1")
	bad.Body = ps.GetBody()
	res := export(t, e, bad)
	assert.Equal(t, pluginapi.ExportResult_STATUS_PERMANENT, res[0].GetStatus())
	assert.Contains(t, res[0].GetMessage(), "kind team_session but body is player_session")
}
