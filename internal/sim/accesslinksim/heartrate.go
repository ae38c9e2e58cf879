package accesslinksim

import (
	"fmt"
	"math"
	"net/http"
	"time"
)

// 24/7 heart rate: the watch records while worn, one sample every
// WithContinuousHeartRateInterval (the docs' default 5 minutes; newer
// watches record every 5 s, some 17,000 samples a day), each keyed by the
// device's local clock time "HH:MM:SS" on the user's local date, with no
// offset. Days follow the user's IANA zone, so a spring-forward day has no
// samples in its skipped hour and a fall-back day has the repeated hour's
// clock times twice, in recording order. The watch is not worn in the
// morning shower, while charging (some days) and for a few loose-strap
// minutes; training sessions are not in this resource at all (the docs
// send them to the training data), so the user's exercises are gaps too.
// Heart rate is low during the user's nights, higher and wandering by day.
//
// Polar has a sample once the watch synced it: every user synced at the
// simulator's start; SyncContinuousHeartRate syncs again (today's day
// grows, yesterday's last hours may arrive after midnight) and pushes
// CONTINUOUS_HEART_RATE for each day that got samples.

// saltHeartRate seeds each user's day of 24/7 heart rate; beyond the
// salts of generate.go so the other streams are untouched.
const saltHeartRate uint64 = 101

// maxHeartRateRangeDays is the longest from..to the ranged endpoint
// answers: the docs' own example spans 28 days, as the other ranged
// endpoints allow.
const maxHeartRateRangeDays = 28

type continuousHRSampleJSON struct {
	HeartRate  int    `json:"heart_rate"`
	SampleTime string `json:"sample_time"`
}

// continuousHRJSON is the documented "continuous-heartrate" model.
type continuousHRJSON struct {
	PolarUser string                   `json:"polar_user"`
	Date      string                   `json:"date"`
	Samples   []continuousHRSampleJSON `json:"heart_rate_samples"`
}

// HeartRateSample is one simulated sample at its absolute instant (in the
// user's zone).
type HeartRateSample struct {
	At  time.Time
	BPM int
}

// ContinuousHeartRate returns the user's samples of the local date
// (YYYY-MM-DD) as the API serves them now, in recording order.
func (s *Simulator) ContinuousHeartRate(userID int64, date string) []HeartRateSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	d, err := time.Parse(dateLayout, date)
	if u == nil || err != nil {
		return nil
	}
	return s.heartRateDayLocked(u, dayNumber(d))
}

// SyncContinuousHeartRate makes the user's samples up to now visible,
// as a sync of the watch does, and pushes CONTINUOUS_HEART_RATE (subject
// to opts) for each local date that got samples; it returns those dates.
func (s *Simulator) SyncContinuousHeartRate(userID int64, opts ...PushOption) ([]string, error) {
	s.mu.Lock()
	u := s.usersByID[userID]
	if u == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("accesslinksim: no user %d", userID)
	}
	now := s.now()
	before := s.hrSyncedLocked(u)
	var dates []string
	if now.After(before) {
		from, to := dayNumber(before.In(u.loc)), dayNumber(now.In(u.loc))
		counts := make(map[int64]int)
		for d := from; d <= to; d++ {
			counts[d] = len(s.heartRateDayLocked(u, d))
		}
		s.hrSynced[u.id] = now
		for d := from; d <= to; d++ {
			if len(s.heartRateDayLocked(u, d)) > counts[d] {
				dates = append(dates, time.Unix(d*86400, 0).UTC().Format(dateLayout))
			}
		}
	}
	s.mu.Unlock()
	for _, date := range dates {
		s.PushWebhook(Event{Type: EventContinuousHeartRate, UserID: userID, Date: date}, opts...)
	}
	return dates, nil
}

// hrSyncedLocked is when the user's watch last synced; callers hold s.mu.
func (s *Simulator) hrSyncedLocked(u *user) time.Time {
	if s.hrSynced == nil {
		s.hrSynced = make(map[int64]time.Time)
	}
	t, ok := s.hrSynced[u.id]
	if !ok {
		t = s.createdAt
		s.hrSynced[u.id] = t
	}
	return t
}

// heartRateVisibleLocked reports whether the API serves the local day:
// one of the simulator's history days, up to today.
func (s *Simulator) heartRateVisibleLocked(u *user, day int64) bool {
	today := dayNumber(s.now().In(u.loc))
	return day <= today && day > today-int64(s.cfg.historyDays)
}

// interval is a span of absolute time.
type interval struct{ from, to time.Time }

func (iv interval) contains(t time.Time) bool { return !t.Before(iv.from) && t.Before(iv.to) }

