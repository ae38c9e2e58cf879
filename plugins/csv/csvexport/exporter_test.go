package csvexport

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func configJSON(t testing.TB, cfg map[string]any) []byte {
	t.Helper()
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	return raw
}

func configure(e *Exporter, raw []byte) error {
	_, err := e.Configure(context.Background(), &pluginapi.ConfigureRequest{ConfigJson: raw}, nil)
	return err
}

// newConfigured returns an Exporter configured on dir.
func newConfigured(t testing.TB, dir string, samples bool) *Exporter {
	t.Helper()
	e := New("")
	require.NoError(t, configure(e, configJSON(t, map[string]any{"dir": dir, "samples": samples})))
	t.Cleanup(func() { e.Close() })
	return e
}

func export(t testing.TB, e *Exporter, records ...*pluginapi.Record) []*pluginapi.ExportResult {
	t.Helper()
	resp, err := e.Export(context.Background(), &pluginapi.ExportRequest{Records: records})
	require.NoError(t, err)
	require.Len(t, resp.GetResults(), len(records))
	return resp.GetResults()
}

func requireAllOK(t testing.TB, results []*pluginapi.ExportResult) {
	t.Helper()
	for i, r := range results {
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), "result %d: %s", i, r.GetMessage())
	}
}

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

// column returns the named column of a file's data rows.
func column(t testing.TB, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(rows[0], name)
	require.GreaterOrEqual(t, i, 0, "no column %q", name)
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

func withHeader(header []string, rows ...[]string) [][]string {
	return append([][]string{header}, rows...)
}

func TestDescribe(t *testing.T) {
	resp, err := New("dir: /x\n").Describe(context.Background(), &pluginapi.DescribeRequest{})
	require.NoError(t, err)
	assert.Equal(t, "csv", resp.GetName())
	assert.Equal(t, Version, resp.GetVersion())
	assert.Equal(t, []pluginapi.RecordKind{
		pluginapi.RecordKind_RECORD_KIND_EXERCISE,
		pluginapi.RecordKind_RECORD_KIND_SLEEP,
		pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
		pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION,
		pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION,
		pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD,
		pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE,
		pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY,
		pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION,
	}, resp.GetKinds()[:9])
	assert.Equal(t, bioSleepWiseKinds, resp.GetKinds()[9:])
	assert.Equal(t, "dir: /x\n", resp.GetSampleConfig())
	assert.False(t, resp.GetIncludeFiles())
}

func TestConfigureErrors(t *testing.T) {
	tmp := t.TempDir()
	regular := filepath.Join(tmp, "file")
	require.NoError(t, os.WriteFile(regular, []byte("x"), 0o644))

	tests := []struct {
		name string
		raw  string
		want []string // substrings of the message
	}{
		{"unknown key", fmt.Sprintf(`{"dir": %q, "sample": true}`, tmp), []string{`unknown key "sample"`}},
		{"missing dir", `{"samples": true}`, []string{`key "dir" is required`, "directory the CSV files"}},
		{"no config at all", ``, []string{`key "dir" is required`}},
		{"empty dir", `{"dir": ""}`, []string{`key "dir" is required`}},
		{"wrong type", fmt.Sprintf(`{"dir": %q, "samples": "yes"}`, tmp), []string{`key "samples"`}},
		{"dir under a regular file", fmt.Sprintf(`{"dir": %q}`, filepath.Join(regular, "csv")),
			[]string{`key "dir"`, "cannot create directory " + filepath.Join(regular, "csv"), "choose another directory"}},
		{"dir is a regular file", fmt.Sprintf(`{"dir": %q}`, regular),
			[]string{`key "dir"`, "cannot create directory " + regular}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := configure(New(""), []byte(tc.raw))
			require.Error(t, err)
			assert.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestConfigureReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write to a read-only directory; TestConfigureErrors covers unusable directories")
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	err := configure(New(""), configJSON(t, map[string]any{"dir": dir}))
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "cannot write to "+dir)
}

func TestConfigureCreatesFiles(t *testing.T) {
	base := []string{
		"exercises.csv", "exercise_laps.csv", "exercise_hr_zones.csv",
		"sleep.csv", "sleep_hypnogram.csv", "nightly_recharge.csv",
		"team_sessions.csv", "team_session_markers.csv", "team_session_participants.csv",
		"player_sessions.csv", "player_session_zones.csv", "cardio_load.csv",
		"continuous_heart_rate.csv",
		"daily_activity.csv", "daily_activity_steps.csv", "daily_activity_zones.csv", "physical_information.csv",
		"sleepwise_alertness.csv", "sleepwise_alertness_hourly.csv", "sleepwise_circadian_bedtime.csv",
		"skin_temperature.csv", "skin_contacts.csv", "skin_contact_changes.csv", "ecg_tests.csv", "ecg_quality.csv", "spo2_tests.csv",
	}
	for _, samples := range []bool{false, true} {
		t.Run(fmt.Sprintf("samples=%v", samples), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "not", "yet", "there")
			newConfigured(t, dir, samples)

			want := append(slices.Clone(base), lockFileName)
			if samples {
				want = append(want, "nightly_recharge_samples.csv", "samples", "sleep_heart_rate.csv", "ecg_samples.csv")
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			assert.ElementsMatch(t, want, got)
			assert.Equal(t, [][]string{exerciseHeader}, readCSV(t, filepath.Join(dir, "exercises.csv")))
			assert.Equal(t, [][]string{nightlyRechargeHeader}, readCSV(t, filepath.Join(dir, "nightly_recharge.csv")))
		})
	}
}

func TestConfigureRefusesForeignFiles(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		want    []string
	}{
		{"unexpected header", "exercises.csv", "date,distance\n2024-05-01,10.2\n",
			[]string{"exercises.csv was not written by the csv plugin", "move the file away", `unexpected header "date,distance"`}},
		{"header of another file", "sleep.csv", "key,version,user_id,source,date\n",
			[]string{"sleep.csv was not written by the csv plugin"}},
		{"wrong field count", "nightly_recharge.csv",
			"key,version,user_id,source,date,heart_rate_avg_bpm,beat_to_beat_avg_ms,hrv_avg_ms,breathing_rate_avg_brpm,nightly_recharge_status,ans_charge,ans_charge_status\nn1,v1,475\n",
			[]string{"cannot load", "nightly_recharge.csv line 2: 3 fields, want 12"}},
		{"row without key", "sleep_hypnogram.csv",
			"key,version,user_id,date,time_utc,time_local,utc_offset_min,stage,stage_name\n,v1,475,2024-05-01,,,,0,wake\n",
			[]string{"sleep_hypnogram.csv line 2: empty key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.file)
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))

			err := configure(New(""), configJSON(t, map[string]any{"dir": dir}))
			require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.content, string(got), "the file must be left alone")
		})
	}
}

func TestConfigureRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, samplesDir), 0o755))
	stale := []string{
		filepath.Join(dir, ".exercises.csv.tmp-123"),
		filepath.Join(dir, samplesDir, ".exercise.475.x.samples.csv.tmp-456"),
	}
	keep := filepath.Join(dir, "notes.txt")
	for _, p := range append(slices.Clone(stale), keep) {
		require.NoError(t, os.WriteFile(p, []byte("half"), 0o644))
	}
	newConfigured(t, dir, true)
	for _, p := range stale {
		assert.NoFileExists(t, p)
	}
	assert.FileExists(t, keep)
}

func TestExportAllKinds(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, true)
	ex := newExercise("aQlC83", "v1", exerciseStart, 3)
	sl := newSleep("2024-05-01", "v1", sleepStart)
	nr := newNightlyRecharge("2024-05-01", "v1")
	cl := newCardioLoad("2024-05-01", "v1", 88.4)
	requireAllOK(t, export(t, e, ex, sl, nr, cl))

	// The row builders' cells are checked one by one in rows_test.go;
	// here the files must hold exactly those rows under their headers.
	files := map[string][][]string{
		"exercises.csv":                withHeader(exerciseHeader, exerciseRow(ex)),
		"exercise_laps.csv":            withHeader(lapHeader, lapRows(ex)...),
		"exercise_hr_zones.csv":        withHeader(hrZoneHeader, hrZoneRows(ex)...),
		"sleep.csv":                    withHeader(sleepHeader, sleepRow(sl)),
		"sleep_hypnogram.csv":          withHeader(hypnogramHeader, hypnogramRows(sl)...),
		"sleep_heart_rate.csv":         withHeader(sleepHeartRateHeader, sleepHeartRateRows(sl)...),
		"nightly_recharge.csv":         withHeader(nightlyRechargeHeader, nightlyRechargeRow(nr)),
		"nightly_recharge_samples.csv": withHeader(nightlyRechargeSampleHeader, nightlyRechargeSampleRows(nr)...),
		"cardio_load.csv":              withHeader(cardioLoadHeader, cardioLoadRow(cl)),
	}
	for name, want := range files {
		assert.Equal(t, want, readCSV(t, filepath.Join(dir, name)), name)
	}
	exercises := readCSV(t, filepath.Join(dir, "exercises.csv"))
	assert.Equal(t, []string{"10234.7"}, column(t, exercises, "distance_m"))
	assert.Equal(t, []string{"2024-05-01T06:30:00+02:00"}, column(t, exercises, "start_local"))
	assert.Len(t, readCSV(t, filepath.Join(dir, "exercise_laps.csv")), 1+2)
	assert.Len(t, readCSV(t, filepath.Join(dir, "sleep_hypnogram.csv")), 1+5)
}

