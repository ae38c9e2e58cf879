package pluginapi

import "time"

// Record keys name a record across its versions: an exporter that sees a
// key again replaces what it wrote for it. They are built here, and only
// here, so the sources, the poller's seen-state and every exporter agree.

// ExerciseKey is "exercise.<user>.<exercise id>" (AccessLink's hashed id).
func ExerciseKey(userID, exerciseID string) string { return "exercise." + userID + "." + exerciseID }

// SleepKey is "sleep.<user>.<date>", the local date the night ended on.
func SleepKey(userID, date string) string { return "sleep." + userID + "." + date }

// NightlyRechargeKey is "nightly_recharge.<user>.<date>".
func NightlyRechargeKey(userID, date string) string {
	return "nightly_recharge." + userID + "." + date
}

// TeamSessionKey is "team_session.<team id>.<session id>" (Team Pro).
func TeamSessionKey(teamID, sessionID string) string {
	return "team_session." + teamID + "." + sessionID
}

// PlayerSessionKey is "player_session.<team id>.<player session id>".
func PlayerSessionKey(teamID, playerSessionID string) string {
	return "player_session." + teamID + "." + playerSessionID
}

// CardioLoadKey is "cardio_load.<user>.<date>", the user's local day.
func CardioLoadKey(userID, date string) string { return "cardio_load." + userID + "." + date }

// ContinuousHeartRateKey is "continuous_heart_rate.<user>.<date>", the
// user's local day of 24/7 heart rate.
func ContinuousHeartRateKey(userID, date string) string {
	return "continuous_heart_rate." + userID + "." + date
}

// DailyActivityKey is "daily_activity.<user>.<date>", the user's local day.
func DailyActivityKey(userID, date string) string { return "daily_activity." + userID + "." + date }

// PhysicalInformationKey is "physical_information.<user>.<id>", Polar's id
// of the entry (its created time when Polar sends no id).
func PhysicalInformationKey(userID, id string) string {
	return "physical_information." + userID + "." + id
}

// keyTime is how an instant names a record: UTC, to the second, with no
// characters that NATS KV keys or file names refuse.
const keyTime = "20060102T150405Z"

// SleepWiseAlertnessKey is "sleepwise_alertness.<user>.<period start>",
// the start in UTC as 20060102T150405Z.
func SleepWiseAlertnessKey(userID string, periodStart time.Time) string {
	return "sleepwise_alertness." + userID + "." + periodStart.UTC().Format(keyTime)
}

// SleepWiseCircadianBedtimeKey is
// "sleepwise_circadian_bedtime.<user>.<period start>", as alertness.
func SleepWiseCircadianBedtimeKey(userID string, periodStart time.Time) string {
	return "sleepwise_circadian_bedtime." + userID + "." + periodStart.UTC().Format(keyTime)
}

// SkinTemperatureKey is "skin_temperature.<user>.<sleep date>".
func SkinTemperatureKey(userID, sleepDate string) string {
	return "skin_temperature." + userID + "." + sleepDate
}

// SkinContactsKey is "skin_contacts.<user>.<period start>" (UTC, as above).
func SkinContactsKey(userID string, start time.Time) string {
	return "skin_contacts." + userID + "." + start.UTC().Format(keyTime)
}

// ECGTestKey is "ecg_test.<user>.<test time>" (UTC, as above).
func ECGTestKey(userID string, testTime time.Time) string {
	return "ecg_test." + userID + "." + testTime.UTC().Format(keyTime)
}

// SpO2TestKey is "spo2_test.<user>.<test time>" (UTC, as above).
func SpO2TestKey(userID string, testTime time.Time) string {
	return "spo2_test." + userID + "." + testTime.UTC().Format(keyTime)
}
