package accesslinksim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type exercise struct {
	hashID   string // id of the /v3/exercises resources
	num      int64  // id inside exercise transactions
	userID   int64
	p        *sportProfile
	start    time.Time // in the user's zone
	durSec   int
	upload   time.Time
	device   string
	deviceID string
	st       *stream // nil for manual entries: no samples, no FIT
	fit      *fitCache
	// noFIT, noTCX: that file answers 204 although st is recorded.
	noFIT, noTCX bool

	calories     int
	distance     float64
	avgHR, maxHR int
	trainingLoad float64
	runningIndex int
	fatPct       int
	carbPct      int
	proteinPct   int
	zones        []zone
	tlp          *trainingLoadPro

	committed bool
}

type zone struct {
	index, lower, upper, seconds int
}

type trainingLoadPro struct {
	date       string
	cardioLoad float64
	muscleLoad float64
}

// Exercise is a snapshot of a simulated exercise.
type Exercise struct {
	ID            string // hashed id used by /v3/exercises/{id}
	TransactionID int64  // numeric id used inside exercise transactions
	UserID        int64
	DetailedSport string
	Start         time.Time // in the user's zone
	Duration      time.Duration
	Upload        time.Time
	HasFIT        bool
	HasRoute      bool
	HasRR         bool
	Records       int // 1 Hz records in the FIT file
	Distance      float64
	Calories      int
	AvgHR, MaxHR  int
	Committed     bool // fetched and committed through an exercise transaction
}

func (ex *exercise) snapshot() Exercise {
	e := Exercise{
		ID:            ex.hashID,
		TransactionID: ex.num,
		UserID:        ex.userID,
		DetailedSport: ex.p.detailed,
		Start:         ex.start,
		Duration:      time.Duration(ex.durSec) * time.Second,
		Upload:        ex.upload,
		HasFIT:        ex.st != nil && !ex.noFIT,
		HasRoute:      ex.hasRoute(),
		Distance:      ex.distance,
		Calories:      ex.calories,
		AvgHR:         ex.avgHR,
		MaxHR:         ex.maxHR,
		Committed:     ex.committed,
	}
	if ex.st != nil {
		e.HasRR = ex.st.rr != nil
		e.Records = len(ex.st.hr)
	}
	return e
}

func (ex *exercise) hasRoute() bool { return ex.st != nil && ex.st.lat != nil }

type heartRateJSON struct {
	Average int `json:"average"`
	Maximum int `json:"maximum"`
}

// zoneJSON keeps hyphenated keys even inside the underscore-keyed
// /v3/exercises objects, exactly as documented.
type zoneJSON struct {
	Index      int    `json:"index"`
	LowerLimit int    `json:"lower-limit"`
	UpperLimit int    `json:"upper-limit"`
	InZone     string `json:"in-zone"`
}

type sampleJSON struct {
	RecordingRate *int   `json:"recording-rate"` // null for RR data
	SampleType    string `json:"sample-type"`
	Data          string `json:"data"`
}

type tlpJSON struct {
	Date                        string  `json:"date"`
	CardioLoad                  float64 `json:"cardio-load"`
	MuscleLoad                  float64 `json:"muscle-load"`
	PerceivedLoad               float64 `json:"perceived-load"`
	CardioLoadInterpretation    string  `json:"cardio-load-interpretation"`
	MuscleLoadInterpretation    string  `json:"muscle-load-interpretation"`
	PerceivedLoadInterpretation string  `json:"perceived-load-interpretation"`
	UserRPE                     string  `json:"user-rpe"`
}

