package sports

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tormoder/fit"
)

// Mapping is one row of the sport table: a Polar sport and the FIT sport
// and sub-sport it corresponds to.
type Mapping struct {
	// DetailedSport is Polar's detailed_sport_info value as documented,
	// e.g. "TRAIL_RUNNING"; empty when Lookup found no row.
	DetailedSport string
	// FlowName is the sport's name in Polar Flow, e.g. "Trail running".
	FlowName string
	Sport    fit.Sport
	SubSport fit.SubSport
	// Overridden is set when the row comes from configuration rather than
	// Polar's documentation.
	Overridden bool
}

// SportName is the FIT profile name of the sport, e.g. "RUNNING".
func (m Mapping) SportName() string { return SportName(m.Sport) }

// SubSportName is the FIT profile name of the sub-sport, e.g. "TRAIL";
// "GENERIC" when there is none.
func (m Mapping) SubSportName() string { return SubSportName(m.SubSport) }

// String formats the FIT side the way overrides are written:
// "RUNNING/TRAIL", or just "RUNNING" when the sub-sport is generic.
func (m Mapping) String() string {
	if m.SubSport == fit.SubSportGeneric {
		return m.SportName()
	}
	return m.SportName() + "/" + m.SubSportName()
}

// genericMapping is what anything the table does not know maps to, as the
// FIT appendix prescribes.
var genericMapping = Mapping{Sport: fit.SportGeneric, SubSport: fit.SubSportGeneric}

// Table is a sport mapping table: the documented defaults plus any rows
// overridden from configuration. A Table is immutable once built and safe
// for concurrent use.
type Table struct {
	rows map[string]Mapping // by normalized detailed sport
}

var defaultTable = mustTable(nil)

// Default returns the documented table without overrides.
func Default() *Table { return defaultTable }

// Lookup maps an exercise's sports using the default table. See
// Table.Lookup.
func Lookup(detailedSport, sport string) Mapping {
	return defaultTable.Lookup(detailedSport, sport)
}

// Lookup maps an exercise's detailed_sport_info and sport fields.
// detailedSport wins when the table knows it. An unknown detailed sport
// (Polar adds sports over time) or an empty one falls back to sport, which
// Polar fills with values such as "RUNNING" or "OTHER"; if neither is
// known the result is GENERIC, as Polar's FIT appendix prescribes for
// sports it does not list. Matching ignores case, surrounding space and
// the difference between '-' and '_'.
func (t *Table) Lookup(detailedSport, sport string) Mapping {
	if m, ok := t.rows[normalize(detailedSport)]; ok {
		return m
	}
	if m, ok := t.rows[normalize(sport)]; ok {
		return m
	}
	return genericMapping
}

// All returns the effective table sorted by detailed sport, for printing.
func (t *Table) All() []Mapping {
	out := make([]Mapping, 0, len(t.rows))
	for _, m := range t.rows {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Mapping) int {
		return cmp.Compare(a.DetailedSport, b.DetailedSport)
	})
	return out
}

// normalize makes "cross-country_skiing " and "CROSS_COUNTRY_SKIING" the
// same key; the docs spell one value with a hyphen.
func normalize(s string) string {
	return strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(s)), "-", "_")
}
