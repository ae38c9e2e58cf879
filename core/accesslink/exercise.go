package accesslink

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Exercise is a training session summary, from either
// GET /v3/users/{user-id}/exercise-transactions/{tid}/exercises/{id}
// (integer id, hyphenated keys) or GET /v3/exercises[/{hashed-id}]
// (string id, mostly snake_case keys, optional inline samples and zones).
// Both spellings decode into the same fields.
//
// Measured values are float64 whatever type Polar documents (calories is
// "int32"): decoding never overflows, and normalization range-checks each
// value (package plausible) before narrowing it to the record's field.
type Exercise struct {
	ID            FlexString `json:"id"`
	UploadTime    string     `json:"upload-time"` // kept verbatim: the docs' own example is not RFC 3339
	PolarUser     string     `json:"polar-user"`
	TransactionID int64      `json:"transaction-id"`
	Device        string     `json:"device"`
	DeviceID      string     `json:"device-id"`
	// StartTime is local time without a zone, e.g. "2008-10-13T10:40:02".
	StartTime string `json:"start-time"`
	// StartTimeUTCOffset is in minutes; nil when absent.
	StartTimeUTCOffset *int              `json:"start-time-utc-offset"`
	Duration           string            `json:"duration"` // ISO 8601, e.g. "PT2H44M45S"
	Calories           float64           `json:"calories"` // kcal
	Distance           float64           `json:"distance"` // metres
	HeartRate          HeartRate         `json:"heart-rate"`
	TrainingLoad       float64           `json:"training-load"`
	Sport              string            `json:"sport"`
	HasRoute           bool              `json:"has-route"`
	ClubID             int64             `json:"club-id"`
	ClubName           string            `json:"club-name"`
	DetailedSportInfo  string            `json:"detailed-sport-info"`
	FatPercentage      float64           `json:"fat-percentage"`
	CarbPercentage     float64           `json:"carbohydrate-percentage"`
	ProteinPercentage  float64           `json:"protein-percentage"`
	RunningIndex       float64           `json:"running-index"`
	TrainingLoadPro    []TrainingLoadPro `json:"training-load-pro"`
	// Returned by the hashed-id endpoints with ?zones=true / ?samples=true.
	HeartRateZones []Zone   `json:"heart-rate-zones"`
	Samples        []Sample `json:"samples"`
}

// SummaryFingerprint identifies the exercise's summary whichever call
// gave it: GET /v3/exercises (a list entry, no samples) or GET
// /v3/exercises/{id} with samples and zones; an edit in Flow changes it.
// It hashes the decoded fields, not the body, so spelling, key order and
// the inline samples and zones do not count.
func (e *Exercise) SummaryFingerprint() string {
	summary := *e
	summary.Samples, summary.HeartRateZones = nil, nil
	b, err := json.Marshal(summary)
	if err != nil {
		return "" // not reached: every field marshals; "" matches nothing
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// UnmarshalJSON accepts both the hyphenated and the snake_case spelling.
func (e *Exercise) UnmarshalJSON(data []byte) error {
	type plain Exercise // no UnmarshalJSON: no recursion
	return unmarshalHyphenated(data, (*plain)(e))
}

// HeartRate holds an exercise's heart-rate statistics in bpm.
type HeartRate struct {
	Average float64 `json:"average"`
	Maximum float64 `json:"maximum"`
}

// TrainingLoadPro is a Training Load Pro entry of an exercise.
type TrainingLoadPro struct {
	Date                        string  `json:"date"`
	CardioLoad                  float64 `json:"cardio-load"`
	MuscleLoad                  float64 `json:"muscle-load"`
	PerceivedLoad               float64 `json:"perceived-load"`
	CardioLoadInterpretation    string  `json:"cardio-load-interpretation"`
	MuscleLoadInterpretation    string  `json:"muscle-load-interpretation"`
	PerceivedLoadInterpretation string  `json:"perceived-load-interpretation"`
	UserRPE                     string  `json:"user-rpe"`
}

func (t *TrainingLoadPro) UnmarshalJSON(data []byte) error {
	type plain TrainingLoadPro
	return unmarshalHyphenated(data, (*plain)(t))
}

// Zone is a heart-rate zone of an exercise.
type Zone struct {
	Index      int64   `json:"index"`
	LowerLimit float64 `json:"lower-limit"` // bpm
	UpperLimit float64 `json:"upper-limit"` // bpm
	InZone     string  `json:"in-zone"`     // ISO 8601 duration
}

func (z *Zone) UnmarshalJSON(data []byte) error {
	type plain Zone
	return unmarshalHyphenated(data, (*plain)(z))
}

// Zones is the body of .../exercises/{id}/heart-rate-zones.
type Zones struct {
	Zone []Zone `json:"zone"`
}

// Sample is one sample series of an exercise
// (.../exercises/{id}/samples/{type-id}, or inline with ?samples=true).
type Sample struct {
	// RecordingRate is the sample interval in seconds; 0 (null in JSON)
	// for RR intervals.
	RecordingRate int64      `json:"recording-rate"`
	SampleType    FlexString `json:"sample-type"`
	// Data holds comma-separated values; RR data may contain NULL.
	Data string `json:"data"`
}

func (s *Sample) UnmarshalJSON(data []byte) error {
	type plain Sample
	return unmarshalHyphenated(data, (*plain)(s))
}

// SampleLinks is the body of .../exercises/{id}/samples.
type SampleLinks struct {
	Samples []string `json:"samples"`
}

// ExerciseLinks is the body of .../exercise-transactions/{tid}.
type ExerciseLinks struct {
	Exercises []string `json:"exercises"`
}

// TransactionLocation is the body of a created transaction.
type TransactionLocation struct {
	TransactionID int64  `json:"transaction-id"`
	ResourceURI   string `json:"resource-uri"`
}

// DecodeExercise decodes one exercise of either API shape.
func DecodeExercise(data []byte) (*Exercise, error) {
	var e Exercise
	if err := decodeJSON("exercise", data, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// DecodeExercises decodes the GET /v3/exercises list.
func DecodeExercises(data []byte) ([]Exercise, error) {
	var es []Exercise
	if err := decodeJSON("exercise list", data, &es); err != nil {
		return nil, err
	}
	return es, nil
}

// DecodeZones decodes heart-rate zones: the {"zone": [...]} body of the
// heart-rate-zones endpoint, or a bare array as inlined by ?zones=true.
func DecodeZones(data []byte) ([]Zone, error) {
	if isJSONArray(data) {
		var zs []Zone
		if err := decodeJSON("heart-rate zones", data, &zs); err != nil {
			return nil, err
		}
		return zs, nil
	}
	var z Zones
	if err := decodeJSON("heart-rate zones", data, &z); err != nil {
		return nil, err
	}
	return z.Zone, nil
}

// DecodeSamples decodes one sample object (the samples/{type-id} body) or
// an array of them (as inlined by ?samples=true).
func DecodeSamples(data []byte) ([]Sample, error) {
	if isJSONArray(data) {
		var ss []Sample
		if err := decodeJSON("samples", data, &ss); err != nil {
			return nil, err
		}
		return ss, nil
	}
	var s Sample
	if err := decodeJSON("sample", data, &s); err != nil {
		return nil, err
	}
	return []Sample{s}, nil
}

func isJSONArray(data []byte) bool {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '['
	}
	return false
}
