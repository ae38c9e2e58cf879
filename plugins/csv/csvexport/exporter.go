// Package csvexport is the polarbridge CSV exporter: it keeps one CSV
// file per record kind (plus detail files) in a directory, with one row
// per record that is replaced when the record is delivered again.
//
// The layout of every file is documented in plugins/csv/README.md.
package csvexport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Version is the plugin version reported by Describe.
const Version = "0.1.0"

// Config is the plugin's config block.
type Config struct {
	// Dir is the output directory; it is created if missing. Required.
	Dir string `json:"dir"`
	// Samples also writes the time series: one file per exercise and per
	// player session and per day of 24/7 heart rate under samples/,
	// sleep_heart_rate.csv and
	// nightly_recharge_samples.csv.
	Samples bool `json:"samples"`
}

// Exporter implements pluginapi.Exporter. Its methods are safe for
// concurrent use.
type Exporter struct {
	sampleConfig string

	mu    sync.Mutex
	store *store   // nil until Configure succeeds and after Close
	lock  *dirLock // on store's directory
}

var (
	_ pluginapi.Exporter = (*Exporter)(nil)
	_ io.Closer          = (*Exporter)(nil) // pluginapi.Serve calls Close at the end
)

// New returns an unconfigured Exporter. sampleConfig is the commented
// YAML sample Describe reports; main embeds it from config.sample.yaml so
// the file and the plugin cannot disagree.
func New(sampleConfig string) *Exporter {
	return &Exporter{sampleConfig: sampleConfig}
}

// Describe implements pluginapi.Exporter.
func (e *Exporter) Describe(context.Context, *pluginapi.DescribeRequest) (*pluginapi.DescribeResponse, error) {
	return &pluginapi.DescribeResponse{
		Name:    "csv",
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
		IncludeFiles: false,
		// Its directory (see dirLock): daemons sharing one NATS server
		// run one active process of the instance.
		OwnsLocalState: true,
	}, nil
}

// Configure implements pluginapi.Exporter. It creates the directory,
// locks it against other exporters (see dirLock), checks that it is
// writable, and loads the rows already there so that a restart keeps
// them.
func (e *Exporter) Configure(_ context.Context, req *pluginapi.ConfigureRequest, _ pluginapi.Host) (*pluginapi.ConfigureResponse, error) {
	var cfg Config
	if err := pluginapi.DecodeConfig(req.GetConfigJson(), &cfg); err != nil {
		return nil, err
	}
	if cfg.Dir == "" {
		return nil, fmt.Errorf("%w: key \"dir\" is required: set it to the directory the CSV files should be written to", pluginapi.ErrInvalidConfig)
	}
	dir := cfg.Dir
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // clearer messages; the daemon's working directory is not obvious
	}
	// Locked throughout: openStore removes stale temporary files, which
	// must not include those of an Export in flight.
	e.mu.Lock()
	defer e.mu.Unlock()
	// The lock comes first: until it is held, another exporter may be
	// writing the directory.
	lock := e.lock
	if lock == nil || lock.dir != dir {
		var err error
		if lock, err = lockDir(dir); err != nil {
			return nil, err
		}
	}
	st, err := openStore(dir, cfg.Samples)
	if err != nil {
		if lock != e.lock {
			lock.release()
		}
		return nil, err
	}
	if e.lock != nil && e.lock != lock {
		e.lock.release() // configured again, on another directory
	}
	e.store, e.lock = st, lock
	return &pluginapi.ConfigureResponse{}, nil
}

// Close releases the directory for another exporter; pluginapi.Serve
// calls it when the plugin stops. It waits for an Export in flight.
// Export fails after Close until Configure is called again.
func (e *Exporter) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.store = nil
	if e.lock == nil {
		return nil
	}
	err := e.lock.release()
	e.lock = nil
	return err
}

// errNotConfigured is returned by Export before Configure succeeded (or
// after Close); the host then retries the whole batch.
var errNotConfigured = errors.New("csv exporter: Export called before Configure")

// Export implements pluginapi.Exporter. It returns one result per record,
// in order. The whole batch costs one rewrite per affected file (plus one
// samples file per exercise or player session).
func (e *Exporter) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// One lock around the whole batch: files are rewritten from the
	// in-memory tables, so two batches must not interleave.
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.store == nil {
		return nil, errNotConfigured
	}
	return &pluginapi.ExportResponse{Results: e.store.export(req.GetRecords())}, nil
}

