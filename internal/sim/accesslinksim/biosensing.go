package accesslinksim

import (
	"math"
	"net/http"
	"time"
)

// SkinTemperature is the documented "skin-temperature" model.
type SkinTemperature struct {
	SleepTimeSkinTemperatureCelsius float64 `json:"sleep_time_skin_temperature_celsius"`
	DeviationFromBaselineCelsius    float64 `json:"deviation_from_baseline_celsius"`
	SleepDate                       string  `json:"sleep_date"`
}

// SkinContactChange is the documented "skin-contact-change" model.
type SkinContactChange struct {
	SkinContact                    bool  `json:"skin_contact"`
	RecordingTimeDeltaMilliseconds int64 `json:"recording_time_delta_milliseconds"`
}

// SkinContactPeriod is the documented "skin-contact-period" model.
type SkinContactPeriod struct {
	SourceDeviceID     string              `json:"source_device_id"`
	StartTime          string              `json:"start_time"`
	EndTime            string              `json:"end_time"`
	ModifiedTime       string              `json:"modified_time"`
	SkinContactChanges []SkinContactChange `json:"skin_contact_changes"`

	date string
}

// ECGSample and ECGQuality are the documented "ecg-sample" and
// "quality-measurement" models.
type ECGSample struct {
	RecordingTimeDeltaMS int32   `json:"recording_time_delta_ms"`
	AmplitudeMV          float64 `json:"amplitude_mv"`
}
type ECGQuality struct {
	RecordingTimeDeltaMS int32  `json:"recording_time_delta_ms"`
	QualityLevel         string `json:"quality_level"`
}

// ECGTest is the documented "ecg-test-result" model.
type ECGTest struct {
	SourceDeviceID               string       `json:"source_device_id"`
	TestTime                     int64        `json:"test_time"`
	TimeZoneOffset               int          `json:"time_zone_offset"`
	AverageHeartRateBPM          int          `json:"average_heart_rate_bpm"`
	HeartRateVariabilityMS       float64      `json:"heart_rate_variability_ms"`
	HeartRateVariabilityLevel    string       `json:"heart_rate_variability_level"`
	RRIMS                        float64      `json:"rri_ms"`
	PulseTransitTimeSystolicMS   float64      `json:"pulse_transit_time_systolic_ms"`
	PulseTransitTimeDiastolicMS  float64      `json:"pulse_transit_time_diastolic_ms"`
	PulseTransitTimeQualityIndex float64      `json:"pulse_transit_time_quality_index"`
	Samples                      []ECGSample  `json:"samples"`
	QualityMeasurements          []ECGQuality `json:"quality_measurements"`

	date string
}

// SpO2Test is the documented "spo2-test-result" model.
type SpO2Test struct {
	SourceDeviceID                 string  `json:"source_device_id"`
	TestTime                       int64   `json:"test_time"`
	TimeZoneOffset                 int     `json:"time_zone_offset"`
	TestStatus                     string  `json:"test_status"`
	BloodOxygenPercent             int     `json:"blood_oxygen_percent"`
	SpO2Class                      string  `json:"spo2_class"`
	SpO2ValueDeviationFromBaseline string  `json:"spo2_value_deviation_from_baseline"`
	SpO2QualityAveragePercent      float64 `json:"spo2_quality_average_percent"`
	AverageHeartRateBPM            int     `json:"average_heart_rate_bpm"`
	HeartRateVariabilityMS         float64 `json:"heart_rate_variability_ms"`
	SpO2HRVDeviationFromBaseline   string  `json:"spo2_hrv_deviation_from_baseline"`
	AltitudeMeters                 float64 `json:"altitude_meters"`

	date string
}

// Biosensing is a user's Elixir biosensing data as the API serves it now.
type Biosensing struct {
	SkinTemperatures []SkinTemperature
	SkinContacts     []SkinContactPeriod
	ECGTests         []ECGTest
	SpO2Tests        []SpO2Test
}

// ECGSampleRate is the simulated wrist ECG's rate (Hz), over 30 s.
const (
	ECGSampleRate = 130
	ecgSeconds    = 30
)

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func deviation(v, baseline, band float64) string {
	switch {
	case v < baseline-band:
		return "DEVIATION_BELOW_USUAL"
	case v > baseline+band:
		return "DEVIATION_ABOVE_USUAL"
	}
	return "DEVIATION_USUAL"
}

