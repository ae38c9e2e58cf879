package csvexport

import (
	"io"
	"iter"
	"math"
	"strconv"
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

// heartRateSamples yields the day's samples with each one's offset,
// from the series and its utc_offsets.
func heartRateSamples(c *pluginapi.ContinuousHeartRate) iter.Seq[heartRateSample] {
	return func(yield func(heartRateSample) bool) {
		s := c.GetHeartRate()
		if s.GetStart() == nil {
			return
		}
		start := s.GetStart().AsTime()
		offs := c.GetUtcOffsets()
		j := 0
		var off int32
		if len(offs) > 0 {
			off = offs[0].GetUtcOffsetMinutes()
		}
		i := 0
		for ms, v := range s.All() {
			for j+1 < len(offs) && int(offs[j+1].GetIndex()) <= i {
				j++
				off = offs[j].GetUtcOffsetMinutes()
			}
			if !yield(heartRateSample{at: start.Add(time.Duration(ms) * time.Millisecond), offset: off, bpm: v}) {
				return
			}
			i++
		}
	}
}

func continuousHeartRateRow(r *pluginapi.Record) []string {
	c := r.GetContinuousHeartRate()
	var n int
	var first, last heartRateSample
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for s := range heartRateSamples(c) {
		if n == 0 {
			first = s
		}
		n, last = n+1, s
		lo, hi, sum = min(lo, s.bpm), max(hi, s.bpm), sum+s.bpm
	}
	row := []string{
		r.GetKey(), r.GetVersion(), r.GetUserId(), sourceName(r.GetSource()), c.GetDate(), c.GetZone(),
		fmtTimestamp(c.GetDayStart()), fmtTimestamp(c.GetDayEnd()), fmtInt(n),
	}
	if n == 0 {
		return append(row, "", "", "", "", "", "", "")
	}
	return append(row, fmtFloat(lo), fmtFloat(math.Round(sum/float64(n)*10)/10), fmtFloat(hi),
		fmtUTC(first.at), fmtLocal(first.at, first.offset), fmtUTC(last.at), fmtLocal(last.at, last.offset))
}

// continuousHeartRateSampleHeader is a day's samples file.
var continuousHeartRateSampleHeader = []string{"time_utc", "time_local", "utc_offset_min", "heart_rate_bpm"}

// writeContinuousHeartRateSamples writes a day's samples file to w, one
// row at a time (see timedSamples.write).
func writeContinuousHeartRateSamples(w io.Writer, c *pluginapi.ContinuousHeartRate) error {
	buf := appendHeader(make([]byte, 0, 512), continuousHeartRateSampleHeader)
	utc, local := newTimeAppender(0), newTimeAppender(0)
	var localOffset int32
	for s := range heartRateSamples(c) {
		if _, err := w.Write(buf); err != nil {
			return err
		}
		if s.offset != localOffset {
			local, localOffset = newTimeAppender(s.offset), s.offset
		}
		sec, nsec := s.at.Unix(), int64(s.at.Nanosecond())
		buf = utc.append(buf[:0], sec, nsec)
		buf = append(buf, ',')
		buf = local.append(buf, sec, nsec)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(s.offset), 10)
		buf = append(buf, ',')
		buf = appendFloat(buf, s.bpm)
		buf = append(buf, '\n')
	}
	_, err := w.Write(buf)
	return err
}
