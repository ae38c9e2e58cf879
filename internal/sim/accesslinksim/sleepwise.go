package accesslinksim

import (
	"math"
	"net/http"
	"sort"
	"time"
)

// SleepWise and Elixir biosensing are derived from the user's nights, as
// Polar derives them: a night's alertness period runs from falling asleep
// to 15 hours after waking, graded from the sleep score, with hourly
// levels that follow sleep inertia, the morning peak and the afternoon
// dip; it is a prediction (VALIDITY_ESTIMATE) until its end has passed,
// then history (VALIDITY_VALID), so an item Polar re-computes arrives as
// a new version. The circadian bedtime period is the next night's window
// at the same local clock time (right across a DST change), 8 hours long,
// with a 30-minute sleep gate around its start. Each night has a skin
// temperature (user baseline plus a deviation) and a skin contact
// period; some mornings have a wrist ECG test (30 s at 130 Hz) or an
// SpO2 test. Every time is served in UTC without a zone, as documented;
// ECG and SpO2 test times are Unix seconds with the offset in minutes.
// The endpoints answer 204 when nothing is in range and 400 for a bad or
// over-28-day range.

// Salts for SleepWise and biosensing, apart from generate.go's.
const (
	saltSleepWise uint64 = 1000 + iota
	saltBiosensing
	saltBaseline
)

// sleepWiseMaxDays is Polar's documented maximum from..to span.
const sleepWiseMaxDays = 28

const (
	utcLayout      = "2006-01-02T15:04:05"
	utcFracLayout  = "2006-01-02T15:04:05.00"
	awakeAfterWake = 15 * time.Hour
)

// AlertnessHour is one entry of an alertness period's hourly_data.
type AlertnessHour struct {
	Validity       string `json:"validity"`
	AlertnessLevel string `json:"alertness_level"`
	StartTime      string `json:"start_time"`
	EndTime        string `json:"end_time"`
}

// Alertness is the documented "alertness" model, as served.
type Alertness struct {
	Grade                      float64         `json:"grade"`
	GradeValiditySeconds       int64           `json:"grade_validity_seconds"`
	GradeType                  string          `json:"grade_type"`
	GradeClassification        string          `json:"grade_classification"`
	Validity                   string          `json:"validity"`
	SleepInertia               string          `json:"sleep_inertia"`
	SleepType                  string          `json:"sleep_type"`
	ResultType                 string          `json:"result_type"`
	PeriodStartTime            string          `json:"period_start_time"`
	PeriodEndTime              string          `json:"period_end_time"`
	SleepPeriodStartTime       string          `json:"sleep_period_start_time"`
	SleepPeriodEndTime         string          `json:"sleep_period_end_time"`
	SleepTimezoneOffsetMinutes int             `json:"sleep_timezone_offset_minutes"`
	HourlyData                 []AlertnessHour `json:"hourly_data"`

	date string // the night's, for ranges
}

// CircadianBedtime is the documented "circadian-bedtime" model.
type CircadianBedtime struct {
	Validity                      string `json:"validity"`
	Quality                       string `json:"quality"`
	ResultType                    string `json:"result_type"`
	PeriodStartTime               string `json:"period_start_time"`
	PeriodEndTime                 string `json:"period_end_time"`
	PreferredSleepPeriodStartTime string `json:"preferred_sleep_period_start_time"`
	PreferredSleepPeriodEndTime   string `json:"preferred_sleep_period_end_time"`
	SleepGateStartTime            string `json:"sleep_gate_start_time"`
	SleepGateEndTime              string `json:"sleep_gate_end_time"`
	SleepTimezoneOffsetMinutes    int    `json:"sleep_timezone_offset_minutes"`

	date string
}

func utc(t time.Time) string { return t.UTC().Format(utcLayout) }

func offsetMinutes(t time.Time) int {
	_, off := t.Zone()
	return off / 60
}

// alertnessLevel follows hours since waking: inertia, morning peak,
// afternoon dip, evening high, then the decline towards bedtime.
func alertnessLevel(h float64) string {
	switch {
	case h < 1:
		return "ALERTNESS_LEVEL_LOW"
	case h < 5:
		return "ALERTNESS_LEVEL_VERY_HIGH"
	case h < 7:
		return "ALERTNESS_LEVEL_HIGH"
	case h < 9:
		return "ALERTNESS_LEVEL_LOW"
	case h < 12:
		return "ALERTNESS_LEVEL_HIGH"
	case h < 14:
		return "ALERTNESS_LEVEL_VERY_LOW"
	}
	return "ALERTNESS_LEVEL_MINIMAL"
}

