package influxexport

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Points of the Polar Team Pro kinds (schema in README.md). Tags are the
// team, player and session type; only the player session's own series
// (samples, RR) and its summary carry session ids as tags.

// Team Pro measurements.
const (
	mTeamSession         = "team_session"
	mTeamSessionMarker   = "team_session_marker"
	mPlayerSession       = "player_session"
	mPlayerSessionZone   = "player_session_zone"
	mPlayerSessionSample = "player_session_sample"
	mPlayerSessionRR     = "player_session_rr"
)

// playerSampleFields are the fields of player_session_sample, in order:
// those of exercise_sample plus forward acceleration.
var playerSampleFields = append(slices.Clone(exerciseSampleFields),
	sampleField{pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION, "forward_acceleration"})

// orID is name, or id when the name is empty.
func orID(name, id string) string {
	if tagValue(name) == "" {
		return id
	}
	return name
}

func (p *point) nonEmptyStr(key, v string) {
	if v != "" {
		p.str(key, v)
	}
}

func teamSessionPoints(r *pluginapi.Record) ([]*point, error) {
	s := r.GetTeamSession()
	startT := s.GetStart()
	if startT.GetUtc() == nil {
		startT = s.GetRecordStart()
	}
	if startT.GetUtc() == nil {
		return nil, fmt.Errorf("team session %s has no start time", r.GetKey())
	}
	if s.GetId() == "" {
		return nil, fmt.Errorf("team session %s has no id", r.GetKey())
	}
	start := startT.GetUtc().AsTime()
	team := tag{"team", orID(s.GetTeamName(), s.GetTeamId())}
	teamID := tag{"team_id", s.GetTeamId()}

	sum := newPoint(mTeamSession, start, false, team, teamID,
		tag{"sport", s.GetSport()}, tag{"type", s.GetType()})
	sum.str("session_id", s.GetId())
	sum.str("version", r.GetVersion())
	sum.nonEmptyStr("name", s.GetName())
	sum.nonEmptyStr("note", s.GetNote())
	sum.nonEmptyStr("arena", s.GetArena())
	sum.int("participants", int64(len(s.GetParticipants())))
	sum.int("markers", int64(len(s.GetMarkers())))
	if end := s.GetEnd().GetUtc(); end != nil && s.GetStart().GetUtc() != nil {
		sum.float("duration_seconds", end.AsTime().Sub(start).Seconds())
	}
	if t := s.GetRecordStart().GetUtc(); t != nil {
		sum.int("record_start", t.AsTime().Unix())
	}
	if t := s.GetRecordEnd().GetUtc(); t != nil {
		sum.int("record_end", t.AsTime().Unix())
	}
	sum.nonZeroFloat("latitude", s.GetLatitude())
	sum.nonZeroFloat("longitude", s.GetLongitude())
	sum.int("utc_offset_minutes", int64(startT.GetUtcOffsetMinutes()))
	points := []*point{sum}

	for i, m := range s.GetMarkers() {
		if m.GetStart().GetUtc() == nil {
			continue
		}
		at := m.GetStart().GetUtc().AsTime()
		p := newPoint(mTeamSessionMarker, at, true, team, teamID, tag{"type", m.GetType()})
		p.str("session_id", s.GetId())
		p.int("index", int64(i+1))
		p.nonEmptyStr("name", m.GetName())
		p.nonEmptyStr("note", m.GetNote())
		if end := m.GetEnd().GetUtc(); end != nil {
			p.float("duration_seconds", end.AsTime().Sub(at).Seconds())
		}
		points = append(points, p)
	}
	return points, nil
}

