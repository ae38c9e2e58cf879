package csvexport

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// tableSpec describes one shared CSV file: which records go into it and
// how they become rows.
type tableSpec struct {
	file   string
	kind   pluginapi.RecordKind
	header []string
	// sortBy names the column that orders the record groups in the file
	// (then the key), so the files diff nicely.
	sortBy   string
	sortTime bool // sortBy holds RFC 3339 times rather than dates
	samples  bool // only written with samples: true
	rows     func(*pluginapi.Record) [][]string
}

// tableSpecs is the write order. The detail files come first and the
// one-row-per-record files last: a record whose detail rows could not be
// written is left out of the later files, so a row in exercises.csv,
// sleep.csv, nightly_recharge.csv, team_sessions.csv,
// player_sessions.csv or cardio_load.csv means the record's other rows are on disk too.
var tableSpecs = append([]*tableSpec{
	{file: "exercise_laps.csv", kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, header: lapHeader, sortBy: "exercise_start_utc", sortTime: true, rows: lapRows},
	{file: "exercise_hr_zones.csv", kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, header: hrZoneHeader, sortBy: "exercise_start_utc", sortTime: true, rows: hrZoneRows},
	{file: "sleep_hypnogram.csv", kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, header: hypnogramHeader, sortBy: "date", rows: hypnogramRows},
	{file: "sleep_heart_rate.csv", kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, header: sleepHeartRateHeader, sortBy: "date", samples: true, rows: sleepHeartRateRows},
	{file: "nightly_recharge_samples.csv", kind: pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, header: nightlyRechargeSampleHeader, sortBy: "date", samples: true, rows: nightlyRechargeSampleRows},
	{file: "team_session_markers.csv", kind: pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION, header: teamSessionMarkerHeader, sortBy: "team_session_start_utc", sortTime: true, rows: teamSessionMarkerRows},
	{file: "team_session_participants.csv", kind: pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION, header: teamSessionParticipantHeader, sortBy: "team_session_start_utc", sortTime: true, rows: teamSessionParticipantRows},
	{file: "daily_activity_steps.csv", kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, header: dailyActivityStepsHeader, sortBy: "date", rows: dailyActivityStepRows},
	{file: "daily_activity_zones.csv", kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, header: dailyActivityZonesHeader, sortBy: "date", rows: dailyActivityZoneRows},
	{file: "player_session_zones.csv", kind: pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION, header: playerSessionZoneHeader, sortBy: "start_utc", sortTime: true, rows: playerSessionZoneRows},
	{file: "exercises.csv", kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, header: exerciseHeader, sortBy: "start_utc", sortTime: true, rows: oneRow(exerciseRow)},
	{file: "sleep.csv", kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, header: sleepHeader, sortBy: "date", rows: oneRow(sleepRow)},
	{file: "nightly_recharge.csv", kind: pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, header: nightlyRechargeHeader, sortBy: "date", rows: oneRow(nightlyRechargeRow)},
	{file: "team_sessions.csv", kind: pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION, header: teamSessionHeader, sortBy: "start_utc", sortTime: true, rows: oneRow(teamSessionRow)},
	{file: "player_sessions.csv", kind: pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION, header: playerSessionHeader, sortBy: "start_utc", sortTime: true, rows: oneRow(playerSessionRow)},
	{file: "cardio_load.csv", kind: pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD, header: cardioLoadHeader, sortBy: "date", rows: oneRow(cardioLoadRow)},
	{file: "continuous_heart_rate.csv", kind: pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE, header: continuousHeartRateHeader, sortBy: "date", rows: oneRow(continuousHeartRateRow)},
	{file: "daily_activity.csv", kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, header: dailyActivityHeader, sortBy: "date", rows: oneRow(dailyActivityRow)},
	{file: "physical_information.csv", kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, header: physicalInformationHeader, sortBy: "created_utc", sortTime: true, rows: oneRow(physicalInformationRow)},
}, append(bioSleepWiseDetailTables, bioSleepWiseTables...)...) // SleepWise and biosensing: biosleepwise.go

func oneRow(f func(*pluginapi.Record) []string) func(*pluginapi.Record) [][]string {
	return func(r *pluginapi.Record) [][]string { return [][]string{f(r)} }
}

