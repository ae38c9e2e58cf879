package accesslinksim

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Daily activity and physical information are served through their own
// transactions, as documented ("Transaction model", "Activity
// transactions", "Physical info"): POST creates a transaction (201) of at
// most 50 uncommitted entities not in another open transaction, or
// answers 204; an uncommitted transaction is disbanded after 10 minutes
// (404 from then on) and its entities go into the next one; PUT commits,
// and committed entities are gone. Every sync of a day (SyncActivity)
// is a new summary with its own created time, so a day synced at noon and
// again later, or two devices synced minutes apart, give two summaries of
// one date, the later one covering more.

const (
	actKindActivity = "activity"
	actKindPhysical = "physical"
)

// activityState is the simulator's activity and physical information.
type activityState struct {
	summaries  []*activitySummary
	physicals  []*physicalInfo
	txs        map[int64]*itemTx
	nextNum    int64
	failCommit bool
}

type activitySummary struct {
	num       int64
	userID    int64
	date      string    // the user's local day
	created   time.Time // AccessLink's time of the sync, UTC
	upTo      time.Time // data covers the day up to this instant
	devices   int
	malformed bool
	committed bool
}

type physicalInfo struct {
	num       int64
	userID    int64
	created   time.Time
	weight    float64
	height    float64
	maxHR     int
	restHR    int
	aerobic   int
	anaerobic int
	vo2max    int
	source    string
	committed bool
}

type itemTx struct {
	id      int64
	kind    string
	userID  int64
	nums    []int64
	created time.Time
	done    bool
}

func (s *Simulator) actLocked() *activityState {
	if s.act.txs == nil {
		s.act.txs = map[int64]*itemTx{}
		s.act.nextNum = 5000
	}
	return &s.act
}

// ActivitySpec shapes one sync of a day's activity.
type ActivitySpec struct {
	// Date is the user's local day, YYYY-MM-DD (default: today there).
	Date string
	// UpTo is how much of the day the device had when synced (default:
	// the whole day, or up to now for today).
	UpTo time.Time
	// Devices is how many devices' data the summary combines (default 1):
	// each adds its own steps.
	Devices int
	// Created is the summary's created time (default now): an earlier
	// one is a summary that reaches the bridge late (a delayed sync).
	Created time.Time
	// Malformed serves the summary with a created time that is not one
	// (a broken Polar answer).
	Malformed bool
}

// ActivitySummary is a snapshot of one simulated activity summary.
type ActivitySummary struct {
	ID          int64
	UserID      int64
	Date        string
	Created     time.Time
	ActiveSteps int
	Calories    int
	Committed   bool
}

// SyncActivity records a sync of a day: a new activity summary created
// now, covering the day up to spec.UpTo.
func (s *Simulator) SyncActivity(userID int64, spec ActivitySpec) (ActivitySummary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	if u == nil {
		return ActivitySummary{}, fmt.Errorf("accesslinksim: no user %d", userID)
	}
	now := s.now()
	if spec.Date == "" {
		spec.Date = now.In(u.loc).Format(dateLayout)
	}
	day, err := time.ParseInLocation(dateLayout, spec.Date, u.loc)
	if err != nil {
		return ActivitySummary{}, fmt.Errorf("accesslinksim: date %q: %w", spec.Date, err)
	}
	end := day.AddDate(0, 0, 1)
	if spec.UpTo.IsZero() || spec.UpTo.After(end) {
		spec.UpTo = end
	}
	if spec.UpTo.After(now) {
		spec.UpTo = now
	}
	if spec.Devices < 1 {
		spec.Devices = 1
	}
	created := now
	if !spec.Created.IsZero() {
		created = spec.Created
	}
	a := s.actLocked()
	a.nextNum++
	sm := &activitySummary{num: a.nextNum, userID: userID, date: spec.Date, created: created.UTC(), upTo: spec.UpTo, devices: spec.Devices, malformed: spec.Malformed}
	a.summaries = append(a.summaries, sm)
	return s.summarySnapshotLocked(u, sm), nil
}

