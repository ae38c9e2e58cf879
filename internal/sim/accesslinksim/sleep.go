package accesslinksim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"sort"
	"time"
)

// Hypnogram stages as documented: 0 WAKE, 1 REM, 2 LIGHTER NON-REM,
// 3 LIGHT NON-REM, 4 DEEP NON-REM, 5 UNKNOWN.
const (
	stageWake    = 0
	stageREM     = 1
	stageLighter = 2
	stageLight   = 3
	stageDeep    = 4
	stageUnknown = 5
)

type stageChange struct {
	at    time.Time
	stage int
}

type night struct {
	userID     int64
	date       string // local date the sleep ended on
	start, end time.Time
	deviceID   string
	synced     time.Time

	hypnogram []stageChange
	hrSamples clockSeries

	light, deep, rem, unrecognized   int
	interruptions, shortInt, longInt int
	continuity                       float64
	continuityClass                  int
	score, charge, goal, rating      int
	cycles                           int
	groupDuration, groupSolidity     float64
	groupRegeneration                float64

	recharge *recharge
}

type recharge struct {
	hrAvg, b2bAvg, hrvAvg int
	breathingAvg          float64
	status                int
	ansCharge             float64
	ansStatus             int
	hrv, breathing        clockSeries
}

// Night is a snapshot of a simulated night.
type Night struct {
	UserID      int64
	Date        string
	Start, End  time.Time // in the user's zone
	HasRecharge bool
}

func (n *night) snapshot() Night {
	return Night{UserID: n.userID, Date: n.date, Start: n.start, End: n.end, HasRecharge: n.recharge != nil}
}

// genNightDay generates the night ending on the given local day, if it was
// slept and synced before now. About one night in ten is missing.
func (s *Simulator) genNightDay(u *user, day int64, now time.Time) *night {
	rng := s.rngFor(saltNightDay, uint64(u.id), uint64(day))
	if rng.Float64() < 0.1 {
		return nil
	}
	midnight := dayStart(day, u.loc)
	var start time.Time
	if rng.Float64() < 0.65 { // most nights start before midnight
		start = midnight.Add(-time.Duration(5+rng.IntN(120)) * time.Minute)
	} else {
		start = midnight.Add(time.Duration(rng.IntN(100)) * time.Minute)
	}
	start = start.Add(time.Duration(rng.IntN(60)) * time.Second)
	dur := time.Duration(6*3600+rng.IntN(3*3600)) * time.Second
	n := genNight(rng, u, start, start.Add(dur))
	n.synced = n.end.Add(time.Duration(5+rng.IntN(120)) * time.Minute)
	if n.synced.After(now) {
		return nil
	}
	if rng.Float64() < 0.9 {
		n.recharge = genRecharge(rng, u, n)
	}
	return n
}

