package accesslinksim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/tormoder/fit"
	"github.com/tormoder/fit/dyncrc16"
)

// fitCache encodes an exercise's FIT file once; repeated downloads must be
// byte-identical, as they are from Polar.
type fitCache struct {
	once sync.Once
	data []byte
	err  error
}

func (ex *exercise) fitBytes() ([]byte, error) {
	ex.fit.once.Do(func() {
		ex.fit.data, ex.fit.err = encodeFIT(ex)
	})
	return ex.fit.data, ex.fit.err
}

// Polar's FIT manufacturer id and a plausible product number.
const (
	fitProductPolar = 7
)

// encodeFIT writes an activity file with 1 Hz records, HRV (RR) messages,
// one lap, one session and the activity message.
func encodeFIT(ex *exercise) ([]byte, error) {
	st := ex.st
	if st == nil {
		return nil, fmt.Errorf("exercise %s has no samples", ex.hashID)
	}
	f, err := fit.NewFile(fit.FileTypeActivity, fit.NewHeader(fit.V20, true))
	if err != nil {
		return nil, fmt.Errorf("new FIT file: %w", err)
	}
	start := ex.start.UTC()
	end := start.Add(time.Duration(ex.durSec) * time.Second)
	f.FileId.Manufacturer = fit.ManufacturerPolarElectro
	f.FileId.Product = fitProductPolar
	f.FileId.SerialNumber = serialFromDeviceID(ex.deviceID)
	f.FileId.TimeCreated = start

	act, err := f.Activity()
	if err != nil {
		return nil, fmt.Errorf("FIT activity: %w", err)
	}

	dev := fit.NewDeviceInfoMsg()
	dev.Timestamp = start
	dev.DeviceIndex = 0
	dev.Manufacturer = fit.ManufacturerPolarElectro
	dev.Product = fitProductPolar
	dev.SerialNumber = f.FileId.SerialNumber
	act.DeviceInfos = append(act.DeviceInfos, dev)

	startEv := fit.NewEventMsg()
	startEv.Timestamp, startEv.Event, startEv.EventType, startEv.EventGroup = start, fit.EventTimer, fit.EventTypeStart, 0
	stopEv := fit.NewEventMsg()
	stopEv.Timestamp, stopEv.Event, stopEv.EventType, stopEv.EventGroup = end, fit.EventTimer, fit.EventTypeStopAll, 0
	act.Events = append(act.Events, startEv, stopEv)

	act.Records = make([]*fit.RecordMsg, len(st.hr))
	for i := range st.hr {
		rec := fit.NewRecordMsg()
		rec.Timestamp = start.Add(time.Duration(i) * time.Second)
		rec.HeartRate = st.hr[i]
		if st.lat != nil {
			rec.PositionLat = fit.NewLatitudeDegrees(st.lat[i])
			rec.PositionLong = fit.NewLongitudeDegrees(st.lon[i])
		}
		if st.alt != nil {
			rec.Altitude = uint16(math.Round((st.alt[i] + 500) * 5))
		}
		if st.speed != nil {
			rec.Speed = uint16(math.Round(st.speed[i] * 1000))
			rec.Distance = uint32(math.Round(st.dist[i] * 100))
		}
		if st.cad != nil {
			rec.Cadence = st.cad[i]
		}
		if st.power != nil {
			rec.Power = st.power[i]
		}
		act.Records[i] = rec
	}
	for _, rr := range st.rr {
		if rr < 0 {
			continue // FIT has no NULL beat; the strap simply lost contact
		}
		h := fit.NewHrvMsg()
		h.Time = []uint16{uint16(rr)}
		act.Hrvs = append(act.Hrvs, h)
	}

	elapsed := uint32(ex.durSec * 1000)
	lap := fit.NewLapMsg()
	lap.MessageIndex = 0
	lap.Timestamp, lap.StartTime = end, start
	lap.Event, lap.EventType = fit.EventLap, fit.EventTypeStop
	lap.TotalElapsedTime, lap.TotalTimerTime = elapsed, elapsed
	lap.LapTrigger = fit.LapTriggerSessionEnd
	lap.Sport = ex.p.fitSport

	sess := fit.NewSessionMsg()
	sess.MessageIndex = 0
	sess.Timestamp, sess.StartTime = end, start
	sess.Event, sess.EventType = fit.EventSession, fit.EventTypeStop
	sess.Sport, sess.SubSport = ex.p.fitSport, ex.p.fitSub
	sess.TotalElapsedTime, sess.TotalTimerTime = elapsed, elapsed
	sess.TotalCalories = uint16(ex.calories)
	sess.AvgHeartRate, sess.MaxHeartRate = uint8(ex.avgHR), uint8(ex.maxHR)
	sess.FirstLapIndex, sess.NumLaps = 0, 1
	sess.Trigger = fit.SessionTriggerActivityEnd
	if st.speed != nil {
		dist := uint32(math.Round(st.dist[len(st.dist)-1] * 100))
		sess.TotalDistance, lap.TotalDistance = dist, dist
		avg := uint16(math.Round(st.dist[len(st.dist)-1] / float64(ex.durSec) * 1000))
		var top float64
		for _, v := range st.speed {
			top = math.Max(top, v)
		}
		sess.AvgSpeed, lap.AvgSpeed = avg, avg
		sess.MaxSpeed, lap.MaxSpeed = uint16(math.Round(top*1000)), uint16(math.Round(top*1000))
	}
	if st.lat != nil {
		sess.StartPositionLat, sess.StartPositionLong = fit.NewLatitudeDegrees(st.lat[0]), fit.NewLongitudeDegrees(st.lon[0])
		lap.StartPositionLat, lap.StartPositionLong = sess.StartPositionLat, sess.StartPositionLong
	}
	if st.alt != nil {
		var up, down float64
		for i := 1; i < len(st.alt); i++ {
			if d := st.alt[i] - st.alt[i-1]; d > 0 {
				up += d
			} else {
				down -= d
			}
		}
		sess.TotalAscent, sess.TotalDescent = uint16(math.Round(up)), uint16(math.Round(down))
	}
	lap.TotalCalories, lap.AvgHeartRate, lap.MaxHeartRate = sess.TotalCalories, sess.AvgHeartRate, sess.MaxHeartRate
	act.Laps = append(act.Laps, lap)
	act.Sessions = append(act.Sessions, sess)

	am := fit.NewActivityMsg()
	am.Timestamp = end
	am.TotalTimerTime = elapsed
	am.NumSessions = 1
	am.Type = fit.ActivityModeManual
	am.Event, am.EventType = fit.EventActivity, fit.EventTypeStop
	am.LocalTimestamp = end.In(ex.start.Location())
	act.Activity = am

	var buf bytes.Buffer
	buf.Grow(len(st.hr) * 26)
	if err := fit.Encode(&buf, f, binary.LittleEndian); err != nil {
		return nil, fmt.Errorf("encode FIT: %w", err)
	}
	out, err := canonicalizeFIT(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("canonicalize FIT: %w", err)
	}
	return out, nil
}