// biosensingLocked derives every night's biosensing data; callers hold
// s.mu. Tests taken after now are not there yet.
func (s *Simulator) biosensingLocked(u *user) Biosensing {
	now := s.now()
	base := s.rngFor(saltBaseline, uint64(u.id))
	tempBase := 33.2 + base.Float64()*1.2
	hrvBase := 30 + base.Float64()*40
	var out Biosensing
	tests := 0
	for _, n := range s.syncedNightsLocked(u) {
		rng := s.rngFor(saltBiosensing, uint64(u.id), uint64(dayNumber(n.end)))
		temp := round2(tempBase + rng.NormFloat64()*0.3)
		out.SkinTemperatures = append(out.SkinTemperatures, SkinTemperature{
			SleepTimeSkinTemperatureCelsius: temp, DeviationFromBaselineCelsius: round2(temp - tempBase), SleepDate: n.date,
		})
		span := n.end.Sub(n.start).Milliseconds()
		changes := []SkinContactChange{{SkinContact: true, RecordingTimeDeltaMilliseconds: 0}}
		if rng.Float64() < 0.4 { // the strap slipped for a while
			off := span / 4 * int64(1+rng.IntN(2))
			changes = append(changes, SkinContactChange{false, off}, SkinContactChange{true, off + int64(60_000+rng.IntN(600_000))})
		}
		changes = append(changes, SkinContactChange{false, span})
		out.SkinContacts = append(out.SkinContacts, SkinContactPeriod{
			SourceDeviceID: n.deviceID, StartTime: utc(n.start), EndTime: utc(n.end), ModifiedTime: utc(n.synced),
			SkinContactChanges: changes, date: n.date,
		})
		at := n.end.Add(time.Duration(20+rng.IntN(40)) * time.Minute).Truncate(time.Second)
		hr := 52 + rng.IntN(18)
		hrv := round2(hrvBase + rng.NormFloat64()*8)
		level := "ECG_HRV_LEVEL_NO_BASELINE"
		if tests >= 3 {
			level = map[string]string{"DEVIATION_BELOW_USUAL": "ECG_HRV_LEVEL_BELOW_USUAL", "DEVIATION_USUAL": "ECG_HRV_LEVEL_USUAL", "DEVIATION_ABOVE_USUAL": "ECG_HRV_LEVEL_ABOVE_USUAL"}[deviation(hrv, hrvBase, 8)]
		}
		if rng.Float64() < 0.3 && !at.After(now) {
			tests++
			out.ECGTests = append(out.ECGTests, genECG(rng, n.deviceID, at, hr, hrv, level, n.date))
		}
		at = at.Add(5 * time.Minute)
		if rng.Float64() < 0.3 && !at.After(now) {
			t := SpO2Test{
				SourceDeviceID: n.deviceID, TestTime: at.Unix(), TimeZoneOffset: offsetMinutes(at),
				TestStatus: "SPO2_TEST_PASSED", SpO2Class: "SPO2_CLASS_NORMAL",
				SpO2QualityAveragePercent: float64(80 + rng.IntN(20)), AverageHeartRateBPM: hr, HeartRateVariabilityMS: hrv,
				SpO2ValueDeviationFromBaseline: "DEVIATION_NO_BASELINE", SpO2HRVDeviationFromBaseline: "DEVIATION_NO_BASELINE",
				AltitudeMeters: u.city.alt, date: at.In(u.loc).Format(dateLayout),
			}
			t.BloodOxygenPercent = 93 + rng.IntN(7)
			if t.BloodOxygenPercent < 95 {
				t.SpO2Class = "SPO2_CLASS_LOW"
			}
			if len(out.SpO2Tests) >= 3 {
				t.SpO2ValueDeviationFromBaseline = deviation(float64(t.BloodOxygenPercent), 96, 1.5)
				t.SpO2HRVDeviationFromBaseline = deviation(hrv, hrvBase, 8)
			}
			if rng.Float64() < 0.1 {
				t.TestStatus = "SPO2_TEST_INCONCLUSIVE_TOO_LOW_OVERALL_QUALITY"
				t.SpO2Class, t.SpO2QualityAveragePercent = "SPO2_CLASS_UNKNOWN", float64(20+rng.IntN(30))
			}
			out.SpO2Tests = append(out.SpO2Tests, t)
		}
	}
	return out
}

