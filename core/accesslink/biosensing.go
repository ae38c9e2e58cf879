package accesslink

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Biosensing names one Elixir biosensing endpoint: GET
// /v3/users/biosensing/<Biosensing>?from&to.
type Biosensing string

// The Elixir biosensing endpoints.
const (
	BiosensingSkinTemperature Biosensing = "skintemperature"
	BiosensingSkinContacts    Biosensing = "skincontacts"
	BiosensingECG             Biosensing = "ecg"
	BiosensingSpO2            Biosensing = "spo2"
)

// SkinTemperature is the documented "skin-temperature" model.
type SkinTemperature struct {
	SleepTimeSkinTemperatureCelsius float64 `json:"sleep_time_skin_temperature_celsius"`
	DeviationFromBaselineCelsius    float64 `json:"deviation_from_baseline_celsius"`
	SleepDate                       string  `json:"sleep_date"`
}

// SkinContactPeriod is the documented "skin-contact-period" model; its
// times are UTC without a zone.
type SkinContactPeriod struct {
	SourceDeviceID     string              `json:"source_device_id"`
	StartTime          string              `json:"start_time"`
	EndTime            string              `json:"end_time"`
	ModifiedTime       string              `json:"modified_time"`
	SkinContactChanges []SkinContactChange `json:"skin_contact_changes"`
}

// SkinContactChange is the documented "skin-contact-change" model.
type SkinContactChange struct {
	SkinContact                    bool  `json:"skin_contact"`
	RecordingTimeDeltaMilliseconds int64 `json:"recording_time_delta_milliseconds"`
}

// ECGTest is the documented "ecg-test-result" model: test_time is Unix
// seconds, time_zone_offset minutes east of UTC.
type ECGTest struct {
	SourceDeviceID               string               `json:"source_device_id"`
	TestTime                     int64                `json:"test_time"`
	TimeZoneOffset               *int32               `json:"time_zone_offset"`
	AverageHeartRateBPM          uint32               `json:"average_heart_rate_bpm"`
	HeartRateVariabilityMS       float64              `json:"heart_rate_variability_ms"`
	HeartRateVariabilityLevel    string               `json:"heart_rate_variability_level"`
	RRIMS                        float64              `json:"rri_ms"`
	PulseTransitTimeSystolicMS   float64              `json:"pulse_transit_time_systolic_ms"`
	PulseTransitTimeDiastolicMS  float64              `json:"pulse_transit_time_diastolic_ms"`
	PulseTransitTimeQualityIndex float64              `json:"pulse_transit_time_quality_index"`
	Samples                      []ECGSample          `json:"samples"`
	QualityMeasurements          []ECGQualityMeasured `json:"quality_measurements"`
}

// ECGSample is the documented "ecg-sample" model.
type ECGSample struct {
	RecordingTimeDeltaMS int32   `json:"recording_time_delta_ms"`
	AmplitudeMV          float64 `json:"amplitude_mv"`
}

// ECGQualityMeasured is the documented "quality-measurement" model.
type ECGQualityMeasured struct {
	RecordingTimeDeltaMS int32  `json:"recording_time_delta_ms"`
	QualityLevel         string `json:"quality_level"`
}

// SpO2Test is the documented "spo2-test-result" model.
type SpO2Test struct {
	SourceDeviceID                 string  `json:"source_device_id"`
	TestTime                       int64   `json:"test_time"`
	TimeZoneOffset                 *int32  `json:"time_zone_offset"`
	TestStatus                     string  `json:"test_status"`
	BloodOxygenPercent             float64 `json:"blood_oxygen_percent"` // integer(int32), read wide for the range check
	SpO2Class                      string  `json:"spo2_class"`
	SpO2ValueDeviationFromBaseline string  `json:"spo2_value_deviation_from_baseline"`
	SpO2QualityAveragePercent      float64 `json:"spo2_quality_average_percent"`
	AverageHeartRateBPM            float64 `json:"average_heart_rate_bpm"` // integer(uint32), read wide
	HeartRateVariabilityMS         float64 `json:"heart_rate_variability_ms"`
	SpO2HRVDeviationFromBaseline   string  `json:"spo2_hrv_deviation_from_baseline"`
	AltitudeMeters                 float64 `json:"altitude_meters"`
}

// Documented biosensing enumerations, kept as Polar's strings.
var (
	ECGHRVLevels   = []string{"ECG_HRV_LEVEL_NO_BASELINE", "ECG_HRV_LEVEL_BELOW_USUAL", "ECG_HRV_LEVEL_USUAL", "ECG_HRV_LEVEL_ABOVE_USUAL"}
	ECGQualities   = []string{"ECG_QUALITY_UNKNOWN", "ECG_QUALITY_NO_CONTACT", "ECG_QUALITY_LOW", "ECG_QUALITY_HIGH"}
	SpO2TestStatus = []string{"SPO2_TEST_PASSED", "SPO2_TEST_INCONCLUSIVE_TOO_LOW_QUALITY_IN_SAMPLES", "SPO2_TEST_INCONCLUSIVE_TOO_LOW_OVERALL_QUALITY", "SPO2_TEST_INCONCLUSIVE_TOO_MANY_MISSING_SAMPLES"}
	SpO2Classes    = []string{"SPO2_CLASS_UNKNOWN", "SPO2_CLASS_VERY_LOW", "SPO2_CLASS_LOW", "SPO2_CLASS_NORMAL"}
	SpO2Deviations = []string{"DEVIATION_NO_BASELINE", "DEVIATION_BELOW_USUAL", "DEVIATION_USUAL", "DEVIATION_ABOVE_USUAL"}
)

// Biosensing returns the entries of one biosensing endpoint for from..to
// (both inclusive, at most RangeMaxDays), or, with both empty, for the
// last 28 days as Polar defaults; none on 204.
func (c *Client) Biosensing(ctx context.Context, token string, kind Biosensing, from, to string) ([]json.RawMessage, error) {
	switch kind {
	case BiosensingSkinTemperature, BiosensingSkinContacts, BiosensingECG, BiosensingSpO2:
	default:
		return nil, fmt.Errorf("accesslink: no biosensing endpoint %q: %w", kind, ErrInvalidArgument)
	}
	cl := call{method: http.MethodGet, path: "/v3/users/biosensing/" + string(kind), token: token}
	if from != "" || to != "" {
		q, err := rangeQuery("biosensing "+string(kind), from, to)
		if err != nil {
			return nil, err
		}
		cl.query = q
	}
	return c.array(ctx, cl)
}
