package accesslink

import (
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// SkinTemperatureRecord builds a night's skin temperature record: kind
// SKIN_TEMPERATURE, key "skin_temperature.<user>.<sleep date>". Polar
// gives a date only: day_start is its first instant in the user's zone.
func SkinTemperatureRecord(userID string, v *SkinTemperature, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	if err := plausible.CheckDate("skin temperature sleep_date", v.SleepDate, now); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", err, ErrInvalidTime)
	}
	day, err := time.Parse(time.DateOnly, v.SleepDate)
	if err != nil {
		return nil, nil, fmt.Errorf("skin temperature sleep_date %q: %v: %w", v.SleepDate, err, ErrInvalidTime)
	}
	key := pluginapi.SkinTemperatureKey(userID, v.SleepDate)
	ch := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, key)
	out := &pluginapi.SkinTemperature{
		SleepDate:                       v.SleepDate,
		DayStart:                        recordTime(dayStart(day, loc)),
		SleepTimeSkinTemperatureCelsius: ch.Float("sleep_time_skin_temperature_celsius", v.SleepTimeSkinTemperatureCelsius, plausible.SkinTemperature),
		DeviationFromBaselineCelsius:    ch.Float("deviation_from_baseline_celsius", v.DeviationFromBaselineCelsius, plausible.SkinTemperatureDeviation),
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, Key: key, UserId: userID, Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_SkinTemperature{SkinTemperature: out},
	}, ch.Warnings(), nil
}

// SkinContactsRecord builds a skin contact period's record: kind
// SKIN_CONTACTS, key "skin_contacts.<user>.<start>". Times are UTC as
// documented, shown in the user's zone; each change is placed at start
// plus its delta.
func SkinContactsRecord(userID string, v *SkinContactPeriod, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	var st, en, mod time.Time
	if err := parseTimes("skin contacts",
		namedTime{"start_time", v.StartTime, &st}, namedTime{"end_time", v.EndTime, &en}, namedTime{"modified_time", v.ModifiedTime, &mod}); err != nil {
		return nil, nil, err
	}
	if err := checkPeriod("skin contacts", st, en, now); err != nil {
		return nil, nil, err
	}
	key := pluginapi.SkinContactsKey(userID, st)
	out := &pluginapi.SkinContacts{
		SourceDeviceId: v.SourceDeviceID,
		Start:          recordTime(st.In(loc)),
		End:            optTime(en, nil, loc),
		Modified:       optTime(mod, nil, loc),
	}
	for _, c := range v.SkinContactChanges {
		at := st.Add(time.Duration(c.RecordingTimeDeltaMilliseconds) * time.Millisecond)
		out.Changes = append(out.Changes, &pluginapi.SkinContactChange{
			SkinContact: c.SkinContact, RecordingTimeDeltaMs: c.RecordingTimeDeltaMilliseconds, At: recordTime(at.In(loc)),
		})
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS, Key: key, UserId: userID, Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_SkinContacts{SkinContacts: out},
	}, nil, nil
}

// testTime reads a test's Unix seconds at Polar's offset (the user's
// zone without one).
func testTime(what string, unix int64, off *int32, loc *time.Location, now time.Time) (time.Time, error) {
	if unix <= 0 {
		return time.Time{}, fmt.Errorf("%s has no test_time: %w", what, ErrInvalidTime)
	}
	t := time.Unix(unix, 0).UTC()
	if err := plausible.CheckTime(what+" test_time", t, now); err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", err, ErrInvalidTime)
	}
	return atOffset(t, off, loc), nil
}

