// Package straightline is the baseline the bridge's performance is
// measured against (issue #17): a program that fetches an exercise from
// AccessLink, decodes its FIT file and writes its CSV row and samples
// file, all in one goroutine, with no queue, store, plugin or retry in
// between. It writes the columns the CSV plugin writes, in the plainest
// way that is not wasteful, so the ratio says what the bridge's
// machinery costs. It is deliberately independent of the bridge's code
// (core/accesslink, plugins/csv), so that optimizing the bridge cannot
// move the baseline.
//
// It decodes FIT files with either of two libraries (Exporter.Decoder):
// tormoder/fit, the program, or muktihari/fit, the library the
// bridge decodes with, so the bridge can be measured against a straight
// line that is not slowed down by a slower decoder. Both write the same
// bytes for the simulator's files
// (TestStraightLineDecodersWriteTheSameFiles).
package straightline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// exerciseHeader and sampleHeader are the CSV plugin's exercises.csv and
// samples file columns (plugins/csv/README.md).
var (
	exerciseHeader = "key,version,user_id,source,exercise_id,start_utc,start_local,utc_offset_min," +
		"duration_s,distance_m,calories_kcal,heart_rate_avg_bpm,heart_rate_max_bpm,training_load," +
		"sport,detailed_sport,fit_sport,fit_sub_sport,fit_sport_id,fit_sub_sport_id," +
		"device,device_id,has_route,running_index," +
		"fat_percentage,carbohydrate_percentage,protein_percentage,sample_types,files\n"
	lapHeader = "key,version,user_id,exercise_id,exercise_start_utc,lap,start_utc,start_local,utc_offset_min," +
		"duration_s,distance_m,heart_rate_avg_bpm,heart_rate_max_bpm\n"
	zoneHeader   = "key,version,user_id,exercise_id,exercise_start_utc,zone_index,lower_bpm,upper_bpm,time_in_zone_s\n"
	sampleHeader = "time_utc,time_local,elapsed_s,heart_rate_bpm,speed_m_s,cadence_rpm,altitude_m,power_w," +
		"distance_m,temperature_c,latitude_deg,longitude_deg,hrv_ms,breathing_rate_brpm\n"
	rrHeader = "time_utc,time_local,elapsed_s,rr_ms\n"
)

// Decoder chooses the library an Exporter decodes FIT files with.
type Decoder int

const (
	// Tormoder decodes with github.com/tormoder/fit into its typed
	// activity file, all messages in memory: issue #17's program.
	Tormoder Decoder = iota
	// Muktihari decodes with github.com/muktihari/fit, the bridge's
	// library, streaming: each record is typed (mesgdef.Record) and its
	// row written as it is decoded.
	Muktihari
)

func (d Decoder) String() string {
	switch d {
	case Tormoder:
		return "tormoder"
	case Muktihari:
		return "muktihari"
	}
	return "Decoder(" + strconv.Itoa(int(d)) + ")"
}

// Exporter writes exercises.csv, exercise_laps.csv, exercise_hr_zones.csv
// and, per exercise, samples/<id>.samples.csv and samples/<id>.rr.csv
// under its directory, appending each exercise's rows. It is not safe
// for concurrent use.
type Exporter struct {
	// Decoder is the FIT library; the zero value is Tormoder.
	Decoder Decoder

	api, token, userID string
	hc                 *http.Client
	dir                string
	rows, laps, zones  *os.File
	buf                []byte
}

// New creates dir (and dir/samples) and the shared files in it, for
// exercises fetched from the AccessLink API at api with the user's token.
func New(api, token, userID, dir string, hc *http.Client) (*Exporter, error) {
	if err := os.MkdirAll(filepath.Join(dir, "samples"), 0o755); err != nil {
		return nil, fmt.Errorf("straight line: %w", err)
	}
	e := &Exporter{api: strings.TrimSuffix(api, "/"), token: token, userID: userID, hc: hc, dir: dir}
	for _, f := range []struct {
		dst          **os.File
		name, header string
	}{{&e.rows, "exercises.csv", exerciseHeader}, {&e.laps, "exercise_laps.csv", lapHeader}, {&e.zones, "exercise_hr_zones.csv", zoneHeader}} {
		file, err := os.Create(filepath.Join(dir, f.name))
		if err == nil {
			*f.dst = file
			_, err = file.WriteString(f.header)
		}
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("straight line: %w", err)
		}
	}
	return e, nil
}