func TestExportRedeliveryKeepsOneRow(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, false)
	ex := newExercise("aQlC83", "v1", exerciseStart, 0)
	requireAllOK(t, export(t, e, ex))
	before, err := os.Stat(filepath.Join(dir, "exercises.csv"))
	require.NoError(t, err)

	// Again in a batch of its own, then twice in one batch.
	requireAllOK(t, export(t, e, ex))
	requireAllOK(t, export(t, e, ex, ex, newSleep("2024-05-01", "v1", sleepStart)))

	exercises := readCSV(t, filepath.Join(dir, "exercises.csv"))
	assert.Equal(t, withHeader(exerciseHeader, exerciseRow(ex)), exercises)
	assert.Equal(t, []string{ex.GetKey(), ex.GetKey()}, column(t, readCSV(t, filepath.Join(dir, "exercise_laps.csv")), "key"))
	assert.Len(t, readCSV(t, filepath.Join(dir, "exercise_hr_zones.csv")), 1+5)

	// Unchanged content is not rewritten: still the same file (inode).
	after, err := os.Stat(filepath.Join(dir, "exercises.csv"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "exercises.csv was rewritten for a redelivery")
}

func TestExportNewVersionReplacesRows(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, false)
	requireAllOK(t, export(t, e, newExercise("aQlC83", "v1", exerciseStart, 0)))

	v2 := newExercise("aQlC83", "v2", exerciseStart, 0)
	v2.GetExercise().DistanceMeters = 10300
	v2.GetExercise().Laps = v2.GetExercise().GetLaps()[:1]
	requireAllOK(t, export(t, e, v2))

	exercises := readCSV(t, filepath.Join(dir, "exercises.csv"))
	assert.Equal(t, []string{"v2"}, column(t, exercises, "version"))
	assert.Equal(t, []string{"10300"}, column(t, exercises, "distance_m"))
	laps := readCSV(t, filepath.Join(dir, "exercise_laps.csv"))
	assert.Equal(t, []string{"v2"}, column(t, laps, "version"), "the old version's laps must be gone")

	// A version without laps removes the exercise's lap rows.
	v3 := newExercise("aQlC83", "v3", exerciseStart, 0)
	v3.GetExercise().Laps = nil
	requireAllOK(t, export(t, e, v3))
	assert.Equal(t, [][]string{lapHeader}, readCSV(t, filepath.Join(dir, "exercise_laps.csv")))
	assert.Equal(t, []string{"v3"}, column(t, readCSV(t, filepath.Join(dir, "exercises.csv")), "version"))
}

