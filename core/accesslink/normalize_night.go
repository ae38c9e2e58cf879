package accesslink

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// NormalizeSleep decodes a sleep body and builds its record; see
// SleepRecord. now is the clock's now.
func NormalizeSleep(userID string, sleepJSON []byte, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	s, err := DecodeSleep(sleepJSON)
	if err != nil {
		return nil, nil, err
	}
	return SleepRecord(userID, s, now)
}

// SleepRecord builds the record for a night: kind SLEEP, key
// "sleep.<user>.<date>". Hypnogram and heart-rate samples are placed in
// time by ResolveClockTimes.
//
// Values outside their plausible range are dropped and returned as
// warnings; stage and interruption times may not exceed the night. A
// date, start or end outside plausible.Earliest to plausible.MaxAhead
// after now is an error wrapping plausible.ErrImpossible.
func SleepRecord(userID string, s *Sleep, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	if userID == "" || s.Date == "" {
		return nil, nil, fmt.Errorf("sleep record needs user id and date (got %q, %q): %w", userID, s.Date, ErrInvalidPayload)
	}
	if err := plausible.CheckDate("date", s.Date, now); err != nil {
		return nil, nil, fmt.Errorf("sleep: %w: %w", err, ErrInvalidTime)
	}
	night, err := s.Night()
	if err != nil {
		return nil, nil, fmt.Errorf("sleep %s: %w", s.Date, err)
	}
	if err := errors.Join(plausible.CheckTime("start", night.Start, now), plausible.CheckTime("end", night.End, now)); err != nil {
		return nil, nil, fmt.Errorf("sleep %s: %w: %w", s.Date, err, ErrInvalidTime)
	}
	hypnogram, err := ResolveClockTimes(s.Hypnogram, night)
	if err != nil {
		return nil, nil, fmt.Errorf("sleep %s hypnogram: %w", s.Date, err)
	}
	hr, err := ResolveClockTimes(s.HeartRateSamples, night)
	if err != nil {
		return nil, nil, fmt.Errorf("sleep %s heart rate: %w", s.Date, err)
	}
	key := pluginapi.SleepKey(userID, s.Date)
	c := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_SLEEP, key)
	span := plausible.SleepSpan(night.End.Sub(night.Start))
	out := &pluginapi.Sleep{
		Date:                     s.Date,
		Start:                    recordTime(night.Start),
		End:                      recordTime(night.End),
		DeviceId:                 s.DeviceID,
		LightSleepSeconds:        c.Int32("light_sleep_seconds", s.LightSleep, span),
		DeepSleepSeconds:         c.Int32("deep_sleep_seconds", s.DeepSleep, span),
		RemSleepSeconds:          c.Int32("rem_sleep_seconds", s.REMSleep, span),
		UnrecognizedSleepSeconds: c.Int32("unrecognized_sleep_seconds", s.UnrecognizedSleepStage, span),
		TotalInterruptionSeconds: c.Int32("total_interruption_seconds", s.TotalInterruptionDuration, span),
		ShortInterruptionSeconds: c.Int32("short_interruption_seconds", s.ShortInterruptionDuration, span),
		LongInterruptionSeconds:  c.Int32("long_interruption_seconds", s.LongInterruptionDuration, span),
		SleepScore:               c.Int32("sleep_score", s.SleepScore, plausible.SleepScore),
		SleepCharge:              c.Int32("sleep_charge", s.SleepCharge, plausible.SleepCharge),
		SleepGoalSeconds:         c.Int32("sleep_goal_seconds", s.SleepGoal, plausible.SleepGoal),
		SleepRating:              c.Int32("sleep_rating", s.SleepRating, plausible.SleepRating),
		SleepCycles:              c.Int32("sleep_cycles", s.SleepCycles, plausible.SleepCycles),
		Continuity:               c.Float("continuity", s.Continuity, plausible.Continuity),
		ContinuityClass:          c.Int32("continuity_class", s.ContinuityClass, plausible.ContinuityClass),
		GroupDurationScore:       c.Float("group_duration_score", s.GroupDurationScore, plausible.SleepGroupScore),
		GroupSolidityScore:       c.Float("group_solidity_score", s.GroupSolidityScore, plausible.SleepGroupScore),
		GroupRegenerationScore:   c.Float("group_regeneration_score", s.GroupRegenerationScore, plausible.SleepGroupScore),
		HeartRate:                timedSeries(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, keepTimed(c, "heart_rate", hr, plausible.HeartRate)),
	}
	for _, h := range hypnogram {
		// A dropped stage drops its sample: 0 would read as "wake".
		stage := math.Round(h.Value)
		if !c.Keep("hypnogram.stage", stage, plausible.HypnogramStage) {
			continue
		}
		out.Hypnogram = append(out.Hypnogram, &pluginapi.HypnogramSample{Time: recordTime(h.At), Stage: int32(stage)})
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_SLEEP,
		Key:    key,
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_Sleep{Sleep: out},
	}, c.Warnings(), nil
}

