package accesslink

import (
	"fmt"
	"strconv"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// PhysicalInformation is the documented "physical-information" model.
type PhysicalInformation struct {
	ID                 int64    `json:"id"`
	TransactionID      int64    `json:"transaction-id"`
	Created            string   `json:"created"`
	PolarUser          string   `json:"polar-user"`
	Weight             *float64 `json:"weight"`
	Height             *float64 `json:"height"`
	MaximumHeartRate   *int     `json:"maximum-heart-rate"`
	RestingHeartRate   *int     `json:"resting-heart-rate"`
	AerobicThreshold   *int     `json:"aerobic-threshold"`
	AnaerobicThreshold *int     `json:"anaerobic-threshold"`
	VO2Max             *int     `json:"vo2-max"`
	WeightSource       string   `json:"weight-source"`
}

// DecodePhysicalInformation decodes one physical information entry.
func DecodePhysicalInformation(data []byte) (*PhysicalInformation, error) {
	var p PhysicalInformation
	if err := decodeJSON("physical information", data, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// PhysicalInformationRecord builds the record of one entry: kind
// PHYSICAL_INFORMATION, key "physical_information.<user>.<id>" (the
// created time as digits when Polar sends no id). Polar documents no
// units: weight is kg, height cm, heart rates and thresholds bpm, VO2max
// ml/kg/min, as in Polar Flow. Created is UTC; it gets loc's offset.
func PhysicalInformationRecord(userID string, raw []byte, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	if loc == nil {
		loc = time.UTC
	}
	p, err := DecodePhysicalInformation(raw)
	if err != nil {
		return nil, nil, err
	}
	created, err := ParseCreated(p.Created)
	if err != nil {
		return nil, nil, fmt.Errorf("physical information %d: %w", p.ID, err)
	}
	if err := plausible.CheckTime("created", created, now); err != nil {
		return nil, nil, fmt.Errorf("physical information %d: %w: %w", p.ID, err, ErrInvalidTime)
	}
	id := strconv.FormatInt(p.ID, 10)
	if p.ID <= 0 {
		id = created.UTC().Format("20060102T150405.000Z")
		id = id[:15] + id[16:] // no '.' in a key segment
	}
	if userID == "" {
		return nil, nil, fmt.Errorf("physical information needs a user id: %w", ErrInvalidPayload)
	}
	key := pluginapi.PhysicalInformationKey(userID, id)
	ch := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, key)
	f := func(v *float64) float64 {
		if v == nil {
			return 0
		}
		return *v
	}
	i := func(v *int) float64 {
		if v == nil {
			return 0
		}
		return float64(*v)
	}
	out := &pluginapi.PhysicalInformation{
		Id:                 p.ID,
		Created:            recordTime(created.In(loc)),
		WeightKg:           ch.Float("weight_kg", f(p.Weight), plausible.Weight),
		HeightCm:           ch.Float("height_cm", f(p.Height), plausible.Height),
		MaximumHeartRate:   ch.Int32("maximum_heart_rate", i(p.MaximumHeartRate), plausible.HeartRate),
		RestingHeartRate:   ch.Int32("resting_heart_rate", i(p.RestingHeartRate), plausible.HeartRate),
		AerobicThreshold:   ch.Int32("aerobic_threshold", i(p.AerobicThreshold), plausible.HeartRate),
		AnaerobicThreshold: ch.Int32("anaerobic_threshold", i(p.AnaerobicThreshold), plausible.HeartRate),
		Vo2Max:             ch.Int32("vo2_max", i(p.VO2Max), plausible.VO2Max),
		WeightSource:       p.WeightSource,
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION,
		Key:    key,
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_PhysicalInformation{PhysicalInformation: out},
	}, ch.Warnings(), nil
}
