package csvexport

import (
	"strconv"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Rows of the Polar Team Pro kinds: team sessions (with markers and
// participants) and player sessions (with zones and samples). Pure, like
// rows.go.

var teamSessionHeader = []string{
	"key", "version", "user_id", "source", "team_id", "team_session_id", "team_name",
	"name", "type", "sport", "note", "arena",
	"start_utc", "start_local", "start_utc_offset_min",
	"end_utc", "end_local", "end_utc_offset_min", "duration_s",
	"record_start_utc", "record_start_local", "record_start_utc_offset_min",
	"record_end_utc", "record_end_local", "record_end_utc_offset_min",
	"latitude_deg", "longitude_deg", "participants", "markers",
}

func teamSessionRow(r *pluginapi.Record) []string {
	s := r.GetTeamSession()
	row := make([]string, 0, len(teamSessionHeader))
	row = append(row, r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()),
		s.GetTeamId(), s.GetId(), s.GetTeamName(),
		s.GetName(), s.GetType(), s.GetSport(), s.GetNote(), s.GetArena())
	row = append(row, timeCols(s.GetStart())...)
	row = append(row, timeCols(s.GetEnd())...)
	row = append(row, span(s.GetStart(), s.GetEnd()))
	row = append(row, timeCols(s.GetRecordStart())...)
	row = append(row, timeCols(s.GetRecordEnd())...)
	return append(row,
		fmtFloat(s.GetLatitude()), fmtFloat(s.GetLongitude()),
		strconv.Itoa(len(s.GetParticipants())), strconv.Itoa(len(s.GetMarkers())),
	)
}

var teamSessionMarkerHeader = []string{
	"key", "version", "team_id", "team_session_id", "team_session_start_utc", "marker",
	"type", "name", "note",
	"start_utc", "start_local", "start_utc_offset_min",
	"end_utc", "end_local", "end_utc_offset_min", "duration_s",
}

// teamSessionMarkerRows keeps Polar's order of the markers.
func teamSessionMarkerRows(r *pluginapi.Record) [][]string {
	s := r.GetTeamSession()
	start := fmtTimestamp(s.GetStart())
	rows := make([][]string, 0, len(s.GetMarkers()))
	for i, m := range s.GetMarkers() {
		row := make([]string, 0, len(teamSessionMarkerHeader))
		row = append(row, r.GetKey(), r.GetVersion(), s.GetTeamId(), s.GetId(), start, strconv.Itoa(i+1),
			m.GetType(), m.GetName(), m.GetNote())
		row = append(row, timeCols(m.GetStart())...)
		row = append(row, timeCols(m.GetEnd())...)
		rows = append(rows, append(row, span(m.GetStart(), m.GetEnd())))
	}
	return rows
}

var teamSessionParticipantHeader = []string{
	"key", "version", "team_id", "team_session_id", "team_session_start_utc",
	"player_id", "player_name", "player_number", "role", "player_session_id", "player_session_key",
}

func teamSessionParticipantRows(r *pluginapi.Record) [][]string {
	s := r.GetTeamSession()
	start := fmtTimestamp(s.GetStart())
	rows := make([][]string, 0, len(s.GetParticipants()))
	for _, p := range s.GetParticipants() {
		rows = append(rows, []string{
			r.GetKey(), r.GetVersion(), s.GetTeamId(), s.GetId(), start,
			p.GetPlayerId(), p.GetPlayerName(), fmtInt(p.GetPlayerNumber()), p.GetRole(),
			p.GetPlayerSessionId(), teamProKey("player_session", s.GetTeamId(), p.GetPlayerSessionId()),
		})
	}
	return rows
}

var playerSessionHeader = []string{
	"key", "version", "user_id", "source", "team_id", "team_name",
	"team_session_id", "team_session_key", "player_session_id",
	"player_id", "player_name", "player_number", "role",
	"type", "sport", "name", "feeling", "note",
	"start_utc", "start_local", "utc_offset_min", "duration_s",
	"distance_m", "calories_kcal",
	"heart_rate_avg_bpm", "heart_rate_max_bpm", "heart_rate_min_bpm",
	"heart_rate_avg_percent", "heart_rate_max_percent", "heart_rate_min_percent",
	"sprint_count", "speed_avg_km_h", "speed_max_km_h", "cadence_avg_rpm", "cadence_max_rpm",
	"training_load", "cardio_load", "muscle_load", "recovery_time_s", "running_index",
	"ascent_m", "descent_m", "product", "sample_types",
}

func playerSessionRow(r *pluginapi.Record) []string {
	p := r.GetPlayerSession()
	row := make([]string, 0, len(playerSessionHeader))
	row = append(row, r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()),
		p.GetTeamId(), p.GetTeamName(),
		p.GetTeamSessionId(), teamProKey("team_session", p.GetTeamId(), p.GetTeamSessionId()), p.GetId(),
		p.GetPlayerId(), p.GetPlayerName(), fmtInt(p.GetPlayerNumber()), p.GetRole(),
		p.GetType(), p.GetSport(), p.GetName(), p.GetFeeling(), p.GetNote())
	row = append(row, timeCols(p.GetStart())...)
	return append(row,
		fmtFloat(p.GetDurationSeconds()), fmtFloat(p.GetDistanceMeters()), fmtFloat(p.GetCalories()),
		fmtInt(p.GetHeartRateAvg()), fmtInt(p.GetHeartRateMax()), fmtInt(p.GetHeartRateMin()),
		fmtInt(p.GetHeartRateAvgPercent()), fmtInt(p.GetHeartRateMaxPercent()), fmtInt(p.GetHeartRateMinPercent()),
		fmtInt(p.GetSprintCount()), fmtFloat(p.GetSpeedAvgKmh()), fmtFloat(p.GetSpeedMaxKmh()),
		fmtFloat(p.GetCadenceAvg()), fmtFloat(p.GetCadenceMax()),
		fmtFloat(p.GetTrainingLoad()), fmtFloat(p.GetCardioLoad()), fmtFloat(p.GetMuscleLoad()),
		fmtFloat(p.GetRecoveryTimeSeconds()), fmtInt(p.GetRunningIndex()),
		fmtFloat(p.GetAscentMeters()), fmtFloat(p.GetDescentMeters()), p.GetProduct(),
		sampleTypes(p.GetSamples()),
	)
}

