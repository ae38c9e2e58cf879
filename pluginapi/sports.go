package pluginapi

import (
	"slices"
	"strings"
)

// Sport is one of Polar's detailed sports as AccessLink documents it, with
// the FIT sport and sub-sport Polar maps it to. Exercise records carry the
// detailed sport (Exercise.detailed_sport) and the FIT names
// (Exercise.fit_sport, Exercise.fit_sub_sport); this is the vocabulary
// behind them, for exporters that map sports to their destination's.
type Sport struct {
	// Detailed is the detailed_sport_info value, e.g. "TRAIL_RUNNING".
	Detailed string
	// FlowName is the sport's name in Polar Flow, e.g. "Trail running".
	FlowName string
	// FITSport and FITSubSport are FIT profile names, e.g. "RUNNING" and
	// "TRAIL"; FITSubSport is "" for the generic sub-sport.
	FITSport, FITSubSport string
}

// Sports returns every documented detailed sport, sorted by Detailed.
// The host's own mapping may differ where its configuration overrides a
// sport; the record then carries the overridden FIT names.
func Sports() []Sport { return slices.Clone(polarSports) }

// SportByDetailed returns the documented sport with that detailed name
// (matched ignoring case, surrounding space and '-' versus '_').
func SportByDetailed(name string) (Sport, bool) {
	s, ok := sportByDetailed[normalizeSportName(name)]
	return s, ok
}

var (
	polarSports     = sortedSports(documentedSports)
	sportByDetailed = indexSports(documentedSports)
)

func sortedSports(in []Sport) []Sport {
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b Sport) int { return strings.Compare(a.Detailed, b.Detailed) })
	return out
}

func indexSports(in []Sport) map[string]Sport {
	m := make(map[string]Sport, len(in))
	for _, s := range in {
		m[normalizeSportName(s.Detailed)] = s
	}
	return m
}

func normalizeSportName(s string) string {
	return strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(s)), "-", "_")
}

