package csvexport

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func TestExerciseRow(t *testing.T) {
	got := exerciseRow(newExercise("aQlC83", "v1", exerciseStart, 2))
	want := []string{
		"exercise.475.aQlC83", "v1", "475", "accesslink", "aQlC83",
		"2024-05-01T04:30:00Z", "2024-05-01T06:30:00+02:00", "120",
		"3600.5", "10234.7", "712",
		"148", "176", "87.5",
		"RUNNING", "TRAIL_RUNNING", "RUNNING", "TRAIL", "1", "3",
		"Polar Vantage V3", "A1B2C3D4", "true", "52",
		"38", "57", "5",
		"heart_rate;speed;cadence;altitude;power;distance;temperature;latitude;longitude;rr_interval", "fit;gpx",
	}
	assert.Equal(t, want, got)
}

func TestLapRows(t *testing.T) {
	got := lapRows(newExercise("aQlC83", "v1", exerciseStart, 0))
	want := [][]string{
		{"exercise.475.aQlC83", "v1", "475", "aQlC83", "2024-05-01T04:30:00Z", "1",
			"2024-05-01T04:30:00Z", "2024-05-01T06:30:00+02:00", "120", "1800", "5100.2", "142", "165"},
		{"exercise.475.aQlC83", "v1", "475", "aQlC83", "2024-05-01T04:30:00Z", "2",
			"2024-05-01T05:00:00Z", "2024-05-01T07:00:00+02:00", "120", "1800.5", "5134.5", "154", "176"},
	}
	assert.Equal(t, want, got)
}

func TestHRZoneRows(t *testing.T) {
	got := hrZoneRows(newExercise("aQlC83", "v1", exerciseStart, 0))
	prefix := []string{"exercise.475.aQlC83", "v1", "475", "aQlC83", "2024-05-01T04:30:00Z"}
	want := [][]string{
		append(slices.Clone(prefix), "0", "95", "114", "120"),
		append(slices.Clone(prefix), "1", "114", "133", "600.5"),
		append(slices.Clone(prefix), "2", "133", "152", "1800"),
		append(slices.Clone(prefix), "3", "152", "171", "1000"),
		append(slices.Clone(prefix), "4", "171", "190", "80"),
	}
	assert.Equal(t, want, got)
}

func TestSleepRow(t *testing.T) {
	got := sleepRow(newSleep("2024-05-01", "v1", sleepStart))
	want := []string{
		"sleep.475.2024-05-01", "v1", "475", "accesslink", "2024-05-01",
		"2024-04-30T21:45:00Z", "2024-04-30T23:45:00+02:00", "120",
		"2024-05-01T05:15:00Z", "2024-05-01T07:15:00+02:00", "120",
		"A1B2C3D4",
		"13800", "5400", "6000", "300",
		"1500", "900", "600",
		"82", "3", "28800", "4", "5",
		"3.6", "3",
		"85.5", "78.25", "80",
	}
	assert.Equal(t, want, got)
}

func TestHypnogramRows(t *testing.T) {
	got := hypnogramRows(newSleep("2024-05-01", "v1", sleepStart))
	prefix := []string{"sleep.475.2024-05-01", "v1", "475", "2024-05-01"}
	want := [][]string{
		append(slices.Clone(prefix), "2024-04-30T21:45:00Z", "2024-04-30T23:45:00+02:00", "120", "0", "wake"),
		append(slices.Clone(prefix), "2024-04-30T21:57:00Z", "2024-04-30T23:57:00+02:00", "120", "3", "light_non_rem"),
		append(slices.Clone(prefix), "2024-04-30T22:25:00Z", "2024-05-01T00:25:00+02:00", "120", "4", "deep_non_rem"),
		append(slices.Clone(prefix), "2024-04-30T23:20:00Z", "2024-05-01T01:20:00+02:00", "120", "1", "rem"),
		append(slices.Clone(prefix), "2024-05-01T05:10:00Z", "2024-05-01T07:10:00+02:00", "120", "9", ""),
	}
	assert.Equal(t, want, got)
}

