package teamprosim

import (
	"fmt"
	"strconv"
	"time"
)

// TeamInfo describes a simulated team.
type TeamInfo struct {
	ID               string
	Name             string
	UTCOffsetMinutes int
	Players          []PlayerInfo
}

// PlayerInfo describes a simulated player.
type PlayerInfo struct {
	ID        string
	Number    int
	Role      string
	FirstName string
	LastName  string
}

// SessionInfo describes a team session and its player sessions.
type SessionInfo struct {
	ID               string
	TeamID           string
	Type             string
	RecordStart      time.Time // instant
	Duration         time.Duration
	Modified         time.Time
	UTCOffsetMinutes int
	PlayerSessions   map[string]string // player id -> player session id
}

// Teams returns the teams with their players.
func (s *Simulator) Teams() []TeamInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TeamInfo
	for _, t := range s.teams {
		ti := TeamInfo{ID: t.id, Name: t.name, UTCOffsetMinutes: t.offsetMin}
		for _, p := range t.players {
			ti.Players = append(ti.Players, PlayerInfo{p.id, p.number, p.role, p.first, p.last})
		}
		out = append(out, ti)
	}
	return out
}

// Sessions returns the team sessions of teamID in creation order.
func (s *Simulator) Sessions(teamID string) []SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SessionInfo
	for _, ts := range s.sessions {
		if ts.teamID == teamID {
			out = append(out, ts.info())
		}
	}
	return out
}

func (ts *teamSession) info() SessionInfo {
	si := SessionInfo{ID: ts.id, TeamID: ts.teamID, Type: ts.typ, RecordStart: ts.recStart, Duration: ts.recEnd.Sub(ts.recStart),
		Modified: ts.modified, UTCOffsetMinutes: ts.offsetMin, PlayerSessions: map[string]string{}}
	for _, ps := range ts.parts {
		si.PlayerSessions[ps.playerID] = ps.id
	}
	return si
}

// AddSession records a new team session that ended just now (or at
// spec.Start + duration), created now.
func (s *Simulator) AddSession(teamID string, spec SessionSpec) (SessionInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.teamByID[teamID]
	if t == nil {
		return SessionInfo{}, fmt.Errorf("teamprosim: no team %q", teamID)
	}
	now := s.now().UTC().Truncate(time.Second)
	s.addSeq++
	rng := s.rng(saltAdd, s.addSeq)
	dur := spec.Duration
	if dur <= 0 {
		dur = s.cfg.sessionDuration
	}
	start := spec.Start
	if start.IsZero() {
		start = now.Add(-dur)
	}
	ts := s.newTeamSessionLocked(rng, t, start, spec)
	ts.created, ts.modified = now, now
	for _, ps := range ts.parts {
		ps.created, ps.modified = now, now
	}
	return ts.info(), nil
}

// ModifySession edits a team session's note, as a coach would, and bumps
// its modified time (and its player sessions') to now.
func (s *Simulator) ModifySession(id string) (SessionInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.sessByID[id]
	if ts == nil {
		return SessionInfo{}, fmt.Errorf("teamprosim: no team session %q", id)
	}
	now := s.now().UTC().Truncate(time.Second)
	if !now.After(ts.modified) {
		now = ts.modified.Add(time.Second)
	}
	s.addSeq++
	ts.note = "Edited note " + strconv.FormatUint(s.addSeq, 10)
	ts.modified = now
	for _, ps := range ts.parts {
		ps.modified = now
	}
	return ts.info(), nil
}
