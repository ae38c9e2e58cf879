package influxexport

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

const secret = "s3cret-t0ken"

type request struct {
	method, path, query, auth, encoding string
	body                                string // decompressed
}

// fakeInflux records every request and answers writes with write.
type fakeInflux struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []request
	write func(w http.ResponseWriter, r request)
}

func newFake(t *testing.T) *fakeInflux {
	f := &fakeInflux{write: func(w http.ResponseWriter, _ request) { w.WriteHeader(http.StatusNoContent) }}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, _ := io.ReadAll(body)
		req := request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Encoding"), string(b)}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		switch r.URL.Path {
		case "/ping":
			w.WriteHeader(http.StatusNoContent)
		case "/api/v2/buckets":
			fmt.Fprint(w, `{"buckets":[{"name":"polar"}]}`)
		case "/query": // SHOW DATABASES, SHOW RETENTION POLICIES: names in the first column
			fmt.Fprint(w, `{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],"values":[["polar"],["autogen"],["year"]]}]}]}`)
		case "/api/v3/configure/database":
			fmt.Fprint(w, `[{"iox::database":"polar"}]`)
		default:
			f.write(w, req)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeInflux) writes() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.reqs {
		if strings.Contains(r.path, "write") {
			out = append(out, r)
		}
	}
	return out
}

func configured(t *testing.T, cfg map[string]any) *pluginapi.Harness {
	t.Helper()
	h := pluginapi.NewHarness(New(""))
	require.NoError(t, h.Configure(context.Background(), cfg))
	return h
}

func sleepRec() *pluginapi.Record {
	r := testrecords.Sleep("475", "2026-05-05")
	r.Version = "v1"
	return r
}

func TestInfluxWriteRequests(t *testing.T) {
	day := time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC).Unix()
	for _, tc := range []struct {
		api                     string
		cfg                     map[string]any
		path, querySec, queryMs string
		auth                    string
	}{
		{"v1", map[string]any{"database": "polar", "retention_policy": "year", "username": "bridge", "password": secret},
			"/write", "db=polar&precision=s&rp=year", "db=polar&precision=ms&rp=year", "Basic YnJpZGdlOnMzY3JldC10MGtlbg=="},
		{"v2", map[string]any{"org": "home", "bucket": "polar", "token": secret},
			"/api/v2/write", "bucket=polar&org=home&precision=s", "bucket=polar&org=home&precision=ms", "Token " + secret},
		{"v3", map[string]any{"database": "polar", "token": secret},
			"/api/v3/write_lp", "db=polar&precision=second", "db=polar&precision=millisecond", "Bearer " + secret},
	} {
		t.Run(tc.api, func(t *testing.T) {
			f := newFake(t)
			tc.cfg["url"], tc.cfg["api"] = f.URL+"/", tc.api
			h := configured(t, tc.cfg)
			rec := sleepRec()
			res, err := h.Export(context.Background(), rec)
			require.NoError(t, err)
			require.Equal(t, pluginapi.ExportResult_STATUS_OK, res[0].GetStatus(), res[0].GetMessage())

			w := f.writes()
			require.Len(t, w, 2, "summary (s) and samples (ms)")
			for i, q := range []string{tc.querySec, tc.queryMs} {
				assert.Equal(t, http.MethodPost, w[i].method)
				assert.Equal(t, tc.path, w[i].path)
				assert.Equal(t, q, w[i].query)
				assert.Equal(t, tc.auth, w[i].auth)
				assert.Equal(t, "gzip", w[i].encoding)
			}
			assert.True(t, strings.HasPrefix(w[0].body, `sleep,source=accesslink,user=475 date="2026-05-05",version="v1",start=`), w[0].body)
			assert.True(t, strings.HasSuffix(w[0].body, fmt.Sprintf(" %d\n", day)), w[0].body)
			s := rec.GetSleep()
			lines := strings.Split(strings.TrimSuffix(w[1].body, "\n"), "\n")
			require.Len(t, lines, len(s.GetHypnogram())+len(s.GetHeartRate().GetValues()))
			assert.Equal(t, fmt.Sprintf("sleep_stage,user=475 stage=2i,stage_name=\"lighter_non_rem\",level=2i %d", s.GetStart().GetUtc().AsTime().UnixMilli()), lines[0])
		})
	}
}

