// Package stravasim is a local fake of the Strava API v3 for tests, built
// from the contract in shared/reference/strava.md: OAuth2 (authorize,
// code exchange, rotating refresh tokens, 6-hour access tokens), uploads
// processed asynchronously with duplicate detection, activity updates,
// Fault errors and the 15-minute and daily rate limits.
//
// Time comes from an injectable clock (SetClock, Advance) so that token
// expiry, processing delays and rate-limit windows can be driven by tests.
// The fake does not read uploaded files beyond a format check: a new
// activity starts as sport_type Workout until it is updated. Tests can
// lose answers after the request was processed (LoseAnswers), add
// activities as another application uploads them (AddActivity) and see
// every request made (Calls, Requests).
package stravasim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Upload statuses, exactly as Strava words them.
const (
	StatusProcessing = "Your activity is still being processed."
	StatusReady      = "Your activity is ready."
	StatusError      = "There was an error processing your activity."
	StatusDeleted    = "The created activity has been deleted."
)

// AccessTokenLifetime is how long an access token is valid.
const AccessTokenLifetime = 6 * time.Hour

// DuplicateForm chooses how a duplicate is worded in an upload's error.
type DuplicateForm int

const (
	// DuplicateLink is the current form:
	// "f.fit duplicate of <a href='/activities/123' target='_blank'>Name</a>".
	DuplicateLink DuplicateForm = iota
	// DuplicateActivity is the older form: "f.fit duplicate of activity 123".
	DuplicateActivity
)

// SportTypes are the values PUT /activities/{id} accepts for sport_type.
var SportTypes = strings.Fields(`AlpineSki BackcountrySki Badminton Basketball Canoeing Cricket Crossfit Dance
  EBikeRide Elliptical EMountainBikeRide Golf GravelRide Handcycle HighIntensityIntervalTraining Hike
  IceSkate InlineSkate Kayaking Kitesurf MountainBikeRide NordicSki Padel PhysicalTherapy Pickleball
  Pilates Racquetball Ride RockClimbing RollerSki Rowing Run Sail Skateboard Snowboard Snowshoe Soccer
  Squash StairStepper StandUpPaddling Surfing Swim TableTennis Tennis TrailRun Velomobile VirtualRide
  VirtualRow VirtualRun Volleyball Walk WeightTraining Wheelchair Windsurf Workout Yoga`)

// Activity is an activity created by an upload.
type Activity struct {
	ID           int64
	UploadID     int64
	ExternalID   string
	Name         string
	Description  string
	SportType    string
	Trainer      bool
	Commute      bool
	GearID       string
	HideFromHome bool
	Deleted      bool
	// Updates counts successful PUTs.
	Updates  int
	DataType string
	FileHash string
}

type upload struct {
	id          int64
	externalID  string
	filename    string
	dataType    string
	hash        string
	valid       bool
	name, desc  string
	trainer     bool
	commute     bool
	readyAt     time.Time
	done        bool
	err         string
	activityID  int64
	requestedAt time.Time
}

type token struct {
	scope   map[string]bool
	expires time.Time
}

// Sim is the fake Strava. It is an http.Handler; all methods are safe for
// concurrent use.
type Sim struct {
	mux *http.ServeMux

	mu           sync.Mutex
	clock        func() time.Time
	offset       time.Duration
	clientID     string
	clientSecret string
	athleteID    int64
	grantScope   map[string]bool // nil: grant what is asked
	delay        time.Duration
	dupOnPost    bool
	dupForm      DuplicateForm
	codes        map[string]string // code -> granted scope
	access       map[string]*token
	refresh      map[string]string // live refresh token -> scope
	uploads      map[int64]*upload
	activities   map[int64]*Activity
	nextUpload   int64
	nextActivity int64
	requests     map[string]int
	calls        []string         // "METHOD /path" of every request, in order
	lose         map[string][]int // route pattern -> answers to lose (see LoseAnswers)
	tooMany      int
	rate         rateLimits
}

// Option configures a Sim.
type Option func(*Sim)

// WithClient sets the API application's client id and secret.
func WithClient(id, secret string) Option {
	return func(s *Sim) { s.clientID, s.clientSecret = id, secret }
}

// WithGrantedScope makes the user grant only these scopes (comma
// separated) of those asked for, as if they untick the others. "read" is
// always granted, as on Strava.
func WithGrantedScope(scope string) Option {
	return func(s *Sim) { s.grantScope = scopeSet(scope) }
}

