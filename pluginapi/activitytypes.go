package pluginapi

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Activity types: Strava named its sports "Ride", "TrailRun",
// "VirtualRide" and so on, and intervals.icu and others took the same
// names. An ActivityTypeMap maps a Polar exercise onto such a vocabulary,
// so every exporter to one of them maps sports the same way and only
// states which names its destination knows.

// FallbackActivityType is what an unmapped sport becomes; every
// vocabulary must contain it.
const FallbackActivityType = "Workout"

// ErrActivityType marks an invalid sport mapping in a config.
var ErrActivityType = errors.New("invalid sport mapping")

// ActivityType is what an exercise becomes at the destination.
type ActivityType struct {
	Type    string // e.g. "TrailRun"
	Trainer bool   // indoors, on a trainer or treadmill
	Commute bool
	// Rule is the mapping key that matched, e.g. "TRAIL_RUNNING" or
	// "CYCLING/INDOOR_CYCLING"; "" for the fallback.
	Rule string
	// Overridden is set when the rule comes from config.
	Overridden bool
}

func (t ActivityType) String() string {
	s := t.Type
	if t.Trainer {
		s += " trainer"
	}
	if t.Commute {
		s += " commute"
	}
	return s
}

// ActivityTypesByDetailedSport maps Polar's detailed sports. It is
// consulted before ActivityTypesByFITSport because Polar's sport is often finer than the FIT one (SPINNING
// is GENERIC/INDOOR_CYCLING in FIT, E_BIKE has no sub-sport).
//
// Decisions: indoor cycling is Ride with the trainer flag, not VirtualRide
// (both Strava and intervals.icu reserve that for virtual worlds such as
// Zwift; override it if that is what you ride); treadmill running and indoor rowing are likewise
// Run and Rowing with trainer; orienteering is TrailRun.
var ActivityTypesByDetailedSport = map[string]string{
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

// ActivityTypesByFITSport maps FIT "SPORT/SUB_SPORT" and "SPORT" (profile names), for
// exercises whose detailed sport is unknown (new Polar sports, other
// sources). Sport/sub-sport wins over sport alone.
var ActivityTypesByFITSport = map[string]string{
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

// ActivityTypeMap maps an exercise's sports to an ActivityType: config
// overrides first, then ActivityTypesByDetailedSport, then
// ActivityTypesByFITSport, then FallbackActivityType. Within each, a
// detailed sport beats FIT sport/sub-sport, which beats FIT sport.
type ActivityTypeMap struct {
	typeName   string
	vocabulary []string
	overrides  map[string]ActivityType
	builtin    map[string]ActivityType
}

// NewActivityTypeMap returns the map onto vocabulary, the activity types
// of a destination; typeName names them in errors (e.g. "Strava sport
// type"). A built-in value the
// vocabulary lacks becomes FallbackActivityType. overrides come from
// config: keys are a Polar detailed sport or a FIT sport[/sub-sport] in
// any case, values a type of vocabulary optionally followed by the flags
// "trainer" and "commute" ("Ride trainer").
func NewActivityTypeMap(typeName string, vocabulary []string, overrides map[string]string) (*ActivityTypeMap, error) {
	if !slices.Contains(vocabulary, FallbackActivityType) {
		return nil, fmt.Errorf("%w: the %s vocabulary lacks %s", ErrActivityType, typeName, FallbackActivityType)
	}
	m := &ActivityTypeMap{typeName: typeName, vocabulary: vocabulary, overrides: map[string]ActivityType{}, builtin: map[string]ActivityType{}}
	for _, table := range []map[string]string{ActivityTypesByDetailedSport, ActivityTypesByFITSport} {
		for k, v := range table {
			t, err := parseActivityType(v)
			if err != nil {
				return nil, fmt.Errorf("built-in %s: %w", k, err)
			}
			if !slices.Contains(vocabulary, t.Type) {
				t = ActivityType{Type: FallbackActivityType}
			}
			t.Rule = k
			m.builtin[normalizeSportName(k)] = t
		}
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !knownSportKey(k) {
			return nil, fmt.Errorf("%w: %q is neither a Polar detailed sport (e.g. INDOOR_CYCLING) nor a FIT sport or sport/sub-sport (e.g. CYCLING/INDOOR_CYCLING)", ErrActivityType, k)
		}
		t, err := m.Parse(overrides[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		t.Rule, t.Overridden = strings.ToUpper(strings.TrimSpace(k)), true
		m.overrides[normalizeSportName(k)] = t
	}
	return m, nil
}

// Parse parses "Ride", "Ride trainer" or "Ride commute" against the map's
// vocabulary.
func (m *ActivityTypeMap) Parse(v string) (ActivityType, error) {
	t, err := parseActivityType(v)
	if err == nil && !slices.Contains(m.vocabulary, t.Type) {
		return ActivityType{}, fmt.Errorf("%w: %q is not a %s (one of %s)", ErrActivityType, v, m.typeName, strings.Join(m.vocabulary, ", "))
	}
	return t, err
}

// parseActivityType parses a type and its flags.
func parseActivityType(v string) (ActivityType, error) {
	f := strings.Fields(v)
	if len(f) == 0 {
		return ActivityType{}, fmt.Errorf("%w: empty activity type", ErrActivityType)
	}
	t := ActivityType{Type: f[0]}
	for _, flag := range f[1:] {
		switch flag {
		case "trainer":
			t.Trainer = true
		case "commute":
			t.Commute = true
		default:
			return ActivityType{}, fmt.Errorf("%w: %q: unknown flag %q (trainer or commute)", ErrActivityType, v, flag)
		}
	}
	return t, nil
}

// knownSportKey reports whether k names a Polar detailed sport or a FIT
// sport or sport/sub-sport.
func knownSportKey(k string) bool {
	if sport, sub, ok := strings.Cut(k, "/"); ok {
		_, ok1 := FITSport(sport)
		_, ok2 := FITSubSport(sub)
		return ok1 && ok2
	}
	if _, ok := FITSport(k); ok {
		return true
	}
	_, ok := SportByDetailed(k)
	return ok
}

// Lookup maps an exercise's detailed sport and FIT sport and sub-sport
// (profile names; "" sub-sport means generic).
func (m *ActivityTypeMap) Lookup(detailed, fitSport, fitSub string) ActivityType {
	keys := make([]string, 0, 3)
	if detailed != "" {
		keys = append(keys, normalizeSportName(detailed))
	}
	if fitSport != "" {
		if fitSub != "" && !strings.EqualFold(fitSub, "GENERIC") {
			keys = append(keys, normalizeSportName(fitSport+"/"+fitSub))
		}
		keys = append(keys, normalizeSportName(fitSport))
	}
	for _, table := range []map[string]ActivityType{m.overrides, m.builtin} {
		for _, k := range keys {
			if t, ok := table[k]; ok {
				return t
			}
		}
	}
	return ActivityType{Type: FallbackActivityType}
}

// Markdown is the built-in mapping onto m's vocabulary as Markdown
// tables (one for detailed sports, one for FIT sports), for an exporter's
// README; header names the destination's type column.
func (m *ActivityTypeMap) Markdown(header string) string {
	var b strings.Builder
	write := func(title string, table map[string]string) {
		keys := make([]string, 0, len(table))
		for k := range table {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "| %s | %s | flags |\n|---|---|---|\n", title, header)
		for _, k := range keys {
			t := m.builtin[normalizeSportName(k)]
			var flags []string
			if t.Trainer {
				flags = append(flags, "trainer")
			}
			if t.Commute {
				flags = append(flags, "commute")
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", k, t.Type, strings.Join(flags, ", "))
		}
		b.WriteString("\n")
	}
	write("Polar detailed sport", ActivityTypesByDetailedSport)
	write("FIT sport[/sub-sport]", ActivityTypesByFITSport)
	return b.String()
}