func TestBatchingAndNoGzip(t *testing.T) {
	f := newFake(t)
	h := configured(t, map[string]any{"url": f.URL, "database": "polar", "batch_max_points": "1000", "gzip": "false"})
	ex := testrecords.Exercise("475", "a", t0, time.Hour)
	res, err := h.Export(context.Background(), ex)
	require.NoError(t, err)
	require.Equal(t, pluginapi.ExportResult_STATUS_OK, res[0].GetStatus())
	w := f.writes()
	require.Len(t, w, 1+4, "the summary and zones, then 3,600 samples in requests of 1,000")
	points := 0
	for _, r := range w {
		assert.Empty(t, r.encoding)
		points += strings.Count(r.body, "\n")
	}
	assert.Equal(t, 1+5+3600, points)
}

func TestInfluxErrorMapping(t *testing.T) {
	answer := func(status int, header, body string) func(http.ResponseWriter, request) {
		return func(w http.ResponseWriter, _ request) {
			if k, v, ok := strings.Cut(header, ": "); ok {
				w.Header().Set(k, v)
			}
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	type want struct {
		status  pluginapi.ExportResult_Status
		retryMs int64
		msg     string
	}
	retry, perm, okk := pluginapi.ExportResult_STATUS_RETRY, pluginapi.ExportResult_STATUS_PERMANENT, pluginapi.ExportResult_STATUS_OK
	for _, tc := range []struct {
		name   string
		api    string
		answer func(http.ResponseWriter, request)
		want   [2]want // exercise, sleep
	}{
		{"429 Retry-After", "v2", answer(429, "Retry-After: 30", `{"code":"too many requests","message":"slow down"}`),
			[2]want{{retry, 30000, "HTTP 429: slow down; retrying after 30s"}, {retry, 30000, "HTTP 429"}}},
		{"503 without Retry-After", "v2", answer(503, "", `{"code":"unavailable","message":"busy"}`),
			[2]want{{retry, 0, "HTTP 503"}, {retry, 0, "HTTP 503"}}},
		{"500", "v1", answer(500, "", `{"error":"timeout"}`),
			[2]want{{retry, 0, "HTTP 500: timeout"}, {retry, 0, "HTTP 500"}}},
		{"401 v2", "v2", answer(401, "", `{"code":"unauthorized","message":"unauthorized access"}`),
			[2]want{{perm, 0, `check "token"`}, {perm, 0, "HTTP 401"}}},
		{"401 v1", "v1", answer(401, "", `{"error":"authorization failed"}`),
			[2]want{{perm, 0, `HTTP 401: authorization failed: check "username" and "password"`}, {perm, 0, "HTTP 401"}}},
		{"404 v1", "v1", answer(404, "", `{"error":"database not found: \"polar\""}`),
			[2]want{{perm, 0, `database "polar" does not exist: create it with`}, {perm, 0, `CREATE DATABASE "polar"`}}},
		{"404 v2", "v2", answer(404, "", `{"code":"not found","message":"bucket \"polar\" not found"}`),
			[2]want{{perm, 0, "influx bucket create --name polar --org home"}, {perm, 0, "HTTP 404"}}},
		{"413", "v1", answer(413, "", `{"error":"Request Entity Too Large"}`),
			[2]want{{perm, 0, `lower "batch_max_bytes"`}, {perm, 0, "HTTP 413"}}},
		{"422 partial v2", "v2", answer(422, "", `{"code":"unprocessable entity","message":"failure writing points to database: partial write: field type conflict: input field \"sleep_score\" on measurement \"sleep\" is type float, already exists as type integer dropped=1"}`),
			[2]want{{okk, 0, ""}, {perm, 0, `input field "sleep_score" on measurement "sleep"`}}},
		{"400 partial v1", "v1", answer(400, "", `{"error":"partial write: field type conflict: input field \"sleep_score\" on measurement \"sleep\" is type float, already exists as type integer dropped=1"}`),
			[2]want{{okk, 0, ""}, {perm, 0, "field type conflict"}}},
		{"400 v2 rejects the whole request", "v2", answer(400, "", `{"code":"invalid","message":"failed to parse line protocol: errors encountered on line(s): line 2: invalid field format"}`),
			[2]want{{perm, 0, "line 2 of the request"}, {retry, 0, "because of another record's point"}}},
		{"400 partial v3", "v3", answer(400, "", `{"error":"partial write of line protocol occurred","data":[{"error_message":"invalid column type for column 'sleep_score'","line_number":3,"original_line":"sleep,..."}]}`),
			[2]want{{okk, 0, ""}, {perm, 0, "invalid column type for column 'sleep_score'"}}},
		{"400 v3 other", "v3", answer(400, "", `{"error":"bad request"}`),
			[2]want{{perm, 0, "HTTP 400: bad request"}, {perm, 0, "HTTP 400"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			cfg := map[string]any{"url": f.URL, "api": tc.api, "database": "polar", "username": "u", "password": secret}
			switch tc.api {
			case "v2":
				cfg = map[string]any{"url": f.URL, "api": "v2", "org": "home", "bucket": "polar", "token": secret}
			case "v3":
				cfg = map[string]any{"url": f.URL, "api": "v3", "database": "polar", "token": secret}
			}
			h := configured(t, cfg)
			// The first request (second precision) gets the answer:
			// line 1 the exercise, 2 its zone, 3 the night.
			first := true
			f.write = func(w http.ResponseWriter, r request) {
				if first {
					first = false
					tc.answer(w, r)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}
			ex := testrecords.Exercise("475", "a", t0, 2*time.Minute)
			ex.GetExercise().HeartRateZones = ex.GetExercise().HeartRateZones[:1]
			res, err := h.Export(context.Background(), ex, sleepRec())
			require.NoError(t, err)
			for i, w := range tc.want {
				assert.Equal(t, w.status, res[i].GetStatus(), "record %d: %s", i, res[i].GetMessage())
				assert.Equal(t, w.retryMs, res[i].GetRetryAfterMs(), "record %d", i)
				assert.Contains(t, res[i].GetMessage(), w.msg, "record %d", i)
				assert.NotContains(t, res[i].GetMessage(), secret)
			}
		})
	}
}

func TestInfluxUnreachable(t *testing.T) {
	f := newFake(t)
	h := configured(t, map[string]any{"url": f.URL, "database": "polar", "timeout": "1s"})
	f.Close()
	res, err := h.Export(context.Background(), sleepRec(), testrecords.NightlyRecharge("475", "2026-05-05"))
	require.NoError(t, err)
	for _, r := range res {
		assert.Equal(t, pluginapi.ExportResult_STATUS_RETRY, r.GetStatus())
		assert.Contains(t, r.GetMessage(), "InfluxDB at "+f.URL+" did not answer")
	}
	assert.Len(t, f.writes(), 0)
}

func TestInfluxConfigureAgainstFake(t *testing.T) {
	f := newFake(t)
	f.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ping":
			w.WriteHeader(http.StatusNoContent)
		case "/query": // SHOW DATABASES, SHOW RETENTION POLICIES: names in the first column
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"authorization failed"}`)
		case "/api/v2/buckets":
			if r.Header.Get("Authorization") != "Token good" {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"code":"unauthorized","message":"unauthorized access"}`)
				return
			}
			fmt.Fprint(w, `{"buckets":[]}`)
		}
	})
	h := pluginapi.NewHarness(New(""))
	ctx := context.Background()
	err := h.Configure(ctx, map[string]any{"url": f.URL, "database": "polar", "username": "u", "password": secret})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), `check "username" and "password"`)
	assert.NotContains(t, err.Error(), secret)

	err = h.Configure(ctx, map[string]any{"url": f.URL, "api": "v2", "org": "home", "bucket": "polar", "token": secret})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "the token was rejected")
	assert.NotContains(t, err.Error(), secret)

	err = h.Configure(ctx, map[string]any{"url": f.URL, "api": "v2", "org": "home", "bucket": "polar", "token": "good"})
	require.ErrorIs(t, err, pluginapi.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "influx bucket create --name polar --org home")
}
