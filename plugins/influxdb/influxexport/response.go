package influxexport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// This file maps InfluxDB's answers to per-record outcomes. It is pure:
// no I/O, so every mapping is tested on recorded answers.

// outcome is the result for a record (or a line) in the making.
type outcome struct {
	status  pluginapi.ExportResult_Status
	delayMs int64 // with STATUS_RETRY: wait at least this long
	msg     string
}

var ok = outcome{status: pluginapi.ExportResult_STATUS_OK}

func retry(delayMs int64, format string, args ...any) outcome {
	return outcome{pluginapi.ExportResult_STATUS_RETRY, delayMs, fmt.Sprintf(format, args...)}
}

func permanent(format string, args ...any) outcome {
	return outcome{pluginapi.ExportResult_STATUS_PERMANENT, 0, fmt.Sprintf(format, args...)}
}

func (o outcome) rank() int {
	switch o.status {
	case pluginapi.ExportResult_STATUS_OK:
		return 0
	case pluginapi.ExportResult_STATUS_PERMANENT:
		return 2
	}
	return 1
}

// worse combines the outcomes of two parts of a record: a permanent
// failure beats a retry, which beats OK; of two retries the longer delay
// wins.
func worse(a, b outcome) outcome {
	switch {
	case a.rank() != b.rank():
		if a.rank() > b.rank() {
			return a
		}
		return b
	case b.delayMs > a.delayMs:
		return b
	}
	return a
}

func (o outcome) result() *pluginapi.ExportResult {
	switch o.status {
	case pluginapi.ExportResult_STATUS_OK:
		return pluginapi.OK()
	case pluginapi.ExportResult_STATUS_PERMANENT:
		return pluginapi.Permanent("%s", o.msg)
	}
	if o.delayMs > 0 {
		return pluginapi.RetryAfter(o.delayMs, "%s", o.msg)
	}
	return pluginapi.Retry("%s", o.msg)
}

// response is an HTTP answer from InfluxDB.
type response struct {
	status     int
	retryAfter string // the Retry-After header
	body       []byte
}

// serverMessage extracts the error text of an answer: "error" (1.x, 3.x)
// or "message" (2.x) of a JSON body, else the body itself, shortened.
func serverMessage(body []byte) string {
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil && (e.Error != "" || e.Message != "") {
		msg = strings.TrimSpace(e.Error + " " + e.Message)
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	return msg
}

// retryAfterMs parses Retry-After (seconds or an HTTP date); 0 if absent.
func retryAfterMs(h string, now time.Time) int64 {
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s > 0 {
		return int64(s * 1000)
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now).Milliseconds()
	}
	return 0
}

// target names where the points go, for messages.
func target(cfg Config) string {
	if cfg.API == apiV2 {
		return fmt.Sprintf("bucket %q (org %q)", cfg.Bucket, cfg.Org)
	}
	return fmt.Sprintf("database %q", cfg.Database)
}

// createHint says how to create the missing database or bucket.
func createHint(cfg Config) string {
	switch cfg.API {
	case apiV2:
		return fmt.Sprintf("create it with `influx bucket create --name %s --org %s`", cfg.Bucket, cfg.Org)
	case apiV3:
		return fmt.Sprintf("create it with `influxdb3 create database %s`", cfg.Database)
	}
	return fmt.Sprintf("create it with `influx -execute 'CREATE DATABASE \"%s\"'` (InfluxQL: CREATE DATABASE \"%s\")", cfg.Database, cfg.Database)
}

func credentialsHint(cfg Config) string {
	if cfg.API == apiV1 {
		return `check "username" and "password" and that the user may write to the database`
	}
	return `check "token" and that it may write to the ` + strings.Fields(target(cfg))[0]
}

var (
	reDropped  = regexp.MustCompile(`dropped=(\d+)`)
	reConflict = regexp.MustCompile(`input field "([^"]+)" on measurement "([^"]+)"`)
	reParse    = regexp.MustCompile(`unable to parse '(.+?)': `)
	reLineNo   = regexp.MustCompile(`\bline:? (\d+)\b`)
)

