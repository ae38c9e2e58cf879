package teampro

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
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

	// Implausible lists the values dropped as outside their range.
	Implausible []plausible.Warning
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
// team, optional, adds player names. now is the clock's now.
//
// A missing id or record start is an error. So are an id or team id that
// cannot be part of a record key and session times that cannot be right
// (before plausible.Earliest, more than plausible.MaxAhead after now, an
// end before its start): those wrap plausible.ErrImpossible. Other bad
// fields are warnings; implausible values are dropped into
// ts.Implausible.
func NormalizeTeamSession(d *TeamTrainingSessionDetails, team *TeamDetails, offsetMinutes *int, now time.Time) (*TeamSession, []Warning, error) {
	if d == nil || d.ID == "" {
		return nil, nil, fmt.Errorf("teampro: team session without id: %w", ErrInvalidPayload)
	}
	if err := errors.Join(plausible.CheckID("team session id", d.ID), plausible.CheckID("team id", d.TeamID)); err != nil {
		return nil, nil, fmt.Errorf("teampro: team session: %w: %w", err, ErrInvalidPayload)
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
	}
	if err := checkSpans(now, span{"record", ts.RecordStart, ts.RecordEnd}, span{"session", ts.Start, ts.End}); err != nil {
		return nil, nil, fmt.Errorf("teampro: team session %s: %w: %w", d.ID, err, ErrInvalidTime)
	}
	c := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION, pluginapi.TeamSessionKey(d.TeamID, d.ID))
	ts.Latitude, ts.Longitude = position(c, d.Latitude, d.Longitude)
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
		sp := SessionParticipant{PlayerID: p.PlayerID, PlayerNumber: playerNumber(c, "participants.player_number", p.PlayerNumber),
			Role: p.Role, PlayerSessionID: p.PlayerSessionID}
		if pl, ok := names[p.PlayerID]; ok {
			sp.FirstName, sp.LastName = pl.FirstName, pl.LastName
		}
		ts.Participants = append(ts.Participants, sp)
	}
	ts.Implausible = c.Warnings()
	return ts, w, nil
}

// span is a start and an end, either zero when unknown.
type span struct {
	what       string
	start, end time.Time
}

// checkSpans checks the known instants of spans against now and each end
// against its start.
func checkSpans(now time.Time, spans ...span) error {
	var errs []error
	for _, s := range spans {
		for _, t := range []struct {
			what string
			at   time.Time
		}{{s.what + " start", s.start}, {s.what + " end", s.end}} {
			if !t.at.IsZero() {
				errs = append(errs, plausible.CheckTime(t.what, t.at, now))
			}
		}
		if !s.start.IsZero() && !s.end.IsZero() {
			errs = append(errs, plausible.CheckSpan(s.what, s.start, s.end))
		}
	}
	return errors.Join(errs...)
}

// position returns the latitude and longitude if both are plausible.
func position(c *plausible.Checker, lat, lon *float64) (*float64, *float64) {
	if lat == nil || lon == nil {
		return lat, lon
	}
	// Both are counted; one without the other is no position.
	okLat, okLon := c.Keep("latitude", *lat, plausible.Latitude), c.Keep("longitude", *lon, plausible.Longitude)
	if !okLat || !okLon {
		return nil, nil
	}
	return lat, lon
}

// playerNumber returns n if it is a plausible jersey number, else 0.
func playerNumber(c *plausible.Checker, field string, n int64) int {
	if !c.Keep(field, float64(n), plausible.PlayerNumber) {
		return 0
	}
	return int(n)
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

	// Implausible lists the values dropped as outside their range.
	Implausible []plausible.Warning
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
	// Now is the clock's now (required): a session that starts more than
	// plausible.MaxAhead after it is rejected.
	Now time.Time
}