// checkRecord returns why a record can never be exported, or "".
func checkRecord(r *pluginapi.Record) string {
	if r == nil {
		return "record is nil"
	}
	if r.GetKey() == "" {
		return fmt.Sprintf("%s record has no key", pluginapi.KindName(r.GetKind()))
	}
	var ok bool
	switch r.GetKind() {
	case pluginapi.RecordKind_RECORD_KIND_EXERCISE:
		ok = r.GetExercise() != nil
	case pluginapi.RecordKind_RECORD_KIND_SLEEP:
		ok = r.GetSleep() != nil
	case pluginapi.RecordKind_RECORD_KIND_NIGHTLY_RECHARGE:
		ok = r.GetNightlyRecharge() != nil
	case pluginapi.RecordKind_RECORD_KIND_TEAM_SESSION:
		ok = r.GetTeamSession() != nil
	case pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION:
		ok = r.GetPlayerSession() != nil
	case pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD:
		ok = r.GetCardioLoad() != nil
	case pluginapi.RecordKind_RECORD_KIND_CONTINUOUS_HEART_RATE:
		ok = r.GetContinuousHeartRate() != nil
	case pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY:
		ok = r.GetDailyActivity() != nil
	case pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION:
		ok = r.GetPhysicalInformation() != nil
	default:
		known, bodyOK := bioSleepWiseBody(r)
		if !known {
			return fmt.Sprintf("record %s: kind %s is not exported by the csv plugin", r.GetKey(), r.GetKind())
		}
		ok = bodyOK
	}
	if !ok {
		return fmt.Sprintf("record %s: kind %s but body is %s", r.GetKey(), pluginapi.KindName(r.GetKind()), bodyName(r))
	}
	// Table rows read series (a night's heart rate) where they cannot
	// fail; the samples files of exercises and player sessions find bad
	// values as they are written.
	if k := r.GetKind(); k != pluginapi.RecordKind_RECORD_KIND_EXERCISE && k != pluginapi.RecordKind_RECORD_KIND_PLAYER_SESSION {
		if err := valuesError(r); err != nil {
			return fmt.Sprintf("record %s: %v", r.GetKey(), err)
		}
	}
	return ""
}

// valuesError is the first series in m (a record, a series) whose
// values do not read: value deltas that do not decode (the plugin is
// served with pluginapi.PackedValues, so nothing read them before).
func valuesError(m proto.Message) error {
	var err error
	var buf []float64 // reused: only the error is wanted
	pluginapi.EachSeries(m, func(s *pluginapi.Series) {
		if err == nil && len(s.GetValueDeltas()) > 0 {
			buf, err = s.AppendValues(buf[:0])
		}
	})
	return err
}

func bodyName(r *pluginapi.Record) string {
	switch b := r.GetBody().(type) {
	case *pluginapi.Record_Exercise:
		return nilName("exercise", b.Exercise == nil)
	case *pluginapi.Record_Sleep:
		return nilName("sleep", b.Sleep == nil)
	case *pluginapi.Record_NightlyRecharge:
		return nilName("nightly_recharge", b.NightlyRecharge == nil)
	case *pluginapi.Record_TeamSession:
		return nilName("team_session", b.TeamSession == nil)
	case *pluginapi.Record_PlayerSession:
		return nilName("player_session", b.PlayerSession == nil)
	case *pluginapi.Record_CardioLoad:
		return nilName("cardio_load", b.CardioLoad == nil)
	case *pluginapi.Record_ContinuousHeartRate:
		return nilName("continuous_heart_rate", b.ContinuousHeartRate == nil)
	case *pluginapi.Record_DailyActivity:
		return nilName("daily_activity", b.DailyActivity == nil)
	case *pluginapi.Record_PhysicalInformation:
		return nilName("physical_information", b.PhysicalInformation == nil)
	case nil:
		return "missing"
	}
	return fmt.Sprintf("%T", r.GetBody())
}

func nilName(name string, isNil bool) string {
	if isNil {
		return "a nil " + name
	}
	return name
}
