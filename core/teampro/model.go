package teampro

import (
	"fmt"
	"strings"
	"time"
)

// TeamSession is a normalized team training session. Times are instants
// in a fixed zone with the session's UTC offset.
type TeamSession struct {
	ID     string
	TeamID string
	Name   string
	Type   string // normalized: TRAINING, MATCH, STRENGTH_AND_CONDITION, ...
	Sport  string // normalized, e.g. SOCCER
	Note   string
	Arena  string

	Created, Modified      time.Time
	RecordStart, RecordEnd time.Time
	Start, End             time.Time // the trimmed session
	UTCOffsetMinutes       int
	OffsetKnown            bool // false: local times were read as UTC

	Latitude, Longitude *float64

	Markers      []SessionMarker
	Participants []SessionParticipant
}

// SessionMarker is a phase, note or recovery marker.
type SessionMarker struct {
	Start, End time.Time
	Type       string // PHASE, NOTE, RECOVERY
	Name, Note string
}

// SessionParticipant is a player of a team session.
type SessionParticipant struct {
	PlayerID        string
	PlayerNumber    int
	Role            string
	PlayerSessionID string
	FirstName       string // from the team details, if given
	LastName        string
}

// NormalizeTeamSession normalizes team session details. offsetMinutes is
// the session's UTC offset, which the team endpoints do not carry (see
// Client.TeamSessionOffset); nil reads local times as UTC with a warning.
// team, optional, adds player names. Missing id or record start is an
// error; other bad fields are warnings.
func NormalizeTeamSession(d *TeamTrainingSessionDetails, team *TeamDetails, offsetMinutes *int) (*TeamSession, []Warning, error) {
	if d == nil || d.ID == "" {
		return nil, nil, fmt.Errorf("teampro: team session without id: %w", ErrInvalidPayload)
	}
	var w warnings
	off, known := zoneFor(&w, offsetMinutes)
	recStart, err := ParseLocalTime(d.RecordStartTime, off)
	if err != nil {
		return nil, nil, fmt.Errorf("teampro: team session %s record_start_time: %w", d.ID, err)
	}
	zone := recStart.Location()
	ts := &TeamSession{
		ID:               d.ID,
		TeamID:           d.TeamID,
		Name:             d.Name,
		Type:             w.enum("type", d.Type, TeamSessionTypes),
		Sport:            NormalizeEnum(d.Sport),
		Note:             d.Note,
		Arena:            d.Arena,
		Created:          w.instant("created", d.Created, time.UTC),
		Modified:         w.instant("modified", d.Modified, time.UTC),
		RecordStart:      recStart,
		RecordEnd:        w.local("record_end_time", d.RecordEndTime, off),
		Start:            w.local("start_time", d.StartTime, off),
		End:              w.local("end_time", d.EndTime, off),
		UTCOffsetMinutes: off,
		OffsetKnown:      known,
		Latitude:         d.Latitude,
		Longitude:        d.Longitude,
	}
	for i, m := range d.Markers {
		where := fmt.Sprintf("markers[%d]", i)
		mk := SessionMarker{
			Start: w.instant(where+".start_time", m.StartTime, zone),
			End:   w.instant(where+".end_time", m.EndTime, zone),
			Type:  w.enum(where+".marker_type", m.MarkerType, MarkerTypes),
			Name:  m.Name,
			Note:  m.Note,
		}
		if !mk.Start.IsZero() {
			mk.Start = mk.Start.In(zone)
		}
		if !mk.End.IsZero() {
			mk.End = mk.End.In(zone)
		}
		ts.Markers = append(ts.Markers, mk)
	}
	names := playerNames(team)
	for _, p := range d.Participants {
		sp := SessionParticipant{PlayerID: p.PlayerID, PlayerNumber: p.PlayerNumber, Role: p.Role, PlayerSessionID: p.PlayerSessionID}
		if pl, ok := names[p.PlayerID]; ok {
			sp.FirstName, sp.LastName = pl.FirstName, pl.LastName
		}
		ts.Participants = append(ts.Participants, sp)
	}
	return ts, w, nil
}

func playerNames(team *TeamDetails) map[string]Player {
	m := map[string]Player{}
	if team != nil {
		for _, p := range team.Players {
			m[p.PlayerID] = p
		}
	}
	return m
}

