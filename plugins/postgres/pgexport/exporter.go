// Package pgexport is the polarbridge PostgreSQL exporter: it writes
// records into a normalized schema (plugins/postgres/README.md) with pgx,
// a transaction per batch and a savepoint per record.
package pgexport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Version is the plugin version reported by Describe.
const Version = "0.1.0"

// Exporter implements pluginapi.Exporter. Its methods are safe for
// concurrent use; batches are written one at a time.
type Exporter struct {
	sampleConfig string

	mu       sync.Mutex
	set      *settings
	pool     *pgxpool.Pool // nil until Configure succeeds
	migrated bool
	log      *slog.Logger
}

var _ pluginapi.Exporter = (*Exporter)(nil)

// New returns an unconfigured Exporter; sampleConfig is what Describe
// reports (main embeds config.sample.yaml).
func New(sampleConfig string) *Exporter { return &Exporter{sampleConfig: sampleConfig} }

// Describe implements pluginapi.Exporter.
func (e *Exporter) Describe(context.Context, *pluginapi.DescribeRequest) (*pluginapi.DescribeResponse, error) {
	kinds := make([]pluginapi.RecordKind, 0, len(kindTables))
	for k := range pluginapi.RecordKind_name {
		if _, ok := kindTables[pluginapi.RecordKind(k)]; ok {
			kinds = append(kinds, pluginapi.RecordKind(k))
		}
	}
	slices.Sort(kinds)
	return &pluginapi.DescribeResponse{
		Name:         "postgres",
		Version:      Version,
		Kinds:        kinds,
		SampleConfig: e.sampleConfig,
		// Describe cannot see store_files, so the bytes always come; they
		// are dropped unless store_files is on.
		IncludeFiles: true,
	}, nil
}

// Configure implements pluginapi.Exporter. It applies the schema's
// migrations; if the server cannot be reached now, Export applies them
// before its first write (the daemon should start while the database is
// down).
func (e *Exporter) Configure(ctx context.Context, req *pluginapi.ConfigureRequest, _ pluginapi.Host) (*pluginapi.ConfigureResponse, error) {
	instance := req.GetInstanceName()
	if instance == "" {
		instance = "postgres"
	}
	set, err := parseConfig(req.GetConfigJson(), instance)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(context.WithoutCancel(ctx), set.pool)
	if err != nil {
		return nil, fmt.Errorf("%w: key \"dsn\": %s", pluginapi.ErrInvalidConfig, set.redact(err.Error()))
	}
	log := pluginapi.Logger()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pool != nil {
		e.pool.Close()
	}
	e.set, e.pool, e.migrated, e.log = set, pool, false, log
	if o := e.migrate(ctx); o != nil {
		log.Warn("schema not migrated yet; retried before the first export", "schema", set.schema, "err", o.result.GetMessage())
	}
	return &pluginapi.ConfigureResponse{}, nil
}

// migrate applies the migrations once per process; nil when done.
func (e *Exporter) migrate(ctx context.Context) *outcome {
	if e.migrated {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.set.timeout)
	defer cancel()
	applied, err := migrate(ctx, e.pool, e.set.schema)
	if err != nil {
		o := e.set.classify("migrate", err)
		return &o
	}
	e.migrated = true
	if len(applied) > 0 {
		e.log.Info("schema migrated", "schema", e.set.schema, "applied", strings.Join(applied, ", "))
	}
	return nil
}

// Close implements io.Closer: it closes the connections.
func (e *Exporter) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pool != nil {
		e.pool.Close()
		e.pool = nil
	}
	return nil
}

var errNotConfigured = errors.New("postgres exporter: Export called before Configure")

