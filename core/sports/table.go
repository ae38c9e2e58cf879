package sports

import "github.com/tormoder/fit"

// Shorter names for the rows below.
const (
	sGeneric      = fit.SportGeneric
	sRunning      = fit.SportRunning
	sCycling      = fit.SportCycling
	sSwimming     = fit.SportSwimming
	sTraining     = fit.SportTraining
	sWalking      = fit.SportWalking
	sXCSkiing     = fit.SportCrossCountrySkiing
	sAlpineSkiing = fit.SportAlpineSkiing
	sMotorcycling = fit.SportMotorcycling
	sDriving      = fit.SportDriving
	sKayaking     = fit.SportKayaking
)

// builtin is the effective default table: every detailed_sport_info value
// of the AccessLink appendix, its Polar Flow name as that appendix spells
// it, and the FIT sport and sub-sport the FIT appendix gives for that
// sport. A value whose Flow name has no row in the FIT appendix is GENERIC,
// as the documentation says. Comments mark rows where a plain join on the
// Flow name would pick the wrong FIT row or none.
var builtin = []Mapping{
	{DetailedSport: "AEROBICS", FlowName: "Aerobics", Sport: sGeneric},
	{DetailedSport: "AMERICAN_FOOTBALL", FlowName: "Football", Sport: fit.SportAmericanFootball},
	{DetailedSport: "AQUATICS", FlowName: "Aqua fitness", Sport: sGeneric},
	{DetailedSport: "BACKCOUNTRY_SKIING", FlowName: "Backcountry skiing", Sport: sXCSkiing, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "BADMINTON", FlowName: "Badminton", Sport: sGeneric},
	{DetailedSport: "BALLET_DANCING", FlowName: "Ballet", Sport: sGeneric},
	{DetailedSport: "BALLROOM_DANCING", FlowName: "Ballroom", Sport: sGeneric},
	{DetailedSport: "BASEBALL", FlowName: "Baseball", Sport: sGeneric},
	{DetailedSport: "BASKETBALL", FlowName: "Basketball", Sport: fit.SportBasketball},
	{DetailedSport: "BEACH_VOLLEYBALL", FlowName: "Beach volley", Sport: sGeneric},
	{DetailedSport: "BIATHLON", FlowName: "Biathlon", Sport: sGeneric},
	{DetailedSport: "BODY_AND_MIND", FlowName: "Body&Mind", Sport: sGeneric},
	{DetailedSport: "BOOTCAMP", FlowName: "Bootcamp", Sport: sGeneric},
	{DetailedSport: "BOXING", FlowName: "Boxing", Sport: fit.SportBoxing},
	{DetailedSport: "CIRCUIT_TRAINING", FlowName: "Circuit training", Sport: sTraining},
	{DetailedSport: "CORE", FlowName: "Core", Sport: sTraining},
	{DetailedSport: "CRICKET", FlowName: "Cricket", Sport: sGeneric},
	// Polar writes TRAINING/INDOOR_RUNNING, not the FIT profile's
	// FITNESS_EQUIPMENT/ELLIPTICAL; we follow what Polar's files contain.
	{DetailedSport: "CROSS_TRAINER", FlowName: "Cross-trainer", Sport: sTraining, SubSport: fit.SubSportIndoorRunning},
	{DetailedSport: "CROSS_COUNTRY_RUNNING", FlowName: "Cross-country running", Sport: sRunning, SubSport: fit.SubSportBackcountry},
	// The only key spelled with a hyphen; Lookup also accepts
	// CROSS_COUNTRY_SKIING.
	{DetailedSport: "CROSS-COUNTRY_SKIING", FlowName: "Skiing", Sport: sXCSkiing},
	{DetailedSport: "CYCLING", FlowName: "Cycling", Sport: sCycling},
	// No "Climbing" row in the FIT table (only indoor/outdoor): GENERIC.
	{DetailedSport: "CLIMBING", FlowName: "Climbing", Sport: sGeneric},
	{DetailedSport: "CURLING", FlowName: "Curling", Sport: sGeneric},
	{DetailedSport: "DANCING", FlowName: "Dancing", Sport: sGeneric},
	{DetailedSport: "DOWNHILL_SKIING", FlowName: "Downhill skiing", Sport: sAlpineSkiing},
	// Multisport containers have no FIT row: GENERIC (not MULTISPORT).
	{DetailedSport: "DUATHLON", FlowName: "Duathlon", Sport: sGeneric},
	// Duathlon legs use the "(Duathlon) ..." rows: the running leg has no
	// STREET sub-sport, unlike plain "Running".
	{DetailedSport: "DUATHLON_CYCLING", FlowName: "Cycling", Sport: sCycling},
	{DetailedSport: "DUATHLON_RUNNING", FlowName: "Running", Sport: sRunning},
	{DetailedSport: "E_BIKE", FlowName: "Electric biking", Sport: fit.SportEBiking},
	{DetailedSport: "FIELD_HOCKEY", FlowName: "Field hockey", Sport: sGeneric},
	{DetailedSport: "FINNISH_BASEBALL", FlowName: "Finnish baseball", Sport: sGeneric},
	{DetailedSport: "FITNESS_DANCING", FlowName: "Fitness dancing", Sport: sGeneric},
	// The FIT table calls it "Martial arts".
	{DetailedSport: "FITNESS_MARTIAL_ARTS", FlowName: "Fitness martial arts", Sport: sGeneric},
	{DetailedSport: "FITNESS_STEP", FlowName: "Step workout", Sport: sGeneric},
	{DetailedSport: "FLOORBALL", FlowName: "Floorball", Sport: sGeneric},
	// No "Multisport" row in the FIT table: GENERIC (not MULTISPORT).
	{DetailedSport: "FREE_MULTISPORT", FlowName: "Multisport", Sport: sGeneric},
	{DetailedSport: "FRISBEEGOLF", FlowName: "Disc golf", Sport: sGeneric},
	{DetailedSport: "FUNCTIONAL_TRAINING", FlowName: "Functional training", Sport: sTraining},
	{DetailedSport: "FUTSAL", FlowName: "Futsal", Sport: sGeneric},
	{DetailedSport: "GOLF", FlowName: "Golf", Sport: fit.SportGolf},
	{DetailedSport: "GROUP_EXERCISE", FlowName: "Group exercise", Sport: sTraining},
	{DetailedSport: "GYMNASTICK", FlowName: "Gymnastics", Sport: sGeneric},
	{DetailedSport: "HANDBALL", FlowName: "Handball", Sport: sGeneric},
	// TRAINING as Polar documents, not the newer FIT sport HIIT.
	{DetailedSport: "HIIT", FlowName: "High-intensity interval training", Sport: sTraining},
	{DetailedSport: "HIKING", FlowName: "Hiking", Sport: fit.SportHiking},
	{DetailedSport: "ICE_HOCKEY", FlowName: "Ice hockey", Sport: sGeneric},
	{DetailedSport: "ICE_SKATING", FlowName: "Ice skating", Sport: fit.SportIceSkating},
	{DetailedSport: "INDOOR_CYCLING", FlowName: "Indoor cycling", Sport: sCycling, SubSport: fit.SubSportIndoorCycling},
	{DetailedSport: "INDOOR_ROWING", FlowName: "Indoor rowing", Sport: fit.SportRowing, SubSport: fit.SubSportIndoorRowing},
	{DetailedSport: "INLINE_SKATING", FlowName: "Inline skating", Sport: fit.SportInlineSkating},
	{DetailedSport: "JAZZ_DANCING", FlowName: "Jazz", Sport: sGeneric},
	{DetailedSport: "JOGGING", FlowName: "Jogging", Sport: sRunning},
	{DetailedSport: "JUDO_MARTIAL_ARTS", FlowName: "Judo", Sport: sGeneric},
	{DetailedSport: "KETTLEBELL", FlowName: "Kettlebell", Sport: sGeneric},
	{DetailedSport: "KICKBOXING_MARTIAL_ARTS", FlowName: "Kickboxing", Sport: sGeneric},
	{DetailedSport: "LATIN_DANCING", FlowName: "Latin", Sport: sGeneric},
	// The FIT table lists this one by its key, "LES_MILLS_BARRE".
	{DetailedSport: "LES_MILLS_BARRE", FlowName: "LES MILLS BARRE", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_BODYATTACK", FlowName: "LES MILLS BODYATTACK", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_BODYBALANCE", FlowName: "LES MILLS BODYBALANCE", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_BODYCOMBAT", FlowName: "LES MILLS BODYCOMBAT", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_BODYJAM", FlowName: "LES MILLS BODYJAM", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_BODYPUMP", FlowName: "LES MILLS BODYPUMP", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_BODYSTEP", FlowName: "LES MILLS BODYSTEP", Sport: sGeneric},
	// CXWORX was renamed LES MILLS CORE; the FIT table has the new name.
	{DetailedSport: "LES_MILLS_CXWORKS", FlowName: "LES MILLS CXWORX", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_GRIT_ATHLETIC", FlowName: "LES MILLS GRIT Athletic", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_GRIT_CARDIO", FlowName: "LES MILLS GRIT Cardio", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_GRIT_STRENGTH", FlowName: "LES MILLS GRIT Strength", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_RPM", FlowName: "LES MILLS RPM", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_SHBAM", FlowName: "LES MILLS SH'BAM", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_SPRINT", FlowName: "LES MILLS SPRINT", Sport: sGeneric},
	{DetailedSport: "LES_MILLS_TONE", FlowName: "LES MILLS TONE", Sport: sGeneric},
	// "LES MILLS THE TRIP" in the FIT table.
	{DetailedSport: "LES_MILLS_TRIP", FlowName: "LES MILLS TRIP", Sport: sGeneric},
	{DetailedSport: "MOBILITY_DYNAMIC", FlowName: "Mobility (dynamic)", Sport: sGeneric, SubSport: fit.SubSportFlexibilityTraining},
	{DetailedSport: "MOBILITY_STATIC", FlowName: "Mobility (static)", Sport: sGeneric, SubSport: fit.SubSportFlexibilityTraining},
	{DetailedSport: "MODERN_DANCING", FlowName: "Modern", Sport: sGeneric},
	{DetailedSport: "MOTORSPORTS_CAR_RACING", FlowName: "Car racing", Sport: sDriving},
	{DetailedSport: "MOTORSPORTS_ENDURO", FlowName: "Enduro", Sport: sMotorcycling},
	// "Hard Enduro" here, "Hard enduro" in the FIT table: an exact join
	// misses it and would fall to GENERIC.
	{DetailedSport: "MOTORSPORTS_HARD_ENDURO", FlowName: "Hard Enduro", Sport: sMotorcycling},
	// "Motocorss" is a typo of the FIT table's "Motocross". Polar documents
	// no MOTOCROSS sub-sport, so none is set.
	{DetailedSport: "MOTORSPORTS_MOTOCROSS", FlowName: "Motocorss", Sport: sMotorcycling},
	{DetailedSport: "MOTORSPORTS_ROADRACING", FlowName: "Road racing", Sport: sDriving},
	{DetailedSport: "MOTORSPORTS_SNOCROSS", FlowName: "Snocross", Sport: sGeneric},
	{DetailedSport: "MOUNTAIN_BIKING", FlowName: "Mountain biking", Sport: sCycling, SubSport: fit.SubSportMountain},
	{DetailedSport: "NORDIC_WALKING", FlowName: "Nordic walking", Sport: sWalking},
	{DetailedSport: "OFFROADDUATHLON", FlowName: "Off-road duathlon", Sport: sGeneric},
	// Off-road multisport legs use the "(off road duathlon/thiathlon) ..."
	// rows: BACKCOUNTRY, not the plain sport's MOUNTAIN, TRAIL or OPEN_WATER.
	{DetailedSport: "OFFROADDUATHLON_CYCLING", FlowName: "Mountain biking", Sport: sCycling, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "OFFROADDUATHLON_RUNNING", FlowName: "Trail running", Sport: sRunning, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "OFFROADTRIATHLON", FlowName: "Off-road triathlon", Sport: sGeneric},
	{DetailedSport: "OFFROADTRIATHLON_CYCLING", FlowName: "Mountain biking", Sport: sCycling, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "OFFROADTRIATHLON_RUNNING", FlowName: "Trail running", Sport: sRunning, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "OFFROADTRIATHLON_SWIMMING", FlowName: "Open water swimming", Sport: sSwimming, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "OPEN_WATER_SWIMMING", FlowName: "Open water swimming", Sport: sSwimming, SubSport: fit.SubSportOpenWater},
	{DetailedSport: "ORIENTEERING", FlowName: "Orienteering", Sport: sGeneric, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "ORIENTEERING_MTB", FlowName: "Mountain bike orienteering", Sport: sCycling, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "ORIENTEERING_SKI", FlowName: "Ski orienteering", Sport: sXCSkiing, SubSport: fit.SubSportBackcountry},
	{DetailedSport: "OTHER_INDOOR", FlowName: "Other indoor", Sport: sGeneric},
	{DetailedSport: "OTHER_OUTDOOR", FlowName: "Other outdoor", Sport: sGeneric},
	// "Padel racing" here, "Padel" in the FIT table; GENERIC either way
	// (not the newer FIT RACKET/PADEL).
	{DetailedSport: "PADEL", FlowName: "Padel racing", Sport: sGeneric},
	{DetailedSport: "PARASPORTS_WHEELCHAIR", FlowName: "Wheelchair racing", Sport: sGeneric},
	{DetailedSport: "PILATES", FlowName: "Pilates", Sport: sGeneric, SubSport: fit.SubSportPilates},
	// No LAP_SWIMMING sub-sport: Polar documents plain SWIMMING.
	{DetailedSport: "POOL_SWIMMING", FlowName: "Pool swimming", Sport: sSwimming},
	{DetailedSport: "RIDING", FlowName: "Riding", Sport: fit.SportHorsebackRiding},
	{DetailedSport: "ROAD_BIKING", FlowName: "Road cycling", Sport: sCycling, SubSport: fit.SubSportRoad},
	{DetailedSport: "ROAD_RUNNING", FlowName: "Road running", Sport: sRunning, SubSport: fit.SubSportStreet},
	// Flow calls ROLLER_BLADING "Roller skating", which is GENERIC, not
	// INLINE_SKATING.
	{DetailedSport: "ROLLER_BLADING", FlowName: "Roller skating", Sport: sGeneric},
	{DetailedSport: "ROLLER_SKIING_CLASSIC", FlowName: "Classic roller skiing", Sport: sGeneric},
	{DetailedSport: "ROLLER_SKIING_FREESTYLE", FlowName: "Freestyle roller skiing", Sport: sGeneric},
	{DetailedSport: "ROWING", FlowName: "Rowing", Sport: fit.SportRowing},
	{DetailedSport: "RUGBY", FlowName: "Rugby", Sport: sGeneric},
	{DetailedSport: "RUNNING", FlowName: "Running", Sport: sRunning, SubSport: fit.SubSportStreet},
	{DetailedSport: "SHOW_DANCING", FlowName: "Show", Sport: sGeneric},
	{DetailedSport: "SKATEBOARDING", FlowName: "Skateboarding", Sport: sGeneric},
	{DetailedSport: "SKATING", FlowName: "Skating", Sport: fit.SportIceSkating},
	{DetailedSport: "SNOWBOARDING", FlowName: "Snowboarding", Sport: fit.SportSnowboarding},
	{DetailedSport: "SNOWSHOE_TREKKING", FlowName: "Snowshoe trekking", Sport: fit.SportSnowshoeing},
	{DetailedSport: "SOCCER", FlowName: "Soccer", Sport: fit.SportSoccer},
	// GENERIC/INDOOR_CYCLING as documented (not CYCLING/SPIN).
	{DetailedSport: "SPINNING", FlowName: "Spinning", Sport: sGeneric, SubSport: fit.SubSportIndoorCycling},
	{DetailedSport: "SUP", FlowName: "SUP", Sport: fit.SportStandUpPaddleboarding},
	{DetailedSport: "SQUASH", FlowName: "Squash", Sport: sGeneric},
	{DetailedSport: "STREET_DANCING", FlowName: "Street", Sport: sGeneric},
	{DetailedSport: "STRENGTH_TRAINING", FlowName: "Strength training", Sport: sTraining, SubSport: fit.SubSportStrengthTraining},
	{DetailedSport: "STRETCHING", FlowName: "Stretching", Sport: sGeneric, SubSport: fit.SubSportFlexibilityTraining},
	{DetailedSport: "SWIMMING", FlowName: "Swimming", Sport: sSwimming},
	{DetailedSport: "TABLE_TENNIS", FlowName: "Table tennis", Sport: sGeneric},
	{DetailedSport: "TAEKWONDO_MARTIAL_ARTS", FlowName: "Taekwondo", Sport: sGeneric},
	{DetailedSport: "TELEMARK_SKIING", FlowName: "Telemark skiing", Sport: sAlpineSkiing},
	{DetailedSport: "TENNIS", FlowName: "Tennis", Sport: fit.SportTennis},
	{DetailedSport: "TRACK_AND_FIELD_RUNNING", FlowName: "Track&field running", Sport: sRunning, SubSport: fit.SubSportTrack},
	{DetailedSport: "TRAIL_RUNNING", FlowName: "Trail running", Sport: sRunning, SubSport: fit.SubSportTrail},
	{DetailedSport: "TREADMILL_RUNNING", FlowName: "Treadmill running", Sport: sRunning, SubSport: fit.SubSportTreadmill},
	{DetailedSport: "TRIATHLON", FlowName: "Triathlon", Sport: sGeneric},
	// Triathlon legs use the "(Thriathlon) ..." rows: running without
	// STREET, swimming without OPEN_WATER.
	{DetailedSport: "TRIATHLON_CYCLING", FlowName: "Cycling", Sport: sCycling},
	{DetailedSport: "TRIATHLON_RUNNING", FlowName: "Running", Sport: sRunning},
	{DetailedSport: "TRIATHLON_SWIMMING", FlowName: "Open water swimming", Sport: sSwimming},
	{DetailedSport: "TROTTING", FlowName: "Trotting", Sport: sGeneric},
	// No ULTRA sub-sport: Polar documents plain RUNNING.
	{DetailedSport: "ULTRARUNNING_RUNNING", FlowName: "Ultra running", Sport: sRunning},
	{DetailedSport: "VERTICALSPORTS_WALLCLIMBING", FlowName: "Climbing (indoor)", Sport: sGeneric},
	{DetailedSport: "VERTICALSPORTS_OUTCLIMBING", FlowName: "Climbing (outdoor)", Sport: fit.SportRockClimbing},
	{DetailedSport: "VOLLEYBALL", FlowName: "Volleyball", Sport: sGeneric},
	{DetailedSport: "WALKING", FlowName: "Walking", Sport: sWalking},
	{DetailedSport: "WATER_EXERCISE", FlowName: "Water sports", Sport: sGeneric},
	{DetailedSport: "WATER_RUNNING", FlowName: "Water running", Sport: sGeneric},
	// KAYAKING as documented (not the FIT profile's PADDLING).
	{DetailedSport: "WATERSPORTS_CANOEING", FlowName: "Canoeing", Sport: sKayaking},
	{DetailedSport: "WATERSPORTS_KAYAKING", FlowName: "Kayaking", Sport: sKayaking},
	{DetailedSport: "WATERSPORTS_KITESURFING", FlowName: "Kitesurfing", Sport: fit.SportKitesurfing},
	{DetailedSport: "WATERSPORTS_SAILING", FlowName: "Sailing", Sport: fit.SportSailing},
	{DetailedSport: "WATERSPORTS_SURFING", FlowName: "Surfing", Sport: fit.SportSurfing},
	{DetailedSport: "WATERSPORTS_WAKEBOARDING", FlowName: "Wakeboarding", Sport: fit.SportWakeboarding},
	{DetailedSport: "WATERSPORTS_WATERSKI", FlowName: "Water skiing", Sport: fit.SportWaterSkiing},
	{DetailedSport: "WATERSPORTS_WINDSURFING", FlowName: "Windsurfing", Sport: fit.SportWindsurfing},
	{DetailedSport: "XC_SKIING_CLASSIC", FlowName: "Classic XC skiing", Sport: sXCSkiing},
	// No SKATE_SKIING sub-sport: Polar documents plain CROSS_COUNTRY_SKIING.
	{DetailedSport: "XC_SKIING_FREESTYLE", FlowName: "Freestyle XC skiing", Sport: sXCSkiing},
	// GENERIC/YOGA as documented (the FIT profile files YOGA under TRAINING).
	{DetailedSport: "YOGA", FlowName: "Yoga", Sport: sGeneric, SubSport: fit.SubSportYoga},
}
