package teampro

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Types mirror the documented JSON. Times are kept as Polar sends them:
// created/modified are RFC 3339 UTC ("2017-04-13T21:06:58Z"), session
// times are local without a zone ("2017-04-14T09:17:22"); normalize.go
// turns them into instants. Measured values are float64 and numbers and
// indexes int64 whatever their documented type, so decoding never
// overflows; normalization range-checks them (package plausible) before
// they are narrowed to a record's int32 fields.

// Page is the documented paginationResponse.
type Page struct {
	PerPage       int `json:"per_page"`
	TotalElements int `json:"total_elements"`
	PageNumber    int `json:"page_number"` // from 0
	TotalPages    int `json:"total_pages"`
}

// Team is a team in GET /v1/teams.
type Team struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Created      string `json:"created"`
	Modified     string `json:"modified"`
}

// Player is a team member in the team details.
type Player struct {
	PlayerID     string `json:"player_id"`
	PlayerNumber int64  `json:"player_number"`
	Role         string `json:"role"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
}

// TeamDetails is GET /v1/teams/{team_id}.
type TeamDetails struct {
	Team
	Players []Player `json:"players"`
}

// TeamTrainingSession is an entry of GET /v1/teams/{team_id}/training_sessions.
type TeamTrainingSession struct {
	ID              string   `json:"id"`
	TeamID          string   `json:"team_id"`
	Name            string   `json:"name"`
	Type            string   `json:"type"` // TRAINING, MATCH, "STRENGTH AND CONDITION", ...
	Note            string   `json:"note"`
	Created         string   `json:"created"`
	Modified        string   `json:"modified"`
	RecordStartTime string   `json:"record_start_time"` // local
	RecordEndTime   string   `json:"record_end_time"`   // local
	StartTime       string   `json:"start_time"`        // local
	EndTime         string   `json:"end_time"`          // local
	Latitude        *float64 `json:"latitude"`
	Longitude       *float64 `json:"longitude"`
	Sport           string   `json:"sport"`
}

// TeamTrainingSessionDetails is GET /v1/teams/training_sessions/{id}.
type TeamTrainingSessionDetails struct {
	TeamTrainingSession
	Arena        string        `json:"arena"`
	Participants []Participant `json:"participants"`
	Markers      []Marker      `json:"markers"`
}

// Participant links a player to their session within a team session.
type Participant struct {
	PlayerID        string `json:"player_id"`
	PlayerNumber    int64  `json:"player_number"`
	Role            string `json:"role"`
	PlayerSessionID string `json:"player_session_id"`
}

// Marker is a team session marker; its times carry a zone ("...Z").
type Marker struct {
	StartTime  string `json:"start_time"`
	EndTime    string `json:"end_time"`
	MarkerType string `json:"marker_type"` // PHASE, NOTE, RECOVERY
	Name       string `json:"name"`
	Note       string `json:"note"`
}

// PlayerTrainingSession is an entry of GET /v1/players/{player_id}/training_sessions.
// It is the only place Polar gives the UTC offset of a session.
type PlayerTrainingSession struct {
	ID             string   `json:"id"`
	Type           string   `json:"type"` // TEAM or INDIVIDUAL
	Created        string   `json:"created"`
	Modified       string   `json:"modified"`
	Sport          string   `json:"sport"`
	Name           string   `json:"name"`
	Feeling        string   `json:"feeling"` // free text in practice: "AWESOME,"
	Note           string   `json:"note"`
	Latitude       *float64 `json:"latitude"`
	Longitude      *float64 `json:"longitude"`
	StartTime      string   `json:"start_time"` // local
	StopTime       string   `json:"stop_time"`  // local
	DurationMS     float64  `json:"duration_ms"`
	TimezoneOffset *int     `json:"timezone_offset"` // minutes east of UTC
}

// PlayerTrainingSessionDetails is GET /v1/training_sessions/{id}. Samples
// values and RR intervals stay raw: ParseSamples and ParseRRIntervals read
// them without building a generic JSON tree.
type PlayerTrainingSessionDetails struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	Created        string          `json:"created"`
	Modified       string          `json:"modified"`
	Name           string          `json:"name"`
	Feeling        string          `json:"feeling"`
	Note           string          `json:"note"`
	Latitude       *float64        `json:"latitude"`
	Longitude      *float64        `json:"longitude"`
	StartTime      string          `json:"start_time"` // local
	StopTime       string          `json:"stop_time"`  // local
	DurationMS     float64         `json:"duration_ms"`
	Calories       float64         `json:"calories"`
	DistanceMeters float64         `json:"distance_meters"`
	TrainingLoad   float64         `json:"training_load"`
	CardioLoad     float64         `json:"cardio_load"`
	MuscleLoad     float64         `json:"muscle_load"`
	RecoveryTimeMS float64         `json:"recovery_time_ms"`
	FatPercentage  float64         `json:"fat_percentage"`
	HeartRateMax   float64         `json:"heart_rate_max"`
	HeartRateAvg   float64         `json:"heart_rate_avg"`
	Sport          string          `json:"sport"`
	RunningIndex   float64         `json:"running_index"`
	Ascent         float64         `json:"ascent"`
	Descent        float64         `json:"descent"`
	SprintCounter  float64         `json:"sprint_counter"`
	Product        string          `json:"product"`
	Samples        *RawSamples     `json:"samples"`
	RRIntervals    json.RawMessage `json:"rr_intervals"` // ms, may hold null
	// TimezoneOffset is not in the documented details; filled when Polar
	// sends it anyway.
	TimezoneOffset *int `json:"timezone_offset"`
}

// RawSamples is the documented trainingSessionSamples with its rows
// undecoded. Fields normally starts with "time"; each row starts with an
// ISO 8601 offset from the session start.
type RawSamples struct {
	Fields []string        `json:"fields"`
	Values json.RawMessage `json:"values"`
}

// SessionSummary is GET /v1/training_sessions/{id}/session_summary: the
// player's values trimmed to the team session. Integer-documented values
// are float64 because the docs' own example has speed_avg_kmh 7.9.
type SessionSummary struct {
	PlayerSessionID      string             `json:"player_session_id"`
	Created              string             `json:"created"`
	Modified             string             `json:"modified"`
	TrimmedStartTime     string             `json:"trimmed_start_time"` // local
	DurationMS           float64            `json:"duration_ms"`
	DistanceMeters       float64            `json:"distance_meters"`
	KiloCalories         float64            `json:"kilo_calories"`
	HeartRateMax         float64            `json:"heart_rate_max"`
	HeartRateAvg         float64            `json:"heart_rate_avg"`
	HeartRateMin         float64            `json:"heart_rate_min"`
	HeartRateMaxPercent  float64            `json:"heart_rate_max_percent"`
	HeartRateAvgPercent  float64            `json:"heart_rate_avg_percent"`
	HeartRateMinPercent  float64            `json:"heart_rate_min_percent"`
	SprintCounter        float64            `json:"sprint_counter"`
	SpeedAvgKMH          float64            `json:"speed_avg_kmh"`
	SpeedMaxKMH          float64            `json:"speed_max_kmh"`
	CadenceAvg           float64            `json:"cadence_avg"`
	CadenceMax           float64            `json:"cadence_max"`
	TrainingLoad         float64            `json:"training_load"`
	CardioLoad           float64            `json:"cardio_load"`
	MuscleLoad           float64            `json:"muscle_load"`
	HeartRateZones       []HeartRateZone    `json:"heart_rate_zones"`
	SpeedZonesKMH        []SpeedZone        `json:"speed_zones_kmh"`
	AccelerationZonesMS2 []AccelerationZone `json:"acceleration_zones_ms2"`
	PowerZones           []PowerZone        `json:"power_zones"`
}

// HeartRateZone is a heart-rate zone; InZone is an ISO 8601 duration.
type HeartRateZone struct {
	Index       int64   `json:"index"`
	LowerLimit  float64 `json:"lower_limit"`
	HigherLimit float64 `json:"higher_limit"`
	InZone      string  `json:"in_zone"`
}

// SpeedZone is a speed zone in km/h.
type SpeedZone struct {
	Index        int64   `json:"index"`
	LowerLimit   float64 `json:"lower_limit"`
	HigherLimit  float64 `json:"higher_limit"`
	InZoneMeters float64 `json:"in_zone_meters"`
}

// AccelerationZone counts accelerations above Limit (m/s²).
type AccelerationZone struct {
	Limit   float64 `json:"limit"`
	Counter float64 `json:"counter"`
}

// PowerZone is a power zone; InZone is an ISO 8601 duration.
type PowerZone struct {
	Index            int64   `json:"index"`
	LowerLimit       float64 `json:"lower_limit"`
	HigherLimit      float64 `json:"higher_limit"`
	InZone           string  `json:"in_zone"`
	InZoneMuscleLoad float64 `json:"in_zone_muscle_load"`
}

// envelope is the documented {"data": ...} wrapper, with "page" on lists.
type envelope[T any] struct {
	Data T     `json:"data"`
	Page *Page `json:"page"`
}

func decodeData[T any](what string, body []byte) (T, *Page, error) {
	var env envelope[T]
	if err := json.Unmarshal(body, &env); err != nil {
		var zero T
		return zero, nil, fmt.Errorf("teampro: decoding %s: %v: %w", what, err, ErrInvalidPayload)
	}
	return env.Data, env.Page, nil
}

// DecodeTeams decodes a GET /v1/teams body.
func DecodeTeams(body []byte) ([]Team, *Page, error) { return decodeData[[]Team]("teams", body) }

// DecodeTeamDetails decodes a GET /v1/teams/{id} body.
func DecodeTeamDetails(body []byte) (*TeamDetails, error) {
	return decodeOne[TeamDetails]("team details", body)
}

// DecodeTeamTrainingSessions decodes a team training session list page.
func DecodeTeamTrainingSessions(body []byte) ([]TeamTrainingSession, *Page, error) {
	return decodeData[[]TeamTrainingSession]("team training sessions", body)
}

// DecodeTeamTrainingSessionDetails decodes a team training session.
func DecodeTeamTrainingSessionDetails(body []byte) (*TeamTrainingSessionDetails, error) {
	return decodeOne[TeamTrainingSessionDetails]("team training session", body)
}

// DecodePlayerTrainingSessions decodes a player training session list page.
func DecodePlayerTrainingSessions(body []byte) ([]PlayerTrainingSession, *Page, error) {
	return decodeData[[]PlayerTrainingSession]("player training sessions", body)
}

// DecodePlayerTrainingSessionDetails decodes a player training session;
// samples values and RR intervals stay raw. Those two, megabytes at
// 10 Hz, are cut out by a byte scan before encoding/json sees the rest.
func DecodePlayerTrainingSessionDetails(body []byte) (*PlayerTrainingSessionDetails, error) {
	rest, values, rr, ok := cutBulk(body)
	if !ok {
		return decodeOne[PlayerTrainingSessionDetails]("player training session", body)
	}
	d, err := decodeOne[PlayerTrainingSessionDetails]("player training session", rest)
	if err != nil {
		return nil, err
	}
	if values != nil && d.Samples != nil {
		d.Samples.Values = values
	}
	if rr != nil {
		d.RRIntervals = rr
	}
	return d, nil
}

// cutBulk finds data.samples.values and data.rr_intervals in a details
// body and returns the body with both replaced by null, and their raw
// values. ok is false if the body is not shaped as expected; the caller
// then decodes it whole.
func cutBulk(body []byte) (rest, values, rr []byte, ok bool) {
	var spans [][2]int
	sc := scanner{b: body}
	okData := objectKeys(&sc, func(key []byte, sc *scanner) bool {
		if string(key) != "data" {
			return sc.skipValue() == nil
		}
		return objectKeys(sc, func(key []byte, sc *scanner) bool {
			switch string(key) {
			case "rr_intervals":
				start := sc.i
				if sc.skipValue() != nil {
					return false
				}
				rr = body[start:sc.i]
				spans = append(spans, [2]int{start, sc.i})
				return true
			case "samples":
				if sc.peek() != '{' {
					return sc.skipValue() == nil
				}
				return objectKeys(sc, func(key []byte, sc *scanner) bool {
					start := sc.i
					if sc.skipValue() != nil {
						return false
					}
					if string(key) == "values" {
						values = body[start:sc.i]
						spans = append(spans, [2]int{start, sc.i})
					}
					return true
				})
			}
			return sc.skipValue() == nil
		})
	})
	if !okData || len(spans) == 0 {
		return nil, nil, nil, false
	}
	rest = make([]byte, 0, 4096)
	prev := 0
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	for _, sp := range spans {
		rest = append(rest, body[prev:sp[0]]...)
		rest = append(rest, "null"...)
		prev = sp[1]
	}
	rest = append(rest, body[prev:]...)
	return rest, values, rr, true
}

// objectKeys walks the object at sc, calling fn with the scanner at each
// value; fn must consume it.
func objectKeys(sc *scanner, fn func(key []byte, sc *scanner) bool) bool {
	sc.ws()
	if !sc.consume('{') {
		return false
	}
	sc.ws()
	if sc.consume('}') {
		return true
	}
	for {
		sc.ws()
		if sc.peek() != '"' {
			return false
		}
		key, err := sc.str()
		if err != nil {
			return false
		}
		sc.ws()
		if !sc.consume(':') {
			return false
		}
		sc.ws()
		if !fn(key, sc) {
			return false
		}
		sc.ws()
		if sc.consume(',') {
			continue
		}
		return sc.consume('}')
	}
}

// DecodeSessionSummary decodes a session_summary body.
func DecodeSessionSummary(body []byte) (*SessionSummary, error) {
	return decodeOne[SessionSummary]("session summary", body)
}

func decodeOne[T any](what string, body []byte) (*T, error) {
	v, _, err := decodeData[*T](what, body)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("teampro: %s: no data: %w", what, ErrInvalidPayload)
	}
	return v, nil
}
