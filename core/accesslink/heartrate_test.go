package accesslink

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// instants returns each sample's absolute time and its UTC offset (from
// utc_offsets), formatted in that offset.
func instants(t *testing.T, c *pluginapi.ContinuousHeartRate) []string {
	t.Helper()
	s := c.GetHeartRate()
	require.Len(t, s.GetValues(), len(s.GetOffsetMs()))
	offs := c.GetUtcOffsets()
	require.NotEmpty(t, offs)
	require.Zero(t, offs[0].GetIndex())
	out := make([]string, len(s.GetOffsetMs()))
	start := s.GetStart().AsTime()
	j := 0
	for i, o := range s.GetOffsetMs() {
		for j+1 < len(offs) && int(offs[j+1].GetIndex()) <= i {
			j++
		}
		if i > 0 {
			require.Greater(t, o, s.GetOffsetMs()[i-1], "strictly increasing")
		}
		zone := time.FixedZone("", int(offs[j].GetUtcOffsetMinutes())*60)
		out[i] = start.Add(time.Duration(o) * time.Millisecond).In(zone).Format(time.RFC3339)
	}
	return out
}

// The docs' example, byte for byte.
func TestNormalizeContinuousHeartRateDocsExample(t *testing.T) {
	c, err := DecodeContinuousHeartRate(readTestdata(t, "continuous_heart_rate.json"))
	require.NoError(t, err)
	assert.Equal(t, ContinuousHeartRate{
		PolarUser: "https://polaraccesslink.com/v3/users/627139", Date: "2022-09-12",
		Samples: []HeartRateSample{{63, NewClockTime("00:02:08")}, {62, NewClockTime("00:07:08")}},
	}, *c)

	rec, warns, err := NormalizeContinuousHeartRate("627139", readTestdata(t, "continuous_heart_rate.json"), mustZone(t, "Europe/Helsinki"), testNow)
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE, rec.GetKind())
	assert.Equal(t, "continuous_heart_rate.627139.2022-09-12", rec.GetKey())
	assert.Equal(t, "627139", rec.GetUserId())
	assert.Equal(t, pluginapi.Source_SOURCE_ACCESSLINK, rec.GetSource())
	h := rec.GetContinuousHeartRate()
	assert.Equal(t, "2022-09-12", h.GetDate())
	assert.Equal(t, "Europe/Helsinki", h.GetZone())
	assert.Equal(t, "https://polaraccesslink.com/v3/users/627139", h.GetPolarUser())
	assertTime(t, "2022-09-11T21:00:00Z", 180, h.GetDayStart())
	assertTime(t, "2022-09-12T21:00:00Z", 180, h.GetDayEnd())
	assert.Equal(t, pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, h.GetHeartRate().GetType())
	assert.Equal(t, []float64{63, 62}, h.GetHeartRate().GetValues())
	assert.Equal(t, []int64{128_000, 428_000}, h.GetHeartRate().GetOffsetMs())
	assert.Equal(t, []string{"2022-09-12T00:02:08+03:00", "2022-09-12T00:07:08+03:00"}, instants(t, h))
	assert.Len(t, h.GetUtcOffsets(), 1, "one offset all day")
}