// A re-computed day is a new version of the same key: one row, updated.
func TestExportRecomputedCardioLoadDay(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, false)
	requireAllOK(t, export(t, e, newCardioLoad("2024-05-01", "v1", 88.4), newCardioLoad("2024-05-02", "v1", 0)))
	requireAllOK(t, export(t, e, newCardioLoad("2024-05-01", "v1", 88.4))) // redelivered
	requireAllOK(t, export(t, e, newCardioLoad("2024-05-01", "v2", 130.2)))
	rows := readCSV(t, filepath.Join(dir, "cardio_load.csv"))
	assert.Equal(t, []string{"cardio_load.475.2024-05-01", "cardio_load.475.2024-05-02"}, column(t, rows, "key"))
	assert.Equal(t, []string{"v2", "v1"}, column(t, rows, "version"))
	assert.Equal(t, []string{"130.2", "0"}, column(t, rows, "cardio_load"))
}

func TestExportRowOrder(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, false)
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	// Delivered out of order, over two batches. c and d start at the same
	// time (ordered by key); a starts half a second later, which must not
	// sort before c as plain text would ("…00.5Z" < "…00Z").
	requireAllOK(t, export(t, e,
		newExercise("b", "v1", day.Add(24*time.Hour), 0),
		newExercise("a", "v1", day.Add(500*time.Millisecond), 0),
	))
	requireAllOK(t, export(t, e,
		newExercise("d", "v1", day, 0),
		newExercise("c", "v1", day, 0),
		newSleep("2024-05-02", "v1", sleepStart.Add(24*time.Hour)),
		newSleep("2024-05-01", "v1", sleepStart),
	))
	want := []string{"exercise.475.c", "exercise.475.d", "exercise.475.a", "exercise.475.b"}
	assert.Equal(t, want, column(t, readCSV(t, filepath.Join(dir, "exercises.csv")), "key"))
	assert.Equal(t, []string{"2024-05-01", "2024-05-02"}, column(t, readCSV(t, filepath.Join(dir, "sleep.csv")), "date"))
	// Detail rows follow their record's order, laps in lap order.
	laps := readCSV(t, filepath.Join(dir, "exercise_laps.csv"))
	assert.Equal(t, []string{"c", "c", "d", "d", "a", "a", "b", "b"}, column(t, laps, "exercise_id"))
	assert.Equal(t, []string{"1", "2", "1", "2", "1", "2", "1", "2"}, column(t, laps, "lap"))
}

func TestExportRestartKeepsRows(t *testing.T) {
	dir := t.TempDir()
	a := newExercise("a", "v1", exerciseStart, 0)
	b := newExercise("b", "v1", exerciseStart.Add(time.Hour), 0)
	first := newConfigured(t, dir, false)
	requireAllOK(t, export(t, first, a, b, newSleep("2024-05-01", "v1", sleepStart)))
	require.NoError(t, first.Close()) // the process ends

	// A new process on the same directory: redelivered a, new c.
	e := newConfigured(t, dir, false)
	c := newExercise("c", "v1", exerciseStart.Add(2*time.Hour), 0)
	requireAllOK(t, export(t, e, a, c))

	assert.Equal(t, withHeader(exerciseHeader, exerciseRow(a), exerciseRow(b), exerciseRow(c)),
		readCSV(t, filepath.Join(dir, "exercises.csv")))
	assert.Equal(t, []string{"a", "a", "b", "b", "c", "c"},
		column(t, readCSV(t, filepath.Join(dir, "exercise_laps.csv")), "exercise_id"))
	assert.Len(t, readCSV(t, filepath.Join(dir, "sleep.csv")), 1+1, "sleep rows survive a restart untouched")

	// And a new version after the restart still replaces the loaded row.
	b2 := newExercise("b", "v2", exerciseStart.Add(time.Hour), 0)
	requireAllOK(t, export(t, e, b2))
	assert.Equal(t, []string{"v1", "v2", "v1"}, column(t, readCSV(t, filepath.Join(dir, "exercises.csv")), "version"))
}

