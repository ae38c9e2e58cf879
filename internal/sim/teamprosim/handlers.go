package teamprosim

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

type teamJSON struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Organisation string       `json:"organisation"`
	Created      string       `json:"created"`
	Modified     string       `json:"modified"`
	Players      []playerJSON `json:"players,omitempty"`
}

type playerJSON struct {
	PlayerID     string `json:"player_id"`
	PlayerNumber int    `json:"player_number"`
	Role         string `json:"role"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
}

func (t *team) json(withPlayers bool) teamJSON {
	j := teamJSON{ID: t.id, Name: t.name, Organisation: t.org, Created: utcString(t.created), Modified: utcString(t.modified)}
	if withPlayers {
		j.Players = []playerJSON{}
		for _, p := range t.players {
			j.Players = append(j.Players, playerJSON{p.id, p.number, p.role, p.first, p.last})
		}
	}
	return j
}

func (s *Simulator) handleTeams(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	all := make([]teamJSON, 0, len(s.teams))
	for _, t := range s.teams {
		all = append(all, t.json(false))
	}
	s.mu.Unlock()
	lo, hi, pi, ok := paginate(w, r, len(all))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, listResponse{Data: all[lo:hi], Page: pi})
}

func (s *Simulator) handleTeam(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	t := s.teamByID[r.PathValue("team_id")]
	var j teamJSON
	if t != nil {
		j = t.json(true)
	}
	s.mu.Unlock()
	if t == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "team not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": j})
}

type teamSessionJSON struct {
	ID              string          `json:"id"`
	TeamID          string          `json:"team_id"`
	Name            string          `json:"name"`
	Type            string          `json:"type"`
	Note            string          `json:"note"`
	Created         string          `json:"created"`
	Modified        string          `json:"modified"`
	RecordStartTime string          `json:"record_start_time"`
	RecordEndTime   string          `json:"record_end_time"`
	StartTime       string          `json:"start_time"`
	EndTime         string          `json:"end_time"`
	Latitude        float64         `json:"latitude"`
	Longitude       float64         `json:"longitude"`
	Sport           string          `json:"sport"`
	Arena           string          `json:"arena,omitempty"`
	Participants    []participantJS `json:"participants,omitempty"`
	Markers         []markerJSON    `json:"markers,omitempty"`
}

type participantJS struct {
	PlayerID        string `json:"player_id"`
	PlayerNumber    int    `json:"player_number"`
	Role            string `json:"role"`
	PlayerSessionID string `json:"player_session_id"`
}

type markerJSON struct {
	StartTime  string `json:"start_time"`
	EndTime    string `json:"end_time"`
	MarkerType string `json:"marker_type"`
	Name       string `json:"name"`
	Note       string `json:"note"`
}

const markerLayout = "2006-01-02T15:04:05.000Z"

func (s *Simulator) sessionJSON(ts *teamSession, details bool) teamSessionJSON {
	j := teamSessionJSON{
		ID: ts.id, TeamID: ts.teamID, Name: ts.name, Type: ts.typ, Note: ts.note,
		Created: utcString(ts.created), Modified: utcString(ts.modified),
		RecordStartTime: localString(ts.recStart, ts.offsetMin), RecordEndTime: localString(ts.recEnd, ts.offsetMin),
		StartTime: localString(ts.start, ts.offsetMin), EndTime: localString(ts.end, ts.offsetMin),
		Latitude: ts.lat, Longitude: ts.lon, Sport: ts.sport,
	}
	if !details {
		return j
	}
	j.Arena = ts.arena
	j.Participants = []participantJS{}
	for _, ps := range ts.parts {
		p := s.playerByID[ps.playerID]
		j.Participants = append(j.Participants, participantJS{p.id, p.number, p.role, ps.id})
	}
	j.Markers = []markerJSON{}
	for _, m := range ts.markers {
		j.Markers = append(j.Markers, markerJSON{m.start.UTC().Format(markerLayout), m.end.UTC().Format(markerLayout), m.typ, m.name, m.note})
	}
	return j
}

// sinceUntil reads the since/until filter; ok is false after a 400.
func sinceUntil(w http.ResponseWriter, r *http.Request) (since, until time.Time, hasSince, hasUntil, ok bool) {
	var err error
	if since, hasSince, err = parseTimeParam(r.URL.Query().Get("since")); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "since is not a date-time")
		return
	}
	if until, hasUntil, err = parseTimeParam(r.URL.Query().Get("until")); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "until is not a date-time")
		return
	}
	return since, until, hasSince, hasUntil, true
}

func inWindow(wall, since, until time.Time, hasSince, hasUntil bool) bool {
	return (!hasSince || wall.After(since)) && (!hasUntil || wall.Before(until))
}

func (s *Simulator) handleTeamSessions(w http.ResponseWriter, r *http.Request, _ string) {
	since, until, hs, hu, ok := sinceUntil(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	t := s.teamByID[r.PathValue("team_id")]
	var all []teamSessionJSON
	if t != nil {
		var list []*teamSession
		for _, ts := range s.sessions {
			if ts.teamID == t.id && inWindow(localWall(ts.recStart, ts.offsetMin), since, until, hs, hu) {
				list = append(list, ts)
			}
		}
		slices.SortStableFunc(list, func(a, b *teamSession) int { return a.recStart.Compare(b.recStart) })
		all = make([]teamSessionJSON, 0, len(list))
		for _, ts := range list {
			all = append(all, s.sessionJSON(ts, false))
		}
	}
	s.mu.Unlock()
	if t == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "team not found")
		return
	}
	lo, hi, pi, ok := paginate(w, r, len(all))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, listResponse{Data: all[lo:hi], Page: pi})
}

func (s *Simulator) handleTeamSession(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	ts := s.sessByID[r.PathValue("id")]
	var j teamSessionJSON
	if ts != nil {
		j = s.sessionJSON(ts, true)
	}
	s.mu.Unlock()
	if ts == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "training session not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": j})
}

type playerSessionJSON struct {
	ID             string  `json:"id"`
	Type           string  `json:"type"`
	Created        string  `json:"created"`
	Modified       string  `json:"modified"`
	Sport          string  `json:"sport,omitempty"`
	Name           string  `json:"name"`
	Feeling        string  `json:"feeling"`
	Note           string  `json:"note"`
	Latitude       float64 `json:"latitude"`
	Longitude      float64 `json:"longitude"`
	StartTime      string  `json:"start_time"`
	StopTime       string  `json:"stop_time"`
	DurationMS     int64   `json:"duration_ms"`
	TimezoneOffset *int    `json:"timezone_offset,omitempty"`
}

func (ps *playerSession) json(list bool) playerSessionJSON {
	j := playerSessionJSON{
		ID: ps.id, Type: ps.typ, Created: utcString(ps.created), Modified: utcString(ps.modified),
		Sport: ps.sport, Name: ps.name, Feeling: ps.feeling, Note: ps.note, Latitude: ps.lat, Longitude: ps.lon,
		StartTime: localString(ps.start, ps.offsetMin), StopTime: localString(ps.start.Add(ps.dur), ps.offsetMin),
		DurationMS: ps.dur.Milliseconds(),
	}
	if list {
		off := ps.offsetMin
		j.TimezoneOffset = &off // only the listing carries it
	}
	return j
}

func (s *Simulator) handlePlayerSessions(w http.ResponseWriter, r *http.Request, _ string) {
	since, until, hs, hu, ok := sinceUntil(w, r)
	if !ok {
		return
	}
	typ := strings.ToUpper(r.URL.Query().Get("type"))
	if typ != "" && typ != "ALL" && typ != "TEAM" && typ != "INDIVIDUAL" {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "type must be ALL, TEAM or INDIVIDUAL")
		return
	}
	s.mu.Lock()
	p := s.playerByID[r.PathValue("player_id")]
	var all []playerSessionJSON
	if p != nil {
		var list []*playerSession
		for _, ps := range s.psByID {
			if ps.playerID != p.id || (typ == "TEAM" || typ == "INDIVIDUAL") && ps.typ != typ {
				continue
			}
			if inWindow(localWall(ps.start, ps.offsetMin), since, until, hs, hu) {
				list = append(list, ps)
			}
		}
		slices.SortFunc(list, func(a, b *playerSession) int {
			if c := a.start.Compare(b.start); c != 0 {
				return c
			}
			return strings.Compare(a.id, b.id)
		})
		all = make([]playerSessionJSON, 0, len(list))
		for _, ps := range list {
			all = append(all, ps.json(true))
		}
	}
	s.mu.Unlock()
	if p == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "player not found")
		return
	}
	lo, hi, pi, ok := paginate(w, r, len(all))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, listResponse{Data: all[lo:hi], Page: pi})
}

type playerDetailsJSON struct {
	playerSessionJSON
	Calories       float64          `json:"calories"`
	DistanceMeters float64          `json:"distance_meters"`
	TrainingLoad   float64          `json:"training_load"`
	CardioLoad     float64          `json:"cardio_load"`
	MuscleLoad     float64          `json:"muscle_load"`
	RecoveryTimeMS int64            `json:"recovery_time_ms"`
	FatPercentage  int              `json:"fat_percentage"`
	HeartRateMax   int              `json:"heart_rate_max"`
	HeartRateAvg   int              `json:"heart_rate_avg"`
	RunningIndex   int              `json:"running_index"`
	Ascent         float64          `json:"ascent"`
	Descent        float64          `json:"descent"`
	SprintCounter  int              `json:"sprint_counter"`
	Product        string           `json:"product"`
	Samples        *json.RawMessage `json:"samples,omitempty"`
	RRIntervals    *json.RawMessage `json:"rr_intervals,omitempty"`
}

// sampleFields resolves the samples parameter; ok is false after a 400.
func sampleFields(w http.ResponseWriter, v string) (fields []string, rr bool, ok bool) {
	if v == "" {
		return nil, false, true
	}
	if v == "all" {
		return allFields, true, true
	}
	want := map[string]bool{}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "rr" {
			rr = true
			continue
		}
		fs, known := requestable[name]
		if !known {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "unknown sample type "+name)
			return nil, false, false
		}
		for _, f := range fs {
			want[f] = true
		}
	}
	fields = []string{"time"}
	for _, f := range allFields[1:] {
		if want[f] {
			fields = append(fields, f)
		}
	}
	if len(fields) == 1 {
		fields = nil
	}
	return fields, rr, true
}

func (s *Simulator) handlePlayerSession(w http.ResponseWriter, r *http.Request, _ string) {
	fields, withRR, ok := sampleFields(w, r.URL.Query().Get("samples"))
	if !ok {
		return
	}
	s.mu.Lock()
	ps := s.psByID[r.PathValue("id")]
	var cp playerSession
	var p *player
	if ps != nil {
		cp = *ps
		if pl := s.playerByID[ps.playerID]; pl != nil {
			pc := *pl
			p = &pc
		}
	}
	s.mu.Unlock()
	if ps == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "training session not found")
		return
	}
	var rows []byte
	if fields != nil {
		rows = make([]byte, 0, int(cp.dur/time.Second)*s.cfg.sampleHz*70)
		fj, _ := json.Marshal(fields)
		rows = append(rows, `{"fields":`...)
		rows = append(rows, fj...)
		rows = append(rows, `,"values":[`...)
	}
	st := newStats(0, cp.dur)
	dt := 1 / float64(s.cfg.sampleHz)
	every := s.cfg.extraValueEvery
	s.walk(&cp, p, func(i int, smp *sample) {
		st.add(smp, p, dt)
		if fields != nil {
			if i > 0 {
				rows = append(rows, ',')
			}
			rows = appendRow(rows, smp, fields, every > 0 && i%every == every-1)
		}
	})
	d := playerDetailsJSON{playerSessionJSON: cp.json(false), Product: "Polar Pro"}
	s.fillTotals(&d, st, p, cp.dur)
	if fields != nil {
		rows = append(rows, "]}"...)
		raw := json.RawMessage(rows)
		d.Samples = &raw
	}
	if withRR {
		raw := json.RawMessage(rrIntervals(&cp, st.hrPerSecond))
		d.RRIntervals = &raw
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": d})
}

func (s *Simulator) fillTotals(d *playerDetailsJSON, st *stats, p *player, dur time.Duration) {
	mins := dur.Minutes()
	hrAvg := st.hrSum / math.Max(1, st.hrN)
	d.Calories = math.Round(mins * (4 + hrAvg/25))
	d.DistanceMeters = math.Round(st.dist1 - st.dist0)
	d.HeartRateMax = int(st.hrMax)
	d.HeartRateAvg = int(math.Round(hrAvg))
	d.TrainingLoad = math.Round(mins * hrAvg / 120)
	d.CardioLoad = round1(mins * hrAvg / 400)
	d.MuscleLoad = round1(st.powerSum / 1000)
	d.RecoveryTimeMS = int64(d.TrainingLoad) * 3600 * 1000 / 4
	d.FatPercentage = 28
	d.RunningIndex = 40 + int(d.DistanceMeters)%20
	d.Ascent, d.Descent = 0, 0
	d.SprintCounter = st.sprints
}

// rrIntervals derives beat-to-beat intervals (ms) from the heart rate,
// with an occasional null where a beat was missed.
func rrIntervals(ps *playerSession, hrPerSecond []float64) []byte {
	b := []byte{'['}
	var t float64 // ms
	limit := float64(ps.dur.Milliseconds())
	for i := 0; t < limit && len(hrPerSecond) > 0; i++ {
		hr := hrPerSecond[min(int(t/1000), len(hrPerSecond)-1)]
		rr := math.Round(60000 / math.Max(hr, 30) * (1 + 0.03*math.Sin(float64(i)*1.7)))
		t += rr
		if i > 0 {
			b = append(b, ',')
		}
		if (ps.seed>>8+uint64(i))%97 == 0 {
			b = append(b, "null"...)
			continue
		}
		b = append(b, []byte(javaInt(rr))...)
	}
	return append(b, ']')
}

func javaInt(v float64) string { return string(appendInt(nil, int64(v))) }

type zoneJSON struct {
	Index       int     `json:"index"`
	LowerLimit  float64 `json:"lower_limit"`
	HigherLimit float64 `json:"higher_limit"`
	InZone      string  `json:"in_zone,omitempty"`
	InZoneM     *int    `json:"in_zone_meters,omitempty"`
	MuscleLoad  *int    `json:"in_zone_muscle_load,omitempty"`
}

type accZoneJSON struct {
	Limit   float64 `json:"limit"`
	Counter int     `json:"counter"`
}

type summaryJSON struct {
	PlayerSessionID     string        `json:"player_session_id"`
	Created             string        `json:"created"`
	Modified            string        `json:"modified"`
	TrimmedStartTime    string        `json:"trimmed_start_time"`
	DurationMS          int64         `json:"duration_ms"`
	DistanceMeters      float64       `json:"distance_meters"`
	KiloCalories        float64       `json:"kilo_calories"`
	HeartRateMax        int           `json:"heart_rate_max"`
	HeartRateAvg        int           `json:"heart_rate_avg"`
	HeartRateMin        int           `json:"heart_rate_min"`
	HeartRateMaxPercent int           `json:"heart_rate_max_percent"`
	HeartRateAvgPercent int           `json:"heart_rate_avg_percent"`
	HeartRateMinPercent int           `json:"heart_rate_min_percent"`
	SprintCounter       int           `json:"sprint_counter"`
	SpeedAvgKMH         float64       `json:"speed_avg_kmh"` // documented integer, sent with decimals
	SpeedMaxKMH         float64       `json:"speed_max_kmh"`
	CadenceAvg          int           `json:"cadence_avg"`
	CadenceMax          int           `json:"cadence_max"`
	TrainingLoad        float64       `json:"training_load"`
	CardioLoad          float64       `json:"cardio_load"`
	MuscleLoad          float64       `json:"muscle_load"`
	HeartRateZones      []zoneJSON    `json:"heart_rate_zones"`
	SpeedZones          []zoneJSON    `json:"speed_zones_kmh"`
	AccelerationZones   []accZoneJSON `json:"acceleration_zones_ms2"`
	PowerZones          []zoneJSON    `json:"power_zones"`
}

func (s *Simulator) handleSummary(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	ps := s.psByID[r.PathValue("id")]
	var cp playerSession
	var ts teamSession
	var p *player
	if ps != nil && ps.team != nil {
		cp, ts = *ps, *ps.team
		if pl := s.playerByID[ps.playerID]; pl != nil {
			pc := *pl
			p = &pc
		}
	}
	s.mu.Unlock()
	if ps == nil || ps.team == nil { // individual sessions have no team summary
		writeError(w, http.StatusNotFound, "NOT_FOUND", "team training session not found")
		return
	}
	lo, hi := ts.start.Sub(cp.start), ts.end.Sub(cp.start)
	st := newStats(lo, hi)
	dt := 1 / float64(s.cfg.sampleHz)
	s.walk(&cp, p, func(_ int, smp *sample) { st.add(smp, p, dt) })
	var d playerDetailsJSON
	s.fillTotals(&d, st, p, hi-lo)
	hrMaxP := 190.0
	if p != nil {
		hrMaxP = p.hrMax
	}
	pct := func(v float64) int { return int(math.Round(v / hrMaxP * 100)) }
	hrAvg := st.hrSum / math.Max(1, st.hrN)
	sum := summaryJSON{
		PlayerSessionID: cp.id, Created: utcString(cp.created), Modified: utcString(maxTime(cp.modified, ts.modified)),
		TrimmedStartTime: localString(ts.start, ts.offsetMin), DurationMS: (hi - lo).Milliseconds(),
		DistanceMeters: d.DistanceMeters, KiloCalories: d.Calories,
		HeartRateMax: int(st.hrMax), HeartRateAvg: int(math.Round(hrAvg)), HeartRateMin: int(st.hrMin),
		HeartRateMaxPercent: pct(st.hrMax), HeartRateAvgPercent: pct(hrAvg), HeartRateMinPercent: pct(st.hrMin),
		SprintCounter: st.sprints,
		SpeedAvgKMH:   round1(st.speedSum / math.Max(1, st.speedN)), SpeedMaxKMH: round1(st.speedMax),
		CadenceAvg: int(math.Round(st.cadSum / math.Max(1, st.cadN))), CadenceMax: int(st.cadMax),
		TrainingLoad: d.TrainingLoad, CardioLoad: d.CardioLoad, MuscleLoad: d.MuscleLoad,
	}
	for z := range 5 {
		sum.HeartRateZones = append(sum.HeartRateZones, zoneJSON{Index: z + 1,
			LowerLimit: math.Round(hrMaxP * float64(50+10*z) / 100), HigherLimit: math.Round(hrMaxP * float64(60+10*z) / 100),
			InZone: javaDuration(time.Duration(st.hrZoneRows[z]) * time.Second)})
		m := int(math.Round(st.speedZoneM[z]))
		sum.SpeedZones = append(sum.SpeedZones, zoneJSON{Index: z + 1, LowerLimit: speedLimits[z], HigherLimit: speedLimits[z+1], InZoneM: &m})
		load := st.powerZoneRows[z] * (z + 1) / 10
		sum.PowerZones = append(sum.PowerZones, zoneJSON{Index: z + 1, LowerLimit: powerLimits[z], HigherLimit: powerLimits[z+1],
			InZone: javaDuration(time.Duration(st.powerZoneRows[z]) * time.Second), MuscleLoad: &load})
	}
	for k, l := range accLimits {
		sum.AccelerationZones = append(sum.AccelerationZones, accZoneJSON{Limit: l, Counter: st.accCount[k]})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": sum})
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
