package accesslink

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSample(t *testing.T) {
	tests := []struct {
		name        string
		in          Sample
		wantType    pluginapi.SampleType
		wantOffsets []int64
		wantValues  []float64
	}{
		{"heart rate", Sample{RecordingRate: 1, SampleType: "0", Data: "100,101,102"},
			pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, []int64{0, 1000, 2000}, []float64{100, 101, 102}},
		{"rate 5 s", Sample{RecordingRate: 5, SampleType: "3", Data: "12.5, 13 ,-1"},
			pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE, []int64{0, 5000, 10000}, []float64{12.5, 13, -1}},
		{"speed km/h to m/s", Sample{RecordingRate: 1, SampleType: "1", Data: "36,18,0"},
			pluginapi.SampleType_SAMPLE_TYPE_SPEED, []int64{0, 1000, 2000}, []float64{10, 5, 0}},
		{"cadence", Sample{RecordingRate: 1, SampleType: "2", Data: "80"},
			pluginapi.SampleType_SAMPLE_TYPE_CADENCE, []int64{0}, []float64{80}},
		{"power", Sample{RecordingRate: 1, SampleType: "4", Data: "250,0"},
			pluginapi.SampleType_SAMPLE_TYPE_POWER, []int64{0, 1000}, []float64{250, 0}},
		{"running cadence", Sample{RecordingRate: 1, SampleType: "8", Data: "170"},
			pluginapi.SampleType_SAMPLE_TYPE_CADENCE, []int64{0}, []float64{170}},
		{"temperature", Sample{RecordingRate: 60, SampleType: "9", Data: "21.5,-3"},
			pluginapi.SampleType_SAMPLE_TYPE_TEMPERATURE, []int64{0, 60000}, []float64{21.5, -3}},
		{"distance", Sample{RecordingRate: 1, SampleType: "10", Data: "0,3.2,6.5"},
			pluginapi.SampleType_SAMPLE_TYPE_DISTANCE, []int64{0, 1000, 2000}, []float64{0, 3.2, 6.5}},
		{"RR cumulative", Sample{SampleType: "11", Data: "800,750,810"},
			pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, []int64{800, 1550, 2360}, []float64{800, 750, 810}},
		{"RR NULL skipped, no time advance", Sample{SampleType: "11", Data: "800,NULL,750,null"},
			pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, []int64{800, 1550}, []float64{800, 750}},
		{"RR ignores rate", Sample{RecordingRate: 5, SampleType: "11", Data: "1000,1000"},
			pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, []int64{1000, 2000}, []float64{1000, 1000}},
		// An implausible interval is missing too: added up it would shift
		// every later beat. (Before, it failed the whole exercise.)
		{"RR out of range skipped, no time advance", Sample{SampleType: "11", Data: "800,-5,0,1e300,6000,750"},
			pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL, []int64{800, 1550}, []float64{800, 750}},
		{"NULL in HR leaves a gap", Sample{RecordingRate: 1, SampleType: "0", Data: "100,NULL,102"},
			pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, []int64{0, 2000}, []float64{100, 102}},
		{"empty data", Sample{RecordingRate: 1, SampleType: "0", Data: ""},
			pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, nil, nil},
		{"sample type with spaces", Sample{RecordingRate: 1, SampleType: " 0 ", Data: "60"},
			pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, []int64{0}, []float64{60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, known, err := ParseSample(tt.in, testChecker())
			require.NoError(t, err)
			require.True(t, known)
			assert.Equal(t, tt.wantType, got.Type)
			assert.Equal(t, tt.wantOffsets, nilIfEmpty(got.OffsetsMS))
			require.Len(t, got.Values, len(tt.wantValues))
			for i := range tt.wantValues {
				assert.InDelta(t, tt.wantValues[i], got.Values[i], 1e-9, "value %d", i)
			}
		})
	}
}