// Close closes the shared files.
func (e *Exporter) Close() error {
	var errs []error
	for _, f := range []*os.File{e.rows, e.laps, e.zones} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	return errors.Join(errs...)
}

// summary is the part of GET /v3/exercises/{id} that exercises.csv holds.
type summary struct {
	ID           string   `json:"id"`
	Device       string   `json:"device"`
	DeviceID     string   `json:"device_id"`
	StartTime    string   `json:"start_time"`
	UTCOffset    int      `json:"start_time_utc_offset"`
	Duration     string   `json:"duration"`
	Calories     int      `json:"calories"`
	Distance     *float64 `json:"distance"`
	TrainingLoad *float64 `json:"training_load"`
	HeartRate    struct {
		Average int `json:"average"`
		Maximum int `json:"maximum"`
	} `json:"heart_rate"`
	Sport          string `json:"sport"`
	DetailedSport  string `json:"detailed_sport_info"`
	HasRoute       bool   `json:"has_route"`
	RunningIndex   *int   `json:"running-index"`
	Fat            *int   `json:"fat_percentage"`
	Carbohydrate   *int   `json:"carbohydrate_percentage"`
	Protein        *int   `json:"protein_percentage"`
	HeartRateZones []struct {
		Index  int    `json:"index"`
		Lower  int    `json:"lower-limit"`
		Upper  int    `json:"upper-limit"`
		InZone string `json:"in-zone"`
	} `json:"heart_rate_zones"`
	Samples []sample `json:"samples"`
}

type sample struct {
	Type string `json:"sample-type"`
	Data string `json:"data"`
}

// Export fetches the exercise and its FIT file (the two calls the bridge
// makes), writes its samples and RR files, then appends its laps, zones
// and row, so a row on disk means the rest is there too.
func (e *Exporter) Export(ctx context.Context, id string) error {
	body, data, err := e.Fetch(ctx, id)
	if err != nil {
		return err
	}
	var s summary
	if err := json.Unmarshal(body, &s); err != nil {
		return fmt.Errorf("straight line: exercise %s: %w", id, err)
	}
	loc := time.FixedZone("", s.UTCOffset*60)
	local, err := time.ParseInLocation("2006-01-02T15:04:05", s.StartTime, loc)
	if err != nil {
		return fmt.Errorf("straight line: exercise %s start: %w", id, err)
	}
	var a activity
	switch e.Decoder {
	case Tormoder:
		a, err = e.tormoderFIT(id, data, local, loc)
	case Muktihari:
		a, err = e.muktihariFIT(id, data, local, loc)
	default:
		err = fmt.Errorf("straight line: unknown FIT decoder %v", e.Decoder)
	}
	if err != nil {
		return err
	}
	hasRR, err := e.writeRR(id, local, loc, s)
	if err != nil {
		return err
	}
	key := "exercise." + e.userID + "." + s.ID
	if err := e.writeLaps(key, s, local, a.laps); err != nil {
		return err
	}
	if err := e.writeZones(key, s, local); err != nil {
		return err
	}
	return e.writeRow(key, s, local, a, hasRR)
}

// activity is what the rows take from a FIT file, whichever library
// decoded it; the samples file is written by then.
type activity struct {
	// seen reports which sampleTypes columns have values.
	seen [len(sampleTypes)]bool
	laps []lap
	// sport and subSport are the first session's, when hasSession.
	sport, subSport uint8
	hasSession      bool
}

// lap is a lap message's columns; a zero start is none, NaN an unset
// number, 0xFF an unset heart rate.
type lap struct {
	start                      time.Time
	elapsed, distance          float64
	avgHeartRate, maxHeartRate uint8
}

