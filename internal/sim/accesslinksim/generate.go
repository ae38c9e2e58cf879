package accesslinksim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // users' zones resolve on machines without a zoneinfo

	"github.com/tormoder/fit"
)

// Salts keep the random streams of different kinds of data independent, so
// e.g. adding sleep later never changes which exercises were generated.
const (
	saltUsers uint64 = iota + 1
	saltExerciseDay
	saltNightDay
	saltAddExercise
	saltAddSleep
	saltActivity
)

// mix is splitmix64 over the inputs; it derives one seed per data item.
func mix(vals ...uint64) uint64 {
	var h uint64 = 0x9e3779b97f4a7c15
	for _, v := range vals {
		h ^= v
		h += 0x9e3779b97f4a7c15
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
		h = (h ^ (h >> 27)) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}

func (s *Simulator) rngFor(vals ...uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.cfg.seed, mix(vals...)))
}

type city struct {
	name     string
	lat, lon float64
	alt      float64
	zone     string // IANA: users' days, nights and DST follow it
}

// cities are where the simulated users live, in the order users get them:
// both hemispheres' DST rules, a half-hour offset, and zones whose local
// midnight falls at every part of the UTC day.
var cities = []city{
	{"Kempele", 64.912, 25.508, 20, "Europe/Helsinki"},
	{"Helsinki", 60.170, 24.938, 15, "Europe/Helsinki"},
	{"Berlin", 52.520, 13.405, 35, "Europe/Berlin"},
	{"Boulder", 40.015, -105.270, 1650, "America/Denver"},
	{"New York", 40.713, -74.006, 10, "America/New_York"},
	{"Bengaluru", 12.972, 77.594, 920, "Asia/Kolkata"},
	{"Sydney", -33.869, 151.209, 40, "Australia/Sydney"},
	{"Honolulu", 21.307, -157.858, 5, "Pacific/Honolulu"},
}

// Zones lists the IANA zones of the simulated users, in the order users
// are given them (user i lives in Zones()[i%len]).
func Zones() []string {
	out := make([]string, len(cities))
	for i, c := range cities {
		out[i] = c.zone
	}
	return out
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("accesslinksim: zone %s: %v", name, err)) // embedded tzdata has every zone
	}
	return loc
}

var (
	firstNames = []string{"Eka", "Aino", "Mikko", "Sara", "Juha", "Lena", "Tom", "Priya", "Ana", "Kai"}
	lastNames  = []string{"Toka", "Virtanen", "Korhonen", "Schmidt", "Miller", "Rao", "Nieminen", "Lopez"}
	devices    = []string{"Polar Vantage V3", "Polar Grit X2 Pro", "Polar Pacer Pro", "Polar Ignite 3", "Polar Vantage M2"}
)

// generate creates users and their history relative to the clock.
func (s *Simulator) generate() {
	rng := s.rngFor(saltUsers)
	now := s.now()
	for i := range s.cfg.users {
		u := newUser(rng, i)
		for s.usersByID[u.id] != nil {
			u.id = 1_000_000 + rng.Int64N(90_000_000)
		}
		s.users = append(s.users, u)
		s.usersByID[u.id] = u
		s.nights[u.id] = make(map[string]*night)
	}
	for _, u := range s.users {
		today := dayNumber(now.In(u.loc))
		for d := s.cfg.historyDays - 1; d >= 0; d-- {
			day := today - int64(d)
			s.genExerciseDay(u, day, now)
			if n := s.genNightDay(u, day, now); n != nil {
				s.nights[u.id][n.date] = n
			}
		}
	}
	sort.SliceStable(s.exercises, func(i, j int) bool { return s.exercises[i].upload.Before(s.exercises[j].upload) })
}