// PlayerSession is a normalized player training session: what the player
// recorded, its link to the team session, the values trimmed to the team
// session, and the samples on an absolute timeline.
type PlayerSession struct {
	ID            string
	Type          string // TEAM or INDIVIDUAL
	TeamSessionID string // "" for individual sessions
	TeamID        string

	PlayerID     string
	PlayerNumber int
	Role         string
	FirstName    string
	LastName     string

	Name, Sport, Feeling, Note, Product string // Sport and Feeling normalized

	Created, Modified time.Time
	Start, Stop       time.Time // sample offsets count from Start
	UTCOffsetMinutes  int
	OffsetKnown       bool
	Duration          time.Duration

	Latitude, Longitude *float64

	Calories       float64 // kcal
	DistanceMeters float64
	TrainingLoad   float64
	CardioLoad     float64
	MuscleLoad     float64
	RecoveryTime   time.Duration
	FatPercentage  float64
	HeartRateAvg   float64 // bpm
	HeartRateMax   float64
	RunningIndex   float64
	AscentMeters   float64
	DescentMeters  float64
	SprintCount    float64

	Summary *SessionValues // trimmed to the team session; nil if none

	// Series holds one column per sample field, in Polar's units
	// (distance m, hr bpm, speed as sent, lat/lon degrees, ...).
	Series []Series
	// RRIntervalsMS in order; 0 marks a missing interval.
	RRIntervalsMS []int32
}

// SessionValues are a player's values trimmed to the team session.
type SessionValues struct {
	Created, Modified   time.Time
	Start               time.Time // trimmed start
	Duration            time.Duration
	DistanceMeters      float64
	KiloCalories        float64
	HeartRateMin        float64
	HeartRateAvg        float64
	HeartRateMax        float64
	HeartRateMinPercent float64
	HeartRateAvgPercent float64
	HeartRateMaxPercent float64
	SprintCount         float64
	SpeedAvgKMH         float64
	SpeedMaxKMH         float64
	CadenceAvg          float64
	CadenceMax          float64
	TrainingLoad        float64
	CardioLoad          float64
	MuscleLoad          float64

	HeartRateZones    []Zone // bpm limits, time in zone
	SpeedZones        []Zone // km/h limits, distance in zone
	AccelerationZones []AccelerationCount
	PowerZones        []Zone // limits, time and muscle load in zone
}

// Zone is a heart-rate, speed or power zone.
type Zone struct {
	Index            int
	Lower, Upper     float64
	InZone           time.Duration // heart rate, power
	InZoneMeters     float64       // speed
	InZoneMuscleLoad float64       // power
}

// AccelerationCount counts accelerations beyond LimitMS2 (negative:
// decelerations).
type AccelerationCount struct {
	LimitMS2 float64
	Count    float64
}

// PlayerSessionInput is what NormalizePlayerSession needs.
type PlayerSessionInput struct {
	// Details is the raw JSON of GET /v1/training_sessions/{id}?samples=all.
	Details []byte
	// UTCOffsetMinutes is the session's timezone_offset from the player's
	// session listing; nil reads local times as UTC with a warning.
	UTCOffsetMinutes *int
	// PlayerID is required: the details do not name the player.
	PlayerID string
	// TeamSession, optional, is the team session the player session
	// belongs to: it gives the link, the number and the role.
	TeamSession *TeamTrainingSessionDetails
	// Summary, optional, is the session_summary of a team session.
	Summary *SessionSummary
	// Team, optional, gives the player's name (and number and role when
	// there is no team session).
	Team *TeamDetails
}