// sortKey is the value a record group is ordered by. Times are normalized
// to fixed width because RFC 3339 with trimmed fractions does not sort as
// text; unparsable or empty values sort first.
func (s *tableSpec) sortKey(row []string) string {
	v := row[slices.Index(s.header, s.sortBy)]
	if !s.sortTime {
		return v
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000")
}

// group is the rows of one record in a table.
type group struct {
	sortKey string
	rows    [][]string
}

// table is the in-memory copy of one CSV file: rows grouped by record
// key. Changes are staged by put and then either committed (after the
// file was written) or rolled back, so memory always matches the disk.
type table struct {
	spec   *tableSpec
	path   string
	groups map[string]*group
	// saved holds, for each key put since the last commit or rollback,
	// its group before the first put (nil: there was none).
	saved map[string]*group
	dirty bool
}

// put replaces the rows of key. No rows removes the key.
func (t *table) put(key string, rows [][]string) {
	old := t.groups[key]
	if _, ok := t.saved[key]; !ok {
		t.saved[key] = old
	}
	switch {
	case len(rows) == 0:
		if old != nil {
			delete(t.groups, key)
			t.dirty = true
		}
	case old != nil && slices.EqualFunc(old.rows, rows, slices.Equal):
		// Same content (typically a redelivery): nothing to write.
	default:
		t.groups[key] = &group{sortKey: t.spec.sortKey(rows[0]), rows: rows}
		t.dirty = true
	}
}

func (t *table) commit() {
	clear(t.saved)
	t.dirty = false
}

func (t *table) rollback() {
	for key, g := range t.saved {
		if g == nil {
			delete(t.groups, key)
		} else {
			t.groups[key] = g
		}
	}
	t.commit()
}

// write replaces the file with the table's content.
func (t *table) write() error {
	keys := make([]string, 0, len(t.groups))
	for k := range t.groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(t.groups[a].sortKey, t.groups[b].sortKey), cmp.Compare(a, b))
	})
	var rows [][]string
	for _, k := range keys {
		rows = append(rows, t.groups[k].rows...)
	}
	return writeCSV(t.path, t.spec.header, rows)
}

// errUnexpectedHeader marks a file this plugin did not write.
var errUnexpectedHeader = errors.New("unexpected header")

// loadTable reads the table's file from dir. A missing or empty file is
// an empty table; exists reports whether the file has a header.
func loadTable(spec *tableSpec, dir string) (t *table, exists bool, err error) {
	t = &table{
		spec:   spec,
		path:   filepath.Join(dir, spec.file),
		groups: make(map[string]*group),
		saved:  make(map[string]*group),
	}
	f, err := os.Open(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return t, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()

	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1 // checked below, with a clearer message
	header, err := r.Read()
	if err == io.EOF {
		return t, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", spec.file, err)
	}
	if !slices.Equal(header, spec.header) {
		found := strings.Join(header, ",")
		if len(found) > 60 {
			found = found[:60] + "…"
		}
		return nil, false, fmt.Errorf("%s: %w %q", spec.file, errUnexpectedHeader, found)
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, fmt.Errorf("read %s: %w", spec.file, err)
		}
		line, _ := r.FieldPos(0)
		if len(row) != len(spec.header) {
			return nil, false, fmt.Errorf("%s line %d: %d fields, want %d", spec.file, line, len(row), len(spec.header))
		}
		key := row[0]
		if key == "" {
			return nil, false, fmt.Errorf("%s line %d: empty key", spec.file, line)
		}
		g := t.groups[key]
		if g == nil {
			g = &group{sortKey: spec.sortKey(row)}
			t.groups[key] = g
		}
		g.rows = append(g.rows, row)
	}
	return t, true, nil
}

// writeCSV atomically replaces path with a CSV file of header and rows.
func writeCSV(path string, header []string, rows [][]string) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		return cw.WriteAll(rows) // flushes and reports the writer's error
	})
}

// tempPrefix and tempPattern frame the names of files being written, so
// that Configure can remove those left behind by a crash.
const (
	tempPrefix  = "."
	tempPattern = ".tmp-*"
)

// writeFileAtomic replaces path with what write produces, such that a
// crash at any point leaves either the old or the new file, never a
// mix: write to a temporary file in the same directory, fsync it, rename
// it over path, then fsync the directory so the rename itself survives.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, name := filepath.Split(path)
	f, err := os.CreateTemp(dir, tempPrefix+name+tempPattern)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; CSV files are meant to be read by
	// other programs, so use the usual mode of a newly created file.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStaleTemps removes temporary files a crash left in dir.
func removeStaleTemps(dir string) error {
	matches, err := filepath.Glob(filepath.Join(dir, tempPrefix+"*.csv"+tempPattern))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
