package influxexport

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// client does the HTTP requests. It never puts the token or password in
// an error.
type client struct {
	cfg  Config
	base *url.URL
	http *http.Client
	gz   *gzip.Writer
	buf  bytes.Buffer
}

func newClient(cfg Config) (*client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parse url: %w", err)
	}
	return &client{
		cfg:  cfg,
		base: base,
		http: &http.Client{Timeout: time.Duration(cfg.Timeout)},
	}, nil
}

func (c *client) endpoint(path string, q url.Values) string {
	u := c.base.JoinPath(path)
	u.RawQuery = q.Encode()
	return u.String()
}

func (c *client) authorize(req *http.Request) {
	switch {
	case c.cfg.API == apiV1 && c.cfg.Username != "":
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	case c.cfg.API == apiV2:
		req.Header.Set("Authorization", "Token "+c.cfg.Token)
	case c.cfg.API == apiV3:
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
}

// writeURL is the write endpoint for the API and precision.
func (c *client) writeURL(ms bool) string {
	q := url.Values{}
	switch c.cfg.API {
	case apiV1:
		q.Set("db", c.cfg.Database)
		if c.cfg.RetentionPolicy != "" {
			q.Set("rp", c.cfg.RetentionPolicy)
		}
		q.Set("precision", map[bool]string{false: "s", true: "ms"}[ms])
		return c.endpoint("/write", q)
	case apiV2:
		q.Set("org", c.cfg.Org)
		q.Set("bucket", c.cfg.Bucket)
		q.Set("precision", map[bool]string{false: "s", true: "ms"}[ms])
		return c.endpoint("/api/v2/write", q)
	}
	q.Set("db", c.cfg.Database)
	q.Set("precision", map[bool]string{false: "second", true: "millisecond"}[ms])
	return c.endpoint("/api/v3/write_lp", q)
}

// write posts one chunk. An error means no answer (refused, timeout).
func (c *client) write(ctx context.Context, ch *chunk) (*response, error) {
	body := ch.body
	if c.cfg.Gzip {
		c.buf.Reset()
		if c.gz == nil {
			c.gz, _ = gzip.NewWriterLevel(&c.buf, gzip.BestSpeed)
		} else {
			c.gz.Reset(&c.buf)
		}
		c.gz.Write(body)
		if err := c.gz.Close(); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		body = c.buf.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.writeURL(ch.ms), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if c.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	return c.do(req)
}

func (c *client) do(req *http.Request) (*response, error) {
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err // http.Client errors carry the URL without credentials
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer of %s %s: %w", req.Method, req.URL.Path, err)
	}
	return &response{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: b}, nil
}

// transportOutcome is the outcome when InfluxDB did not answer.
func (c *client) transportOutcome(err error) outcome {
	return retry(0, "InfluxDB at %s did not answer: %v", c.base.Redacted(), err)
}

// deleteGroup deletes the points of an old version's series (1.x and 2.x;
// 3.x cannot delete points).
func (c *client) deleteGroup(ctx context.Context, g group) (*response, error) {
	start, stop := time.Unix(0, g.Min).UTC(), time.Unix(0, g.Max).UTC()
	var req *http.Request
	var err error
	if c.cfg.API == apiV2 {
		pred := []string{fmt.Sprintf(`_measurement=%q`, g.Measurement)}
		for _, t := range g.Tags {
			pred = append(pred, fmt.Sprintf(`%s=%q`, t[0], t[1]))
		}
		body, _ := json.Marshal(map[string]string{
			"start":     start.Format(time.RFC3339Nano),
			"stop":      stop.Add(time.Nanosecond).Format(time.RFC3339Nano),
			"predicate": strings.Join(pred, " AND "),
		})
		q := url.Values{"org": {c.cfg.Org}, "bucket": {c.cfg.Bucket}}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/api/v2/delete", q), bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		req, err = c.influxQL(ctx, deleteStatement(g))
	}
	if err != nil {
		return nil, err
	}
	res, err := c.do(req)
	if err == nil && res.status == http.StatusOK {
		if msg := queryError(res.body); msg != "" {
			res.status = http.StatusBadRequest
			res.body, _ = json.Marshal(map[string]string{"error": msg})
		} else {
			res.status = http.StatusNoContent
		}
	}
	return res, err
}

// deleteStatement is the InfluxQL DELETE for a group.
func deleteStatement(g group) string {
	var b strings.Builder
	fmt.Fprintf(&b, "DELETE FROM %s WHERE ", quoteIdent(g.Measurement))
	for _, t := range g.Tags {
		fmt.Fprintf(&b, "%s = %s AND ", quoteIdent(t[0]), quoteString(t[1]))
	}
	fmt.Fprintf(&b, "time >= '%s' AND time <= '%s'",
		time.Unix(0, g.Min).UTC().Format(time.RFC3339Nano), time.Unix(0, g.Max).UTC().Format(time.RFC3339Nano))
	return b.String()
}

func quoteIdent(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func quoteString(s string) string {
	return `'` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + `'`
}

// influxQL builds a 1.x /query request (POST, form-encoded).
func (c *client) influxQL(ctx context.Context, q string) (*http.Request, error) {
	form := url.Values{"q": {q}}
	if c.cfg.Database != "" {
		form.Set("db", c.cfg.Database)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/query", nil), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// queryError returns the first error in a 1.x /query answer, or "".
func queryError(body []byte) string {
	var out struct {
		Error   string `json:"error"`
		Results []struct {
			Error string `json:"error"`
		} `json:"results"`
	}
	if json.Unmarshal(body, &out) != nil {
		return "unreadable answer: " + serverMessage(body)
	}
	if out.Error != "" {
		return out.Error
	}
	for _, r := range out.Results {
		if r.Error != "" {
			return r.Error
		}
	}
	return ""
}

// check makes sure InfluxDB answers, takes the credentials and has the
// database or bucket. Errors wrap pluginapi.ErrInvalidConfig unless
// InfluxDB is unreachable.
func (c *client) check(ctx context.Context) ([]string, error) {
	where := c.base.Redacted()
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: InfluxDB at %s: %s", pluginapi.ErrInvalidConfig, where, fmt.Sprintf(format, args...))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("/ping", nil), nil)
	if err != nil {
		return nil, err
	}
	res, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf(`InfluxDB at %s is unreachable (check "url", or set "check: false" to start without it): %w`, where, err)
	}
	if res.status == http.StatusUnauthorized || res.status == http.StatusForbidden {
		return nil, invalid("HTTP %d on /ping: %s", res.status, credentialsHint(c.cfg))
	}
	if res.status/100 != 2 {
		return nil, invalid("GET /ping answered HTTP %d (%s): is this InfluxDB?", res.status, serverMessage(res.body))
	}
	switch c.cfg.API {
	case apiV1:
		return nil, c.checkV1(ctx, invalid)
	case apiV2:
		return c.checkV2(ctx, invalid)
	}
	return c.checkV3(ctx, invalid)
}

func (c *client) checkV1(ctx context.Context, invalid func(string, ...any) error) error {
	names, err := c.showNames(ctx, "SHOW DATABASES", invalid)
	if err != nil {
		return err
	}
	if !slices.Contains(names, c.cfg.Database) {
		return invalid("database %q does not exist (the user may not see it): %s", c.cfg.Database, createHint(c.cfg))
	}
	if c.cfg.RetentionPolicy == "" {
		return nil
	}
	rps, err := c.showNames(ctx, "SHOW RETENTION POLICIES ON "+quoteIdent(c.cfg.Database), invalid)
	if err != nil {
		return err
	}
	if !slices.Contains(rps, c.cfg.RetentionPolicy) {
		return invalid("retention policy %q does not exist on database %q: create it with CREATE RETENTION POLICY \"%s\" ON \"%s\" DURATION 0s REPLICATION 1, or fix \"retention_policy\"",
			c.cfg.RetentionPolicy, c.cfg.Database, c.cfg.RetentionPolicy, c.cfg.Database)
	}
	return nil
}

// showNames runs a SHOW statement and returns the first column.
func (c *client) showNames(ctx context.Context, q string, invalid func(string, ...any) error) ([]string, error) {
	req, err := c.influxQL(ctx, q)
	if err != nil {
		return nil, err
	}
	res, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf("InfluxDB at %s: %s: %w", c.base.Redacted(), q, err)
	}
	if res.status == http.StatusUnauthorized || res.status == http.StatusForbidden {
		return nil, invalid("%s: HTTP %d (%s): %s", q, res.status, serverMessage(res.body), credentialsHint(c.cfg))
	}
	var out struct {
		Results []struct {
			Error  string `json:"error"`
			Series []struct {
				Values [][]any `json:"values"`
			} `json:"series"`
		} `json:"results"`
	}
	if res.status != http.StatusOK || json.Unmarshal(res.body, &out) != nil {
		return nil, invalid("%s: HTTP %d: %s", q, res.status, serverMessage(res.body))
	}
	var names []string
	for _, r := range out.Results {
		if r.Error != "" {
			return nil, invalid("%s: %s", q, r.Error)
		}
		for _, s := range r.Series {
			for _, v := range s.Values {
				if len(v) > 0 {
					if name, ok := v[0].(string); ok {
						names = append(names, name)
					}
				}
			}
		}
	}
	return names, nil
}

// checkV2 looks the bucket up; a server without /api/v2/buckets (1.8)
// is not checked further. It returns warnings to log.
func (c *client) checkV2(ctx context.Context, invalid func(string, ...any) error) ([]string, error) {
	q := url.Values{"org": {c.cfg.Org}, "name": {c.cfg.Bucket}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("/api/v2/buckets", q), nil)
	if err != nil {
		return nil, err
	}
	res, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf("InfluxDB at %s: list buckets: %w", c.base.Redacted(), err)
	}
	switch res.status {
	case http.StatusUnauthorized:
		return nil, invalid("the token was rejected (HTTP 401: %s): %s", serverMessage(res.body), credentialsHint(c.cfg))
	case http.StatusOK:
		var out struct {
			Buckets []bucket `json:"buckets"`
		}
		if json.Unmarshal(res.body, &out) == nil && slices.ContainsFunc(out.Buckets, func(b bucket) bool { return b.Name == c.cfg.Bucket }) {
			return nil, nil
		}
		return nil, invalid("bucket %q not found in org %q (or the token may not read it; set \"check: false\" if it can write but not read): %s",
			c.cfg.Bucket, c.cfg.Org, createHint(c.cfg))
	case http.StatusNotFound:
		if strings.Contains(string(res.body), "organization") {
			return nil, invalid("org %q not found (%s): fix \"org\"", c.cfg.Org, serverMessage(res.body))
		}
	}
	return []string{fmt.Sprintf("could not check bucket %q: GET /api/v2/buckets answered HTTP %d", c.cfg.Bucket, res.status)}, nil
}

type bucket struct {
	Name string `json:"name"`
}

// checkV3 checks the token by listing databases. 3.x creates a missing
// database at the first write, so that is only a note.
func (c *client) checkV3(ctx context.Context, invalid func(string, ...any) error) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("/api/v3/configure/database", url.Values{"format": {"json"}}), nil)
	if err != nil {
		return nil, err
	}
	res, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf("InfluxDB at %s: list databases: %w", c.base.Redacted(), err)
	}
	switch res.status {
	case http.StatusUnauthorized:
		return nil, invalid("the token was rejected (HTTP 401: %s): %s", serverMessage(res.body), credentialsHint(c.cfg))
	case http.StatusOK:
		var dbs []map[string]any
		if json.Unmarshal(res.body, &dbs) == nil {
			for _, db := range dbs {
				for _, v := range db {
					if v == c.cfg.Database {
						return nil, nil
					}
				}
			}
			return []string{fmt.Sprintf("database %q does not exist yet; InfluxDB 3 creates it at the first write (or %s)", c.cfg.Database, createHint(c.cfg))}, nil
		}
	}
	return []string{fmt.Sprintf("could not check database %q: GET /api/v3/configure/database answered HTTP %d", c.cfg.Database, res.status)}, nil
}