// ActivitySummaries returns the user's summaries, in creation order.
func (s *Simulator) ActivitySummaries(userID int64) []ActivitySummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	var out []ActivitySummary
	for _, sm := range s.actLocked().summaries {
		if sm.userID == userID {
			out = append(out, s.summarySnapshotLocked(u, sm))
		}
	}
	return out
}

func (s *Simulator) summarySnapshotLocked(u *user, sm *activitySummary) ActivitySummary {
	j := s.summaryJSONLocked(u, sm, 0)
	return ActivitySummary{ID: sm.num, UserID: sm.userID, Date: sm.date, Created: sm.created, ActiveSteps: j.ActiveSteps, Calories: j.Calories, Committed: sm.committed}
}

// PhysicalSpec changes some of a user's physical settings; zero fields
// keep the user's current value.
type PhysicalSpec struct {
	Weight   float64 // kg
	VO2Max   int
	Measured bool // weight-source SOURCE_MEASURED (default SOURCE_USER)
}

// AddPhysicalInformation stores a new full physical information entry,
// created now, as Polar does whenever a setting changes; it returns the
// entry's id.
func (s *Simulator) AddPhysicalInformation(userID int64, spec PhysicalSpec) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	if u == nil {
		return 0, fmt.Errorf("accesslinksim: no user %d", userID)
	}
	if spec.Weight > 0 {
		u.weight = spec.Weight
	}
	a := s.actLocked()
	a.nextNum++
	vo2 := spec.VO2Max
	if vo2 == 0 {
		vo2 = int(math.Round(15 * float64(u.maxHR) / float64(u.restHR)))
	}
	src := "SOURCE_USER"
	if spec.Measured {
		src = "SOURCE_MEASURED"
	}
	p := &physicalInfo{
		num: a.nextNum, userID: userID, created: s.now().UTC(),
		weight: u.weight, height: u.height, maxHR: u.maxHR, restHR: u.restHR,
		// Polar's defaults: aerobic threshold about 70 %, anaerobic
		// about 85 % of the maximum.
		aerobic: int(math.Round(0.7 * float64(u.maxHR))), anaerobic: int(math.Round(0.85 * float64(u.maxHR))),
		vo2max: vo2, source: src,
	}
	a.physicals = append(a.physicals, p)
	return p.num, nil
}

// FailCommits makes activity and physical information commits (PUT)
// fail with 500 while on: the bridge has published the records but
// Polar never learns, as if the daemon died between publish and commit.
func (s *Simulator) FailCommits(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actLocked().failCommit = on
}

// activityRoutes registers the activity and physical information
// transaction endpoints.
func (s *Simulator) activityRoutes() {
	const atx = "/v3/users/{userID}/activity-transactions"
	s.handle("POST "+atx, true, s.itemTxCreate(actKindActivity))
	s.handle("GET "+atx+"/{txID}", true, s.itemTxList(actKindActivity))
	s.handle("PUT "+atx+"/{txID}", true, s.itemTxCommit(actKindActivity))
	s.handle("GET "+atx+"/{txID}/activities/{itemID}", true, s.handleActivitySummary)
	s.handle("GET "+atx+"/{txID}/activities/{itemID}/step-samples", true, s.handleActivitySteps)
	s.handle("GET "+atx+"/{txID}/activities/{itemID}/zone-samples", true, s.handleActivityZones)
	const ptx = "/v3/users/{userID}/physical-information-transactions"
	s.handle("POST "+ptx, true, s.itemTxCreate(actKindPhysical))
	s.handle("GET "+ptx+"/{txID}", true, s.itemTxList(actKindPhysical))
	s.handle("PUT "+ptx+"/{txID}", true, s.itemTxCommit(actKindPhysical))
	s.handle("GET "+ptx+"/{txID}/physical-informations/{itemID}", true, s.handlePhysicalInfo)
}

func (s *Simulator) itemTxOpenLocked(tx *itemTx) bool {
	return !tx.done && s.now().Before(tx.created.Add(txLifetime))
}