func TestSleepHeartRateRows(t *testing.T) {
	got := sleepHeartRateRows(newSleep("2024-05-01", "v1", sleepStart))
	prefix := []string{"sleep.475.2024-05-01", "v1", "475", "2024-05-01"}
	want := [][]string{
		append(slices.Clone(prefix), "2024-04-30T21:45:00Z", "2024-04-30T23:45:00+02:00", "58"),
		append(slices.Clone(prefix), "2024-04-30T21:50:00Z", "2024-04-30T23:50:00+02:00", "54"),
		append(slices.Clone(prefix), "2024-04-30T21:55:00Z", "2024-04-30T23:55:00+02:00", "51"),
	}
	assert.Equal(t, want, got)
}

func TestNightlyRechargeRow(t *testing.T) {
	got := nightlyRechargeRow(newNightlyRecharge("2024-05-01", "v1"))
	want := []string{
		"nightly_recharge.475.2024-05-01", "v1", "475", "accesslink", "2024-05-01",
		"54", "1111", "48", "14.2", "4", "3.5", "4",
	}
	assert.Equal(t, want, got)
}

func TestCardioLoadRow(t *testing.T) {
	got := cardioLoadRow(newCardioLoad("2024-05-01", "v1", 88.4))
	want := []string{
		"cardio_load.475.2024-05-01", "v1", "475", "accesslink", "2024-05-01", "2024-05-01T00:00:00Z", "PRODUCTIVE",
		"88.4", "61.3", "52.1", "1.18", "20.5", "35.9", "51.3", "66.7", "82.1",
	}
	assert.Equal(t, want, got)
}

func TestNightlyRechargeSampleRows(t *testing.T) {
	got := nightlyRechargeSampleRows(newNightlyRecharge("2024-05-01", "v1"))
	prefix := []string{"nightly_recharge.475.2024-05-01", "v1", "475", "2024-05-01"}
	want := [][]string{
		append(slices.Clone(prefix), "2024-04-30T22:00:00Z", "45", ""),
		append(slices.Clone(prefix), "2024-04-30T22:05:00Z", "51", "14.4"),
		append(slices.Clone(prefix), "2024-04-30T22:10:00Z", "", "13.9"),
	}
	assert.Equal(t, want, got)
}

// sampleRow builds an expected samples-file row from the value cells
// that are set, by column name.
func sampleRow(utc, local, elapsed string, vals map[string]string) []string {
	row := []string{utc, local, elapsed}
	for _, c := range exerciseSampleColumns {
		row = append(row, vals[c.name])
	}
	return row
}

