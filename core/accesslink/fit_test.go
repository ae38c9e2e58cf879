package accesslink

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tormoder/fit"
)

// fitSpec describes a FIT activity for the test encoder. Record i is at
// start+i s with values given by the functions below, so expectations
// follow from the spec, not from the decoder.
type fitSpec struct {
	start    time.Time
	seconds  int
	laps     int // equal laps over the activity
	sport    fit.Sport
	subSport fit.SubSport
	noGPSAt  int // record index without position (-1: none)
}

func specHR(i int) uint8        { return uint8(90 + i%80) }
func specSpeedMMs(i int) uint16 { return uint16(2500 + i%1000) }
func specCadence(i int) uint8   { return uint8(80 + i%10) }
func specAltM(i int) float64    { return 100 + float64(i%200)/5 } // 0.2 m resolution
func specPower(i int) uint16    { return uint16(200 + i%100) }
func specDistCM(i int) uint32   { return uint32(i * 300) }
func specTemp(i int) int8       { return int8(15 + i%10) }
func specLat(i int) float64     { return 60.1699 + float64(i)*1e-5 }
func specLong(i int) float64    { return 24.9384 + float64(i)*1e-5 }

func buildFIT(t testing.TB, s fitSpec) []byte {
	t.Helper()
	return buildFITWith(t, s, fit.NewHeader(fit.V20, true))
}

// buildFITHeader is a small activity written with header h.
func buildFITHeader(t testing.TB, h fit.Header) []byte {
	t.Helper()
	return buildFITWith(t, fitSpec{start: fitStart, seconds: 20, laps: 1, sport: fit.SportRunning, noGPSAt: -1}, h)
}

func buildFITWith(t testing.TB, s fitSpec, h fit.Header) []byte {
	t.Helper()
	f, err := fit.NewFile(fit.FileTypeActivity, h)
	require.NoError(t, err)
	f.FileId.TimeCreated = s.start
	f.FileId.Manufacturer = fit.ManufacturerPolarElectro
	act, err := f.Activity()
	require.NoError(t, err)
	for i := range s.seconds {
		r := fit.NewRecordMsg()
		r.Timestamp = s.start.Add(time.Duration(i) * time.Second)
		r.HeartRate = specHR(i)
		r.Speed = specSpeedMMs(i)
		r.Cadence = specCadence(i)
		r.Altitude = uint16((specAltM(i) + 500) * 5)
		r.Power = specPower(i)
		r.Distance = specDistCM(i)
		r.Temperature = specTemp(i)
		if i != s.noGPSAt {
			r.PositionLat = fit.NewLatitudeDegrees(specLat(i))
			r.PositionLong = fit.NewLongitudeDegrees(specLong(i))
		}
		act.Records = append(act.Records, r)
	}
	for l := range s.laps {
		lapLen := s.seconds / s.laps
		lap := fit.NewLapMsg()
		lap.StartTime = s.start.Add(time.Duration(l*lapLen) * time.Second)
		lap.Timestamp = lap.StartTime.Add(time.Duration(lapLen) * time.Second)
		lap.TotalElapsedTime = uint32(lapLen * 1000)
		lap.TotalDistance = uint32(lapLen * 300)
		lap.AvgHeartRate = uint8(120 + l)
		lap.MaxHeartRate = uint8(160 + l)
		act.Laps = append(act.Laps, lap)
	}
	if s.sport != fit.SportInvalid {
		sess := fit.NewSessionMsg()
		sess.StartTime = s.start
		sess.Timestamp = s.start.Add(time.Duration(s.seconds) * time.Second)
		sess.Sport = s.sport
		sess.SubSport = s.subSport
		act.Sessions = append(act.Sessions, sess)
	}
	var buf bytes.Buffer
	require.NoError(t, fit.Encode(&buf, f, binary.LittleEndian))
	return buf.Bytes()
}

var fitStart = time.Date(2024, 5, 1, 4, 0, 0, 0, time.UTC)

