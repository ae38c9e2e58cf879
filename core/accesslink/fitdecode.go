package accesslink

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/muktihari/fit/decoder"
	"github.com/muktihari/fit/kit/hash/crc16"
	"github.com/muktihari/fit/profile/untyped/fieldnum"
	"github.com/muktihari/fit/profile/untyped/mesgnum"
	"github.com/muktihari/fit/proto"
	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// FITActivity is what the normalizer takes from an exercise's FIT file.
// Decoding never alters the file's bytes; callers keep the original.
type FITActivity struct {
	// Start is the first record's timestamp (UTC); zero without records.
	Start time.Time
	// Series hold the per-record values, one per type, sorted by type,
	// offsets relative to Start. Invalid (unset) fields are left out.
	Series []*pluginapi.Series
	Laps   []FITLap
	// Sport and SubSport come from the first session, when it has one.
	// The numbers are the FIT profile's, so tormoder's enum types (the
	// ones core/sports maps) hold them unchanged.
	Sport      fit.Sport
	SubSport   fit.SubSport
	HasSession bool
}

// FITLap is a lap message's summary. Zero means not recorded.
type FITLap struct {
	Start           time.Time
	DurationSeconds float64 // elapsed, pauses included
	DistanceMeters  float64
	HeartRateAvg    int
	HeartRateMax    int
}

var errNotActivity = errors.New("not an activity file")

// DecodeFIT decodes an activity FIT file. Any failure, including a file
// that decodes but is not an activity or fails its CRC, wraps ErrBadFIT, so
// the caller can dead-letter the exercise.
//
// The decoder streams: each message is seen once and dropped, so memory is
// the output series, not the file's messages (#17: tormoder/fit kept all
// of them, ~35 MB allocated for a 10 h exercise). The file is decoded
// once. Each series is sized up front to the number of record messages,
// which fitRecordCount reads from the file's structure alone (appending
// instead allocated ten times the final size; a first decoding pass to
// count cost as much as the decoding). A series at a steady rate keeps
// its instants as runs (pluginapi.SeriesBuilder), not one offset per
// value.
func DecodeFIT(data []byte) (act *FITActivity, err error) {
	// A panic on a hostile file must not take the daemon down.
	defer func() {
		if r := recover(); r != nil {
			act, err = nil, fmt.Errorf("decode FIT: panic: %v: %w", r, ErrBadFIT)
		}
	}()
	if err := checkFITCRC(data); err != nil {
		return nil, fmt.Errorf("decode FIT: %v: %w", err, ErrBadFIT)
	}
	s := &fitScan{out: &FITActivity{}, capacity: fitRecordCount(data)}
	if err := s.decode(data); err != nil {
		return nil, fmt.Errorf("decode FIT: %v: %w", err, ErrBadFIT)
	}
	if !s.hasStart {
		return s.out, nil
	}
	s.out.Start = fitTime(s.start)
	for _, b := range s.series {
		if b != nil {
			s.out.Series = append(s.out.Series, b.Series())
		}
	}
	slices.SortFunc(s.out.Series, func(a, b *pluginapi.Series) int { return cmp.Compare(a.Type, b.Type) })
	return s.out, nil
}

// checkFITCRC checks the file's CRC as the FIT protocol (and tormoder/fit)
// define it: over the header and the data, the running CRC starting anew
// after a header with a (non-zero) CRC of its own. muktihari/fit always
// starts anew after the header, so it refuses a spec-conforming file with a
// 12-byte header or a zero header CRC; its check is off and this one
// replaces it, run once for both passes.
func checkFITCRC(data []byte) error {
	if len(data) == 0 || (data[0] != 12 && data[0] != 14) || len(data) < int(data[0]) {
		return errors.New("no FIT header")
	}
	size := int(data[0])
	if size == 14 && binary.LittleEndian.Uint16(data[12:14]) != 0 && crc16Of(data[:14]) != 0 {
		return errors.New("header CRC mismatch")
	}
	end := size + int(binary.LittleEndian.Uint32(data[4:8])) + 2
	if end > len(data) || end < size {
		return fmt.Errorf("data size %d beyond the file's %d bytes", end-size-2, len(data)-size)
	}
	// A CRC over bytes followed by their CRC is zero.
	if crc16Of(data[:end]) != 0 {
		return errors.New("file CRC mismatch")
	}
	return nil
}

func crc16Of(b []byte) uint16 {
	h := crc16.New()
	_, _ = h.Write(b)
	return h.Sum16()
}

// FIT record fields the series are built from, in this order.
const (
	seriesHR = iota
	seriesSpeed
	seriesCadence
	seriesAltitude
	seriesPower
	seriesDistance
	seriesTemperature
	seriesLat
	seriesLong
	numSeries
)

var seriesTypes = [numSeries]pluginapi.SampleType{
	seriesHR:          pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
	seriesSpeed:       pluginapi.SampleType_SAMPLE_TYPE_SPEED,
	seriesCadence:     pluginapi.SampleType_SAMPLE_TYPE_CADENCE,
	seriesAltitude:    pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE,
	seriesPower:       pluginapi.SampleType_SAMPLE_TYPE_POWER,
	seriesDistance:    pluginapi.SampleType_SAMPLE_TYPE_DISTANCE,
	seriesTemperature: pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE,
	seriesLat:         pluginapi.SampleType_SAMPLE_TYPE_LATITUDE,
	seriesLong:        pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE,
}