func TestExerciseSampleRows(t *testing.T) {
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	e := &pluginapi.Exercise{
		Start: ptime(start, -300),
		Samples: []*pluginapi.Series{
			{Type: pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, Start: timestamppb.New(start),
				OffsetMs: []int64{0, 1000, 2000}, Values: []float64{100, 101, 102}},
			// Starts half a second later: its rows fall between the others.
			{Type: pluginapi.SampleType_SAMPLE_TYPE_SPEED, Start: timestamppb.New(start.Add(500 * time.Millisecond)),
				OffsetMs: []int64{1000, 0}, Values: []float64{2.75, 2.5}},
			// No start: taken to start with the exercise. Two samples at
			// one time: the later wins.
			{Type: pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE,
				OffsetMs: []int64{1000, 1000}, Values: []float64{10, 11}},
			// More offsets than values: the extra offset is ignored.
			{Type: pluginapi.SampleType_SAMPLE_TYPE_LATITUDE, Start: timestamppb.New(start),
				OffsetMs: []int64{0, 3000}, Values: []float64{60.1699}},
			// Not a column of the samples file.
			{Type: pluginapi.SampleType(99), Start: timestamppb.New(start),
				OffsetMs: []int64{5000}, Values: []float64{1}},
			{Type: pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, Start: timestamppb.New(start),
				OffsetMs: []int64{7000}, Values: []float64{400}},
		},
	}
	want := [][]string{
		sampleRow("2024-05-01T10:00:00Z", "2024-05-01T05:00:00-05:00", "0",
			map[string]string{"heart_rate_bpm": "100", "latitude_deg": "60.1699"}),
		sampleRow("2024-05-01T10:00:00.5Z", "2024-05-01T05:00:00.5-05:00", "0.5",
			map[string]string{"speed_m_s": "2.5"}),
		sampleRow("2024-05-01T10:00:01Z", "2024-05-01T05:00:01-05:00", "1",
			map[string]string{"heart_rate_bpm": "101", "altitude_m": "11"}),
		sampleRow("2024-05-01T10:00:01.5Z", "2024-05-01T05:00:01.5-05:00", "1.5",
			map[string]string{"speed_m_s": "2.75"}),
		sampleRow("2024-05-01T10:00:02Z", "2024-05-01T05:00:02-05:00", "2",
			map[string]string{"heart_rate_bpm": "102"}),
	}
	assert.Equal(t, withHeader(exerciseSampleHeader, want...), written(t, exerciseSamples(e).write))
	assert.Equal(t, withHeader(rrHeader, []string{"2024-05-01T10:00:07Z", "2024-05-01T05:00:07-05:00", "7", "400"}),
		written(t, rrSamples(e.GetStart(), e.GetSamples()).write))
}

func TestExerciseSampleRowsWithoutStart(t *testing.T) {
	first := time.Date(2024, 5, 1, 10, 0, 3, 0, time.UTC)
	e := &pluginapi.Exercise{Samples: []*pluginapi.Series{
		{Type: pluginapi.SampleType_SAMPLE_TYPE_POWER, Start: timestamppb.New(first),
			OffsetMs: []int64{0, 1000}, Values: []float64{250, 260}},
		// Neither its own start nor the exercise's: cannot be placed.
		{Type: pluginapi.SampleType_SAMPLE_TYPE_CADENCE, OffsetMs: []int64{0}, Values: []float64{85}},
	}}
	// elapsed_s counts from the first sample; local time is UTC.
	want := [][]string{
		sampleRow("2024-05-01T10:00:03Z", "2024-05-01T10:00:03Z", "0", map[string]string{"power_w": "250"}),
		sampleRow("2024-05-01T10:00:04Z", "2024-05-01T10:00:04Z", "1", map[string]string{"power_w": "260"}),
	}
	assert.Equal(t, withHeader(exerciseSampleHeader, want...), written(t, exerciseSamples(e).write))
	assert.True(t, rrSamples(e.GetStart(), e.GetSamples()).empty())
}

func TestTimeCols(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   *pluginapi.Time
		want []string
	}{
		{"nil", nil, []string{"", "", ""}},
		{"no utc", &pluginapi.Time{UtcOffsetMinutes: 60}, []string{"", "", ""}},
		{"utc", ptime(at, 0), []string{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z", "0"}},
		{"east", ptime(at, 330), []string{"2024-01-02T03:04:05Z", "2024-01-02T08:34:05+05:30", "330"}},
		{"west across midnight", ptime(at, -210), []string{"2024-01-02T03:04:05Z", "2024-01-01T23:34:05-03:30", "-210"}},
		{"fraction", ptime(at.Add(250*time.Millisecond), 60), []string{"2024-01-02T03:04:05.25Z", "2024-01-02T04:04:05.25+01:00", "60"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, timeCols(tc.in))
		})
	}
}

