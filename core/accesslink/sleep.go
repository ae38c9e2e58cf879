package accesslink

// Sleep is one night from GET /v3/users/sleep/{date}. Durations are in
// seconds. Hypnogram and HeartRateSamples are keyed by local clock time
// "HH:MM"; see ResolveClockTimes for how they become instants. Numbers
// are float64 whatever their documented type, as in Exercise.
type Sleep struct {
	PolarUser                 string  `json:"polar_user"`
	Date                      string  `json:"date"`             // result date, YYYY-MM-DD
	SleepStartTime            string  `json:"sleep_start_time"` // RFC 3339 with offset
	SleepEndTime              string  `json:"sleep_end_time"`   // RFC 3339 with offset
	DeviceID                  string  `json:"device_id"`
	Continuity                float64 `json:"continuity"`
	ContinuityClass           float64 `json:"continuity_class"`
	LightSleep                float64 `json:"light_sleep"`
	DeepSleep                 float64 `json:"deep_sleep"`
	REMSleep                  float64 `json:"rem_sleep"`
	UnrecognizedSleepStage    float64 `json:"unrecognized_sleep_stage"`
	SleepScore                float64 `json:"sleep_score"`
	TotalInterruptionDuration float64 `json:"total_interruption_duration"`
	SleepCharge               float64 `json:"sleep_charge"`
	SleepGoal                 float64 `json:"sleep_goal"`
	SleepRating               float64 `json:"sleep_rating"`
	ShortInterruptionDuration float64 `json:"short_interruption_duration"`
	LongInterruptionDuration  float64 `json:"long_interruption_duration"`
	SleepCycles               float64 `json:"sleep_cycles"`
	GroupDurationScore        float64 `json:"group_duration_score"`
	GroupSolidityScore        float64 `json:"group_solidity_score"`
	GroupRegenerationScore    float64 `json:"group_regeneration_score"`
	// Hypnogram maps a clock time to the sleep stage from then on.
	Hypnogram map[string]float64 `json:"hypnogram"`
	// HeartRateSamples maps a clock time to a 5-minute average in bpm.
	HeartRateSamples map[string]float64 `json:"heart_rate_samples"`
}

// Nights is the body of GET /v3/users/sleep.
type Nights struct {
	Nights []Sleep `json:"nights"`
}

// AvailableSleep is one entry of GET /v3/users/sleep/available.
type AvailableSleep struct {
	Date      string `json:"date"`
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
}

// AvailableSleeps is the body of GET /v3/users/sleep/available.
type AvailableSleeps struct {
	Available []AvailableSleep `json:"available"`
}

// NightlyRecharge is one night from GET /v3/users/nightly-recharge/{date}.
// It carries no start time of its own: see NormalizeNightlyRecharge.
type NightlyRecharge struct {
	PolarUser               string  `json:"polar_user"`
	Date                    string  `json:"date"`
	HeartRateAvg            float64 `json:"heart_rate_avg"`
	BeatToBeatAvg           float64 `json:"beat_to_beat_avg"`
	HeartRateVariabilityAvg float64 `json:"heart_rate_variability_avg"`
	BreathingRateAvg        float64 `json:"breathing_rate_avg"`
	NightlyRechargeStatus   float64 `json:"nightly_recharge_status"`
	ANSCharge               float64 `json:"ans_charge"`
	ANSChargeStatus         float64 `json:"ans_charge_status"`
	// HRVSamples maps a clock time to a 5-minute RMSSD average in ms.
	HRVSamples map[string]float64 `json:"hrv_samples"`
	// BreathingSamples maps a clock time to breaths per minute.
	BreathingSamples map[string]float64 `json:"breathing_samples"`
}

// Recharges is the body of GET /v3/users/nightly-recharge.
type Recharges struct {
	Recharges []NightlyRecharge `json:"recharges"`
}

// DecodeSleep decodes GET /v3/users/sleep/{date}.
func DecodeSleep(data []byte) (*Sleep, error) {
	var s Sleep
	if err := decodeJSON("sleep", data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// DecodeNights decodes GET /v3/users/sleep.
func DecodeNights(data []byte) ([]Sleep, error) {
	var n Nights
	if err := decodeJSON("sleep list", data, &n); err != nil {
		return nil, err
	}
	return n.Nights, nil
}

// DecodeAvailableSleeps decodes GET /v3/users/sleep/available.
func DecodeAvailableSleeps(data []byte) ([]AvailableSleep, error) {
	var a AvailableSleeps
	if err := decodeJSON("available sleeps", data, &a); err != nil {
		return nil, err
	}
	return a.Available, nil
}

// DecodeNightlyRecharge decodes GET /v3/users/nightly-recharge/{date}.
func DecodeNightlyRecharge(data []byte) (*NightlyRecharge, error) {
	var r NightlyRecharge
	if err := decodeJSON("nightly recharge", data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// DecodeRecharges decodes GET /v3/users/nightly-recharge.
func DecodeRecharges(data []byte) ([]NightlyRecharge, error) {
	var r Recharges
	if err := decodeJSON("nightly recharge list", data, &r); err != nil {
		return nil, err
	}
	return r.Recharges, nil
}
