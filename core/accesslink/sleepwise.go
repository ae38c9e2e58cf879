package accesslink

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// SleepWiseAlertness is one entry of the documented "alertness" model.
// Times are documented as UTC and come without a zone
// ("2022-11-20T20:52:20", some with hundredths).
type SleepWiseAlertness struct {
	Grade                float64 `json:"grade"`
	GradeValiditySeconds int64   `json:"grade_validity_seconds"`
	GradeType            string  `json:"grade_type"`
	GradeClassification  string  `json:"grade_classification"`
	Validity             string  `json:"validity"`
	SleepInertia         string  `json:"sleep_inertia"`
	SleepType            string  `json:"sleep_type"`
	ResultType           string  `json:"result_type"`
	PeriodStartTime      string  `json:"period_start_time"`
	PeriodEndTime        string  `json:"period_end_time"`
	SleepPeriodStartTime string  `json:"sleep_period_start_time"`
	SleepPeriodEndTime   string  `json:"sleep_period_end_time"`
	// SleepTimezoneOffsetMinutes is nil when Polar leaves it out.
	SleepTimezoneOffsetMinutes *int32          `json:"sleep_timezone_offset_minutes"`
	HourlyData                 []AlertnessHour `json:"hourly_data"`
}

// AlertnessHour is the documented "alertness-hourly-data" model.
type AlertnessHour struct {
	Validity       string `json:"validity"`
	AlertnessLevel string `json:"alertness_level"`
	StartTime      string `json:"start_time"`
	EndTime        string `json:"end_time"`
}

// SleepWiseCircadianBedtime is one entry of the documented
// "circadian-bedtime" model; times as in SleepWiseAlertness.
type SleepWiseCircadianBedtime struct {
	Validity                      string `json:"validity"`
	Quality                       string `json:"quality"`
	ResultType                    string `json:"result_type"`
	PeriodStartTime               string `json:"period_start_time"`
	PeriodEndTime                 string `json:"period_end_time"`
	PreferredSleepPeriodStartTime string `json:"preferred_sleep_period_start_time"`
	PreferredSleepPeriodEndTime   string `json:"preferred_sleep_period_end_time"`
	SleepGateStartTime            string `json:"sleep_gate_start_time"`
	SleepGateEndTime              string `json:"sleep_gate_end_time"`
	SleepTimezoneOffsetMinutes    *int32 `json:"sleep_timezone_offset_minutes"`
}

// Documented SleepWise enumerations; a value outside them is kept as
// Polar sent it (exporters see Polar's strings).
var (
	GradeTypes           = []string{"GRADE_TYPE_UNKNOWN", "GRADE_TYPE_PRIMARY", "GRADE_TYPE_ADDITIONAL"}
	GradeClassifications = []string{"GRADE_CLASSIFICATION_UNKNOWN", "GRADE_CLASSIFICATION_WEAK", "GRADE_CLASSIFICATION_FAIR", "GRADE_CLASSIFICATION_STRONG", "GRADE_CLASSIFICATION_EXCELLENT"}
	Validities           = []string{"VALIDITY_UNKNOWN", "VALIDITY_RESET", "VALIDITY_NOT_VALID", "VALIDITY_ESTIMATE", "VALIDITY_VALID"}
	SleepInertias        = []string{"SLEEP_INERTIA_UNKNOWN", "SLEEP_INERTIA_NO_INERTIA", "SLEEP_INERTIA_MILD", "SLEEP_INERTIA_MODERATE", "SLEEP_INERTIA_HEAVY"}
	SleepTypes           = []string{"SLEEP_TYPE_UNKNOWN", "SLEEP_TYPE_PRIMARY", "SLEEP_TYPE_SECONDARY", "SLEEP_TYPE_ARTIFICIAL"}
	AlertnessResultTypes = []string{"ALERTNESS_TYPE_UNKNOWN", "ALERTNESS_TYPE_PREDICTION", "ALERTNESS_TYPE_HISTORY"}
	AlertnessLevels      = []string{"ALERTNESS_LEVEL_UNKNOWN", "ALERTNESS_LEVEL_MINIMAL", "ALERTNESS_LEVEL_VERY_LOW", "ALERTNESS_LEVEL_LOW", "ALERTNESS_LEVEL_HIGH", "ALERTNESS_LEVEL_VERY_HIGH"}
	BedtimeQualities     = []string{"CIRCADIAN_BEDTIME_QUALITY_UNKNOWN", "CIRCADIAN_BEDTIME_QUALITY_WEAK", "CIRCADIAN_BEDTIME_QUALITY_COMPROMISED", "CIRCADIAN_BEDTIME_QUALITY_CLEARLY_RECOGNIZABLE"}
	BedtimeResultTypes   = []string{"CIRCADIAN_BEDTIME_TYPE_UNKNOWN", "CIRCADIAN_BEDTIME_TYPE_PREDICTION", "CIRCADIAN_BEDTIME_TYPE_HISTORY"}
)