func newUser(rng *rand.Rand, i int) *user {
	c := cities[i%len(cities)]
	gender := "MALE"
	if rng.IntN(2) == 0 {
		gender = "FEMALE"
	}
	age := 22 + rng.IntN(40)
	birth := time.Date(2025-age, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	weight, height := 58+rng.Float64()*30, 160+rng.Float64()*30
	if gender == "MALE" {
		weight += 8
		height += 8
	}
	return &user{
		id:         1_000_000 + rng.Int64N(90_000_000),
		firstName:  firstNames[rng.IntN(len(firstNames))],
		lastName:   lastNames[rng.IntN(len(lastNames))],
		birthdate:  birth.Format(dateLayout),
		gender:     gender,
		weight:     math.Round(weight),
		height:     math.Round(height),
		maxHR:      int(208 - 0.7*float64(age)),
		restHR:     45 + rng.IntN(20),
		city:       c,
		loc:        mustZone(c.zone),
		homeLat:    c.lat + (rng.Float64()-0.5)*0.05,
		homeLon:    c.lon + (rng.Float64()-0.5)*0.05,
		device:     devices[rng.IntN(len(devices))],
		deviceID:   fmt.Sprintf("%08X", rng.Uint32()),
		chestStrap: rng.IntN(2) == 0,
	}
}

func (u *user) age(at time.Time) float64 {
	b, _ := time.Parse(dateLayout, u.birthdate)
	return at.Sub(b).Hours() / (24 * 365.25)
}

// dayNumber counts local calendar days since 1970-01-01.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func dayStart(day int64, loc *time.Location) time.Time {
	t := time.Unix(day*86400, 0).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

func pickSport(rng *rand.Rand) *sportProfile {
	total := 0
	for _, p := range sports {
		total += p.weight
	}
	n := rng.IntN(total)
	for i := range sports {
		if n < sports[i].weight {
			return &sports[i]
		}
		n -= sports[i].weight
	}
	return &sports[0]
}

// genExerciseDay adds the day's exercises that were already uploaded by now.
func (s *Simulator) genExerciseDay(u *user, day int64, now time.Time) {
	rng := s.rngFor(saltExerciseDay, uint64(u.id), uint64(day))
	count := 0
	switch r := rng.Float64(); {
	case r < 0.25:
		count = 0
	case r < 0.88:
		count = 1
	default:
		count = 2
	}
	midnight := dayStart(day, u.loc)
	earliest := midnight.Add(6 * time.Hour)
	for range count {
		p := pickSport(rng)
		dur := (p.minMin*60 + rng.IntN((p.maxMin-p.minMin)*60+1))
		latest := midnight.Add(22*time.Hour - time.Duration(dur)*time.Second)
		if !latest.After(earliest) {
			continue
		}
		start := earliest.Add(time.Duration(rng.Int64N(int64(latest.Sub(earliest)))))
		start = start.Truncate(time.Second)
		withSamples := rng.Float64() >= s.cfg.noFITProbability
		upload := start.Add(time.Duration(dur)*time.Second + time.Duration(3+rng.IntN(90))*time.Minute)
		earliest = start.Add(time.Duration(dur)*time.Second + time.Hour)
		if upload.After(now) {
			continue
		}
		ex := s.newExercise(rng, u, p, start, dur, upload, withSamples)
		s.addExerciseLocked(ex)
	}
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newExercise builds an exercise and its summary from its sample stream.
func (s *Simulator) newExercise(rng *rand.Rand, u *user, p *sportProfile, start time.Time, dur int, upload time.Time, withSamples bool) *exercise {
	var b strings.Builder
	for range 7 {
		b.WriteByte(base62[rng.IntN(len(base62))])
	}
	ex := &exercise{
		hashID:   b.String(),
		num:      1_000_000_000 + rng.Int64N(8_000_000_000),
		userID:   u.id,
		p:        p,
		start:    start.In(u.loc),
		durSec:   dur,
		upload:   upload.UTC().Truncate(time.Millisecond),
		device:   u.device,
		deviceID: u.deviceID,
		fit:      &fitCache{},
	}
	for s.exByHash[ex.hashID] != nil || s.exByNum[ex.num] != nil {
		ex.hashID += string(base62[rng.IntN(len(base62))])
		ex.num++
	}
	if !withSamples {
		// Manual entry in Flow: no device data at all.
		ex.device, ex.deviceID = "", ""
		ex.calories = int(float64(dur) / 60 * (4 + 8*p.intensity))
		if p.speed > 0 {
			ex.distance = math.Round(p.speed * float64(dur))
		}
		return ex
	}
	ex.st = genStream(rng, u, p, dur)
	ex.summarize(u, rng)
	return ex
}

// addExerciseLocked indexes ex; callers hold s.mu or are still constructing.
func (s *Simulator) addExerciseLocked(ex *exercise) {
	s.exercises = append(s.exercises, ex)
	s.exByHash[ex.hashID] = ex
	s.exByNum[ex.num] = ex
}

// stream holds 1 Hz samples, already quantized to FIT resolution so the
// FIT file and the JSON samples agree. Nil slices are not recorded.
type stream struct {
	hr       []uint8
	speed    []float64 // m/s
	dist     []float64 // m
	alt      []float64 // m
	cad      []uint8   // FIT units: strides/min for running, rpm otherwise
	power    []uint16
	lat, lon []float64
	rr       []int // ms; -1 is a NULL (sensor offline)
}

func genStream(rng *rand.Rand, u *user, p *sportProfile, dur int) *stream {
	st := &stream{hr: make([]uint8, dur)}
	if p.speed > 0 {
		st.speed, st.dist = make([]float64, dur), make([]float64, dur)
	}
	if p.altitude {
		st.alt = make([]float64, dur)
	}
	if p.cadence != cadenceNone {
		st.cad = make([]uint8, dur)
	}
	if p.power {
		st.power = make([]uint16, dur)
	}
	if p.gps {
		st.lat, st.lon = make([]float64, dur), make([]float64, dur)
	}

	rest, top := float64(u.restHR), float64(u.maxHR)
	hr := rest + 20
	period := 360 + rng.Float64()*600
	phase := rng.Float64() * 2 * math.Pi
	userSpeed := 0.9 + rng.Float64()*0.2
	spd := 0.0
	alt := cityAlt(u) + rng.Float64()*40
	grade := 0.0
	lat, lon := u.homeLat, u.homeLon
	heading := rng.Float64() * 2 * math.Pi
	ftp := u.weight * (2.5 + rng.Float64())

	for i := range dur {
		t := float64(i)
		effort := 1 + 0.08*math.Sin(2*math.Pi*t/period+phase)
		if p.detailed == "HIIT" && i > 300 && i%60 < 40 {
			effort += 0.18
		}
		if i < 300 {
			effort *= 0.65 + 0.35*t/300
		}
		target := rest + p.intensity*effort*(top-rest) + 3*t/3600 // cardiac drift
		target -= grade * 60                                      // downhill rests the heart
		hr += (target-hr)*0.03 + rng.NormFloat64()*0.7
		hr = math.Max(rest, math.Min(top, hr))
		st.hr[i] = uint8(math.Round(hr))

		if st.alt != nil || st.speed != nil {
			grade += rng.NormFloat64()*0.002 - grade*0.01
			grade = math.Max(-2*p.hilliness, math.Min(2*p.hilliness, grade))
		}
		if st.speed != nil {
			want := p.speed * userSpeed * (0.85 + 0.15*effort) * (1 - 3*grade)
			want = math.Max(0.3*p.speed, want)
			if i < 10 {
				want *= t / 10
			}
			spd += (want-spd)*0.1 + rng.NormFloat64()*0.02*p.speed
			spd = math.Max(0, spd)
			st.speed[i] = math.Round(spd*1000) / 1000
			if i > 0 {
				st.dist[i] = math.Round((st.dist[i-1]+st.speed[i])*100) / 100
			}
		}
		if st.alt != nil {
			if st.speed != nil {
				alt += grade * st.speed[i]
			}
			st.alt[i] = math.Round(alt*5) / 5
		}
		if st.lat != nil {
			heading += rng.NormFloat64() * 0.03
			if i > dur/2 { // head back home on the second half
				home := math.Atan2(u.homeLon-lon, u.homeLat-lat)
				heading += 0.01 * math.Remainder(home-heading, 2*math.Pi)
			}
			lat += st.speed[i] * math.Cos(heading) / 111320
			lon += st.speed[i] * math.Sin(heading) / (111320 * math.Cos(lat*math.Pi/180))
			st.lat[i], st.lon[i] = lat, lon
		}
		switch p.cadence {
		case cadenceRunning:
			spm := p.cadence0*(0.96+0.04*effort) + rng.NormFloat64()*1.5
			st.cad[i] = uint8(math.Round(spm / 2))
		case cadenceCycling:
			rpm := p.cadence0*(0.95+0.05*effort) + rng.NormFloat64()*2.5
			if p.detailed == "MOUNTAIN_BIKING" && grade < -0.05 {
				rpm = 0 // coasting downhill
			}
			st.cad[i] = uint8(math.Max(0, math.Round(rpm)))
		}
		if st.power != nil {
			w := ftp*(0.55+0.25*effort) + rng.NormFloat64()*18
			st.power[i] = uint16(math.Max(0, math.Round(w)))
		}
	}
	if u.chestStrap && p.fitSport != fit.SportSwimming && rng.Float64() < 0.7 {
		st.rr = genRR(rng, st.hr)
	}
	return st
}

func cityAlt(u *user) float64 { return u.city.alt }

// genRR produces beat-to-beat intervals following the heart rate, with rare
// NULLs where the strap lost contact.
func genRR(rng *rand.Rand, hr []uint8) []int {
	var rr []int
	total := float64(len(hr)) * 1000
	for t := 0.0; t < total; {
		bpm := float64(hr[int(t/1000)])
		v := 60000/bpm + rng.NormFloat64()*12
		t += v
		if rng.Float64() < 0.005 {
			rr = append(rr, -1)
			continue
		}
		rr = append(rr, int(math.Round(v)))
	}
	return rr
}

func (ex *exercise) summarize(u *user, rng *rand.Rand) {
	st := ex.st
	var sum, trimp, kcal float64
	maxHR := 0
	age := u.age(ex.start)
	male := u.gender == "MALE"
	for _, h := range st.hr {
		hf := float64(h)
		sum += hf
		maxHR = max(maxHR, int(h))
		hrr := math.Max(0, (hf-float64(u.restHR))/float64(u.maxHR-u.restHR))
		if male {
			trimp += hrr * 0.64 * math.Exp(1.92*hrr) / 60
			kcal += math.Max(1, (-55.0969+0.6309*hf+0.1988*u.weight+0.2017*age)/4.184) / 60
		} else {
			trimp += hrr * 0.86 * math.Exp(1.67*hrr) / 60
			kcal += math.Max(1, (-20.4022+0.4472*hf-0.1263*u.weight+0.074*age)/4.184) / 60
		}
	}
	n := float64(len(st.hr))
	ex.avgHR = int(math.Round(sum / n))
	ex.maxHR = maxHR
	ex.calories = int(math.Round(kcal))
	ex.trainingLoad = math.Round(trimp*100) / 100
	if st.dist != nil {
		ex.distance = round1(st.dist[len(st.dist)-1])
	}
	avgHRR := (sum/n - float64(u.restHR)) / float64(u.maxHR-u.restHR)
	ex.fatPct = max(5, min(80, int(math.Round(75-70*avgHRR))+rng.IntN(5)))
	ex.proteinPct = 1 + rng.IntN(3)
	ex.carbPct = 100 - ex.fatPct - ex.proteinPct
	if (ex.p.detailed == "RUNNING" || ex.p.detailed == "TRAIL_RUNNING") && ex.distance > 0 {
		vo2 := ex.distance/float64(ex.durSec)*60*0.2 + 3.5
		ex.runningIndex = max(25, min(80, int(math.Round(vo2/math.Max(0.3, avgHRR)))))
	}
	ex.zones = computeZones(u.maxHR, st.hr)
	if strings.Contains(u.device, "Vantage") || strings.Contains(u.device, "Grit") {
		ex.tlp = &trainingLoadPro{
			date:       ex.start.Format(dateLayout),
			cardioLoad: ex.trainingLoad,
		}
		if st.power != nil {
			var kj float64
			for _, w := range st.power {
				kj += float64(w) / 1000
			}
			ex.tlp.muscleLoad = math.Round(kj/10*10) / 10
		}
	}
}

func computeZones(maxHR int, hr []uint8) []zone {
	zs := make([]zone, 5)
	for i := range zs {
		zs[i] = zone{
			index: i + 1,
			lower: int(math.Round(float64(maxHR) * (0.5 + 0.1*float64(i)))),
			upper: int(math.Round(float64(maxHR) * (0.6 + 0.1*float64(i)))),
		}
	}
	zs[4].upper = maxHR
	for _, h := range hr {
		v := int(h)
		for i := range zs {
			if v >= zs[i].lower && (v < zs[i].upper || (i == 4 && v <= zs[i].upper)) {
				zs[i].seconds++
				break
			}
		}
	}
	return zs
}
