package accesslinksim

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"
)

// Users returns all simulated users in creation order.
func (s *Simulator) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, len(s.users))
	for i, u := range s.users {
		out[i] = u.snapshot()
	}
	return out
}

// Exercises returns every exercise of the user in upload order, including
// ones the API would not show (older than 30 days, before registration).
func (s *Simulator) Exercises(userID int64) []Exercise {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Exercise
	for _, ex := range s.exercises {
		if ex.userID == userID {
			out = append(out, ex.snapshot())
		}
	}
	return out
}

// ExerciseFIT returns the exact bytes the FIT endpoints serve, or nil when
// the exercise has no FIT file.
func (s *Simulator) ExerciseFIT(id string) ([]byte, error) {
	s.mu.Lock()
	ex := s.exByHash[id]
	var cp exercise
	if ex != nil {
		cp = *ex
	}
	s.mu.Unlock()
	if ex == nil {
		return nil, fmt.Errorf("accesslinksim: no exercise %q", id)
	}
	if cp.st == nil {
		return nil, nil
	}
	return cp.fitBytes()
}

// Nights returns the user's generated nights ordered by date.
func (s *Simulator) Nights(userID int64) []Night {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Night
	for _, n := range s.nights[userID] {
		out = append(out, n.snapshot())
	}
	slices.SortFunc(out, func(a, b Night) int { return cmp.Compare(a.Date, b.Date) })
	return out
}

// ExerciseSpec chooses what AddExercise generates; zero fields are random.
type ExerciseSpec struct {
	DetailedSport string        // one of SportNames()
	Duration      time.Duration // rounded to whole seconds
	NoFIT         bool          // manual entry: no samples, FIT endpoint answers 204
	// FITMissing and TCXMissing keep the samples (and the route) but have
	// that endpoint answer 204, as Polar does when it has no such file
	// for a recorded exercise ("No FIT available for exercise").
	FITMissing, TCXMissing bool
}

// AddExercise records a new exercise that ended and was uploaded just now,
// then pushes an EXERCISE webhook (subject to opts). Data is deterministic
// given the seed, the clock and the sequence of calls.
func (s *Simulator) AddExercise(userID int64, spec ExerciseSpec, opts ...PushOption) (Exercise, error) {
	s.mu.Lock()
	u := s.usersByID[userID]
	if u == nil {
		s.mu.Unlock()
		return Exercise{}, fmt.Errorf("accesslinksim: no user %d", userID)
	}
	p := pickSportFor(spec.DetailedSport)
	if spec.DetailedSport != "" && p == nil {
		s.mu.Unlock()
		return Exercise{}, fmt.Errorf("accesslinksim: unknown sport %q", spec.DetailedSport)
	}
	seq := s.addSeq[userID]
	s.addSeq[userID]++
	rng := s.rngFor(saltAddExercise, uint64(userID), seq)
	if p == nil {
		p = pickSport(rng)
	}
	dur := int(spec.Duration / time.Second)
	if dur <= 0 {
		dur = p.minMin*60 + rng.IntN((p.maxMin-p.minMin)*60+1)
	}
	now := s.now()
	start := now.Add(-time.Duration(dur)*time.Second - time.Duration(1+rng.IntN(5))*time.Minute).Truncate(time.Second)
	ex := s.newExercise(rng, u, p, start, dur, now, !spec.NoFIT)
	ex.noFIT, ex.noTCX = spec.FITMissing, spec.TCXMissing
	s.addExerciseLocked(ex)
	snap := ex.snapshot()
	s.mu.Unlock()

	s.PushWebhook(Event{Type: EventExercise, UserID: userID, EntityID: ex.hashID}, opts...)
	return snap, nil
}

func pickSportFor(name string) *sportProfile {
	if name == "" {
		return nil
	}
	return sportByName(name)
}

