package sports

import (
	"fmt"

	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// builtin is the effective default table: the SDK's list of Polar's
// detailed sports (pluginapi.Sports: every detailed_sport_info value of the
// AccessLink appendix, its Flow name, and the FIT sport and sub-sport the
// FIT appendix gives it), with the FIT names resolved to the library's
// values.
var builtin = fromSDK(pluginapi.Sports())

func fromSDK(list []pluginapi.Sport) []Mapping {
	out := make([]Mapping, 0, len(list))
	for _, s := range list {
		sport, ok := ParseSport(s.FITSport)
		if !ok {
			panic(fmt.Sprintf("sports: %s: unknown FIT sport %q", s.Detailed, s.FITSport)) // tested: every row resolves
		}
		sub := fit.SubSportGeneric
		if s.FITSubSport != "" {
			if sub, ok = ParseSubSport(s.FITSubSport); !ok {
				panic(fmt.Sprintf("sports: %s: unknown FIT sub-sport %q", s.Detailed, s.FITSubSport))
			}
		}
		out = append(out, Mapping{DetailedSport: s.Detailed, FlowName: s.FlowName, Sport: sport, SubSport: sub})
	}
	return out
}
