package accesslink

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/muktihari/fit/decoder"
	"github.com/muktihari/fit/encoder"
	"github.com/muktihari/fit/kit/hash/crc16"
	"github.com/muktihari/fit/profile/factory"
	"github.com/muktihari/fit/profile/typedef"
	"github.com/muktihari/fit/profile/untyped/fieldnum"
	"github.com/muktihari/fit/profile/untyped/mesgnum"
	"github.com/muktihari/fit/proto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
)

// requireSameActivity holds DecodeFIT to what the tormoder/fit path made
// of the same file: values and offsets bit for bit, no tolerance.
func requireSameActivity(t *testing.T, want, got *FITActivity) {
	t.Helper()
	require.True(t, want.Start.Equal(got.Start), "start %v, want %v", got.Start, want.Start)
	assert.Equal(t, want.Start.Location(), got.Start.Location())
	assert.Equal(t, want.Sport, got.Sport)
	assert.Equal(t, want.SubSport, got.SubSport)
	assert.Equal(t, want.HasSession, got.HasSession)
	assert.Equal(t, want.Laps, got.Laps)
	require.Len(t, got.Series, len(want.Series))
	for i, w := range want.Series {
		g := got.Series[i]
		require.Equal(t, w.GetType(), g.GetType())
		assert.True(t, w.GetStart().AsTime().Equal(g.GetStart().AsTime()), w.GetType())
		assert.Equal(t, len(w.GetOffsetMs()), g.Len(), w.GetType())
		if len(w.GetOffsetMs()) > 0 {
			assert.Equal(t, w.GetOffsetMs(), g.Offsets(), w.GetType())
		}
		assert.GreaterOrEqual(t, cap(g.GetValues()), len(w.GetValues()), "%v: sized up front", w.GetType())
		require.Len(t, g.GetValues(), len(w.GetValues()), w.GetType())
		for j, v := range w.GetValues() {
			if math.Float64bits(v) != math.Float64bits(g.GetValues()[j]) {
				t.Fatalf("%v value %d: %v (%#x), want %v (%#x)", w.GetType(), j,
					g.GetValues()[j], math.Float64bits(g.GetValues()[j]), v, math.Float64bits(v))
			}
		}
	}
}

