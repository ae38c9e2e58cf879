package sports

import (
	"strings"
	"unicode"

	"github.com/tormoder/fit"
)

// FIT profile names (SCREAMING_SNAKE_CASE, as the FIT SDK and Polar's
// documentation spell them) for every sport and sub-sport tormoder/fit
// knows. They are derived from the library's String methods so that the
// names can never drift from the enum values.
var sportByName, subSportByName = profileNames()

func profileNames() (map[string]fit.Sport, map[string]fit.SubSport) {
	sports := make(map[string]fit.Sport)
	subSports := make(map[string]fit.SubSport)
	// 254 (ALL) and 255 (INVALID) are not sports an activity can have.
	for i := range 254 {
		if name, ok := profileName(fit.Sport(i).String()); ok {
			sports[name] = fit.Sport(i)
		}
		if name, ok := profileName(fit.SubSport(i).String()); ok {
			subSports[name] = fit.SubSport(i)
		}
	}
	return sports, subSports
}

// profileName turns a tormoder/fit enum string such as "CrossCountrySkiing"
// into the profile name "CROSS_COUNTRY_SKIING". Values the library has no
// name for print as "Sport(49)" and are reported as not ok.
func profileName(camel string) (string, bool) {
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

// SportName returns the FIT profile name of s, e.g. "CROSS_COUNTRY_SKIING".
func SportName(s fit.Sport) string {
	if name, ok := profileName(s.String()); ok {
		return name
	}
	return s.String()
}

// SubSportName returns the FIT profile name of s, e.g. "INDOOR_CYCLING".
func SubSportName(s fit.SubSport) string {
	if name, ok := profileName(s.String()); ok {
		return name
	}
	return s.String()
}

// ParseSport returns the FIT sport with the given profile name
// (case-insensitive).
func ParseSport(name string) (fit.Sport, bool) {
	s, ok := sportByName[strings.ToUpper(strings.TrimSpace(name))]
	return s, ok
}

// ParseSubSport returns the FIT sub-sport with the given profile name
// (case-insensitive).
func ParseSubSport(name string) (fit.SubSport, bool) {
	s, ok := subSportByName[strings.ToUpper(strings.TrimSpace(name))]
	return s, ok
}
