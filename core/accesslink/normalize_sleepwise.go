package accesslink

import (
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// NormalizeListed builds the record of one entry of a SleepWise or
// biosensing list (the ranged endpoints' and the 28-day lists' answers
// are the same entries). loc is the user's zone, for times Polar gives
// no offset (nil: UTC); now judges times too far ahead.
func NormalizeListed(kind pluginapi.RecordKind, userID string, raw []byte, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	if loc == nil {
		loc = time.UTC
	}
	if userID == "" {
		return nil, nil, fmt.Errorf("%s record needs a user id: %w", kind, ErrInvalidPayload)
	}
	switch kind {
	case pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS:
		a, err := DecodeSleepWiseAlertness(raw)
		if err != nil {
			return nil, nil, err
		}
		return SleepWiseAlertnessRecord(userID, a, loc, now)
	case pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME:
		c, err := DecodeSleepWiseCircadianBedtime(raw)
		if err != nil {
			return nil, nil, err
		}
		return SleepWiseCircadianBedtimeRecord(userID, c, loc, now)
	case pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE:
		var v SkinTemperature
		if err := decodeJSON("skin temperature", raw, &v); err != nil {
			return nil, nil, err
		}
		return SkinTemperatureRecord(userID, &v, loc, now)
	case pluginapi.RecordKind_RECORD_KIND_SKIN_CONTACTS:
		var v SkinContactPeriod
		if err := decodeJSON("skin contacts", raw, &v); err != nil {
			return nil, nil, err
		}
		return SkinContactsRecord(userID, &v, loc, now)
	case pluginapi.RecordKind_RECORD_KIND_ECG_TEST:
		var v ECGTest
		if err := decodeJSON("ECG test", raw, &v); err != nil {
			return nil, nil, err
		}
		return ECGTestRecord(userID, &v, loc, now)
	case pluginapi.RecordKind_RECORD_KIND_SPO2_TEST:
		var v SpO2Test
		if err := decodeJSON("SpO2 test", raw, &v); err != nil {
			return nil, nil, err
		}
		return SpO2TestRecord(userID, &v, loc, now)
	}
	return nil, nil, fmt.Errorf("no listed kind %s: %w", kind, ErrInvalidPayload)
}

// atOffset places a UTC instant at Polar's offset (minutes), or, where
// Polar gives none, in the user's zone: that zone's offset at that
// instant, right across a DST change.
func atOffset(t time.Time, offsetMinutes *int32, loc *time.Location) time.Time {
	if offsetMinutes != nil {
		return t.In(time.FixedZone("", int(*offsetMinutes)*60))
	}
	return t.In(loc)
}

// times parses the named UTC times of one entry; an empty one stays
// zero, a malformed one is an error.
func parseTimes(what string, named ...struct {
	name string
	v    string
	out  *time.Time
}) error {
	for _, n := range named {
		if n.v == "" {
			continue
		}
		t, err := ParseUTC(n.v)
		if err != nil {
			return fmt.Errorf("%s %s: %w", what, n.name, err)
		}
		*n.out = t
	}
	return nil
}

type namedTime = struct {
	name string
	v    string
	out  *time.Time
}

// optTime is a record Time, or nil for a time Polar left out.
func optTime(t time.Time, off *int32, loc *time.Location) *pluginapi.Time {
	if t.IsZero() {
		return nil
	}
	return recordTime(atOffset(t, off, loc))
}

// checkPeriod rejects a period without a start, starting impossibly
// early or late, or ending before it starts. Predictions may end ahead
// of now: only the start is judged against now.
func checkPeriod(what string, start, end, now time.Time) error {
	if start.IsZero() {
		return fmt.Errorf("%s has no period start: %w", what, ErrInvalidTime)
	}
	if err := plausible.CheckTime(what+" period start", start, now); err != nil {
		return fmt.Errorf("%w: %w", err, ErrInvalidTime)
	}
	if !end.IsZero() {
		if err := plausible.CheckSpan(what+" period", start, end); err != nil {
			return fmt.Errorf("%w: %w", err, ErrInvalidTime)
		}
	}
	return nil
}

// SleepWiseAlertnessRecord builds an alertness period's record: kind
// SLEEPWISE_ALERTNESS, key "sleepwise_alertness.<user>.<period start>".
// Every time is UTC as documented, shown at sleep_timezone_offset_minutes
// (the user's zone where Polar leaves it out).
func SleepWiseAlertnessRecord(userID string, a *SleepWiseAlertness, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	var ps, pe, ss, se time.Time
	if err := parseTimes("sleepwise alertness",
		namedTime{"period_start_time", a.PeriodStartTime, &ps}, namedTime{"period_end_time", a.PeriodEndTime, &pe},
		namedTime{"sleep_period_start_time", a.SleepPeriodStartTime, &ss}, namedTime{"sleep_period_end_time", a.SleepPeriodEndTime, &se}); err != nil {
		return nil, nil, err
	}
	if err := checkPeriod("sleepwise alertness", ps, pe, now); err != nil {
		return nil, nil, err
	}
	off := a.SleepTimezoneOffsetMinutes
	key := pluginapi.SleepWiseAlertnessKey(userID, ps)
	ch := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, key)
	out := &pluginapi.SleepWiseAlertness{
		PeriodStart:                recordTime(atOffset(ps, off, loc)),
		PeriodEnd:                  optTime(pe, off, loc),
		Grade:                      ch.Float("grade", a.Grade, plausible.AlertnessGrade),
		GradeValiditySeconds:       int64(ch.Float("grade_validity_seconds", float64(a.GradeValiditySeconds), plausible.GradeValidity)),
		GradeType:                  a.GradeType,
		GradeClassification:        a.GradeClassification,
		Validity:                   a.Validity,
		SleepInertia:               a.SleepInertia,
		SleepType:                  a.SleepType,
		ResultType:                 a.ResultType,
		SleepPeriodStart:           optTime(ss, off, loc),
		SleepPeriodEnd:             optTime(se, off, loc),
		SleepTimezoneOffsetMinutes: int32(offsetOr(off)),
	}
	for i, h := range a.HourlyData {
		var hs, he time.Time
		if err := parseTimes(fmt.Sprintf("sleepwise alertness hour %d", i),
			namedTime{"start_time", h.StartTime, &hs}, namedTime{"end_time", h.EndTime, &he}); err != nil {
			return nil, nil, err
		}
		out.Hourly = append(out.Hourly, &pluginapi.AlertnessHour{
			Start: optTime(hs, off, loc), End: optTime(he, off, loc), Validity: h.Validity, AlertnessLevel: h.AlertnessLevel,
		})
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, Key: key, UserId: userID, Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_SleepwiseAlertness{SleepwiseAlertness: out},
	}, ch.Warnings(), nil
}