// DecodeSleepWiseAlertness decodes one alertness period.
func DecodeSleepWiseAlertness(data []byte) (*SleepWiseAlertness, error) {
	var a SleepWiseAlertness
	if err := decodeJSON("sleepwise alertness", data, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// DecodeSleepWiseCircadianBedtime decodes one circadian bedtime period.
func DecodeSleepWiseCircadianBedtime(data []byte) (*SleepWiseCircadianBedtime, error) {
	var c SleepWiseCircadianBedtime
	if err := decodeJSON("sleepwise circadian bedtime", data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// ParseUTC reads a time AccessLink documents as UTC: zone-less
// ("2022-11-20T20:52:20", fractional seconds allowed) is UTC; one with
// a Z or an offset is taken as it says.
func ParseUTC(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is not YYYY-MM-DDTHH:MM:SS: %w", s, ErrInvalidTime)
	}
	return t, nil
}

// ---- SleepWise (user token) ----

// ListSleepWiseAlertness returns each alertness period of the last 28
// days (GET /v3/users/sleepwise/alertness); none on 204.
func (c *Client) ListSleepWiseAlertness(ctx context.Context, token string) ([]json.RawMessage, error) {
	return c.array(ctx, call{method: http.MethodGet, path: "/v3/users/sleepwise/alertness", token: token})
}

// SleepWiseAlertnessRange returns the alertness periods of from..to, both
// inclusive, at most RangeMaxDays (GET
// /v3/users/sleepwise/alertness/date?from&to; both required).
func (c *Client) SleepWiseAlertnessRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error) {
	q, err := rangeQuery("sleepwise alertness", from, to)
	if err != nil {
		return nil, err
	}
	return c.array(ctx, call{method: http.MethodGet, path: "/v3/users/sleepwise/alertness/date", query: q, token: token})
}

// ListSleepWiseCircadianBedtime returns each circadian bedtime period of
// the last 28 days (GET /v3/users/sleepwise/circadian-bedtime).
func (c *Client) ListSleepWiseCircadianBedtime(ctx context.Context, token string) ([]json.RawMessage, error) {
	return c.array(ctx, call{method: http.MethodGet, path: "/v3/users/sleepwise/circadian-bedtime", token: token})
}

// SleepWiseCircadianBedtimeRange returns the circadian bedtime periods
// of from..to (GET /v3/users/sleepwise/circadian-bedtime/date?from&to).
// The webhook's url spells the path circadian_bedtime; the bridge builds
// its own, as the endpoint is documented.
func (c *Client) SleepWiseCircadianBedtimeRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error) {
	q, err := rangeQuery("sleepwise circadian bedtime", from, to)
	if err != nil {
		return nil, err
	}
	return c.array(ctx, call{method: http.MethodGet, path: "/v3/users/sleepwise/circadian-bedtime/date", query: q, token: token})
}

// LenientDate reads a webhook's from or to: YYYY-MM-DD, where a day past
// its month's end (the documented example's "2022-09-31") is taken as
// the month's last day, so the range still covers what was announced.
func LenientDate(s string) (time.Time, error) {
	parts := strings.Split(s, "-")
	if len(parts) == 3 && len(s) == len("2006-01-02") {
		var y, m, d int
		if _, err := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d); err == nil && m >= 1 && m <= 12 && d >= 1 && d <= 31 {
			last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			return time.Date(y, time.Month(m), min(d, last), 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD: %w", s, ErrInvalidPayload)
}
