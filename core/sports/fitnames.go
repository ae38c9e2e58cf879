package sports

import (
	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// FIT profile names (SCREAMING_SNAKE_CASE, as the FIT SDK and Polar's
// documentation spell them) are the SDK's, so the host and the plugins
// read and write the same names.

// SportName returns the FIT profile name of s, e.g. "CROSS_COUNTRY_SKIING".
func SportName(s fit.Sport) string { return pluginapi.FITSportName(uint8(s)) }

// SubSportName returns the FIT profile name of s, e.g. "INDOOR_CYCLING".
func SubSportName(s fit.SubSport) string { return pluginapi.FITSubSportName(uint8(s)) }

// ParseSport returns the FIT sport with the given profile name
// (case-insensitive).
func ParseSport(name string) (fit.Sport, bool) {
	id, ok := pluginapi.FITSport(name)
	return fit.Sport(id), ok
}

// ParseSubSport returns the FIT sub-sport with the given profile name
// (case-insensitive).
func ParseSubSport(name string) (fit.SubSport, bool) {
	id, ok := pluginapi.FITSubSport(name)
	return fit.SubSport(id), ok
}
