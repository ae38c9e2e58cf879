package testrecords

import (
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Team Pro records: a soccer team's training session and each player's
// part of it, with samples at 10 Hz. TeamSession and PlayerSession agree
// on ids (see PlayerSessionID and Player), so the records of one session
// link up as the daemon's would.

// TeamProCoach is the user_id (the coach account) of Team Pro records.
const TeamProCoach = "9001"

// TeamProOffset is the UTC offset (minutes) of Team Pro test sessions.
const TeamProOffset = 120

// SampleHz is the rate of Team Pro samples.
const SampleHz = 10

var (
	firstNames = []string{"Lukas", "Mikko", "Jonas", "Eero", "Matias", "Oskar", "Ville", "Aleksi", "Teemu", "Joel",
		"Niko", "Samuel", "Emil", "Onni", "Leo", "Elias", "Aaro", "Veeti", "Juho", "Rasmus"}
	lastNames = []string{"Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen",
		"Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo"}
	roles = []string{"Goalkeeper", "Defender", "Defender", "Defender", "Defender", "Midfielder", "Midfielder", "Midfielder", "Forward", "Forward"}
)

// Player returns the roster entry of player i (0-based) of a test team.
func Player(i int) (id, name string, number int32, role string) {
	return fmt.Sprintf("pl%03d", i+1),
		firstNames[i%len(firstNames)] + " " + lastNames[(i*7)%len(lastNames)],
		int32(i + 1), roles[i%len(roles)]
}

// PlayerSessionID is the id of player i's session in team session id.
func PlayerSessionID(teamSession string, i int) string {
	return fmt.Sprintf("%s-ps%03d", teamSession, i+1)
}

// TeamName is the name of test team id.
func TeamName(team string) string { return "FC " + team }

func teamProTime(t time.Time) *pluginapi.Time {
	return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: TeamProOffset}
}

// TeamSession returns a soccer training session of team with players
// participants, from start for duration (recording 3 minutes before and
// 2 after), with four phase markers, a recovery marker and a note.
func TeamSession(team, id string, start time.Time, duration time.Duration, players int) *pluginapi.Record {
	var parts []*pluginapi.Participant
	for i := range players {
		pid, name, number, role := Player(i)
		parts = append(parts, &pluginapi.Participant{
			PlayerId: pid, PlayerNumber: number, Role: role,
			PlayerSessionId: PlayerSessionID(id, i), PlayerName: name,
		})
	}
	at := func(f float64) time.Time {
		return start.Add(time.Duration(f * float64(duration))).Truncate(time.Millisecond)
	}
	marker := func(typ, name, note string, from, to float64) *pluginapi.Marker {
		return &pluginapi.Marker{Start: teamProTime(at(from)), End: teamProTime(at(to)), Type: typ, Name: name, Note: note}
	}
	end := start.Add(duration)
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION,
		Key:    fmt.Sprintf("team_session.%s.%s", team, id),
		UserId: TeamProCoach,
		Source: pluginapi.Source_SOURCE_TEAMPRO,
		Body: &pluginapi.Record_TeamSession{TeamSession: &pluginapi.TeamSession{
			Id:           id,
			TeamId:       team,
			TeamName:     TeamName(team),
			Name:         "Tuesday training",
			Type:         "TRAINING",
			Note:         "Pressing drills, then small-sided games",
			RecordStart:  teamProTime(start.Add(-3 * time.Minute)),
			RecordEnd:    teamProTime(end.Add(2 * time.Minute)),
			Start:        teamProTime(start),
			End:          teamProTime(end),
			Latitude:     60.187312,
			Longitude:    24.927541,
			Sport:        "SOCCER",
			Arena:        "Töölö training pitch",
			Participants: parts,
			Markers: []*pluginapi.Marker{
				marker("PHASE", "Warm-up", "", 0, 0.15),
				marker("PHASE", "Pressing drills", "High intensity", 0.15, 0.45),
				marker("RECOVERY", "Break", "", 0.45, 0.5),
				marker("PHASE", "Small-sided games", "4 v 4", 0.5, 0.9),
				marker("NOTE", "Knock", "Player 7 took a knock", 0.7, 0.7),
				marker("PHASE", "Cool-down", "", 0.9, 1),
			},
		}},
	}
}