// genNight builds a hypnogram of roughly 90-minute cycles plus interruptions
// and derives every documented summary value from it.
func genNight(rng *rand.Rand, u *user, start, end time.Time) *night {
	start, end = start.In(u.loc), end.In(u.loc)
	n := &night{
		userID:   u.id,
		date:     end.Format(dateLayout),
		start:    start,
		end:      end,
		deviceID: u.deviceID,
		goal:     28800,
	}
	// Segments of whole minutes keep the "HH:MM" keys unique.
	t := start
	add := func(stage int, minutes int) {
		if !t.Before(end) || minutes <= 0 {
			return
		}
		seg := time.Duration(minutes) * time.Minute
		if t.Add(seg).After(end) {
			seg = end.Sub(t)
		}
		if len(n.hypnogram) == 0 || n.hypnogram[len(n.hypnogram)-1].stage != stage {
			n.hypnogram = append(n.hypnogram, stageChange{at: t, stage: stage})
		}
		secs := int(seg.Seconds())
		switch stage {
		case stageREM:
			n.rem += secs
		case stageLighter, stageLight:
			n.light += secs
		case stageDeep:
			n.deep += secs
		case stageUnknown:
			n.unrecognized += secs
		case stageWake:
			n.interruptions += secs
			if secs < 90 {
				n.shortInt += secs
			} else {
				n.longInt += secs
			}
		}
		t = t.Add(seg)
	}
	for cycle := 0; t.Before(end); cycle++ {
		deepShare := math.Max(0.2, 1-0.25*float64(cycle))
		add(stageLighter, 3+rng.IntN(8))
		add(stageLight, 10+rng.IntN(15))
		add(stageDeep, int(float64(15+rng.IntN(25))*deepShare))
		add(stageLight, 5+rng.IntN(10))
		if rng.Float64() < 0.1 {
			add(stageUnknown, 2+rng.IntN(6))
		}
		add(stageREM, 8+cycle*4+rng.IntN(10))
		if rng.Float64() < 0.5 {
			add(stageWake, 1+rng.IntN(4))
		}
		n.cycles++
	}

	// 5-minute heart rate averages, lowest in deep sleep.
	for at := start.Add(2 * time.Minute); at.Before(end); at = at.Add(5 * time.Minute) {
		hr := float64(u.restHR) - 4 + 6*stageHRBoost(n.hypnogram, at) + rng.NormFloat64()*1.5
		n.hrSamples = append(n.hrSamples, clockPoint{at: at, val: math.Round(hr)})
	}

	asleep := n.light + n.deep + n.rem + n.unrecognized
	n.continuity = math.Round((5-float64(n.longInt)/600-float64(n.shortInt)/300)*10) / 10
	n.continuity = math.Max(1, math.Min(5, n.continuity))
	n.continuityClass = int(math.Max(1, math.Min(5, math.Round(n.continuity))))
	n.groupDuration = math.Round(math.Min(100, float64(asleep)/float64(n.goal)*100)*10) / 10
	n.groupSolidity = math.Round((n.continuity/5*100)*10) / 10
	n.groupRegeneration = math.Round(math.Min(100, float64(n.deep+n.rem)/float64(asleep)*180)*10) / 10
	n.score = int(math.Round((n.groupDuration + n.groupSolidity + n.groupRegeneration) / 3))
	n.charge = 1 + min(4, n.score/20)
	if rng.Float64() < 0.3 {
		n.rating = 2 + rng.IntN(4)
	}
	return n
}

func stageHRBoost(h []stageChange, at time.Time) float64 {
	stage := stageLight
	for _, c := range h {
		if c.at.After(at) {
			break
		}
		stage = c.stage
	}
	switch stage {
	case stageDeep:
		return 0
	case stageWake:
		return 2
	case stageREM:
		return 1.5
	default:
		return 0.8
	}
}

// genRecharge covers the 4 hours starting 30 minutes after falling asleep;
// the averages are taken from the same samples that are returned.
func genRecharge(rng *rand.Rand, u *user, n *night) *recharge {
	rc := &recharge{}
	from, to := n.start.Add(30*time.Minute), n.start.Add(270*time.Minute)
	baseHRV := 25 + rng.Float64()*50
	baseBR := 12 + rng.Float64()*4
	var hrvSum, brSum, hrSum float64
	var hrvN, brN, hrN int
	for at := n.start.Add(2 * time.Minute); at.Before(n.end) && at.Before(to); at = at.Add(5 * time.Minute) {
		v := math.Max(5, math.Round(baseHRV+rng.NormFloat64()*6))
		rc.hrv = append(rc.hrv, clockPoint{at: at, val: v})
		if !at.Before(from) {
			hrvSum += v
			hrvN++
		}
	}
	for at := n.start; at.Before(n.end) && at.Before(to); at = at.Add(5 * time.Minute) {
		v := round1(baseBR + rng.NormFloat64()*0.4)
		rc.breathing = append(rc.breathing, clockPoint{at: at, val: v, dec: 1})
		if !at.Before(from) {
			brSum += v
			brN++
		}
	}
	for _, p := range n.hrSamples {
		if !p.at.Before(from) && p.at.Before(to) {
			hrSum += p.val
			hrN++
		}
	}
	if hrN == 0 || hrvN == 0 || brN == 0 {
		return nil
	}
	rc.hrAvg = int(math.Round(hrSum / float64(hrN)))
	rc.b2bAvg = int(math.Round(60000 / (hrSum / float64(hrN))))
	rc.hrvAvg = int(math.Round(hrvSum / float64(hrvN)))
	rc.breathingAvg = round1(brSum / float64(brN))
	rc.ansCharge = round1(rng.Float64()*20 - 10)
	rc.ansStatus = 1 + min(4, int((rc.ansCharge+10)/4))
	rc.status = max(1, min(6, (rc.ansStatus+n.charge)/2+rng.IntN(2)))
	return rc
}

