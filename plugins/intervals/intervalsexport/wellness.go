package intervalsexport

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// WellnessFields are the intervals.icu wellness fields this plugin
// writes; it never sends another (a PUT changes only what it sends).
var WellnessFields = []string{"restingHR", "hrv", "avgSleepingHR", "sleepSecs", "sleepScore", "sleepQuality",
	"respiration", "steps", "weight", "spO2"}

// intFields are int32 in intervals.icu's Wellness schema.
var intFields = map[string]bool{"restingHR": true, "sleepSecs": true, "sleepQuality": true, "steps": true}

// unset is what a PUT sends to clear a numeric field.
const unset = -1

// wellnessKinds are the record kinds that become wellness fields.
var wellnessKinds = []pluginapi.RecordKind{
	pluginapi.RecordKind_RECORD_KIND_SLEEP,
	pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
	pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY,
	pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION,
	pluginapi.RecordKind_RECORD_KIND_SPO2_TEST,
}

// wellnessSource is what one record says about one day.
type wellnessSource struct {
	Date string // the athlete's local date, YYYY-MM-DD
	// Stamp orders records of one date that write the same field (weight
	// entries, SpO2 tests): the latest wins whatever the delivery order.
	// "" for kinds with one record per date.
	Stamp  string
	Fields map[string]float64
	// Skip says why a record has nothing for intervals.icu.
	Skip string
}

// SleepQuality maps Polar's sleep rating (1 very poorly … 5 very well,
// 0 none given) to intervals.icu's sleepQuality (1 great, 2 good, 3 avg,
// 4 poor); 0 means no value.
func SleepQuality(polarRating int32) int {
	switch polarRating {
	case 5:
		return 1
	case 4:
		return 2
	case 3:
		return 3
	case 2, 1:
		return 4
	}
	return 0
}

// stampLayout sorts as text in time order.
const stampLayout = "20060102T150405Z"

// wellnessOf maps a record to its day's fields (unit conversions and
// choices in README.md).
func (s *settings) wellnessOf(rec *pluginapi.Record) (wellnessSource, error) {
	f := map[string]float64{}
	set := func(name string, v float64, ok bool) {
		if ok && !s.exclude[name] {
			f[name] = v
		}
	}
	var w wellnessSource
	switch rec.GetKind() {
	case pluginapi.RecordKind_RECORD_KIND_SLEEP:
		sl := rec.GetSleep()
		w.Date = sl.GetDate()
		asleep := sl.GetLightSleepSeconds() + sl.GetDeepSleepSeconds() + sl.GetRemSleepSeconds() + sl.GetUnrecognizedSleepSeconds()
		set("sleepSecs", float64(asleep), asleep > 0)
		set("sleepScore", float64(sl.GetSleepScore()), sl.GetSleepScore() > 0)
		q := SleepQuality(sl.GetSleepRating())
		set("sleepQuality", float64(q), q > 0)
		avg, ok := mean(sl.GetHeartRate().GetValues())
		set("avgSleepingHR", math.Round(avg*10)/10, ok)
	case pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE:
		nr := rec.GetNightlyRecharge()
		w.Date = nr.GetDate()
		set("hrv", float64(nr.GetHrvAvgMs()), nr.GetHrvAvgMs() > 0)
		set("respiration", nr.GetBreathingRateAvg(), nr.GetBreathingRateAvg() > 0)
		set("restingHR", float64(nr.GetHeartRateAvg()), nr.GetHeartRateAvg() > 0 && s.cfg.RestingHRFrom == RestingHRFromNightlyRecharge)
	case pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY:
		da := rec.GetDailyActivity()
		w.Date = da.GetDate()
		set("steps", float64(da.GetActiveSteps()), da.GetActiveSteps() > 0)
	case pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION:
		pi := rec.GetPhysicalInformation()
		at := pi.GetCreated().Local()
		if at.IsZero() {
			return w, fmt.Errorf("physical information %d has no creation time, so no date", pi.GetId())
		}
		w.Date, w.Stamp = at.Format(time.DateOnly), at.UTC().Format(stampLayout)
		set("weight", pi.GetWeightKg(), pi.GetWeightKg() > 0)
		set("restingHR", float64(pi.GetRestingHeartRate()), pi.GetRestingHeartRate() > 0 && s.cfg.RestingHRFrom == RestingHRFromPhysicalInformation)
	case pluginapi.RecordKind_RECORD_KIND_SPO2_TEST:
		sp := rec.GetSpo2Test()
		at := sp.GetTestTime().Local()
		if at.IsZero() {
			return w, errors.New("SpO2 test without a test time, so no date")
		}
		w.Date, w.Stamp = at.Format(time.DateOnly), at.UTC().Format(stampLayout)
		if sp.GetTestStatus() != "SPO2_TEST_PASSED" {
			w.Skip = "the SpO2 test was inconclusive (" + sp.GetTestStatus() + ")"
		}
		set("spO2", float64(sp.GetBloodOxygenPercent()), sp.GetBloodOxygenPercent() > 0 && w.Skip == "")
	default:
		return w, fmt.Errorf("kind %s has no intervals.icu wellness field", rec.GetKind())
	}
	if _, err := time.Parse(time.DateOnly, w.Date); err != nil {
		return w, fmt.Errorf("record date %q: %w", w.Date, err)
	}
	w.Fields = f
	return w, nil
}