// diffFixtures are every kind of FIT the project makes: the test encoder's,
// the simulator's and hand-made edge cases.
func diffFixtures(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for name, spec := range map[string]fitSpec{
		"run trail no GPS at 7": {start: fitStart, seconds: 120, laps: 2, sport: fit.SportRunning, subSport: fit.SubSportTrail, noGPSAt: 7},
		"no session":            {start: fitStart, seconds: 3, sport: fit.SportInvalid, noGPSAt: -1},
		"1h cycling":            {start: fitStart, seconds: 3600, laps: 12, sport: fit.SportCycling, noGPSAt: -1},
		"no GPS at 0":           {start: fitStart, seconds: 40, laps: 1, sport: fit.SportSwimming, subSport: fit.SubSportLapSwimming, noGPSAt: 0},
		"no records":            {start: fitStart, seconds: 0, laps: 0, sport: fit.SportWalking, noGPSAt: -1},
	} {
		files["spec/"+name] = buildFIT(t, spec)
	}

	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	sim, err := accesslinksim.New(accesslinksim.WithSeed(11), accesslinksim.WithUsers(3),
		accesslinksim.WithHistoryDays(14), accesslinksim.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	nsim := 0
	for _, u := range sim.Users() {
		for _, ex := range sim.Exercises(u.ID) {
			if !ex.HasFIT {
				continue
			}
			data, err := sim.ExerciseFIT(ex.ID)
			require.NoError(t, err)
			files["sim/"+ex.ID] = data
			nsim++
		}
	}
	require.NotZero(t, nsim, "the simulator made no FIT files")

	// The CRC over header and data, as a 12-byte header or a zero header
	// CRC has it.
	files["spec/12-byte header"] = buildFITHeader(t, fit.NewHeader(fit.V20, false))
	zeroHdrCRC := bytes.Clone(files["spec/run trail no GPS at 7"])
	zeroHdrCRC[12], zeroHdrCRC[13] = 0, 0
	zeroHdrCRC = binary.LittleEndian.AppendUint16(zeroHdrCRC[:len(zeroHdrCRC)-2], crc16Of(zeroHdrCRC[:len(zeroHdrCRC)-2]))
	files["spec/zero header CRC"] = zeroHdrCRC
	badHdrCRC := bytes.Clone(files["spec/run trail no GPS at 7"])
	badHdrCRC[12] ^= 0x10
	files["spec/bad header CRC"] = badHdrCRC

	for name, data := range edgeFITs(t) {
		files["edge/"+name] = data
	}
	return files
}

// badFixtures are the fixtures both decoders must refuse.
var badFixtures = map[string]bool{
	"spec/bad header CRC":       true,
	"edge/not activity":         true,
	"edge/no file_id":           true,
	"edge/file_id not first":    true,
	"edge/file_id without type": true,
}

func TestDecodeFITSameAsTormoder(t *testing.T) {
	for name, data := range diffFixtures(t) {
		t.Run(name, func(t *testing.T) {
			want, wantErr := decodeFITTormoder(data)
			got, err := DecodeFIT(data)
			if badFixtures[name] {
				require.Error(t, wantErr, "tormoder accepted it")
				assert.ErrorIs(t, wantErr, ErrBadFIT)
				assert.ErrorIs(t, err, ErrBadFIT, "tormoder: %v", wantErr)
				return
			}
			require.NoError(t, wantErr, "tormoder refused it")
			require.NoError(t, err)
			requireSameActivity(t, want, got)
		})
	}
}

// Every truncation and a spread of byte flips: both decoders must refuse
// them (the CRC catches a flip), the new one wrapping ErrBadFIT.
func TestDecodeFITCorruptSameAsTormoder(t *testing.T) {
	good := buildFIT(t, fitSpec{start: fitStart, seconds: 30, laps: 1, sport: fit.SportRunning, noGPSAt: 3})
	check := func(t *testing.T, data []byte) {
		t.Helper()
		_, wantErr := decodeFITTormoder(data)
		_, err := DecodeFIT(data)
		if wantErr == nil {
			// A flip tormoder accepts (none so far) must still decode.
			assert.NoError(t, err)
			return
		}
		assert.ErrorIs(t, err, ErrBadFIT, "tormoder: %v", wantErr)
	}
	for n := range len(good) {
		t.Run(fmt.Sprintf("truncated at %d", n), func(t *testing.T) { check(t, good[:n]) })
	}
	for i := 0; i < len(good); i += 7 {
		flipped := bytes.Clone(good)
		flipped[i] ^= 0x5A
		t.Run(fmt.Sprintf("flipped %d", i), func(t *testing.T) { check(t, flipped) })
	}
}

func TestDecodeFITRejectsBadCRC(t *testing.T) {
	good := buildFIT(t, fitSpec{start: fitStart, seconds: 30, sport: fit.SportRunning, noGPSAt: -1})
	_, err := DecodeFIT(good)
	require.NoError(t, err)
	// A record's heart rate changed, the CRC left as it was: the file
	// still parses, only the CRC tells.
	bad := bytes.Clone(good)
	i := bytes.LastIndexByte(bad[:len(bad)-2], specHR(29))
	require.Positive(t, i)
	bad[i]++
	_, err = DecodeFIT(bad)
	assert.ErrorIs(t, err, ErrBadFIT)
	assert.ErrorContains(t, err, "CRC")
}

// mf is a field of message mesg with value v.
func mf(mesg typedef.MesgNum, num byte, v proto.Value) proto.Field {
	f := factory.CreateField(mesg, num)
	f.Value = v
	return f
}

func fitTS(t time.Time) proto.Value { return proto.Uint32(uint32(t.Unix() - fitEpoch)) }

func fileID(typ typedef.File) proto.Message {
	return proto.Message{Num: mesgnum.FileId, Fields: []proto.Field{
		mf(mesgnum.FileId, fieldnum.FileIdType, proto.Uint8(uint8(typ))),
		mf(mesgnum.FileId, fieldnum.FileIdManufacturer, proto.Uint16(uint16(typedef.ManufacturerPolarElectro))),
		mf(mesgnum.FileId, fieldnum.FileIdTimeCreated, fitTS(fitStart)),
	}}
}

func record(fields ...proto.Field) proto.Message {
	return proto.Message{Num: mesgnum.Record, Fields: fields}
}

func rf(num byte, v proto.Value) proto.Field { return mf(mesgnum.Record, num, v) }

func recAt(s int) proto.Field {
	return rf(fieldnum.RecordTimestamp, fitTS(fitStart.Add(time.Duration(s)*time.Second)))
}

func session(sport, sub uint8) proto.Message {
	return proto.Message{Num: mesgnum.Session, Fields: []proto.Field{
		mf(mesgnum.Session, fieldnum.SessionTimestamp, fitTS(fitStart.Add(time.Hour))),
		mf(mesgnum.Session, fieldnum.SessionSport, proto.Uint8(sport)),
		mf(mesgnum.Session, fieldnum.SessionSubSport, proto.Uint8(sub)),
	}}
}

func encodeMuktihari(t *testing.T, msgs []proto.Message, opts ...encoder.Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	// Invalid values are the point of some fixtures: keep them.
	opts = append(opts, encoder.WithMessageValidator(encoder.NewMessageValidator(encoder.ValidatorWithPreserveInvalidValues())))
	err := encoder.New(&buf, opts...).Encode(&proto.FIT{
		FileHeader: proto.FileHeader{Size: 14, ProtocolVersion: proto.V1, ProfileVersion: 2100, DataType: proto.DataTypeFIT},
		Messages:   msgs,
	})
	require.NoError(t, err)
	return buf.Bytes()
}

// edgeFITs are files the project's encoders do not make but a device may.
func edgeFITs(t *testing.T) map[string][]byte {
	t.Helper()
	full := func(s int) proto.Message {
		return record(recAt(s),
			rf(fieldnum.RecordHeartRate, proto.Uint8(uint8(100+s))),
			rf(fieldnum.RecordSpeed, proto.Uint16(uint16(3000+s))),
			rf(fieldnum.RecordAltitude, proto.Uint16(uint16(2600+s))),
			rf(fieldnum.RecordDistance, proto.Uint32(uint32(s*250))),
			rf(fieldnum.RecordPositionLat, proto.Int32(int32(717_000_000+s*100))),
			rf(fieldnum.RecordPositionLong, proto.Int32(int32(297_000_000-s*100))),
		)
	}
	activity := func(msgs ...proto.Message) []proto.Message {
		return append([]proto.Message{fileID(typedef.FileActivity)}, msgs...)
	}
	var many []proto.Message
	for s := range 200 {
		many = append(many, full(s))
	}
	files := map[string][]proto.Message{
		"invalid fields": activity(
			full(0),
			record(recAt(1),
				rf(fieldnum.RecordHeartRate, proto.Uint8(0xFF)),
				rf(fieldnum.RecordSpeed, proto.Uint16(0xFFFF)),
				rf(fieldnum.RecordCadence, proto.Uint8(0xFF)),
				rf(fieldnum.RecordAltitude, proto.Uint16(0xFFFF)),
				rf(fieldnum.RecordPower, proto.Uint16(0xFFFF)),
				rf(fieldnum.RecordDistance, proto.Uint32(0xFFFFFFFF)),
				rf(fieldnum.RecordTemperature, proto.Int8(0x7F)),
				rf(fieldnum.RecordPositionLat, proto.Int32(math.MaxInt32)),
				rf(fieldnum.RecordPositionLong, proto.Int32(297_000_000))),
			record(recAt(2), rf(fieldnum.RecordPositionLat, proto.Int32(717_000_000)), rf(fieldnum.RecordPositionLong, proto.Int32(math.MaxInt32))),
			record(recAt(3), rf(fieldnum.RecordTemperature, proto.Int8(-12)), rf(fieldnum.RecordPower, proto.Uint16(0)), rf(fieldnum.RecordHeartRate, proto.Uint8(0))),
			session(uint8(typedef.SportRunning), uint8(typedef.SubSportTreadmill)),
		),
		"enhanced only": activity(
			record(recAt(0), rf(fieldnum.RecordEnhancedSpeed, proto.Uint32(70_000)), rf(fieldnum.RecordEnhancedAltitude, proto.Uint32(50_000))),
			record(recAt(1), rf(fieldnum.RecordEnhancedSpeed, proto.Uint32(0xFFFFFFFF)), rf(fieldnum.RecordEnhancedAltitude, proto.Uint32(0xFFFFFFFF))),
		),
		"enhanced and 16-bit": activity(
			record(recAt(0),
				rf(fieldnum.RecordSpeed, proto.Uint16(3000)), rf(fieldnum.RecordEnhancedSpeed, proto.Uint32(3100)),
				rf(fieldnum.RecordAltitude, proto.Uint16(2600)), rf(fieldnum.RecordEnhancedAltitude, proto.Uint32(2700))),
			record(recAt(1),
				rf(fieldnum.RecordEnhancedSpeed, proto.Uint32(3200)), rf(fieldnum.RecordSpeed, proto.Uint16(3000)),
				rf(fieldnum.RecordEnhancedAltitude, proto.Uint32(2800)), rf(fieldnum.RecordAltitude, proto.Uint16(2600))),
			record(recAt(2),
				rf(fieldnum.RecordSpeed, proto.Uint16(0xFFFF)), rf(fieldnum.RecordEnhancedSpeed, proto.Uint32(3300)),
				rf(fieldnum.RecordAltitude, proto.Uint16(0xFFFF)), rf(fieldnum.RecordEnhancedAltitude, proto.Uint32(2900))),
		),
		"records before the first valid timestamp": activity(
			record(rf(fieldnum.RecordHeartRate, proto.Uint8(90))),
			record(rf(fieldnum.RecordTimestamp, proto.Uint32(0xFFFFFFFF)), rf(fieldnum.RecordHeartRate, proto.Uint8(91))),
			record(rf(fieldnum.RecordTimestamp, proto.Uint32(0)), rf(fieldnum.RecordHeartRate, proto.Uint8(92))),
			full(5), full(4), // backwards: a negative offset
			record(rf(fieldnum.RecordTimestamp, proto.Uint32(0xFFFFFFFF)), rf(fieldnum.RecordHeartRate, proto.Uint8(93))),
			full(6),
		),
		"no GPS part-way": activity(full(0), full(1),
			record(recAt(2), rf(fieldnum.RecordHeartRate, proto.Uint8(120))),
			record(recAt(3), rf(fieldnum.RecordHeartRate, proto.Uint8(121))), full(4)),
		"sessions": activity(full(0),
			session(0xFF, uint8(typedef.SubSportTrail)),
			session(uint8(typedef.SportCycling), 0xFF),
			session(uint8(typedef.SportRunning), uint8(typedef.SubSportTrail))),
		"laps": activity(full(0),
			proto.Message{Num: mesgnum.Lap, Fields: []proto.Field{
				mf(mesgnum.Lap, fieldnum.LapTimestamp, fitTS(fitStart.Add(time.Minute))),
				mf(mesgnum.Lap, fieldnum.LapStartTime, fitTS(fitStart)),
				mf(mesgnum.Lap, fieldnum.LapTotalElapsedTime, proto.Uint32(60_500)),
				mf(mesgnum.Lap, fieldnum.LapTotalDistance, proto.Uint32(18_012)),
				mf(mesgnum.Lap, fieldnum.LapAvgHeartRate, proto.Uint8(130)),
				mf(mesgnum.Lap, fieldnum.LapMaxHeartRate, proto.Uint8(171))}},
			proto.Message{Num: mesgnum.Lap, Fields: []proto.Field{
				mf(mesgnum.Lap, fieldnum.LapStartTime, proto.Uint32(0xFFFFFFFF)),
				mf(mesgnum.Lap, fieldnum.LapTotalElapsedTime, proto.Uint32(0xFFFFFFFF)),
				mf(mesgnum.Lap, fieldnum.LapTotalDistance, proto.Uint32(0xFFFFFFFF)),
				mf(mesgnum.Lap, fieldnum.LapAvgHeartRate, proto.Uint8(0xFF)),
				mf(mesgnum.Lap, fieldnum.LapMaxHeartRate, proto.Uint8(0xFF))}},
			proto.Message{Num: mesgnum.Lap, Fields: []proto.Field{mf(mesgnum.Lap, fieldnum.LapAvgHeartRate, proto.Uint8(140))}}),
		"many records":      activity(many...),
		"not activity":      {fileID(typedef.FileSettings), full(0)},
		"no file_id":        {full(0), full(1)},
		"file_id not first": {full(0), fileID(typedef.FileActivity), full(1)},
		"file_id without type": {proto.Message{Num: mesgnum.FileId, Fields: []proto.Field{
			mf(mesgnum.FileId, fieldnum.FileIdManufacturer, proto.Uint16(1))}}, full(0)},
	}
	out := map[string][]byte{}
	for name, msgs := range files {
		out[name] = encodeMuktihari(t, msgs)
	}
	out["compressed timestamps"] = encodeMuktihari(t, activity(many...),
		encoder.WithHeaderOption(encoder.HeaderOptionCompressedTimestamp, 3))
	out["compressed before a full timestamp"] = compressedFirstFIT()
	out["big-endian"] = encodeMuktihari(t, activity(many[:20]...), encoder.WithBigEndian())
	return out
}

// compressedFirstFIT is written byte by byte, as no encoder at hand makes
// it: a record with a compressed timestamp header before any message
// carried a full timestamp, then a full one and a compressed one after it.
func compressedFirstFIT() []byte {
	ts := uint32(fitStart.Unix() - fitEpoch)
	var msgs []byte
	msgs = append(msgs, 0x40, 0, 0, 0, 0, 1, fieldnum.FileIdType, 1, 0x00)                     // def 0: file_id{type enum}
	msgs = append(msgs, 0x00, 4)                                                               // activity
	msgs = append(msgs, 0x41, 0, 0, 20, 0, 1, fieldnum.RecordHeartRate, 1, 0x02)               // def 1: record{heart_rate}
	msgs = append(msgs, 0x80|1<<5|5, 100)                                                      // compressed, no time known
	msgs = append(msgs, 0x42, 0, 0, 20, 0, 2, 253, 4, 0x86, fieldnum.RecordHeartRate, 1, 0x02) // def 2: record{timestamp, heart_rate}
	msgs = binary.LittleEndian.AppendUint32(append(msgs, 0x02), ts)
	msgs = append(msgs, 110)
	msgs = append(msgs, 0x80|1<<5|byte((ts+3)&0x1F), 120) // 3 s later
	h := []byte{14, 0x10, 0x34, 0x08}
	h = binary.LittleEndian.AppendUint32(h, uint32(len(msgs)))
	h = append(h, ".FIT"...)
	h = append(h, 0, 0) // no header CRC
	file := append(h, msgs...)
	c := crc16.New()
	c.Write(file)
	return binary.LittleEndian.AppendUint16(file, c.Sum16())
}

func TestCompressedFirstFIT(t *testing.T) {
	act, err := DecodeFIT(compressedFirstFIT())
	require.NoError(t, err)
	require.Len(t, act.Series, 1)
	assert.Equal(t, []float64{110, 120}, act.Series[0].GetValues(), "the record before any full time has none")
	assert.Equal(t, []int64{0, 3000}, act.Series[0].GetOffsetMs())
}

// The compressed fixture must really have compressed headers, or the
// differential test proves nothing about them.
func TestEdgeFITHasCompressedTimestamps(t *testing.T) {
	var c headerCounter
	_, err := decoder.New(bytes.NewReader(edgeFITs(t)["compressed timestamps"]),
		decoder.WithMesgListener(&c), decoder.WithBroadcastOnly()).Decode()
	require.NoError(t, err)
	assert.Greater(t, c.compressed, 150)
}

type headerCounter struct{ compressed int }

func (c *headerCounter) OnMesg(m proto.Message) {
	if m.Header&proto.MesgCompressedHeaderMask != 0 {
		c.compressed++
	}
}

// fitRecordCount finds as many records as a full decode, in every file
// the project makes, and nothing in a file it cannot walk.
func TestFITRecordCount(t *testing.T) {
	walked := 0
	for name, data := range diffFixtures(t) {
		f, err := fit.Decode(bytes.NewReader(data))
		if err != nil {
			continue
		}
		a, err := f.Activity()
		if err != nil {
			continue
		}
		assert.Equal(t, len(a.Records), fitRecordCount(data), name)
		walked++
		for _, n := range []int{0, 1, 11, 13, len(data) / 2, len(data) - 3} {
			assert.NotPanics(t, func() { fitRecordCount(data[:n]) }, "%s cut at %d", name, n)
		}
	}
	assert.Greater(t, walked, 20)
	assert.Zero(t, fitRecordCount([]byte{14, 0x10, 0, 0, 0xff, 0xff, 0, 0, '.', 'F', 'I', 'T', 0, 0}), "data past the end")
}

// FuzzDecodeFIT: no input panics the decoder (its recover would hide one,
// so a panic's error fails here too), and every refusal wraps ErrBadFIT.
func FuzzDecodeFIT(f *testing.F) {
	f.Add(buildFIT(f, fitSpec{start: fitStart, seconds: 5, laps: 1, sport: fit.SportRunning, subSport: fit.SubSportTrail, noGPSAt: 2}))
	f.Fuzz(func(t *testing.T, data []byte) {
		act, err := DecodeFIT(data)
		if err != nil {
			require.ErrorIs(t, err, ErrBadFIT)
			require.NotContains(t, err.Error(), "panic")
			return
		}
		require.NotNil(t, act)
		for _, s := range act.Series {
			require.NoError(t, s.Check())
		}
	})
}
