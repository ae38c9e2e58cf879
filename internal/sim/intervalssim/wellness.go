package intervalssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"time"
)

// fieldKind is the JSON type of a wellness field.
type fieldKind int

const (
	kindFloat fieldKind = iota
	kindInt             // int32 in the spec
	kindString
	kindBool
	kindPhase // the menstrual phase enum
)

// wellnessFields are the writable properties of the Wellness schema in
// the OpenAPI spec.
var wellnessFields = map[string]fieldKind{
	"weight": kindFloat, "restingHR": kindInt, "hrv": kindFloat, "hrvSDNN": kindFloat,
	"menstrualPhase": kindPhase, "menstrualPhasePredicted": kindPhase,
	"kcalConsumed": kindInt, "sleepSecs": kindInt, "sleepScore": kindFloat, "sleepQuality": kindInt,
	"avgSleepingHR": kindFloat, "soreness": kindInt, "fatigue": kindInt, "stress": kindInt, "mood": kindInt,
	"motivation": kindInt, "injury": kindInt, "spO2": kindFloat, "systolic": kindInt, "diastolic": kindInt,
	"hydration": kindInt, "hydrationVolume": kindFloat, "readiness": kindFloat, "baevskySI": kindFloat,
	"bloodGlucose": kindFloat, "lactate": kindFloat, "bodyFat": kindFloat, "abdomen": kindFloat,
	"vo2max": kindFloat, "comments": kindString, "steps": kindInt, "respiration": kindFloat,
	"locked": kindBool, "tempWeight": kindBool, "tempRestingHR": kindBool,
}

// serverFields are computed by intervals.icu: ignored when sent.
var serverFields = []string{"ctl", "atl", "rampRate", "ctlLoad", "atlLoad", "updated", "sportInfo"}

var phases = []string{"PERIOD", "FOLLICULAR", "OVULATING", "LUTEAL", "NONE"}

// wellnessChange is a validated PUT: the fields to set and to unset.
type wellnessChange struct {
	date  string
	set   map[string]any
	unset []string
}

func validDate(v string) bool {
	_, err := time.Parse(time.DateOnly, v)
	return err == nil
}

// parseWellnessLocked validates one Wellness object. pathDate is the
// date from the path ("" when the body's id is the date). A field sent as
// JSON null counts as not sent (the spec does not say; inferred so that a
// client cannot unset with null and must use -1). Numbers sent as -1
// unset the field.
func (s *Sim) parseWellnessLocked(raw json.RawMessage, pathDate string) (wellnessChange, error) {
	var in map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(raw))
	if err := d.Decode(&in); err != nil || in == nil {
		return wellnessChange{}, errors.New("wellness record must be a JSON object")
	}
	c := wellnessChange{date: pathDate, set: map[string]any{}}
	if idRaw, ok := in["id"]; ok && string(idRaw) != "null" {
		var id string
		if err := json.Unmarshal(idRaw, &id); err != nil || !validDate(id) {
			return wellnessChange{}, fmt.Errorf("invalid id %s: must be a date YYYY-MM-DD", idRaw)
		}
		// The body's id must agree with the path's date (inferred,
		// strict: a client that sends a mismatch has a bug).
		if pathDate != "" && id != pathDate {
			return wellnessChange{}, fmt.Errorf("id %s does not match the date %s", id, pathDate)
		}
		c.date = id
	}
	if c.date == "" {
		return wellnessChange{}, errors.New("id (the date YYYY-MM-DD) is required")
	}
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names) // the first error is the same every time
	for _, name := range names {
		v := in[name]
		if name == "id" || slices.Contains(serverFields, name) || string(v) == "null" {
			continue
		}
		kind, known := wellnessFields[name]
		if !known && !s.custom[name] {
			return wellnessChange{}, unknownFieldError(name)
		}
		var val any
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&val); err != nil {
			return wellnessChange{}, fmt.Errorf("invalid value for %s: %w", name, err)
		}
		if n, ok := val.(json.Number); ok {
			f, err := n.Float64()
			if err != nil {
				return wellnessChange{}, fmt.Errorf("invalid value for %s: %s", name, n)
			}
			if f == -1 && (!known || kind == kindFloat || kind == kindInt) {
				c.unset = append(c.unset, name)
				continue
			}
			val = f
		}
		if !known {
			c.set[name] = val // custom fields take any value
			continue
		}
		if err := checkWellnessValue(name, kind, val); err != nil {
			return wellnessChange{}, err
		}
		c.set[name] = val
	}
	return c, nil
}

// unknownFieldError is a field neither in the schema nor custom, worded as
// intervals.icu words it.
type unknownFieldError string

func (e unknownFieldError) Error() string { return "Unknown wellness field: " + string(e) }