// NormalizePlayerSession normalizes a player session with its samples.
// Malformed sample rows and odd values are warnings; the rest of the
// session is kept. Values outside their plausible range are dropped
// (samples leave gaps, RR intervals read as missing) into ps.Implausible.
// An id that cannot be part of a record key, or times that cannot be
// right (see NormalizeTeamSession; the summary's trimmed start too, as it
// becomes the record's start) are an error wrapping
// plausible.ErrImpossible.
func NormalizePlayerSession(in PlayerSessionInput) (*PlayerSession, []Warning, error) {
	if in.Now.IsZero() {
		return nil, nil, fmt.Errorf("teampro: normalize player session: no clock: %w", ErrInvalidArgument)
	}
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
	teamID := recordTeamID(in)
	if err := plausible.CheckID("player session id", d.ID); err != nil {
		return nil, nil, fmt.Errorf("teampro: player session: %w: %w", err, ErrInvalidPayload)
	}
	if teamID != "" {
		if err := plausible.CheckID("team id", teamID); err != nil {
			return nil, nil, fmt.Errorf("teampro: player session %s: %w: %w", d.ID, err, ErrInvalidPayload)
		}
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
	stop := w.local("stop_time", d.StopTime, off)
	err = checkSpans(in.Now, span{"session", start, stop})
	if d.DurationMS < 0 { // it ends before it starts, too
		err = errors.Join(err, plausible.CheckSpan("session", start, start.Add(ms(d.DurationMS))))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("teampro: player session %s: %w: %w", d.ID, err, ErrInvalidTime)
	}
	c := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION, pluginapi.PlayerSessionKey(teamID, d.ID))
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
		Stop:             stop,
		UTCOffsetMinutes: off,
		OffsetKnown:      known,
		Duration:         seconds(c, "duration_seconds", d.DurationMS, plausible.Duration),
		Calories:         c.Float("calories", d.Calories, plausible.Calories),
		DistanceMeters:   c.Float("distance_meters", d.DistanceMeters, plausible.Distance),
		TrainingLoad:     c.Float("training_load", d.TrainingLoad, plausible.Load),
		CardioLoad:       c.Float("cardio_load", d.CardioLoad, plausible.Load),
		MuscleLoad:       c.Float("muscle_load", d.MuscleLoad, plausible.Load),
		RecoveryTime:     seconds(c, "recovery_time_seconds", d.RecoveryTimeMS, plausible.RecoveryTime),
		FatPercentage:    c.Float("fat_percentage", d.FatPercentage, plausible.Percent),
		HeartRateAvg:     c.Float("heart_rate_avg", d.HeartRateAvg, plausible.HeartRate),
		HeartRateMax:     c.Float("heart_rate_max", d.HeartRateMax, plausible.HeartRate),
		RunningIndex:     c.Float("running_index", d.RunningIndex, plausible.RunningIndex),
		AscentMeters:     c.Float("ascent_meters", d.Ascent, plausible.Climb),
		DescentMeters:    c.Float("descent_meters", d.Descent, plausible.Climb),
		SprintCount:      c.Float("sprint_count", d.SprintCounter, plausible.Count),
	}
	ps.Latitude, ps.Longitude = position(c, d.Latitude, d.Longitude)
	if pl, ok := playerNames(in.Team)[in.PlayerID]; ok {
		ps.FirstName, ps.LastName, ps.Role = pl.FirstName, pl.LastName, pl.Role
		ps.PlayerNumber = playerNumber(c, "player_number", pl.PlayerNumber)
	}
	if ts := in.TeamSession; ts != nil {
		ps.TeamSessionID, ps.TeamID = ts.ID, ts.TeamID
		found := false
		for _, p := range ts.Participants {
			if p.PlayerSessionID == d.ID {
				found = true
				ps.PlayerNumber, ps.Role = playerNumber(c, "player_number", p.PlayerNumber), p.Role
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
	for i := range series {
		checkSeries(c, &series[i])
	}
	ps.Series = series
	w = append(w, sw...)
	rr, rw, err := ParseRRIntervals(d.RRIntervals)
	if err != nil {
		return nil, nil, fmt.Errorf("teampro: player session %s: %w", d.ID, err)
	}
	for i, v := range rr {
		// Read as missing, as a null is: added up, an absurd interval
		// would shift every later beat.
		if !c.Keep(rrField, float64(v), plausible.RRInterval) {
			rr[i] = 0
		}
	}
	ps.RRIntervalsMS = rr
	w = append(w, rw...)

	if in.Summary != nil {
		if in.Summary.PlayerSessionID != "" && in.Summary.PlayerSessionID != d.ID {
			return nil, nil, fmt.Errorf("teampro: summary of session %s given for session %s: %w", in.Summary.PlayerSessionID, d.ID, ErrInvalidArgument)
		}
		ps.Summary = normalizeSummary(&w, c, in.Summary, off)
		if err := checkSpans(in.Now, span{"summary", ps.Summary.Start, time.Time{}}); err != nil {
			return nil, nil, fmt.Errorf("teampro: player session %s: %w: %w", d.ID, err, ErrInvalidTime)
		}
	}
	ps.Implausible = c.Warnings()
	return ps, w, nil
}

// recordTeamID is the team a player session's record is keyed by, as
// teamsync builds it: the team session's, else the roster's.
func recordTeamID(in PlayerSessionInput) string {
	if in.TeamSession != nil && in.TeamSession.TeamID != "" {
		return in.TeamSession.TeamID
	}
	if in.Team != nil {
		return in.Team.ID
	}
	return ""
}

// seconds checks a duration Polar gives in milliseconds against r (in
// seconds).
func seconds(c *plausible.Checker, field string, msValue float64, r plausible.Range) time.Duration {
	return ms(c.Float(field, msValue/1000, r) * 1000)
}

// rrField names RR intervals in warnings, as for AccessLink.
var rrField = plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL)

// sampleRanges are the ranges of Team Pro's sample fields, in Polar's
// units (speed in km/h), and their names in warnings: those of the
// record's series.
var sampleRanges = map[string]struct {
	field string
	r     plausible.Range
}{
	"hr":                   {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE), plausible.HeartRate},
	"speed":                {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_SPEED), plausible.SpeedKMH},
	"distance":             {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_DISTANCE), plausible.Distance},
	"cadence":              {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_CADENCE), plausible.Cadence},
	"lat":                  {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_LATITUDE), plausible.Latitude},
	"lon":                  {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE), plausible.Longitude},
	"altitude":             {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE), plausible.Altitude},
	"forward_acceleration": {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION), plausible.Acceleration},
	"power":                {plausible.SampleField(pluginapi.SampleType_SAMPLE_TYPE_POWER), plausible.Power},
}

