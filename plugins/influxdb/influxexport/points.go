package influxexport

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// This file turns records into points: the schema documented in
// plugins/influxdb/README.md. It is pure, so the schema is tested on
// fixtures; the same record always yields the same points.

// Measurements.
const (
	mExercise       = "exercise"
	mExerciseSample = "exercise_sample"
	mExerciseRR     = "exercise_rr"
	mExerciseHRZone = "exercise_hr_zone"
	mSleep          = "sleep"
	mSleepStage     = "sleep_stage"
	mSleepHR        = "sleep_heart_rate"
	mRecharge       = "nightly_recharge"
	mRechargeSample = "nightly_recharge_sample"
	mCardioLoad     = "cardio_load"
)

type tag struct{ key, value string }

type field struct {
	key   string
	value lineprotocol.Value
}

// point is one line-protocol point.
type point struct {
	measurement string
	tags        []tag // sorted by key, no empty values
	fields      []field
	time        time.Time
	// ms: written with millisecond precision (samples), otherwise with
	// second precision (summaries).
	ms bool
}

func newPoint(measurement string, t time.Time, ms bool, tags ...tag) *point {
	p := &point{measurement: measurement, time: t, ms: ms}
	for _, tg := range tags {
		if v := tagValue(tg.value); v != "" {
			p.tags = append(p.tags, tag{tg.key, v})
		}
	}
	slices.SortFunc(p.tags, func(a, b tag) int { return cmp.Compare(a.key, b.key) })
	return p
}