// exerciseHashJSON is the documented exerciseHashId model: underscore keys,
// except "running-index" and the nested zone/sample/load objects.
type exerciseHashJSON struct {
	ID                     string         `json:"id"`
	UploadTime             string         `json:"upload_time"`
	PolarUser              string         `json:"polar_user"`
	Device                 string         `json:"device,omitempty"`
	DeviceID               string         `json:"device_id,omitempty"`
	StartTime              string         `json:"start_time"`
	StartTimeUTCOffset     int            `json:"start_time_utc_offset"`
	Duration               string         `json:"duration"`
	Calories               int            `json:"calories"`
	Distance               *float64       `json:"distance,omitempty"`
	HeartRate              *heartRateJSON `json:"heart_rate,omitempty"`
	TrainingLoad           *float64       `json:"training_load,omitempty"`
	Sport                  string         `json:"sport"`
	HasRoute               bool           `json:"has_route"`
	DetailedSportInfo      string         `json:"detailed_sport_info"`
	FatPercentage          *int           `json:"fat_percentage,omitempty"`
	CarbohydratePercentage *int           `json:"carbohydrate_percentage,omitempty"`
	ProteinPercentage      *int           `json:"protein_percentage,omitempty"`
	RunningIndex           *int           `json:"running-index,omitempty"`
	HeartRateZones         []zoneJSON     `json:"heart_rate_zones,omitempty"`
	Samples                []sampleJSON   `json:"samples,omitempty"`
	TrainingLoadPro        []tlpJSON      `json:"training_load_pro,omitempty"`
}

func ptr[T any](v T) *T { return &v }

func utcOffsetMinutes(t time.Time) int {
	_, off := t.Zone()
	return off / 60
}

func (ex *exercise) hashJSON(base string, samples, zones bool) exerciseHashJSON {
	j := exerciseHashJSON{
		ID:                 ex.hashID,
		UploadTime:         ex.upload.UTC().Format(utcMillisLayout),
		PolarUser:          fmt.Sprintf("%s/v3/users/%d", base, ex.userID),
		Device:             ex.device,
		DeviceID:           ex.deviceID,
		StartTime:          ex.start.Format(localLayout),
		StartTimeUTCOffset: utcOffsetMinutes(ex.start),
		Duration:           isoDuration(ex.durSec),
		Calories:           ex.calories,
		Sport:              ex.p.sport,
		HasRoute:           ex.hasRoute(),
		DetailedSportInfo:  ex.p.detailed,
	}
	if ex.distance > 0 {
		j.Distance = ptr(ex.distance)
	}
	if ex.st != nil {
		j.HeartRate = &heartRateJSON{Average: ex.avgHR, Maximum: ex.maxHR}
		j.TrainingLoad = ptr(ex.trainingLoad)
		j.FatPercentage = ptr(ex.fatPct)
		j.CarbohydratePercentage = ptr(ex.carbPct)
		j.ProteinPercentage = ptr(ex.proteinPct)
		if zones {
			j.HeartRateZones = ex.zonesJSON()
		}
		if samples {
			j.Samples = ex.samplesJSON()
		}
		j.TrainingLoadPro = ex.tlpJSON()
	}
	if ex.runningIndex > 0 {
		j.RunningIndex = ptr(ex.runningIndex)
	}
	return j
}

func (ex *exercise) zonesJSON() []zoneJSON {
	out := make([]zoneJSON, len(ex.zones))
	for i, z := range ex.zones {
		out[i] = zoneJSON{Index: z.index, LowerLimit: z.lower, UpperLimit: z.upper, InZone: isoDuration(z.seconds)}
	}
	return out
}

func (ex *exercise) tlpJSON() []tlpJSON {
	if ex.tlp == nil {
		return nil
	}
	muscle := "NOT_AVAILABLE"
	if ex.tlp.muscleLoad > 0 {
		muscle = loadInterpretation(ex.tlp.muscleLoad)
	}
	return []tlpJSON{{
		Date:                        ex.tlp.date,
		CardioLoad:                  ex.tlp.cardioLoad,
		MuscleLoad:                  ex.tlp.muscleLoad,
		PerceivedLoad:               0,
		CardioLoadInterpretation:    loadInterpretation(ex.tlp.cardioLoad),
		MuscleLoadInterpretation:    muscle,
		PerceivedLoadInterpretation: "NOT_AVAILABLE",
		UserRPE:                     "UNKNOWN",
	}}
}

func loadInterpretation(v float64) string {
	switch {
	case v < 25:
		return "VERY_LOW"
	case v < 60:
		return "LOW"
	case v < 120:
		return "MEDIUM"
	case v < 200:
		return "HIGH"
	default:
		return "VERY_HIGH"
	}
}

// Sample type keys from the appendix "Exercise sample types".
const (
	sampleHR         = "0"
	sampleSpeed      = "1"
	sampleCadence    = "2"
	sampleAltitude   = "3"
	samplePower      = "4"
	sampleRunCadence = "8"
	sampleDistance   = "10"
	sampleRR         = "11"
)

