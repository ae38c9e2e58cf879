package straightline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/muktihari/fit/decoder"
	"github.com/muktihari/fit/kit/datetime"
	"github.com/muktihari/fit/profile/mesgdef"
	"github.com/muktihari/fit/profile/typedef"
	"github.com/muktihari/fit/profile/untyped/mesgnum"
	"github.com/muktihari/fit/proto"
)

// muktihariFIT decodes the file with muktihari/fit, streaming: the
// decoder hands each message to a listener, which types it and, for a
// record, writes its samples row there and then; laps and the first
// session are kept. The decoder keeps no message (WithBroadcastOnly) and
// checks the CRC. Component expansion is off: the fields read here need
// none, and it would fill enhanced_speed from speed rounded down
// (1.003 m/s read back as 1.002), where tormoder/fit's is exact.
func (e *Exporter) muktihariFIT(id string, data []byte, start time.Time, loc *time.Location) (activity, error) {
	f, w, err := e.create(id+".samples.csv", sampleHeader)
	if err != nil {
		return activity{}, err
	}
	l := &mkListener{w: w, start: start, loc: loc, buf: e.buf}
	d := decoder.New(bytes.NewReader(data), decoder.WithMesgListener(l), decoder.WithBroadcastOnly(),
		decoder.WithNoComponentExpansion())
	_, err = d.Decode()
	e.buf = l.buf
	if err == nil {
		err = l.err
	}
	if err == nil && l.msgs == 0 {
		err = errors.New("no messages")
	}
	if err != nil {
		f.Close()
		return activity{}, fmt.Errorf("straight line: exercise %s FIT: %w", id, err)
	}
	return l.out, finish(f, w)
}

// mkListener receives muktihari/fit's decoded messages, which are only
// valid during OnMesg.
type mkListener struct {
	w       *bufio.Writer
	start   time.Time
	loc     *time.Location
	buf     []byte
	out     activity
	msgs    int
	err     error
	rec     mesgdef.Record
	lap     mesgdef.Lap
	session mesgdef.Session
}

// OnMesg implements decoder.MesgListener.
func (l *mkListener) OnMesg(m proto.Message) {
	l.msgs++
	if l.msgs == 1 {
		// As tormoder/fit's Activity: an activity file, its file_id first.
		if m.Num != mesgnum.FileId {
			l.err = fmt.Errorf("first message is %v, not file_id", m.Num)
		} else if t := mesgdef.NewFileId(&m).Type; t != typedef.FileActivity {
			l.err = fmt.Errorf("file type %v, not activity", t)
		}
	}
	if l.err != nil {
		return
	}
	switch m.Num {
	case mesgnum.Record:
		r := &l.rec
		r.Reset(&m)
		if r.Timestamp.IsZero() || r.Timestamp.Equal(datetime.Epoch()) {
			return
		}
		l.buf = appendSample(l.buf[:0], r.Timestamp, l.start, l.loc, mkRecordValues(r), &l.out.seen)
		l.w.Write(l.buf)
	case mesgnum.Lap:
		x := &l.lap
		x.Reset(&m)
		lp := lap{elapsed: x.TotalElapsedTimeScaled(), distance: x.TotalDistanceScaled(), avgHeartRate: x.AvgHeartRate, maxHeartRate: x.MaxHeartRate}
		if !x.StartTime.IsZero() && !x.StartTime.Equal(datetime.Epoch()) {
			lp.start = x.StartTime
		}
		l.out.laps = append(l.out.laps, lp)
	case mesgnum.Session:
		if l.out.hasSession {
			return
		}
		ss := &l.session
		ss.Reset(&m)
		l.out.sport, l.out.subSport, l.out.hasSession = uint8(ss.Sport), uint8(ss.SubSport), true
	}
}

// mkRecordValues are a record's values in sampleTypes order, NaN where
// the record has none, as recordValues for tormoder/fit's records.
func mkRecordValues(r *mesgdef.Record) [len(sampleTypes)]float64 {
	nan := math.NaN()
	v := [len(sampleTypes)]float64{nan, r.SpeedScaled(), nan, nan, nan, r.DistanceScaled(), nan, nan, nan}
	if r.HeartRate != 0xFF {
		v[0] = float64(r.HeartRate)
	}
	// The enhanced fields supersede the 16-bit ones when present.
	if r.EnhancedSpeed != 0xFFFFFFFF {
		v[1] = r.EnhancedSpeedScaled()
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
	if r.PositionLat != 0x7FFFFFFF && r.PositionLong != 0x7FFFFFFF {
		v[7], v[8] = r.PositionLatDegrees(), r.PositionLongDegrees()
	}
	return v
}
