package csvexport

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/pluginapi"
)

var bioStart = time.Date(2022, 11, 20, 20, 52, 20, 0, time.UTC)

func rec(kind pluginapi.RecordKind, key, version string) *pluginapi.Record {
	return &pluginapi.Record{Kind: kind, Key: key, Version: version, UserId: "475", Source: pluginapi.Source_SOURCE_ACCESSLINK}
}

func newAlertness(version string, grade float64) *pluginapi.Record {
	r := rec(pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, "sleepwise_alertness.475.20221120T205220Z", version)
	r.Body = &pluginapi.Record_SleepwiseAlertness{SleepwiseAlertness: &pluginapi.SleepWiseAlertness{
		PeriodStart: ptime(bioStart, 120), PeriodEnd: ptime(bioStart.Add(22*time.Hour), 120), Grade: grade, GradeValiditySeconds: 57600,
		GradeType: "GRADE_TYPE_PRIMARY", GradeClassification: "GRADE_CLASSIFICATION_STRONG", Validity: "VALIDITY_ESTIMATE",
		SleepInertia: "SLEEP_INERTIA_MILD", SleepType: "SLEEP_TYPE_PRIMARY", ResultType: "ALERTNESS_TYPE_HISTORY",
		SleepPeriodStart: ptime(bioStart, 120), SleepPeriodEnd: ptime(bioStart.Add(7*time.Hour), 120), SleepTimezoneOffsetMinutes: 120,
		Hourly: []*pluginapi.AlertnessHour{
			{Start: ptime(bioStart.Add(7*time.Hour), 120), End: ptime(bioStart.Add(8*time.Hour), 120), Validity: "VALIDITY_ESTIMATE", AlertnessLevel: "ALERTNESS_LEVEL_LOW"},
			{Start: ptime(bioStart.Add(8*time.Hour), 120), End: ptime(bioStart.Add(9*time.Hour), 120), Validity: "VALIDITY_ESTIMATE", AlertnessLevel: "ALERTNESS_LEVEL_HIGH"},
		},
	}}
	return r
}

func fullBioSleepWise() []*pluginapi.Record {
	bed := rec(pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME, "sleepwise_circadian_bedtime.475.20221120T211830Z", "v1")
	bed.Body = &pluginapi.Record_SleepwiseCircadianBedtime{SleepwiseCircadianBedtime: &pluginapi.SleepWiseCircadianBedtime{
		PeriodStart: ptime(bioStart, 120), PeriodEnd: ptime(bioStart.Add(8*time.Hour), 120),
		PreferredSleepPeriodStart: ptime(bioStart, 120), PreferredSleepPeriodEnd: ptime(bioStart.Add(8*time.Hour), 120),
		SleepGateStart: ptime(bioStart.Add(-15*time.Minute), 120), SleepGateEnd: ptime(bioStart.Add(15*time.Minute), 120),
		Validity: "VALIDITY_ESTIMATE", Quality: "CIRCADIAN_BEDTIME_QUALITY_COMPROMISED", ResultType: "CIRCADIAN_BEDTIME_TYPE_HISTORY", SleepTimezoneOffsetMinutes: 120,
	}}
	temp := rec(pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, "skin_temperature.475.2023-10-20", "v1")
	temp.Body = &pluginapi.Record_SkinTemperature{SkinTemperature: &pluginapi.SkinTemperature{
		SleepDate: "2023-10-20", DayStart: ptime(time.Date(2023, 10, 19, 21, 0, 0, 0, time.UTC), 180),
		SleepTimeSkinTemperatureCelsius: 36.5, DeviationFromBaselineCelsius: 0.5,
	}}
	contacts := rec(pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, "skin_contacts.475.20231020T040000Z", "v1")
	cs := time.Date(2023, 10, 20, 4, 0, 0, 0, time.UTC)
	contacts.Body = &pluginapi.Record_SkinContacts{SkinContacts: &pluginapi.SkinContacts{
		SourceDeviceId: "1111AAAA", Start: ptime(cs, 180), End: ptime(cs.Add(time.Hour), 180), Modified: ptime(cs, 180),
		Changes: []*pluginapi.SkinContactChange{{SkinContact: true, RecordingTimeDeltaMs: 123, At: ptime(cs.Add(123*time.Millisecond), 180)}},
	}}
	tt := time.Unix(1697787256, 0)
	ecg := rec(pluginapi.RecordKind_RECORD_KIND_ECG_TEST, "ecg_test.475.20231020T073416Z", "v1")
	ecg.Body = &pluginapi.Record_EcgTest{EcgTest: &pluginapi.ECGTest{
		SourceDeviceId: "1111AAAA", TestTime: ptime(tt, 180), AverageHeartRateBpm: 60, HeartRateVariabilityMs: 0,
		HeartRateVariabilityLevel: "ECG_HRV_LEVEL_NO_BASELINE", RriMs: 100, PulseTransitTimeSystolicMs: 100, PulseTransitTimeDiastolicMs: 100,
		PulseTransitTimeQualityIndex: 100,
		Samples:                      []*pluginapi.ECGSample{{RecordingTimeDeltaMs: 123, AmplitudeMv: 0.1}},
		QualityMeasurements:          []*pluginapi.ECGQuality{{RecordingTimeDeltaMs: 123, QualityLevel: "ECG_QUALITY_HIGH"}},
	}}
	spo2 := rec(pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, "spo2_test.475.20231020T073416Z", "v1")
	spo2.Body = &pluginapi.Record_Spo2Test{Spo2Test: &pluginapi.SpO2Test{
		SourceDeviceId: "1111AAAA", TestTime: ptime(tt, 180), TestStatus: "SPO2_TEST_PASSED", BloodOxygenPercent: 95,
		Spo2Class: "SPO2_CLASS_NORMAL", Spo2ValueDeviationFromBaseline: "DEVIATION_NO_BASELINE", Spo2QualityAveragePercent: 90,
		AverageHeartRateBpm: 60, HeartRateVariabilityMs: 100, Spo2HrvDeviationFromBaseline: "DEVIATION_NO_BASELINE", AltitudeMeters: 50,
	}}
	return []*pluginapi.Record{newAlertness("v1", 9.9), bed, temp, contacts, ecg, spo2}
}