func TestExportSamples(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, true)
	ex := newExercise("aQlC83", "v1", exerciseStart, 3)
	requireAllOK(t, export(t, e, ex))

	samples := filepath.Join(dir, samplesDir, "exercise.475.aQlC83.samples.csv")
	rr := filepath.Join(dir, samplesDir, "exercise.475.aQlC83.rr.csv")
	got := readCSV(t, samples)
	require.Len(t, got, 1+3)
	assert.Equal(t, exerciseSampleHeader, got[0])
	assert.Equal(t, []string{
		"2024-05-01T04:30:01Z", "2024-05-01T06:30:01+02:00", "1",
		"121", "2.6", "85", "312.65", "251", "2.84", "18.5", "60.16991", "24.93842", "", "",
	}, got[2])
	// 3 s of RR intervals alternating 400 and 410 ms: 8 beats.
	gotRR := readCSV(t, rr)
	assert.Equal(t, rrHeader, gotRR[0])
	assert.Equal(t, []string{"0", "0.4", "0.81", "1.21", "1.62", "2.02", "2.43", "2.83"}, column(t, gotRR, "elapsed_s"))
	assert.Equal(t, []string{"400", "410", "400", "410", "400", "410", "400", "410"}, column(t, gotRR, "rr_ms"))

	// A new version without RR intervals and with fewer samples replaces
	// the samples file and removes the stale RR file.
	v2 := newExercise("aQlC83", "v2", exerciseStart, 2)
	s := v2.GetExercise().GetSamples()
	v2.GetExercise().Samples = s[:len(s)-1]
	requireAllOK(t, export(t, e, v2))
	assert.Len(t, readCSV(t, samples), 1+2)
	assert.NoFileExists(t, rr)
}

func TestExportWithoutSamples(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, false)
	requireAllOK(t, export(t, e,
		newExercise("aQlC83", "v1", exerciseStart, 3),
		newSleep("2024-05-01", "v1", sleepStart),
		newNightlyRecharge("2024-05-01", "v1"),
	))
	assert.NoDirExists(t, filepath.Join(dir, samplesDir))
	assert.NoFileExists(t, filepath.Join(dir, "sleep_heart_rate.csv"))
	assert.NoFileExists(t, filepath.Join(dir, "nightly_recharge_samples.csv"))
	assert.Len(t, readCSV(t, filepath.Join(dir, "sleep_hypnogram.csv")), 1+5, "the hypnogram is not a sample series")
}

func TestExportPermanent(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, true)
	good := newExercise("good", "v1", exerciseStart, 0)
	noKey := newExercise("nokey", "v1", exerciseStart, 0)
	noKey.Key = ""
	sleepBody := newExercise("x", "v1", exerciseStart, 0)
	sleepBody.Body = newSleep("2024-05-01", "v1", sleepStart).GetBody()
	noBody := newExercise("y", "v1", exerciseStart, 0)
	noBody.Body = nil
	nilExercise := newExercise("z", "v1", exerciseStart, 0)
	nilExercise.Body = &pluginapi.Record_Exercise{}
	unknownKind := newSleep("2024-05-02", "v1", sleepStart)
	unknownKind.Kind = pluginapi.RecordKind(42)
	sleep := newSleep("2024-05-01", "v1", sleepStart)

	results := export(t, e, good, nil, noKey, sleepBody, noBody, nilExercise, unknownKind, sleep)

	want := []struct {
		status  pluginapi.ExportResult_Status
		message string
	}{
		{pluginapi.ExportResult_STATUS_OK, ""},
		{pluginapi.ExportResult_STATUS_PERMANENT, "record is nil"},
		{pluginapi.ExportResult_STATUS_PERMANENT, "exercise record has no key"},
		{pluginapi.ExportResult_STATUS_PERMANENT, "record exercise.475.x: kind exercise but body is sleep"},
		{pluginapi.ExportResult_STATUS_PERMANENT, "record exercise.475.y: kind exercise but body is missing"},
		{pluginapi.ExportResult_STATUS_PERMANENT, "record exercise.475.z: kind exercise but body is a nil exercise"},
		{pluginapi.ExportResult_STATUS_PERMANENT, "record sleep.475.2024-05-02: kind 42 is not exported by the csv plugin"},
		{pluginapi.ExportResult_STATUS_OK, ""},
	}
	for i, w := range want {
		assert.Equal(t, w.status, results[i].GetStatus(), "result %d", i)
		assert.Equal(t, w.message, results[i].GetMessage(), "result %d", i)
	}
	assert.Equal(t, []string{"exercise.475.good"}, column(t, readCSV(t, filepath.Join(dir, "exercises.csv")), "key"))
	assert.Equal(t, []string{"sleep.475.2024-05-01"}, column(t, readCSV(t, filepath.Join(dir, "sleep.csv")), "key"))
	entries, err := os.ReadDir(filepath.Join(dir, samplesDir))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "only the good exercise gets a samples file")
}