// TestRowWidths guards against a header and its row builder drifting
// apart, for full records and for records with empty bodies.
func TestRowWidths(t *testing.T) {
	full := []*pluginapi.Record{
		newExercise("aQlC83", "v1", exerciseStart, 3),
		newSleep("2024-05-01", "v1", sleepStart),
		newNightlyRecharge("2024-05-01", "v1"),
		newTeamSession("v1"),
		newPlayerSession("v1", 1),
		newCardioLoad("2024-05-01", "v1", 88.4),
		newContinuousHeartRate("2024-10-27", "v1", 3),
		newDailyActivity("2024-05-01", "v1", 4000),
		newPhysicalInformation(),
	}
	empty := []*pluginapi.Record{
		{Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Key: "e", Body: &pluginapi.Record_Exercise{Exercise: &pluginapi.Exercise{}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "s", Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, Key: "n", Body: &pluginapi.Record_NightlyRecharge{NightlyRecharge: &pluginapi.NightlyRecharge{}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION, Key: "t", Body: &pluginapi.Record_TeamSession{TeamSession: &pluginapi.TeamSession{
			Participants: []*pluginapi.Participant{{}}, Markers: []*pluginapi.Marker{{}}}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION, Key: "p", Body: &pluginapi.Record_PlayerSession{PlayerSession: &pluginapi.PlayerSession{
			HeartRateZones: []*pluginapi.HeartRateZone{{}}, SpeedZones: []*pluginapi.SpeedZone{{}},
			AccelerationZones: []*pluginapi.AccelerationZone{{}}, PowerZones: []*pluginapi.PowerZone{{}}}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD, Key: "c", Body: &pluginapi.Record_CardioLoad{CardioLoad: &pluginapi.CardioLoad{}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE, Key: "h", Body: &pluginapi.Record_ContinuousHeartRate{ContinuousHeartRate: &pluginapi.ContinuousHeartRate{}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, Key: "d", Body: &pluginapi.Record_DailyActivity{DailyActivity: &pluginapi.DailyActivity{
			StepSamples: []*pluginapi.ActivityStepSample{{}}, ZoneSamples: []*pluginapi.ActivityZoneSample{{Zones: []*pluginapi.ActivityZone{{}}}}}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Key: "p", Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{}}},
	}
	full, empty = append(full, fullBioSleepWise()...), append(empty, emptyBioSleepWise()...)
	for _, spec := range tableSpecs {
		t.Run(spec.file, func(t *testing.T) {
			assert.Len(t, uniq(spec.header), len(spec.header), "duplicate column names")
			require.Contains(t, spec.header, spec.sortBy)
			var n int
			for _, r := range full {
				if r.GetKind() != spec.kind {
					continue
				}
				rows := spec.rows(r)
				require.NotEmpty(t, rows, "the full test record should fill every file")
				for _, row := range rows {
					assert.Len(t, row, len(spec.header))
				}
				n++
			}
			require.Equal(t, 1, n)
			for _, r := range empty {
				if r.GetKind() != spec.kind {
					continue
				}
				for _, row := range spec.rows(r) {
					assert.Len(t, row, len(spec.header))
				}
			}
		})
	}
	e := full[0].GetExercise()
	p := full[4].GetPlayerSession()
	for _, f := range []*timedSamples{exerciseSamples(e), rrSamples(e.GetStart(), e.GetSamples()), playerSamples(p), rrSamples(p.GetStart(), p.GetSamples())} {
		rows := written(t, f.write)
		require.Greater(t, len(rows), 1, "the full test record should fill every samples file")
		for _, row := range rows {
			require.Len(t, row, len(f.header))
		}
	}
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

func TestSamplesFileName(t *testing.T) {
	tests := []struct{ key, want string }{
		{"exercise.475.aQlC83", "exercise.475.aQlC83"},
		{"exercise.475.a_b-C", "exercise.475.a_b-C"},
		{"a/b", "a%2Fb"},
		{"..", "%2E."},
		{".hidden", "%2Ehidden"},
		{"100%", "100%25"},
		{"é", "%C3%A9"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, samplesFileName(tc.key), "key %q", tc.key)
	}
}