// AddSleep records the user's latest night, synced just now: it ended on
// the last local morning, whatever the hour (replacing any night with the
// same date, like a re-sync) with Nightly Recharge, then pushes a SLEEP
// webhook (subject to opts and WithDuplicateSleepPushes).
func (s *Simulator) AddSleep(userID int64, opts ...PushOption) (Night, error) {
	s.mu.Lock()
	u := s.usersByID[userID]
	if u == nil {
		s.mu.Unlock()
		return Night{}, fmt.Errorf("accesslinksim: no user %d", userID)
	}
	seq := s.addSeq[userID]
	s.addSeq[userID]++
	rng := s.rngFor(saltAddSleep, uint64(userID), seq)
	now := s.now()
	end := lastWake(rng, now, u.loc)
	start := end.Add(-time.Duration(6*3600+rng.IntN(3*3600)) * time.Second)
	n := genNight(rng, u, start, end)
	n.synced = now
	n.recharge = genRecharge(rng, u, n)
	s.nights[userID][n.date] = n
	snap := n.snapshot()
	s.mu.Unlock()

	s.PushWebhook(Event{Type: EventSleep, UserID: userID, Date: n.date}, opts...)
	s.pushSleepWise(snap, opts...)
	return snap, nil
}

// lastWake is the latest local morning (05:30 to 08:30) at or before now:
// a night synced "now" ended then, whatever the hour (in the evening it is
// this morning's night, before dawn yesterday's).
func lastWake(rng *rand.Rand, now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	m, sec := 5*60+30+rng.IntN(180), rng.IntN(60)
	wake := time.Date(l.Year(), l.Month(), l.Day(), m/60, m%60, sec, 0, loc)
	if wake.After(now) {
		y := l.AddDate(0, 0, -1)
		wake = time.Date(y.Year(), y.Month(), y.Day(), m/60, m%60, sec, 0, loc)
	}
	return wake
}

// ExerciseEdit describes a user editing an exercise in Flow; zero fields are
// left unchanged.
type ExerciseEdit struct {
	DetailedSport string
	Calories      int
}

// EditExercise changes an exercise's content. The FIT file is re-encoded
// with the new sport and calories, so clients must not cache by id alone.
// No webhook is sent; call PushWebhook to announce the change.
func (s *Simulator) EditExercise(id string, edit ExerciseEdit) (Exercise, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ex := s.exByHash[id]
	if ex == nil {
		return Exercise{}, fmt.Errorf("accesslinksim: no exercise %q", id)
	}
	if edit.DetailedSport != "" {
		p := sportByName(edit.DetailedSport)
		if p == nil {
			return Exercise{}, fmt.Errorf("accesslinksim: unknown sport %q", edit.DetailedSport)
		}
		ex.p = p
	}
	if edit.Calories > 0 {
		ex.calories = edit.Calories
	}
	ex.fit = &fitCache{} // handlers hold copies with the old cache
	return ex.snapshot(), nil
}

// Revoke revokes every access token of the user, as when the user removes
// the partner's access in Polar Flow; the API then answers 401.
func (s *Simulator) Revoke(userID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usersByID[userID] == nil {
		return fmt.Errorf("accesslinksim: no user %d", userID)
	}
	s.revokeLocked(userID)
	return nil
}

// SetConsentsMissing toggles whether the user lacks mandatory consents; while
// set, user resources answer 403.
func (s *Simulator) SetConsentsMissing(userID int64, missing bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	if u == nil {
		return fmt.Errorf("accesslinksim: no user %d", userID)
	}
	u.consentsMissing = missing
	return nil
}

// ApproveNext makes the next authorization request log in as this user.
func (s *Simulator) ApproveNext(userID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usersByID[userID] == nil {
		return fmt.Errorf("accesslinksim: no user %d", userID)
	}
	s.approveNext = userID
	return nil
}

// Webhook returns the registered webhook, if any.
func (s *Simulator) Webhook() (WebhookInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		return WebhookInfo{}, false
	}
	wh := s.webhook
	return WebhookInfo{ID: wh.id, Events: slices.Clone(wh.events), URL: wh.url, SecretKey: wh.secret, Active: wh.active}, true
}

// Deliveries returns every PING and push attempted so far, oldest first.
func (s *Simulator) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// Stats summarizes the traffic the simulator has seen.
type Stats struct {
	// Requests counts requests by route pattern, e.g.
	// "GET /v3/exercises/{exerciseID}/fit".
	Requests        map[string]int
	TooManyRequests int // requests answered 429
	MaxShortUsage   int // highest 15-minute usage observed
	MaxLongUsage    int // highest 24-hour usage observed
	ShortLimit      int
	LongLimit       int
}

// Stats returns request counters and rate-limit observations.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{
		Requests:        maps.Clone(s.requests),
		TooManyRequests: s.rl.rejected,
		MaxShortUsage:   s.rl.maxShort,
		MaxLongUsage:    s.rl.maxLong,
		ShortLimit:      s.rl.shortLimit,
		LongLimit:       s.rl.longLimit,
	}
}
