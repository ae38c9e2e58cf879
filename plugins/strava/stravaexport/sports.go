package stravaexport

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// SportTypes are Strava's SportType values (strava.md).
var SportTypes = strings.Fields(`AlpineSki BackcountrySki Badminton Basketball Canoeing Cricket Crossfit Dance
  EBikeRide Elliptical EMountainBikeRide Golf GravelRide Handcycle HighIntensityIntervalTraining Hike
  IceSkate InlineSkate Kayaking Kitesurf MountainBikeRide NordicSki Padel PhysicalTherapy Pickleball
  Pilates Racquetball Ride RockClimbing RollerSki Rowing Run Sail Skateboard Snowboard Snowshoe Soccer
  Squash StairStepper StandUpPaddling Surfing Swim TableTennis Tennis TrailRun Velomobile VirtualRide
  VirtualRow VirtualRun Volleyball Walk WeightTraining Wheelchair Windsurf Workout Yoga`)

// FallbackSportType is what an unmapped sport becomes.
const FallbackSportType = "Workout"

// Target is what an exercise becomes on Strava.
type Target struct {
	SportType string
	Trainer   bool
	Commute   bool
	// Rule is the mapping key that matched, e.g. "TRAIL_RUNNING" or
	// "CYCLING/INDOOR_CYCLING"; "" for the fallback.
	Rule string
	// Overridden is set when the rule comes from config.
	Overridden bool
}

func (t Target) String() string {
	s := t.SportType
	if t.Trainer {
		s += " trainer"
	}
	if t.Commute {
		s += " commute"
	}
	return s
}

// ByDetailedSport maps Polar's detailed sports. It is consulted before
// ByFITSport because Polar's sport is often finer than the FIT one (SPINNING
// is GENERIC/INDOOR_CYCLING in FIT, E_BIKE has no sub-sport).
//
// Decisions: indoor cycling is Ride with the trainer flag, not VirtualRide
// (Strava reserves that for virtual worlds such as Zwift; override it if
// that is what you ride); treadmill running and indoor rowing are likewise
// Run and Rowing with trainer; orienteering is TrailRun.
var ByDetailedSport = map[string]string{
	"BACKCOUNTRY_SKIING":          "BackcountrySki",
	"BADMINTON":                   "Badminton",
	"BALLET_DANCING":              "Dance",
	"BALLROOM_DANCING":            "Dance",
	"BASKETBALL":                  "Basketball",
	"BEACH_VOLLEYBALL":            "Volleyball",
	"CLIMBING":                    "RockClimbing",
	"CRICKET":                     "Cricket",
	"CROSS-COUNTRY_SKIING":        "NordicSki",
	"CROSS_COUNTRY_RUNNING":       "TrailRun",
	"CROSS_TRAINER":               "Elliptical",
	"CYCLING":                     "Ride",
	"DANCING":                     "Dance",
	"DOWNHILL_SKIING":             "AlpineSki",
	"DUATHLON_CYCLING":            "Ride",
	"DUATHLON_RUNNING":            "Run",
	"E_BIKE":                      "EBikeRide",
	"FITNESS_DANCING":             "Dance",
	"FUTSAL":                      "Soccer",
	"GOLF":                        "Golf",
	"HIIT":                        "HighIntensityIntervalTraining",
	"HIKING":                      "Hike",
	"ICE_SKATING":                 "IceSkate",
	"INDOOR_CYCLING":              "Ride trainer",
	"INDOOR_ROWING":               "Rowing trainer",
	"INLINE_SKATING":              "InlineSkate",
	"JAZZ_DANCING":                "Dance",
	"JOGGING":                     "Run",
	"KETTLEBELL":                  "WeightTraining",
	"LATIN_DANCING":               "Dance",
	"MODERN_DANCING":              "Dance",
	"MOUNTAIN_BIKING":             "MountainBikeRide",
	"NORDIC_WALKING":              "Walk",
	"OFFROADDUATHLON_CYCLING":     "MountainBikeRide",
	"OFFROADDUATHLON_RUNNING":     "TrailRun",
	"OFFROADTRIATHLON_CYCLING":    "MountainBikeRide",
	"OFFROADTRIATHLON_RUNNING":    "TrailRun",
	"OFFROADTRIATHLON_SWIMMING":   "Swim",
	"OPEN_WATER_SWIMMING":         "Swim",
	"ORIENTEERING":                "TrailRun",
	"ORIENTEERING_MTB":            "MountainBikeRide",
	"ORIENTEERING_SKI":            "NordicSki",
	"PADEL":                       "Padel",
	"PARASPORTS_WHEELCHAIR":       "Wheelchair",
	"PILATES":                     "Pilates",
	"POOL_SWIMMING":               "Swim",
	"ROAD_BIKING":                 "Ride",
	"ROAD_RUNNING":                "Run",
	"ROLLER_BLADING":              "InlineSkate",
	"ROLLER_SKIING_CLASSIC":       "RollerSki",
	"ROLLER_SKIING_FREESTYLE":     "RollerSki",
	"ROWING":                      "Rowing",
	"RUNNING":                     "Run",
	"SHOW_DANCING":                "Dance",
	"SKATEBOARDING":               "Skateboard",
	"SKATING":                     "IceSkate",
	"SNOWBOARDING":                "Snowboard",
	"SNOWSHOE_TREKKING":           "Snowshoe",
	"SOCCER":                      "Soccer",
	"SPINNING":                    "Ride trainer",
	"SQUASH":                      "Squash",
	"STREET_DANCING":              "Dance",
	"STRENGTH_TRAINING":           "WeightTraining",
	"SUP":                         "StandUpPaddling",
	"SWIMMING":                    "Swim",
	"TABLE_TENNIS":                "TableTennis",
	"TELEMARK_SKIING":             "AlpineSki",
	"TENNIS":                      "Tennis",
	"TRACK_AND_FIELD_RUNNING":     "Run",
	"TRAIL_RUNNING":               "TrailRun",
	"TREADMILL_RUNNING":           "Run trainer",
	"TRIATHLON_CYCLING":           "Ride",
	"TRIATHLON_RUNNING":           "Run",
	"TRIATHLON_SWIMMING":          "Swim",
	"ULTRARUNNING_RUNNING":        "Run",
	"VERTICALSPORTS_OUTCLIMBING":  "RockClimbing",
	"VERTICALSPORTS_WALLCLIMBING": "RockClimbing",
	"VOLLEYBALL":                  "Volleyball",
	"WALKING":                     "Walk",
	"WATERSPORTS_CANOEING":        "Canoeing",
	"WATERSPORTS_KAYAKING":        "Kayaking",
	"WATERSPORTS_KITESURFING":     "Kitesurf",
	"WATERSPORTS_SAILING":         "Sail",
	"WATERSPORTS_SURFING":         "Surfing",
	"WATERSPORTS_WINDSURFING":     "Windsurf",
	"XC_SKIING_CLASSIC":           "NordicSki",
	"XC_SKIING_FREESTYLE":         "NordicSki",
	"YOGA":                        "Yoga",
}

