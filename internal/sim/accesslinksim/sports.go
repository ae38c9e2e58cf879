package accesslinksim

import "github.com/tormoder/fit"

type cadenceKind int

const (
	cadenceNone    cadenceKind = iota
	cadenceRunning             // steps/min in JSON (type 8), strides/min in FIT
	cadenceCycling             // rpm (type 2), also rowing strokes/min
)

// sportProfile describes how a detailed sport is recorded and mapped. The FIT
// sport/sub-sport follow the appendix "Sport type mapping in FIT-files".
type sportProfile struct {
	detailed  string // detailed_sport_info
	sport     string // coarse "sport" field
	fitSport  fit.Sport
	fitSub    fit.SubSport
	gps       bool    // outdoor with a route
	speed     float64 // typical m/s; 0 means no speed or distance recorded
	cadence   cadenceKind
	cadence0  float64 // typical cadence in JSON units
	power     bool
	altitude  bool
	hilliness float64 // altitude change per metre travelled
	intensity float64 // share of heart-rate reserve
	minMin    int     // duration range in minutes
	maxMin    int
	weight    int // how often generated
}

var sports = []sportProfile{
	{"RUNNING", "RUNNING", fit.SportRunning, fit.SubSportStreet, true, 2.9, cadenceRunning, 168, false, true, 0.02, 0.72, 25, 75, 6},
	{"TRAIL_RUNNING", "RUNNING", fit.SportRunning, fit.SubSportTrail, true, 2.3, cadenceRunning, 162, false, true, 0.08, 0.75, 40, 120, 2},
	{"TREADMILL_RUNNING", "RUNNING", fit.SportRunning, fit.SubSportTreadmill, false, 2.8, cadenceRunning, 170, false, false, 0, 0.70, 20, 50, 1},
	{"ROAD_BIKING", "CYCLING", fit.SportCycling, fit.SubSportRoad, true, 7.6, cadenceCycling, 88, true, true, 0.015, 0.65, 60, 180, 3},
	{"MOUNTAIN_BIKING", "CYCLING", fit.SportCycling, fit.SubSportMountain, true, 4.4, cadenceCycling, 76, false, true, 0.06, 0.72, 45, 150, 2},
	{"INDOOR_CYCLING", "CYCLING", fit.SportCycling, fit.SubSportIndoorCycling, false, 0, cadenceCycling, 90, true, false, 0, 0.70, 30, 75, 2},
	{"SWIMMING", "SWIMMING", fit.SportSwimming, fit.SubSportGeneric, false, 0.9, cadenceNone, 0, false, false, 0, 0.60, 30, 60, 1},
	{"OPEN_WATER_SWIMMING", "SWIMMING", fit.SportSwimming, fit.SubSportOpenWater, true, 0.85, cadenceNone, 0, false, false, 0, 0.65, 20, 60, 1},
	{"STRENGTH_TRAINING", "OTHER", fit.SportTraining, fit.SubSportStrengthTraining, false, 0, cadenceNone, 0, false, false, 0, 0.50, 30, 75, 3},
	{"HIIT", "OTHER", fit.SportTraining, fit.SubSportGeneric, false, 0, cadenceNone, 0, false, false, 0, 0.80, 20, 40, 1},
	{"WALKING", "OTHER", fit.SportWalking, fit.SubSportGeneric, true, 1.4, cadenceRunning, 112, false, true, 0.02, 0.35, 20, 90, 2},
	{"HIKING", "OTHER", fit.SportHiking, fit.SubSportGeneric, true, 1.1, cadenceRunning, 100, false, true, 0.1, 0.45, 90, 300, 1},
	{"YOGA", "OTHER", fit.SportGeneric, fit.SubSportYoga, false, 0, cadenceNone, 0, false, false, 0, 0.25, 30, 75, 1},
	{"XC_SKIING_CLASSIC", "OTHER", fit.SportCrossCountrySkiing, fit.SubSportGeneric, true, 3.6, cadenceNone, 0, false, true, 0.04, 0.75, 45, 120, 1},
	{"INDOOR_ROWING", "OTHER", fit.SportRowing, fit.SubSportIndoorRowing, false, 3.7, cadenceCycling, 26, true, false, 0, 0.70, 20, 45, 1},
}

func sportByName(detailed string) *sportProfile {
	for i := range sports {
		if sports[i].detailed == detailed {
			return &sports[i]
		}
	}
	return nil
}

// SportNames lists the detailed sport values the simulator can generate.
func SportNames() []string {
	out := make([]string, len(sports))
	for i, p := range sports {
		out[i] = p.detailed
	}
	return out
}
