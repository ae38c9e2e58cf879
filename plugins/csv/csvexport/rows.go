package csvexport

import (
	"strconv"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// This file turns records into CSV rows. Everything here is pure: no file
// I/O, no state, so the layout can be tested cell by cell.
//
// Every shared file starts with the columns key and version: the store
// groups rows by key when it loads a file back, and version shows which
// content a row came from.

var exerciseHeader = []string{
	"key", "version", "user_id", "source", "exercise_id",
	"start_utc", "start_local", "utc_offset_min",
	"duration_s", "distance_m", "calories_kcal",
	"heart_rate_avg_bpm", "heart_rate_max_bpm", "training_load",
	"sport", "detailed_sport", "fit_sport", "fit_sub_sport", "fit_sport_id", "fit_sub_sport_id",
	"device", "device_id", "has_route", "running_index",
	"fat_percentage", "carbohydrate_percentage", "protein_percentage",
	"sample_types", "files",
}

func exerciseRow(r *pluginapi.Record) []string {
	e := r.GetExercise()
	row := make([]string, 0, len(exerciseHeader))
	row = append(row, r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()), e.GetId())
	row = append(row, timeCols(e.GetStart())...)
	return append(row,
		fmtFloat(e.GetDurationSeconds()), fmtFloat(e.GetDistanceMeters()), fmtInt(e.GetCalories()),
		fmtInt(e.GetHeartRateAvg()), fmtInt(e.GetHeartRateMax()), fmtFloat(e.GetTrainingLoad()),
		e.GetSport(), e.GetDetailedSport(), e.GetFitSport(), e.GetFitSubSport(),
		fmtUint(e.GetFitSportId()), fmtUint(e.GetFitSubSportId()),
		e.GetDevice(), e.GetDeviceId(), strconv.FormatBool(e.GetHasRoute()), fmtInt(e.GetRunningIndex()),
		fmtInt(e.GetFatPercentage()), fmtInt(e.GetCarbohydratePercentage()), fmtInt(e.GetProteinPercentage()),
		sampleTypes(e.GetSamples()), fileFormats(e.GetFiles()),
	)
}

var lapHeader = []string{
	"key", "version", "user_id", "exercise_id", "exercise_start_utc", "lap",
	"start_utc", "start_local", "utc_offset_min",
	"duration_s", "distance_m", "heart_rate_avg_bpm", "heart_rate_max_bpm",
}

func lapRows(r *pluginapi.Record) [][]string {
	e := r.GetExercise()
	exStart := fmtTimestamp(e.GetStart())
	rows := make([][]string, 0, len(e.GetLaps()))
	for i, l := range e.GetLaps() {
		row := make([]string, 0, len(lapHeader))
		row = append(row, r.GetKey(), r.GetVersion(), r.GetUserId(), e.GetId(), exStart, strconv.Itoa(i+1))
		row = append(row, timeCols(l.GetStart())...)
		rows = append(rows, append(row,
			fmtFloat(l.GetDurationSeconds()), fmtFloat(l.GetDistanceMeters()),
			fmtInt(l.GetHeartRateAvg()), fmtInt(l.GetHeartRateMax()),
		))
	}
	return rows
}

var hrZoneHeader = []string{
	"key", "version", "user_id", "exercise_id", "exercise_start_utc",
	"zone_index", "lower_bpm", "upper_bpm", "time_in_zone_s",
}

func hrZoneRows(r *pluginapi.Record) [][]string {
	e := r.GetExercise()
	exStart := fmtTimestamp(e.GetStart())
	rows := make([][]string, 0, len(e.GetHeartRateZones()))
	for _, z := range e.GetHeartRateZones() {
		rows = append(rows, []string{
			r.GetKey(), r.GetVersion(), r.GetUserId(), e.GetId(), exStart,
			fmtInt(z.GetIndex()), fmtInt(z.GetLowerBpm()), fmtInt(z.GetUpperBpm()), fmtFloat(z.GetSeconds()),
		})
	}
	return rows
}

var sleepHeader = []string{
	"key", "version", "user_id", "source", "date",
	"start_utc", "start_local", "start_utc_offset_min",
	"end_utc", "end_local", "end_utc_offset_min",
	"device_id",
	"light_sleep_s", "deep_sleep_s", "rem_sleep_s", "unrecognized_sleep_s",
	"total_interruption_s", "short_interruption_s", "long_interruption_s",
	"sleep_score", "sleep_charge", "sleep_goal_s", "sleep_rating", "sleep_cycles",
	"continuity", "continuity_class",
	"group_duration_score", "group_solidity_score", "group_regeneration_score",
}