// DST days: the spring day has 23 hours and no samples in the skipped
// hour; on the fall day the repeated hour's samples come twice and the
// second run takes the later offset.
func TestNormalizeContinuousHeartRateDSTDays(t *testing.T) {
	tests := []struct {
		file, zone string
		hours      float64
		want       []string
		offsets    [][2]int32 // index, minutes
	}{
		{"continuous_heart_rate_helsinki_spring.json", "Europe/Helsinki", 23, []string{
			"2026-03-29T00:00:03+02:00", "2026-03-29T02:59:58+02:00", "2026-03-29T04:00:03+03:00", "2026-03-29T23:59:58+03:00",
		}, [][2]int32{{0, 120}, {2, 180}}},
		{"continuous_heart_rate_helsinki_fall.json", "Europe/Helsinki", 25, []string{
			"2026-10-25T00:00:03+03:00", "2026-10-25T03:30:03+03:00", "2026-10-25T03:59:58+03:00",
			"2026-10-25T03:00:03+02:00", "2026-10-25T03:30:03+02:00", "2026-10-25T03:59:58+02:00",
			"2026-10-25T04:00:03+02:00", "2026-10-25T23:59:58+02:00",
		}, [][2]int32{{0, 180}, {3, 120}}},
		{"continuous_heart_rate_new_york_spring.json", "America/New_York", 23, []string{
			"2026-03-08T00:00:03-05:00", "2026-03-08T01:59:58-05:00", "2026-03-08T03:00:03-04:00", "2026-03-08T23:59:58-04:00",
		}, [][2]int32{{0, -300}, {2, -240}}},
		{"continuous_heart_rate_new_york_fall.json", "America/New_York", 25, []string{
			"2026-11-01T00:00:03-04:00", "2026-11-01T01:00:03-04:00", "2026-11-01T01:59:58-04:00",
			"2026-11-01T01:00:03-05:00", "2026-11-01T01:59:58-05:00", "2026-11-01T02:00:03-05:00", "2026-11-01T23:59:58-05:00",
		}, [][2]int32{{0, -240}, {3, -300}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rec, warns, err := NormalizeContinuousHeartRate("475", readTestdata(t, tt.file), mustZone(t, tt.zone), testNow)
			require.NoError(t, err)
			assert.Empty(t, warns)
			h := rec.GetContinuousHeartRate()
			got := instants(t, h)
			assert.Equal(t, tt.want, got)
			// The same instants, read back in the zone, are the clock times Polar sent.
			c, err := DecodeContinuousHeartRate(readTestdata(t, tt.file))
			require.NoError(t, err)
			for i, g := range got {
				at, err := time.Parse(time.RFC3339, g)
				require.NoError(t, err)
				assert.Equal(t, c.Samples[i].SampleTime.String(), at.In(mustZone(t, tt.zone)).Format(time.TimeOnly))
			}
			var offs [][2]int32
			for _, o := range h.GetUtcOffsets() {
				offs = append(offs, [2]int32{o.GetIndex(), o.GetUtcOffsetMinutes()})
			}
			assert.Equal(t, tt.offsets, offs)
			span := h.GetDayEnd().GetUtc().AsTime().Sub(h.GetDayStart().GetUtc().AsTime())
			assert.Equal(t, tt.hours, span.Hours())
		})
	}
}

// A clock time the day does not have (the skipped hour), a repeat that
// names no later instant, and implausible heart rates are dropped, each
// kind once with its count; the rest of the day is kept.
func TestNormalizeContinuousHeartRateDropsImpossibleSamples(t *testing.T) {
	day := `{"date":"2026-03-29","heart_rate_samples":[
		{"heart_rate":60,"sample_time":"02:00:00"},
		{"heart_rate":61,"sample_time":"03:30:00"},
		{"heart_rate":62,"sample_time":"03:59:55"},
		{"heart_rate":63,"sample_time":"04:00:00"},
		{"heart_rate":64,"sample_time":"04:00:00"},
		{"heart_rate":1e9,"sample_time":"05:00:00"},
		{"heart_rate":5,"sample_time":"05:00:05"},
		{"heart_rate":0,"sample_time":"05:00:10"},
		{"heart_rate":65,"sample_time":"01:00:00"},
		{"heart_rate":66,"sample_time":"06:00:00.5"}]}`
	rec, warns, err := NormalizeContinuousHeartRate("475", []byte(day), mustZone(t, "Europe/Helsinki"), testNow)
	require.NoError(t, err)
	require.Len(t, warns, 2)
	assert.Equal(t, plausible.Warning{Kind: "continuous_heart_rate", Record: "continuous_heart_rate.475.2026-03-29",
		Field: "heart_rate", Value: 1e9, Range: plausible.HeartRate, Count: 2}, warns[0])
	assert.Equal(t, "sample_time", warns[1].Field)
	assert.Equal(t, 4, warns[1].Count, "two in the skipped hour, a repeat, one out of order")
	assert.Equal(t, 3.0*3600+30*60, warns[1].Value, "the first: 03:30:00")
	h := rec.GetContinuousHeartRate()
	assert.Equal(t, []float64{60, 63, 66}, h.GetHeartRate().GetValues())
	assert.Equal(t, []string{"2026-03-29T02:00:00+02:00", "2026-03-29T04:00:00+03:00", "2026-03-29T06:00:00+03:00"}, instants(t, h))
	assert.Equal(t, int64(500), h.GetHeartRate().GetOffsetMs()[2]%1000, "the fraction is kept")
}