func TestExportWriteFailure(t *testing.T) {
	tests := []struct {
		name    string
		samples bool
		// breakDir makes writing fail and returns a function that undoes it.
		breakDir func(t *testing.T, dir string) (fix func())
		message  string
	}{
		{
			name: "read-only directory",
			breakDir: func(t *testing.T, dir string) func() {
				if os.Geteuid() == 0 {
					t.Skip("root ignores directory permissions; the other cases cover write failures")
				}
				require.NoError(t, os.Chmod(dir, 0o500))
				fix := func() { os.Chmod(dir, 0o700) }
				t.Cleanup(fix)
				return fix
			},
			message: "write exercise_laps.csv: ",
		},
		{
			// Renaming the temp file over a directory fails, as a full or
			// broken disk would, also for root.
			name: "detail file path is a directory",
			breakDir: func(t *testing.T, dir string) func() {
				p := filepath.Join(dir, "exercise_laps.csv")
				saved, err := os.ReadFile(p)
				require.NoError(t, err)
				require.NoError(t, os.Remove(p))
				require.NoError(t, os.Mkdir(p, 0o755))
				return func() {
					require.NoError(t, os.Remove(p))
					require.NoError(t, os.WriteFile(p, saved, 0o644))
				}
			},
			message: "write exercise_laps.csv: ",
		},
		{
			name:    "samples directory is a regular file",
			samples: true,
			breakDir: func(t *testing.T, dir string) func() {
				p := filepath.Join(dir, samplesDir)
				require.NoError(t, os.RemoveAll(p))
				require.NoError(t, os.WriteFile(p, nil, 0o644))
				return func() {
					require.NoError(t, os.Remove(p))
					require.NoError(t, os.Mkdir(p, 0o755))
				}
			},
			message: "write samples/exercise.475.a.samples.csv: ",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			e := newConfigured(t, dir, tc.samples)
			a1 := newExercise("a", "v1", exerciseStart, 2)
			requireAllOK(t, export(t, e, a1))
			exercisesBefore, err := os.ReadFile(filepath.Join(dir, "exercises.csv"))
			require.NoError(t, err)

			fix := tc.breakDir(t, dir)
			a2 := newExercise("a", "v2", exerciseStart, 2)
			results := export(t, e, a2)
			assert.Equal(t, pluginapi.ExportResult_STATUS_RETRY, results[0].GetStatus())
			assert.Contains(t, results[0].GetMessage(), tc.message)

			exercisesAfter, err := os.ReadFile(filepath.Join(dir, "exercises.csv"))
			require.NoError(t, err)
			assert.Equal(t, string(exercisesBefore), string(exercisesAfter), "exercises.csv must keep the old row")

			// Once the disk is fixed, another exercise's batch must not
			// carry a2's rows along (they were rolled back), and the
			// host's retry of a2 succeeds.
			fix()
			b := newExercise("b", "v1", exerciseStart.Add(time.Hour), 2)
			requireAllOK(t, export(t, e, b))
			laps := readCSV(t, filepath.Join(dir, "exercise_laps.csv"))
			assert.Equal(t, []string{"v1", "v1", "v1", "v1"}, column(t, laps, "version"))
			requireAllOK(t, export(t, e, a2))
			assert.Equal(t, []string{"v2", "v1"}, column(t, readCSV(t, filepath.Join(dir, "exercises.csv")), "version"))
			assert.Equal(t, []string{"v2", "v2", "v1", "v1"}, column(t, readCSV(t, filepath.Join(dir, "exercise_laps.csv")), "version"))
		})
	}
}