// polarSports joins the two appendices of the AccessLink v3 documentation:
// "Detailed sport info values in exercise entity" (the value and its Flow
// name) and "Sport type mapping in FIT-files" (Flow name → FIT sport and
// sub-sport). A value whose Flow name has no FIT row is GENERIC, as the
// documentation says. Comments mark rows where a plain join on the Flow
// name would pick the wrong FIT row or none.
var documentedSports = []Sport{
	{"AEROBICS", "Aerobics", "GENERIC", ""},
	{"AMERICAN_FOOTBALL", "Football", "AMERICAN_FOOTBALL", ""},
	{"AQUATICS", "Aqua fitness", "GENERIC", ""},
	{"BACKCOUNTRY_SKIING", "Backcountry skiing", "CROSS_COUNTRY_SKIING", "BACKCOUNTRY"},
	{"BADMINTON", "Badminton", "GENERIC", ""},
	{"BALLET_DANCING", "Ballet", "GENERIC", ""},
	{"BALLROOM_DANCING", "Ballroom", "GENERIC", ""},
	{"BASEBALL", "Baseball", "GENERIC", ""},
	{"BASKETBALL", "Basketball", "BASKETBALL", ""},
	{"BEACH_VOLLEYBALL", "Beach volley", "GENERIC", ""},
	{"BIATHLON", "Biathlon", "GENERIC", ""},
	{"BODY_AND_MIND", "Body&Mind", "GENERIC", ""},
	{"BOOTCAMP", "Bootcamp", "GENERIC", ""},
	{"BOXING", "Boxing", "BOXING", ""},
	{"CIRCUIT_TRAINING", "Circuit training", "TRAINING", ""},
	{"CORE", "Core", "TRAINING", ""},
	{"CRICKET", "Cricket", "GENERIC", ""},
	// Polar writes TRAINING/INDOOR_RUNNING, not the FIT profile's
	// FITNESS_EQUIPMENT/ELLIPTICAL; we follow what Polar's files contain.
	{"CROSS_TRAINER", "Cross-trainer", "TRAINING", "INDOOR_RUNNING"},
	{"CROSS_COUNTRY_RUNNING", "Cross-country running", "RUNNING", "BACKCOUNTRY"},
	// The only key spelled with a hyphen; Lookup also accepts
	// CROSS_COUNTRY_SKIING.
	{"CROSS-COUNTRY_SKIING", "Skiing", "CROSS_COUNTRY_SKIING", ""},
	{"CYCLING", "Cycling", "CYCLING", ""},
	// No "Climbing" row in the FIT table (only indoor/outdoor): GENERIC.
	{"CLIMBING", "Climbing", "GENERIC", ""},
	{"CURLING", "Curling", "GENERIC", ""},
	{"DANCING", "Dancing", "GENERIC", ""},
	{"DOWNHILL_SKIING", "Downhill skiing", "ALPINE_SKIING", ""},
	// Multisport containers have no FIT row: GENERIC (not MULTISPORT).
	{"DUATHLON", "Duathlon", "GENERIC", ""},
	// Duathlon legs use the "(Duathlon) ..." rows: the running leg has no
	// STREET sub-sport, unlike plain "Running".
	{"DUATHLON_CYCLING", "Cycling", "CYCLING", ""},
	{"DUATHLON_RUNNING", "Running", "RUNNING", ""},
	{"E_BIKE", "Electric biking", "E_BIKING", ""},
	{"FIELD_HOCKEY", "Field hockey", "GENERIC", ""},
	{"FINNISH_BASEBALL", "Finnish baseball", "GENERIC", ""},
	{"FITNESS_DANCING", "Fitness dancing", "GENERIC", ""},
	// The FIT table calls it "Martial arts".
	{"FITNESS_MARTIAL_ARTS", "Fitness martial arts", "GENERIC", ""},
	{"FITNESS_STEP", "Step workout", "GENERIC", ""},
	{"FLOORBALL", "Floorball", "GENERIC", ""},
	// No "Multisport" row in the FIT table: GENERIC (not MULTISPORT).
	{"FREE_MULTISPORT", "Multisport", "GENERIC", ""},
	{"FRISBEEGOLF", "Disc golf", "GENERIC", ""},
	{"FUNCTIONAL_TRAINING", "Functional training", "TRAINING", ""},
	{"FUTSAL", "Futsal", "GENERIC", ""},
	{"GOLF", "Golf", "GOLF", ""},
	{"GROUP_EXERCISE", "Group exercise", "TRAINING", ""},
	{"GYMNASTICK", "Gymnastics", "GENERIC", ""},
	{"HANDBALL", "Handball", "GENERIC", ""},
	// TRAINING as Polar documents, not the newer FIT sport HIIT.
	{"HIIT", "High-intensity interval training", "TRAINING", ""},
	{"HIKING", "Hiking", "HIKING", ""},
	{"ICE_HOCKEY", "Ice hockey", "GENERIC", ""},
	{"ICE_SKATING", "Ice skating", "ICE_SKATING", ""},
	{"INDOOR_CYCLING", "Indoor cycling", "CYCLING", "INDOOR_CYCLING"},
	{"INDOOR_ROWING", "Indoor rowing", "ROWING", "INDOOR_ROWING"},
	{"INLINE_SKATING", "Inline skating", "INLINE_SKATING", ""},
	{"JAZZ_DANCING", "Jazz", "GENERIC", ""},
	{"JOGGING", "Jogging", "RUNNING", ""},
	{"JUDO_MARTIAL_ARTS", "Judo", "GENERIC", ""},
	{"KETTLEBELL", "Kettlebell", "GENERIC", ""},
	{"KICKBOXING_MARTIAL_ARTS", "Kickboxing", "GENERIC", ""},
	{"LATIN_DANCING", "Latin", "GENERIC", ""},
	// The FIT table lists this one by its key, "LES_MILLS_BARRE".
	{"LES_MILLS_BARRE", "LES MILLS BARRE", "GENERIC", ""},
	{"LES_MILLS_BODYATTACK", "LES MILLS BODYATTACK", "GENERIC", ""},
	{"LES_MILLS_BODYBALANCE", "LES MILLS BODYBALANCE", "GENERIC", ""},
	{"LES_MILLS_BODYCOMBAT", "LES MILLS BODYCOMBAT", "GENERIC", ""},
	{"LES_MILLS_BODYJAM", "LES MILLS BODYJAM", "GENERIC", ""},
	{"LES_MILLS_BODYPUMP", "LES MILLS BODYPUMP", "GENERIC", ""},
	{"LES_MILLS_BODYSTEP", "LES MILLS BODYSTEP", "GENERIC", ""},
	// CXWORX was renamed LES MILLS CORE; the FIT table has the new name.
	{"LES_MILLS_CXWORKS", "LES MILLS CXWORX", "GENERIC", ""},
	{"LES_MILLS_GRIT_ATHLETIC", "LES MILLS GRIT Athletic", "GENERIC", ""},
	{"LES_MILLS_GRIT_CARDIO", "LES MILLS GRIT Cardio", "GENERIC", ""},
	{"LES_MILLS_GRIT_STRENGTH", "LES MILLS GRIT Strength", "GENERIC", ""},
	{"LES_MILLS_RPM", "LES MILLS RPM", "GENERIC", ""},
	{"LES_MILLS_SHBAM", "LES MILLS SH'BAM", "GENERIC", ""},
	{"LES_MILLS_SPRINT", "LES MILLS SPRINT", "GENERIC", ""},
	{"LES_MILLS_TONE", "LES MILLS TONE", "GENERIC", ""},
	// "LES MILLS THE TRIP" in the FIT table.
	{"LES_MILLS_TRIP", "LES MILLS TRIP", "GENERIC", ""},
	{"MOBILITY_DYNAMIC", "Mobility (dynamic)", "GENERIC", "FLEXIBILITY_TRAINING"},
	{"MOBILITY_STATIC", "Mobility (static)", "GENERIC", "FLEXIBILITY_TRAINING"},
	{"MODERN_DANCING", "Modern", "GENERIC", ""},
	{"MOTORSPORTS_CAR_RACING", "Car racing", "DRIVING", ""},
	{"MOTORSPORTS_ENDURO", "Enduro", "MOTORCYCLING", ""},
	// "Hard Enduro" here, "Hard enduro" in the FIT table: an exact join
	// misses it and would fall to GENERIC.
	{"MOTORSPORTS_HARD_ENDURO", "Hard Enduro", "MOTORCYCLING", ""},
	// "Motocorss" is a typo of the FIT table's "Motocross". Polar documents
	// no MOTOCROSS sub-sport, so none is set.
	{"MOTORSPORTS_MOTOCROSS", "Motocorss", "MOTORCYCLING", ""},
	{"MOTORSPORTS_ROADRACING", "Road racing", "DRIVING", ""},
	{"MOTORSPORTS_SNOCROSS", "Snocross", "GENERIC", ""},
	{"MOUNTAIN_BIKING", "Mountain biking", "CYCLING", "MOUNTAIN"},
	{"NORDIC_WALKING", "Nordic walking", "WALKING", ""},
	{"OFFROADDUATHLON", "Off-road duathlon", "GENERIC", ""},
	// Off-road multisport legs use the "(off road duathlon/thiathlon) ..."
	// rows: BACKCOUNTRY, not the plain sport's MOUNTAIN, TRAIL or OPEN_WATER.
	{"OFFROADDUATHLON_CYCLING", "Mountain biking", "CYCLING", "BACKCOUNTRY"},
	{"OFFROADDUATHLON_RUNNING", "Trail running", "RUNNING", "BACKCOUNTRY"},
	{"OFFROADTRIATHLON", "Off-road triathlon", "GENERIC", ""},
	{"OFFROADTRIATHLON_CYCLING", "Mountain biking", "CYCLING", "BACKCOUNTRY"},
	{"OFFROADTRIATHLON_RUNNING", "Trail running", "RUNNING", "BACKCOUNTRY"},
	{"OFFROADTRIATHLON_SWIMMING", "Open water swimming", "SWIMMING", "BACKCOUNTRY"},
	{"OPEN_WATER_SWIMMING", "Open water swimming", "SWIMMING", "OPEN_WATER"},
	{"ORIENTEERING", "Orienteering", "GENERIC", "BACKCOUNTRY"},
	{"ORIENTEERING_MTB", "Mountain bike orienteering", "CYCLING", "BACKCOUNTRY"},
	{"ORIENTEERING_SKI", "Ski orienteering", "CROSS_COUNTRY_SKIING", "BACKCOUNTRY"},
	{"OTHER_INDOOR", "Other indoor", "GENERIC", ""},
	{"OTHER_OUTDOOR", "Other outdoor", "GENERIC", ""},
	// "Padel racing" here, "Padel" in the FIT table; GENERIC either way
	// (not the newer FIT RACKET/PADEL).
	{"PADEL", "Padel racing", "GENERIC", ""},
	{"PARASPORTS_WHEELCHAIR", "Wheelchair racing", "GENERIC", ""},
	{"PILATES", "Pilates", "GENERIC", "PILATES"},
	// No LAP_SWIMMING sub-sport: Polar documents plain SWIMMING.
	{"POOL_SWIMMING", "Pool swimming", "SWIMMING", ""},
	{"RIDING", "Riding", "HORSEBACK_RIDING", ""},
	{"ROAD_BIKING", "Road cycling", "CYCLING", "ROAD"},
	{"ROAD_RUNNING", "Road running", "RUNNING", "STREET"},
	// Flow calls ROLLER_BLADING "Roller skating", which is GENERIC, not
	// INLINE_SKATING.
	{"ROLLER_BLADING", "Roller skating", "GENERIC", ""},
	{"ROLLER_SKIING_CLASSIC", "Classic roller skiing", "GENERIC", ""},
	{"ROLLER_SKIING_FREESTYLE", "Freestyle roller skiing", "GENERIC", ""},
	{"ROWING", "Rowing", "ROWING", ""},
	{"RUGBY", "Rugby", "GENERIC", ""},
	{"RUNNING", "Running", "RUNNING", "STREET"},
	{"SHOW_DANCING", "Show", "GENERIC", ""},
	{"SKATEBOARDING", "Skateboarding", "GENERIC", ""},
	{"SKATING", "Skating", "ICE_SKATING", ""},
	{"SNOWBOARDING", "Snowboarding", "SNOWBOARDING", ""},
	{"SNOWSHOE_TREKKING", "Snowshoe trekking", "SNOWSHOEING", ""},
	{"SOCCER", "Soccer", "SOCCER", ""},
	// GENERIC/INDOOR_CYCLING as documented (not CYCLING/SPIN).
	{"SPINNING", "Spinning", "GENERIC", "INDOOR_CYCLING"},
	{"SUP", "SUP", "STAND_UP_PADDLEBOARDING", ""},
	{"SQUASH", "Squash", "GENERIC", ""},
	{"STREET_DANCING", "Street", "GENERIC", ""},
	{"STRENGTH_TRAINING", "Strength training", "TRAINING", "STRENGTH_TRAINING"},
	{"STRETCHING", "Stretching", "GENERIC", "FLEXIBILITY_TRAINING"},
	{"SWIMMING", "Swimming", "SWIMMING", ""},
	{"TABLE_TENNIS", "Table tennis", "GENERIC", ""},
	{"TAEKWONDO_MARTIAL_ARTS", "Taekwondo", "GENERIC", ""},
	{"TELEMARK_SKIING", "Telemark skiing", "ALPINE_SKIING", ""},
	{"TENNIS", "Tennis", "TENNIS", ""},
	{"TRACK_AND_FIELD_RUNNING", "Track&field running", "RUNNING", "TRACK"},
	{"TRAIL_RUNNING", "Trail running", "RUNNING", "TRAIL"},
	{"TREADMILL_RUNNING", "Treadmill running", "RUNNING", "TREADMILL"},
	{"TRIATHLON", "Triathlon", "GENERIC", ""},
	// Triathlon legs use the "(Thriathlon) ..." rows: running without
	// STREET, swimming without OPEN_WATER.
	{"TRIATHLON_CYCLING", "Cycling", "CYCLING", ""},
	{"TRIATHLON_RUNNING", "Running", "RUNNING", ""},
	{"TRIATHLON_SWIMMING", "Open water swimming", "SWIMMING", ""},
	{"TROTTING", "Trotting", "GENERIC", ""},
	// No ULTRA sub-sport: Polar documents plain RUNNING.
	{"ULTRARUNNING_RUNNING", "Ultra running", "RUNNING", ""},
	{"VERTICALSPORTS_WALLCLIMBING", "Climbing (indoor)", "GENERIC", ""},
	{"VERTICALSPORTS_OUTCLIMBING", "Climbing (outdoor)", "ROCK_CLIMBING", ""},
	{"VOLLEYBALL", "Volleyball", "GENERIC", ""},
	{"WALKING", "Walking", "WALKING", ""},
	{"WATER_EXERCISE", "Water sports", "GENERIC", ""},
	{"WATER_RUNNING", "Water running", "GENERIC", ""},
	// KAYAKING as documented (not the FIT profile's PADDLING).
	{"WATERSPORTS_CANOEING", "Canoeing", "KAYAKING", ""},
	{"WATERSPORTS_KAYAKING", "Kayaking", "KAYAKING", ""},
	{"WATERSPORTS_KITESURFING", "Kitesurfing", "KITESURFING", ""},
	{"WATERSPORTS_SAILING", "Sailing", "SAILING", ""},
	{"WATERSPORTS_SURFING", "Surfing", "SURFING", ""},
	{"WATERSPORTS_WAKEBOARDING", "Wakeboarding", "WAKEBOARDING", ""},
	{"WATERSPORTS_WATERSKI", "Water skiing", "WATER_SKIING", ""},
	{"WATERSPORTS_WINDSURFING", "Windsurfing", "WINDSURFING", ""},
	{"XC_SKIING_CLASSIC", "Classic XC skiing", "CROSS_COUNTRY_SKIING", ""},
	// No SKATE_SKIING sub-sport: Polar documents plain CROSS_COUNTRY_SKIING.
	{"XC_SKIING_FREESTYLE", "Freestyle XC skiing", "CROSS_COUNTRY_SKIING", ""},
	// GENERIC/YOGA as documented (the FIT profile files YOGA under TRAINING).
	{"YOGA", "Yoga", "GENERIC", "YOGA"},
}