// FIT's epoch, 1989-12-31 UTC, in Unix seconds.
const fitEpoch = 631065600

func fitTime(ts uint32) time.Time { return time.Unix(fitEpoch+int64(ts), 0).UTC() }

// validFITTime reports whether ts is a time: 0 is the epoch itself, which
// FIT writers use for "unset", and 0xFFFFFFFF is the invalid value.
func validFITTime(ts uint32) bool { return ts != 0 && ts != 0xFFFFFFFF }

const semicirclesToDegrees = 180.0 / (1 << 31)

// fitScan is the pass over a file: it builds the series and collects
// start, laps, session and the file type.
type fitScan struct {
	out *FITActivity
	// series are built as their first value comes, with room for
	// capacity values.
	series   [numSeries]*pluginapi.SeriesBuilder
	capacity int
	msgs     int
	err      error // the first problem a message showed
	start    uint32
	hasStart bool
	// The running timestamp compressed headers count from; 0 until a
	// message carries a full one, and until then compressed records have
	// no time (as tormoder/fit decoded them).
	ts      uint32
	lastOff byte
}

func (s *fitScan) decode(data []byte) error {
	s.msgs, s.ts, s.lastOff = 0, 0, 0
	// Component expansion is off: the fields read here need none, and it
	// costs an accumulator per message. checkFITCRC did the CRC.
	d := decoder.New(bytes.NewReader(data),
		decoder.WithMesgListener(s),
		decoder.WithBroadcastOnly(),
		decoder.WithNoComponentExpansion(),
		decoder.WithIgnoreChecksum())
	if _, err := d.Decode(); err != nil {
		return err
	}
	if s.err != nil {
		return s.err
	}
	if s.msgs == 0 {
		return errors.New("no messages")
	}
	return nil
}

// OnMesg implements decoder.MesgListener. The message's fields are only
// valid during the call.
func (s *fitScan) OnMesg(m proto.Message) {
	s.msgs++
	if s.msgs == 1 {
		// As tormoder/fit did: file_id first, and an activity.
		if m.Num != mesgnum.FileId {
			s.setErr(fmt.Errorf("first message is %v, not file_id", m.Num))
		} else if t, ok := uint8Field(&m, fieldnum.FileIdType); !ok || t != 4 { // file type activity
			s.setErr(fmt.Errorf("file type %d: %w", t, errNotActivity))
		}
	}
	ts, hasTS := s.timestamp(&m)
	if s.err != nil {
		return
	}
	switch m.Num {
	case mesgnum.Record:
		if !hasTS || !validFITTime(ts) {
			return
		}
		if !s.hasStart {
			s.start, s.hasStart = ts, true
		}
		off := (int64(ts) - int64(s.start)) * 1000
		for i, v := range recordValues(&m) {
			if math.IsNaN(v) {
				continue
			}
			if s.series[i] == nil {
				s.series[i] = pluginapi.NewSeriesBuilder(seriesTypes[i], timestamp(fitTime(s.start)), s.capacity)
			}
			s.series[i].Add(off, v)
		}
	case mesgnum.Lap:
		s.out.Laps = append(s.out.Laps, fitLap(&m))
	case mesgnum.Session:
		if s.out.HasSession {
			return
		}
		sport, ok := uint8Field(&m, fieldnum.SessionSport)
		if !ok || sport == 0xFF {
			return
		}
		sub, ok := uint8Field(&m, fieldnum.SessionSubSport)
		if !ok || sub == 0xFF {
			sub = uint8(fit.SubSportGeneric)
		}
		s.out.Sport, s.out.SubSport, s.out.HasSession = fit.Sport(sport), fit.SubSport(sub), true
	}
}

func (s *fitScan) setErr(err error) {
	if s.err == nil {
		s.err = err
	}
}

// timestamp returns m's time, following compressed timestamp headers.
func (s *fitScan) timestamp(m *proto.Message) (uint32, bool) {
	if m.Header&proto.MesgCompressedHeaderMask == proto.MesgCompressedHeaderMask {
		if s.ts == 0 {
			return 0, false
		}
		off := m.Header & proto.CompressedTimeMask
		s.ts += uint32((off - s.lastOff) & proto.CompressedTimeMask)
		s.lastOff = off
		return s.ts, true
	}
	f := m.FieldByNum(proto.FieldNumTimestamp)
	if f == nil || f.Value.Type() != proto.TypeUint32 {
		return 0, false
	}
	ts := f.Value.Uint32()
	if ts != 0xFFFFFFFF {
		s.ts, s.lastOff = ts, byte(ts&proto.CompressedTimeMask)
	}
	return ts, true
}