// WithProcessingDelay sets how long an upload takes to process (default
// 1.5 s on the sim's clock).
func WithProcessingDelay(d time.Duration) Option { return func(s *Sim) { s.delay = d } }

// WithDuplicates chooses whether a duplicate is already reported by the
// POST (when the original activity exists) rather than by the poll, and
// its wording.
func WithDuplicates(onPost bool, form DuplicateForm) Option {
	return func(s *Sim) { s.dupOnPost, s.dupForm = onPost, form }
}

// WithRateLimits sets the overall limits per 15 minutes and per day
// (default 200 and 2000).
func WithRateLimits(short, daily int) Option {
	return func(s *Sim) { s.rate.limit = [2]int{short, daily} }
}

// WithReadRateLimits sets the read limits (default 100 and 1000).
func WithReadRateLimits(short, daily int) Option {
	return func(s *Sim) { s.rate.readLimit = [2]int{short, daily} }
}

// WithClock sets the clock (default time.Now); Advance adds to it.
func WithClock(now func() time.Time) Option { return func(s *Sim) { s.clock = now } }

// New returns a fake with one athlete and one API application.
func New(opts ...Option) *Sim {
	s := &Sim{
		clock:        time.Now,
		clientID:     "81234",
		clientSecret: "sim-client-secret",
		athleteID:    4242,
		delay:        1500 * time.Millisecond,
		codes:        map[string]string{},
		access:       map[string]*token{},
		refresh:      map[string]string{},
		uploads:      map[int64]*upload{},
		activities:   map[int64]*Activity{},
		nextUpload:   16000000001,
		nextActivity: 18260000001,
		requests:     map[string]int{},
		lose:         map[string][]int{},
		rate:         rateLimits{limit: [2]int{200, 2000}, readLimit: [2]int{100, 1000}},
	}
	for _, o := range opts {
		o(s)
	}
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ClientID is the application's client id.
func (s *Sim) ClientID() string { return s.clientID }

// ClientSecret is the application's client secret.
func (s *Sim) ClientSecret() string { return s.clientSecret }

// AthleteID is the id of the fake's only athlete.
func (s *Sim) AthleteID() int64 { return s.athleteID }

// Now is the sim's current time.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Sim) now() time.Time { return s.clock().Add(s.offset) }

// SetClock replaces the clock; the offset from Advance is kept.
func (s *Sim) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

// Advance moves the sim's time forward by d.
func (s *Sim) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// AdvanceToNextWindow moves the time to just after the next 15-minute
// rate-limit window starts (:00, :15, :30, :45 UTC).
func (s *Sim) AdvanceToNextWindow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	s.offset += now.Truncate(15*time.Minute).Add(15*time.Minute).Sub(now) + time.Millisecond
}

// SetGrantedScope changes what the user grants at the next authorization
// ("" grants what is asked).
func (s *Sim) SetGrantedScope(scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grantScope = nil
	if scope != "" {
		s.grantScope = scopeSet(scope)
	}
}

// SetProcessingDelay changes the processing delay of later uploads.
func (s *Sim) SetProcessingDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetDuplicates changes how duplicates are reported (see WithDuplicates).
func (s *Sim) SetDuplicates(onPost bool, form DuplicateForm) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dupOnPost, s.dupForm = onPost, form
}

// FinishProcessing makes every upload still processing finish now.
func (s *Sim) FinishProcessing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, u := range s.uploads {
		if !u.done {
			u.readyAt = now
		}
	}
	s.processLocked()
}

// Revoke deauthorizes the application: every access and refresh token
// stops working.
func (s *Sim) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access = map[string]*token{}
	s.refresh = map[string]string{}
}

// DeleteActivity deletes an activity as the athlete would on strava.com.
func (s *Sim) DeleteActivity(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.activities[id]
	if a == nil || a.Deleted {
		return false
	}
	a.Deleted = true
	return true
}