// classify maps the answer to a write of ch to an outcome per line: def
// for every line not in perLine (indexes into ch.lines).
func classify(cfg Config, res *response, ch *chunk, now time.Time) (def outcome, perLine map[int]outcome) {
	code := res.status
	if code/100 == 2 {
		return ok, nil
	}
	msg := serverMessage(res.body)
	what := fmt.Sprintf("InfluxDB answered HTTP %d: %s", code, msg)
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		d := retryAfterMs(res.retryAfter, now)
		if d > 0 {
			return retry(d, "%s; retrying after %s", what, time.Duration(d)*time.Millisecond), nil
		}
		return retry(0, "%s", what), nil
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return permanent("%s: %s", what, credentialsHint(cfg)), nil
	case code == http.StatusNotFound:
		return permanent("%s: %s does not exist: %s", what, target(cfg), createHint(cfg)), nil
	case code == http.StatusRequestEntityTooLarge:
		return permanent("%s: lower \"batch_max_bytes\" (now %d) below the server's limit", what, cfg.BatchMaxBytes), nil
	case code >= 500 && strings.Contains(msg, "retention policy not found"):
		return permanent("%s: fix \"retention_policy\" or create it with CREATE RETENTION POLICY", what), nil
	case code >= 500:
		return retry(0, "%s", what), nil
	case cfg.API == apiV3 && code == http.StatusBadRequest:
		if lines := v3Rejected(res.body); len(lines) > 0 {
			perLine = map[int]outcome{}
			for i, m := range lines {
				if i >= 0 && i < len(ch.lines) {
					perLine[i] = permanent("InfluxDB rejected a point (line %d of the request): %s", i+1, m)
				}
			}
			// 3.x stores the other lines of a partial write.
			return ok, perLine
		}
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		// 1.x (400) and 2.x (422) store the valid lines of a partial
		// write; a 2.x 400 rejects the whole request.
		stored := strings.Contains(msg, "partial write") && (cfg.API == apiV1 || code == http.StatusUnprocessableEntity)
		rejected := rejectedLines(msg, ch)
		if len(rejected) == 0 {
			return permanent("%s", what), nil
		}
		perLine = map[int]outcome{}
		for _, i := range rejected {
			perLine[i] = permanent("InfluxDB rejected a point of this record (%s, line %d of the request): %s", ch.lines[i].p.measurement, i+1, msg)
		}
		if !stored {
			return retry(0, "InfluxDB rejected the request because of another record's point: %s", msg), perLine
		}
		if m := reDropped.FindStringSubmatch(msg); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > len(rejected) {
				return retry(0, "InfluxDB dropped %d points, not all identified: %s", n, msg), perLine
			}
		}
		return ok, perLine
	}
	return permanent("%s", what), nil
}

// rejectedLines finds the lines of ch an error message is about: by field
// type conflict (field and measurement), by quoted line text or by line
// number.
func rejectedLines(msg string, ch *chunk) []int {
	var out []int
	if m := reConflict.FindStringSubmatch(msg); m != nil {
		for i, l := range ch.lines {
			if l.p.measurement == m[2] && slices.ContainsFunc(l.p.fields, func(f field) bool { return f.key == m[1] }) {
				out = append(out, i)
			}
		}
		return out
	}
	if m := reParse.FindStringSubmatch(msg); m != nil {
		for i, line := range bytes.Split(ch.body, []byte("\n")) {
			if string(line) == m[1] && i < len(ch.lines) {
				out = append(out, i)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	for _, m := range reLineNo.FindAllStringSubmatch(msg, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= 1 && n <= len(ch.lines) && !slices.Contains(out, n-1) {
			out = append(out, n-1)
		}
	}
	return out
}

// v3Rejected parses a 3.x partial-write answer into the 0-based index and
// message of each rejected line.
func v3Rejected(body []byte) map[int]string {
	type lineErr struct {
		Message string `json:"error_message"`
		Line    int    `json:"line_number"`
	}
	var e struct {
		Error string          `json:"error"`
		Data  json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Data) == 0 {
		return nil
	}
	var list []lineErr
	if json.Unmarshal(e.Data, &list) != nil {
		var one lineErr
		if json.Unmarshal(e.Data, &one) != nil {
			return nil
		}
		list = []lineErr{one}
	}
	out := map[int]string{}
	for _, l := range list {
		if l.Line >= 1 {
			out[l.Line-1] = strings.TrimSpace(l.Message)
		}
	}
	return out
}