// tormoderFIT decodes the file with tormoder/fit, then writes its
// samples file.
func (e *Exporter) tormoderFIT(id string, data []byte, start time.Time, loc *time.Location) (activity, error) {
	var a activity
	f, err := fit.Decode(bytes.NewReader(data))
	if err != nil {
		return a, fmt.Errorf("straight line: exercise %s FIT: %w", id, err)
	}
	fa, err := f.Activity()
	if err != nil {
		return a, fmt.Errorf("straight line: exercise %s FIT: %w", id, err)
	}
	if a.seen, err = e.writeSamples(id, start, loc, fa.Records); err != nil {
		return a, err
	}
	for _, l := range fa.Laps {
		x := lap{elapsed: l.GetTotalElapsedTimeScaled(), distance: l.GetTotalDistanceScaled(), avgHeartRate: l.AvgHeartRate, maxHeartRate: l.MaxHeartRate}
		if !l.StartTime.IsZero() && !fit.IsBaseTime(l.StartTime) {
			x.start = l.StartTime
		}
		a.laps = append(a.laps, x)
	}
	if len(fa.Sessions) > 0 {
		ss := fa.Sessions[0]
		a.sport, a.subSport, a.hasSession = uint8(ss.Sport), uint8(ss.SubSport), true
	}
	return a, nil
}

// Fetch returns the exercise's JSON (with samples and zones, as the
// bridge asks for it) and its FIT file.
func (e *Exporter) Fetch(ctx context.Context, id string) (exercise, fitFile []byte, err error) {
	if exercise, err = e.get(ctx, "/v3/exercises/"+id+"?samples=true&zones=true"); err != nil {
		return nil, nil, err
	}
	if fitFile, err = e.get(ctx, "/v3/exercises/"+id+"/fit"); err != nil {
		return nil, nil, err
	}
	return exercise, fitFile, nil
}

func (e *Exporter) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.api+path, nil)
	if err != nil {
		return nil, fmt.Errorf("straight line: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("straight line: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("straight line: GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("straight line: GET %s: %s", path, resp.Status)
	}
	return body, nil
}

// sampleTypes name the value columns a record fills, in column order, as
// the plugin's sample_types column does.
var sampleTypes = [...]string{"heart_rate", "speed", "cadence", "altitude", "power", "distance", "temperature", "latitude", "longitude"}

// altitude is a FIT altitude in metres as the decimal it stands for
// (the bridge's too): the library's raw/5 - 500 in floats is not one.
func altitude(raw uint32) float64 { return float64(int64(raw)*2-5000) / 10 }

// recordValues are a record's values in sampleTypes order, NaN where the
// record has none.
func recordValues(r *fit.RecordMsg) [len(sampleTypes)]float64 {
	nan := math.NaN()
	v := [len(sampleTypes)]float64{nan, r.GetSpeedScaled(), nan, nan, nan, r.GetDistanceScaled(), nan, nan, nan}
	if r.HeartRate != 0xFF {
		v[0] = float64(r.HeartRate)
	}
	// The enhanced fields supersede the 16-bit ones when present.
	if r.EnhancedSpeed != 0xFFFFFFFF {
		v[1] = r.GetEnhancedSpeedScaled()
	}
	if r.Cadence != 0xFF {
		v[2] = float64(r.Cadence)
	}
	if r.EnhancedAltitude != 0xFFFFFFFF {
		v[3] = altitude(r.EnhancedAltitude)
	} else if r.Altitude != 0xFFFF {
		v[3] = altitude(uint32(r.Altitude))
	}
	if r.Power != 0xFFFF {
		v[4] = float64(r.Power)
	}
	if r.Temperature != 0x7F {
		v[6] = float64(r.Temperature)
	}
	if !r.PositionLat.Invalid() && !r.PositionLong.Invalid() {
		v[7], v[8] = r.PositionLat.Degrees(), r.PositionLong.Degrees()
	}
	return v
}

// writeSamples writes one row per record, its values at the row's time,
// and reports which columns have values.
func (e *Exporter) writeSamples(id string, start time.Time, loc *time.Location, records []*fit.RecordMsg) (seen [len(sampleTypes)]bool, err error) {
	f, w, err := e.create(id+".samples.csv", sampleHeader)
	if err != nil {
		return seen, err
	}
	b := e.buf
	for _, r := range records {
		if r.Timestamp.IsZero() || fit.IsBaseTime(r.Timestamp) {
			continue
		}
		b = appendSample(b[:0], r.Timestamp, start, loc, recordValues(r), &seen)
		w.Write(b)
	}
	e.buf = b
	return seen, finish(f, w)
}

// appendSample appends a samples file row: the record's time t, its
// values v, and marks the columns it has values for in seen.
func appendSample(b []byte, t, start time.Time, loc *time.Location, v [len(sampleTypes)]float64, seen *[len(sampleTypes)]bool) []byte {
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, ',')
	b = t.In(loc).AppendFormat(b, time.RFC3339Nano)
	b = append(b, ',')
	b = appendFloat(b, seconds(t.Sub(start)))
	for i, x := range v {
		b = append(b, ',')
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			seen[i] = true
			b = appendFloat(b, x)
		}
	}
	return append(b, ",,\n"...) // HRV and breathing rate: not in an exercise's records
}

