package csvexport

import (
	"strconv"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Daily activity: daily_activity.csv holds one row per day (the latest
// version of daily_activity.<user>.<date> replaces the day's row), and
// daily_activity_steps.csv and daily_activity_zones.csv the day's step
// and zone samples (a row per sample, or per sample and zone), replaced
// with it. physical_information.csv has a row per entry.

var dailyActivityHeader = []string{
	"key", "version", "user_id", "source", "date", "day_start_utc", "day_start_local", "created_utc",
	"activity_id", "calories_kcal", "active_calories_kcal", "duration_s", "active_steps",
	"sleep_s", "sedentary_s", "light_s", "moderate_s", "vigorous_s", "non_wear_s",
}

func dailyActivityRow(r *pluginapi.Record) []string {
	a := r.GetDailyActivity()
	zones := make([]float64, 6)
	for _, z := range a.GetZoneTotals() {
		if i := z.GetIndex(); i >= 0 && int(i) < len(zones) {
			zones[i] = z.GetInZoneSeconds()
		}
	}
	row := []string{
		r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()), a.GetDate(),
		fmtTimestamp(a.GetDayStart()), localOf(a.GetDayStart()), fmtTimestamp(a.GetCreated()),
		fmtInt64(a.GetId()), fmtInt(a.GetCalories()), fmtInt(a.GetActiveCalories()), fmtFloat(a.GetDurationSeconds()), fmtInt(a.GetActiveSteps()),
	}
	for _, z := range zones {
		row = append(row, fmtFloat(z))
	}
	return row
}

var dailyActivityStepsHeader = []string{"key", "version", "user_id", "date", "time_utc", "time_local", "interval_min", "steps"}

func dailyActivityStepRows(r *pluginapi.Record) [][]string {
	a := r.GetDailyActivity()
	rows := make([][]string, 0, len(a.GetStepSamples()))
	for _, s := range a.GetStepSamples() {
		rows = append(rows, []string{
			r.GetKey(), r.GetVersion(), r.GetUserId(), a.GetDate(), fmtTimestamp(s.GetTime()), localOf(s.GetTime()),
			fmtInt(a.GetStepSampleIntervalMinutes()), fmtInt(s.GetSteps()),
		})
	}
	return rows
}

var dailyActivityZonesHeader = []string{"key", "version", "user_id", "date", "time_utc", "time_local", "interval_min", "zone_index", "zone", "in_zone_s"}

func dailyActivityZoneRows(r *pluginapi.Record) [][]string {
	a := r.GetDailyActivity()
	var rows [][]string
	for _, s := range a.GetZoneSamples() {
		for _, z := range s.GetZones() {
			rows = append(rows, []string{
				r.GetKey(), r.GetVersion(), r.GetUserId(), a.GetDate(), fmtTimestamp(s.GetTime()), localOf(s.GetTime()),
				fmtInt(a.GetZoneSampleIntervalMinutes()), fmtInt(z.GetIndex()), z.GetName(), fmtFloat(z.GetInZoneSeconds()),
			})
		}
	}
	return rows
}

var physicalInformationHeader = []string{
	"key", "version", "user_id", "source", "id", "created_utc", "created_local",
	"weight_kg", "height_cm", "maximum_heart_rate_bpm", "resting_heart_rate_bpm",
	"aerobic_threshold_bpm", "anaerobic_threshold_bpm", "vo2_max", "weight_source",
}

func physicalInformationRow(r *pluginapi.Record) []string {
	p := r.GetPhysicalInformation()
	return []string{
		r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()), fmtInt64(p.GetId()),
		fmtTimestamp(p.GetCreated()), localOf(p.GetCreated()),
		fmtFloat(p.GetWeightKg()), fmtFloat(p.GetHeightCm()), fmtInt(p.GetMaximumHeartRate()), fmtInt(p.GetRestingHeartRate()),
		fmtInt(p.GetAerobicThreshold()), fmtInt(p.GetAnaerobicThreshold()), fmtInt(p.GetVo2Max()), p.GetWeightSource(),
	}
}

func localOf(t *pluginapi.Time) string {
	if t.GetUtc() == nil {
		return ""
	}
	return fmtLocal(t.GetUtc().AsTime(), t.GetUtcOffsetMinutes())
}

func fmtInt64(v int64) string { return strconv.FormatInt(v, 10) }
