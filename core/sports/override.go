package sports

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tormoder/fit"
)

// ErrInvalidOverride reports an override that does not name a known FIT
// sport or sub-sport.
var ErrInvalidOverride = errors.New("invalid sport override")

// NewTable returns the documented table with overrides applied. Each
// override maps a detailed sport (e.g. "SPINNING") to "FIT_SPORT" or
// "FIT_SPORT/SUB_SPORT" (e.g. "CYCLING/INDOOR_CYCLING"), in FIT profile
// names, case-insensitive. A detailed sport missing from Polar's
// documentation is added as a new row, so a sport Polar introduces later
// can be mapped from configuration.
func NewTable(overrides map[string]string) (*Table, error) {
	t := &Table{rows: make(map[string]Mapping, len(builtin)+len(overrides))}
	for _, m := range builtin {
		t.rows[normalize(m.DetailedSport)] = m
	}
	// Sorted so that the first error reported is deterministic.
	for _, key := range slices.Sorted(maps.Keys(overrides)) {
		sport, sub, err := ParseFITSport(overrides[key])
		if err != nil {
			return nil, fmt.Errorf("sport override for %q: %w", key, err)
		}
		k := normalize(key)
		if k == "" {
			return nil, fmt.Errorf("sport override with empty detailed sport: %w", ErrInvalidOverride)
		}
		m, ok := t.rows[k]
		if !ok {
			m = Mapping{DetailedSport: k}
		}
		m.Sport, m.SubSport, m.Overridden = sport, sub, true
		t.rows[k] = m
	}
	return t, nil
}

// ParseFITSport parses "FIT_SPORT" or "FIT_SPORT/SUB_SPORT" in FIT profile
// names, e.g. "CYCLING/INDOOR_CYCLING".
func ParseFITSport(s string) (fit.Sport, fit.SubSport, error) {
	sportName, subName, hasSub := strings.Cut(s, "/")
	sport, ok := ParseSport(sportName)
	if !ok {
		return 0, 0, fmt.Errorf("unknown FIT sport %q in %q (want e.g. RUNNING or CYCLING/MOUNTAIN): %w",
			strings.TrimSpace(sportName), s, ErrInvalidOverride)
	}
	sub := fit.SubSportGeneric
	if hasSub {
		if sub, ok = ParseSubSport(subName); !ok {
			return 0, 0, fmt.Errorf("unknown FIT sub-sport %q in %q: %w",
				strings.TrimSpace(subName), s, ErrInvalidOverride)
		}
	}
	return sport, sub, nil
}

func mustTable(overrides map[string]string) *Table {
	t, err := NewTable(overrides)
	if err != nil {
		panic(err)
	}
	return t
}