// NormalizePlayerSession normalizes a player session with its samples.
// Malformed sample rows and odd values are warnings; the rest of the
// session is kept.
func NormalizePlayerSession(in PlayerSessionInput) (*PlayerSession, []Warning, error) {
	d, err := DecodePlayerTrainingSessionDetails(in.Details)
	if err != nil {
		return nil, nil, err
	}
	if d.ID == "" {
		return nil, nil, fmt.Errorf("teampro: player session without id: %w", ErrInvalidPayload)
	}
	if in.PlayerID == "" {
		return nil, nil, fmt.Errorf("teampro: player session %s: no player id: %w", d.ID, ErrInvalidArgument)
	}
	var w warnings
	offPtr := in.UTCOffsetMinutes
	if offPtr == nil {
		offPtr = d.TimezoneOffset
	}
	off, known := zoneFor(&w, offPtr)
	start, err := ParseLocalTime(d.StartTime, off)
	if err != nil {
		return nil, nil, fmt.Errorf("teampro: player session %s start_time: %w", d.ID, err)
	}
	ps := &PlayerSession{
		ID:               d.ID,
		Type:             w.enum("type", d.Type, PlayerSessionTypes),
		PlayerID:         in.PlayerID,
		Name:             d.Name,
		Sport:            NormalizeEnum(d.Sport),
		Feeling:          w.enum("feeling", d.Feeling, Feelings),
		Note:             d.Note,
		Product:          d.Product,
		Created:          w.instant("created", d.Created, time.UTC),
		Modified:         w.instant("modified", d.Modified, time.UTC),
		Start:            start,
		Stop:             w.local("stop_time", d.StopTime, off),
		UTCOffsetMinutes: off,
		OffsetKnown:      known,
		Duration:         ms(d.DurationMS),
		Latitude:         d.Latitude,
		Longitude:        d.Longitude,
		Calories:         d.Calories,
		DistanceMeters:   d.DistanceMeters,
		TrainingLoad:     d.TrainingLoad,
		CardioLoad:       d.CardioLoad,
		MuscleLoad:       d.MuscleLoad,
		RecoveryTime:     ms(d.RecoveryTimeMS),
		FatPercentage:    d.FatPercentage,
		HeartRateAvg:     d.HeartRateAvg,
		HeartRateMax:     d.HeartRateMax,
		RunningIndex:     d.RunningIndex,
		AscentMeters:     d.Ascent,
		DescentMeters:    d.Descent,
		SprintCount:      d.SprintCounter,
	}
	if pl, ok := playerNames(in.Team)[in.PlayerID]; ok {
		ps.FirstName, ps.LastName, ps.PlayerNumber, ps.Role = pl.FirstName, pl.LastName, pl.PlayerNumber, pl.Role
	}
	if ts := in.TeamSession; ts != nil {
		ps.TeamSessionID, ps.TeamID = ts.ID, ts.TeamID
		found := false
		for _, p := range ts.Participants {
			if p.PlayerSessionID == d.ID {
				found = true
				ps.PlayerNumber, ps.Role = p.PlayerNumber, p.Role
				if p.PlayerID != in.PlayerID {
					w.add("participants", "team session %s lists session %s for player %s, not %s", ts.ID, d.ID, p.PlayerID, in.PlayerID)
				}
			}
		}
		if !found {
			w.add("participants", "team session %s does not list player session %s", ts.ID, d.ID)
		}
	}

	series, sw, err := ParseSamples(d.Samples)
	if err != nil {
		return nil, nil, fmt.Errorf("teampro: player session %s: %w", d.ID, err)
	}
	ps.Series = series
	w = append(w, sw...)
	rr, rw, err := ParseRRIntervals(d.RRIntervals)
	if err != nil {
		return nil, nil, fmt.Errorf("teampro: player session %s: %w", d.ID, err)
	}
	ps.RRIntervalsMS = rr
	w = append(w, rw...)

	if in.Summary != nil {
		if in.Summary.PlayerSessionID != "" && in.Summary.PlayerSessionID != d.ID {
			return nil, nil, fmt.Errorf("teampro: summary of session %s given for session %s: %w", in.Summary.PlayerSessionID, d.ID, ErrInvalidArgument)
		}
		ps.Summary = normalizeSummary(&w, in.Summary, off)
	}
	return ps, w, nil
}

func normalizeSummary(w *warnings, s *SessionSummary, off int) *SessionValues {
	v := &SessionValues{
		Created:             w.instant("summary.created", s.Created, time.UTC),
		Modified:            w.instant("summary.modified", s.Modified, time.UTC),
		Start:               w.local("summary.trimmed_start_time", s.TrimmedStartTime, off),
		Duration:            ms(s.DurationMS),
		DistanceMeters:      s.DistanceMeters,
		KiloCalories:        s.KiloCalories,
		HeartRateMin:        s.HeartRateMin,
		HeartRateAvg:        s.HeartRateAvg,
		HeartRateMax:        s.HeartRateMax,
		HeartRateMinPercent: s.HeartRateMinPercent,
		HeartRateAvgPercent: s.HeartRateAvgPercent,
		HeartRateMaxPercent: s.HeartRateMaxPercent,
		SprintCount:         s.SprintCounter,
		SpeedAvgKMH:         s.SpeedAvgKMH,
		SpeedMaxKMH:         s.SpeedMaxKMH,
		CadenceAvg:          s.CadenceAvg,
		CadenceMax:          s.CadenceMax,
		TrainingLoad:        s.TrainingLoad,
		CardioLoad:          s.CardioLoad,
		MuscleLoad:          s.MuscleLoad,
	}
	for i, z := range s.HeartRateZones {
		v.HeartRateZones = append(v.HeartRateZones, Zone{Index: z.Index, Lower: z.LowerLimit, Upper: z.HigherLimit,
			InZone: w.duration(fmt.Sprintf("heart_rate_zones[%d].in_zone", i), z.InZone)})
	}
	for _, z := range s.SpeedZonesKMH {
		v.SpeedZones = append(v.SpeedZones, Zone{Index: z.Index, Lower: z.LowerLimit, Upper: z.HigherLimit, InZoneMeters: z.InZoneMeters})
	}
	for _, z := range s.AccelerationZonesMS2 {
		v.AccelerationZones = append(v.AccelerationZones, AccelerationCount{LimitMS2: z.Limit, Count: z.Counter})
	}
	for i, z := range s.PowerZones {
		v.PowerZones = append(v.PowerZones, Zone{Index: z.Index, Lower: z.LowerLimit, Upper: z.HigherLimit,
			InZone:           w.duration(fmt.Sprintf("power_zones[%d].in_zone", i), z.InZone),
			InZoneMuscleLoad: z.InZoneMuscleLoad})
	}
	return v
}

// SeriesByField returns the series of field ("hr", "speed", ...), or nil.
func (p *PlayerSession) SeriesByField(field string) *Series {
	for i := range p.Series {
		if strings.EqualFold(p.Series[i].Field, field) {
			return &p.Series[i]
		}
	}
	return nil
}