func TestNormalizeContinuousHeartRateRejects(t *testing.T) {
	loc := mustZone(t, "Europe/Helsinki")
	for name, tt := range map[string]struct {
		body string
		want error
	}{
		"not json":       {`{"date":`, ErrInvalidPayload},
		"no date":        {`{"heart_rate_samples":[]}`, ErrInvalidPayload},
		"no real date":   {`{"date":"2022-09-31"}`, plausible.ErrImpossible},
		"before 2000":    {`{"date":"1999-12-31"}`, plausible.ErrImpossible},
		"ahead":          {`{"date":"2027-01-01"}`, plausible.ErrImpossible},
		"bad clock":      {`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60,"sample_time":"7:05:00"}]}`, ErrInvalidTime},
		"hour 24":        {`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60,"sample_time":"24:00:00"}]}`, ErrInvalidTime},
		"zoned":          {`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60,"sample_time":"07:05:00+02:00"}]}`, ErrInvalidTime},
		"not a fraction": {`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60,"sample_time":"07:05:00."}]}`, ErrInvalidTime},
		"null clock":     {`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60,"sample_time":null}]}`, ErrInvalidTime},
		"no clock":       {`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60}]}`, ErrInvalidTime},
		"number clock":   {`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60,"sample_time":25500}]}`, ErrInvalidTime},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := NormalizeContinuousHeartRate("475", []byte(tt.body), loc, testNow)
			assert.ErrorIs(t, err, tt.want)
			assert.True(t, Permanent(err), "dead-lettered, not retried")
		})
	}
	_, _, err := NormalizeContinuousHeartRate("475", []byte(`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60,"sample_time":"7:05:00"}]}`), loc, testNow)
	assert.ErrorContains(t, err, `sample 0: sample_time "7:05:00" is not HH:MM:SS`)
}

// The ranged endpoint is documented with the one-day object; a list of
// days, or an object wrapping one, is read too.
func TestSplitContinuousHeartRates(t *testing.T) {
	one := string(readTestdata(t, "continuous_heart_rate.json"))
	two := strings.Replace(one, "2022-09-12", "2022-09-13", 1)
	for name, tt := range map[string]struct {
		body  string
		dates []string
	}{
		"the docs' object": {one, []string{"2022-09-12"}},
		"a list":           {"[" + one + "," + two + "]", []string{"2022-09-12", "2022-09-13"}},
		"wrapped":          {`{"heart_rates":[` + one + "," + two + "]}", []string{"2022-09-12", "2022-09-13"}},
		"empty list":       {"[]", nil},
		"empty object":     {"{}", nil},
		"empty body":       {"", nil},
	} {
		t.Run(name, func(t *testing.T) {
			days, err := SplitContinuousHeartRates([]byte(tt.body))
			require.NoError(t, err)
			var dates []string
			for _, d := range days {
				date, n, err := ContinuousHeartRateDay(d)
				require.NoError(t, err)
				assert.Equal(t, 2, n)
				dates = append(dates, date)
			}
			assert.Equal(t, tt.dates, dates)
		})
	}
	_, err := SplitContinuousHeartRates([]byte(`{"a":[],"b":[]}`))
	assert.ErrorIs(t, err, ErrInvalidPayload)
	_, err = SplitContinuousHeartRates([]byte(`[{"date":`))
	assert.ErrorIs(t, err, ErrInvalidPayload)
}