// tagValue drops what the line protocol cannot carry in a tag value:
// control characters and a trailing backslash.
func tagValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimRight(strings.TrimSpace(s), `\`)
}

func (p *point) int(key string, v int64) {
	p.fields = append(p.fields, field{key, lineprotocol.IntValue(v)})
}

// nonZeroInt adds v unless it is 0, which the record model uses for "not
// reported".
func (p *point) nonZeroInt(key string, v int64) {
	if v != 0 {
		p.int(key, v)
	}
}

func (p *point) float(key string, v float64) {
	if fv, ok := lineprotocol.FloatValue(v); ok { // NaN and ±Inf cannot be written
		p.fields = append(p.fields, field{key, fv})
	}
}

func (p *point) nonZeroFloat(key string, v float64) {
	if v != 0 {
		p.float(key, v)
	}
}

func (p *point) bool(key string, v bool) {
	p.fields = append(p.fields, field{key, lineprotocol.BoolValue(v)})
}

// str adds a string field; newlines and other control characters become
// spaces (1.x would store an escaped "\n" literally).
func (p *point) str(key, v string) {
	v = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, v)
	if sv, ok := lineprotocol.StringValue(v); ok {
		p.fields = append(p.fields, field{key, sv})
	}
}

// recordPoints returns every point of a record, or why it has none.
func recordPoints(r *pluginapi.Record) ([]*point, error) {
	if r.GetUserId() == "" {
		return nil, fmt.Errorf("record %s has no user_id", r.GetKey())
	}
	switch r.GetKind() {
	case pluginapi.RecordKind_RECORD_KIND_EXERCISE:
		if r.GetExercise() != nil {
			return exercisePoints(r)
		}
	case pluginapi.RecordKind_RECORD_KIND_SLEEP:
		if r.GetSleep() != nil {
			return sleepPoints(r)
		}
	case pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE:
		if r.GetNightlyRecharge() != nil {
			return rechargePoints(r)
		}
	case pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION:
		if r.GetTeamSession() != nil {
			return teamSessionPoints(r)
		}
	case pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION:
		if r.GetPlayerSession() != nil {
			return playerSessionPoints(r)
		}
	case pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD:
		if r.GetCardioLoad() != nil {
			return cardioLoadPoints(r)
		}
	case pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE:
		if r.GetContinuousHeartRate() != nil {
			return continuousHeartRatePoints(r)
		}
	case pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY:
		if r.GetDailyActivity() != nil {
			return dailyActivityPoints(r)
		}
	case pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION:
		if r.GetPhysicalInformation() != nil {
			return physicalInformationPoints(r)
		}
	default:
		if pts, handled, err := bioSleepWisePoints(r); handled || err != nil {
			return pts, err
		}
		if slices.Contains(bioSleepWiseKinds, r.GetKind()) {
			break // its body is missing
		}
		return nil, fmt.Errorf("record %s: kind %s is not exported by the influxdb plugin", r.GetKey(), r.GetKind())
	}
	return nil, fmt.Errorf("record %s: kind %s without a %s body", r.GetKey(), pluginapi.KindName(r.GetKind()), pluginapi.KindName(r.GetKind()))
}

func sourceName(s pluginapi.Source) string {
	if s == pluginapi.Source_SOURCE_UNSPECIFIED {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(s.String(), "SOURCE_"))
}

func exercisePoints(r *pluginapi.Record) ([]*point, error) {
	e := r.GetExercise()
	if e.GetStart().GetUtc() == nil {
		return nil, fmt.Errorf("exercise %s has no start time", r.GetKey())
	}
	start := e.GetStart().GetUtc().AsTime()
	id := e.GetId()
	if id == "" {
		return nil, fmt.Errorf("exercise %s has no id", r.GetKey())
	}
	user := tag{"user", r.GetUserId()}

	sum := newPoint(mExercise, start, false, user,
		tag{"sport", e.GetSport()}, tag{"detailed_sport", e.GetDetailedSport()},
		tag{"fit_sport", e.GetFitSport()}, tag{"fit_sub_sport", e.GetFitSubSport()},
		tag{"device", e.GetDevice()}, tag{"source", sourceName(r.GetSource())})
	sum.str("exercise_id", id)
	sum.str("version", r.GetVersion())
	sum.float("duration_seconds", e.GetDurationSeconds())
	sum.float("distance_meters", e.GetDistanceMeters())
	sum.nonZeroInt("calories", int64(e.GetCalories()))
	sum.nonZeroInt("heart_rate_avg", int64(e.GetHeartRateAvg()))
	sum.nonZeroInt("heart_rate_max", int64(e.GetHeartRateMax()))
	sum.nonZeroFloat("training_load", e.GetTrainingLoad())
	sum.nonZeroInt("running_index", int64(e.GetRunningIndex()))
	sum.nonZeroInt("fat_percentage", int64(e.GetFatPercentage()))
	sum.nonZeroInt("carbohydrate_percentage", int64(e.GetCarbohydratePercentage()))
	sum.nonZeroInt("protein_percentage", int64(e.GetProteinPercentage()))
	sum.int("fit_sport_id", int64(e.GetFitSportId()))
	sum.int("fit_sub_sport_id", int64(e.GetFitSubSportId()))
	sum.bool("has_route", e.GetHasRoute())
	sum.str("device_id", e.GetDeviceId())
	sum.int("utc_offset_minutes", int64(e.GetStart().GetUtcOffsetMinutes()))
	points := []*point{sum}

	for _, z := range e.GetHeartRateZones() {
		p := newPoint(mExerciseHRZone, start, false, user, tag{"zone", strconv.Itoa(int(z.GetIndex()))})
		p.float("seconds", z.GetSeconds())
		p.int("lower_bpm", int64(z.GetLowerBpm()))
		p.int("upper_bpm", int64(z.GetUpperBpm()))
		p.str("exercise_id", id)
		points = append(points, p)
	}

	var samples, rr []seriesField
	for _, s := range e.GetSamples() {
		if s.GetType() == pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL {
			rr = append(rr, seriesField{"rr", 0, s})
		} else if i := slices.IndexFunc(exerciseSampleFields, func(f sampleField) bool { return f.typ == s.GetType() }); i >= 0 {
			samples = append(samples, seriesField{exerciseSampleFields[i].key, i, s})
		}
	}
	seriesTags := []tag{{"exercise_id", id}, user}
	points = append(points, samplePoints(mExerciseSample, seriesTags, e.GetStart().GetUtc(), samples)...)
	points = append(points, samplePoints(mExerciseRR, seriesTags, e.GetStart().GetUtc(), rr)...)
	return points, nil
}

type sampleField struct {
	typ pluginapi.SampleType
	key string
}

// exerciseSampleFields are the fields of exercise_sample, in order.
var exerciseSampleFields = []sampleField{
	{pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, "heart_rate"},
	{pluginapi.SampleType_SAMPLE_TYPE_SPEED, "speed"},
	{pluginapi.SampleType_SAMPLE_TYPE_CADENCE, "cadence"},
	{pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE, "altitude"},
	{pluginapi.SampleType_SAMPLE_TYPE_POWER, "power"},
	{pluginapi.SampleType_SAMPLE_TYPE_DISTANCE, "distance"},
	{pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE, "temperature"},
	{pluginapi.SampleType_SAMPLE_TYPE_LATITUDE, "lat"},
	{pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE, "lon"},
	{pluginapi.SampleType_SAMPLE_TYPE_HRV, "hrv"},
	{pluginapi.SampleType_SAMPLE_TYPE_BREATHING_RATE, "breathing_rate"},
}

// seriesField is a series written as field key; order sorts the fields
// of a point.
type seriesField struct {
	key    string
	order  int
	series *pluginapi.Series
}

// samplePoints lines series up on their absolute sample times: one point
// per distinct time, with a field for each series that has a sample then.
// A series without a start uses fallback; without either it is left out.
func samplePoints(measurement string, tags []tag, fallback *timestamppb.Timestamp, series []seriesField) []*point {
	type sample struct {
		at  int64 // ns since the epoch
		col int   // index into series
		v   float64
	}
	var all []sample
	for col, sf := range series {
		start := sf.series.GetStart()
		if start == nil {
			start = fallback
		}
		if start == nil {
			continue
		}
		base := start.AsTime().UnixNano()
		for ms, v := range sf.series.All() {
			all = append(all, sample{base + ms*int64(time.Millisecond), col, v})
		}
	}
	slices.SortStableFunc(all, func(a, b sample) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(series[a.col].order, series[b.col].order))
	})
	var points []*point
	for i := 0; i < len(all); {
		p := newPoint(measurement, time.Unix(0, all[i].at).UTC(), true, tags...)
		j := i
		for ; j < len(all) && all[j].at == all[i].at; j++ {
			if j > i && all[j].col == all[j-1].col {
				continue // a repeated time within one series: keep the first
			}
			p.float(series[all[j].col].key, all[j].v)
		}
		if len(p.fields) > 0 {
			points = append(points, p)
		}
		i = j
	}
	return points
}

// dayTime is the timestamp of a daily result: its date at 00:00 UTC. It
// depends on the record key alone, so a new version overwrites the point.
func dayTime(key, date string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return time.Time{}, fmt.Errorf("record %s: date %q is not YYYY-MM-DD", key, date)
	}
	return t, nil
}

func sleepPoints(r *pluginapi.Record) ([]*point, error) {
	s := r.GetSleep()
	day, err := dayTime(r.GetKey(), s.GetDate())
	if err != nil {
		return nil, err
	}
	user := tag{"user", r.GetUserId()}
	sum := newPoint(mSleep, day, false, user, tag{"source", sourceName(r.GetSource())})
	sum.str("date", s.GetDate())
	sum.str("version", r.GetVersion())
	if st, en := s.GetStart().GetUtc(), s.GetEnd().GetUtc(); st != nil && en != nil {
		sum.int("start", st.AsTime().Unix())
		sum.int("end", en.AsTime().Unix())
		sum.int("in_bed_seconds", int64(en.AsTime().Sub(st.AsTime())/time.Second))
		sum.int("utc_offset_minutes", int64(s.GetStart().GetUtcOffsetMinutes()))
	}
	sum.str("device_id", s.GetDeviceId())
	sum.int("asleep_seconds", int64(s.GetLightSleepSeconds())+int64(s.GetDeepSleepSeconds())+
		int64(s.GetRemSleepSeconds())+int64(s.GetUnrecognizedSleepSeconds()))
	sum.int("light_sleep_seconds", int64(s.GetLightSleepSeconds()))
	sum.int("deep_sleep_seconds", int64(s.GetDeepSleepSeconds()))
	sum.int("rem_sleep_seconds", int64(s.GetRemSleepSeconds()))
	sum.int("unrecognized_sleep_seconds", int64(s.GetUnrecognizedSleepSeconds()))
	sum.int("total_interruption_seconds", int64(s.GetTotalInterruptionSeconds()))
	sum.int("short_interruption_seconds", int64(s.GetShortInterruptionSeconds()))
	sum.int("long_interruption_seconds", int64(s.GetLongInterruptionSeconds()))
	sum.nonZeroInt("sleep_score", int64(s.GetSleepScore()))
	sum.nonZeroInt("sleep_charge", int64(s.GetSleepCharge()))
	sum.nonZeroInt("sleep_goal_seconds", int64(s.GetSleepGoalSeconds()))
	sum.nonZeroInt("sleep_rating", int64(s.GetSleepRating()))
	sum.nonZeroInt("sleep_cycles", int64(s.GetSleepCycles()))
	sum.nonZeroFloat("continuity", s.GetContinuity())
	sum.nonZeroInt("continuity_class", int64(s.GetContinuityClass()))
	sum.nonZeroFloat("group_duration_score", s.GetGroupDurationScore())
	sum.nonZeroFloat("group_solidity_score", s.GetGroupSolidityScore())
	sum.nonZeroFloat("group_regeneration_score", s.GetGroupRegenerationScore())
	points := []*point{sum}

	for _, h := range s.GetHypnogram() {
		if h.GetTime().GetUtc() == nil {
			continue
		}
		p := newPoint(mSleepStage, h.GetTime().GetUtc().AsTime(), true, user)
		p.int("stage", int64(h.GetStage()))
		if name, level := stage(h.GetStage()); name != "" {
			p.str("stage_name", name)
			p.nonZeroInt("level", level)
		}
		points = append(points, p)
	}
	hr := []seriesField{{"heart_rate", 0, s.GetHeartRate()}}
	return append(points, samplePoints(mSleepHR, []tag{user}, s.GetStart().GetUtc(), hr)...), nil
}

// stage names Polar's hypnogram codes ("" for codes outside the list);
// level orders them for a hypnogram chart: 4 wake on top, 3 REM, 2 light,
// 1 deep at the bottom, 0 (not written) unknown.
func stage(code int32) (name string, level int64) {
	switch code {
	case 0:
		return "wake", 4
	case 1:
		return "rem", 3
	case 2:
		return "lighter_non_rem", 2
	case 3:
		return "light_non_rem", 2
	case 4:
		return "deep_non_rem", 1
	case 5:
		return "unknown", 0
	}
	return "", 0
}

func rechargePoints(r *pluginapi.Record) ([]*point, error) {
	n := r.GetNightlyRecharge()
	day, err := dayTime(r.GetKey(), n.GetDate())
	if err != nil {
		return nil, err
	}
	user := tag{"user", r.GetUserId()}
	sum := newPoint(mRecharge, day, false, user, tag{"source", sourceName(r.GetSource())})
	sum.str("date", n.GetDate())
	sum.str("version", r.GetVersion())
	sum.nonZeroInt("heart_rate_avg", int64(n.GetHeartRateAvg()))
	sum.nonZeroInt("beat_to_beat_avg_ms", int64(n.GetBeatToBeatAvgMs()))
	sum.nonZeroInt("hrv_avg_ms", int64(n.GetHrvAvgMs()))
	sum.nonZeroFloat("breathing_rate_avg", n.GetBreathingRateAvg())
	sum.nonZeroInt("nightly_recharge_status", int64(n.GetNightlyRechargeStatus()))
	sum.float("ans_charge", n.GetAnsCharge())
	sum.nonZeroInt("ans_charge_status", int64(n.GetAnsChargeStatus()))
	series := []seriesField{{"hrv", 0, n.GetHrv()}, {"breathing_rate", 1, n.GetBreathingRate()}}
	return append([]*point{sum}, samplePoints(mRechargeSample, []tag{user}, nil, series)...), nil
}

// cardioLoadPoints is one point per day. The status is a field, not a
// tag: a re-computed day may change status, and under another tag value
// the old point would stay beside the new one. Every number is written,
// 0 too (a day without training has load 0), so a new version replaces
// all of the old one's fields.
func cardioLoadPoints(r *pluginapi.Record) ([]*point, error) {
	c := r.GetCardioLoad()
	day, err := dayTime(r.GetKey(), c.GetDate())
	if err != nil {
		return nil, err
	}
	p := newPoint(mCardioLoad, day, false, tag{"user", r.GetUserId()}, tag{"source", sourceName(r.GetSource())})
	p.str("date", c.GetDate())
	p.str("version", r.GetVersion())
	p.str("status", c.GetStatus())
	p.float("cardio_load", c.GetCardioLoad())
	p.float("strain", c.GetStrain())
	p.float("tolerance", c.GetTolerance())
	p.float("ratio", c.GetRatio())
	p.float("level_very_low", c.GetLevelVeryLow())
	p.float("level_low", c.GetLevelLow())
	p.float("level_medium", c.GetLevelMedium())
	p.float("level_high", c.GetLevelHigh())
	p.float("level_very_high", c.GetLevelVeryHigh())
	return []*point{p}, nil
}

// appendLine encodes p as one line.
func appendLine(enc *lineprotocol.Encoder, p *point) {
	enc.StartLine(p.measurement)
	for _, t := range p.tags {
		enc.AddTag(t.key, t.value)
	}
	for _, f := range p.fields {
		enc.AddField(f.key, f.value)
	}
	enc.EndLine(p.time)
}