func checkWellnessValue(name string, kind fieldKind, val any) error {
	bad := fmt.Errorf("invalid value for %s: %v", name, val)
	switch kind {
	case kindFloat:
		if _, ok := val.(float64); !ok {
			return bad
		}
	case kindInt:
		// A non-integer number for an int32 field is refused (inferred
		// strictness: Jackson might truncate it instead).
		f, ok := val.(float64)
		if !ok || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return bad
		}
		if name == "sleepQuality" && (f < 1 || f > 4) {
			return fmt.Errorf("sleepQuality must be 1 to 4, not %v", f)
		}
	case kindString:
		if _, ok := val.(string); !ok {
			return bad
		}
	case kindBool:
		if _, ok := val.(bool); !ok {
			return bad
		}
	case kindPhase:
		if p, ok := val.(string); !ok || !slices.Contains(phases, p) {
			return bad
		}
	}
	return nil
}

// applyLocked applies a validated change and returns the record.
func (s *Sim) applyLocked(c wellnessChange) *wellnessRecord {
	rec := s.wellness[c.date]
	if rec == nil {
		rec = &wellnessRecord{fields: map[string]any{}}
		s.wellness[c.date] = rec
	}
	for k, v := range c.set {
		rec.fields[k] = v
	}
	for _, k := range c.unset {
		delete(rec.fields, k)
	}
	rec.updated = s.now()
	return rec
}

// recordJSON is the Wellness object served: the fields set, the id and
// the server's own fields (ctl and atl are 0: the fake computes no
// fitness).
func recordJSON(date string, rec *wellnessRecord) map[string]any {
	out := map[string]any{"id": date, "ctl": 0.0, "atl": 0.0, "rampRate": nil, "updated": nil}
	if rec == nil {
		return out
	}
	for k, v := range rec.fields {
		out[k] = v
	}
	out["updated"] = rec.updated.UTC().Format(time.RFC3339)
	return out
}

func readBody(r *http.Request) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	return raw, nil
}

// getWellness is GET /athlete/{id}/wellness/{date}. A day without a record
// answers 200 with the bare record (inferred: intervals.icu has fitness
// values for every day, so it does not answer 404).
func (s *Sim) getWellness(w http.ResponseWriter, r *http.Request) {
	date := r.PathValue("date")
	if !validDate(date) {
		writeError(w, http.StatusUnprocessableEntity, "Invalid date: "+date)
		return
	}
	s.mu.Lock()
	out := recordJSON(date, s.wellness[date])
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) putOne(w http.ResponseWriter, r *http.Request, pathDate string) {
	raw, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "JSON parse error: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.parseWellnessLocked(raw, pathDate)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, recordJSON(c.date, s.applyLocked(c)))
}

// putWellnessDate is PUT /athlete/{id}/wellness/{date}.
func (s *Sim) putWellnessDate(w http.ResponseWriter, r *http.Request) {
	date := r.PathValue("date")
	if !validDate(date) {
		writeError(w, http.StatusUnprocessableEntity, "Invalid date: "+date)
		return
	}
	s.putOne(w, r, date)
}

// putWellness is PUT /athlete/{id}/wellness: the body's id is the date.
func (s *Sim) putWellness(w http.ResponseWriter, r *http.Request) { s.putOne(w, r, "") }

// putWellnessBulk is PUT /athlete/{id}/wellness-bulk: every record is
// validated before any is written, so a 422 changes nothing. The answer
// is 200 with no body.
func (s *Sim) putWellnessBulk(w http.ResponseWriter, r *http.Request) {
	var items []json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&items); err != nil {
		writeError(w, http.StatusBadRequest, "JSON parse error: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changes := make([]wellnessChange, 0, len(items))
	for _, it := range items {
		c, err := s.parseWellnessLocked(it, "")
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		changes = append(changes, c)
	}
	for _, c := range changes {
		s.applyLocked(c)
	}
	w.WriteHeader(http.StatusOK)
}

// listWellness is GET /athlete/{id}/wellness?oldest=&newest= (both
// inclusive, both optional): the days that have a record, oldest first.
func (s *Sim) listWellness(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	oldest, newest := q.Get("oldest"), q.Get("newest")
	for _, v := range []string{oldest, newest} {
		if v != "" && !validDate(v) {
			writeError(w, http.StatusUnprocessableEntity, "Invalid date: "+v)
			return
		}
	}
	s.mu.Lock()
	dates := make([]string, 0, len(s.wellness))
	for d := range s.wellness {
		if (oldest == "" || d >= oldest) && (newest == "" || d <= newest) {
			dates = append(dates, d)
		}
	}
	sort.Strings(dates)
	out := make([]map[string]any, len(dates))
	for i, d := range dates {
		out[i] = recordJSON(d, s.wellness[d])
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