func serialFromDeviceID(id string) uint32 {
	var v uint32
	for _, c := range id {
		v = v*31 + uint32(c)
	}
	return v
}

// canonicalizeFIT sorts the fields of every definition message by field
// number and permutes the data messages to match. tormoder/fit builds the
// definitions of repeated messages from a Go map, so without this the same
// exercise would encode to different bytes on every run.
func canonicalizeFIT(in []byte) ([]byte, error) {
	if len(in) < 14 {
		return nil, fmt.Errorf("file too short: %d bytes", len(in))
	}
	hdrSize := int(in[0])
	dataSize := int(binary.LittleEndian.Uint32(in[4:8]))
	if hdrSize+dataSize+2 != len(in) {
		return nil, fmt.Errorf("size mismatch: header %d + data %d + 2 != %d", hdrSize, dataSize, len(in))
	}
	out := make([]byte, len(in))
	copy(out, in[:hdrSize])

	type fdef struct{ num, size, typ byte }
	type def struct {
		fields []fdef
		perm   []int // perm[k] = original index of sorted field k
		offs   []int // byte offset of each original field in a data message
		size   int
	}
	defs := map[byte]*def{}
	pos := hdrSize
	end := hdrSize + dataSize
	for pos < end {
		h := in[pos]
		if h&0x80 != 0 {
			return nil, fmt.Errorf("compressed timestamp header at %d not supported", pos)
		}
		local := h & 0x0F
		if h&0x40 != 0 { // definition message
			if h&0x20 != 0 {
				return nil, fmt.Errorf("developer fields at %d not supported", pos)
			}
			if pos+6 > end {
				return nil, fmt.Errorf("truncated definition at %d", pos)
			}
			n := int(in[pos+5])
			if pos+6+3*n > end {
				return nil, fmt.Errorf("truncated definition fields at %d", pos)
			}
			d := &def{fields: make([]fdef, n), perm: make([]int, n), offs: make([]int, n)}
			for i := range n {
				b := in[pos+6+3*i:]
				d.fields[i] = fdef{b[0], b[1], b[2]}
				d.perm[i] = i
				d.offs[i] = d.size
				d.size += int(b[1])
			}
			sort.SliceStable(d.perm, func(a, b int) bool { return d.fields[d.perm[a]].num < d.fields[d.perm[b]].num })
			copy(out[pos:pos+6], in[pos:pos+6])
			for k, i := range d.perm {
				f := d.fields[i]
				out[pos+6+3*k], out[pos+7+3*k], out[pos+8+3*k] = f.num, f.size, f.typ
			}
			defs[local] = d
			pos += 6 + 3*n
			continue
		}
		d := defs[local]
		if d == nil {
			return nil, fmt.Errorf("data message at %d without definition", pos)
		}
		if pos+1+d.size > end {
			return nil, fmt.Errorf("truncated data message at %d", pos)
		}
		out[pos] = h
		w := pos + 1
		for _, i := range d.perm {
			sz := int(d.fields[i].size)
			copy(out[w:w+sz], in[pos+1+d.offs[i]:pos+1+d.offs[i]+sz])
			w += sz
		}
		pos += 1 + d.size
	}
	binary.LittleEndian.PutUint16(out[end:], dyncrc16.Checksum(out[:end]))
	return out, nil
}