func sleepRow(r *pluginapi.Record) []string {
	s := r.GetSleep()
	row := make([]string, 0, len(sleepHeader))
	row = append(row, r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()), s.GetDate())
	row = append(row, timeCols(s.GetStart())...)
	row = append(row, timeCols(s.GetEnd())...)
	return append(row,
		s.GetDeviceId(),
		fmtInt(s.GetLightSleepSeconds()), fmtInt(s.GetDeepSleepSeconds()),
		fmtInt(s.GetRemSleepSeconds()), fmtInt(s.GetUnrecognizedSleepSeconds()),
		fmtInt(s.GetTotalInterruptionSeconds()), fmtInt(s.GetShortInterruptionSeconds()),
		fmtInt(s.GetLongInterruptionSeconds()),
		fmtInt(s.GetSleepScore()), fmtInt(s.GetSleepCharge()), fmtInt(s.GetSleepGoalSeconds()),
		fmtInt(s.GetSleepRating()), fmtInt(s.GetSleepCycles()),
		fmtFloat(s.GetContinuity()), fmtInt(s.GetContinuityClass()),
		fmtFloat(s.GetGroupDurationScore()), fmtFloat(s.GetGroupSolidityScore()),
		fmtFloat(s.GetGroupRegenerationScore()),
	)
}

var hypnogramHeader = []string{
	"key", "version", "user_id", "date",
	"time_utc", "time_local", "utc_offset_min", "stage", "stage_name",
}

// hypnogramRows keeps Polar's order: each row is a stage change, valid
// until the next row's time.
func hypnogramRows(r *pluginapi.Record) [][]string {
	s := r.GetSleep()
	rows := make([][]string, 0, len(s.GetHypnogram()))
	for _, h := range s.GetHypnogram() {
		row := make([]string, 0, len(hypnogramHeader))
		row = append(row, r.GetKey(), r.GetVersion(), r.GetUserId(), s.GetDate())
		row = append(row, timeCols(h.GetTime())...)
		rows = append(rows, append(row, fmtInt(h.GetStage()), stageName(h.GetStage())))
	}
	return rows
}

var sleepHeartRateHeader = []string{
	"key", "version", "user_id", "date", "time_utc", "time_local", "heart_rate_bpm",
}

func sleepHeartRateRows(r *pluginapi.Record) [][]string {
	s := r.GetSleep()
	base, offset := s.GetStart().GetUtc(), s.GetStart().GetUtcOffsetMinutes()
	m := newMerger(base, []columnSeries{{0, s.GetHeartRate()}}, 1)
	var rows [][]string
	for at, ok := m.next(); ok; at, ok = m.next() {
		t := time.Unix(0, at)
		rows = append(rows, []string{
			r.GetKey(), r.GetVersion(), r.GetUserId(), s.GetDate(),
			fmtUTC(t), fmtLocal(t, offset), m.cell(0),
		})
	}
	return rows
}

var nightlyRechargeHeader = []string{
	"key", "version", "user_id", "source", "date",
	"heart_rate_avg_bpm", "beat_to_beat_avg_ms", "hrv_avg_ms", "breathing_rate_avg_brpm",
	"nightly_recharge_status", "ans_charge", "ans_charge_status",
}

func nightlyRechargeRow(r *pluginapi.Record) []string {
	n := r.GetNightlyRecharge()
	return []string{
		r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()), n.GetDate(),
		fmtInt(n.GetHeartRateAvg()), fmtInt(n.GetBeatToBeatAvgMs()), fmtInt(n.GetHrvAvgMs()),
		fmtFloat(n.GetBreathingRateAvg()),
		fmtInt(n.GetNightlyRechargeStatus()), fmtFloat(n.GetAnsCharge()), fmtInt(n.GetAnsChargeStatus()),
	}
}

var cardioLoadHeader = []string{
	"key", "version", "user_id", "source", "date", "day_start_utc", "status",
	"cardio_load", "strain", "tolerance", "ratio",
	"level_very_low", "level_low", "level_medium", "level_high", "level_very_high",
}

func cardioLoadRow(r *pluginapi.Record) []string {
	c := r.GetCardioLoad()
	return []string{
		r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()), c.GetDate(), fmtTimestamp(c.GetDayStart()), c.GetStatus(),
		fmtFloat(c.GetCardioLoad()), fmtFloat(c.GetStrain()), fmtFloat(c.GetTolerance()), fmtFloat(c.GetRatio()),
		fmtFloat(c.GetLevelVeryLow()), fmtFloat(c.GetLevelLow()), fmtFloat(c.GetLevelMedium()),
		fmtFloat(c.GetLevelHigh()), fmtFloat(c.GetLevelVeryHigh()),
	}
}

var nightlyRechargeSampleHeader = []string{
	"key", "version", "user_id", "date", "time_utc", "hrv_ms", "breathing_rate_brpm",
}

// nightlyRechargeSampleRows lines the HRV and breathing-rate series up on
// their sample times. A nightly recharge has no start time of its own, so
// a series without a start cannot be placed and is left out.
func nightlyRechargeSampleRows(r *pluginapi.Record) [][]string {
	n := r.GetNightlyRecharge()
	m := newMerger(nil, []columnSeries{{0, n.GetHrv()}, {1, n.GetBreathingRate()}}, 2)
	var rows [][]string
	for at, ok := m.next(); ok; at, ok = m.next() {
		rows = append(rows, []string{
			r.GetKey(), r.GetVersion(), r.GetUserId(), n.GetDate(),
			fmtUTC(time.Unix(0, at)), m.cell(0), m.cell(1),
		})
	}
	return rows
}