// checkSeries drops the values of s outside its field's range, leaving
// gaps; fields without a range are kept as they are.
func checkSeries(c *plausible.Checker, s *Series) {
	sr, ok := sampleRanges[strings.ToLower(s.Field)]
	if !ok {
		return
	}
	n := 0
	for i, v := range s.Values {
		if c.Keep(sr.field, v, sr.r) {
			s.Values[n], s.OffsetsMS[n] = v, s.OffsetsMS[i]
			n++
		}
	}
	s.Values, s.OffsetsMS = s.Values[:n], s.OffsetsMS[:n]
}

func normalizeSummary(w *warnings, c *plausible.Checker, s *SessionSummary, off int) *SessionValues {
	f := func(field string, v float64, r plausible.Range) float64 { return c.Float("summary."+field, v, r) }
	v := &SessionValues{
		Created:             w.instant("summary.created", s.Created, time.UTC),
		Modified:            w.instant("summary.modified", s.Modified, time.UTC),
		Start:               w.local("summary.trimmed_start_time", s.TrimmedStartTime, off),
		Duration:            seconds(c, "summary.duration_seconds", s.DurationMS, plausible.Duration),
		DistanceMeters:      f("distance_meters", s.DistanceMeters, plausible.Distance),
		KiloCalories:        f("calories", s.KiloCalories, plausible.Calories),
		HeartRateMin:        f("heart_rate_min", s.HeartRateMin, plausible.HeartRate),
		HeartRateAvg:        f("heart_rate_avg", s.HeartRateAvg, plausible.HeartRate),
		HeartRateMax:        f("heart_rate_max", s.HeartRateMax, plausible.HeartRate),
		HeartRateMinPercent: f("heart_rate_min_percent", s.HeartRateMinPercent, plausible.HeartRatePercent),
		HeartRateAvgPercent: f("heart_rate_avg_percent", s.HeartRateAvgPercent, plausible.HeartRatePercent),
		HeartRateMaxPercent: f("heart_rate_max_percent", s.HeartRateMaxPercent, plausible.HeartRatePercent),
		SprintCount:         f("sprint_count", s.SprintCounter, plausible.Count),
		SpeedAvgKMH:         f("speed_avg_kmh", s.SpeedAvgKMH, plausible.SpeedKMH),
		SpeedMaxKMH:         f("speed_max_kmh", s.SpeedMaxKMH, plausible.SpeedKMH),
		CadenceAvg:          f("cadence_avg", s.CadenceAvg, plausible.Cadence),
		CadenceMax:          f("cadence_max", s.CadenceMax, plausible.Cadence),
		TrainingLoad:        f("training_load", s.TrainingLoad, plausible.Load),
		CardioLoad:          f("cardio_load", s.CardioLoad, plausible.Load),
		MuscleLoad:          f("muscle_load", s.MuscleLoad, plausible.Load),
	}
	// A zone's index is its identity: a zone with an implausible one is
	// dropped.
	index := func(field string, i int64) (int, bool) {
		return int(i), c.Keep("summary."+field, float64(i), plausible.ZoneIndex)
	}
	for i, z := range s.HeartRateZones {
		idx, ok := index("heart_rate_zones.index", z.Index)
		if !ok {
			continue
		}
		v.HeartRateZones = append(v.HeartRateZones, Zone{Index: idx,
			Lower:  f("heart_rate_zones.lower_bpm", z.LowerLimit, plausible.HeartRate),
			Upper:  f("heart_rate_zones.upper_bpm", z.HigherLimit, plausible.HeartRate),
			InZone: zoneTime(w, c, fmt.Sprintf("heart_rate_zones[%d].in_zone", i), "summary.heart_rate_zones.seconds", z.InZone)})
	}
	for _, z := range s.SpeedZonesKMH {
		idx, ok := index("speed_zones.index", z.Index)
		if !ok {
			continue
		}
		v.SpeedZones = append(v.SpeedZones, Zone{Index: idx,
			Lower:        f("speed_zones.lower_kmh", z.LowerLimit, plausible.SpeedKMH),
			Upper:        f("speed_zones.upper_kmh", z.HigherLimit, plausible.SpeedKMH),
			InZoneMeters: f("speed_zones.meters", z.InZoneMeters, plausible.Distance)})
	}
	for _, z := range s.AccelerationZonesMS2 {
		v.AccelerationZones = append(v.AccelerationZones, AccelerationCount{
			LimitMS2: f("acceleration_zones.limit_ms2", z.Limit, plausible.Acceleration),
			Count:    f("acceleration_zones.count", z.Counter, plausible.Count)})
	}
	for i, z := range s.PowerZones {
		idx, ok := index("power_zones.index", z.Index)
		if !ok {
			continue
		}
		v.PowerZones = append(v.PowerZones, Zone{Index: idx,
			Lower:            f("power_zones.lower_w", z.LowerLimit, plausible.Power),
			Upper:            f("power_zones.upper_w", z.HigherLimit, plausible.Power),
			InZone:           zoneTime(w, c, fmt.Sprintf("power_zones[%d].in_zone", i), "summary.power_zones.seconds", z.InZone),
			InZoneMuscleLoad: f("power_zones.muscle_load", z.InZoneMuscleLoad, plausible.Load)})
	}
	return v
}

// zoneTime parses a zone's ISO 8601 time in zone and checks it.
func zoneTime(w *warnings, c *plausible.Checker, where, field, s string) time.Duration {
	d := w.duration(where, s)
	if !c.Keep(field, d.Seconds(), plausible.Duration) {
		return 0
	}
	return d
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