// ECGTestRecord builds a wrist ECG test's record: kind ECG_TEST, key
// "ecg_test.<user>.<test time>"; samples and quality measurements as
// Polar lists them (offsets from test_time in ms).
func ECGTestRecord(userID string, v *ECGTest, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	t, err := testTime("ECG test", v.TestTime, v.TimeZoneOffset, loc, now)
	if err != nil {
		return nil, nil, err
	}
	key := pluginapi.ECGTestKey(userID, t)
	ch := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_ECG_TEST, key)
	out := &pluginapi.ECGTest{
		SourceDeviceId:               v.SourceDeviceID,
		TestTime:                     recordTime(t),
		AverageHeartRateBpm:          uint32(ch.Float("average_heart_rate_bpm", float64(v.AverageHeartRateBPM), plausible.HeartRate)),
		HeartRateVariabilityMs:       ch.Float("heart_rate_variability_ms", v.HeartRateVariabilityMS, plausible.TestHRV),
		HeartRateVariabilityLevel:    v.HeartRateVariabilityLevel,
		RriMs:                        ch.Float("rri_ms", v.RRIMS, plausible.ECGInterval),
		PulseTransitTimeSystolicMs:   ch.Float("pulse_transit_time_systolic_ms", v.PulseTransitTimeSystolicMS, plausible.ECGInterval),
		PulseTransitTimeDiastolicMs:  ch.Float("pulse_transit_time_diastolic_ms", v.PulseTransitTimeDiastolicMS, plausible.ECGInterval),
		PulseTransitTimeQualityIndex: v.PulseTransitTimeQualityIndex,
	}
	for _, s := range v.Samples {
		// An implausible sample is left out: a gap, as in other series.
		if ch.Keep("samples.amplitude_mv", s.AmplitudeMV, plausible.ECGAmplitude) {
			out.Samples = append(out.Samples, &pluginapi.ECGSample{RecordingTimeDeltaMs: s.RecordingTimeDeltaMS, AmplitudeMv: s.AmplitudeMV})
		}
	}
	for _, q := range v.QualityMeasurements {
		out.QualityMeasurements = append(out.QualityMeasurements, &pluginapi.ECGQuality{RecordingTimeDeltaMs: q.RecordingTimeDeltaMS, QualityLevel: q.QualityLevel})
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_ECG_TEST, Key: key, UserId: userID, Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_EcgTest{EcgTest: out},
	}, ch.Warnings(), nil
}

// SpO2TestRecord builds an SpO2 test's record: kind SPO2_TEST, key
// "spo2_test.<user>.<test time>". blood_oxygen_percent is checked
// against 0-100 %.
func SpO2TestRecord(userID string, v *SpO2Test, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	t, err := testTime("SpO2 test", v.TestTime, v.TimeZoneOffset, loc, now)
	if err != nil {
		return nil, nil, err
	}
	key := pluginapi.SpO2TestKey(userID, t)
	ch := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, key)
	out := &pluginapi.SpO2Test{
		SourceDeviceId:                 v.SourceDeviceID,
		TestTime:                       recordTime(t),
		TestStatus:                     v.TestStatus,
		BloodOxygenPercent:             ch.Int32("blood_oxygen_percent", v.BloodOxygenPercent, plausible.Percent),
		Spo2Class:                      v.SpO2Class,
		Spo2ValueDeviationFromBaseline: v.SpO2ValueDeviationFromBaseline,
		Spo2QualityAveragePercent:      ch.Float("spo2_quality_average_percent", v.SpO2QualityAveragePercent, plausible.Percent),
		AverageHeartRateBpm:            uint32(ch.Float("average_heart_rate_bpm", v.AverageHeartRateBPM, plausible.HeartRate)),
		HeartRateVariabilityMs:         ch.Float("heart_rate_variability_ms", v.HeartRateVariabilityMS, plausible.TestHRV),
		Spo2HrvDeviationFromBaseline:   v.SpO2HRVDeviationFromBaseline,
		AltitudeMeters:                 ch.Float("altitude_meters", v.AltitudeMeters, plausible.Altitude),
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Key: key, UserId: userID, Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_Spo2Test{Spo2Test: out},
	}, ch.Warnings(), nil
}