// Activities returns the activities that exist (not deleted), by id.
func (s *Sim) Activities() []Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.processLocked()
	var out []Activity
	for _, a := range s.activities {
		if !a.Deleted {
			out = append(out, *a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Requests returns the number of requests per endpoint, keyed by route
// pattern, e.g. "POST /api/v3/uploads" or "GET /api/v3/uploads/{id}".
// Rejected requests (401, 429) are counted too.
func (s *Sim) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

// Calls returns every request so far as "METHOD /path", in order, e.g.
// "PUT /api/v3/activities/18260000001"; rejected requests included.
func (s *Sim) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// LoseAnswers makes the next len(statuses) requests to the route pattern
// (e.g. "POST /api/v3/uploads") be processed as usual but lose their
// answer, one status each: 0 closes the connection without an answer (a
// reset, a timeout), another status replaces the answer with a bare
// non-JSON one as a proxy in front of Strava sends it (e.g. 502 or 504
// after Strava acted). Dropping a connection needs a real server
// (httptest.NewServer): it panics with http.ErrAbortHandler.
func (s *Sim) LoseAnswers(pattern string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose[pattern] = append(s.lose[pattern], statuses...)
}

// AddActivity creates an activity from file as another application
// uploads it, e.g. Polar Flow's own Strava sync: a later upload of the same
// file is a "duplicate of" it. sportType "" is Workout.
func (s *Sim) AddActivity(file []byte, name, sportType string) Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sportType == "" {
		sportType = "Workout"
	}
	sum := sha256.Sum256(file)
	s.nextUpload++ // the other application's upload, not visible to this one
	s.nextActivity++
	a := &Activity{
		ID: s.nextActivity, UploadID: s.nextUpload, Name: name, SportType: sportType,
		DataType: "fit", FileHash: hex.EncodeToString(sum[:]),
	}
	s.activities[a.ID] = a
	return *a
}

// TooManyRequests is the number of 429 answers so far.
func (s *Sim) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooMany
}

// UseRateLimit counts n requests against the current windows, as another
// client of the same application would.
func (s *Sim) UseRateLimit(n int, read bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate.roll(s.now())
	for range n {
		s.rate.count(read)
	}
}

// processLocked finishes uploads whose processing time has come.
func (s *Sim) processLocked() {
	now := s.now()
	ids := make([]int64, 0, len(s.uploads))
	for id, u := range s.uploads {
		if !u.done && !now.Before(u.readyAt) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		u := s.uploads[id]
		u.done = true
		switch {
		case !u.valid:
			u.err = u.filename + " Improperly formatted data."
		case s.duplicateOfLocked(u) != nil:
			u.err = s.duplicateMessageLocked(u, s.duplicateOfLocked(u))
		default:
			s.nextActivity++
			a := &Activity{
				ID: s.nextActivity, UploadID: u.id, ExternalID: u.externalID,
				Name: u.name, Description: u.desc, SportType: "Workout",
				Trainer: u.trainer, Commute: u.commute, DataType: u.dataType, FileHash: u.hash,
			}
			if a.Name == "" {
				a.Name = "Workout"
			}
			s.activities[a.ID] = a
			u.activityID = a.ID
		}
	}
}

// duplicateOfLocked returns an existing activity with u's external id or
// file, or nil.
func (s *Sim) duplicateOfLocked(u *upload) *Activity {
	var found *Activity
	for _, a := range s.activities {
		if a.Deleted || a.UploadID == u.id {
			continue
		}
		if (u.externalID != "" && a.ExternalID == u.externalID) || a.FileHash == u.hash {
			if found == nil || a.ID < found.ID {
				found = a
			}
		}
	}
	return found
}

func (s *Sim) duplicateMessageLocked(u *upload, a *Activity) string {
	if s.dupForm == DuplicateActivity {
		return fmt.Sprintf("%s duplicate of activity %d", u.filename, a.ID)
	}
	return fmt.Sprintf("%s duplicate of <a href='/activities/%d' target='_blank'>%s</a>", u.filename, a.ID, a.Name)
}

func (u *upload) status() string {
	switch {
	case !u.done:
		return StatusProcessing
	case u.err != "":
		return StatusError
	default:
		return StatusReady
	}
}

func scopeSet(scope string) map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.FieldsFunc(scope, func(r rune) bool { return r == ',' || r == ' ' }) {
		m[s] = true
	}
	return m
}

func scopeString(m map[string]bool) string {
	out := make([]string, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func randomToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Authorize plays the browser for an authorization URL (of this sim): the
// athlete approves, and the redirect's code, scope and state are returned.
func (s *Sim) Authorize(authURL string) (code, scope, state string, err error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", "", "", err
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
	if rec.Code != http.StatusFound {
		return "", "", "", fmt.Errorf("stravasim: authorize answered %d: %s", rec.Code, rec.Body.String())
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		return "", "", "", err
	}
	q := loc.Query()
	return q.Get("code"), q.Get("scope"), q.Get("state"), nil
}
