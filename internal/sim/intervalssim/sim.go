// Package intervalssim is a local fake of the intervals.icu API v1 for
// tests, built from the contract in shared/reference/intervals-icu.md and
// the OpenAPI extracts beside it: HTTP Basic auth with the literal user
// API_KEY (and OAuth Bearer tokens; the API key sent as Bearer is refused
// with 403), athlete id 0 as an alias of the key's owner, file uploads
// de-duplicated by a hash of the file with 201 vs 200, multisport FIT files
// split into one activity per session, manual activities, list, update and
// delete, wellness records with partial PUT, -1 unsets, bulk PUT and 422 on
// unknown fields, error bodies in intervals.icu's and Spring's shapes and a
// token-bucket rate limit answering 429 with Retry-After.
//
// Uploaded FIT files are decoded (github.com/tormoder/fit) for the sport,
// start time and totals of each session; TCX and GPX files are only read
// for their root element, sport and first time stamp.
//
// Time comes from an injectable clock (WithClock, Advance) so that rate
// limits and `updated` stamps can be driven by tests. Tests can make
// requests fail before anything is done (FailNext), lose answers after the
// request was processed (LoseAnswers), act as the athlete on the web site
// (UploadByHand, DeleteActivity, SetAPIKey, AddCustomWellnessField), add
// activities other sources bring in, such as Strava stubs (AddActivity),
// and see every request made (Requests, Calls).
package intervalssim

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Defaults of New.
const (
	DefaultAPIKey    = "iv-test-api-key-0123456789"
	DefaultAthleteID = "i12345"
	// firstActivityID is the number of the first activity id ("i55610271").
	firstActivityID = 55610271
)

// Activity is an activity as the fake stores it.
type Activity struct {
	ID, AthleteID, ExternalID, Name, Description, Type, Source string // Source "UPLOAD", "MANUAL" or AddActivity's
	Trainer                                                    bool
	// StartDateLocal is the local time of the start, "2006-01-02T15:04:05":
	// the FIT session's start plus the offset of the FIT activity's
	// local_timestamp when the file has one, else UTC.
	StartDateLocal          string
	MovingTime, ElapsedTime int     // seconds
	Distance                float64 // metres
	FileSHA256              string  // hex of the uploaded bytes ("" for manual)
	FileFormat              string  // "fit", "tcx", "gpx" ("" for manual)
	SessionIndex            int     // which session of a multisport file (0-based)
	DeviceName              string  // the upload's device_name query parameter
	PairedEventID           int     // the upload's paired_event_id query parameter (0: none)
}

// activity is a stored activity; deleted ones are kept so that ids are
// never reused.
type activity struct {
	Activity
	seq     int
	deleted bool
}

// wellnessRecord is one athlete-local day.
type wellnessRecord struct {
	fields  map[string]any // JSON name -> float64, string or bool
	updated time.Time
}

// Sim is the fake intervals.icu. It is an http.Handler; all methods are
// safe for concurrent use.
type Sim struct {
	mux *http.ServeMux

	mu         sync.Mutex
	clock      func() time.Time
	offset     time.Duration
	apiKey     string
	athleteID  string
	bearer     map[string]bool
	rate       bucket
	activities map[string]*activity
	nextSeq    int
	wellness   map[string]*wellnessRecord // date -> record
	custom     map[string]bool            // custom wellness field codes
	requests   map[string]int
	calls      []string
	failNext   int
	failStatus int
	lose       int
}

// Option configures a Sim.
type Option func(*Sim)

// WithClock sets the clock (default time.Now); Advance adds to it. It is
// used for rate limiting and the wellness `updated` stamps.
func WithClock(now func() time.Time) Option { return func(s *Sim) { s.clock = now } }

// WithAPIKey sets the athlete's API key (default DefaultAPIKey).
func WithAPIKey(key string) Option { return func(s *Sim) { s.apiKey = key } }

// WithAthleteID sets the athlete's id (default DefaultAthleteID).
func WithAthleteID(id string) Option { return func(s *Sim) { s.athleteID = id } }

// WithBearerTokens makes these OAuth access tokens valid as Bearer.
func WithBearerTokens(tokens ...string) Option {
	return func(s *Sim) {
		for _, t := range tokens {
			s.bearer[t] = true
		}
	}
}

// WithRateLimit sets the token bucket: perSecond requests per second with
// a burst of burst (default 10/s, burst 10, as staff describe it);
// perSecond 0 disables the limit.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Sim) { s.rate = bucket{perSecond: perSecond, burst: float64(burst), tokens: float64(burst)} }
}