// pendingItemsLocked is the user's uncommitted entities of kind that are
// in no open transaction, oldest first; callers hold s.mu.
func (s *Simulator) pendingItemsLocked(u *user, kind string) []int64 {
	if !u.registered {
		return nil
	}
	a := s.actLocked()
	busy := map[int64]bool{}
	for _, tx := range a.txs {
		if tx.userID == u.id && tx.kind == kind && s.itemTxOpenLocked(tx) {
			for _, n := range tx.nums {
				busy[n] = true
			}
		}
	}
	var out []int64
	if kind == actKindActivity {
		for _, sm := range a.summaries {
			if sm.userID == u.id && !sm.committed && !busy[sm.num] {
				out = append(out, sm.num)
			}
		}
	} else {
		for _, p := range a.physicals {
			if p.userID == u.id && !p.committed && !busy[p.num] {
				out = append(out, p.num)
			}
		}
	}
	return out
}

func itemTxPath(kind string) (path, listKey, item string) {
	if kind == actKindActivity {
		return "activity-transactions", "activity-log", "activities"
	}
	return "physical-information-transactions", "physical-informations", "physical-informations"
}

func (s *Simulator) itemTxCreate(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.authRegistered(w, r)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !pathUser(r, u) {
			writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "user not found")
			return
		}
		pending := s.pendingItemsLocked(u, kind)
		if len(pending) == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		pending = pending[:min(len(pending), txMaxItems)]
		s.nextTxID++
		tx := &itemTx{id: s.nextTxID, kind: kind, userID: u.id, nums: pending, created: s.now()}
		s.actLocked().txs[tx.id] = tx
		path, _, _ := itemTxPath(kind)
		writeJSON(w, http.StatusCreated, transactionLocation{
			TransactionID: tx.id,
			ResourceURI:   fmt.Sprintf("%s/v3/users/%d/%s/%d", s.base(), u.id, path, tx.id),
		})
	}
}

// lookupItemTxLocked resolves {userID}/{txID} of kind, answering 404.
func (s *Simulator) lookupItemTxLocked(w http.ResponseWriter, r *http.Request, u *user, kind string) *itemTx {
	id, _ := strconv.ParseInt(r.PathValue("txID"), 10, 64)
	tx := s.actLocked().txs[id]
	if !pathUser(r, u) || tx == nil || tx.kind != kind || tx.userID != u.id || !s.itemTxOpenLocked(tx) {
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "no transaction found with given transaction id")
		return nil
	}
	return tx
}

func (s *Simulator) itemTxList(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.authRegistered(w, r)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		tx := s.lookupItemTxLocked(w, r, u, kind)
		if tx == nil {
			return
		}
		path, key, item := itemTxPath(kind)
		urls := make([]string, len(tx.nums))
		for i, n := range tx.nums {
			urls[i] = fmt.Sprintf("%s/v3/users/%d/%s/%d/%s/%d", s.base(), u.id, path, tx.id, item, n)
		}
		writeJSON(w, http.StatusOK, map[string][]string{key: urls})
	}
}

func (s *Simulator) itemTxCommit(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.authRegistered(w, r)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		tx := s.lookupItemTxLocked(w, r, u, kind)
		if tx == nil {
			return
		}
		a := s.actLocked()
		if a.failCommit {
			writeError(w, s.now(), http.StatusInternalServerError, "INTERNAL_ERROR", "commit failed (simulated)")
			return
		}
		tx.done = true
		in := map[int64]bool{}
		for _, n := range tx.nums {
			in[n] = true
		}
		for _, sm := range a.summaries {
			if in[sm.num] {
				sm.committed = true
			}
		}
		for _, p := range a.physicals {
			if in[p.num] {
				p.committed = true
			}
		}
		w.WriteHeader(http.StatusOK)
	}
}

// lookupTxSummaryLocked resolves an activity inside its transaction.
func (s *Simulator) lookupTxSummaryLocked(w http.ResponseWriter, r *http.Request, u *user) (*user, *itemTx, *activitySummary) {
	tx := s.lookupItemTxLocked(w, r, u, actKindActivity)
	if tx == nil {
		return nil, nil, nil
	}
	n, _ := strconv.ParseInt(r.PathValue("itemID"), 10, 64)
	for _, m := range tx.nums {
		if m != n {
			continue
		}
		for _, sm := range s.actLocked().summaries {
			if sm.num == n {
				return u, tx, sm
			}
		}
	}
	w.WriteHeader(http.StatusNoContent) // documented: no data available
	return nil, nil, nil
}