// ByFITSport maps FIT "SPORT/SUB_SPORT" and "SPORT" (profile names), for
// exercises whose detailed sport is unknown (new Polar sports, other
// sources). Sport/sub-sport wins over sport alone.
var ByFITSport = map[string]string{
	"ALPINE_SKIING":                     "AlpineSki",
	"ALPINE_SKIING/BACKCOUNTRY":         "BackcountrySki",
	"BASKETBALL":                        "Basketball",
	"CROSS_COUNTRY_SKIING":              "NordicSki",
	"CROSS_COUNTRY_SKIING/BACKCOUNTRY":  "BackcountrySki",
	"CROSS_COUNTRY_SKIING/SKATE_SKIING": "NordicSki",
	"CYCLING":                           "Ride",
	"CYCLING/CYCLOCROSS":                "GravelRide",
	"CYCLING/E_BIKE_MOUNTAIN":           "EMountainBikeRide",
	"CYCLING/GRAVEL_CYCLING":            "GravelRide",
	"CYCLING/HAND_CYCLING":              "Handcycle",
	"CYCLING/INDOOR_CYCLING":            "Ride trainer",
	"CYCLING/MOUNTAIN":                  "MountainBikeRide",
	"CYCLING/ROAD":                      "Ride",
	"CYCLING/SPIN":                      "Ride trainer",
	"CYCLING/VIRTUAL_ACTIVITY":          "VirtualRide",
	"E_BIKING":                          "EBikeRide",
	"E_BIKING/E_BIKE_MOUNTAIN":          "EMountainBikeRide",
	"FITNESS_EQUIPMENT":                 "Workout",
	"FITNESS_EQUIPMENT/ELLIPTICAL":      "Elliptical",
	"FITNESS_EQUIPMENT/INDOOR_CYCLING":  "Ride trainer",
	"FITNESS_EQUIPMENT/INDOOR_ROWING":   "Rowing trainer",
	"FITNESS_EQUIPMENT/STAIR_CLIMBING":  "StairStepper",
	"FITNESS_EQUIPMENT/TREADMILL":       "Run trainer",
	"GENERIC/FLEXIBILITY_TRAINING":      "Workout",
	"GENERIC/INDOOR_CYCLING":            "Ride trainer",
	"GENERIC/PILATES":                   "Pilates",
	"GENERIC/YOGA":                      "Yoga",
	"GOLF":                              "Golf",
	"HIKING":                            "Hike",
	"HIKING/BACKCOUNTRY":                "Hike",
	"ICE_SKATING":                       "IceSkate",
	"INLINE_SKATING":                    "InlineSkate",
	"KAYAKING":                          "Kayaking",
	"KITESURFING":                       "Kitesurf",
	"PADDLING":                          "Canoeing",
	"ROCK_CLIMBING":                     "RockClimbing",
	"ROWING":                            "Rowing",
	"ROWING/INDOOR_ROWING":              "Rowing trainer",
	"RUNNING":                           "Run",
	"RUNNING/INDOOR_RUNNING":            "Run trainer",
	"RUNNING/STREET":                    "Run",
	"RUNNING/TRACK":                     "Run",
	"RUNNING/TRAIL":                     "TrailRun",
	"RUNNING/TREADMILL":                 "Run trainer",
	"RUNNING/ULTRA":                     "Run",
	"RUNNING/VIRTUAL_ACTIVITY":          "VirtualRun",
	"SAILING":                           "Sail",
	"SNOWBOARDING":                      "Snowboard",
	"SNOWSHOEING":                       "Snowshoe",
	"SOCCER":                            "Soccer",
	"STAND_UP_PADDLEBOARDING":           "StandUpPaddling",
	"SURFING":                           "Surfing",
	"SWIMMING":                          "Swim",
	"SWIMMING/LAP_SWIMMING":             "Swim",
	"SWIMMING/OPEN_WATER":               "Swim",
	"TENNIS":                            "Tennis",
	"TRAINING":                          "Workout",
	"TRAINING/CARDIO_TRAINING":          "Workout",
	"TRAINING/FLEXIBILITY_TRAINING":     "Workout",
	"TRAINING/PILATES":                  "Pilates",
	"TRAINING/STRENGTH_TRAINING":        "WeightTraining",
	"TRAINING/YOGA":                     "Yoga",
	"WALKING":                           "Walk",
	"WALKING/INDOOR_WALKING":            "Walk trainer",
	"WINDSURFING":                       "Windsurf",
}