// NormalizeNightlyRecharge decodes a nightly recharge body and, if given,
// the same night's sleep body to anchor it; see NightlyRechargeRecord.
func NormalizeNightlyRecharge(userID string, rechargeJSON, sleepJSON []byte, fallback *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	r, err := DecodeNightlyRecharge(rechargeJSON)
	if err != nil {
		return nil, nil, err
	}
	var night *Night
	if len(sleepJSON) > 0 {
		s, err := DecodeSleep(sleepJSON)
		if err != nil {
			return nil, nil, err
		}
		n, err := s.Night()
		if err != nil {
			return nil, nil, fmt.Errorf("nightly recharge %s: anchoring sleep: %w", r.Date, err)
		}
		night = &n
	}
	return NightlyRechargeRecord(userID, r, night, fallback, now)
}

// NightlyRechargeRecord builds the record for a nightly recharge: kind
// NIGHTLY_RECHARGE, key "nightly_recharge.<user>.<date>".
//
// Nightly recharge has no start time of its own. With night (from the
// same date's sleep, see Sleep.Night) its samples are placed exactly as
// the sleep's are. Without it they are placed by assumption: the night
// ends on the recharge's date, clock times from 12:00 are the evening
// before, in fallback's wall clock (the user's zone if the caller knows
// it; UTC if nil), so offsets may be wrong for users elsewhere.
//
// Values outside their plausible range are dropped and returned as
// warnings; a date outside plausible.Earliest to plausible.MaxAhead after
// now is an error wrapping plausible.ErrImpossible.
func NightlyRechargeRecord(userID string, r *NightlyRecharge, night *Night, fallback *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	if userID == "" || r.Date == "" {
		return nil, nil, fmt.Errorf("nightly recharge record needs user id and date (got %q, %q): %w", userID, r.Date, ErrInvalidPayload)
	}
	if night != nil && night.Date != "" && night.Date != r.Date {
		return nil, nil, fmt.Errorf("sleep of %s cannot anchor nightly recharge of %s: %w", night.Date, r.Date, ErrInvalidPayload)
	}
	if err := plausible.CheckDate("date", r.Date, now); err != nil {
		return nil, nil, fmt.Errorf("nightly recharge: %w: %w", err, ErrInvalidTime)
	}
	resolve := func(m map[string]float64) ([]Timed[float64], error) {
		if night != nil {
			return ResolveClockTimes(m, *night)
		}
		return resolveOnDate(m, r.Date, fallback)
	}
	hrv, err := resolve(r.HRVSamples)
	if err != nil {
		return nil, nil, fmt.Errorf("nightly recharge %s HRV: %w", r.Date, err)
	}
	breathing, err := resolve(r.BreathingSamples)
	if err != nil {
		return nil, nil, fmt.Errorf("nightly recharge %s breathing: %w", r.Date, err)
	}
	key := pluginapi.NightlyRechargeKey(userID, r.Date)
	c := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, key)
	out := &pluginapi.NightlyRecharge{
		Date:                  r.Date,
		HeartRateAvg:          c.Int32("heart_rate_avg", r.HeartRateAvg, plausible.HeartRate),
		BeatToBeatAvgMs:       c.Int32("beat_to_beat_avg_ms", r.BeatToBeatAvg, plausible.RRInterval),
		HrvAvgMs:              c.Int32("hrv_avg_ms", r.HeartRateVariabilityAvg, plausible.HRV),
		BreathingRateAvg:      c.Float("breathing_rate_avg", r.BreathingRateAvg, plausible.BreathingRate),
		NightlyRechargeStatus: c.Int32("nightly_recharge_status", r.NightlyRechargeStatus, plausible.NightlyRechargeStatus),
		AnsCharge:             c.Float("ans_charge", r.ANSCharge, plausible.ANSCharge),
		AnsChargeStatus:       c.Int32("ans_charge_status", r.ANSChargeStatus, plausible.ANSChargeStatus),
		Hrv:                   timedSeries(pluginapi.SampleType_SAMPLE_TYPE_HRV, keepTimed(c, "hrv", hrv, plausible.HRV)),
		BreathingRate:         timedSeries(pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE, keepTimed(c, "breathing_rate", breathing, plausible.BreathingRate)),
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
		Key:    key,
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_NightlyRecharge{NightlyRecharge: out},
	}, c.Warnings(), nil
}

// keepTimed returns the values in r; the others are counted against
// field in c.
func keepTimed(c *plausible.Checker, field string, values []Timed[float64], r plausible.Range) []Timed[float64] {
	return slices.DeleteFunc(values, func(v Timed[float64]) bool { return !c.Keep(field, v.Value, r) })
}

// timedSeries turns sorted timed values into a series starting at the
// first value; nil if there are none.
func timedSeries(t pluginapi.SampleType, values []Timed[float64]) *pluginapi.Series {
	if len(values) == 0 {
		return nil
	}
	start := values[0].At
	s := &pluginapi.Series{
		Type:     t,
		Start:    timestamp(start),
		OffsetMs: make([]int64, len(values)),
		Values:   make([]float64, len(values)),
	}
	for i, v := range values {
		s.OffsetMs[i] = v.At.Sub(start).Milliseconds()
		s.Values[i] = v.Value
	}
	return s
}
