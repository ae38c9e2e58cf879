package pluginapi

import (
	"strings"
	"unicode"

	"github.com/tormoder/fit"
)

// FIT profile names (SCREAMING_SNAKE_CASE, as the FIT SDK and Polar's
// documentation spell them) for every sport and sub-sport tormoder/fit
// knows, derived from the library's String methods so that they can never
// drift from the enum values.
var fitSportByName, fitSubSportByName = fitProfileNames()

func fitProfileNames() (map[string]uint8, map[string]uint8) {
	sports, subSports := map[string]uint8{}, map[string]uint8{}
	// 254 (ALL) and 255 (INVALID) are not sports an activity can have.
	for i := range uint8(254) {
		if name, ok := fitProfileName(fit.Sport(i).String()); ok {
			sports[name] = i
		}
		if name, ok := fitProfileName(fit.SubSport(i).String()); ok {
			subSports[name] = i
		}
	}
	return sports, subSports
}

// fitProfileName turns an enum string such as "CrossCountrySkiing" into
// the profile name "CROSS_COUNTRY_SKIING". Values the library has no name
// for print as "Sport(49)" and are reported as not ok.
func fitProfileName(camel string) (string, bool) {
	if camel == "" || strings.ContainsAny(camel, "()") {
		return "", false
	}
	var b strings.Builder
	for i, r := range camel {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String(), true
}

// FITSport returns the number of the FIT sport with the given profile name
// (case-insensitive), e.g. 1 for "RUNNING".
func FITSport(name string) (uint8, bool) {
	id, ok := fitSportByName[strings.ToUpper(strings.TrimSpace(name))]
	return id, ok
}

// FITSubSport returns the number of the FIT sub-sport with the given
// profile name (case-insensitive), e.g. 3 for "TRAIL".
func FITSubSport(name string) (uint8, bool) {
	id, ok := fitSubSportByName[strings.ToUpper(strings.TrimSpace(name))]
	return id, ok
}

// FITSportName is the profile name of FIT sport id, e.g. "RUNNING"; an
// id without one prints as "Sport(49)".
func FITSportName(id uint8) string {
	if name, ok := fitProfileName(fit.Sport(id).String()); ok {
		return name
	}
	return fit.Sport(id).String()
}

// FITSubSportName is the profile name of FIT sub-sport id, e.g.
// "INDOOR_CYCLING".
func FITSubSportName(id uint8) string {
	if name, ok := fitProfileName(fit.SubSport(id).String()); ok {
		return name
	}
	return fit.SubSport(id).String()
}
