package stravaexport

import (
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

// NewSportMap is the SDK's sport mapping onto Strava's sport types, with
// the config's overrides (see pluginapi.NewActivityTypeMap).
func NewSportMap(overrides map[string]string) (*pluginapi.ActivityTypeMap, error) {
	return pluginapi.NewActivityTypeMap("Strava sport type", SportTypes, overrides)
}
