package accesslink

import (
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// NormalizeSleep decodes a sleep body and builds its record; see
// SleepRecord.
func NormalizeSleep(userID string, sleepJSON []byte) (*pluginapi.Record, error) {
	s, err := DecodeSleep(sleepJSON)
	if err != nil {
		return nil, err
	}
	return SleepRecord(userID, s)
}

// SleepRecord builds the record for a night: kind SLEEP, key
// "sleep.<user>.<date>". Hypnogram and heart-rate samples are placed in
// time by ResolveClockTimes.
func SleepRecord(userID string, s *Sleep) (*pluginapi.Record, error) {
	if userID == "" || s.Date == "" {
		return nil, fmt.Errorf("sleep record needs user id and date (got %q, %q): %w", userID, s.Date, ErrInvalidPayload)
	}
	night, err := s.Night()
	if err != nil {
		return nil, fmt.Errorf("sleep %s: %w", s.Date, err)
	}
	hypnogram, err := ResolveClockTimes(s.Hypnogram, night)
	if err != nil {
		return nil, fmt.Errorf("sleep %s hypnogram: %w", s.Date, err)
	}
	hr, err := ResolveClockTimes(s.HeartRateSamples, night)
	if err != nil {
		return nil, fmt.Errorf("sleep %s heart rate: %w", s.Date, err)
	}
	out := &pluginapi.Sleep{
		Date:                     s.Date,
		Start:                    recordTime(night.Start),
		End:                      recordTime(night.End),
		DeviceId:                 s.DeviceID,
		LightSleepSeconds:        int32(s.LightSleep),
		DeepSleepSeconds:         int32(s.DeepSleep),
		RemSleepSeconds:          int32(s.REMSleep),
		UnrecognizedSleepSeconds: int32(s.UnrecognizedSleepStage),
		TotalInterruptionSeconds: int32(s.TotalInterruptionDuration),
		ShortInterruptionSeconds: int32(s.ShortInterruptionDuration),
		LongInterruptionSeconds:  int32(s.LongInterruptionDuration),
		SleepScore:               int32(s.SleepScore),
		SleepCharge:              int32(s.SleepCharge),
		SleepGoalSeconds:         int32(s.SleepGoal),
		SleepRating:              int32(s.SleepRating),
		SleepCycles:              int32(s.SleepCycles),
		Continuity:               s.Continuity,
		ContinuityClass:          int32(s.ContinuityClass),
		GroupDurationScore:       s.GroupDurationScore,
		GroupSolidityScore:       s.GroupSolidityScore,
		GroupRegenerationScore:   s.GroupRegenerationScore,
		HeartRate:                timedSeries(pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, hr),
	}
	for _, h := range hypnogram {
		out.Hypnogram = append(out.Hypnogram, &pluginapi.HypnogramSample{Time: recordTime(h.At), Stage: int32(h.Value)})
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_SLEEP,
		Key:    pluginapi.SleepKey(userID, s.Date),
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_Sleep{Sleep: out},
	}, nil
}

// NormalizeNightlyRecharge decodes a nightly recharge body and, if given,
// the same night's sleep body to anchor it; see NightlyRechargeRecord.
func NormalizeNightlyRecharge(userID string, rechargeJSON, sleepJSON []byte, fallback *time.Location) (*pluginapi.Record, error) {
	r, err := DecodeNightlyRecharge(rechargeJSON)
	if err != nil {
		return nil, err
	}
	var night *Night
	if len(sleepJSON) > 0 {
		s, err := DecodeSleep(sleepJSON)
		if err != nil {
			return nil, err
		}
		n, err := s.Night()
		if err != nil {
			return nil, fmt.Errorf("nightly recharge %s: anchoring sleep: %w", r.Date, err)
		}
		night = &n
	}
	return NightlyRechargeRecord(userID, r, night, fallback)
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
func NightlyRechargeRecord(userID string, r *NightlyRecharge, night *Night, fallback *time.Location) (*pluginapi.Record, error) {
	if userID == "" || r.Date == "" {
		return nil, fmt.Errorf("nightly recharge record needs user id and date (got %q, %q): %w", userID, r.Date, ErrInvalidPayload)
	}
	if night != nil && night.Date != "" && night.Date != r.Date {
		return nil, fmt.Errorf("sleep of %s cannot anchor nightly recharge of %s: %w", night.Date, r.Date, ErrInvalidPayload)
	}
	resolve := func(m map[string]float64) ([]Timed[float64], error) {
		if night != nil {
			return ResolveClockTimes(m, *night)
		}
		return resolveOnDate(m, r.Date, fallback)
	}
	hrv, err := resolve(r.HRVSamples)
	if err != nil {
		return nil, fmt.Errorf("nightly recharge %s HRV: %w", r.Date, err)
	}
	breathing, err := resolve(r.BreathingSamples)
	if err != nil {
		return nil, fmt.Errorf("nightly recharge %s breathing: %w", r.Date, err)
	}
	out := &pluginapi.NightlyRecharge{
		Date:                  r.Date,
		HeartRateAvg:          int32(r.HeartRateAvg),
		BeatToBeatAvgMs:       int32(r.BeatToBeatAvg),
		HrvAvgMs:              int32(r.HeartRateVariabilityAvg),
		BreathingRateAvg:      r.BreathingRateAvg,
		NightlyRechargeStatus: int32(r.NightlyRechargeStatus),
		AnsCharge:             r.ANSCharge,
		AnsChargeStatus:       int32(r.ANSChargeStatus),
		Hrv:                   timedSeries(pluginapi.SampleType_SAMPLE_TYPE_HRV, hrv),
		BreathingRate:         timedSeries(pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE, breathing),
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
		Key:    pluginapi.NightlyRechargeKey(userID, r.Date),
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_NightlyRecharge{NightlyRecharge: out},
	}, nil
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