// alertnessOf derives a night's alertness period as of now.
func (s *Simulator) alertnessOf(n *night, now time.Time) Alertness {
	rng := s.rngFor(saltSleepWise, uint64(n.userID), uint64(dayNumber(n.end)))
	end := n.end.Add(awakeAfterWake)
	grade := math.Round(float64(n.score)) / 10
	a := Alertness{
		Grade:                      grade,
		GradeValiditySeconds:       57600,
		GradeType:                  "GRADE_TYPE_PRIMARY",
		SleepType:                  "SLEEP_TYPE_PRIMARY",
		PeriodStartTime:            utc(n.start),
		PeriodEndTime:              utc(end),
		SleepPeriodStartTime:       n.start.UTC().Format(utcFracLayout),
		SleepPeriodEndTime:         n.end.UTC().Format(utcFracLayout),
		SleepTimezoneOffsetMinutes: offsetMinutes(n.start),
		date:                       n.date,
	}
	switch {
	case grade >= 8.5:
		a.GradeClassification = "GRADE_CLASSIFICATION_EXCELLENT"
	case grade >= 7:
		a.GradeClassification = "GRADE_CLASSIFICATION_STRONG"
	case grade >= 5:
		a.GradeClassification = "GRADE_CLASSIFICATION_FAIR"
	default:
		a.GradeClassification = "GRADE_CLASSIFICATION_WEAK"
	}
	a.SleepInertia = []string{"SLEEP_INERTIA_NO_INERTIA", "SLEEP_INERTIA_MILD", "SLEEP_INERTIA_MODERATE", "SLEEP_INERTIA_HEAVY"}[rng.IntN(4)]
	if end.After(now) {
		a.ResultType, a.Validity = "ALERTNESS_TYPE_PREDICTION", "VALIDITY_ESTIMATE"
	} else {
		a.ResultType, a.Validity = "ALERTNESS_TYPE_HISTORY", "VALIDITY_VALID"
	}
	// Hours start a minute after waking and end on whole UTC hours.
	t := n.end.Truncate(time.Minute).Add(time.Minute)
	for t.Before(end) {
		next := t.Truncate(time.Hour).Add(time.Hour)
		if next.After(end) {
			next = end
		}
		// The hours share the period's validity: Polar re-computes a
		// period once, when it becomes history, not every hour.
		a.HourlyData = append(a.HourlyData, AlertnessHour{
			Validity: a.Validity, AlertnessLevel: alertnessLevel(t.Sub(n.end).Hours()), StartTime: utc(t), EndTime: utc(next),
		})
		t = next
	}
	return a
}

// bedtimeOf derives the circadian bedtime period after a night.
func bedtimeOf(n *night, now time.Time) CircadianBedtime {
	start := n.start.Truncate(30 * time.Second)
	l := start.In(n.start.Location())
	start = time.Date(l.Year(), l.Month(), l.Day()+1, l.Hour(), l.Minute(), l.Second(), 0, l.Location())
	end := start.Add(8 * time.Hour)
	c := CircadianBedtime{
		PeriodStartTime: utc(start), PeriodEndTime: utc(end),
		PreferredSleepPeriodStartTime: utc(start), PreferredSleepPeriodEndTime: utc(end),
		SleepGateStartTime: utc(start.Add(-15 * time.Minute)), SleepGateEndTime: utc(start.Add(15 * time.Minute)),
		SleepTimezoneOffsetMinutes: offsetMinutes(start),
		date:                       n.date,
	}
	switch {
	case n.score >= 70:
		c.Quality = "CIRCADIAN_BEDTIME_QUALITY_CLEARLY_RECOGNIZABLE"
	case n.score >= 50:
		c.Quality = "CIRCADIAN_BEDTIME_QUALITY_COMPROMISED"
	default:
		c.Quality = "CIRCADIAN_BEDTIME_QUALITY_WEAK"
	}
	if start.After(now) {
		c.ResultType, c.Validity = "CIRCADIAN_BEDTIME_TYPE_PREDICTION", "VALIDITY_ESTIMATE"
	} else {
		c.ResultType, c.Validity = "CIRCADIAN_BEDTIME_TYPE_HISTORY", "VALIDITY_VALID"
	}
	return c
}

// syncedNightsLocked are the user's nights synced by now, oldest first;
// callers hold s.mu.
func (s *Simulator) syncedNightsLocked(u *user) []*night {
	now := s.now()
	var out []*night
	for _, n := range s.nights[u.id] {
		if !n.synced.After(now) {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].date < out[j].date })
	return out
}

