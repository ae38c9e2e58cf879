package accesslink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// ContinuousHeartRate is one day of the documented "continuous-heartrate"
// model.
type ContinuousHeartRate struct {
	PolarUser string            `json:"polar_user"`
	Date      string            `json:"date"` // YYYY-MM-DD, the user's local day
	Samples   []HeartRateSample `json:"heart_rate_samples"`
}

// HeartRateSample is one sample of a day: a heart rate (documented as
// an integer; float64 here so nothing overflows before the range check)
// at a zone-less device clock time "HH:MM:SS" on the day.
type HeartRateSample struct {
	HeartRate  float64   `json:"heart_rate"`
	SampleTime ClockTime `json:"sample_time"`
}

// ClockTime is a sample's clock time, parsed while decoding: a day has
// some 17,000 samples, and a string each would be as many allocations.
// A value that is not "HH:MM:SS" (a fraction of a second allowed) is
// kept as sent, for the error normalization reports.
type ClockTime struct {
	Millis int64  // since midnight, when valid
	Raw    string // the JSON value as sent, when not valid
	valid  bool
}

// NewClockTime parses "HH:MM:SS"; see ClockTime.
func NewClockTime(s string) ClockTime {
	if ms, ok := parseClockMillis(s); ok {
		return ClockTime{Millis: ms, valid: true}
	}
	return ClockTime{Raw: s}
}

// Valid reports whether the clock time is "HH:MM:SS".
func (c ClockTime) Valid() bool { return c.valid }

// String is the clock time as "HH:MM:SS" (with milliseconds when it
// has them), or the value as sent.
func (c ClockTime) String() string {
	if !c.valid {
		return c.Raw
	}
	s := time.UnixMilli(c.Millis).UTC().Format(time.TimeOnly)
	if c.Millis%1000 != 0 {
		s = time.UnixMilli(c.Millis).UTC().Format("15:04:05.000")
	}
	return s
}

// UnmarshalJSON reads a JSON string, without allocating unless it has
// escapes; anything else (null, a number) is kept in Raw as not valid.
func (c *ClockTime) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) < 2 || b[0] != '"':
		*c = ClockTime{Raw: string(b)}
	case bytes.IndexByte(b, '\\') >= 0:
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = NewClockTime(s)
	default:
		if ms, ok := parseClockMillis(b[1 : len(b)-1]); ok {
			*c = ClockTime{Millis: ms, valid: true}
		} else {
			*c = ClockTime{Raw: string(b[1 : len(b)-1])}
		}
	}
	return nil
}

// DecodeContinuousHeartRate decodes one day.
func DecodeContinuousHeartRate(data []byte) (*ContinuousHeartRate, error) {
	var c ContinuousHeartRate
	if err := decodeJSON("continuous heart rate", data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// ContinuousHeartRateDay is what the poller needs of a listed day: its
// date and how many samples it has, without decoding every sample.
func ContinuousHeartRateDay(data []byte) (date string, samples int, err error) {
	var d struct {
		Date    string     `json:"date"`
		Samples []struct{} `json:"heart_rate_samples"`
	}
	if err := decodeJSON("continuous heart rate", data, &d); err != nil {
		return "", 0, err
	}
	return d.Date, len(d.Samples), nil
}

// SplitContinuousHeartRates splits the answer of the ranged endpoint into
// its days. Polar documents the answer with the one-day object of the
// single-date endpoint; for several days the bridge accepts a JSON array
// of such objects, or an object wrapping one such array, as well.
func SplitContinuousHeartRates(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, nil
	}
	if data[0] == '[' {
		var list []json.RawMessage
		if err := decodeJSON("continuous heart rate range", data, &list); err != nil {
			return nil, err
		}
		return list, nil
	}
	var obj map[string]json.RawMessage
	if err := decodeJSON("continuous heart rate range", data, &obj); err != nil {
		return nil, err
	}
	if _, ok := obj["date"]; ok {
		return []json.RawMessage{data}, nil
	}
	if _, ok := obj["heart_rate_samples"]; ok {
		return []json.RawMessage{data}, nil
	}
	var found []json.RawMessage
	arrays := 0
	for _, v := range obj {
		if v = bytes.TrimSpace(v); len(v) > 0 && v[0] == '[' {
			arrays++
			if err := decodeJSON("continuous heart rate range", v, &found); err != nil {
				return nil, err
			}
		}
	}
	switch arrays {
	case 0:
		return nil, nil // {}: no days
	case 1:
		return found, nil
	}
	return nil, fmt.Errorf("decode continuous heart rate range: an object with %d lists, want one list of days: %w", arrays, ErrInvalidPayload)
}

// ---- Continuous heart rate (user token) ----

// GetContinuousHeartRate returns the raw JSON of the day date (GET
// /v3/users/continuous-heart-rate/{date}), for
// NormalizeContinuousHeartRate; found is false when Polar has no data
// for it (404 "No data found for date", or 204 or an empty body).
func (c *Client) GetContinuousHeartRate(ctx context.Context, token, date string) (raw []byte, found bool, err error) {
	return c.byDate(ctx, token, "/v3/users/continuous-heart-rate/", date)
}

// ContinuousHeartRateRange returns each day from from to to, both
// inclusive, that Polar has (GET
// /v3/users/continuous-heart-rate?from=&to=), split by
// SplitContinuousHeartRates; 204 or an empty body is no days. Spans
// longer than RangeMaxDays are refused here.
func (c *Client) ContinuousHeartRateRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error) {
	q, err := rangeQuery("continuous heart rate", from, to)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/v3/users/continuous-heart-rate", query: q, token: token})
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNoContent {
		return nil, nil
	}
	return SplitContinuousHeartRates(resp.body)
}
