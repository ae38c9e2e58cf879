package intervalsexport

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// authError means intervals.icu refused the credentials: only the user
// can fix them.
type authError struct{ msg string }

func (e *authError) Error() string   { return e.msg }
func (e *authError) Permanent() bool { return true }

// rateLimitedError is a 429, or the pause one asked for.
type rateLimitedError struct{ wait time.Duration }

func (e *rateLimitedError) Error() string {
	return fmt.Sprintf("intervals.icu rate limit reached: waiting %s", e.wait.Round(time.Second))
}

func (e *rateLimitedError) RetryAfter() time.Duration { return e.wait }

// apiError is an unexpected answer.
type apiError struct {
	op     string
	status int
	msg    string
}

func (e *apiError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("%s: intervals.icu answered %d", e.op, e.status)
	}
	return fmt.Sprintf("%s: intervals.icu answered %d: %s", e.op, e.status, e.msg)
}

// Permanent reports whether trying again later cannot help.
func (e *apiError) Permanent() bool {
	return e.status < 500 && e.status != http.StatusRequestTimeout
}

// errorMessage reads intervals.icu's error bodies: {"status","error"},
// the same wrapped in an array, or Spring's {timestamp,status,error,path}.
func errorMessage(raw []byte) string {
	type fault struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	var one fault
	if json.Unmarshal(raw, &one) == nil && one.Error+one.Message != "" {
		return strings.TrimSpace(one.Error + " " + one.Message)
	}
	var many []fault
	if json.Unmarshal(raw, &many) == nil && len(many) > 0 {
		var msgs []string
		for _, f := range many {
			msgs = append(msgs, strings.TrimSpace(f.Error+" "+f.Message))
		}
		return strings.Join(msgs, "; ")
	}
	s := strings.TrimSpace(string(raw))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// client talks to intervals.icu for one plugin instance.
type client struct {
	s        *settings
	http     *http.Client
	kv       pluginapi.KV
	instance string
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
	log      *slog.Logger

	mu      sync.Mutex
	next    time.Time // earliest start of the next request
	blocked time.Time // a 429 asked to wait until then
}

func (c *client) athletePath(rest string) string {
	return "/athlete/" + url.PathEscape(c.s.cfg.AthleteID) + rest
}

// pace waits for the request's turn: at most requests_per_second, and
// nothing before a 429's Retry-After has passed (that is returned to the
// host as a retry, so a batch does not sit on it).
func (c *client) pace(ctx context.Context) error {
	c.mu.Lock()
	now := c.now()
	if now.Before(c.blocked) {
		w := c.blocked.Sub(now)
		c.mu.Unlock()
		return &rateLimitedError{wait: w}
	}
	start := now
	if c.next.After(now) {
		start = c.next
	}
	c.next = start.Add(c.s.interval)
	c.mu.Unlock()
	if d := start.Sub(now); d > 0 {
		return c.sleep(ctx, d)
	}
	return nil
}

func (c *client) reauthorize(why string) *authError {
	if c.s.oauth {
		return &authError{msg: fmt.Sprintf("%s: run `polarbridge plugins authorize %s`, then `polarbridge dlq replay --exporter %s`", why, c.instance, c.instance)}
	}
	return &authError{msg: fmt.Sprintf("%s: check the API key (intervals.icu Settings → Developer Settings; %s) and athlete_id %q, restart the daemon, then `polarbridge dlq replay --exporter %s`",
		why, pluginapi.ConfigEnvVar(c.instance, "api_key"), c.s.cfg.AthleteID, c.instance)}
}

// authorization is the Authorization header: Basic with the literal user
// API_KEY, or an OAuth application's Bearer token.
func (c *client) authorization(ctx context.Context) (string, error) {
	if !c.s.oauth {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte("API_KEY:"+c.s.cfg.APIKey)), nil
	}
	tok, _, err := pluginapi.LoadOAuth2Token(ctx, c.kv)
	if errors.Is(err, pluginapi.ErrNotAuthorized) {
		return "", c.reauthorize("not authorized for intervals.icu yet")
	}
	if err != nil {
		return "", fmt.Errorf("load the intervals.icu token: %w", err)
	}
	return "Bearer " + tok.AccessToken, nil
}

// request is one API call.
type request struct {
	op     string // for messages, e.g. "upload exercise.475.x"
	method string
	path   string // below api_url, with its query
	body   []byte
	ctype  string
}

// do sends r and decodes a 2xx answer into out (when out is not nil and
// the answer has a body). It returns the status.
func (c *client) do(ctx context.Context, r request, out any) (int, error) {
	if err := c.pace(ctx); err != nil {
		return 0, err
	}
	auth, err := c.authorization(ctx)
	if err != nil {
		return 0, err
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.s.cfg.APIURL+r.path, body)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", r.op, err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		err = fmt.Errorf("%s: %w", r.op, err)
		if pluginapi.NotSent(err) {
			return 0, err
		}
		return 0, &pluginapi.LostError{Err: err}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, &pluginapi.LostError{Err: fmt.Errorf("%s: read the answer: %w", r.op, err)}
	}
	switch st := resp.StatusCode; {
	case st == http.StatusTooManyRequests:
		w := retryAfter(resp.Header.Get("Retry-After"), c.now())
		c.mu.Lock()
		c.blocked = c.now().Add(w)
		c.mu.Unlock()
		return st, &rateLimitedError{wait: w}
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		return st, c.reauthorize(fmt.Sprintf("intervals.icu refused the credentials (%d %s)", st, errorMessage(raw)))
	case st >= 500:
		return st, &pluginapi.LostError{Err: &apiError{op: r.op, status: st, msg: errorMessage(raw)}}
	case st < 200 || st >= 300:
		return st, &apiError{op: r.op, status: st, msg: errorMessage(raw)}
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, &pluginapi.LostError{Err: fmt.Errorf("%s: decode the answer: %w", r.op, err)}
		}
	}
	return resp.StatusCode, nil
}