// Export implements pluginapi.Exporter. The batch is one transaction
// with a savepoint per record: each record is replaced atomically and
// one the server refuses is rolled back alone, while the batch pays for
// one commit (one fsync on the server) instead of one per record.
func (e *Exporter) Export(ctx context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pool == nil {
		return nil, errNotConfigured
	}
	recs := req.GetRecords()
	results := make([]*pluginapi.ExportResult, len(recs))
	fill := func(r *pluginapi.ExportResult) {
		for i := range results {
			if results[i] == nil {
				results[i] = r
			}
		}
	}
	respond := func() (*pluginapi.ExportResponse, error) {
		return &pluginapi.ExportResponse{Results: results}, nil
	}
	if o := e.migrate(ctx); o != nil {
		fill(o.result)
		return respond()
	}
	for i, rec := range recs {
		// PostgreSQL text cannot hold NUL: such a key would fail the
		// batch's version lookup for every record.
		if strings.ContainsRune(rec.GetKey(), 0) {
			results[i] = pluginapi.Permanent("record key %q holds a NUL byte, which PostgreSQL text cannot store", rec.GetKey())
		}
	}
	have, err := e.versions(ctx, recs)
	if err != nil {
		fill(e.set.classify("read record versions", err).result)
		return respond()
	}
	var pending []int // to write in the transaction
	rowsOf := make(map[int][]row, len(recs))
	for i, rec := range recs {
		if results[i] != nil {
			continue
		}
		if v, ok := have[rec.GetKey()]; ok && v == rec.GetVersion() {
			results[i] = pluginapi.OK() // a redelivery: nothing to change
			continue
		}
		rows, err := recordRows(rec, e.set.storeFiles)
		if err != nil {
			results[i] = pluginapi.Permanent("record %s: %v", rec.GetKey(), err)
			continue
		}
		pending, rowsOf[i] = append(pending, i), rows
	}
	if len(pending) == 0 {
		return respond()
	}
	tx, err := e.begin(ctx)
	if err != nil {
		fill(e.set.classify("begin", err).result)
		return respond()
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
	var written []int                             // OK once the transaction commits
	for _, i := range pending {
		rec := recs[i]
		err := e.write(ctx, tx, rec, rowsOf[i])
		if err == nil {
			written = append(written, i)
			continue
		}
		o := e.set.classify("record "+rec.GetKey(), err)
		if o.serverWide {
			// The transaction is gone, and with it what it had written;
			// and do not wait out a connect timeout per record.
			fill(o.result)
			for _, j := range written {
				results[j] = o.result
			}
			return respond()
		}
		results[i] = o.result
		if err := e.rollbackTo(ctx, tx); err != nil {
			o := e.set.classify("record "+rec.GetKey()+": roll back", err)
			fill(o.result)
			for _, j := range written {
				results[j] = o.result
			}
			return respond()
		}
	}
	cctx, cancel := context.WithTimeout(ctx, e.set.timeout)
	defer cancel()
	if err := tx.Commit(cctx); err != nil {
		o := e.set.classify("commit", err)
		for _, j := range written {
			results[j] = o.result
		}
		fill(o.result)
		return respond()
	}
	for _, j := range written {
		results[j] = pluginapi.OK()
	}
	return respond()
}

func (e *Exporter) begin(ctx context.Context) (pgx.Tx, error) {
	ctx, cancel := context.WithTimeout(ctx, e.set.timeout)
	defer cancel()
	return e.pool.Begin(ctx)
}

// rollbackTo undoes the record write that failed.
func (e *Exporter) rollbackTo(ctx context.Context, tx pgx.Tx) error {
	ctx, cancel := context.WithTimeout(ctx, e.set.timeout)
	defer cancel()
	_, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT record")
	return err
}

// versions returns the stored version of each record of the batch that
// is in the database, in one query.
func (e *Exporter) versions(ctx context.Context, recs []*pluginapi.Record) (map[string]string, error) {
	keys := make([]string, 0, len(recs))
	for _, r := range recs {
		if !strings.ContainsRune(r.GetKey(), 0) {
			keys = append(keys, r.GetKey())
		}
	}
	ctx, cancel := context.WithTimeout(ctx, e.set.timeout)
	defer cancel()
	rows, err := e.pool.Query(ctx, "SELECT key, version FROM "+e.table("records")+" WHERE key = ANY($1)", keys)
	if err != nil {
		return nil, err
	}
	have := map[string]string{}
	var k, v string
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error { have[k] = v; return nil })
	return have, err
}

// write replaces the record's rows, under a savepoint of tx, in one
// round trip: deleting the records row deletes every row of the older
// version (ON DELETE CASCADE), then the new ones go in.
func (e *Exporter) write(ctx context.Context, tx pgx.Tx, rec *pluginapi.Record, rows []row) error {
	ctx, cancel := context.WithTimeout(ctx, e.set.timeout)
	defer cancel()
	b := &pgx.Batch{}
	b.Queue("SAVEPOINT record")
	user := nullString(rec.GetUserId())
	if user != nil {
		b.Queue("INSERT INTO "+e.table("users")+" (user_id) VALUES ($1) ON CONFLICT DO NOTHING", user)
	}
	b.Queue("DELETE FROM "+e.table("records")+" WHERE key = $1", rec.GetKey())
	b.Queue("INSERT INTO "+e.table("records")+" (key, kind, version, user_id, source) VALUES ($1, $2, $3, $4, $5)",
		rec.GetKey(), pluginapi.KindName(rec.GetKind()), rec.GetVersion(), user,
		enumName(rec.GetSource().Descriptor(), rec.GetSource().Number()))
	for _, r := range rows {
		b.Queue(e.insertSQL(r), r.vals...)
	}
	b.Queue("RELEASE SAVEPOINT record")
	return tx.SendBatch(ctx, b).Close()
}

func (e *Exporter) table(name string) string { return pgx.Identifier{e.set.schema, name}.Sanitize() }

func (e *Exporter) insertSQL(r row) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO ")
	sb.WriteString(e.table(r.table))
	sb.WriteString(" (")
	for i, c := range r.cols {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(pgx.Identifier{c}.Sanitize())
	}
	sb.WriteString(") VALUES (")
	for i := range r.cols {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "$%d", i+1)
	}
	sb.WriteString(")")
	return sb.String()
}
