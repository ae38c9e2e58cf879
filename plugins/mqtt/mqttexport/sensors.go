package mqttexport

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Sensor is one Home Assistant sensor: a value in a group of the
// device's state.
type Sensor struct {
	Key         string // its key in the group, e.g. "score"
	Name        string // entity name, after the device's name
	Unit        string
	DeviceClass string
	StateClass  string
	Options     []string // for device class enum
	Icon        string
}

// Group is the sensors one record kind feeds. Each group in a device's
// state holds the values of one record: the latest one by its Order.
type Group struct {
	Name    string // key in the state JSON, e.g. "sleep"
	Kind    pluginapi.RecordKind
	Sensors []Sensor
}

// Reading is what one record says for its group.
type Reading struct {
	Group string
	// Order puts readings of a group in time order (RFC 3339 UTC, or a
	// date for day-based kinds); an older one never replaces a newer.
	Order string
	// MeasuredAt is the measurement's own time (RFC 3339 with the local
	// offset, or a date), shown as the sensors' measured_at attribute.
	MeasuredAt string
	Values     map[string]any
	// Skip says why a record has nothing to publish.
	Skip string
}

const (
	bpm         = "bpm"
	measurement = "measurement"
	total       = "total_increasing"
)

// RechargeStatuses are Polar's Nightly Recharge statuses, 1 to 6.
var RechargeStatuses = []string{"very poor", "poor", "compromised", "ok", "good", "very good"}

// CardioLoadStatuses are Polar's cardio load statuses, lower-cased.
var CardioLoadStatuses = []string{"not available", "detraining", "maintaining", "productive", "overreaching"}

// Groups are every group a Polar user's device can have, in the order
// their sensors are announced.
var Groups = []Group{
	{Name: "sleep", Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Sensors: []Sensor{
		{Key: "duration", Name: "Sleep duration", Unit: "h", DeviceClass: "duration", StateClass: measurement, Icon: "mdi:sleep"},
		{Key: "score", Name: "Sleep score", StateClass: measurement, Icon: "mdi:sleep"},
		{Key: "start", Name: "Sleep start", DeviceClass: "timestamp"},
		{Key: "end", Name: "Sleep end", DeviceClass: "timestamp"},
	}},
	{Name: "recharge", Kind: pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE, Sensors: []Sensor{
		{Key: "status", Name: "Nightly Recharge", DeviceClass: "enum", Options: RechargeStatuses, Icon: "mdi:battery-heart-variant"},
		{Key: "ans_charge", Name: "ANS charge", StateClass: measurement, Icon: "mdi:battery-heart-variant"},
		{Key: "hrv", Name: "HRV", Unit: "ms", StateClass: measurement, Icon: "mdi:heart-pulse"},
		{Key: "breathing_rate", Name: "Breathing rate", Unit: "br/min", StateClass: measurement, Icon: "mdi:lungs"},
		{Key: "heart_rate", Name: "Sleeping heart rate", Unit: bpm, StateClass: measurement, Icon: "mdi:heart-pulse"},
	}},
	{Name: "exercise", Kind: pluginapi.RecordKind_RECORD_KIND_EXERCISE, Sensors: []Sensor{
		{Key: "sport", Name: "Last exercise", Icon: "mdi:run"},
		{Key: "start", Name: "Last exercise start", DeviceClass: "timestamp"},
		{Key: "duration", Name: "Last exercise duration", Unit: "min", DeviceClass: "duration", StateClass: measurement},
		{Key: "distance", Name: "Last exercise distance", Unit: "km", DeviceClass: "distance", StateClass: measurement},
		{Key: "calories", Name: "Last exercise calories", Unit: "kcal", StateClass: measurement, Icon: "mdi:fire"},
		{Key: "training_load", Name: "Last exercise training load", StateClass: measurement},
		{Key: "heart_rate", Name: "Last exercise heart rate", Unit: bpm, StateClass: measurement, Icon: "mdi:heart-pulse"},
	}},
	{Name: "activity", Kind: pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, Sensors: []Sensor{
		{Key: "steps", Name: "Steps today", StateClass: total, Icon: "mdi:walk"},
		{Key: "active_calories", Name: "Active calories today", Unit: "kcal", DeviceClass: "energy", StateClass: total},
		{Key: "calories", Name: "Calories today", Unit: "kcal", DeviceClass: "energy", StateClass: total},
	}},
	{Name: "cardio_load", Kind: pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD, Sensors: []Sensor{
		{Key: "status", Name: "Cardio load status", DeviceClass: "enum", Options: CardioLoadStatuses, Icon: "mdi:chart-bell-curve"},
		{Key: "load", Name: "Cardio load", StateClass: measurement},
		{Key: "strain", Name: "Cardio strain", StateClass: measurement},
		{Key: "tolerance", Name: "Cardio tolerance", StateClass: measurement},
	}},
	{Name: "physical", Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Sensors: []Sensor{
		{Key: "resting_heart_rate", Name: "Resting heart rate", Unit: bpm, StateClass: measurement, Icon: "mdi:heart"},
		{Key: "weight", Name: "Weight", Unit: "kg", DeviceClass: "weight", StateClass: measurement},
		{Key: "vo2max", Name: "VO2max", Unit: "mL/kg/min", StateClass: measurement},
	}},
	{Name: "spo2", Kind: pluginapi.RecordKind_RECORD_KIND_SPO2_TEST, Sensors: []Sensor{
		{Key: "spo2", Name: "SpO2", Unit: "%", StateClass: measurement, Icon: "mdi:water-percent"},
	}},
	{Name: "skin_temperature", Kind: pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE, Sensors: []Sensor{
		{Key: "temperature", Name: "Skin temperature", Unit: "°C", DeviceClass: "temperature", StateClass: measurement},
		{Key: "deviation", Name: "Skin temperature deviation", Unit: "°C", DeviceClass: "temperature_delta", StateClass: measurement},
	}},
	{Name: "alertness", Kind: pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS, Sensors: []Sensor{
		{Key: "grade", Name: "SleepWise alertness", StateClass: measurement, Icon: "mdi:brain"},
		{Key: "classification", Name: "SleepWise alertness level", Icon: "mdi:brain"},
	}},
}

