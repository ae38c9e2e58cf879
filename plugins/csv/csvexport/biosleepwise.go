package csvexport

import (
	"strconv"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// SleepWise and Elixir biosensing: one file per kind, one row per record,
// plus detail files for the hourly alertness levels, skin contact changes
// and (with samples: true) ECG samples and quality measurements. Times
// are three columns each: UTC, local at the record's offset, the offset.

func timeHeader(name string) []string {
	return []string{name + "_utc", name + "_local", name + "_utc_offset_min"}
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var recordCols = []string{"key", "version", "user_id", "source"}

func recordVals(r *pluginapi.Record) []string {
	return []string{r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource())}
}

var alertnessHeader = cat(recordCols, timeHeader("period_start"), timeHeader("period_end"),
	[]string{"grade", "grade_validity_s", "grade_type", "grade_classification", "validity", "sleep_inertia", "sleep_type", "result_type"},
	timeHeader("sleep_period_start"), timeHeader("sleep_period_end"), []string{"sleep_timezone_offset_min", "hours"})

func alertnessRow(r *pluginapi.Record) []string {
	a := r.GetSleepwiseAlertness()
	return cat(recordVals(r), timeCols(a.GetPeriodStart()), timeCols(a.GetPeriodEnd()),
		[]string{fmtFloat(a.GetGrade()), fmtInt64(a.GetGradeValiditySeconds()), a.GetGradeType(), a.GetGradeClassification(),
			a.GetValidity(), a.GetSleepInertia(), a.GetSleepType(), a.GetResultType()},
		timeCols(a.GetSleepPeriodStart()), timeCols(a.GetSleepPeriodEnd()),
		[]string{fmtInt(a.GetSleepTimezoneOffsetMinutes()), fmtInt(len(a.GetHourly()))})
}

var alertnessHourlyHeader = cat([]string{"key", "version", "user_id", "period_start_utc"}, timeHeader("start"), timeHeader("end"),
	[]string{"validity", "alertness_level"})

func alertnessHourlyRows(r *pluginapi.Record) [][]string {
	a := r.GetSleepwiseAlertness()
	var out [][]string
	for _, h := range a.GetHourly() {
		out = append(out, cat([]string{r.GetKey(), r.GetVersion(), r.GetUserId(), fmtTimestamp(a.GetPeriodStart())},
			timeCols(h.GetStart()), timeCols(h.GetEnd()), []string{h.GetValidity(), h.GetAlertnessLevel()}))
	}
	return out
}

var bedtimeHeader = cat(recordCols, timeHeader("period_start"), timeHeader("period_end"),
	timeHeader("preferred_sleep_period_start"), timeHeader("preferred_sleep_period_end"),
	timeHeader("sleep_gate_start"), timeHeader("sleep_gate_end"),
	[]string{"validity", "quality", "result_type", "sleep_timezone_offset_min"})

func bedtimeRow(r *pluginapi.Record) []string {
	c := r.GetSleepwiseCircadianBedtime()
	return cat(recordVals(r), timeCols(c.GetPeriodStart()), timeCols(c.GetPeriodEnd()),
		timeCols(c.GetPreferredSleepPeriodStart()), timeCols(c.GetPreferredSleepPeriodEnd()),
		timeCols(c.GetSleepGateStart()), timeCols(c.GetSleepGateEnd()),
		[]string{c.GetValidity(), c.GetQuality(), c.GetResultType(), fmtInt(c.GetSleepTimezoneOffsetMinutes())})
}

var skinTemperatureHeader = cat(recordCols, []string{"sleep_date", "day_start_utc", "day_start_utc_offset_min",
	"sleep_time_skin_temperature_c", "deviation_from_baseline_c"})

func skinTemperatureRow(r *pluginapi.Record) []string {
	s := r.GetSkinTemperature()
	return cat(recordVals(r), []string{s.GetSleepDate(), fmtTimestamp(s.GetDayStart()), fmtInt(s.GetDayStart().GetUtcOffsetMinutes()),
		fmtFloat(s.GetSleepTimeSkinTemperatureCelsius()), fmtFloat(s.GetDeviationFromBaselineCelsius())})
}

var skinContactsHeader = cat(recordCols, []string{"source_device_id"}, timeHeader("start"), timeHeader("end"), timeHeader("modified"), []string{"changes"})

func skinContactsRow(r *pluginapi.Record) []string {
	s := r.GetSkinContacts()
	return cat(recordVals(r), []string{s.GetSourceDeviceId()}, timeCols(s.GetStart()), timeCols(s.GetEnd()), timeCols(s.GetModified()),
		[]string{fmtInt(len(s.GetChanges()))})
}

var skinContactChangeHeader = cat([]string{"key", "version", "user_id", "start_utc"}, timeHeader("at"), []string{"recording_time_delta_ms", "skin_contact"})

func skinContactChangeRows(r *pluginapi.Record) [][]string {
	s := r.GetSkinContacts()
	var out [][]string
	for _, c := range s.GetChanges() {
		out = append(out, cat([]string{r.GetKey(), r.GetVersion(), r.GetUserId(), fmtTimestamp(s.GetStart())}, timeCols(c.GetAt()),
			[]string{fmtInt64(c.GetRecordingTimeDeltaMs()), strconv.FormatBool(c.GetSkinContact())}))
	}
	return out
}

var ecgHeader = cat(recordCols, []string{"source_device_id"}, timeHeader("test_time"),
	[]string{"average_heart_rate_bpm", "heart_rate_variability_ms", "heart_rate_variability_level", "rri_ms",
		"pulse_transit_time_systolic_ms", "pulse_transit_time_diastolic_ms", "pulse_transit_time_quality_index", "samples", "quality_measurements"})

func ecgRow(r *pluginapi.Record) []string {
	e := r.GetEcgTest()
	return cat(recordVals(r), []string{e.GetSourceDeviceId()}, timeCols(e.GetTestTime()),
		[]string{fmtUint(e.GetAverageHeartRateBpm()), fmtFloat(e.GetHeartRateVariabilityMs()), e.GetHeartRateVariabilityLevel(), fmtFloat(e.GetRriMs()),
			fmtFloat(e.GetPulseTransitTimeSystolicMs()), fmtFloat(e.GetPulseTransitTimeDiastolicMs()), fmtFloat(e.GetPulseTransitTimeQualityIndex()),
			fmtInt(len(e.GetSamples())), fmtInt(len(e.GetQualityMeasurements()))})
}

var ecgSampleHeader = []string{"key", "version", "user_id", "test_time_utc", "recording_time_delta_ms", "amplitude_mv"}

func ecgSampleRows(r *pluginapi.Record) [][]string {
	e := r.GetEcgTest()
	at := fmtTimestamp(e.GetTestTime())
	out := make([][]string, 0, len(e.GetSamples()))
	for _, s := range e.GetSamples() {
		out = append(out, []string{r.GetKey(), r.GetVersion(), r.GetUserId(), at, fmtInt(s.GetRecordingTimeDeltaMs()), fmtFloat(s.GetAmplitudeMv())})
	}
	return out
}

var ecgQualityHeader = []string{"key", "version", "user_id", "test_time_utc", "recording_time_delta_ms", "quality_level"}

func ecgQualityRows(r *pluginapi.Record) [][]string {
	e := r.GetEcgTest()
	at := fmtTimestamp(e.GetTestTime())
	var out [][]string
	for _, q := range e.GetQualityMeasurements() {
		out = append(out, []string{r.GetKey(), r.GetVersion(), r.GetUserId(), at, fmtInt(q.GetRecordingTimeDeltaMs()), q.GetQualityLevel()})
	}
	return out
}

var spo2Header = cat(recordCols, []string{"source_device_id"}, timeHeader("test_time"),
	[]string{"test_status", "blood_oxygen_percent", "spo2_class", "spo2_value_deviation_from_baseline", "spo2_quality_average_percent",
		"average_heart_rate_bpm", "heart_rate_variability_ms", "spo2_hrv_deviation_from_baseline", "altitude_m"})

func spo2Row(r *pluginapi.Record) []string {
	s := r.GetSpo2Test()
	return cat(recordVals(r), []string{s.GetSourceDeviceId()}, timeCols(s.GetTestTime()),
		[]string{s.GetTestStatus(), fmtInt(s.GetBloodOxygenPercent()), s.GetSpo2Class(), s.GetSpo2ValueDeviationFromBaseline(),
			fmtFloat(s.GetSpo2QualityAveragePercent()), fmtUint(s.GetAverageHeartRateBpm()), fmtFloat(s.GetHeartRateVariabilityMs()),
			s.GetSpo2HrvDeviationFromBaseline(), fmtFloat(s.GetAltitudeMeters())})
}

// bioSleepWiseTables are the detail files (first) and the one-row files
// (last) of these kinds, appended to tableSpecs in that order's spirit.
var (
	bioSleepWiseDetailTables = []*tableSpec{
		{file: "sleepwise_alertness_hourly.csv", kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, header: alertnessHourlyHeader, sortBy: "period_start_utc", sortTime: true, rows: alertnessHourlyRows},
		{file: "skin_contact_changes.csv", kind: pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, header: skinContactChangeHeader, sortBy: "start_utc", sortTime: true, rows: skinContactChangeRows},
		{file: "ecg_samples.csv", kind: pluginapi.RecordKind_RECORD_KIND_ECG_TEST, header: ecgSampleHeader, sortBy: "test_time_utc", sortTime: true, samples: true, rows: ecgSampleRows},
		{file: "ecg_quality.csv", kind: pluginapi.RecordKind_RECORD_KIND_ECG_TEST, header: ecgQualityHeader, sortBy: "test_time_utc", sortTime: true, rows: ecgQualityRows},
	}
	bioSleepWiseTables = []*tableSpec{
		{file: "sleepwise_alertness.csv", kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, header: alertnessHeader, sortBy: "period_start_utc", sortTime: true, rows: oneRow(alertnessRow)},
		{file: "sleepwise_circadian_bedtime.csv", kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME, header: bedtimeHeader, sortBy: "period_start_utc", sortTime: true, rows: oneRow(bedtimeRow)},
		{file: "skin_temperature.csv", kind: pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, header: skinTemperatureHeader, sortBy: "sleep_date", rows: oneRow(skinTemperatureRow)},
		{file: "skin_contacts.csv", kind: pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, header: skinContactsHeader, sortBy: "start_utc", sortTime: true, rows: oneRow(skinContactsRow)},
		{file: "ecg_tests.csv", kind: pluginapi.RecordKind_RECORD_KIND_ECG_TEST, header: ecgHeader, sortBy: "test_time_utc", sortTime: true, rows: oneRow(ecgRow)},
		{file: "spo2_tests.csv", kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, header: spo2Header, sortBy: "test_time_utc", sortTime: true, rows: oneRow(spo2Row)},
	}
)

// bioSleepWiseKinds are the kinds this file exports, for Describe.
var bioSleepWiseKinds = []pluginapi.RecordKind{
	pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME,
	pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS,
	pluginapi.RecordKind_RECORD_KIND_ECG_TEST, pluginapi.RecordKind_RECORD_KIND_SPO2_TEST,
}

// bioSleepWiseBody reports whether r has its kind's body (checkRecord).
func bioSleepWiseBody(r *pluginapi.Record) (known, ok bool) {
	switch r.GetKind() {
	case pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS:
		return true, r.GetSleepwiseAlertness() != nil
	case pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME:
		return true, r.GetSleepwiseCircadianBedtime() != nil
	case pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE:
		return true, r.GetSkinTemperature() != nil
	case pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS:
		return true, r.GetSkinContacts() != nil
	case pluginapi.RecordKind_RECORD_KIND_ECG_TEST:
		return true, r.GetEcgTest() != nil
	case pluginapi.RecordKind_RECORD_KIND_SPO2_TEST:
		return true, r.GetSpo2Test() != nil
	}
	return false, false
}
