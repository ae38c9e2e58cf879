package sports

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const docsPath = "../../../shared/polar-api/accesslink-v3.txt"

// fitRow is one row of the appendix "Sport type mapping in FIT-files".
type fitRow struct{ sport, subSport string }

// docTables holds the two appendix tables as parsed from the docs.
type docTables struct {
	detailed      []string          // detailed-sport-info values in doc order
	flowName      map[string]string // detailed-sport-info → Sport in Polar Flow
	fitByFlowName map[string]fitRow // Sport in Polar Flow (exact text) → FIT
}

var fitSportToken = regexp.MustCompile(`^[A-Z_]+$`)

func readDocTables(t *testing.T) docTables {
	t.Helper()
	f, err := os.Open(docsPath)
	if os.IsNotExist(err) {
		t.Skipf("AccessLink docs not found at %s", docsPath)
	}
	require.NoError(t, err)
	defer f.Close()

	d := docTables{flowName: map[string]string{}, fitByFlowName: map[string]fitRow{}}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "detailed-sport-info Sport in Polar Flow":
			section = "detailed"
			continue
		case line == "Sport in Polar Flow FIT sport type (subsport if appl.)":
			section = "fit"
			continue
		case line == "":
			if section == "detailed" && len(d.detailed) > 0 || section == "fit" && len(d.fitByFlowName) > 0 {
				section = ""
			}
			continue
		}
		switch section {
		case "detailed":
			key, name, ok := strings.Cut(line, " ")
			require.True(t, ok, "detailed sport row %q", line)
			require.NotContains(t, d.flowName, key, "duplicate detailed sport in docs")
			d.detailed = append(d.detailed, key)
			d.flowName[key] = name
		case "fit":
			left, sub, _ := strings.Cut(line, ", SubSport: ")
			i := strings.LastIndex(left, " ")
			require.Positive(t, i, "FIT row %q", line)
			name, sport := left[:i], left[i+1:]
			require.Regexp(t, fitSportToken, sport, "FIT row %q", line)
			if sub == "" {
				sub = "GENERIC"
			}
			require.NotContains(t, d.fitByFlowName, name, "duplicate FIT row in docs")
			d.fitByFlowName[name] = fitRow{sport: sport, subSport: sub}
		}
	}
	require.NoError(t, sc.Err())
	// Guard against the parser silently finding nothing.
	require.Greater(t, len(d.detailed), 100)
	require.Greater(t, len(d.fitByFlowName), 100)
	return d
}

// joinExceptions are the detailed sports whose FIT mapping is not the FIT
// table row with the same Flow name. Each names the FIT table row (exact
// text from the docs) that applies instead.
var joinExceptions = map[string]struct{ fitRow, why string }{
	// Multisport legs have their own rows, in context.
	"DUATHLON_CYCLING":          {"(Duathlon) Cycling", "duathlon leg"},
	"DUATHLON_RUNNING":          {"(Duathlon) Running", "duathlon leg: no STREET"},
	"TRIATHLON_CYCLING":         {"(Thriathlon) Cycling", "triathlon leg"},
	"TRIATHLON_RUNNING":         {"(Thriathlon) Running", "triathlon leg: no STREET"},
	"TRIATHLON_SWIMMING":        {"(Thriathlon) Open water swimming", "triathlon leg: no OPEN_WATER"},
	"OFFROADDUATHLON_CYCLING":   {"(off road duathlon) Mountain biking", "off-road leg: BACKCOUNTRY"},
	"OFFROADDUATHLON_RUNNING":   {"(off road duathlon) Trail running", "off-road leg: BACKCOUNTRY"},
	"OFFROADTRIATHLON_CYCLING":  {"(off road thiathlon) Mountain biking", "off-road leg: BACKCOUNTRY"},
	"OFFROADTRIATHLON_RUNNING":  {"(off road thiathlon) Trail running", "off-road leg: BACKCOUNTRY"},
	"OFFROADTRIATHLON_SWIMMING": {"(off road thiathlon) Open water swimming", "off-road leg: BACKCOUNTRY"},
	// The tables spell these differently.
	"MOTORSPORTS_HARD_ENDURO": {"Hard enduro", "case differs"},
	"MOTORSPORTS_MOTOCROSS":   {"Motocross", `typo "Motocorss"`},
	"LES_MILLS_BARRE":         {"LES_MILLS_BARRE", "FIT table uses the key"},
	"LES_MILLS_TRIP":          {"LES MILLS THE TRIP", "name differs"},
	"LES_MILLS_CXWORKS":       {"LES MILLS CORE", "CXWORX was renamed CORE"},
	"FITNESS_MARTIAL_ARTS":    {"Martial arts", "name differs"},
	"PADEL":                   {"Padel", `"Padel racing"`},
}

// fitRowsWithoutDetailedSport are FIT table rows no detailed sport value
// refers to.
var fitRowsWithoutDetailedSport = []string{
	"Australian football", "Bowling", "Korfball", "Kickbike", "Lacrosse",
	"Netball", "Obstacle course racing", "Ringette", "Shooting sports",
	"Motor sports",
}

func TestTableMatchesDocs(t *testing.T) {
	docs := readDocTables(t)
	table := Default()

	require.Len(t, table.All(), len(docs.detailed), "table rows vs documented detailed sports")

	usedFITRows := map[string]bool{}
	for _, key := range docs.detailed {
		t.Run(key, func(t *testing.T) {
			m := table.Lookup(key, "")
			require.Equal(t, key, m.DetailedSport, "detailed sport missing from table")
			assert.Equal(t, docs.flowName[key], m.FlowName, "Flow name")

			want := fitRow{sport: "GENERIC", subSport: "GENERIC"} // docs: not listed → GENERIC
			rowName := docs.flowName[key]
			if exc, ok := joinExceptions[key]; ok {
				require.Contains(t, docs.fitByFlowName, exc.fitRow, "exception names a FIT row the docs lack")
				require.NotEqual(t, rowName, exc.fitRow, "not an exception: same name")
				rowName = exc.fitRow
			}
			if row, ok := docs.fitByFlowName[rowName]; ok {
				want = row
				usedFITRows[rowName] = true
			}
			assert.Equal(t, want.sport, m.SportName(), "FIT sport (row %q)", rowName)
			assert.Equal(t, want.subSport, m.SubSportName(), "FIT sub-sport (row %q)", rowName)
		})
	}

	for key := range joinExceptions {
		assert.Contains(t, docs.flowName, key, "stale exception")
	}
	for _, name := range fitRowsWithoutDetailedSport {
		assert.Contains(t, docs.fitByFlowName, name, "stale entry")
		assert.False(t, usedFITRows[name], "%q is used after all", name)
		usedFITRows[name] = true
	}
	for name := range docs.fitByFlowName {
		assert.True(t, usedFITRows[name], "FIT row %q matches no detailed sport", name)
	}
}
