package accesslink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Cardio load statuses, as documented (cardio-load-status-enum).
const (
	CardioLoadNotAvailable = "LOAD_STATUS_NOT_AVAILABLE"
	CardioLoadDetraining   = "DETRAINING"
	CardioLoadMaintaining  = "MAINTAINING"
	CardioLoadProductive   = "PRODUCTIVE"
	CardioLoadOverreaching = "OVERREACHING"
	CardioLoadUnrecognized = "UNRECOGNIZED"
)

// CardioLoad is one day of the documented "cardio-load" model. Numbers
// are float64 ("number(float)"); a field Polar leaves out or sends as
// null decodes as 0.
type CardioLoad struct {
	Date       string          `json:"date"` // YYYY-MM-DD
	Status     string          `json:"cardio_load_status"`
	CardioLoad float64         `json:"cardio_load"`
	Strain     float64         `json:"strain"`
	Tolerance  float64         `json:"tolerance"`
	Ratio      float64         `json:"cardio_load_ratio"`
	Level      CardioLoadLevel `json:"cardio_load_level"`
}

// Available reports whether Polar could calculate the day: the ranged
// endpoint lists every day of the range, those without values with
// status LOAD_STATUS_NOT_AVAILABLE.
func (c *CardioLoad) Available() bool { return c.Status != CardioLoadNotAvailable }

// CardioLoadLevel is the documented "cardio-load-levels" model.
type CardioLoadLevel struct {
	VeryLow  float64 `json:"very-low"`
	Low      float64 `json:"low"`
	Medium   float64 `json:"medium"`
	High     float64 `json:"high"`
	VeryHigh float64 `json:"very-high"`
}

// UnmarshalJSON accepts either spelling of each key: the docs spell
// "very_low" with an underscore but "very-high" with a hyphen.
func (l *CardioLoadLevel) UnmarshalJSON(b []byte) error {
	type plain CardioLoadLevel
	return unmarshalHyphenated(b, (*plain)(l))
}

// DecodeCardioLoad decodes one day of a cardio load list.
func DecodeCardioLoad(data []byte) (*CardioLoad, error) {
	var c CardioLoad
	if err := decodeJSON("cardio load", data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// DecodeCardioLoads decodes a cardio load answer: every cardio-load
// endpoint, the one for a single date too, answers a JSON array.
func DecodeCardioLoads(data []byte) ([]CardioLoad, error) {
	var list []CardioLoad
	if err := decodeJSON("cardio load list", data, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// ---- Cardio load (user token) ----

// ListCardioLoad returns the raw JSON of each day of the last 28 days
// (GET /v3/users/cardio-load/), for NormalizeCardioLoad.
func (c *Client) ListCardioLoad(ctx context.Context, token string) ([]json.RawMessage, error) {
	return c.array(ctx, call{method: http.MethodGet, path: "/v3/users/cardio-load/", token: token})
}

// GetCardioLoad returns the day of date (GET /v3/users/cardio-load/{date});
// Polar answers a list for it too. None (nil) when there is none.
func (c *Client) GetCardioLoad(ctx context.Context, token, date string) ([]json.RawMessage, error) {
	seg, err := dateSegment(date)
	if err != nil {
		return nil, err
	}
	list, err := c.array(ctx, call{method: http.MethodGet, path: "/v3/users/cardio-load/" + seg, token: token})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return list, err
}

// CardioLoadRange returns each day from from to to, both inclusive (GET
// /v3/users/cardio-load/date?from=&to=). Polar lists every day of the
// range, uncalculated ones as LOAD_STATUS_NOT_AVAILABLE. Spans longer
// than RangeMaxDays are refused here: see RangeMaxDays.
func (c *Client) CardioLoadRange(ctx context.Context, token, from, to string) ([]json.RawMessage, error) {
	q, err := rangeQuery("cardio load", from, to)
	if err != nil {
		return nil, err
	}
	return c.array(ctx, call{method: http.MethodGet, path: "/v3/users/cardio-load/date", query: q, token: token})
}

// CardioLoadDays returns the last days days, counted back from Polar's
// current date (GET /v3/users/cardio-load/period/days/{days}).
func (c *Client) CardioLoadDays(ctx context.Context, token string, days int) ([]json.RawMessage, error) {
	return c.cardioLoadPeriod(ctx, token, "days", days)
}

// CardioLoadMonths returns the last months months, counted back from
// Polar's current date (GET /v3/users/cardio-load/period/months/{months}).
func (c *Client) CardioLoadMonths(ctx context.Context, token string, months int) ([]json.RawMessage, error) {
	return c.cardioLoadPeriod(ctx, token, "months", months)
}

func (c *Client) cardioLoadPeriod(ctx context.Context, token, unit string, n int) ([]json.RawMessage, error) {
	if n < 1 {
		return nil, fmt.Errorf("accesslink: cardio load period of %d %s: %w", n, unit, ErrInvalidArgument)
	}
	return c.array(ctx, call{method: http.MethodGet, path: "/v3/users/cardio-load/period/" + unit + "/" + strconv.Itoa(n), token: token})
}

// array fetches a top-level JSON array and splits it; 204 or an empty
// body is no entries.
func (c *Client) array(ctx context.Context, cl call) ([]json.RawMessage, error) {
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNoContent || len(resp.body) == 0 {
		return nil, nil
	}
	var list []json.RawMessage
	if err := decodeJSON(cl.path, resp.body, &list); err != nil {
		return nil, err
	}
	return list, nil
}