func playerSessionPoints(r *pluginapi.Record) ([]*point, error) {
	s := r.GetPlayerSession()
	if s.GetStart().GetUtc() == nil {
		return nil, fmt.Errorf("player session %s has no start time", r.GetKey())
	}
	if s.GetId() == "" {
		return nil, fmt.Errorf("player session %s has no id", r.GetKey())
	}
	start := s.GetStart().GetUtc().AsTime()
	team := tag{"team", orID(s.GetTeamName(), s.GetTeamId())}
	player := tag{"player", orID(s.GetPlayerName(), s.GetPlayerId())}
	var number string
	if s.GetPlayerNumber() != 0 {
		number = strconv.Itoa(int(s.GetPlayerNumber()))
	}

	sum := newPoint(mPlayerSession, start, false, team, player,
		tag{"player_number", number}, tag{"role", s.GetRole()}, tag{"sport", s.GetSport()},
		tag{"type", s.GetType()}, tag{"team_session", s.GetTeamSessionId()})
	sum.str("session_id", s.GetId())
	sum.str("player_id", s.GetPlayerId())
	sum.str("team_id", s.GetTeamId())
	sum.str("version", r.GetVersion())
	sum.nonEmptyStr("name", s.GetName())
	sum.nonEmptyStr("feeling", s.GetFeeling())
	sum.nonEmptyStr("note", s.GetNote())
	sum.float("duration_seconds", s.GetDurationSeconds())
	sum.float("distance_meters", s.GetDistanceMeters())
	sum.nonZeroFloat("calories", s.GetCalories())
	sum.nonZeroInt("heart_rate_avg", int64(s.GetHeartRateAvg()))
	sum.nonZeroInt("heart_rate_max", int64(s.GetHeartRateMax()))
	sum.nonZeroInt("heart_rate_min", int64(s.GetHeartRateMin()))
	sum.nonZeroInt("heart_rate_avg_percent", int64(s.GetHeartRateAvgPercent()))
	sum.nonZeroInt("heart_rate_max_percent", int64(s.GetHeartRateMaxPercent()))
	sum.nonZeroInt("heart_rate_min_percent", int64(s.GetHeartRateMinPercent()))
	sum.int("sprint_count", int64(s.GetSprintCount()))
	sum.nonZeroFloat("speed_avg_kmh", s.GetSpeedAvgKmh())
	sum.nonZeroFloat("speed_max_kmh", s.GetSpeedMaxKmh())
	sum.nonZeroFloat("cadence_avg", s.GetCadenceAvg())
	sum.nonZeroFloat("cadence_max", s.GetCadenceMax())
	sum.nonZeroFloat("training_load", s.GetTrainingLoad())
	sum.nonZeroFloat("cardio_load", s.GetCardioLoad())
	sum.nonZeroFloat("muscle_load", s.GetMuscleLoad())
	sum.nonZeroFloat("recovery_time_seconds", s.GetRecoveryTimeSeconds())
	sum.nonZeroInt("running_index", int64(s.GetRunningIndex()))
	sum.float("ascent_meters", s.GetAscentMeters())
	sum.float("descent_meters", s.GetDescentMeters())
	sum.nonEmptyStr("product", s.GetProduct())
	sum.int("utc_offset_minutes", int64(s.GetStart().GetUtcOffsetMinutes()))
	points := []*point{sum}

	zone := func(kind, z string) *point {
		p := newPoint(mPlayerSessionZone, start, false, team, player, tag{"kind", kind}, tag{"zone", z})
		p.str("session_id", s.GetId())
		p.nonEmptyStr("team_session_id", s.GetTeamSessionId())
		points = append(points, p)
		return p
	}
	for _, z := range s.GetHeartRateZones() {
		p := zone("heart_rate", strconv.Itoa(int(z.GetIndex())))
		p.float("seconds", z.GetSeconds())
		p.int("lower_bpm", int64(z.GetLowerBpm()))
		p.int("upper_bpm", int64(z.GetUpperBpm()))
	}
	for _, z := range s.GetSpeedZones() {
		p := zone("speed", strconv.Itoa(int(z.GetIndex())))
		p.float("meters", z.GetMeters())
		p.float("lower_kmh", z.GetLowerKmh())
		p.float("upper_kmh", z.GetUpperKmh())
	}
	for _, z := range s.GetPowerZones() {
		p := zone("power", strconv.Itoa(int(z.GetIndex())))
		p.float("seconds", z.GetSeconds())
		p.float("muscle_load", z.GetMuscleLoad())
		p.float("lower_w", z.GetLowerW())
		p.float("upper_w", z.GetUpperW())
	}
	for _, z := range s.GetAccelerationZones() {
		p := zone("acceleration", strconv.FormatFloat(z.GetLimitMs2(), 'f', -1, 64))
		p.float("count", z.GetCount())
		p.float("limit_ms2", z.GetLimitMs2())
	}

	var samples, rr []seriesField
	for _, ser := range s.GetSamples() {
		if ser.GetType() == pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL {
			rr = append(rr, seriesField{"rr", 0, ser})
		} else if i := slices.IndexFunc(playerSampleFields, func(f sampleField) bool { return f.typ == ser.GetType() }); i >= 0 {
			samples = append(samples, seriesField{playerSampleFields[i].key, i, ser})
		}
	}
	seriesTags := []tag{team, player, {"session", s.GetId()}, {"team_session", s.GetTeamSessionId()}}
	points = append(points, samplePoints(mPlayerSessionSample, seriesTags, s.GetStart().GetUtc(), samples)...)
	points = append(points, samplePoints(mPlayerSessionRR, seriesTags, s.GetStart().GetUtc(), rr)...)
	return points, nil
}
