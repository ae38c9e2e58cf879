package influxexport

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func pt(t time.Time, off int32) *pluginapi.Time {
	return &pluginapi.Time{Utc: timestamppb.New(t), UtcOffsetMinutes: off}
}

// An alertness period is one point at its start plus one per hour, the
// levels fields (a re-computed period changes them without a new series).
func TestAlertnessPoints(t *testing.T) {
	start := time.Date(2022, 11, 20, 20, 52, 20, 0, time.UTC)
	wake := time.Date(2022, 11, 21, 4, 12, 0, 0, time.UTC)
	r := &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, Key: "sleepwise_alertness.475.20221120T205220Z", Version: "v1", UserId: "475",
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_SleepwiseAlertness{SleepwiseAlertness: &pluginapi.SleepWiseAlertness{
			PeriodStart: pt(start, 120), PeriodEnd: pt(start.Add(22*time.Hour), 120), Grade: 9.9, GradeValiditySeconds: 57600,
			GradeType: "GRADE_TYPE_PRIMARY", GradeClassification: "GRADE_CLASSIFICATION_STRONG", Validity: "VALIDITY_ESTIMATE",
			SleepInertia: "SLEEP_INERTIA_MILD", SleepType: "SLEEP_TYPE_PRIMARY", ResultType: "ALERTNESS_TYPE_HISTORY",
			Hourly: []*pluginapi.AlertnessHour{{Start: pt(wake, 120), End: pt(wake.Add(48*time.Minute), 120), Validity: "VALIDITY_ESTIMATE", AlertnessLevel: "ALERTNESS_LEVEL_LOW"}},
		}},
	}
	ps, err := recordPoints(r)
	require.NoError(t, err)
	assert.Equal(t, `sleepwise_alertness,source=accesslink,user=475 version="v1",grade=9.9,grade_validity_s=57600i,grade_type="GRADE_TYPE_PRIMARY",grade_classification="GRADE_CLASSIFICATION_STRONG",validity="VALIDITY_ESTIMATE",sleep_inertia="SLEEP_INERTIA_MILD",sleep_type="SLEEP_TYPE_PRIMARY",result_type="ALERTNESS_TYPE_HISTORY",period_end_utc="2022-11-21T18:52:20Z",utc_offset_min=120i 1668977540
sleepwise_alertness_hourly,source=accesslink,user=475 alertness_level="ALERTNESS_LEVEL_LOW",level=3i,validity="VALIDITY_ESTIMATE",end_utc="2022-11-21T05:00:00Z" 1669003920
`, encode(t, ps))
}

// Every biosensing kind writes its measurement; an ECG test's samples
// are millisecond points; skin temperature is timed by its date.
func TestBiosensingPoints(t *testing.T) {
	tt := time.Unix(1697787256, 0)
	recs := []*pluginapi.Record{
		{Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, Key: "skin_temperature.475.2023-10-20", Version: "v1", UserId: "475",
			Body: &pluginapi.Record_SkinTemperature{SkinTemperature: &pluginapi.SkinTemperature{SleepDate: "2023-10-20", SleepTimeSkinTemperatureCelsius: 36.5, DeviationFromBaselineCelsius: 0.5}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_ECG_TEST, Key: "ecg_test.475.20231020T073416Z", Version: "v1", UserId: "475",
			Body: &pluginapi.Record_EcgTest{EcgTest: &pluginapi.ECGTest{TestTime: pt(tt, 180), AverageHeartRateBpm: 60, RriMs: 100,
				Samples: []*pluginapi.ECGSample{{RecordingTimeDeltaMs: 0, AmplitudeMv: 0.1}, {RecordingTimeDeltaMs: 8, AmplitudeMv: -0.05}}}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Key: "spo2_test.475.20231020T073416Z", Version: "v1", UserId: "475",
			Body: &pluginapi.Record_Spo2Test{Spo2Test: &pluginapi.SpO2Test{TestTime: pt(tt, 180), TestStatus: "SPO2_TEST_PASSED", BloodOxygenPercent: 95, Spo2Class: "SPO2_CLASS_NORMAL"}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, Key: "skin_contacts.475.20231020T040000Z", Version: "v1", UserId: "475",
			Body: &pluginapi.Record_SkinContacts{SkinContacts: &pluginapi.SkinContacts{Start: pt(tt, 180), Changes: []*pluginapi.SkinContactChange{{SkinContact: true, At: pt(tt, 180)}}}}},
		{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME, Key: "sleepwise_circadian_bedtime.475.x", Version: "v1", UserId: "475",
			Body: &pluginapi.Record_SleepwiseCircadianBedtime{SleepwiseCircadianBedtime: &pluginapi.SleepWiseCircadianBedtime{PeriodStart: pt(tt, 180), Quality: "CIRCADIAN_BEDTIME_QUALITY_WEAK"}}},
	}
	var lines []string
	for _, r := range recs {
		ps, err := recordPoints(r)
		require.NoError(t, err, r.GetKey())
		lines = append(lines, strings.Split(strings.TrimSpace(encode(t, ps)), "\n")...)
	}
	require.Len(t, lines, 7)
	assert.Equal(t, `skin_temperature,user=475 date="2023-10-20",version="v1",temperature_c=36.5,deviation_c=0.5 1697760000`, lines[0])
	assert.True(t, strings.HasPrefix(lines[1], `ecg,user=475 version="v1",average_heart_rate_bpm=60i,`), lines[1])
	assert.Equal(t, `ecg_sample,user=475 amplitude_mv=0.1 1697787256000`, lines[2])
	assert.Equal(t, `ecg_sample,user=475 amplitude_mv=-0.05 1697787256008`, lines[3])
	assert.True(t, strings.HasPrefix(lines[4], `spo2,user=475 version="v1",test_status="SPO2_TEST_PASSED",blood_oxygen_percent=95i,`), lines[4])
	assert.Equal(t, `skin_contact,user=475 skin_contact=true 1697787256000`, lines[5])
	assert.Contains(t, lines[6], `sleepwise_circadian_bedtime,user=475 version="v1",validity="",quality="CIRCADIAN_BEDTIME_QUALITY_WEAK"`)

	_, err := recordPoints(&pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_ECG_TEST, Key: "k", UserId: "1"})
	assert.ErrorContains(t, err, "without a")
}