func (e *Exporter) create(name, header string) (*os.File, *bufio.Writer, error) {
	f, err := os.Create(filepath.Join(e.dir, "samples", name))
	if err != nil {
		return nil, nil, fmt.Errorf("straight line: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	w.WriteString(header)
	return f, w, nil
}

func finish(f *os.File, w *bufio.Writer) error {
	err := w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("straight line: %w", err)
	}
	return nil
}

// writeRR writes the RR intervals of the exercise's JSON samples (the FIT
// records have none): beat i is at the sum of intervals 0..i, a null
// interval is skipped. hasRR is false, and no file written, without any.
func (e *Exporter) writeRR(id string, start time.Time, loc *time.Location, s summary) (hasRR bool, err error) {
	i := slices.IndexFunc(s.Samples, func(x sample) bool { return x.Type == "11" && strings.TrimSpace(x.Data) != "" })
	if i < 0 {
		return false, nil
	}
	f, w, err := e.create(id+".rr.csv", rrHeader)
	if err != nil {
		return false, err
	}
	var sum float64 // ms
	b := e.buf
	for entry := range strings.SplitSeq(s.Samples[i].Data, ",") {
		entry = strings.TrimSpace(entry)
		if strings.EqualFold(entry, "null") {
			continue
		}
		v, err := strconv.ParseFloat(entry, 64)
		if err != nil {
			f.Close()
			return false, fmt.Errorf("straight line: exercise %s RR: %w", id, err)
		}
		sum += v
		at := start.Add(time.Duration(math.Round(sum)) * time.Millisecond)
		b = at.UTC().AppendFormat(b[:0], time.RFC3339Nano)
		b = append(b, ',')
		b = at.In(loc).AppendFormat(b, time.RFC3339Nano)
		b = appendOpt(b, seconds(at.Sub(start)), true)
		b = appendOpt(b, v, true)
		w.Write(append(b, '\n'))
	}
	e.buf = b
	return true, finish(f, w)
}

// appendTime appends a comma and t's three columns: UTC, local, offset.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, ',')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, ',')
	b = t.AppendFormat(b, time.RFC3339Nano)
	_, off := t.Zone()
	b = append(b, ',')
	return strconv.AppendInt(b, int64(off/60), 10)
}

// appendPrefix starts a laps or zones row: key, version, user, exercise
// and its start.
func (e *Exporter) appendPrefix(b []byte, key string, s summary, start time.Time) []byte {
	for _, c := range []string{key, "", e.userID, s.ID} {
		b = append(append(b, c...), ',')
	}
	return start.UTC().AppendFormat(b, time.RFC3339Nano)
}

func (e *Exporter) writeLaps(key string, s summary, start time.Time, laps []lap) error {
	b := e.buf[:0]
	for i, l := range laps {
		b = e.appendPrefix(b, key, s, start)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(i+1), 10)
		if l.start.IsZero() {
			b = append(b, ",,,"...)
		} else {
			b = appendTime(b, l.start.In(start.Location()))
		}
		b = appendOpt(b, zeroNaN(l.elapsed), true)
		b = appendOpt(b, zeroNaN(l.distance), true)
		b = appendUint8(b, l.avgHeartRate)
		b = append(appendUint8(b, l.maxHeartRate), '\n')
	}
	e.buf = b
	if _, err := e.laps.Write(b); err != nil {
		return fmt.Errorf("straight line: exercise_laps.csv: %w", err)
	}
	return nil
}