// PlayerGroup is the group of a Team Pro player's device.
var PlayerGroup = Group{Name: "team_session", Kind: pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION, Sensors: []Sensor{
	{Key: "name", Name: "Last team session", Icon: "mdi:soccer"},
	{Key: "start", Name: "Last team session start", DeviceClass: "timestamp"},
	{Key: "duration", Name: "Last team session duration", Unit: "min", DeviceClass: "duration", StateClass: measurement},
	{Key: "distance", Name: "Last team session distance", Unit: "km", DeviceClass: "distance", StateClass: measurement},
	{Key: "heart_rate", Name: "Last team session heart rate", Unit: bpm, StateClass: measurement, Icon: "mdi:heart-pulse"},
	{Key: "training_load", Name: "Last team session training load", StateClass: measurement},
}}

// allGroups are a user's groups and the player's, in announcement order.
var allGroups = append(slices.Clip(Groups), PlayerGroup)

// Kinds are the record kinds the plugin accepts.
func Kinds() []pluginapi.RecordKind {
	kinds := make([]pluginapi.RecordKind, 0, len(allGroups))
	for _, g := range allGroups {
		kinds = append(kinds, g.Kind)
	}
	return kinds
}

func groupByName(name string) (Group, bool) {
	for _, g := range allGroups {
		if g.Name == name {
			return g, true
		}
	}
	return Group{}, false
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// local is a record time as RFC 3339 with its offset; utc the same in
// UTC (sortable); both "" for nil.
func local(t *pluginapi.Time) string {
	if t.GetUtc() == nil {
		return ""
	}
	return t.Local().Format(time.RFC3339)
}

func utc(t *pluginapi.Time) string {
	if t.GetUtc() == nil {
		return ""
	}
	return t.GetUtc().AsTime().UTC().Format(time.RFC3339)
}

// set adds v unless it is zero (Polar's "no value").
func set[T int32 | int64 | float64](m map[string]any, key string, v T) {
	if v != 0 {
		m[key] = v
	}
}

// ReadingOf maps a record to its group's values (units and choices in
// README.md).
func ReadingOf(rec *pluginapi.Record) (Reading, bool) {
	v := map[string]any{}
	r := Reading{Values: v}
	switch rec.GetKind() {
	case pluginapi.RecordKind_RECORD_KIND_SLEEP:
		s := rec.GetSleep()
		r.Group, r.Order, r.MeasuredAt = "sleep", utc(s.GetEnd()), local(s.GetEnd())
		if r.Order == "" {
			r.Order, r.MeasuredAt = s.GetDate(), s.GetDate()
		}
		asleep := s.GetLightSleepSeconds() + s.GetDeepSleepSeconds() + s.GetRemSleepSeconds() + s.GetUnrecognizedSleepSeconds()
		set(v, "duration", round(float64(asleep)/3600, 2))
		set(v, "score", s.GetSleepScore())
		if st := local(s.GetStart()); st != "" {
			v["start"] = st
		}
		if e := local(s.GetEnd()); e != "" {
			v["end"] = e
		}
	case pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE:
		n := rec.GetNightlyRecharge()
		r.Group, r.Order, r.MeasuredAt = "recharge", n.GetDate(), n.GetDate()
		if st := n.GetNightlyRechargeStatus(); st >= 1 && int(st) <= len(RechargeStatuses) {
			v["status"] = RechargeStatuses[st-1]
		}
		set(v, "ans_charge", n.GetAnsCharge())
		set(v, "hrv", n.GetHrvAvgMs())
		set(v, "breathing_rate", n.GetBreathingRateAvg())
		set(v, "heart_rate", n.GetHeartRateAvg())
	case pluginapi.RecordKind_RECORD_KIND_EXERCISE:
		ex := rec.GetExercise()
		r.Group, r.Order, r.MeasuredAt = "exercise", utc(ex.GetStart()), local(ex.GetStart())
		v["sport"] = pluginapi.NewExerciseTemplateData(rec, pluginapi.ActivityType{}).DetailedSportTitle
		if st := local(ex.GetStart()); st != "" {
			v["start"] = st
		}
		set(v, "duration", round(ex.GetDurationSeconds()/60, 1))
		set(v, "distance", round(ex.GetDistanceMeters()/1000, 2))
		set(v, "calories", ex.GetCalories())
		set(v, "training_load", round(ex.GetTrainingLoad(), 1))
		set(v, "heart_rate", ex.GetHeartRateAvg())
	case pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY:
		a := rec.GetDailyActivity()
		r.Group, r.Order, r.MeasuredAt = "activity", a.GetDate(), a.GetDate()
		v["steps"] = a.GetActiveSteps() // 0 is a day's start, not "no value"
		v["active_calories"] = a.GetActiveCalories()
		v["calories"] = a.GetCalories()
	case pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD:
		c := rec.GetCardioLoad()
		r.Group, r.Order, r.MeasuredAt = "cardio_load", c.GetDate(), c.GetDate()
		st := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(c.GetStatus(), "LOAD_STATUS_")), "_", " ")
		if st != "" && st != "unrecognized" {
			v["status"] = st
		}
		v["load"] = round(c.GetCardioLoad(), 1)
		v["strain"] = round(c.GetStrain(), 1)
		v["tolerance"] = round(c.GetTolerance(), 1)
	case pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION:
		p := rec.GetPhysicalInformation()
		r.Group, r.Order, r.MeasuredAt = "physical", utc(p.GetCreated()), local(p.GetCreated())
		set(v, "resting_heart_rate", p.GetRestingHeartRate())
		set(v, "weight", p.GetWeightKg())
		set(v, "vo2max", p.GetVo2Max())
	case pluginapi.RecordKind_RECORD_KIND_SPO2_TEST:
		s := rec.GetSpo2Test()
		r.Group, r.Order, r.MeasuredAt = "spo2", utc(s.GetTestTime()), local(s.GetTestTime())
		if s.GetTestStatus() != "SPO2_TEST_PASSED" {
			r.Skip = "the SpO2 test was inconclusive (" + s.GetTestStatus() + ")"
		}
		set(v, "spo2", s.GetBloodOxygenPercent())
	case pluginapi.RecordKind_RECORD_KIND_SKIN_TEMPERATURE:
		s := rec.GetSkinTemperature()
		r.Group, r.Order, r.MeasuredAt = "skin_temperature", s.GetSleepDate(), s.GetSleepDate()
		set(v, "temperature", round(s.GetSleepTimeSkinTemperatureCelsius(), 2))
		v["deviation"] = round(s.GetDeviationFromBaselineCelsius(), 2)
	case pluginapi.RecordKind_RECORD_KIND_SLEEPWISE_ALERTNESS:
		a := rec.GetSleepwiseAlertness()
		r.Group, r.Order, r.MeasuredAt = "alertness", utc(a.GetPeriodStart()), local(a.GetPeriodStart())
		set(v, "grade", round(a.GetGrade(), 1))
		if c := strings.TrimPrefix(a.GetGradeClassification(), "GRADE_CLASSIFICATION_"); c != "" {
			v["classification"] = strings.ReplaceAll(strings.ToLower(c), "_", " ")
		}
	case pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION:
		p := rec.GetPlayerSession()
		r.Group, r.Order, r.MeasuredAt = "team_session", utc(p.GetStart()), local(p.GetStart())
		v["name"] = p.GetName()
		if st := local(p.GetStart()); st != "" {
			v["start"] = st
		}
		set(v, "duration", round(p.GetDurationSeconds()/60, 1))
		set(v, "distance", round(p.GetDistanceMeters()/1000, 2))
		set(v, "heart_rate", p.GetHeartRateAvg())
		set(v, "training_load", round(p.GetTrainingLoad(), 1))
	default:
		return r, false
	}
	if r.Order == "" {
		r.Skip = "the record has no time to order it by"
	}
	return r, true
}