// sleepJSON is the documented "sleep" model (underscore keys).
type sleepJSON struct {
	PolarUser                 string      `json:"polar_user"`
	Date                      string      `json:"date"`
	SleepStartTime            string      `json:"sleep_start_time"`
	SleepEndTime              string      `json:"sleep_end_time"`
	DeviceID                  string      `json:"device_id"`
	Continuity                float64     `json:"continuity"`
	ContinuityClass           int         `json:"continuity_class"`
	LightSleep                int         `json:"light_sleep"`
	DeepSleep                 int         `json:"deep_sleep"`
	REMSleep                  int         `json:"rem_sleep"`
	UnrecognizedSleepStage    int         `json:"unrecognized_sleep_stage"`
	SleepScore                int         `json:"sleep_score"`
	TotalInterruptionDuration int         `json:"total_interruption_duration"`
	SleepCharge               int         `json:"sleep_charge"`
	SleepGoal                 int         `json:"sleep_goal"`
	SleepRating               int         `json:"sleep_rating"`
	ShortInterruptionDuration int         `json:"short_interruption_duration"`
	LongInterruptionDuration  int         `json:"long_interruption_duration"`
	SleepCycles               int         `json:"sleep_cycles"`
	GroupDurationScore        float64     `json:"group_duration_score"`
	GroupSolidityScore        float64     `json:"group_solidity_score"`
	GroupRegenerationScore    float64     `json:"group_regeneration_score"`
	Hypnogram                 clockSeries `json:"hypnogram"`
	HeartRateSamples          clockSeries `json:"heart_rate_samples"`
}

func (n *night) json(base string) sleepJSON {
	hyp := make(clockSeries, len(n.hypnogram))
	for i, c := range n.hypnogram {
		hyp[i] = clockPoint{at: c.at, val: float64(c.stage)}
	}
	return sleepJSON{
		PolarUser:                 fmt.Sprintf("%s/v3/users/%d", base, n.userID),
		Date:                      n.date,
		SleepStartTime:            n.start.Format(time.RFC3339),
		SleepEndTime:              n.end.Format(time.RFC3339),
		DeviceID:                  n.deviceID,
		Continuity:                n.continuity,
		ContinuityClass:           n.continuityClass,
		LightSleep:                n.light,
		DeepSleep:                 n.deep,
		REMSleep:                  n.rem,
		UnrecognizedSleepStage:    n.unrecognized,
		SleepScore:                n.score,
		TotalInterruptionDuration: n.interruptions,
		SleepCharge:               n.charge,
		SleepGoal:                 n.goal,
		SleepRating:               n.rating,
		ShortInterruptionDuration: n.shortInt,
		LongInterruptionDuration:  n.longInt,
		SleepCycles:               n.cycles,
		GroupDurationScore:        n.groupDuration,
		GroupSolidityScore:        n.groupSolidity,
		GroupRegenerationScore:    n.groupRegeneration,
		Hypnogram:                 hyp,
		HeartRateSamples:          n.hrSamples,
	}
}