// heartRateDayLocked generates the synced samples of a local day;
// callers hold s.mu. Deterministic for the seed, user and day: a later
// sync appends (an exercise or night added meanwhile makes a gap).
func (s *Simulator) heartRateDayLocked(u *user, day int64) []HeartRateSample {
	if !s.heartRateVisibleLocked(u, day) {
		return nil
	}
	synced := s.hrSyncedLocked(u)
	start, end := dayStart(day, u.loc), dayStart(day+1, u.loc)
	rng := s.rngFor(saltHeartRate, uint64(u.id), uint64(day))
	every := s.cfg.heartRateInterval

	// Not worn: the shower, charging, a loose strap, training sessions.
	var gaps []interval
	shower := start.Add(6*time.Hour + time.Duration(rng.IntN(150))*time.Minute)
	gaps = append(gaps, interval{shower, shower.Add(time.Duration(10+rng.IntN(25)) * time.Minute)})
	if rng.IntN(2) == 0 {
		charge := start.Add(12*time.Hour + time.Duration(rng.IntN(8*60))*time.Minute)
		gaps = append(gaps, interval{charge, charge.Add(time.Duration(40+rng.IntN(50)) * time.Minute)})
	}
	for range rng.IntN(4) {
		loose := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
		gaps = append(gaps, interval{loose, loose.Add(time.Duration(2+rng.IntN(9)) * time.Minute)})
	}
	for _, ex := range s.exercises {
		iv := interval{ex.start, ex.start.Add(time.Duration(ex.durSec) * time.Second)}
		if ex.userID == u.id && iv.to.After(start) && iv.from.Before(end) {
			gaps = append(gaps, iv)
		}
	}
	var nights []interval
	for _, n := range s.nights[u.id] {
		if n.end.After(start) && n.start.Before(end) {
			nights = append(nights, interval{n.start, n.end})
		}
	}

	rest := float64(u.restHR)
	drift := 0.0
	var out []HeartRateSample
	phase := time.Duration(rng.Int64N(int64(min(every, time.Minute))/int64(time.Second))) * time.Second
	for at := start.Add(phase); at.Before(end) && at.Before(synced); at = at.Add(every) {
		drift += rng.NormFloat64()*0.6 - drift*0.02
		if inAny(gaps, at) {
			continue
		}
		hr := rest + 18 + drift + 6*math.Sin(2*math.Pi*float64(at.Sub(start))/float64(5*time.Hour))
		if inAny(nights, at) {
			hr = rest - 3 + drift/3
		}
		hr += rng.NormFloat64()
		out = append(out, HeartRateSample{At: at.In(u.loc), BPM: int(math.Round(max(35, min(180, hr))))})
	}
	return out
}

func inAny(ivs []interval, t time.Time) bool {
	for _, iv := range ivs {
		if iv.contains(t) {
			return true
		}
	}
	return false
}

// heartRateDayJSON is the day as the API serves it; callers hold s.mu.
func (s *Simulator) heartRateDayJSON(u *user, day int64, samples []HeartRateSample) continuousHRJSON {
	out := continuousHRJSON{
		PolarUser: fmt.Sprintf("%s/v3/users/%d", s.base(), u.id),
		Date:      time.Unix(day*86400, 0).UTC().Format(dateLayout),
		Samples:   make([]continuousHRSampleJSON, len(samples)),
	}
	for i, p := range samples {
		out.Samples[i] = continuousHRSampleJSON{HeartRate: p.BPM, SampleTime: p.At.Format("15:04:05")}
	}
	return out
}

// handleGetHeartRate answers one date; 404 "No data found for date" (or
// WithNoDataStatus) when the day has no samples.
func (s *Simulator) handleGetHeartRate(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	day, ok := parseDay(r.PathValue("date"))
	if !ok {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "invalid date")
		return
	}
	s.mu.Lock()
	samples := s.heartRateDayLocked(u, day)
	var out continuousHRJSON
	if len(samples) > 0 {
		out = s.heartRateDayJSON(u, day, samples)
	}
	s.mu.Unlock()
	if len(samples) == 0 {
		if s.cfg.noDataStatus == http.StatusNoContent {
			w.WriteHeader(http.StatusNoContent)
		} else {
			writeError(w, s.now(), s.cfg.noDataStatus, "NOT_FOUND", "no data found for date")
		}
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleHeartRateRange answers from..to (both required, inclusive, at
// most 28 days) as a list of the documented day objects, the days with
// samples only, oldest first.
func (s *Simulator) handleHeartRateRange(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	from, okFrom := parseDay(r.URL.Query().Get("from"))
	to, okTo := parseDay(r.URL.Query().Get("to"))
	if !okFrom || !okTo || from > to || to-from+1 > maxHeartRateRangeDays {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "from and to must be YYYY-MM-DD, at most 28 days apart")
		return
	}
	s.mu.Lock()
	out := []continuousHRJSON{}
	for d := from; d <= to; d++ {
		if samples := s.heartRateDayLocked(u, d); len(samples) > 0 {
			out = append(out, s.heartRateDayJSON(u, d, samples))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