type activityJSON struct {
	ID             int64  `json:"id"`
	PolarUser      string `json:"polar-user"`
	TransactionID  int64  `json:"transaction-id"`
	Date           string `json:"date"`
	Created        string `json:"created"`
	Calories       int    `json:"calories"`
	ActiveCalories int    `json:"active-calories"`
	Duration       string `json:"duration"`
	ActiveSteps    int    `json:"active-steps"`
}

type stepSampleJSON struct {
	Steps *int   `json:"steps"`
	Time  string `json:"time"`
}

type durationZoneJSON struct {
	Index  int    `json:"index"`
	InZone string `json:"inzone"`
}

type zoneSampleJSON struct {
	Zones []durationZoneJSON `json:"activity-zones"`
	Time  string             `json:"time"`
}

// hour is one hour of a simulated day: its start and what it holds.
type hour struct {
	start             time.Time
	steps             int
	sleep, sed, light time.Duration
	moderate, vig     time.Duration
}

// hoursLocked is the day of sm, hour by hour in the user's zone (23 or 25
// of them on DST days), up to sm.upTo. Deterministic per user and date,
// so a later sync of the same day only adds hours (and devices).
func (s *Simulator) hoursLocked(u *user, sm *activitySummary) []hour {
	day, _ := time.ParseInLocation(dateLayout, sm.date, u.loc)
	end := day.AddDate(0, 0, 1)
	var out []hour
	i := uint64(0)
	for t := day; t.Before(end) && t.Before(sm.upTo); t = t.Add(time.Hour) {
		rng := s.rngFor(saltActivity, uint64(u.id), uint64(dayNumber(day)), i)
		i++
		h := hour{start: t}
		switch lh := t.Hour(); {
		case lh < 7 || lh >= 23:
			h.sleep = time.Hour
			h.steps = rng.IntN(15)
		default:
			walk := time.Duration(2+rng.IntN(12)) * time.Minute
			if lh == 18 && rng.IntN(2) == 0 {
				walk += 30 * time.Minute
			}
			h.moderate = walk
			h.vig = time.Duration(rng.IntN(3)) * time.Minute
			h.light = time.Duration(10+rng.IntN(15)) * time.Minute
			h.sed = time.Hour - h.moderate - h.vig - h.light
			h.steps = int(walk.Minutes())*100 + int(h.light.Minutes())*15 + rng.IntN(50)
		}
		// A second device adds what it counted on its own.
		h.steps += (sm.devices - 1) * h.steps / 5
		out = append(out, h)
	}
	return out
}

func (s *Simulator) summaryJSONLocked(u *user, sm *activitySummary, txID int64) activityJSON {
	hours := s.hoursLocked(u, sm)
	steps := 0
	var active time.Duration
	for _, h := range hours {
		steps += h.steps
		active += h.light + h.moderate + h.vig
	}
	// BMR from the user's weight (Mifflin-St Jeor, roughly), per hour.
	bmr := (10*u.weight + 6.25*u.height - 5*35 + 5) / 24 * float64(len(hours))
	activeKcal := int(math.Round(float64(steps) * 0.04 * u.weight / 75))
	createdText := sm.created.Format("2006-01-02T15:04:05.000Z")
	if sm.malformed {
		createdText = "yesterday"
	}
	return activityJSON{
		ID:             sm.num,
		PolarUser:      fmt.Sprintf("%s/v3/users/%d", s.base(), u.id),
		TransactionID:  txID,
		Date:           sm.date,
		Created:        createdText,
		Calories:       int(math.Round(bmr)) + activeKcal,
		ActiveCalories: activeKcal,
		Duration:       isoDuration(int(active.Seconds())),
		ActiveSteps:    steps,
	}
}

func (s *Simulator) handleActivitySummary(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, tx, sm := s.lookupTxSummaryLocked(w, r, u)
	if sm == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.summaryJSONLocked(u, sm, tx.id))
}

