package influxexport

import (
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Measurements of daily activity and physical information. Tags are user
// and source only; the zone of a zone sample is a field name, so the
// series count stays one per user.
const (
	mDailyActivity       = "daily_activity"
	mActivitySteps       = "activity_steps"
	mActivityZones       = "activity_zones"
	mPhysicalInformation = "physical_information"
)

// activityZoneFields are the zone fields by "Activity zone types" index.
var activityZoneFields = []string{"sleep_s", "sedentary_s", "light_s", "moderate_s", "vigorous_s", "non_wear_s"}

// dailyActivityPoints is a point per day at the day's first instant in
// the user's zone (every version of a day has the same one, so a new
// version overwrites it; the receipt removes samples it no longer has),
// a point per step sample and one per zone sample. Every number of the
// day is written, 0 too, so a new version replaces all fields.
func dailyActivityPoints(r *pluginapi.Record) ([]*point, error) {
	a := r.GetDailyActivity()
	day, err := dayTime(r.GetKey(), a.GetDate())
	if err != nil {
		return nil, err
	}
	if ds := a.GetDayStart().GetUtc(); ds != nil {
		day = ds.AsTime()
	}
	tags := []tag{{"user", r.GetUserId()}, {"source", sourceName(r.GetSource())}}
	p := newPoint(mDailyActivity, day, false, tags...)
	p.str("date", a.GetDate())
	p.str("version", r.GetVersion())
	if c := a.GetCreated().GetUtc(); c != nil {
		p.str("created", c.AsTime().UTC().Format(time.RFC3339Nano))
	}
	p.int("calories", int64(a.GetCalories()))
	p.int("active_calories", int64(a.GetActiveCalories()))
	p.float("duration_s", a.GetDurationSeconds())
	p.int("active_steps", int64(a.GetActiveSteps()))
	totals := make([]float64, len(activityZoneFields))
	for _, z := range a.GetZoneTotals() {
		if i := int(z.GetIndex()); i >= 0 && i < len(totals) {
			totals[i] = z.GetInZoneSeconds()
		}
	}
	for i, v := range totals {
		p.float(activityZoneFields[i], v)
	}
	out := []*point{p}
	for _, s := range a.GetStepSamples() {
		if s.GetTime().GetUtc() == nil {
			continue
		}
		sp := newPoint(mActivitySteps, s.GetTime().GetUtc().AsTime(), true, tags...)
		sp.int("steps", int64(s.GetSteps()))
		out = append(out, sp)
	}
	for _, s := range a.GetZoneSamples() {
		if s.GetTime().GetUtc() == nil || len(s.GetZones()) == 0 {
			continue
		}
		zp := newPoint(mActivityZones, s.GetTime().GetUtc().AsTime(), true, tags...)
		for _, z := range s.GetZones() {
			name := fmt.Sprintf("zone%d_s", z.GetIndex())
			if i := int(z.GetIndex()); i >= 0 && i < len(activityZoneFields) {
				name = activityZoneFields[i]
			}
			zp.float(name, z.GetInZoneSeconds())
		}
		out = append(out, zp)
	}
	return out, nil
}

// physicalInformationPoints is one point per entry at its created time.
func physicalInformationPoints(r *pluginapi.Record) ([]*point, error) {
	pi := r.GetPhysicalInformation()
	if pi.GetCreated().GetUtc() == nil {
		return nil, fmt.Errorf("record %s: physical information without created time", r.GetKey())
	}
	p := newPoint(mPhysicalInformation, pi.GetCreated().GetUtc().AsTime(), false, tag{"user", r.GetUserId()}, tag{"source", sourceName(r.GetSource())})
	p.str("version", r.GetVersion())
	p.int("id", pi.GetId())
	p.nonZeroFloat("weight_kg", pi.GetWeightKg())
	p.nonZeroFloat("height_cm", pi.GetHeightCm())
	p.nonZeroInt("maximum_heart_rate", int64(pi.GetMaximumHeartRate()))
	p.nonZeroInt("resting_heart_rate", int64(pi.GetRestingHeartRate()))
	p.nonZeroInt("aerobic_threshold", int64(pi.GetAerobicThreshold()))
	p.nonZeroInt("anaerobic_threshold", int64(pi.GetAnaerobicThreshold()))
	p.nonZeroInt("vo2_max", int64(pi.GetVo2Max()))
	p.str("weight_source", pi.GetWeightSource())
	return []*point{p}, nil
}
