package teamprosim

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// sample is one row of a player's stream. Heart rate, position and power
// come once a second (slow rows), the rest at the sample rate.
type sample struct {
	off     time.Duration
	slow    bool
	dist    float64 // m, cumulative
	hr      float64 // bpm
	speed   float64 // km/h
	cadence float64 // steps/min
	lat     float64
	lon     float64
	acc     float64 // m/s², forward
	power   float64 // W
}

// walk generates the deterministic stream of ps and calls fn per row.
func (s *Simulator) walk(ps *playerSession, p *player, fn func(i int, smp *sample)) {
	hz := s.cfg.sampleHz
	n := int(ps.dur/time.Second) * hz
	dt := 1 / float64(hz)
	rng := rand.New(rand.NewPCG(ps.seed, 0x5eed))
	top := 30.0
	rest, hrMax := 60.0, 190.0
	if p != nil {
		top, rest, hrMax = p.topSpeed, p.hrRest, p.hrMax
	}
	var smp sample
	smp.lat, smp.lon = ps.lat, ps.lon
	hr := rest + 20
	heading := rng.Float64() * 2 * math.Pi
	target, nextChange := 0.0, 0.0
	for i := range n {
		t := float64(i) * dt
		if t >= nextChange {
			switch r := rng.Float64(); {
			case r < 0.25:
				target = rng.Float64() * 2
			case r < 0.6:
				target = 6 + rng.Float64()*4
			case r < 0.9:
				target = 12 + rng.Float64()*6
			default:
				target = top * (0.8 + 0.2*rng.Float64())
			}
			nextChange = t + 3 + rng.Float64()*5
		}
		maxStep := 3 * 3.6 * dt // 3 m/s² in km/h per row
		dv := math.Max(-maxStep, math.Min(maxStep, target-smp.speed))
		smp.speed = math.Max(0, smp.speed+dv)
		smp.acc = dv/3.6/dt + (rng.Float64()-0.5)*0.05
		smp.dist += smp.speed / 3.6 * dt
		hrTarget := rest + (hrMax-rest)*(0.35+0.6*smp.speed/top)
		hr += (hrTarget - hr) * dt / 15
		if smp.speed > 3 {
			smp.cadence = math.Round(140 + smp.speed*2.5)
		} else {
			smp.cadence = 0
		}
		heading += (rng.Float64() - 0.5) * 0.2 * dt
		m := smp.speed / 3.6 * dt
		smp.lat += m * math.Cos(heading) / 111111
		smp.lon += m * math.Sin(heading) / (111111 * math.Cos(smp.lat*math.Pi/180))
		smp.off = time.Duration(i) * time.Second / time.Duration(hz)
		smp.slow = i%hz == 0
		if smp.slow {
			smp.hr = math.Round(hr)
			smp.power = math.Round(math.Max(0, math.Pow(smp.speed, 1.5)*8+smp.acc*20))
		}
		fn(i, &smp)
	}
}

// Sample fields in documented order.
var allFields = []string{"time", "distance", "hr", "speed", "cadence", "lat", "lon", "altitude", "forward_acceleration", "power"}

// requestable maps the samples parameter's names to fields.
var requestable = map[string][]string{
	"distance": {"distance"}, "location": {"lat", "lon"}, "hr": {"hr"}, "speed": {"speed"},
	"cadence": {"cadence"}, "altitude": {"altitude"}, "forward_acceleration": {"forward_acceleration"},
}

// appendRow writes one row: the offset, then the fields' values, trailing
// nulls left out as Polar does; extra appends one unnamed value.
func appendRow(b []byte, smp *sample, fields []string, extra bool) []byte {
	b = append(b, '[', '"')
	b = appendJavaDuration(b, smp.off)
	b = append(b, '"')
	vals := [16]float64{}
	present := [16]bool{}
	last := -1
	for k, f := range fields[1:] {
		v, ok := 0.0, false
		switch f {
		case "distance":
			v, ok = math.Round(smp.dist*100)/100, true
		case "hr":
			v, ok = smp.hr, smp.slow
		case "speed":
			v, ok = math.Round(smp.speed*100)/100, true
		case "cadence":
			v, ok = smp.cadence, true
		case "lat":
			v, ok = smp.lat, smp.slow
		case "lon":
			v, ok = smp.lon, smp.slow
		case "forward_acceleration":
			v, ok = math.Round(smp.acc*100)/100, true
		case "power":
			v, ok = smp.power, smp.slow
		}
		vals[k], present[k] = v, ok
		if ok {
			last = k
		}
	}
	if extra {
		last = len(fields) - 2 // every column, then one more
	}
	for k := 0; k <= last; k++ {
		b = append(b, ',')
		if !present[k] {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, vals[k], 'f', -1, 64)
	}
	if extra {
		b = append(b, ',')
		b = strconv.AppendFloat(b, math.Round(smp.power), 'f', -1, 64)
	}
	return append(b, ']')
}