// wallClock is the device's local time of an hour, zone-less as served.
func wallClock(t time.Time) string { return t.Format("15:04:05.000") }

func (s *Simulator) handleActivitySteps(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, sm := s.lookupTxSummaryLocked(w, r, u)
	if sm == nil {
		return
	}
	hours := s.hoursLocked(u, sm)
	out := struct {
		Date     string           `json:"date"`
		Interval int              `json:"interval"`
		Samples  []stepSampleJSON `json:"samples"`
	}{Date: sm.date, Interval: 60}
	for i, h := range hours {
		smp := stepSampleJSON{Time: wallClock(h.start)}
		if i != 3 { // the device was off the wrist: null, as documented
			steps := h.steps
			smp.Steps = &steps
		}
		out.Samples = append(out.Samples, smp)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) handleActivityZones(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, sm := s.lookupTxSummaryLocked(w, r, u)
	if sm == nil {
		return
	}
	hours := s.hoursLocked(u, sm)
	out := struct {
		Date     string           `json:"date"`
		Interval int              `json:"interval"`
		Samples  []zoneSampleJSON `json:"samples"`
	}{Date: sm.date, Interval: 60}
	for _, h := range hours {
		smp := zoneSampleJSON{Time: wallClock(h.start)}
		for i, d := range []time.Duration{h.sleep, h.sed, h.light, h.moderate, h.vig} {
			if d > 0 {
				smp.Zones = append(smp.Zones, durationZoneJSON{Index: i, InZone: isoDuration(int(d.Seconds()))})
			}
		}
		out.Samples = append(out.Samples, smp)
	}
	writeJSON(w, http.StatusOK, out)
}

type physicalJSON struct {
	ID                 int64   `json:"id"`
	TransactionID      int64   `json:"transaction-id"`
	Created            string  `json:"created"`
	PolarUser          string  `json:"polar-user"`
	Weight             float64 `json:"weight"`
	Height             float64 `json:"height"`
	MaximumHeartRate   int     `json:"maximum-heart-rate"`
	RestingHeartRate   int     `json:"resting-heart-rate"`
	AerobicThreshold   int     `json:"aerobic-threshold"`
	AnaerobicThreshold int     `json:"anaerobic-threshold"`
	VO2Max             int     `json:"vo2-max"`
	WeightSource       string  `json:"weight-source"`
}

func (s *Simulator) handlePhysicalInfo(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.lookupItemTxLocked(w, r, u, actKindPhysical)
	if tx == nil {
		return
	}
	n, _ := strconv.ParseInt(r.PathValue("itemID"), 10, 64)
	for _, m := range tx.nums {
		if m != n {
			continue
		}
		for _, p := range s.actLocked().physicals {
			if p.num == n {
				writeJSON(w, http.StatusOK, physicalJSON{
					ID: p.num, TransactionID: tx.id, Created: p.created.Format("2006-01-02T15:04:05.000Z"),
					PolarUser: fmt.Sprintf("%s/v3/users/%d", s.base(), u.id),
					Weight:    p.weight, Height: p.height, MaximumHeartRate: p.maxHR, RestingHeartRate: p.restHR,
					AerobicThreshold: p.aerobic, AnaerobicThreshold: p.anaerobic, VO2Max: p.vo2max, WeightSource: p.source,
				})
				return
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// activityNotificationsLocked is the user's pull notifications for
// activity and physical information; callers hold s.mu.
func (s *Simulator) activityNotificationsLocked(u *user) []availableUserData {
	var out []availableUserData
	for _, kind := range []string{actKindActivity, actKindPhysical} {
		if len(s.pendingItemsLocked(u, kind)) == 0 {
			continue
		}
		path, _, _ := itemTxPath(kind)
		typ := "ACTIVITY_SUMMARY"
		if kind == actKindPhysical {
			typ = "PHYSICAL_INFORMATION"
		}
		out = append(out, availableUserData{UserID: u.id, DataType: typ, URL: fmt.Sprintf("%s/v3/users/%d/%s", s.base(), u.id, path)})
	}
	return out
}