// SleepWise returns every alertness and circadian bedtime period of the
// user as the API serves it now (no 28-day limit), oldest first.
func (s *Simulator) SleepWise(userID int64) ([]Alertness, []CircadianBedtime) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	if u == nil {
		return nil, nil
	}
	now := s.now()
	var as []Alertness
	var cs []CircadianBedtime
	for _, n := range s.syncedNightsLocked(u) {
		as = append(as, s.alertnessOf(n, now))
		cs = append(cs, bedtimeOf(n, now))
	}
	return as, cs
}

// Date of an entry, for ranges: the night's (the local date it ended on).
func (a Alertness) Date() string        { return a.date }
func (c CircadianBedtime) Date() string { return c.date }

// dayRange reads from and to (YYYY-MM-DD, inclusive, at most 28 days).
// required: both must be given; otherwise neither means the last 28
// days of the user's today. ok false: a 400 was written.
func (s *Simulator) dayRange(w http.ResponseWriter, r *http.Request, u *user, required bool) (from, to string, ok bool) {
	q := r.URL.Query()
	from, to = q.Get("from"), q.Get("to")
	if from == "" && to == "" && !required {
		today := s.now().In(u.loc)
		return today.AddDate(0, 0, -(sleepWiseMaxDays - 1)).Format(dateLayout), today.Format(dateLayout), true
	}
	f, okF := parseDay(from)
	t, okT := parseDay(to)
	switch {
	case !okF || !okT:
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "from and to must be YYYY-MM-DD dates")
	case t < f:
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "to is before from")
	case t-f+1 > sleepWiseMaxDays:
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "maximum date range between from and to cannot be more than 28 days")
	default:
		return from, to, true
	}
	return "", "", false
}

// writeList answers a list, or 204 when it is empty, as documented.
func writeList[T any](w http.ResponseWriter, list []T) {
	if len(list) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func inRange(date, from, to string) bool { return date >= from && date <= to }

func (s *Simulator) serveAlertness(w http.ResponseWriter, r *http.Request, required bool) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	from, to, ok := s.dayRange(w, r, u, required)
	if !ok {
		return
	}
	as, _ := s.SleepWise(u.id)
	out := []Alertness{}
	for _, a := range as {
		if inRange(a.date, from, to) {
			out = append(out, a)
		}
	}
	writeList(w, out)
}

func (s *Simulator) serveBedtime(w http.ResponseWriter, r *http.Request, required bool) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	from, to, ok := s.dayRange(w, r, u, required)
	if !ok {
		return
	}
	_, cs := s.SleepWise(u.id)
	out := []CircadianBedtime{}
	for _, c := range cs {
		if inRange(c.date, from, to) {
			out = append(out, c)
		}
	}
	writeList(w, out)
}

// The 28-day lists take no parameters; the /date ones require both.
func (s *Simulator) handleListAlertness(w http.ResponseWriter, r *http.Request) {
	r.URL.RawQuery = ""
	s.serveAlertness(w, r, false)
}
func (s *Simulator) handleAlertnessRange(w http.ResponseWriter, r *http.Request) {
	s.serveAlertness(w, r, true)
}
func (s *Simulator) handleListBedtime(w http.ResponseWriter, r *http.Request) {
	r.URL.RawQuery = ""
	s.serveBedtime(w, r, false)
}
func (s *Simulator) handleBedtimeRange(w http.ResponseWriter, r *http.Request) {
	s.serveBedtime(w, r, true)
}

// pushSleepWise announces a night's SleepWise periods, as Polar does
// after a sleep: from the night's start date to its end date.
func (s *Simulator) pushSleepWise(n Night, opts ...PushOption) {
	from, to := n.Start.Format(dateLayout), n.End.Format(dateLayout)
	s.PushWebhook(Event{Type: EventAlertness, UserID: n.UserID, From: from, To: to}, opts...)
	s.PushWebhook(Event{Type: EventCircadianBedtime, UserID: n.UserID, From: from, To: to}, opts...)
}

// rangePayload is the documented webhookPayloadAlertness and
// webhookPayloadCircadianBedtime.
type rangePayload struct {
	Event     string `json:"event"`
	UserID    int64  `json:"user_id"`
	From      string `json:"from"`
	To        string `json:"to"`
	Timestamp string `json:"timestamp"`
	URL       string `json:"url"`
}

// sleepWisePayload builds a SleepWise push. Its url is as documented,
// quirk included: circadian_bedtime with an underscore, a path the API
// does not serve.
func sleepWisePayload(ev Event, ts, base string) rangePayload {
	path := "alertness"
	if ev.Type == EventCircadianBedtime {
		path = "circadian_bedtime"
	}
	return rangePayload{
		Event: ev.Type, UserID: ev.UserID, From: ev.From, To: ev.To, Timestamp: ts,
		URL: base + "/v3/users/sleepwise/" + path + "/date?from=" + ev.From + "&to=" + ev.To,
	}
}
