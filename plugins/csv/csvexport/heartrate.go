package csvexport

import (
	"math"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// continuousHeartRateHeader is continuous_heart_rate.csv: one row per
// user and local day, a summary of its samples (the samples themselves
// go to samples/<key>.samples.csv with samples: true).
var continuousHeartRateHeader = []string{
	"key", "version", "user_id", "source", "date", "zone", "day_start_utc", "day_end_utc",
	"samples", "heart_rate_min_bpm", "heart_rate_avg_bpm", "heart_rate_max_bpm",
	"first_sample_utc", "first_sample_local", "last_sample_utc", "last_sample_local",
}

// heartRateSample is one sample at its instant, with the UTC offset it
// was taken at.
type heartRateSample struct {
	at     time.Time
	offset int32 // minutes east of UTC
	bpm    float64
}

// heartRateSamples returns the day's samples with each one's offset,
// from the series and its utc_offsets.
func heartRateSamples(c *pluginapi.ContinuousHeartRate) []heartRateSample {
	s := c.GetHeartRate()
	if s.GetStart() == nil {
		return nil
	}
	start := s.GetStart().AsTime()
	offs := c.GetUtcOffsets()
	out := make([]heartRateSample, 0, len(s.GetValues()))
	j := 0
	var off int32
	if len(offs) > 0 {
		off = offs[0].GetUtcOffsetMinutes()
	}
	for i, v := range s.GetValues() {
		if i >= len(s.GetOffsetMs()) {
			break
		}
		for j+1 < len(offs) && int(offs[j+1].GetIndex()) <= i {
			j++
			off = offs[j].GetUtcOffsetMinutes()
		}
		out = append(out, heartRateSample{at: start.Add(time.Duration(s.GetOffsetMs()[i]) * time.Millisecond), offset: off, bpm: v})
	}
	return out
}

func continuousHeartRateRow(r *pluginapi.Record) []string {
	c := r.GetContinuousHeartRate()
	samples := heartRateSamples(c)
	row := []string{
		r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()), c.GetDate(), c.GetZone(),
		fmtTimestamp(c.GetDayStart()), fmtTimestamp(c.GetDayEnd()), fmtInt(len(samples)),
	}
	if len(samples) == 0 {
		return append(row, "", "", "", "", "", "", "")
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, s := range samples {
		lo, hi, sum = min(lo, s.bpm), max(hi, s.bpm), sum+s.bpm
	}
	first, last := samples[0], samples[len(samples)-1]
	return append(row, fmtFloat(lo), fmtFloat(math.Round(sum/float64(len(samples))*10)/10), fmtFloat(hi),
		fmtUTC(first.at), fmtLocal(first.at, first.offset), fmtUTC(last.at), fmtLocal(last.at, last.offset))
}

// continuousHeartRateSampleHeader is a day's samples file.
var continuousHeartRateSampleHeader = []string{"time_utc", "time_local", "utc_offset_min", "heart_rate_bpm"}

func continuousHeartRateSampleRows(c *pluginapi.ContinuousHeartRate) [][]string {
	samples := heartRateSamples(c)
	rows := make([][]string, len(samples))
	for i, s := range samples {
		rows[i] = []string{fmtUTC(s.at), fmtLocal(s.at, s.offset), fmtInt(s.offset), fmtFloat(s.bpm)}
	}
	return rows
}
