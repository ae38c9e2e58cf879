package intervalssim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// localLayout is intervals.icu's start_date_local: local time, no zone.
const localLayout = "2006-01-02T15:04:05"

// maxNameRunes is the longest name PUT /activity/{id} takes.
const maxNameRunes = 80

// Types are the activity types intervals.icu knows (SportInfo.type in the
// OpenAPI spec).
var Types = strings.Fields(`Ride Run Swim WeightTraining Hike Walk AlpineSki BackcountrySki Badminton
  Canoeing Crossfit EBikeRide EMountainBikeRide Elliptical Golf GravelRide TrackRide Handcycle
  HighIntensityIntervalTraining Hockey IceSkate InlineSkate Kayaking Kitesurf MountainBikeRide NordicSki
  OpenWaterSwim Padel Pilates Pickleball Racquetball Rugby RockClimbing RollerSki Rowing Sail Skateboard
  Snowboard Snowshoe Soccer Squash StairStepper StandUpPaddling Surfing TableTennis Tennis TrailRun
  Transition Velomobile VirtualRide VirtualRow VirtualRun VirtualSki WaterSport Wheelchair Windsurf
  Workout Yoga Other`)

// activityJSON is the part of intervals.icu's Activity the fake serves.
// Unset strings are null, as intervals.icu sends them.
type activityJSON struct {
	ID             string  `json:"id"`
	AthleteID      string  `json:"icu_athlete_id"`
	Name           string  `json:"name"`
	Description    *string `json:"description"`
	Type           string  `json:"type"`
	Trainer        bool    `json:"trainer"`
	ExternalID     *string `json:"external_id"`
	Source         string  `json:"source"`
	StartDateLocal string  `json:"start_date_local"`
	MovingTime     int     `json:"moving_time"`
	ElapsedTime    int     `json:"elapsed_time"`
	Distance       float64 `json:"distance"`
	DeviceName     *string `json:"device_name"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *Activity) json() activityJSON {
	return activityJSON{
		ID: a.ID, AthleteID: a.AthleteID, Name: a.Name, Description: nullable(a.Description), Type: a.Type,
		Trainer: a.Trainer, ExternalID: nullable(a.ExternalID), Source: a.Source, StartDateLocal: a.StartDateLocal,
		MovingTime: a.MovingTime, ElapsedTime: a.ElapsedTime, Distance: a.Distance, DeviceName: nullable(a.DeviceName),
	}
}

// stravaNote is what intervals.icu puts in place of a Strava-sourced
// activity's data: Strava's terms keep it out of the API.
const stravaNote = "STRAVA activities are not available via the API"

// stubJSON is a Strava-sourced activity as the API shows it.
type stubJSON struct {
	ID             string `json:"id"`
	AthleteID      string `json:"icu_athlete_id"`
	StartDateLocal string `json:"start_date_local"`
	Type           string `json:"type"`
	Source         string `json:"source"`
	Note           string `json:"_note"`
}

// view is the activity as the API serves it: a stub when it came from
// Strava.
func (a *Activity) view() any {
	if a.Source == "STRAVA" {
		return stubJSON{ID: a.ID, AthleteID: a.AthleteID, StartDateLocal: a.StartDateLocal, Type: a.Type, Source: a.Source, Note: stravaNote}
	}
	return a.json()
}

type activityID struct {
	AthleteID string `json:"icu_athlete_id"`
	ID        string `json:"id"`
}

type uploadResponse struct {
	AthleteID  string       `json:"icu_athlete_id"`
	ID         string       `json:"id"`
	Activities []activityID `json:"activities"`
}

// uploadParams are an upload's query parameters.
type uploadParams struct {
	name, description, deviceName, externalID string
	pairedEventID                             int
}

// upload is POST /athlete/{id}/activities. The optional parameters are
// query parameters: form fields of the same names are ignored, as
// intervals.icu ignores them.
func (s *Sim) upload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := uploadParams{
		name: q.Get("name"), description: q.Get("description"),
		deviceName: q.Get("device_name"), externalID: q.Get("external_id"),
	}
	if v := q.Get("paired_event_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid paired_event_id: %q", v))
			return
		}
		p.pairedEventID = int(n)
	}
	// No part "file" (or no multipart body at all): 422, inferred; the
	// spec only says the part is required.
	file, _, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Missing file")
		return
	}
	data, err := io.ReadAll(file)
	_ = file.Close()
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Unable to read file: "+err.Error())
		return
	}
	sessions, format, err := readActivityFile(data)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Unable to read file: "+err.Error())
		return
	}
	s.mu.Lock()
	ids, created := s.createFromFileLocked(data, format, sessions, p)
	s.mu.Unlock()
	out := uploadResponse{AthleteID: s.athleteID, ID: ids[0]}
	for _, id := range ids {
		out.Activities = append(out.Activities, activityID{AthleteID: s.athleteID, ID: id})
	}
	status := http.StatusOK // every activity was a duplicate
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
}

// createFromFileLocked makes one activity per session of the file, except
// for those that exist already: an existing (not deleted) activity from
// the same bytes and session. The external id plays no part: the same
// external_id with other bytes makes another activity (the contract does
// not document an upsert). It returns the ids in session order and
// whether any activity was created.
func (s *Sim) createFromFileLocked(data []byte, format string, sessions []session, p uploadParams) ([]string, bool) {
	hash := sha256Hex(data)
	ids := make([]string, len(sessions))
	created := false
	for i, se := range sessions {
		for _, a := range s.activities {
			if !a.deleted && a.FileSHA256 == hash && a.SessionIndex == i {
				ids[i] = a.ID
			}
		}
		if ids[i] != "" {
			continue
		}
		name := p.name
		if name == "" {
			name = defaultName(se.startLocal, se.typ)
		}
		a := s.newActivityLocked(Activity{
			ExternalID: p.externalID, Name: name, Description: p.description, Type: se.typ, Source: "UPLOAD",
			Trainer: se.trainer, StartDateLocal: se.startLocal.Format(localLayout),
			MovingTime: se.moving, ElapsedTime: se.elapsed, Distance: se.distance,
			FileSHA256: hash, FileFormat: format, SessionIndex: i,
			DeviceName: p.deviceName, PairedEventID: p.pairedEventID,
		})
		ids[i], created = a.ID, true
	}
	return ids, created
}

// defaultName is the name intervals.icu gives an unnamed activity, such as
// "Morning Run", from the local start hour and the type.
func defaultName(start time.Time, typ string) string {
	var part string
	switch h := start.Hour(); {
	case h >= 5 && h < 12:
		part = "Morning"
	case h >= 12 && h < 17:
		part = "Afternoon"
	case h >= 17 && h < 21:
		part = "Evening"
	default:
		part = "Night"
	}
	var words []string
	start0 := 0
	for i, c := range typ {
		if i > 0 && c >= 'A' && c <= 'Z' {
			words = append(words, typ[start0:i])
			start0 = i
		}
	}
	words = append(words, typ[start0:])
	return part + " " + strings.Join(words, " ")
}

// manualJSON is what POST /athlete/{id}/activities/manual reads of the
// Activity it is sent; other fields are ignored.
type manualJSON struct {
	StartDateLocal *string  `json:"start_date_local"`
	Type           *string  `json:"type"`
	Name           *string  `json:"name"`
	Description    *string  `json:"description"`
	MovingTime     *int     `json:"moving_time"`
	ElapsedTime    *int     `json:"elapsed_time"`
	Distance       *float64 `json:"distance"`
	ExternalID     *string  `json:"external_id"`
	Trainer        *bool    `json:"trainer"`
}

// createManual is POST /athlete/{id}/activities/manual. Manual activities
// are not de-duplicated (inferred: there is no file to hash, and no
// source says external_id is used).
func (s *Sim) createManual(w http.ResponseWriter, r *http.Request) {
	var in manualJSON
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "JSON parse error: "+err.Error())
		return
	}
	if in.StartDateLocal == nil {
		writeError(w, http.StatusUnprocessableEntity, "start_date_local is required")
		return
	}
	start, err := time.Parse(localLayout, *in.StartDateLocal)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid start_date_local: %q", *in.StartDateLocal))
		return
	}
	if in.Type == nil {
		writeError(w, http.StatusUnprocessableEntity, "type is required")
		return
	}
	if !slices.Contains(Types, *in.Type) {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid type: %q", *in.Type))
		return
	}
	a := Activity{Type: *in.Type, Source: "MANUAL", StartDateLocal: start.Format(localLayout)}
	if in.Name != nil && utf8.RuneCountInString(*in.Name) > maxNameRunes {
		writeErrorArray(w, http.StatusUnprocessableEntity, "Name is too long")
		return
	}
	a.Name = defaultName(start, a.Type)
	if in.Name != nil && *in.Name != "" {
		a.Name = *in.Name
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if in.ExternalID != nil {
		a.ExternalID = *in.ExternalID
	}
	if in.MovingTime != nil {
		a.MovingTime = *in.MovingTime
	}
	if in.ElapsedTime != nil {
		a.ElapsedTime = *in.ElapsedTime
	}
	if in.Distance != nil {
		a.Distance = *in.Distance
	}
	if in.Trainer != nil {
		a.Trainer = *in.Trainer
	}
	s.mu.Lock()
	st := s.newActivityLocked(a)
	out := st.json()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// parseLocal reads oldest/newest: a local date or date-time.
func parseLocal(v string) (time.Time, bool, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(localLayout, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("parse %q: %w", v, err)
	}
	return t, false, nil
}

// listActivities is GET /athlete/{id}/activities: newest first. oldest is
// required (the spec marks it so; the status when it is missing is
// inferred: 422); newest defaults to any time and a date is inclusive.
func (s *Sim) listActivities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("oldest") == "" {
		writeError(w, http.StatusUnprocessableEntity, "oldest is required")
		return
	}
	oldest, _, err := parseLocal(q.Get("oldest"))
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid oldest: "+q.Get("oldest"))
		return
	}
	newest := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if v := q.Get("newest"); v != "" {
		t, dateOnly, err := parseLocal(v)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, "Invalid newest: "+v)
			return
		}
		newest = t
		if dateOnly {
			newest = t.AddDate(0, 0, 1).Add(-time.Second)
		}
	}
	limit := -1
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusUnprocessableEntity, "Invalid limit: "+v)
			return
		}
		limit = n
	}
	s.mu.Lock()
	var list []*activity
	for _, a := range s.activities {
		t, err := time.Parse(localLayout, a.StartDateLocal)
		if a.deleted || err != nil || t.Before(oldest) || t.After(newest) {
			continue
		}
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].StartDateLocal != list[j].StartDateLocal {
			return list[i].StartDateLocal > list[j].StartDateLocal
		}
		return list[i].seq > list[j].seq
	})
	if limit >= 0 && len(list) > limit {
		list = list[:limit]
	}
	out := make([]any, len(list))
	for i, a := range list {
		out[i] = a.view()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// activityLocked finds an existing activity or answers 404; the message is
// inferred.
func (s *Sim) activityLocked(w http.ResponseWriter, id string) *activity {
	a := s.activities[id]
	if a == nil || a.deleted {
		writeError(w, http.StatusNotFound, "Activity not found")
		return nil
	}
	return a
}

func (s *Sim) getActivity(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.activityLocked(w, r.PathValue("id")); a != nil {
		writeJSON(w, http.StatusOK, a.view())
	}
}

// updateActivity is PUT /activity/{id}: a partial update of name,
// description, type and trainer; other fields are ignored.
func (s *Sim) updateActivity(w http.ResponseWriter, r *http.Request) {
	var in map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "JSON parse error: "+err.Error())
		return
	}
	var name, desc, typ *string
	var trainer *bool
	for key, dst := range map[string]any{"name": &name, "description": &desc, "type": &typ, "trainer": &trainer} {
		if raw, ok := in[key]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("JSON parse error: %s: %v", key, err))
				return
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.activityLocked(w, r.PathValue("id"))
	if a == nil {
		return
	}
	if a.Source == "STRAVA" {
		// Stubs cannot be updated (contract); the status is inferred.
		writeError(w, http.StatusUnprocessableEntity, stravaNote)
		return
	}
	if typ != nil && !slices.Contains(Types, *typ) {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid type: %q", *typ))
		return
	}
	if name != nil && utf8.RuneCountInString(*name) > maxNameRunes {
		writeErrorArray(w, http.StatusUnprocessableEntity, "Name is too long")
		return
	}
	if name != nil {
		a.Name = *name
	}
	if desc != nil {
		a.Description = *desc
	}
	if typ != nil {
		a.Type = *typ
	}
	if trainer != nil {
		a.Trainer = *trainer
	}
	writeJSON(w, http.StatusOK, a.json())
}

func (s *Sim) deleteActivity(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.activityLocked(w, r.PathValue("id"))
	if a == nil {
		return
	}
	a.deleted = true
	writeJSON(w, http.StatusOK, activityID{AthleteID: a.AthleteID, ID: a.ID})
}
