package influxexport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func tpTime(t time.Time) *pluginapi.Time {
	return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: 120}
}

func TestTeamSessionPoints(t *testing.T) {
	r := &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION, Key: "team_session.T1.S1", Version: "v1", UserId: "9001",
		Body: &pluginapi.Record_TeamSession{TeamSession: &pluginapi.TeamSession{
			Id: "S1", TeamId: "T1", TeamName: "FC Valby", Name: "Match", Type: "MATCH", Sport: "SOCCER",
			RecordStart: tpTime(t0.Add(-time.Minute)), Start: tpTime(t0), End: tpTime(t0.Add(90 * time.Minute)),
			Latitude:     55.5,
			Participants: []*pluginapi.Participant{{PlayerId: "p1"}, {PlayerId: "p2"}},
			Markers: []*pluginapi.Marker{
				{Start: tpTime(t0.Add(89 * time.Millisecond)), End: tpTime(t0.Add(45 * time.Minute)), Type: "PHASE", Name: "First half"},
				{Type: "NOTE", Name: "no time: left out"},
			},
		}},
	}
	ps, err := recordPoints(r)
	require.NoError(t, err)
	want := `team_session,sport=SOCCER,team=FC\ Valby,team_id=T1,type=MATCH session_id="S1",version="v1",name="Match",participants=2i,markers=2i,duration_seconds=5400,record_start=1777906740i,latitude=55.5,utc_offset_minutes=120i 1777906800
team_session_marker,team=FC\ Valby,team_id=T1,type=PHASE session_id="S1",index=1i,name="First half",duration_seconds=2699.911 1777906800089
`
	assert.Equal(t, want, encode(t, ps))
}

func TestPlayerSessionPoints(t *testing.T) {
	ser := func(typ pluginapi.SampleType, offs []int64, vals ...float64) *pluginapi.Series {
		return &pluginapi.Series{Type: typ, Start: timestamppb.New(t0), OffsetMs: offs, Values: vals}
	}
	r := &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION, Key: "player_session.T1.P1", Version: "v1", UserId: "9001",
		Body: &pluginapi.Record_PlayerSession{PlayerSession: &pluginapi.PlayerSession{
			Id: "P1", TeamSessionId: "S1", TeamId: "T1", PlayerId: "pl1", PlayerName: "Anna Berg", PlayerNumber: 12,
			Role: "Midfielder", Type: "TEAM", Sport: "SOCCER", Start: tpTime(t0), DurationSeconds: 0.2,
			DistanceMeters: 0.5, HeartRateAvg: 150, SprintCount: 3, CardioLoad: 12.5, MuscleLoad: 20,
			HeartRateZones:    []*pluginapi.HeartRateZone{{Index: 1, LowerBpm: 100, UpperBpm: 120, Seconds: 61.5}},
			SpeedZones:        []*pluginapi.SpeedZone{{Index: 2, LowerKmh: 7, UpperKmh: 11, Meters: 812.5}},
			PowerZones:        []*pluginapi.PowerZone{{Index: 1, UpperW: 150, Seconds: 30, MuscleLoad: 1.5}},
			AccelerationZones: []*pluginapi.AccelerationZone{{LimitMs2: -2.5, Count: 4}},
			Samples: []*pluginapi.Series{
				ser(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, []int64{0, 100}, 150, 151),
				ser(pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION, []int64{0, 100}, 0, 1.25),
				ser(pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, []int64{0}, 400),
			},
		}},
	}
	ps, err := recordPoints(r)
	require.NoError(t, err)
	want := `player_session,player=Anna\ Berg,player_number=12,role=Midfielder,sport=SOCCER,team=T1,team_session=S1,type=TEAM session_id="P1",player_id="pl1",team_id="T1",version="v1",duration_seconds=0.2,distance_meters=0.5,heart_rate_avg=150i,sprint_count=3i,cardio_load=12.5,muscle_load=20,ascent_meters=0,descent_meters=0,utc_offset_minutes=120i 1777906800
player_session_zone,kind=heart_rate,player=Anna\ Berg,team=T1,zone=1 session_id="P1",team_session_id="S1",seconds=61.5,lower_bpm=100i,upper_bpm=120i 1777906800
player_session_zone,kind=speed,player=Anna\ Berg,team=T1,zone=2 session_id="P1",team_session_id="S1",meters=812.5,lower_kmh=7,upper_kmh=11 1777906800
player_session_zone,kind=power,player=Anna\ Berg,team=T1,zone=1 session_id="P1",team_session_id="S1",seconds=30,muscle_load=1.5,lower_w=0,upper_w=150 1777906800
player_session_zone,kind=acceleration,player=Anna\ Berg,team=T1,zone=-2.5 session_id="P1",team_session_id="S1",count=4,limit_ms2=-2.5 1777906800
player_session_sample,player=Anna\ Berg,session=P1,team=T1,team_session=S1 heart_rate=150,forward_acceleration=0 1777906800000
player_session_sample,player=Anna\ Berg,session=P1,team=T1,team_session=S1 heart_rate=151,forward_acceleration=1.25 1777906800100
player_session_rr,player=Anna\ Berg,session=P1,team=T1,team_session=S1 rr=400 1777906800000
`
	assert.Equal(t, want, encode(t, ps))

	r.GetPlayerSession().Start = nil
	_, err = recordPoints(r)
	assert.ErrorContains(t, err, "player session player_session.T1.P1 has no start time")
}