// genECG draws a 30-s lead-I trace: a P wave, QRS complex and T wave per
// beat at hr, mostly high quality.
func genECG(rng interface{ NormFloat64() float64 }, device string, at time.Time, hr int, hrv float64, level, date string) ECGTest {
	rri := 60000 / float64(hr)
	t := ECGTest{
		SourceDeviceID: device, TestTime: at.Unix(), TimeZoneOffset: offsetMinutes(at), AverageHeartRateBPM: hr,
		HeartRateVariabilityMS: hrv, HeartRateVariabilityLevel: level, RRIMS: round2(rri),
		PulseTransitTimeSystolicMS: round2(220 + rng.NormFloat64()*10), PulseTransitTimeDiastolicMS: round2(270 + rng.NormFloat64()*10),
		PulseTransitTimeQualityIndex: round2(math.Min(100, 85+math.Abs(rng.NormFloat64())*5)), date: date,
	}
	bump := func(x, mu, sigma, a float64) float64 { return a * math.Exp(-(x-mu)*(x-mu)/(2*sigma*sigma)) }
	for i := range ecgSeconds * ECGSampleRate {
		ms := float64(i) * 1000 / ECGSampleRate
		x := math.Mod(ms, rri) / rri
		v := bump(x, 0.15, 0.025, 0.15) - bump(x, 0.27, 0.008, 0.1) + bump(x, 0.3, 0.01, 1.1) - bump(x, 0.33, 0.008, 0.25) + bump(x, 0.55, 0.05, 0.3)
		t.Samples = append(t.Samples, ECGSample{RecordingTimeDeltaMS: int32(ms), AmplitudeMV: math.Round((v+rng.NormFloat64()*0.01)*1000) / 1000})
	}
	for sec := range ecgSeconds {
		t.QualityMeasurements = append(t.QualityMeasurements, ECGQuality{RecordingTimeDeltaMS: int32(sec * 1000), QualityLevel: "ECG_QUALITY_HIGH"})
	}
	return t
}

// BiosensingData returns the user's biosensing data as served now (no
// 28-day limit).
func (s *Simulator) BiosensingData(userID int64) Biosensing {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	if u == nil {
		return Biosensing{}
	}
	return s.biosensingLocked(u)
}

// Date is the local date an entry is listed under in a range.
func (c SkinContactPeriod) Date() string { return c.date }
func (t ECGTest) Date() string           { return t.date }
func (t SpO2Test) Date() string          { return t.date }

// handleBiosensing serves one endpoint, each counted under its own path.
func (s *Simulator) handleBiosensing(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.serveBiosensing(w, r, kind) }
}

func (s *Simulator) serveBiosensing(w http.ResponseWriter, r *http.Request, kind string) {
	u, ok := s.authRegistered(w, r)
	if !ok {
		return
	}
	from, to, ok := s.dayRange(w, r, u, false)
	if !ok {
		return
	}
	b := s.BiosensingData(u.id)
	switch kind {
	case "skintemperature":
		writeList(w, filter(b.SkinTemperatures, func(v SkinTemperature) bool { return inRange(v.SleepDate, from, to) }))
	case "skincontacts":
		writeList(w, filter(b.SkinContacts, func(v SkinContactPeriod) bool { return inRange(v.date, from, to) }))
	case "ecg":
		writeList(w, filter(b.ECGTests, func(v ECGTest) bool { return inRange(v.date, from, to) }))
	case "spo2":
		writeList(w, filter(b.SpO2Tests, func(v SpO2Test) bool { return inRange(v.date, from, to) }))
	default:
		writeError(w, s.now(), http.StatusNotFound, "NOT_FOUND", "no such resource")
	}
}

func filter[T any](list []T, keep func(T) bool) []T {
	var out []T
	for _, v := range list {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}
