package teamprosim

import (
	"math/rand/v2"
	"time"
)

const localLayout = "2006-01-02T15:04:05"

type team struct {
	id, name, org     string
	created, modified time.Time
	offsetMin         int
	lat, lon          float64
	arena             string
	players           []*player
}

type player struct {
	id, teamID        string
	number            int
	role, first, last string
	hrRest, hrMax     float64
	topSpeed          float64 // km/h
}

type marker struct {
	start, end time.Time
	typ        string
	name, note string
}

type teamSession struct {
	id, teamID        string
	name, typ, note   string
	sport             string
	created, modified time.Time
	recStart, recEnd  time.Time // instants
	start, end        time.Time // trimmed
	offsetMin         int
	lat, lon          float64
	arena             string
	markers           []marker
	parts             []*playerSession
}

type playerSession struct {
	id, playerID      string
	team              *teamSession // nil: individual
	typ               string       // TEAM, INDIVIDUAL
	name, sport       string
	feeling, note     string
	created, modified time.Time
	start             time.Time
	dur               time.Duration
	offsetMin         int
	lat, lon          float64
	seed              uint64
}

var (
	firstNames = []string{"John", "Mikkel", "Lars", "Jonas", "Emil", "Oliver", "Noah", "William", "Lucas", "Victor",
		"Anders", "Frederik", "Magnus", "Oscar", "Elias", "Aksel", "Felix", "Carl", "Alfred", "Malthe"}
	lastNames = []string{"Doe", "Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen",
		"Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen"}
	roles        = []string{"Goalkeeper", "Defender", "Defender", "Defender", "Defender", "Midfielder", "Midfielder", "Midfielder", "Midfielder", "Forward", "Forward"}
	sessionTypes = []string{"TRAINING", "TRAINING", "TRAINING", "DRILL", "MATCH", "GAME", "TEST", "STRENGTH AND CONDITION", "OTHER"}
	// The docs' own example sends "AWESOME," with a stray comma.
	feelings = []string{"BAD", "NOT_GOOD", "OKAY", "GREAT", "AWESOME", "AWESOME,", "GREAT "}
	offsets  = []int{120, 60, 0, -300, 330}
	places   = []struct {
		lat, lon float64
		arena    string
	}{
		{55.67336654663086, 12.49395084381104, "Valby old stadium Denmark"},
		{60.1699, 24.9384, "Töölö pitch"},
		{51.5560, -0.2796, "Training ground 3"},
	}
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newIDLocked returns a unique 8-character id like "wMYz6L4w".
func (s *Simulator) newIDLocked(rng *rand.Rand) string {
	for {
		b := make([]byte, 8)
		for i := range b {
			b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
		}
		if id := string(b); !s.ids[id] {
			s.ids[id] = true
			return id
		}
	}
}

func (s *Simulator) rng(salt, n uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.cfg.seed^0x7ea3f0, salt<<32|n))
}

const (
	saltTeams = iota + 1
	saltSessions
	saltAdd
)

func (s *Simulator) generate() {
	now := s.now().UTC().Truncate(time.Second)
	rng := s.rng(saltTeams, 0)
	for ti := range s.cfg.teams {
		pl := places[ti%len(places)]
		t := &team{
			id:        s.newIDLocked(rng),
			name:      "Team" + string(rune('1'+ti%9)),
			org:       "Organisation1",
			created:   now.AddDate(-1, 0, -ti),
			offsetMin: offsets[ti%len(offsets)],
			lat:       pl.lat, lon: pl.lon, arena: pl.arena,
		}
		t.modified = t.created.AddDate(0, 1, 0)
		numbers := rng.Perm(99)
		for pi := range s.cfg.players {
			p := &player{
				id:       s.newIDLocked(rng),
				teamID:   t.id,
				number:   numbers[pi] + 1,
				role:     roles[pi%len(roles)],
				first:    firstNames[rng.IntN(len(firstNames))],
				last:     lastNames[rng.IntN(len(lastNames))],
				hrRest:   float64(50 + rng.IntN(15)),
				hrMax:    float64(180 + rng.IntN(25)),
				topSpeed: 26 + rng.Float64()*8,
			}
			t.players = append(t.players, p)
			s.playerByID[p.id] = p
		}
		s.teams = append(s.teams, t)
		s.teamByID[t.id] = t
	}
	// History: one team session every two days per team, oldest first,
	// and individual sessions in between.
	for i := s.cfg.sessions; i >= 1; i-- {
		for _, t := range s.teams {
			day := now.AddDate(0, 0, -2*i)
			local := localMidnight(day, t.offsetMin).Add(time.Duration(10+8*(i%2)) * time.Hour)
			srng := s.rng(saltSessions, uint64(len(s.sessions)))
			ts := s.newTeamSessionLocked(srng, t, local, SessionSpec{})
			ts.created = ts.recEnd.Add(time.Duration(10+srng.IntN(120)) * time.Minute)
			ts.modified = ts.created
			for _, ps := range ts.parts {
				ps.created, ps.modified = ts.created, ts.created
			}
		}
	}
	for _, t := range s.teams {
		for pi, p := range t.players {
			for k := range s.cfg.individual {
				irng := s.rng(saltSessions, uint64(1<<20+pi*64+k)+uint64(len(s.sessions)))
				day := now.AddDate(0, 0, -2*(k+1)-1)
				start := localMidnight(day, t.offsetMin).Add(time.Duration(7*60+irng.IntN(600)) * time.Minute)
				ps := &playerSession{
					id: s.newIDLocked(irng), playerID: p.id, typ: "INDIVIDUAL",
					name: "Running", sport: "RUNNING", feeling: feelings[irng.IntN(len(feelings))],
					note: "Easy run.", start: start, dur: time.Duration(30+irng.IntN(31)) * time.Minute,
					offsetMin: t.offsetMin, lat: t.lat + 0.01, lon: t.lon - 0.01, seed: irng.Uint64(),
				}
				ps.created = start.Add(ps.dur + time.Hour)
				ps.modified = ps.created
				s.psByID[ps.id] = ps
			}
		}
	}
}

