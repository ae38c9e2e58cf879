package influxexport

import (
	"fmt"
	"slices"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// SleepWise and Elixir biosensing measurements. Tags are user and source
// only; every classification is a field, so a re-computed item (a
// prediction become history) overwrites its points instead of leaving
// them beside new ones under another tag value.
const (
	mAlertness       = "sleepwise_alertness"
	mAlertnessHourly = "sleepwise_alertness_hourly"
	mBedtime         = "sleepwise_circadian_bedtime"
	mSkinTemperature = "skin_temperature"
	mSkinContact     = "skin_contact"
	mECG             = "ecg"
	mECGSample       = "ecg_sample"
	mSpO2            = "spo2"
)

// bioSleepWiseKinds are the kinds this file writes, for Describe.
var bioSleepWiseKinds = []pluginapi.RecordKind{
	pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME,
	pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS,
	pluginapi.RecordKind_RECORD_KIND_ECG_TEST, pluginapi.RecordKind_RECORD_KIND_SPO2_TEST,
}

// alertnessLevels orders Polar's levels, so a panel can graph them.
var alertnessLevels = []string{"ALERTNESS_LEVEL_UNKNOWN", "ALERTNESS_LEVEL_MINIMAL", "ALERTNESS_LEVEL_VERY_LOW",
	"ALERTNESS_LEVEL_LOW", "ALERTNESS_LEVEL_HIGH", "ALERTNESS_LEVEL_VERY_HIGH"}

// bioSleepWisePoints returns a record's points; handled false for kinds
// not of this file.
func bioSleepWisePoints(r *pluginapi.Record) (pts []*point, handled bool, err error) {
	if !slices.Contains(bioSleepWiseKinds, r.GetKind()) {
		return nil, false, nil
	}
	user, src := tag{"user", r.GetUserId()}, tag{"source", sourceName(r.GetSource())}
	at := func(t *pluginapi.Time) (time.Time, error) {
		if t.GetUtc() == nil {
			return time.Time{}, fmt.Errorf("record %s has no time", r.GetKey())
		}
		return t.GetUtc().AsTime(), nil
	}
	utcStr := func(p *point, key string, t *pluginapi.Time) {
		if t.GetUtc() != nil {
			p.str(key, t.GetUtc().AsTime().UTC().Format(time.RFC3339))
		}
	}
	switch {
	case r.GetSleepwiseAlertness() != nil:
		a := r.GetSleepwiseAlertness()
		start, err := at(a.GetPeriodStart())
		if err != nil {
			return nil, true, err
		}
		p := newPoint(mAlertness, start, false, user, src)
		p.str("version", r.GetVersion())
		p.float("grade", a.GetGrade())
		p.int("grade_validity_s", a.GetGradeValiditySeconds())
		p.str("grade_type", a.GetGradeType())
		p.str("grade_classification", a.GetGradeClassification())
		p.str("validity", a.GetValidity())
		p.str("sleep_inertia", a.GetSleepInertia())
		p.str("sleep_type", a.GetSleepType())
		p.str("result_type", a.GetResultType())
		utcStr(p, "period_end_utc", a.GetPeriodEnd())
		utcStr(p, "sleep_period_start_utc", a.GetSleepPeriodStart())
		utcStr(p, "sleep_period_end_utc", a.GetSleepPeriodEnd())
		p.int("utc_offset_min", int64(a.GetPeriodStart().GetUtcOffsetMinutes()))
		pts = append(pts, p)
		for _, h := range a.GetHourly() {
			t, err := at(h.GetStart())
			if err != nil {
				return nil, true, err
			}
			hp := newPoint(mAlertnessHourly, t, false, user, src)
			hp.str("alertness_level", h.GetAlertnessLevel())
			hp.int("level", int64(max(0, slices.Index(alertnessLevels, h.GetAlertnessLevel()))))
			hp.str("validity", h.GetValidity())
			utcStr(hp, "end_utc", h.GetEnd())
			pts = append(pts, hp)
		}
	case r.GetSleepwiseCircadianBedtime() != nil:
		c := r.GetSleepwiseCircadianBedtime()
		start, err := at(c.GetPeriodStart())
		if err != nil {
			return nil, true, err
		}
		p := newPoint(mBedtime, start, false, user, src)
		p.str("version", r.GetVersion())
		p.str("validity", c.GetValidity())
		p.str("quality", c.GetQuality())
		p.str("result_type", c.GetResultType())
		utcStr(p, "period_end_utc", c.GetPeriodEnd())
		utcStr(p, "preferred_sleep_period_start_utc", c.GetPreferredSleepPeriodStart())
		utcStr(p, "preferred_sleep_period_end_utc", c.GetPreferredSleepPeriodEnd())
		utcStr(p, "sleep_gate_start_utc", c.GetSleepGateStart())
		utcStr(p, "sleep_gate_end_utc", c.GetSleepGateEnd())
		p.int("utc_offset_min", int64(c.GetSleepTimezoneOffsetMinutes()))
		pts = append(pts, p)
	case r.GetSkinTemperature() != nil:
		s := r.GetSkinTemperature()
		// Timed by its date's UTC midnight, as cardio load: the points
		// a new version replaces are always the same.
		day, err := dayTime(r.GetKey(), s.GetSleepDate())
		if err != nil {
			return nil, true, err
		}
		p := newPoint(mSkinTemperature, day, false, user, src)
		p.str("date", s.GetSleepDate())
		p.str("version", r.GetVersion())
		p.float("temperature_c", s.GetSleepTimeSkinTemperatureCelsius())
		p.float("deviation_c", s.GetDeviationFromBaselineCelsius())
		pts = append(pts, p)
	case r.GetSkinContacts() != nil:
		for _, c := range r.GetSkinContacts().GetChanges() {
			t, err := at(c.GetAt())
			if err != nil {
				return nil, true, err
			}
			p := newPoint(mSkinContact, t, true, user, src)
			p.bool("skin_contact", c.GetSkinContact())
			pts = append(pts, p)
		}
	case r.GetEcgTest() != nil:
		e := r.GetEcgTest()
		t, err := at(e.GetTestTime())
		if err != nil {
			return nil, true, err
		}
		p := newPoint(mECG, t, false, user, src)
		p.str("version", r.GetVersion())
		p.nonZeroInt("average_heart_rate_bpm", int64(e.GetAverageHeartRateBpm()))
		p.float("heart_rate_variability_ms", e.GetHeartRateVariabilityMs())
		p.str("heart_rate_variability_level", e.GetHeartRateVariabilityLevel())
		p.float("rri_ms", e.GetRriMs())
		p.float("pulse_transit_time_systolic_ms", e.GetPulseTransitTimeSystolicMs())
		p.float("pulse_transit_time_diastolic_ms", e.GetPulseTransitTimeDiastolicMs())
		p.float("pulse_transit_time_quality_index", e.GetPulseTransitTimeQualityIndex())
		pts = append(pts, p)
		for _, s := range e.GetSamples() {
			sp := newPoint(mECGSample, t.Add(time.Duration(s.GetRecordingTimeDeltaMs())*time.Millisecond), true, user, src)
			sp.float("amplitude_mv", s.GetAmplitudeMv())
			pts = append(pts, sp)
		}
	case r.GetSpo2Test() != nil:
		s := r.GetSpo2Test()
		t, err := at(s.GetTestTime())
		if err != nil {
			return nil, true, err
		}
		p := newPoint(mSpO2, t, false, user, src)
		p.str("version", r.GetVersion())
		p.str("test_status", s.GetTestStatus())
		p.nonZeroInt("blood_oxygen_percent", int64(s.GetBloodOxygenPercent()))
		p.str("spo2_class", s.GetSpo2Class())
		p.str("spo2_value_deviation_from_baseline", s.GetSpo2ValueDeviationFromBaseline())
		p.float("spo2_quality_average_percent", s.GetSpo2QualityAveragePercent())
		p.nonZeroInt("average_heart_rate_bpm", int64(s.GetAverageHeartRateBpm()))
		p.float("heart_rate_variability_ms", s.GetHeartRateVariabilityMs())
		p.str("spo2_hrv_deviation_from_baseline", s.GetSpo2HrvDeviationFromBaseline())
		p.float("altitude_m", s.GetAltitudeMeters())
		pts = append(pts, p)
	default:
		return nil, false, nil
	}
	return pts, true, nil
}