// playerSessionZoneHeader: one row per zone of any kind; the columns of
// other kinds are empty.
var playerSessionZoneHeader = []string{
	"key", "version", "team_id", "player_session_id", "player_id", "start_utc",
	"kind", "zone_index",
	"lower_bpm", "upper_bpm", "lower_km_h", "upper_km_h", "lower_w", "upper_w", "limit_m_s2",
	"time_in_zone_s", "distance_m", "count", "muscle_load",
}

// Zone kinds in player_session_zones.csv.
const (
	zoneHeartRate    = "heart_rate"
	zoneSpeed        = "speed"
	zoneAcceleration = "acceleration"
	zonePower        = "power"
)

func playerSessionZoneRows(r *pluginapi.Record) [][]string {
	p := r.GetPlayerSession()
	start := fmtTimestamp(p.GetStart())
	n := len(p.GetHeartRateZones()) + len(p.GetSpeedZones()) + len(p.GetAccelerationZones()) + len(p.GetPowerZones())
	rows := make([][]string, 0, n)
	add := func(kind, index string, cells map[string]string) {
		row := make([]string, len(playerSessionZoneHeader))
		copy(row, []string{r.GetKey(), r.GetVersion(), p.GetTeamId(), p.GetId(), p.GetPlayerId(), start, kind, index})
		for i := 8; i < len(row); i++ {
			row[i] = cells[playerSessionZoneHeader[i]]
		}
		rows = append(rows, row)
	}
	for _, z := range p.GetHeartRateZones() {
		add(zoneHeartRate, fmtInt(z.GetIndex()), map[string]string{
			"lower_bpm": fmtInt(z.GetLowerBpm()), "upper_bpm": fmtInt(z.GetUpperBpm()), "time_in_zone_s": fmtFloat(z.GetSeconds()),
		})
	}
	for _, z := range p.GetSpeedZones() {
		add(zoneSpeed, fmtInt(z.GetIndex()), map[string]string{
			"lower_km_h": fmtFloat(z.GetLowerKmh()), "upper_km_h": fmtFloat(z.GetUpperKmh()), "distance_m": fmtFloat(z.GetMeters()),
		})
	}
	for _, z := range p.GetAccelerationZones() {
		add(zoneAcceleration, "", map[string]string{
			"limit_m_s2": fmtFloat(z.GetLimitMs2()), "count": fmtFloat(z.GetCount()),
		})
	}
	for _, z := range p.GetPowerZones() {
		add(zonePower, fmtInt(z.GetIndex()), map[string]string{
			"lower_w": fmtFloat(z.GetLowerW()), "upper_w": fmtFloat(z.GetUpperW()),
			"time_in_zone_s": fmtFloat(z.GetSeconds()), "muscle_load": fmtFloat(z.GetMuscleLoad()),
		})
	}
	return rows
}

// playerSampleColumns are the value columns of a player session's
// samples file: the series Team Pro records. RR intervals go to the RR
// file, as for exercises.
var playerSampleColumns = []sampleColumn{
	{pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, "heart_rate_bpm"},
	{pluginapi.SampleType_SAMPLE_TYPE_SPEED, "speed_m_s"},
	{pluginapi.SampleType_SAMPLE_TYPE_DISTANCE, "distance_m"},
	{pluginapi.SampleType_SAMPLE_TYPE_CADENCE, "cadence_rpm"},
	{pluginapi.SampleType_SAMPLE_TYPE_LATITUDE, "latitude_deg"},
	{pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE, "longitude_deg"},
	{pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE, "altitude_m"},
	{pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION, "forward_acceleration_m_s2"},
	{pluginapi.SampleType_SAMPLE_TYPE_POWER, "power_w"},
}

var playerSampleHeader = sampleHeader(playerSampleColumns)

// playerSamples is a player session's samples file.
func playerSamples(p *pluginapi.PlayerSession) *timedSamples {
	return newTimedSamples(playerSampleHeader, p.GetStart(), bindColumns(p.GetSamples(), playerSampleColumns))
}

// teamProKey builds the record key of a linked Team Pro record, or ""
// without an id.
func teamProKey(kind, team, id string) string {
	if id == "" {
		return ""
	}
	return kind + "." + team + "." + id
}

// span is the seconds from a to b, or "" when either is missing.
func span(a, b *pluginapi.Time) string {
	if a.GetUtc() == nil || b.GetUtc() == nil {
		return ""
	}
	return fmtFloat(b.GetUtc().AsTime().Sub(a.GetUtc().AsTime()).Seconds())
}
