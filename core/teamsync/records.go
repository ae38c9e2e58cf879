package teamsync

import (
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Team Pro records carry the team id where AccessLink records carry the
// Polar user id (record subjects and keys use it).

// TeamSessionRecord maps a normalized team session to its record, key
// "team_session.<team id>.<session id>".
func TeamSessionRecord(ts *teampro.TeamSession, team *teampro.TeamDetails) *pluginapi.Record {
	out := &pluginapi.TeamSession{
		Id: ts.ID, TeamId: ts.TeamID, Name: ts.Name, Type: ts.Type, Note: ts.Note,
		RecordStart: ptime(ts.RecordStart, ts.UTCOffsetMinutes), RecordEnd: ptime(ts.RecordEnd, ts.UTCOffsetMinutes),
		Start: ptime(ts.Start, ts.UTCOffsetMinutes), End: ptime(ts.End, ts.UTCOffsetMinutes),
		Sport: ts.Sport, Arena: ts.Arena,
	}
	if team != nil {
		out.TeamName = team.Name
	}
	if ts.Latitude != nil && ts.Longitude != nil {
		out.Latitude, out.Longitude = *ts.Latitude, *ts.Longitude
	}
	for _, p := range ts.Participants {
		out.Participants = append(out.Participants, &pluginapi.Participant{
			PlayerId: p.PlayerID, PlayerNumber: int32(p.PlayerNumber), Role: p.Role,
			PlayerSessionId: p.PlayerSessionID, PlayerName: name(p.FirstName, p.LastName),
		})
	}
	for _, m := range ts.Markers {
		out.Markers = append(out.Markers, &pluginapi.Marker{
			Start: ptime(m.Start, ts.UTCOffsetMinutes), End: ptime(m.End, ts.UTCOffsetMinutes),
			Type: m.Type, Name: m.Name, Note: m.Note,
		})
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION,
		Key:    pluginapi.TeamSessionKey(ts.TeamID, ts.ID),
		UserId: ts.TeamID,
		Source: pluginapi.Source_SOURCE_TEAMPRO,
		Body:   &pluginapi.Record_TeamSession{TeamSession: out},
	}
}

// sampleTypes maps Team Pro sample fields to record sample types.
var sampleTypes = map[string]pluginapi.SampleType{
	"hr":                   pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
	"speed":                pluginapi.SampleType_SAMPLE_TYPE_SPEED,
	"distance":             pluginapi.SampleType_SAMPLE_TYPE_DISTANCE,
	"cadence":              pluginapi.SampleType_SAMPLE_TYPE_CADENCE,
	"lat":                  pluginapi.SampleType_SAMPLE_TYPE_LATITUDE,
	"lon":                  pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE,
	"altitude":             pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE,
	"forward_acceleration": pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION,
	"power":                pluginapi.SampleType_SAMPLE_TYPE_POWER,
}

// kmhPerMS converts Team Pro speeds: the docs give session speeds in
// km/h, and the record model's speed unit is m/s.
const kmhPerMS = 3.6

// PlayerSessionRecord maps a normalized player session to its record,
// key "player_session.<team id>.<player session id>".
// NormalizePlayerSession range-checked every value, so the int32
// conversions below cannot wrap.
func PlayerSessionRecord(ps *teampro.PlayerSession, team *teampro.TeamDetails) *pluginapi.Record {
	teamID := ps.TeamID
	if teamID == "" && team != nil {
		teamID = team.ID
	}
	off := ps.UTCOffsetMinutes
	out := &pluginapi.PlayerSession{
		Id: ps.ID, TeamSessionId: ps.TeamSessionID, TeamId: teamID,
		PlayerId: ps.PlayerID, PlayerName: name(ps.FirstName, ps.LastName), PlayerNumber: int32(ps.PlayerNumber), Role: ps.Role,
		Type: ps.Type, Sport: ps.Sport, Name: ps.Name, Feeling: ps.Feeling, Note: ps.Note,
		Start: ptime(ps.Start, off), DurationSeconds: ps.Duration.Seconds(),
		DistanceMeters: ps.DistanceMeters, Calories: ps.Calories,
		HeartRateAvg: int32(ps.HeartRateAvg), HeartRateMax: int32(ps.HeartRateMax),
		SprintCount: int32(ps.SprintCount), TrainingLoad: ps.TrainingLoad, CardioLoad: ps.CardioLoad, MuscleLoad: ps.MuscleLoad,
		RecoveryTimeSeconds: ps.RecoveryTime.Seconds(), RunningIndex: int32(ps.RunningIndex),
		AscentMeters: ps.AscentMeters, DescentMeters: ps.DescentMeters, Product: ps.Product,
	}
	if team != nil {
		out.TeamName = team.Name
	}
	if v := ps.Summary; v != nil {
		// The trimmed values describe the team session itself: prefer them.
		out.Start = ptime(v.Start, off)
		out.DurationSeconds = v.Duration.Seconds()
		out.DistanceMeters, out.Calories = v.DistanceMeters, v.KiloCalories
		out.HeartRateAvg, out.HeartRateMax, out.HeartRateMin = int32(v.HeartRateAvg), int32(v.HeartRateMax), int32(v.HeartRateMin)
		out.HeartRateAvgPercent, out.HeartRateMaxPercent, out.HeartRateMinPercent = int32(v.HeartRateAvgPercent), int32(v.HeartRateMaxPercent), int32(v.HeartRateMinPercent)
		out.SprintCount = int32(v.SprintCount)
		out.SpeedAvgKmh, out.SpeedMaxKmh = v.SpeedAvgKMH, v.SpeedMaxKMH
		out.CadenceAvg, out.CadenceMax = v.CadenceAvg, v.CadenceMax
		out.TrainingLoad, out.CardioLoad, out.MuscleLoad = v.TrainingLoad, v.CardioLoad, v.MuscleLoad
		for _, z := range v.HeartRateZones {
			out.HeartRateZones = append(out.HeartRateZones, &pluginapi.HeartRateZone{Index: int32(z.Index), LowerBpm: int32(z.Lower), UpperBpm: int32(z.Upper), Seconds: z.InZone.Seconds()})
		}
		for _, z := range v.SpeedZones {
			out.SpeedZones = append(out.SpeedZones, &pluginapi.SpeedZone{Index: int32(z.Index), LowerKmh: z.Lower, UpperKmh: z.Upper, Meters: z.InZoneMeters})
		}
		for _, z := range v.AccelerationZones {
			out.AccelerationZones = append(out.AccelerationZones, &pluginapi.AccelerationZone{LimitMs2: z.LimitMS2, Count: z.Count})
		}
		for _, z := range v.PowerZones {
			out.PowerZones = append(out.PowerZones, &pluginapi.PowerZone{Index: int32(z.Index), LowerW: z.Lower, UpperW: z.Upper, Seconds: z.InZone.Seconds(), MuscleLoad: z.InZoneMuscleLoad})
		}
	}
	start := timestamppb.New(ps.Start)
	for _, s := range ps.Series {
		t, ok := sampleTypes[strings.ToLower(s.Field)]
		if !ok || len(s.Values) == 0 {
			continue
		}
		values := s.Values
		if t == pluginapi.SampleType_SAMPLE_TYPE_SPEED {
			values = make([]float64, len(s.Values))
			for i, v := range s.Values {
				values[i] = v / kmhPerMS
			}
		}
		out.Samples = append(out.Samples, &pluginapi.Series{Type: t, Start: start, OffsetMs: s.OffsetsMS, Values: values})
	}
	if len(ps.RRIntervalsMS) > 0 {
		rr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, Start: start}
		var at int64
		for _, v := range ps.RRIntervalsMS {
			if v <= 0 { // a missing beat: no interval known, time unknown too
				continue
			}
			at += int64(v)
			rr.OffsetMs = append(rr.OffsetMs, at)
			rr.Values = append(rr.Values, float64(v))
		}
		out.Samples = append(out.Samples, rr)
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION,
		Key:    pluginapi.PlayerSessionKey(teamID, ps.ID),
		UserId: teamID,
		Source: pluginapi.Source_SOURCE_TEAMPRO,
		Body:   &pluginapi.Record_PlayerSession{PlayerSession: out},
	}
}

func ptime(t time.Time, offsetMinutes int) *pluginapi.Time {
	if t.IsZero() {
		return nil
	}
	return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: int32(offsetMinutes)}
}

func name(first, last string) string { return strings.TrimSpace(first + " " + last) }
