package accesslink

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exerciseJSONCases are exercises as Polar spells them and every odd
// shape JSON allows or forbids around them.
func exerciseJSONCases(t testing.TB) map[string]string {
	t.Helper()
	cases := map[string]string{
		"constant":            fitExerciseJSON,
		"big":                 string(exerciseWithSamplesJSON(600)),
		"snake then hyphen":   `{"start_time":"2024-05-01T07:00:00","start-time":"2024-05-02T07:00:00"}`,
		"hyphen then snake":   `{"start-time":"2024-05-02T07:00:00","start_time":"2024-05-01T07:00:00"}`,
		"case":                `{"SPORT":"RUNNING","Id":"x"}`,
		"escapes":             `{"sport":"RUN\u004eING","detailed-sport-info":"a\"b\\c\/d\b\f\n\r\t","spo\u0072t2":1}`,
		"escaped key":         `{"spo\u0072t":"CYCLING"}`,
		"surrogates":          `{"sport":"\ud83d\ude00 \ud800"}`,
		"nulls":               `{"sport":null,"samples":null,"id":null,"heart-rate":null}`,
		"empty samples":       `{"samples":[]}`,
		"samples":             `{"samples":[{"recording-rate":1,"sample-type":"0","data":"1,2,3"},{"recording_rate":null,"sample_type":11,"data":"800,NULL,790"},{"data":"7","sample-type":"3","recording-rate":5,"recording_rate":2}]}`,
		"sample not object":   `{"samples":[1]}`,
		"sample null":         `{"samples":[null,{"data":"1"}]}`,
		"samples wrong type":  `{"samples":{"data":"1"}}`,
		"numbers":             `{"calories":1e3,"distance":-0.5,"id":123456789012345678901234567890}`,
		"space":               " \n\t{ \"sport\" :\r\n \"RUNNING\" , \"samples\" : [ { \"data\" : \"1\" } ] } \n",
		"unknown nested":      `{"unknown":{"a":[1,2,{"b":null,"c":[[],{}]}],"d":"\u00e9"},"sport":"X","x":true,"y":false}`,
		"top null":            `null`,
		"top array":           `[1]`,
		"top string":          `"x"`,
		"empty":               ``,
		"trailing":            `{} x`,
		"trailing brace":      `{}}`,
		"unterminated string": `{"a":"b`,
		"no value":            `{"a":`,
		"no colon":            `{"a"}`,
		"open":                `{`,
		"missing comma":       `{"a":1 "b":2}`,
		"trailing comma":      `{"a":1,}`,
		"array trailing":      `{"a":[1,]}`,
		"leading zero":        `{"calories":01}`,
		"bad literal":         `{"a":nul}`,
		"minus":               `{"calories":-}`,
		"tab in string":       "{\"sport\":\"a\tb\"}",
		"bad escape":          `{"sport":"a\xb"}`,
		"short unicode":       `{"sport":"\u12"}`,
		"invalid utf8":        "{\"sport\":\"a\xffb\",\"\xfe\":1}",
		"type error":          `{"samples":[{"recording-rate":"fast"}]}`,
		"wrong field type":    `{"sport":1}`,
		"key not string":      `{1:2}`,
	}
	for _, name := range []string{"exercise_hashed.json", "implausible_exercise.json", "exercises_hashed.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		cases["testdata "+name] = string(raw)
	}
	return cases
}

// exerciseWithSamplesJSON is an exercise with nine series of n samples
// inline, as ?samples=true sends them.
func exerciseWithSamplesJSON(n int) []byte {
	var samples []map[string]any
	for typ := range 9 {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = strconv.FormatFloat(float64(90+i%80)+float64(typ)/10, 'f', -1, 64)
		}
		samples = append(samples, map[string]any{"recording-rate": 1, "sample-type": strconv.Itoa(typ), "data": strings.Join(vals, ",")})
	}
	b, err := json.Marshal(map[string]any{"id": "abc", "sport": "RUNNING", "start-time": "2026-05-04T06:00:00", "samples": samples})
	if err != nil {
		panic(err)
	}
	return b
}

// The scanner decodes every exercise as encoding/json's decoder did,
// and refuses what it refused.
func TestDecodeExerciseSameAsReference(t *testing.T) {
	for name, data := range exerciseJSONCases(t) {
		t.Run(name, func(t *testing.T) {
			requireSameDecode(t, []byte(data))
		})
	}
}

func requireSameDecode(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := decodeExerciseReference(data)
	got, err := DecodeExercise(data)
	if wantErr != nil {
		require.Error(t, err, "the reference refused it: %v", wantErr)
		require.ErrorIs(t, err, ErrInvalidPayload)
		return
	}
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func FuzzDecodeExercise(f *testing.F) {
	for name, data := range exerciseJSONCases(f) {
		if name != "big" {
			f.Add([]byte(data))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { requireSameDecode(t, data) })
}

func BenchmarkDecodeExercise10h(b *testing.B) {
	data := exerciseWithSamplesJSON(36000)
	for _, tc := range []struct {
		name   string
		decode func([]byte) (*Exercise, error)
	}{{"scanner", DecodeExercise}, {"reference", decodeExerciseReference}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