type rechargeJSON struct {
	PolarUser               string      `json:"polar_user"`
	Date                    string      `json:"date"`
	HeartRateAvg            int         `json:"heart_rate_avg"`
	BeatToBeatAvg           int         `json:"beat_to_beat_avg"`
	HeartRateVariabilityAvg int         `json:"heart_rate_variability_avg"`
	BreathingRateAvg        float64     `json:"breathing_rate_avg"`
	NightlyRechargeStatus   int         `json:"nightly_recharge_status"`
	ANSCharge               float64     `json:"ans_charge"`
	ANSChargeStatus         int         `json:"ans_charge_status"`
	HRVSamples              clockSeries `json:"hrv_samples"`
	BreathingSamples        clockSeries `json:"breathing_samples"`
}

func (n *night) rechargeJSON(base string) rechargeJSON {
	rc := n.recharge
	return rechargeJSON{
		PolarUser:               fmt.Sprintf("%s/v3/users/%d", base, n.userID),
		Date:                    n.date,
		HeartRateAvg:            rc.hrAvg,
		BeatToBeatAvg:           rc.b2bAvg,
		HeartRateVariabilityAvg: rc.hrvAvg,
		BreathingRateAvg:        rc.breathingAvg,
		NightlyRechargeStatus:   rc.status,
		ANSCharge:               rc.ansCharge,
		ANSChargeStatus:         rc.ansStatus,
		HRVSamples:              rc.hrv,
		BreathingSamples:        rc.breathing,
	}
}

// nightsLocked returns the user's visible nights (last 28 days, synced,
// registration rule), oldest first; callers hold s.mu.
func (s *Simulator) nightsLocked(u *user) []*night {
	now := s.now()
	oldest := now.In(u.loc).AddDate(0, 0, -sleepWindowDay).Format(dateLayout)
	var out []*night
	for _, n := range s.nights[u.id] {
		if n.date < oldest || n.synced.After(now) {
			continue
		}
		if s.cfg.strictRegWindow && n.synced.Before(u.registeredAt) {
			continue
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].date < out[j].date })
	return out
}

func (s *Simulator) handleListSleep(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	out := []sleepJSON{}
	for _, n := range s.nightsLocked(u) {
		out = append(out, n.json(s.base()))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string][]sleepJSON{"nights": out})
}

type availableSleepJSON struct {
	Date      string `json:"date"`
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
}

func (s *Simulator) handleAvailableSleep(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	out := []availableSleepJSON{}
	for _, n := range s.nightsLocked(u) {
		out = append(out, availableSleepJSON{
			Date:      n.date,
			StartTime: n.start.Format(time.RFC3339),
			EndTime:   n.end.Format(time.RFC3339),
		})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string][]availableSleepJSON{"available": out})
}

// nightForDate resolves {date}: 400 for an invalid date, the configured
// no-data status (404 per the docs) when nothing matches.
func (s *Simulator) nightForDate(w http.ResponseWriter, r *http.Request, needRecharge bool) (*night, string, bool) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return nil, "", false
	}
	date := r.PathValue("date")
	if _, err := time.Parse(dateLayout, date); err != nil {
		writeError(w, s.now(), http.StatusBadRequest, "BAD_REQUEST", "invalid date")
		return nil, "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.nightsLocked(u) {
		if n.date == date && (!needRecharge || n.recharge != nil) {
			return n, s.base(), true
		}
	}
	if s.cfg.noDataStatus == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
	} else {
		writeError(w, s.now(), s.cfg.noDataStatus, "NOT_FOUND", "no data found for date")
	}
	return nil, "", false
}

func (s *Simulator) handleGetSleep(w http.ResponseWriter, r *http.Request) {
	if n, base, ok := s.nightForDate(w, r, false); ok {
		writeJSON(w, http.StatusOK, n.json(base))
	}
}

func (s *Simulator) handleListRecharge(w http.ResponseWriter, r *http.Request) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	out := []rechargeJSON{}
	for _, n := range s.nightsLocked(u) {
		if n.recharge != nil {
			out = append(out, n.rechargeJSON(s.base()))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string][]rechargeJSON{"recharges": out})
}

func (s *Simulator) handleGetRecharge(w http.ResponseWriter, r *http.Request) {
	if n, base, ok := s.nightForDate(w, r, true); ok {
		writeJSON(w, http.StatusOK, n.rechargeJSON(base))
	}
}