func emptyBioSleepWise() []*pluginapi.Record {
	return []*pluginapi.Record{
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, Key: "a", Body: &pluginapi.Record_SleepwiseAlertness{SleepwiseAlertness: &pluginapi.SleepWiseAlertness{Hourly: []*pluginapi.AlertnessHour{{}}}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME, Key: "b", Body: &pluginapi.Record_SleepwiseCircadianBedtime{SleepwiseCircadianBedtime: &pluginapi.SleepWiseCircadianBedtime{}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, Key: "t", Body: &pluginapi.Record_SkinTemperature{SkinTemperature: &pluginapi.SkinTemperature{}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, Key: "c", Body: &pluginapi.Record_SkinContacts{SkinContacts: &pluginapi.SkinContacts{Changes: []*pluginapi.SkinContactChange{{}}}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_ECG_TEST, Key: "e", Body: &pluginapi.Record_EcgTest{EcgTest: &pluginapi.ECGTest{Samples: []*pluginapi.ECGSample{{}}, QualityMeasurements: []*pluginapi.ECGQuality{{}}}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Key: "s", Body: &pluginapi.Record_Spo2Test{Spo2Test: &pluginapi.SpO2Test{}}},
	}
}

// Every kind gets its file; delivered twice, or as a new version, an
// alertness period stays one row with its hours replaced, not added.
func TestBioSleepWiseFilesAreIdempotent(t *testing.T) {
	dir := t.TempDir()
	e := newConfigured(t, dir, true)
	export := func(recs ...*pluginapi.Record) { t.Helper(); requireAllOK(t, export(t, e, recs...)) }
	export(fullBioSleepWise()...)
	export(fullBioSleepWise()...)
	for file, n := range map[string]int{"sleepwise_alertness.csv": 1, "sleepwise_alertness_hourly.csv": 2, "sleepwise_circadian_bedtime.csv": 1,
		"skin_temperature.csv": 1, "skin_contacts.csv": 1, "skin_contact_changes.csv": 1, "ecg_tests.csv": 1, "ecg_samples.csv": 1,
		"ecg_quality.csv": 1, "spo2_tests.csv": 1} {
		assert.Len(t, rowMaps(t, filepath.Join(dir, file)), n, file)
	}
	newer := newAlertness("v2", 7.5)
	newer.GetSleepwiseAlertness().Hourly = newer.GetSleepwiseAlertness().Hourly[:1]
	export(newer)
	rows := rowMaps(t, filepath.Join(dir, "sleepwise_alertness.csv"))
	require.Len(t, rows, 1)
	assert.Equal(t, "v2", rows[0]["version"])
	assert.Equal(t, "7.5", rows[0]["grade"])
	assert.Equal(t, "2022-11-20T22:52:20+02:00", rows[0]["period_start_local"])
	hours := rowMaps(t, filepath.Join(dir, "sleepwise_alertness_hourly.csv"))
	require.Len(t, hours, 1)
	assert.Equal(t, "v2", hours[0]["version"])
}

// rowMaps reads a file's data rows by column name.
func rowMaps(t *testing.T, path string) []map[string]string {
	t.Helper()
	rows := readCSV(t, path)
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}
