package accesslinksim

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Cardio load is derived from the exercises' training load (TRIMP), as
// Polar derives it: a day's cardio load is the sum of the training loads
// of the exercises that started that day (the user's local day) and have
// been synced; strain is the average daily load of the past 7 days,
// tolerance of the past 28, the ratio strain / tolerance. The status
// follows the ratio (below 0.8 detraining, to 1.0 maintaining, to 1.5
// productive, above overreaching); the levels scale the average load of
// the days with training of the past 90 days. A day with no training in
// its 28 days, or a day still ahead, is LOAD_STATUS_NOT_AVAILABLE with
// no values, which every range lists anyway, as documented.

// maxCardioDays bounds a requested range so the simulator stays cheap;
// Polar documents no limit.
const maxCardioDays = 3700

type cardioLevelJSON struct {
	VeryLow  float64 `json:"very_low"`
	Low      float64 `json:"low"`
	Medium   float64 `json:"medium"`
	High     float64 `json:"high"`
	VeryHigh float64 `json:"very-high"` // sic: the docs hyphenate only this key
}

type cardioLoadJSON struct {
	Date      string          `json:"date"`
	Status    string          `json:"cardio_load_status"`
	Load      float64         `json:"cardio_load"`
	Strain    float64         `json:"strain"`
	Tolerance float64         `json:"tolerance"`
	Ratio     float64         `json:"cardio_load_ratio"`
	Level     cardioLevelJSON `json:"cardio_load_level"`
}

// CardioLoadDay is a snapshot of one simulated day of cardio load.
type CardioLoadDay struct {
	UserID                  int64
	Date                    string
	Status                  string
	Load, Strain, Tolerance float64
	Ratio                   float64
	VeryLow, Low, Medium    float64
	High, VeryHigh          float64
	Available               bool // false: LOAD_STATUS_NOT_AVAILABLE
}

// CardioLoad returns the user's cardio load of date (YYYY-MM-DD) as the
// API serves it now.
func (s *Simulator) CardioLoad(userID int64, date string) CardioLoadDay {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	if u == nil {
		return CardioLoadDay{UserID: userID, Date: date}
	}
	d, err := time.Parse(dateLayout, date)
	if err != nil {
		return CardioLoadDay{UserID: userID, Date: date}
	}
	j := s.cardioDayLocked(u, s.dailyLoadsLocked(u), dayNumber(d))
	l := j.Level
	return CardioLoadDay{
		UserID: userID, Date: j.Date, Status: j.Status, Load: j.Load, Strain: j.Strain, Tolerance: j.Tolerance, Ratio: j.Ratio,
		VeryLow: l.VeryLow, Low: l.Low, Medium: l.Medium, High: l.High, VeryHigh: l.VeryHigh,
		Available: j.Status != "LOAD_STATUS_NOT_AVAILABLE",
	}
}

// dailyLoadsLocked sums the user's synced exercises' training load per
// local day number; callers hold s.mu.
func (s *Simulator) dailyLoadsLocked(u *user) map[int64]float64 {
	now := s.now()
	loads := make(map[int64]float64)
	for _, ex := range s.exercises {
		if ex.userID != u.id || ex.upload.After(now) {
			continue
		}
		loads[dayNumber(ex.start.In(u.loc))] += ex.trainingLoad
	}
	return loads
}

// cardioDayLocked computes one day; callers hold s.mu.
func (s *Simulator) cardioDayLocked(u *user, loads map[int64]float64, day int64) cardioLoadJSON {
	date := time.Unix(day*86400, 0).UTC().Format(dateLayout)
	out := cardioLoadJSON{Date: date, Status: "LOAD_STATUS_NOT_AVAILABLE"}
	if day > dayNumber(s.now().In(u.loc)) {
		return out
	}
	sum := func(days int64) float64 {
		var t float64
		for d := day - days + 1; d <= day; d++ {
			t += loads[d]
		}
		return t
	}
	strain, tolerance := sum(7)/7, sum(28)/28
	if tolerance == 0 {
		return out
	}
	var trained, total float64
	for d := day - 89; d <= day; d++ {
		if loads[d] > 0 {
			trained++
			total += loads[d]
		}
	}
	avg := total / trained
	ratio := strain / tolerance
	out.Load, out.Strain, out.Tolerance, out.Ratio = round1(loads[day]), round1(strain), round1(tolerance), math.Round(ratio*100)/100
	switch {
	case ratio < 0.8:
		out.Status = "DETRAINING"
	case ratio < 1.0:
		out.Status = "MAINTAINING"
	case ratio <= 1.5:
		out.Status = "PRODUCTIVE"
	default:
		out.Status = "OVERREACHING"
	}
	out.Level = cardioLevelJSON{VeryLow: round1(avg * 0.4), Low: round1(avg * 0.7), Medium: round1(avg), High: round1(avg * 1.3), VeryHigh: round1(avg * 1.6)}
	return out
}

// serveCardioDays answers the days from..to (day numbers, inclusive).
func (s *Simulator) serveCardioDays(w http.ResponseWriter, u *user, from, to int64) {
	if from > to || to-from+1 > maxCardioDays {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "invalid date range")
		return
	}
	s.mu.Lock()
	loads := s.dailyLoadsLocked(u)
	out := make([]cardioLoadJSON, 0, to-from+1)
	for d := from; d <= to; d++ {
		out = append(out, s.cardioDayLocked(u, loads, d))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) cardioToday(u *user) int64 { return dayNumber(s.now().In(u.loc)) }

func (s *Simulator) handleListCardioLoad(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	today := s.cardioToday(u)
	s.serveCardioDays(w, u, today-27, today)
}

func parseDay(v string) (int64, bool) {
	t, err := time.Parse(dateLayout, v)
	if err != nil {
		return 0, false
	}
	return dayNumber(t), true
}

// handleGetCardioLoad answers a one-element list, as documented, for any
// valid date.
func (s *Simulator) handleGetCardioLoad(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	day, ok := parseDay(r.PathValue("date"))
	if !ok {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "invalid date")
		return
	}
	s.serveCardioDays(w, u, day, day)
}

func (s *Simulator) handleCardioLoadRange(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	from, okFrom := parseDay(r.URL.Query().Get("from"))
	to, okTo := parseDay(r.URL.Query().Get("to"))
	if !okFrom || !okTo {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "from and to must be YYYY-MM-DD")
		return
	}
	s.serveCardioDays(w, u, from, to)
}

func (s *Simulator) handleCardioLoadDays(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("days"))
	if err != nil || n < 1 || n > maxCardioDays {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "invalid period of days")
		return
	}
	today := s.cardioToday(u)
	s.serveCardioDays(w, u, today-int64(n)+1, today)
}

func (s *Simulator) handleCardioLoadMonths(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("months"))
	if err != nil || n < 1 || n > maxCardioDays/31 {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "invalid period of months")
		return
	}
	local := s.now().In(u.loc)
	today := dayNumber(local)
	first := dayNumber(local.AddDate(0, -n, 0)) + 1
	s.serveCardioDays(w, u, first, today)
}