// SportMap maps an exercise's sports to a Strava Target: config overrides
// first, then ByDetailedSport, then ByFITSport, then Workout. Within each,
// a detailed sport beats FIT sport/sub-sport, which beats FIT sport.
type SportMap struct {
	overrides map[string]Target
	builtin   map[string]Target
}

var errSport = errors.New("invalid sport mapping")

// NewSportMap validates overrides (keys: a Polar detailed sport or a FIT
// sport[/sub-sport], any case; values: a SportType plus optional flags).
func NewSportMap(overrides map[string]string) (*SportMap, error) {
	m := &SportMap{overrides: map[string]Target{}, builtin: map[string]Target{}}
	for _, table := range []map[string]string{ByDetailedSport, ByFITSport} {
		for k, v := range table {
			t, err := parseTarget(v)
			if err != nil {
				return nil, fmt.Errorf("built-in %s: %w", k, err)
			}
			t.Rule = k
			m.builtin[normKey(k)] = t
		}
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !knownKey(k) {
			return nil, fmt.Errorf("%w: %q is neither a Polar detailed sport (e.g. INDOOR_CYCLING) nor a FIT sport or sport/sub-sport (e.g. CYCLING/INDOOR_CYCLING)", errSport, k)
		}
		t, err := parseTarget(overrides[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		t.Rule, t.Overridden = strings.ToUpper(strings.TrimSpace(k)), true
		m.overrides[normKey(k)] = t
	}
	return m, nil
}

// parseTarget parses "Ride", "Ride trainer" or "Ride commute".
func parseTarget(v string) (Target, error) {
	f := strings.Fields(v)
	if len(f) == 0 || !slices.Contains(SportTypes, f[0]) {
		return Target{}, fmt.Errorf("%w: %q is not a Strava sport type (one of %s)", errSport, v, strings.Join(SportTypes, ", "))
	}
	t := Target{SportType: f[0]}
	for _, flag := range f[1:] {
		switch flag {
		case "trainer":
			t.Trainer = true
		case "commute":
			t.Commute = true
		default:
			return Target{}, fmt.Errorf("%w: %q: unknown flag %q (trainer or commute)", errSport, v, flag)
		}
	}
	return t, nil
}

func normKey(k string) string {
	return strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(k)), "-", "_")
}

// knownKey reports whether k names a Polar detailed sport or a FIT sport
// or sport/sub-sport.
func knownKey(k string) bool {
	if sport, sub, ok := strings.Cut(k, "/"); ok {
		_, ok1 := pluginapi.FITSport(sport)
		_, ok2 := pluginapi.FITSubSport(sub)
		return ok1 && ok2
	}
	if _, ok := pluginapi.FITSport(k); ok {
		return true
	}
	_, ok := pluginapi.SportByDetailed(k)
	return ok
}

// Lookup maps an exercise's detailed sport and FIT sport and sub-sport
// (profile names; "" sub-sport means generic).
func (m *SportMap) Lookup(detailed, fitSport, fitSub string) Target {
	keys := make([]string, 0, 3)
	if detailed != "" {
		keys = append(keys, normKey(detailed))
	}
	if fitSport != "" {
		if fitSub != "" && !strings.EqualFold(fitSub, "GENERIC") {
			keys = append(keys, normKey(fitSport+"/"+fitSub))
		}
		keys = append(keys, normKey(fitSport))
	}
	for _, table := range []map[string]Target{m.overrides, m.builtin} {
		for _, k := range keys {
			if t, ok := table[k]; ok {
				return t
			}
		}
	}
	return Target{SportType: FallbackSportType}
}