// appendJavaDuration formats d like java.time.Duration: PT0S, PT0.1S,
// PT1M0.1S, PT1H30M.
func appendJavaDuration(b []byte, d time.Duration) []byte {
	b = append(b, 'P', 'T')
	if d == 0 {
		return append(b, '0', 'S')
	}
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	if h > 0 {
		b = strconv.AppendInt(b, int64(h), 10)
		b = append(b, 'H')
	}
	if m > 0 {
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, 'M')
	}
	if d > 0 {
		sec := d / time.Second
		frac := d - sec*time.Second
		b = strconv.AppendInt(b, int64(sec), 10)
		if frac > 0 {
			f := strconv.AppendInt(nil, int64(frac)+int64(time.Second), 10)[1:] // 9 digits
			for len(f) > 0 && f[len(f)-1] == '0' {
				f = f[:len(f)-1]
			}
			b = append(b, '.')
			b = append(b, f...)
		}
		b = append(b, 'S')
	}
	return b
}

func javaDuration(d time.Duration) string { return string(appendJavaDuration(nil, d)) }

// stats aggregates a stream over [lo, hi).
type stats struct {
	lo, hi                     time.Duration
	dist0, dist1               float64
	hrSum, hrN                 float64
	hrMin, hrMax               float64
	speedSum, speedN, speedMax float64
	cadSum, cadN, cadMax       float64
	sprints                    int
	inSprint                   bool
	hrZoneRows                 [5]int
	speedZoneM                 [5]float64
	accCount                   [6]int
	accIn                      [6]bool
	powerZoneRows              [5]int
	powerSum                   float64
	hzRows                     int
	first                      bool
	hrPerSecond                []float64
}

var (
	speedLimits = [6]float64{0, 7, 11, 15, 19, 40}
	accLimits   = [6]float64{-3, -2, -1, 1, 2, 3}
	powerLimits = [6]float64{0, 100, 200, 300, 400, 1000}
)

func newStats(lo, hi time.Duration) *stats {
	return &stats{lo: lo, hi: hi, hrMin: math.Inf(1), first: true}
}

func (st *stats) add(smp *sample, p *player, dt float64) {
	if smp.slow {
		st.hrPerSecond = append(st.hrPerSecond, smp.hr)
	}
	if smp.off < st.lo || smp.off >= st.hi {
		return
	}
	if st.first {
		st.dist0, st.first = smp.dist, false
	}
	st.dist1 = smp.dist
	st.speedSum += smp.speed
	st.speedN++
	st.speedMax = math.Max(st.speedMax, smp.speed)
	if smp.cadence > 0 {
		st.cadSum += smp.cadence
		st.cadN++
		st.cadMax = math.Max(st.cadMax, smp.cadence)
	}
	for z := range 5 {
		if smp.speed >= speedLimits[z] && smp.speed < speedLimits[z+1] {
			st.speedZoneM[z] += smp.speed / 3.6 * dt
		}
	}
	sprinting := p != nil && smp.speed >= 0.8*p.topSpeed
	if sprinting && !st.inSprint {
		st.sprints++
	}
	st.inSprint = sprinting
	for k, l := range accLimits {
		beyond := (l < 0 && smp.acc <= l) || (l > 0 && smp.acc >= l)
		if beyond && !st.accIn[k] {
			st.accCount[k]++
		}
		st.accIn[k] = beyond
	}
	if smp.slow {
		st.hzRows++
		st.hrSum += smp.hr
		st.hrN++
		st.hrMin = math.Min(st.hrMin, smp.hr)
		st.hrMax = math.Max(st.hrMax, smp.hr)
		if p != nil {
			pct := smp.hr / p.hrMax * 100
			if z := int(pct/10) - 5; z >= 0 && z < 5 {
				st.hrZoneRows[z]++
			}
		}
		st.powerSum += smp.power
		for z := range 5 {
			if smp.power >= powerLimits[z] && smp.power < powerLimits[z+1] {
				st.powerZoneRows[z]++
			}
		}
	}
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