// exerciseSampleColumns are the value columns of a per-exercise samples
// file, in order. RR intervals are not here: they have their own times
// (one per beat), so they go to a file of their own.
var exerciseSampleColumns = []sampleColumn{
	{pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, "heart_rate_bpm"},
	{pluginapi.SampleType_SAMPLE_TYPE_SPEED, "speed_m_s"},
	{pluginapi.SampleType_SAMPLE_TYPE_CADENCE, "cadence_rpm"},
	{pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE, "altitude_m"},
	{pluginapi.SampleType_SAMPLE_TYPE_POWER, "power_w"},
	{pluginapi.SampleType_SAMPLE_TYPE_DISTANCE, "distance_m"},
	{pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE, "temperature_c"},
	{pluginapi.SampleType_SAMPLE_TYPE_LATITUDE, "latitude_deg"},
	{pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE, "longitude_deg"},
	{pluginapi.SampleType_SAMPLE_TYPE_HRV, "hrv_ms"},
	{pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE, "breathing_rate_brpm"},
}

type sampleColumn struct {
	typ  pluginapi.SampleType
	name string
}

var exerciseSampleHeader = sampleHeader(exerciseSampleColumns)

func sampleHeader(cols []sampleColumn) []string {
	h := []string{"time_utc", "time_local", "elapsed_s"}
	for _, c := range cols {
		h = append(h, c.name)
	}
	return h
}

var rrHeader = []string{"time_utc", "time_local", "elapsed_s", "rr_ms"}

// exerciseSamples is an exercise's samples file: one row per distinct
// sample time over all series, with an empty cell where a series has no
// sample at that time. Series of unknown types are left out.
func exerciseSamples(e *pluginapi.Exercise) *timedSamples {
	return newTimedSamples(exerciseSampleHeader, e.GetStart(), bindColumns(e.GetSamples(), exerciseSampleColumns))
}

// rrSamples is the RR-interval file of a record's samples; it is empty
// when they have no RR intervals.
func rrSamples(start *pluginapi.Time, samples []*pluginapi.Series) *timedSamples {
	return newTimedSamples(rrHeader, start, rrSeries(samples))
}

// timeCols formats a Time as its three columns: UTC, local time with the
// device's offset, and that offset in minutes. A missing time gives three
// empty cells.
func timeCols(t *pluginapi.Time) []string {
	if t.GetUtc() == nil {
		return []string{"", "", ""}
	}
	at := t.GetUtc().AsTime()
	return []string{fmtUTC(at), fmtLocal(at, t.GetUtcOffsetMinutes()), fmtInt(t.GetUtcOffsetMinutes())}
}

func fmtTimestamp(t *pluginapi.Time) string {
	if t.GetUtc() == nil {
		return ""
	}
	return fmtUTC(t.GetUtc().AsTime())
}

func fmtUTC(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func fmtLocal(t time.Time, offsetMin int32) string {
	return t.In(fixedZone(offsetMin)).Format(time.RFC3339Nano)
}

func fixedZone(offsetMin int32) *time.Location { return time.FixedZone("", int(offsetMin)*60) }

func fmtInt[T ~int32 | ~int](v T) string { return strconv.FormatInt(int64(v), 10) }

func fmtUint(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// fmtFloat writes the shortest decimal that reads back as the same value,
// without exponent, so 2.5 stays "2.5" and 3600 stays "3600".
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// sourceName is the lower-case source without its prefix, e.g. "accesslink".
func sourceName(s pluginapi.Source) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "SOURCE_"))
}

// stageName names Polar's hypnogram stage codes; codes outside the
// documented list get an empty name (the code itself is still written).
func stageName(stage int32) string {
	switch stage {
	case 0:
		return "wake"
	case 1:
		return "rem"
	case 2:
		return "lighter_non_rem"
	case 3:
		return "light_non_rem"
	case 4:
		return "deep_non_rem"
	case 5:
		return "unknown"
	}
	return ""
}

// sampleTypes lists the exercise's series types, e.g. "heart_rate;speed".
func sampleTypes(series []*pluginapi.Series) string {
	names := make([]string, 0, len(series))
	for _, s := range series {
		names = append(names, strings.ToLower(strings.TrimPrefix(s.GetType().String(), "SAMPLE_TYPE_")))
	}
	return strings.Join(names, ";")
}

// fileFormats lists the formats of the exercise's original files, e.g.
// "fit;gpx".
func fileFormats(files []*pluginapi.File) string {
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.ToLower(strings.TrimPrefix(f.GetFormat().String(), "FILE_FORMAT_")))
	}
	return strings.Join(names, ";")
}