func TestExportFailureOnlyAffectsItsFiles(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, false)
	p := filepath.Join(dir, "exercise_laps.csv")
	require.NoError(t, os.Remove(p))
	require.NoError(t, os.Mkdir(p, 0o755))

	results := export(t, e, newExercise("a", "v1", exerciseStart, 0), newSleep("2024-05-01", "v1", sleepStart))
	assert.Equal(t, pluginapi.ExportResult_STATUS_RETRY, results[0].GetStatus())
	assert.Equal(t, pluginapi.ExportResult_STATUS_OK, results[1].GetStatus())
	assert.Equal(t, [][]string{exerciseHeader}, readCSV(t, filepath.Join(dir, "exercises.csv")))
	assert.Len(t, readCSV(t, filepath.Join(dir, "sleep.csv")), 1+1)
}

func TestExportBeforeConfigure(t *testing.T) {
	_, err := New("").Export(context.Background(), &pluginapi.ExportRequest{
		Records: []*pluginapi.Record{newSleep("2024-05-01", "v1", sleepStart)},
	})
	assert.ErrorIs(t, err, errNotConfigured)
}

func TestExportConcurrent(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, true)
	shared := newExercise("shared", "v1", exerciseStart, 2)
	const workers, perWorker = 8, 5
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				id := fmt.Sprintf("w%d-%d", w, i)
				start := exerciseStart.Add(time.Duration(w*perWorker+i) * time.Minute)
				// Not export/require: FailNow must not run off the test goroutine.
				resp, err := e.Export(context.Background(), &pluginapi.ExportRequest{
					Records: []*pluginapi.Record{newExercise(id, "v1", start, 2), shared},
				})
				if assert.NoError(t, err) {
					for _, r := range resp.GetResults() {
						assert.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
					}
				}
			}
		})
	}
	wg.Wait()
	keys := column(t, readCSV(t, filepath.Join(dir, "exercises.csv")), "key")
	assert.Len(t, keys, workers*perWorker+1)
	assert.Len(t, uniq(keys), len(keys), "duplicate rows")
}

// BenchmarkExport exports a 1 h and a 10 h exercise at 1 Hz (nine
// series, 3,600 or 36,000 samples each, plus RR intervals) with samples
// on, as a new version each time so every file is rewritten, into a
// directory that already holds a year of other exercises.
func BenchmarkExport(b *testing.B) {
	for _, hours := range []int{1, 10} {
		b.Run(fmt.Sprintf("%dh", hours), func(b *testing.B) {
			dir := b.TempDir()
			e := newConfigured(b, dir, true)
			var year []*pluginapi.Record
			for i := range 365 {
				year = append(year, newExercise(fmt.Sprintf("old%03d", i), "v1", exerciseStart.AddDate(-1, 0, i), 0))
			}
			requireAllOK(b, export(b, e, year...))

			r := newExercise("hours", "v0", exerciseStart, hours*3600)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				r.Version = fmt.Sprintf("v%d", i)
				requireAllOK(b, export(b, e, r))
			}
		})
	}
}

// BenchmarkSamplesFile writes only the samples and RR files of a 1 h and
// a 10 h exercise: the part of an export that grows with its length.
func BenchmarkSamplesFile(b *testing.B) {
	for _, hours := range []int{1, 10} {
		b.Run(fmt.Sprintf("%dh", hours), func(b *testing.B) {
			s, err := openStore(b.TempDir(), true)
			require.NoError(b, err)
			r := newExercise("hours", "v0", exerciseStart, hours*3600)
			b.ReportAllocs()
			for b.Loop() {
				require.NoError(b, s.writeSamples(r))
			}
		})
	}
}