// retryAfter reads Retry-After (seconds or an HTTP date); at least 1s.
func retryAfter(v string, now time.Time) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return time.Second
}

func (c *client) doJSON(ctx context.Context, op, method, path string, in, out any) (int, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return c.do(ctx, request{op: op, method: method, path: path, body: raw, ctype: "application/json"}, out)
}

// uploadJSON is the answer to an upload.
type uploadJSON struct {
	ID         string `json:"id"`
	Activities []struct {
		ID string `json:"id"`
	} `json:"activities"`
}

// ids are the activities the file became (several for multisport).
func (u uploadJSON) ids() []string {
	var ids []string
	for _, a := range u.Activities {
		if a.ID != "" {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 && u.ID != "" {
		ids = []string{u.ID}
	}
	return ids
}

type uploadParams struct {
	filename               string
	data                   []byte
	name, description      string
	externalID, deviceName string
}

// upload POSTs a file; created is false when every activity it makes
// already existed (200: duplicates).
func (c *client) upload(ctx context.Context, op string, p uploadParams) (ids []string, created bool, err error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", p.filename)
	if err != nil {
		return nil, false, err
	}
	if _, err := fw.Write(p.data); err != nil {
		return nil, false, err
	}
	if err := mw.Close(); err != nil {
		return nil, false, err
	}
	// intervals.icu reads these from the query, not from form fields.
	q := url.Values{"name": {p.name}, "description": {p.description}, "external_id": {p.externalID}}
	if p.deviceName != "" {
		q.Set("device_name", p.deviceName)
	}
	var up uploadJSON
	st, err := c.do(ctx, request{op: op, method: http.MethodPost, path: c.athletePath("/activities?" + q.Encode()),
		body: buf.Bytes(), ctype: mw.FormDataContentType()}, &up)
	if err != nil {
		return nil, false, err
	}
	if ids = up.ids(); len(ids) == 0 {
		return nil, false, &pluginapi.LostError{Err: fmt.Errorf("%s: the answer names no activity", op)}
	}
	return ids, st == http.StatusCreated, nil
}

// activityJSON is the part of intervals.icu's Activity the plugin writes
// or reads.
type activityJSON struct {
	ID             string  `json:"id,omitempty"`
	Name           string  `json:"name,omitempty"`
	Description    string  `json:"description,omitempty"`
	Type           string  `json:"type,omitempty"`
	Trainer        *bool   `json:"trainer,omitempty"`
	Commute        *bool   `json:"commute,omitempty"`
	StartDateLocal string  `json:"start_date_local,omitempty"`
	MovingTime     int     `json:"moving_time,omitempty"`
	ElapsedTime    int     `json:"elapsed_time,omitempty"`
	Distance       float64 `json:"distance,omitempty"`
	ExternalID     string  `json:"external_id,omitempty"`
	AverageHR      int32   `json:"average_heartrate,omitempty"`
	MaxHR          int32   `json:"max_heartrate,omitempty"`
	Calories       int32   `json:"calories,omitempty"`
	DeviceName     string  `json:"device_name,omitempty"`
}

func (c *client) createManual(ctx context.Context, op string, a activityJSON) (string, error) {
	var out activityJSON
	if _, err := c.doJSON(ctx, op, http.MethodPost, c.athletePath("/activities/manual"), a, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &pluginapi.LostError{Err: fmt.Errorf("%s: the answer names no activity", op)}
	}
	return out.ID, nil
}

// findByExternalID lists the activities of a local date and returns the
// ids of those with externalID: after a lost answer to a manual create,
// which intervals.icu does not de-duplicate.
func (c *client) findByExternalID(ctx context.Context, op, date, externalID string) ([]string, error) {
	q := url.Values{"oldest": {date}, "newest": {date + "T23:59:59"}}
	var list []activityJSON
	if _, err := c.do(ctx, request{op: op, method: http.MethodGet, path: c.athletePath("/activities?" + q.Encode())}, &list); err != nil {
		return nil, err
	}
	var ids []string
	for _, a := range list {
		if a.ExternalID == externalID && a.ID != "" {
			ids = append(ids, a.ID)
		}
	}
	return ids, nil
}

func (c *client) updateActivity(ctx context.Context, op, id string, a activityJSON) error {
	_, err := c.doJSON(ctx, op, http.MethodPut, "/activity/"+url.PathEscape(id), a, nil)
	return err
}

func (c *client) deleteActivity(ctx context.Context, op, id string) error {
	_, err := c.do(ctx, request{op: op, method: http.MethodDelete, path: "/activity/" + url.PathEscape(id)}, nil)
	return err
}

// putWellness writes one day's fields, or several days with the bulk
// endpoint.
func (c *client) putWellness(ctx context.Context, op string, days []wellnessDay) error {
	if len(days) == 1 {
		_, err := c.doJSON(ctx, op, http.MethodPut, c.athletePath("/wellness/"+days[0].Date), days[0].body(), nil)
		return err
	}
	body := make([]map[string]any, 0, len(days))
	for _, d := range days {
		m := d.body()
		m["id"] = d.Date
		body = append(body, m)
	}
	_, err := c.doJSON(ctx, op, http.MethodPut, c.athletePath("/wellness-bulk"), body, nil)
	return err
}
