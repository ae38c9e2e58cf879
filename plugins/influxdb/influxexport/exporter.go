// Package influxexport is the polarbridge InfluxDB exporter: it writes
// records as line protocol points to InfluxDB 1.x, 2.x or 3.x. The schema
// is documented in plugins/influxdb/README.md.
package influxexport

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Version is the plugin version reported by Describe.
const Version = "0.1.0"

// Exporter implements pluginapi.Exporter. Its methods are safe for
// concurrent use; batches are written one at a time.
type Exporter struct {
	sampleConfig string

	mu  sync.Mutex
	cfg Config
	cl  *client      // nil until Configure succeeds
	kv  pluginapi.KV // nil without a host: stale points are then not deleted
	log *slog.Logger
}

var _ pluginapi.Exporter = (*Exporter)(nil)

// New returns an unconfigured Exporter; sampleConfig is what Describe
// reports (main embeds config.sample.yaml).
func New(sampleConfig string) *Exporter {
	return &Exporter{sampleConfig: sampleConfig}
}

// Describe implements pluginapi.Exporter.
func (e *Exporter) Describe(context.Context, *pluginapi.DescribeRequest) (*pluginapi.DescribeResponse, error) {
	return &pluginapi.DescribeResponse{
		Name:    "influxdb",
		Version: Version,
		Kinds: append([]pluginapi.RecordKind{
			pluginapi.RecordKind_RECORD_KIND_EXERCISE,
			pluginapi.RecordKind_RECORD_KIND_SLEEP,
			pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE,
			pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION,
			pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION,
			pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD,
			pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE,
			pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY,
			pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION,
		}, bioSleepWiseKinds...),
		SampleConfig: e.sampleConfig,
	}, nil
}

// Configure implements pluginapi.Exporter. Unless check is off it makes
// sure InfluxDB answers, accepts the credentials and has the database.
func (e *Exporter) Configure(ctx context.Context, req *pluginapi.ConfigureRequest, host pluginapi.Host) (*pluginapi.ConfigureResponse, error) {
	cfg, err := ParseConfig(req.GetConfigJson())
	if err != nil {
		return nil, err
	}
	cl, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	log := pluginapi.Logger()
	if cfg.Check {
		warnings, err := cl.check(ctx)
		if err != nil {
			return nil, err
		}
		for _, w := range warnings {
			log.Warn(w)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg, e.cl, e.log = cfg, cl, log
	if host != nil {
		e.kv = host.KV()
	}
	return &pluginapi.ConfigureResponse{}, nil
}

var errNotConfigured = errors.New("influxdb exporter: Export called before Configure")

// Export implements pluginapi.Exporter: it deletes what new versions no
// longer overwrite, then writes the batch's points in requests of at most
// batch_max_points points, and maps InfluxDB's answers back to records.
func (e *Exporter) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cl == nil {
		return nil, errNotConfigured
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	recs := req.GetRecords()
	out := make([]outcome, len(recs))
	points := make([][]*point, len(recs))
	for i, r := range recs {
		out[i] = ok
		ps, err := recordPoints(r)
		if err != nil {
			out[i] = permanent("%v", err)
			continue
		}
		points[i] = ps
	}
	receipts := e.cleanup(ctx, recs, points, out)

	chunks, bad := makeChunks(points, int(e.cfg.BatchMaxPoints), int(e.cfg.BatchMaxBytes))
	for i, err := range bad {
		out[i] = worse(out[i], permanent("record %s: %v", recs[i].GetKey(), err))
	}
	var stopped *outcome // once InfluxDB fails as a whole, the rest is not sent
	for ci := range chunks {
		ch := &chunks[ci]
		def, perLine := ok, map[int]outcome(nil)
		if stopped != nil {
			def = *stopped
		} else if res, err := e.cl.write(ctx, ch); err != nil {
			def = e.cl.transportOutcome(err)
			stopped = &def
		} else {
			def, perLine = classify(e.cfg, res, ch, time.Now())
			if serverWide(res.status) {
				stopped = &def
			}
		}
		for li, l := range ch.lines {
			o, found := perLine[li]
			if !found {
				o = def
			}
			out[l.rec] = worse(out[l.rec], o)
		}
	}

	resp := &pluginapi.ExportResponse{Results: make([]*pluginapi.ExportResult, len(recs))}
	for i, o := range out {
		if o.status == pluginapi.ExportResult_STATUS_OK && receipts[i] != nil {
			e.storeReceipt(ctx, recs[i], receipts[i])
		}
		resp.Results[i] = o.result()
	}
	return resp, nil
}

// serverWide reports whether an answer holds for every request, not just
// this one (auth, missing database, overload, server errors).
func serverWide(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

func receiptKey(r *pluginapi.Record) string { return "receipt." + r.GetKey() }

// cleanup deletes the points of older versions that the new points do
// not overwrite (a changed tag, removed or moved samples), using the
// receipt of the last version written. It returns the receipts to store
// once a record is written (nil: nothing to store); a record that fails
// here gets its outcome and no points.
func (e *Exporter) cleanup(ctx context.Context, recs []*pluginapi.Record, points [][]*point, out []outcome) []*receipt {
	receipts := make([]*receipt, len(recs))
	if e.kv == nil {
		return receipts
	}
	for i, r := range recs {
		if points[i] == nil {
			continue
		}
		cur := &receipt{Version: r.GetVersion(), Groups: groupsOf(points[i])}
		raw, _, err := e.kv.Get(ctx, receiptKey(r))
		if errors.Is(err, pluginapi.ErrKeyNotFound) {
			receipts[i] = cur
			continue
		}
		if err != nil {
			out[i], points[i] = retry(0, "read receipt of %s from the host KV: %v", r.GetKey(), err), nil
			continue
		}
		var old receipt
		if err := json.Unmarshal(raw, &old); err != nil {
			e.log.Warn("unreadable receipt; old points of this record are not cleaned up", "key", r.GetKey(), "err", err)
			receipts[i] = cur
			continue
		}
		if old.Version == cur.Version {
			continue // a redelivery: the same points again
		}
		receipts[i] = cur
		stale := staleGroups(old.Groups, cur.Groups)
		if len(stale) == 0 {
			continue
		}
		if e.cfg.API == apiV3 {
			e.log.Warn("InfluxDB 3 cannot delete points: points of the older version remain", "key", r.GetKey(), "series", len(stale))
			continue
		}
		for _, g := range stale {
			res, err := e.cl.deleteGroup(ctx, g)
			if err != nil {
				out[i], points[i] = e.cl.transportOutcome(err), nil
				break
			}
			if res.status/100 != 2 {
				def, _ := classify(e.cfg, res, &chunk{}, time.Now())
				def.msg = "delete the points of the older version: " + def.msg
				out[i], points[i] = def, nil
				break
			}
			e.log.Debug("deleted points of an older version", "key", r.GetKey(), "series", g.id())
		}
	}
	return receipts
}

func (e *Exporter) storeReceipt(ctx context.Context, r *pluginapi.Record, rc *receipt) {
	raw, err := json.Marshal(rc)
	if err == nil {
		_, err = e.kv.Put(ctx, receiptKey(r), raw)
	}
	if err != nil {
		// Written, but a later version may leave stale points behind.
		e.log.Warn("store receipt", "key", r.GetKey(), "err", err)
	}
}