// localMidnight returns the instant of local midnight of day's date.
func localMidnight(day time.Time, offsetMin int) time.Time {
	zone := time.FixedZone("", offsetMin*60)
	l := day.In(zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone).UTC()
}

// SessionSpec chooses what AddSession generates; zero fields are
// defaults (a TRAINING of the configured duration starting now minus its
// length, every player).
type SessionSpec struct {
	Type     string
	Start    time.Time
	Duration time.Duration
	Players  int
}

func (s *Simulator) newTeamSessionLocked(rng *rand.Rand, t *team, recStart time.Time, spec SessionSpec) *teamSession {
	dur := spec.Duration
	if dur <= 0 {
		dur = s.cfg.sessionDuration
	}
	dur = dur.Truncate(time.Second)
	typ := spec.Type
	if typ == "" {
		typ = sessionTypes[rng.IntN(len(sessionTypes))]
	}
	recStart = recStart.UTC().Truncate(time.Second)
	ts := &teamSession{
		id: s.newIDLocked(rng), teamID: t.id, typ: typ, sport: "SOCCER",
		name:     map[bool]string{true: "Match against Brazil national team", false: "Morning practice"}[typ == "MATCH" || typ == "GAME"],
		note:     "Game started very well, but we lost 0-8",
		recStart: recStart, recEnd: recStart.Add(dur),
		offsetMin: t.offsetMin, lat: t.lat, lon: t.lon, arena: t.arena,
	}
	trim := min(3*time.Minute, dur/10)
	ts.start, ts.end = recStart.Add(trim), ts.recEnd.Add(-trim)
	phases := []struct{ name, note, typ string }{
		{"Warm-up", "Easy jogging", "PHASE"}, {"Intervals", "4 x 4 min", "PHASE"},
		{"Substitution", "Player 9 in", "NOTE"}, {"Cooling down", "Cooling down", "RECOVERY"},
	}
	nm := 2 + rng.IntN(3)
	span := ts.end.Sub(ts.start) / time.Duration(nm)
	for i := range nm {
		ph := phases[i%len(phases)]
		st := ts.start.Add(time.Duration(i)*span + time.Duration(rng.IntN(1000))*time.Millisecond)
		ts.markers = append(ts.markers, marker{start: st, end: st.Add(span / 2), typ: ph.typ, name: ph.name, note: ph.note})
	}
	n := len(t.players)
	if spec.Players > 0 && spec.Players < n {
		n = spec.Players
	}
	for _, p := range t.players[:n] {
		ps := &playerSession{
			id: s.newIDLocked(rng), playerID: p.id, team: ts, typ: "TEAM",
			name: ts.name, sport: ts.sport, feeling: feelings[rng.IntN(len(feelings))], note: "Awesome training.",
			start: ts.recStart, dur: dur, offsetMin: t.offsetMin, lat: t.lat, lon: t.lon, seed: rng.Uint64(),
		}
		ts.parts = append(ts.parts, ps)
		s.psByID[ps.id] = ps
	}
	s.sessions = append(s.sessions, ts)
	s.sessByID[ts.id] = ts
	return ts
}

func localString(t time.Time, offsetMin int) string {
	return t.In(time.FixedZone("", offsetMin*60)).Format(localLayout)
}

// localWall returns t's local wall clock as a UTC time, for comparing
// with since/until.
func localWall(t time.Time, offsetMin int) time.Time {
	return t.Add(time.Duration(offsetMin) * time.Minute).UTC()
}

func utcString(t time.Time) string { return t.UTC().Format(time.RFC3339) }