func TestDecodeFIT(t *testing.T) {
	data := buildFIT(t, fitSpec{start: fitStart, seconds: 120, laps: 2, sport: fit.SportRunning, subSport: fit.SubSportTrail, noGPSAt: 7})
	act, err := DecodeFIT(data)
	require.NoError(t, err)
	assert.True(t, act.Start.Equal(fitStart))
	assert.True(t, act.HasSession)
	assert.Equal(t, fit.SportRunning, act.Sport)
	assert.Equal(t, fit.SubSportTrail, act.SubSport)

	byType := map[pluginapi.SampleType]*pluginapi.Series{}
	for _, s := range act.Series {
		byType[s.GetType()] = s
		assert.True(t, s.GetStart().AsTime().Equal(fitStart))
	}
	want := map[pluginapi.SampleType]func(int) float64{
		pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE:  func(i int) float64 { return float64(specHR(i)) },
		pluginapi.SampleType_SAMPLE_TYPE_SPEED:       func(i int) float64 { return float64(specSpeedMMs(i)) / 1000 },
		pluginapi.SampleType_SAMPLE_TYPE_CADENCE:     func(i int) float64 { return float64(specCadence(i)) },
		pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE:    specAltM,
		pluginapi.SampleType_SAMPLE_TYPE_POWER:       func(i int) float64 { return float64(specPower(i)) },
		pluginapi.SampleType_SAMPLE_TYPE_DISTANCE:    func(i int) float64 { return float64(specDistCM(i)) / 100 },
		pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE: func(i int) float64 { return float64(specTemp(i)) },
		pluginapi.SampleType_SAMPLE_TYPE_LATITUDE:    specLat,
		pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE:   specLong,
	}
	require.Len(t, byType, len(want))
	for typ, f := range want {
		s := byType[typ]
		require.NotNil(t, s, typ)
		gps := typ == pluginapi.SampleType_SAMPLE_TYPE_LATITUDE || typ == pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE
		wantLen := 120
		if gps {
			wantLen = 119 // record 7 has no position: absent, not zero
		}
		require.Len(t, s.GetValues(), wantLen, typ)
		assert.Equal(t, 120, cap(s.GetValues()), "%v: sized to the records, no growing", typ)
		wantRuns := 1
		if gps {
			wantRuns = 2 // the gap splits the steady 1 s
		}
		assert.Len(t, s.GetRuns(), wantRuns, "%v: instants as runs, not an offset per value", typ)
		offs := s.Offsets()
		j := 0
		for i := range 120 {
			if gps && i == 7 {
				continue
			}
			assert.Equal(t, int64(i*1000), offs[j], "%v offset %d", typ, i)
			assert.InDelta(t, f(i), s.GetValues()[j], 1e-6, "%v value %d", typ, i)
			j++
		}
	}

	require.Len(t, act.Laps, 2)
	assert.Equal(t, FITLap{Start: fitStart, DurationSeconds: 60, DistanceMeters: 180, HeartRateAvg: 120, HeartRateMax: 160}, act.Laps[0])
	assert.True(t, act.Laps[1].Start.Equal(fitStart.Add(time.Minute)))
}

func TestDecodeFITWithoutSession(t *testing.T) {
	act, err := DecodeFIT(buildFIT(t, fitSpec{start: fitStart, seconds: 3, sport: fit.SportInvalid, noGPSAt: -1}))
	require.NoError(t, err)
	assert.False(t, act.HasSession)
	assert.Empty(t, act.Laps)
}

func TestDecodeFITOneHour(t *testing.T) {
	data := buildFIT(t, fitSpec{start: fitStart, seconds: 3600, laps: 12, sport: fit.SportCycling, noGPSAt: -1})
	act, err := DecodeFIT(data)
	require.NoError(t, err)
	require.Len(t, act.Series, 9)
	for _, s := range act.Series {
		require.Len(t, s.GetValues(), 3600, s.GetType())
		assert.Equal(t, int64(3599000), s.Offsets()[3599])
	}
	assert.Len(t, act.Laps, 12)
}

func TestDecodeFITBroken(t *testing.T) {
	good := buildFIT(t, fitSpec{start: fitStart, seconds: 60, sport: fit.SportRunning, noGPSAt: -1})
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0xFF // CRC mismatch
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-1] ^= 0x01

	settings, err := fit.NewFile(fit.FileTypeSettings, fit.NewHeader(fit.V20, true))
	require.NoError(t, err)
	var notActivity bytes.Buffer
	require.NoError(t, fit.Encode(&notActivity, settings, binary.LittleEndian))

	for name, data := range map[string][]byte{
		"truncated":    good[:len(good)/2],
		"header only":  good[:14],
		"flipped byte": flipped,
		"bad CRC":      badCRC,
		"not FIT":      []byte("this is not a FIT file at all, just text"),
		"empty":        {},
		"not activity": notActivity.Bytes(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeFIT(data)
			assert.ErrorIs(t, err, ErrBadFIT)
		})
	}
}
