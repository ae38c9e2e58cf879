package intervalsexport

import (
	"strings"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// ActivityTypes are intervals.icu's activity types (the SportInfo type
// enum of its OpenAPI spec, reference/intervals-icu/iv-wellness.json).
var ActivityTypes = strings.Fields(`Ride Run Swim WeightTraining Hike Walk AlpineSki BackcountrySki Badminton
  Canoeing Crossfit EBikeRide EMountainBikeRide Elliptical Golf GravelRide TrackRide Handcycle
  HighIntensityIntervalTraining Hockey IceSkate InlineSkate Kayaking Kitesurf MountainBikeRide NordicSki
  OpenWaterSwim Padel Pilates Pickleball Racquetball Rugby RockClimbing RollerSki Rowing Sail Skateboard
  Snowboard Snowshoe Soccer Squash StairStepper StandUpPaddling Surfing TableTennis Tennis TrailRun
  Transition Velomobile VirtualRide VirtualRow VirtualRun VirtualSki WaterSport Wheelchair Windsurf
  Workout Yoga Other`)

// NewTypeMap is the SDK's sport mapping onto intervals.icu's activity
// types, with the config's overrides. Sports it has no type for
// (basketball, dancing, volleyball, cricket) become Workout.
func NewTypeMap(overrides map[string]string) (*pluginapi.ActivityTypeMap, error) {
	return pluginapi.NewActivityTypeMap("intervals.icu activity type", ActivityTypes, overrides)
}