// zeroNaN is 0 for an unset FIT field, as the bridge records it.
func zeroNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// appendUint8 appends a comma and a FIT byte, 0 when unset (0xFF).
func appendUint8(b []byte, v uint8) []byte {
	if v == 0xFF {
		v = 0
	}
	return strconv.AppendUint(append(b, ','), uint64(v), 10)
}

func (e *Exporter) writeZones(key string, s summary, start time.Time) error {
	b := e.buf[:0]
	for _, z := range s.HeartRateZones {
		b = e.appendPrefix(b, key, s, start)
		for _, v := range []int{z.Index, z.Lower, z.Upper} {
			b = strconv.AppendInt(append(b, ','), int64(v), 10)
		}
		b = append(appendOpt(b, isoSeconds(z.InZone), true), '\n')
	}
	e.buf = b
	if _, err := e.zones.Write(b); err != nil {
		return fmt.Errorf("straight line: exercise_hr_zones.csv: %w", err)
	}
	return nil
}

// appendOpt appends a comma and v, or only the comma (an empty cell)
// when v is not set.
func appendOpt(b []byte, v float64, ok bool) []byte {
	b = append(b, ',')
	if !ok || math.IsNaN(v) {
		return b
	}
	return appendFloat(b, v)
}

// seconds divides as the plugin does: Duration.Seconds rounds otherwise.
func seconds(d time.Duration) float64 { return float64(d) / 1e9 }

func appendFloat(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }

func (e *Exporter) writeRow(key string, s summary, local time.Time, a activity, hasRR bool) error {
	var fitSport, fitSub string
	var fitSportID, fitSubID uint8
	if a.hasSession {
		fitSportID, fitSubID = a.sport, a.subSport
		if fitSubID == uint8(fit.SubSportInvalid) {
			fitSubID = uint8(fit.SubSportGeneric)
		}
		fitSport = pluginapi.FITSportName(fitSportID)
		if fitSubID != uint8(fit.SubSportGeneric) {
			fitSub = pluginapi.FITSubSportName(fitSubID)
		}
	}
	b := e.buf[:0]
	for _, c := range []string{key, "", e.userID, "accesslink"} {
		b = append(append(b, c...), ',')
	}
	b = append(b, s.ID...)
	b = appendTime(b, local)
	b = appendOpt(b, isoSeconds(s.Duration), true)
	b = appendOpt(b, deref(s.Distance), s.Distance != nil)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Calories), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.HeartRate.Average), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.HeartRate.Maximum), 10)
	b = appendOpt(b, deref(s.TrainingLoad), s.TrainingLoad != nil)
	for _, c := range []string{s.Sport, s.DetailedSport, fitSport, fitSub} {
		b = append(append(b, ','), c...)
	}
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(fitSportID), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(fitSubID), 10)
	b = append(append(b, ','), s.Device...)
	b = append(append(b, ','), s.DeviceID...)
	b = append(b, ',')
	b = strconv.AppendBool(b, s.HasRoute)
	for _, p := range []*int{s.RunningIndex, s.Fat, s.Carbohydrate, s.Protein} {
		b = append(b, ',')
		if p != nil {
			b = strconv.AppendInt(b, int64(*p), 10)
		}
	}
	b = append(b, ',')
	sep := ""
	for i, ok := range a.seen {
		if ok {
			b = append(append(b, sep...), sampleTypes[i]...)
			sep = ";"
		}
	}
	if hasRR {
		b = append(append(b, sep...), "rr_interval"...)
	}
	b = append(b, ",fit\n"...)
	e.buf = b
	if _, err := e.rows.Write(b); err != nil {
		return fmt.Errorf("straight line: exercises.csv: %w", err)
	}
	return nil
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// isoSeconds reads AccessLink's ISO 8601 durations, e.g. PT1H2M3.5S; NaN
// (an empty cell) when it cannot.
func isoSeconds(s string) float64 {
	rest, ok := strings.CutPrefix(s, "PT")
	if !ok {
		return math.NaN()
	}
	var total float64
	for _, unit := range []struct {
		suffix string
		secs   float64
	}{{"H", 3600}, {"M", 60}, {"S", 1}} {
		num, after, found := strings.Cut(rest, unit.suffix)
		if !found {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return math.NaN()
		}
		total += v * unit.secs
		rest = after
	}
	if rest != "" {
		return math.NaN()
	}
	return total
}