// recordValues returns a record's value for each series, NaN where it has
// none.
func recordValues(m *proto.Message) [numSeries]float64 {
	nan := math.NaN()
	v := [numSeries]float64{}
	for i := range v {
		v[i] = nan
	}
	var speed, altitude float64 = nan, nan
	var enhSpeed, enhAltitude float64 = nan, nan
	var lat, long int32 = math.MaxInt32, math.MaxInt32 // the invalid value
	for i := range m.Fields {
		f := &m.Fields[i]
		x := f.Value
		switch f.Num {
		case fieldnum.RecordHeartRate:
			if x.Type() == proto.TypeUint8 && x.Uint8() != 0xFF {
				v[seriesHR] = float64(x.Uint8())
			}
		case fieldnum.RecordSpeed:
			if x.Type() == proto.TypeUint16 && x.Uint16() != 0xFFFF {
				speed = float64(x.Uint16()) / 1000
			}
		case fieldnum.RecordEnhancedSpeed:
			if x.Type() == proto.TypeUint32 && x.Uint32() != 0xFFFFFFFF {
				enhSpeed = float64(x.Uint32()) / 1000
			}
		case fieldnum.RecordCadence:
			if x.Type() == proto.TypeUint8 && x.Uint8() != 0xFF {
				v[seriesCadence] = float64(x.Uint8())
			}
		case fieldnum.RecordAltitude:
			if x.Type() == proto.TypeUint16 && x.Uint16() != 0xFFFF {
				altitude = fitAltitude(uint32(x.Uint16()))
			}
		case fieldnum.RecordEnhancedAltitude:
			if x.Type() == proto.TypeUint32 && x.Uint32() != 0xFFFFFFFF {
				enhAltitude = fitAltitude(x.Uint32())
			}
		case fieldnum.RecordPower:
			if x.Type() == proto.TypeUint16 && x.Uint16() != 0xFFFF {
				v[seriesPower] = float64(x.Uint16())
			}
		case fieldnum.RecordDistance:
			if x.Type() == proto.TypeUint32 && x.Uint32() != 0xFFFFFFFF {
				v[seriesDistance] = float64(x.Uint32()) / 100
			}
		case fieldnum.RecordTemperature:
			if x.Type() == proto.TypeInt8 && x.Int8() != 0x7F {
				v[seriesTemperature] = float64(x.Int8())
			}
		case fieldnum.RecordPositionLat:
			if x.Type() == proto.TypeInt32 {
				lat = x.Int32()
			}
		case fieldnum.RecordPositionLong:
			if x.Type() == proto.TypeInt32 {
				long = x.Int32()
			}
		}
	}
	v[seriesSpeed] = superseding(enhSpeed, speed)
	v[seriesAltitude] = superseding(enhAltitude, altitude)
	if lat != math.MaxInt32 && long != math.MaxInt32 {
		v[seriesLat] = float64(lat) * semicirclesToDegrees
		v[seriesLong] = float64(long) * semicirclesToDegrees
	}
	return v
}

// fitAltitude is a FIT altitude (scale 5, offset 500 m) in metres, as
// the decimal it stands for (steps of 0.2 m): float64(raw)/5 - 500 is
// not one (2601 gives 20.200000000000045). An exact decimal prints as
// it reads and packs in a byte or two (pluginapi.Series.PackValues)
// where that value takes eight.
func fitAltitude(raw uint32) float64 { return float64(int64(raw)*2-5000) / 10 }

// superseding returns the 16-bit field's value when it has one, else the
// enhanced one. FIT defines the 16-bit speed and altitude as components
// of the enhanced fields, and tormoder/fit expanded them over whatever
// the enhanced field held; the differential test holds us to that.
func superseding(enhanced, short float64) float64 {
	if !math.IsNaN(short) {
		return short
	}
	return enhanced
}

func fitLap(m *proto.Message) FITLap {
	lap := FITLap{}
	for i := range m.Fields {
		f := &m.Fields[i]
		x := f.Value
		switch f.Num {
		case fieldnum.LapStartTime:
			if x.Type() == proto.TypeUint32 && validFITTime(x.Uint32()) {
				lap.Start = fitTime(x.Uint32())
			}
		case fieldnum.LapTotalElapsedTime:
			if x.Type() == proto.TypeUint32 && x.Uint32() != 0xFFFFFFFF {
				lap.DurationSeconds = float64(x.Uint32()) / 1000
			}
		case fieldnum.LapTotalDistance:
			if x.Type() == proto.TypeUint32 && x.Uint32() != 0xFFFFFFFF {
				lap.DistanceMeters = float64(x.Uint32()) / 100
			}
		case fieldnum.LapAvgHeartRate:
			if x.Type() == proto.TypeUint8 && x.Uint8() != 0xFF {
				lap.HeartRateAvg = int(x.Uint8())
			}
		case fieldnum.LapMaxHeartRate:
			if x.Type() == proto.TypeUint8 && x.Uint8() != 0xFF {
				lap.HeartRateMax = int(x.Uint8())
			}
		}
	}
	return lap
}

func uint8Field(m *proto.Message, num byte) (uint8, bool) {
	f := m.FieldByNum(num)
	if f == nil || f.Value.Type() != proto.TypeUint8 {
		return 0, false
	}
	return f.Value.Uint8(), true
}