func nilIfEmpty(s []int64) []int64 {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestParseSampleIgnoredTypes(t *testing.T) {
	for _, typ := range []FlexString{"5", "6", "7", "12", "x"} {
		// Malformed data of an ignored type must not fail the exercise.
		_, known, err := ParseSample(Sample{RecordingRate: 1, SampleType: typ, Data: "a,b"}, testChecker())
		assert.NoError(t, err, typ)
		assert.False(t, known, typ)
	}
}

func TestParseSampleErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        Sample
		wantIndex int
		wantText  []string
	}{
		{"letters", Sample{RecordingRate: 1, SampleType: "0", Data: "100,abc,102"}, 1, []string{"heart rate", `entry 1 "abc"`}},
		{"empty entry", Sample{RecordingRate: 1, SampleType: "3", Data: "1,,2"}, 1, []string{"altitude", "entry 1"}},
		{"trailing comma", Sample{RecordingRate: 1, SampleType: "0", Data: "1,2,"}, 2, []string{"entry 2"}},
		{"NaN", Sample{RecordingRate: 1, SampleType: "0", Data: "NaN"}, 0, []string{"entry 0"}},
		{"Inf", Sample{RecordingRate: 1, SampleType: "0", Data: "1,Inf"}, 1, []string{"entry 1"}},
		{"overflow", Sample{RecordingRate: 1, SampleType: "0", Data: "1e999"}, 0, []string{"entry 0"}},
		{"hex float", Sample{RecordingRate: 1, SampleType: "0", Data: "0x1p3"}, 0, []string{"entry 0"}},
		{"no rate", Sample{SampleType: "0", Data: "100"}, -1, []string{"recording rate 0"}},
		{"negative rate", Sample{RecordingRate: -1, SampleType: "1", Data: "1"}, -1, []string{"recording rate -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseSample(tt.in, testChecker())
			require.ErrorIs(t, err, ErrMalformedSample)
			var se *SampleError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.wantIndex, se.Index)
			for _, s := range tt.wantText {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestSeriesFromSamples(t *testing.T) {
	start := time.Date(2024, 5, 1, 7, 0, 0, 0, time.UTC)
	series, err := SeriesFromSamples([]Sample{
		{RecordingRate: 1, SampleType: "8", Data: "170,172"}, // running cadence: loses to "2"
		{RecordingRate: 1, SampleType: "10", Data: "0,3"},
		{RecordingRate: 1, SampleType: "0", Data: "100,101"},
		{RecordingRate: 1, SampleType: "0", Data: "1,2"}, // duplicate: first wins
		{RecordingRate: 1, SampleType: "2", Data: "85,86"},
		{RecordingRate: 1, SampleType: "7", Data: "1013"}, // ignored
		{RecordingRate: 1, SampleType: "3", Data: ""},     // empty: dropped
	}, start, testChecker())
	require.NoError(t, err)
	var types []pluginapi.SampleType
	for _, s := range series {
		types = append(types, s.GetType())
		assert.True(t, s.GetStart().AsTime().Equal(start))
	}
	assert.Equal(t, []pluginapi.SampleType{
		pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE,
		pluginapi.SampleType_SAMPLE_TYPE_CADENCE,
		pluginapi.SampleType_SAMPLE_TYPE_DISTANCE,
	}, types)
	assert.Equal(t, []float64{100, 101}, series[0].GetValues())
	assert.Equal(t, []float64{85, 86}, series[1].GetValues())

	// Running cadence is used when there is no cadence.
	series, err = SeriesFromSamples([]Sample{{RecordingRate: 1, SampleType: "8", Data: "170"}}, start, testChecker())
	require.NoError(t, err)
	require.Len(t, series, 1)
	assert.Equal(t, pluginapi.SampleType_SAMPLE_TYPE_CADENCE, series[0].GetType())

	_, err = SeriesFromSamples([]Sample{{RecordingRate: 1, SampleType: "0", Data: "x"}}, start, testChecker())
	require.ErrorIs(t, err, ErrMalformedSample)
	assert.True(t, strings.HasPrefix(err.Error(), "parse samples for heart rate: "), err.Error())
}

func FuzzParseSamples(f *testing.F) {
	f.Add("0", 1, "100,101,102")
	f.Add("1", 5, "0,10.5,12")
	f.Add("11", 0, "800,NULL,750")
	f.Add("3", 1, "1,,2")
	f.Add("10", 60, "1e3,-2,NULL")
	f.Fuzz(func(t *testing.T, typ string, rate int, data string) {
		v, known, err := ParseSample(Sample{RecordingRate: int64(rate), SampleType: FlexString(typ), Data: data}, testChecker())
		if err != nil {
			if !errors.Is(err, ErrMalformedSample) {
				t.Fatalf("error %v does not wrap ErrMalformedSample", err)
			}
			return
		}
		if !known {
			return
		}
		if len(v.OffsetsMS) != len(v.Values) {
			t.Fatalf("%d offsets, %d values", len(v.OffsetsMS), len(v.Values))
		}
		if entries := strings.Count(data, ",") + 1; len(v.Values) > entries {
			t.Fatalf("%d values from %d entries", len(v.Values), entries)
		}
		for i, x := range v.Values {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("value %d not finite: %v", i, x)
			}
			if v.OffsetsMS[i] < 0 || i > 0 && v.OffsetsMS[i] < v.OffsetsMS[i-1] {
				t.Fatalf("offsets not non-decreasing from 0: %v", v.OffsetsMS)
			}
		}
	})
}