func offsetOr(off *int32) int32 {
	if off == nil {
		return 0
	}
	return *off
}

// SleepWiseCircadianBedtimeRecord builds a circadian bedtime period's
// record: kind SLEEPWISE_CIRCADIAN_BEDTIME, key
// "sleepwise_circadian_bedtime.<user>.<period start>"; times as alertness.
func SleepWiseCircadianBedtimeRecord(userID string, c *SleepWiseCircadianBedtime, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	var ps, pe, pss, pse, gs, ge time.Time
	if err := parseTimes("sleepwise circadian bedtime",
		namedTime{"period_start_time", c.PeriodStartTime, &ps}, namedTime{"period_end_time", c.PeriodEndTime, &pe},
		namedTime{"preferred_sleep_period_start_time", c.PreferredSleepPeriodStartTime, &pss},
		namedTime{"preferred_sleep_period_end_time", c.PreferredSleepPeriodEndTime, &pse},
		namedTime{"sleep_gate_start_time", c.SleepGateStartTime, &gs}, namedTime{"sleep_gate_end_time", c.SleepGateEndTime, &ge}); err != nil {
		return nil, nil, err
	}
	if err := checkPeriod("sleepwise circadian bedtime", ps, pe, now); err != nil {
		return nil, nil, err
	}
	off := c.SleepTimezoneOffsetMinutes
	key := pluginapi.SleepWiseCircadianBedtimeKey(userID, ps)
	out := &pluginapi.SleepWiseCircadianBedtime{
		PeriodStart:                recordTime(atOffset(ps, off, loc)),
		PeriodEnd:                  optTime(pe, off, loc),
		PreferredSleepPeriodStart:  optTime(pss, off, loc),
		PreferredSleepPeriodEnd:    optTime(pse, off, loc),
		SleepGateStart:             optTime(gs, off, loc),
		SleepGateEnd:               optTime(ge, off, loc),
		Validity:                   c.Validity,
		Quality:                    c.Quality,
		ResultType:                 c.ResultType,
		SleepTimezoneOffsetMinutes: offsetOr(off),
	}
	return &pluginapi.Record{
		Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_CIRCADIAN_BEDTIME, Key: key, UserId: userID, Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body: &pluginapi.Record_SleepwiseCircadianBedtime{SleepwiseCircadianBedtime: out},
	}, nil, nil
}