// New returns a fake with one athlete.
func New(opts ...Option) *Sim {
	s := &Sim{
		clock:      time.Now,
		apiKey:     DefaultAPIKey,
		athleteID:  DefaultAthleteID,
		bearer:     map[string]bool{},
		rate:       bucket{perSecond: 10, burst: 10, tokens: 10},
		activities: map[string]*activity{},
		nextSeq:    firstActivityID,
		wellness:   map[string]*wellnessRecord{},
		custom:     map[string]bool{},
		requests:   map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// APIKey is the athlete's current API key.
func (s *Sim) APIKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiKey
}

// AthleteID is the id of the fake's only athlete.
func (s *Sim) AthleteID() string { return s.athleteID }

// SetAPIKey is the athlete regenerating the key on the settings page: the
// old key stops working at once (401).
func (s *Sim) SetAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// Now is the sim's current time.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Sim) now() time.Time { return s.clock().Add(s.offset) }

// Advance moves the sim's time forward by d (an offset on top of the
// clock).
func (s *Sim) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// Activities returns the activities that exist (not deleted), by id.
func (s *Sim) Activities() []Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*activity
	for _, a := range s.activities {
		if !a.deleted {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	res := make([]Activity, len(out))
	for i, a := range out {
		res[i] = a.Activity
	}
	return res
}

// Activity returns the activity with this id, if it exists (not deleted).
func (s *Sim) Activity(id string) (Activity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.activities[id]
	if a == nil || a.deleted {
		return Activity{}, false
	}
	return a.Activity, true
}

// UploadByHand uploads a file as the athlete would on the web site: the
// same decoding and de-duplication as the API (a later API upload of the
// same bytes is a duplicate), without counting as an API request. It
// returns the activity ids, the existing ones when the file is a
// duplicate, or nil when the file cannot be read.
func (s *Sim) UploadByHand(filename string, data []byte) []string {
	sessions, format, err := readActivityFile(data)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, _ := s.createFromFileLocked(data, format, sessions, uploadParams{})
	return ids
}

// AddActivity adds an activity as another source brings it in, e.g. the
// athlete's Strava or Polar sync (Source "STRAVA", "POLAR"; "" is
// "UPLOAD"), and returns it with its id. A Strava-sourced activity is
// served as a stub and cannot be updated. FileSHA256 and SessionIndex,
// when set, make a later upload of those bytes a duplicate of it.
func (s *Sim) AddActivity(a Activity) Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Source == "" {
		a.Source = "UPLOAD"
	}
	if a.Type == "" {
		a.Type = "Workout"
	}
	return s.newActivityLocked(a).Activity
}

// DeleteActivity deletes an activity as the athlete would on the web
// site; it reports whether it existed.
func (s *Sim) DeleteActivity(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.activities[id]
	if a == nil || a.deleted {
		return false
	}
	a.deleted = true
	return true
}

// Wellness returns the fields set for the local date (JSON names, numbers
// as float64), or nil when none are. It never includes the server's own
// fields (id, updated, ctl, atl).
func (s *Sim) Wellness(date string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.wellness[date]
	if rec == nil || len(rec.fields) == 0 {
		return nil
	}
	return maps.Clone(rec.fields)
}

// AddCustomWellnessField is the athlete creating a custom wellness field
// with this code; writing a field that is neither in the Wellness schema
// nor created this way is refused with 422.
func (s *Sim) AddCustomWellnessField(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.custom[code] = true
}

// Requests returns the number of requests per endpoint, keyed by
// "METHOD route pattern", e.g. "POST /api/v1/athlete/{id}/activities" or
// "PUT /api/v1/athlete/{id}/wellness/{date}" (the pattern's {id} whatever
// id was sent); requests to unknown paths count as "METHOD /". Rejected
// requests (401, 403, 429, FailNext) are counted too.
func (s *Sim) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.requests)
}

// Calls returns every request so far as "METHOD /path", in order, e.g.
// "PUT /api/v1/activity/i55610271"; rejected requests included.
func (s *Sim) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// FailNext makes the next n API requests answer status without doing
// anything: 500 with a Java exception's text as intervals.icu's own errors
// carry it, 502 and 503 with a plain non-JSON body as the proxy in front of
// it sends them, any other status with an error body.
func (s *Sim) FailNext(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failStatus = n, status
}

// LoseAnswers makes the next n API requests be processed as usual, after
// which the connection is closed without an answer (a reset or timeout
// after the server acted). It needs a real server (httptest.NewServer):
// the connection is hijacked.
func (s *Sim) LoseAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose = n
}

// newActivityLocked stores a new activity, giving it the next id.
func (s *Sim) newActivityLocked(a Activity) *activity {
	seq := s.nextSeq
	s.nextSeq++
	a.ID = "i" + strconv.Itoa(seq)
	a.AthleteID = s.athleteID
	st := &activity{Activity: a, seq: seq}
	s.activities[a.ID] = st
	return st
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