// 404 "No data found for date" and 204 are no day; the range refuses
// more than 28 days before calling Polar.
func TestContinuousHeartRateClientNoData(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch {
		case strings.HasSuffix(r.URL.Path, "/2026-11-29"):
			w.WriteHeader(http.StatusNotFound)
		case strings.HasSuffix(r.URL.Path, "/2026-11-30"):
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := New(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	for _, date := range []string{"2026-11-29", "2026-11-30"} {
		raw, found, err := c.GetContinuousHeartRate(t.Context(), "tok", date)
		require.NoError(t, err, date)
		assert.False(t, found, date)
		assert.Nil(t, raw)
	}
	days, err := c.ContinuousHeartRateRange(t.Context(), "tok", "2026-11-01", "2026-11-28")
	require.NoError(t, err)
	assert.Empty(t, days)
	_, err = c.ContinuousHeartRateRange(t.Context(), "tok", "2026-11-01", "2026-11-29")
	assert.ErrorIs(t, err, ErrInvalidArgument, "29 days")
	_, err = c.ContinuousHeartRateRange(t.Context(), "tok", "2026-11-02", "2026-11-01")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, _, err = c.GetContinuousHeartRate(t.Context(), "tok", "2022-09-31")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Equal(t, 3, calls, "refused arguments cost no call")
}

// fullDay is a day of samples every 5 s in loc, as a watch worn all day
// records them: about 17,000.
func fullDay(date string, loc *time.Location) []byte {
	d, _ := time.ParseInLocation(time.DateOnly, date, loc)
	next := d.AddDate(0, 0, 1)
	var b strings.Builder
	fmt.Fprintf(&b, `{"polar_user":"https://polaraccesslink.com/v3/users/475","date":%q,"heart_rate_samples":[`, date)
	for at, i := d.Add(3*time.Second), 0; at.Before(next); at, i = at.Add(5*time.Second), i+1 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"heart_rate":%d,"sample_time":%q}`, 50+i%40, at.Format(time.TimeOnly))
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// A whole 5-second day in Helsinki on the fall-back day: 25 hours of
// samples, all kept, strictly increasing.
func TestNormalizeContinuousHeartRateFullFallDay(t *testing.T) {
	loc := mustZone(t, "Europe/Helsinki")
	rec, warns, err := NormalizeContinuousHeartRate("475", fullDay("2026-10-25", loc), loc, testNow)
	require.NoError(t, err)
	assert.Empty(t, warns)
	h := rec.GetContinuousHeartRate()
	assert.Len(t, h.GetHeartRate().GetValues(), 25*720)
	got := instants(t, h)
	assert.Equal(t, "2026-10-25T00:00:03+03:00", got[0])
	assert.Equal(t, "2026-10-25T23:59:58+02:00", got[len(got)-1])
	assert.Len(t, h.GetUtcOffsets(), 2)
}

func BenchmarkNormalizeContinuousHeartRateDay(b *testing.B) {
	loc := mustZone(b, "Europe/Helsinki")
	day := fullDay("2026-11-30", loc)
	b.SetBytes(int64(len(day)))
	b.ReportAllocs()
	for b.Loop() {
		rec, _, err := NormalizeContinuousHeartRate("475", day, loc, testNow)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(rec.GetContinuousHeartRate().GetHeartRate().GetValues()); n != 17280 {
			b.Fatalf("%d samples, want 17280", n)
		}
	}
	b.ReportMetric(17280, "samples/op")
}

// A clock time with JSON escapes is read like any other.
func TestDecodeClockTimeEscaped(t *testing.T) {
	c, err := DecodeContinuousHeartRate([]byte(`{"date":"2026-11-30","heart_rate_samples":[{"heart_rate":60,"sample_time":"07:05:0\u0030"},{"heart_rate":61,"sample_time":"07:05:05.250"}]}`))
	require.NoError(t, err)
	assert.Equal(t, NewClockTime("07:05:00"), c.Samples[0].SampleTime)
	assert.Equal(t, int64(7*3600_000+5*60_000), c.Samples[0].SampleTime.Millis)
	assert.Equal(t, "07:05:05.250", c.Samples[1].SampleTime.String())
}

func TestParseWebhookContinuousHeartRateRejects(t *testing.T) {
	for name, body := range map[string]string{
		"no date": `{"event": "CONTINUOUS_HEART_RATE", "user_id": 475}`,
		"no user": `{"event": "CONTINUOUS_HEART_RATE", "date": "2026-11-30"}`,
	} {
		_, err := ParseWebhook([]byte(body))
		assert.ErrorIs(t, err, ErrInvalidPayload, name)
	}
}