// PlayerSession returns player i's part of team session teamSession
// (see TeamSession): summary, zones and nine series at 10 Hz (heart
// rate, speed, distance, cadence, position, altitude, forward
// acceleration, power), plus RR intervals. Values are rounded so that
// they print as short decimals.
func PlayerSession(team, teamSession string, i int, start time.Time, duration time.Duration) *pluginapi.Record {
	n := int(duration / (time.Second / SampleHz))
	series := func(t pluginapi.SampleType) *pluginapi.Series {
		return &pluginapi.Series{Type: t, Start: timestamppb.New(start),
			OffsetMs: make([]int64, 0, n), Values: make([]float64, 0, n)}
	}
	hr := series(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE)
	speed := series(pluginapi.SampleType_SAMPLE_TYPE_SPEED)
	dist := series(pluginapi.SampleType_SAMPLE_TYPE_DISTANCE)
	cad := series(pluginapi.SampleType_SAMPLE_TYPE_CADENCE)
	lat := series(pluginapi.SampleType_SAMPLE_TYPE_LATITUDE)
	lon := series(pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE)
	alt := series(pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE)
	acc := series(pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION)
	pow := series(pluginapi.SampleType_SAMPLE_TYPE_POWER)
	rr := &pluginapi.Series{Type: pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, Start: timestamppb.New(start)}

	hrZones := []*pluginapi.HeartRateZone{
		{Index: 1, LowerBpm: 100, UpperBpm: 120}, {Index: 2, LowerBpm: 120, UpperBpm: 140},
		{Index: 3, LowerBpm: 140, UpperBpm: 160}, {Index: 4, LowerBpm: 160, UpperBpm: 180},
		{Index: 5, LowerBpm: 180, UpperBpm: 200},
	}
	speedZones := []*pluginapi.SpeedZone{
		{Index: 1, LowerKmh: 3, UpperKmh: 7}, {Index: 2, LowerKmh: 7, UpperKmh: 11},
		{Index: 3, LowerKmh: 11, UpperKmh: 15}, {Index: 4, LowerKmh: 15, UpperKmh: 19},
		{Index: 5, LowerKmh: 19, UpperKmh: 99},
	}
	powerZones := []*pluginapi.PowerZone{
		{Index: 1, LowerW: 0, UpperW: 150}, {Index: 2, LowerW: 150, UpperW: 300},
		{Index: 3, LowerW: 300, UpperW: 450}, {Index: 4, LowerW: 450, UpperW: 600},
		{Index: 5, LowerW: 600, UpperW: 2000},
	}
	accZones := []*pluginapi.AccelerationZone{
		{LimitMs2: -3}, {LimitMs2: -2}, {LimitMs2: -1}, {LimitMs2: 1}, {LimitMs2: 2}, {LimitMs2: 3},
	}

	const dt = 1.0 / SampleHz
	phase := float64(i) * 0.7
	role := i % len(roles)
	intensity := 1.0
	if role == 0 {
		intensity = 0.45 // goalkeeper
	}
	var d, prevV, sumHR, sumSpeed, sumCad, maxCad, ascent, descent float64
	var maxHR, minHR, sprints, cadN int
	vLag, hrLag := 0.0, 95.0
	inAcc := make([]bool, 6)
	var maxV float64
	minHR = math.MaxInt
	sprinting := false
	prevAlt := 0.0
	nextBeat := 0.0 // ms
	for k := range n {
		off := int64(k) * 1000 / SampleHz
		secs := float64(k) * dt
		// Jogging and runs, with a sprint of 4 s every 3.5 min or so;
		// speed and heart rate follow their targets with some lag.
		target := intensity * (2.2 + 1.6*math.Sin(secs/47+phase) + 0.8*math.Sin(secs/13+2*phase))
		inSprint := math.Mod(secs+float64(i)*11, 210) < 4 && role != 0
		if inSprint {
			target = 7.2 + 0.3*math.Sin(secs)
		}
		vLag += (math.Max(0, target) - vLag) * 0.05
		v := math.Round(vLag*100) / 100
		if inSprint && !sprinting {
			sprints++
		}
		sprinting = inSprint
		a := math.Round((v-prevV)/dt*100) / 100
		if k == 0 {
			a = 0
		}
		prevV = v
		d += v * dt
		hrLag += (112 + 10*v + 10*math.Sin(secs/600+phase) + secs/400 - hrLag) * 0.01
		h := math.Round(hrLag)
		c := 0.0
		if v > 0.8 {
			c = math.Round(140 + 8*v)
		}
		x := 30 * math.Sin(secs/70+phase)
		y := 45 * math.Cos(secs/110+phase)
		al := math.Round((14+0.4*math.Sin(secs/300))*10) / 10
		p := math.Round(72 * (0.98*v + 0.1*max(a, 0)) * 1.04)
		add := func(s *pluginapi.Series, val float64) {
			s.OffsetMs = append(s.OffsetMs, off)
			s.Values = append(s.Values, val)
		}
		add(hr, h)
		add(speed, v)
		add(dist, math.Round(d*100)/100)
		add(cad, c)
		add(lat, math.Round((60.187312+y/111320)*1e7)/1e7)
		add(lon, math.Round((24.927541+x/55800)*1e7)/1e7)
		add(alt, al)
		add(acc, a)
		add(pow, p)
		for float64(off) >= nextBeat && nextBeat < float64(duration.Milliseconds()) {
			ms := math.Round(60000 / h)
			rr.OffsetMs = append(rr.OffsetMs, int64(nextBeat))
			rr.Values = append(rr.Values, ms)
			nextBeat += ms
		}

		sumHR += h
		maxHR, minHR = max(maxHR, int(h)), min(minHR, int(h))
		sumSpeed += v
		maxV = max(maxV, v)
		if c > 0 {
			sumCad += c
			cadN++
			maxCad = max(maxCad, c)
		}
		if k > 0 {
			if al > prevAlt {
				ascent += al - prevAlt
			} else {
				descent += prevAlt - al
			}
		}
		prevAlt = al
		for _, z := range hrZones {
			if h >= float64(z.LowerBpm) && h < float64(z.UpperBpm) {
				z.Seconds += dt
			}
		}
		kmh := v * 3.6
		for _, z := range speedZones {
			if kmh >= z.LowerKmh && kmh < z.UpperKmh {
				z.Meters += v * dt
			}
		}
		for _, z := range powerZones {
			if p >= z.LowerW && p < z.UpperW {
				z.Seconds += dt
				z.MuscleLoad += p * dt / 4000
			}
		}
		for j, z := range accZones { // entries into the zone
			in := z.LimitMs2 > 0 && a >= z.LimitMs2 || z.LimitMs2 < 0 && a <= z.LimitMs2
			if in && !inAcc[j] {
				z.Count++
			}
			inAcc[j] = in
		}
	}
	round := func(v, per float64) float64 { return math.Round(v*per) / per } // per 10: tenths
	for _, z := range hrZones {
		z.Seconds = round(z.Seconds, 10)
	}
	for _, z := range speedZones {
		z.Meters = round(z.Meters, 10)
	}
	var muscle float64
	for _, z := range powerZones {
		z.Seconds = round(z.Seconds, 10)
		z.MuscleLoad = round(z.MuscleLoad, 10)
		muscle += z.MuscleLoad
	}
	if n == 0 {
		minHR = 0
	}
	nn := float64(max(n, 1))
	const hrMax = 200
	avgHR := int32(math.Round(sumHR / nn))
	cardio := round(duration.Minutes()*float64(avgHR-60)/100, 10)
	pid, name, number, roleName := Player(i)
	id := PlayerSessionID(teamSession, i)
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION,
		Key:    fmt.Sprintf("player_session.%s.%s", team, id),
		UserId: TeamProCoach,
		Source: pluginapi.Source_SOURCE_TEAMPRO,
		Body: &pluginapi.Record_PlayerSession{PlayerSession: &pluginapi.PlayerSession{
			Id:                  id,
			TeamSessionId:       teamSession,
			TeamId:              team,
			TeamName:            TeamName(team),
			PlayerId:            pid,
			PlayerName:          name,
			PlayerNumber:        number,
			Role:                roleName,
			Type:                "TEAM",
			Sport:               "SOCCER",
			Name:                "Tuesday training",
			Feeling:             []string{"GREAT", "OKAY", "AWESOME", "NOT_GOOD"}[i%4],
			Start:               teamProTime(start),
			DurationSeconds:     duration.Seconds(),
			DistanceMeters:      round(d, 10),
			Calories:            math.Round(duration.Minutes() * 9.5 * (0.6 + 0.4*intensity)),
			HeartRateAvg:        avgHR,
			HeartRateMax:        int32(maxHR),
			HeartRateMin:        int32(minHR),
			HeartRateAvgPercent: int32(math.Round(sumHR / nn * 100 / hrMax)),
			HeartRateMaxPercent: int32(math.Round(float64(maxHR) * 100 / hrMax)),
			HeartRateMinPercent: int32(math.Round(float64(minHR) * 100 / hrMax)),
			SprintCount:         int32(sprints),
			SpeedAvgKmh:         round(sumSpeed/nn*3.6, 100),
			SpeedMaxKmh:         round(maxV*3.6, 100),
			CadenceAvg:          round(sumCad/float64(max(cadN, 1)), 10),
			CadenceMax:          maxCad,
			TrainingLoad:        round(cardio+muscle/10, 10),
			CardioLoad:          cardio,
			MuscleLoad:          round(muscle, 10),
			RecoveryTimeSeconds: math.Round(cardio*30) * 60,
			RunningIndex:        int32(45 + i%8),
			AscentMeters:        round(ascent, 10),
			DescentMeters:       round(descent, 10),
			Product:             "Polar Verity Sense",
			HeartRateZones:      hrZones,
			SpeedZones:          speedZones,
			AccelerationZones:   accZones,
			PowerZones:          powerZones,
			Samples:             []*pluginapi.Series{hr, speed, dist, cad, lat, lon, alt, acc, pow, rr},
		}},
	}
}

// TeamProSession returns a team session of players players and their
// player sessions, all starting at start.
func TeamProSession(team, id string, start time.Time, duration time.Duration, players int) (*pluginapi.Record, []*pluginapi.Record) {
	ps := make([]*pluginapi.Record, players)
	for i := range players {
		ps[i] = PlayerSession(team, id, i, start, duration)
	}
	return TeamSession(team, id, start, duration, players), ps
}