// samplesJSON renders the stream as comma-separated strings, one entry per
// recorded sample type, in type order.
func (ex *exercise) samplesJSON() []sampleJSON {
	st := ex.st
	if st == nil {
		return nil
	}
	one := 1
	var out []sampleJSON
	add := func(typ string, n int, f func(i int) string) {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f(i))
		}
		out = append(out, sampleJSON{RecordingRate: &one, SampleType: typ, Data: b.String()})
	}
	fmt1 := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	add(sampleHR, len(st.hr), func(i int) string { return strconv.Itoa(int(st.hr[i])) })
	if st.speed != nil {
		add(sampleSpeed, len(st.speed), func(i int) string { return fmt1(st.speed[i] * 3.6) })
	}
	if st.cad != nil && ex.p.cadence == cadenceCycling {
		add(sampleCadence, len(st.cad), func(i int) string { return strconv.Itoa(int(st.cad[i])) })
	}
	if st.alt != nil {
		add(sampleAltitude, len(st.alt), func(i int) string { return fmt1(st.alt[i]) })
	}
	if st.power != nil {
		add(samplePower, len(st.power), func(i int) string { return strconv.Itoa(int(st.power[i])) })
	}
	if st.cad != nil && ex.p.cadence == cadenceRunning {
		add(sampleRunCadence, len(st.cad), func(i int) string { return strconv.Itoa(2 * int(st.cad[i])) })
	}
	if st.dist != nil {
		add(sampleDistance, len(st.dist), func(i int) string { return fmt1(st.dist[i]) })
	}
	if st.rr != nil {
		add(sampleRR, len(st.rr), func(i int) string {
			if st.rr[i] < 0 {
				return "NULL"
			}
			return strconv.Itoa(st.rr[i])
		})
		out[len(out)-1].RecordingRate = nil
	}
	return out
}

const (
	exerciseWindow = 30 * 24 * time.Hour
	sleepWindowDay = 28
)

// visibleLocked applies AccessLink's availability rules; callers hold s.mu.
func (s *Simulator) visibleLocked(u *user, ex *exercise) bool {
	if ex.userID != u.id || ex.upload.Before(s.now().Add(-exerciseWindow)) {
		return false
	}
	return !s.cfg.strictRegWindow || !ex.upload.Before(u.registeredAt)
}

func queryBool(r *http.Request, name string) bool {
	b, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return b
}

func (s *Simulator) handleListExercises(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	samples, zones := queryBool(r, "samples"), queryBool(r, "zones")
	s.mu.Lock()
	out := []exerciseHashJSON{}
	for _, ex := range s.exercises {
		if s.visibleLocked(u, ex) {
			out = append(out, ex.hashJSON(s.base(), samples, zones))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// lookupHashed resolves {exerciseID} for the user, answering 404 itself.
// The returned copy is safe to use without s.mu.
func (s *Simulator) lookupHashed(w http.ResponseWriter, r *http.Request) (exercise, string, bool) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return exercise{}, "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ex := s.exByHash[r.PathValue("exerciseID")]
	if ex == nil || !s.visibleLocked(u, ex) {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "exercise not found")
		return exercise{}, "", false
	}
	return *ex, s.base(), true
}

func (s *Simulator) handleGetExercise(w http.ResponseWriter, r *http.Request) {
	ex, base, ok := s.lookupHashed(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, ex.hashJSON(base, queryBool(r, "samples"), queryBool(r, "zones")))
}

func (s *Simulator) handleExerciseFIT(w http.ResponseWriter, r *http.Request) {
	if ex, _, ok := s.lookupHashed(w, r); ok {
		serveFIT(w, &ex)
	}
}

func (s *Simulator) handleExerciseTCX(w http.ResponseWriter, r *http.Request) {
	if ex, _, ok := s.lookupHashed(w, r); ok {
		serveTCX(w, &ex)
	}
}

func (s *Simulator) handleExerciseGPX(w http.ResponseWriter, r *http.Request) {
	if ex, _, ok := s.lookupHashed(w, r); ok {
		serveGPX(w, &ex)
	}
}

// serveFIT answers 204 for exercises without a FIT file (manual entries).
func serveFIT(w http.ResponseWriter, ex *exercise) {
	if ex.st == nil || ex.noFIT {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	data, err := ex.fitBytes()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