func mean(v []float64) (float64, bool) {
	var sum float64
	n := 0
	for _, x := range v {
		if x > 0 {
			sum += x
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// dayReceipt is what the plugin wrote to one day's wellness, under
// "wellness.<date>" in the host KV: which record version wrote which
// fields, and which record owns each field's current value.
type dayReceipt struct {
	Records map[string]recordWrite `json:"records,omitempty"`
	Owners  map[string]fieldOwner  `json:"owners,omitempty"`
}

type recordWrite struct {
	Version string   `json:"version"`
	Fields  []string `json:"fields,omitempty"`
}

type fieldOwner struct {
	Key   string `json:"key"`
	Stamp string `json:"stamp,omitempty"`
}

// DayReceiptKey is the host KV key of a day's wellness receipt.
func DayReceiptKey(date string) string { return "wellness." + date }

// wellnessDay is one day's PUT.
type wellnessDay struct {
	Date   string
	Fields map[string]float64
}

func (d wellnessDay) body() map[string]any {
	m := make(map[string]any, len(d.Fields)+1)
	for k, v := range d.Fields {
		if intFields[k] {
			m[k] = int64(math.Round(v))
		} else {
			m[k] = v
		}
	}
	return m
}

// apply works out the writes of rec on its day: its fields it owns (or
// takes over from an older stamp), and -1 for fields its earlier version
// wrote and this one lacks. It reports whether the day changed.
func (d *dayReceipt) apply(key, version string, w wellnessSource, writes map[string]float64) bool {
	if d.Records == nil {
		d.Records, d.Owners = map[string]recordWrite{}, map[string]fieldOwner{}
	}
	prev, seen := d.Records[key]
	if seen && prev.Version == version {
		return false
	}
	var fields []string
	for name, v := range w.Fields {
		o, owned := d.Owners[name]
		if owned && o.Key != key && o.Stamp > w.Stamp {
			continue // a later entry of the day has it
		}
		d.Owners[name] = fieldOwner{Key: key, Stamp: w.Stamp}
		writes[name] = v
		fields = append(fields, name)
	}
	for _, name := range prev.Fields {
		if _, still := w.Fields[name]; !still && d.Owners[name].Key == key {
			delete(d.Owners, name)
			writes[name] = unset
		}
	}
	slices.Sort(fields)
	d.Records[key] = recordWrite{Version: version, Fields: fields}
	return true
}

// wellnessItem is one wellness record of a batch and its result slot.
type wellnessItem struct {
	i   int
	rec *pluginapi.Record
	src wellnessSource
}

// exportWellness writes the wellness records of a batch: one PUT for a
// single day, one bulk PUT for several (a backfill). Results go to
// results at each item's index.
func (e *Exporter) exportWellness(ctx context.Context, items []wellnessItem, results []*pluginapi.ExportResult) {
	byDate := map[string][]wellnessItem{}
	var dates []string
	for _, it := range items {
		if _, ok := byDate[it.src.Date]; !ok {
			dates = append(dates, it.src.Date)
		}
		byDate[it.src.Date] = append(byDate[it.src.Date], it)
	}
	slices.Sort(dates)
	type pending struct {
		day   wellnessDay
		st    *pluginapi.Stored[dayReceipt]
		items []wellnessItem
	}
	var todo []pending
	for _, date := range dates {
		its := byDate[date]
		slices.SortStableFunc(its, func(a, b wellnessItem) int { return strings.Compare(a.src.Stamp, b.src.Stamp) })
		st, err := pluginapi.LoadStored[dayReceipt](ctx, e.kv, DayReceiptKey(date))
		if err != nil {
			for _, it := range its {
				results[it.i] = pluginapi.Retry("%s: %v", it.rec.GetKey(), err)
			}
			continue
		}
		writes := map[string]float64{}
		changed := false
		for _, it := range its {
			changed = st.Value.apply(it.rec.GetKey(), it.rec.GetVersion(), it.src, writes) || changed
		}
		if !changed {
			for _, it := range its {
				results[it.i] = pluginapi.OK() // a redelivery
			}
			continue
		}
		todo = append(todo, pending{day: wellnessDay{Date: date, Fields: writes}, st: st, items: its})
	}
	save := func(p pending, err error) {
		if err == nil && len(p.day.Fields) > 0 {
			e.log.Info("intervals.icu wellness updated", "date", p.day.Date, "fields", len(p.day.Fields))
		}
		if err == nil {
			err = p.st.Save(ctx)
		}
		for _, it := range p.items {
			switch {
			case err != nil:
				results[it.i] = pluginapi.ResultFor(it.rec.GetKey(), err)
			case it.src.Skip != "":
				results[it.i] = pluginapi.OK()
				results[it.i].Message = "skipped: " + it.src.Skip
			default:
				results[it.i] = pluginapi.OK()
			}
		}
	}
	var put []pending
	for _, p := range todo {
		if len(p.day.Fields) == 0 {
			save(p, nil) // versions recorded, nothing to send
		} else {
			put = append(put, p)
		}
	}
	if len(put) == 0 {
		return
	}
	days := make([]wellnessDay, len(put))
	for i, p := range put {
		days[i] = p.day
	}
	err := e.c.putWellness(ctx, wellnessOp(days), days)
	var api *apiError
	if len(put) > 1 && errors.As(err, &api) && api.Permanent() {
		// The bulk PUT is all or nothing: find the day it refused.
		for _, p := range put {
			save(p, e.c.putWellness(ctx, wellnessOp([]wellnessDay{p.day}), []wellnessDay{p.day}))
		}
		return
	}
	for _, p := range put {
		save(p, err)
	}
}

func wellnessOp(days []wellnessDay) string {
	if len(days) == 1 {
		return "update the wellness of " + days[0].Date
	}
	return fmt.Sprintf("update the wellness of %d days (%s … %s)", len(days), days[0].Date, days[len(days)-1].Date)
}
