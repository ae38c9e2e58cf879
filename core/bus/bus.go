// Package bus is the daemon's NATS JetStream spine: the embedded server
// (or a connection to an existing one), and the streams, key-value buckets
// and object store every other part of the daemon uses.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream, bucket and subject names. Subjects carry the record kind and the
// user so consumers can filter without reading payloads.
const (
	EventsStream  = "POLARBRIDGE_EVENTS"
	RecordsStream = "POLARBRIDGE_RECORDS"
	DLQStream     = "POLARBRIDGE_DLQ"

	RecordsSubject   = "polarbridge.records"   // .<kind>.<user>
	RedeliverSubject = "polarbridge.redeliver" // .<exporter>.<kind>.<user>
	DLQSubject       = "polarbridge.dlq"       // .<exporter>

	FilesBucket     = "polarbridge_files"
	BodiesBucket    = "polarbridge_bodies"
	DeferralsBucket = "polarbridge_deferrals"
	VersionsBucket  = "polarbridge_record_versions"
	LeasesBucket    = "polarbridge_leases"
	pluginBucket    = "polarbridge_plugin_" // + plugin name
)

// jsTimeout bounds a JetStream API call: a cluster electing a stream's
// leader (after a server restart) takes seconds.
const jsTimeout = 15 * time.Second

// Options configure Open.
type Options struct {
	// URL of an existing NATS server; empty starts an embedded one.
	URL         string
	Credentials string
	// DataDir holds the embedded server's JetStream store.
	DataDir string
	// Listen lets the embedded server accept clients ("" = in-process).
	Listen          string
	EventsSubject   string
	DuplicateWindow time.Duration
	RecordsMaxAge   time.Duration
	// Log receives the embedded server's warnings and errors (nil:
	// discarded).
	Log *slog.Logger
	// Replicas is how many servers of a NATS cluster keep each stream,
	// bucket and object store (default 1).
	Replicas int
	// LeaseTTL is how long a lease outlives its holder's last renewal
	// (default 15 s).
	LeaseTTL time.Duration
}

// Bus is an open connection to JetStream with the daemon's streams set up.
type Bus struct {
	Conn *nats.Conn
	JS   jetstream.JetStream
	// Files holds original files ("files/<sha256>"), Bodies the bodies of
	// records too large to go inline (BodyPrefix); see ReadObject.
	Files  jetstream.ObjectStore
	Bodies jetstream.ObjectStore
	// Versions maps a record key to the last content version published.
	Versions jetstream.KeyValue
	// Deferrals counts, per exporter and message, the deliveries a plugin
	// deferred (rate limits), which do not use up attempts.
	Deferrals jetstream.KeyValue
	// Leases holds the leases of jobs one daemon does at a time (package
	// lease).
	Leases jetstream.KeyValue

	opts   Options
	server *server.Server
	// attached: a CLI command's connection to a running daemon (Attach).
	attached bool
	// jsConfig is the embedded JetStream's configuration, to restart it
	// with after it stopped (a full disk).
	jsConfig *server.JetStreamConfig
	// outOfSpace is set when a write failed for lack of space, until
	// JetStream is restarted.
	outOfSpace atomic.Bool
	// recent holds the objects written last (PutObject, ReadObject).
	recent *recentObjects
}

// Open connects (starting the embedded server if no URL is set) and
// creates or updates the streams and buckets.
func Open(ctx context.Context, opts Options) (*Bus, error) {
	b := &Bus{opts: opts, recent: newRecentObjects(recentObjectsBytes)}
	var err error
	if opts.URL == "" {
		if err := checkNotRunning(opts.DataDir); err != nil {
			return nil, err
		}
		var token string
		b.server, token, err = startEmbedded(opts)
		if err != nil {
			return nil, err
		}
		b.jsConfig = b.server.JetStreamConfig()
		log := opts.Log
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		b.server.SetLoggerV2(serverLog{log: log, noSpace: func() { b.outOfSpace.Store(true) }}, false, false, false)
		b.Conn, err = nats.Connect("", nats.InProcessServer(b.server), nats.Name("polarbridge"), nats.Token(token))
		if err == nil {
			err = writeControl(opts.DataDir, b.server.ClientURL(), token)
		}
	} else {
		nopts := []nats.Option{nats.Name("polarbridge"), nats.MaxReconnects(-1)}
		if opts.Credentials != "" {
			nopts = append(nopts, nats.UserCredentials(opts.Credentials))
		}
		b.Conn, err = nats.Connect(opts.URL, nopts...)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	b.JS, err = jetstream.New(b.Conn, jetstream.WithDefaultTimeout(jsTimeout))
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := b.setup(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// startEmbedded starts the in-process server. It always listens, on
// loopback with a random port unless nats.listen says otherwise, and
// requires a random token kept in data_dir (owner-only), so the CLI
// (`polarbridge dlq list`, ...) can reach a running daemon's store.
func startEmbedded(opts Options) (*server.Server, string, error) {
	// The store holds users' tokens: owner-only.
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("create data_dir: %w", err)
	}
	if err := os.Chmod(opts.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("restrict data_dir: %w", err)
	}
	token, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	sopts := &server.Options{
		ServerName:    "polarbridge",
		JetStream:     true,
		StoreDir:      opts.DataDir,
		NoSigs:        true,
		Host:          "127.0.0.1",
		Port:          -1,
		Authorization: token,
	}
	if opts.Listen != "" {
		host, port, err := net.SplitHostPort(opts.Listen)
		if err != nil {
			return nil, "", fmt.Errorf("nats.listen %q: %w", opts.Listen, err)
		}
		sopts.Host = host
		if sopts.Port, err = strconv.Atoi(port); err != nil {
			return nil, "", fmt.Errorf("nats.listen %q: bad port: %w", opts.Listen, err)
		}
	}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return nil, "", fmt.Errorf("embedded NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, "", errors.New("embedded NATS server did not start within 30s")
	}
	return ns, token, nil
}

func (b *Bus) setup(ctx context.Context) error {
	streams := []jetstream.StreamConfig{
		{
			Name:        EventsStream,
			Description: "Polar events (webhook payloads as sent), de-duplicated by Nats-Msg-Id",
			Subjects:    []string{b.opts.EventsSubject + ".>"},
			Storage:     jetstream.FileStorage,
			Replicas:    b.Replicas(),
			Duplicates:  b.opts.DuplicateWindow,
			MaxAge:      14 * 24 * time.Hour,
		},
		{
			Name:        RecordsStream,
			Description: "normalized records, one message per content version",
			Subjects:    []string{RecordsSubject + ".>", RedeliverSubject + ".>"},
			Storage:     jetstream.FileStorage,
			Replicas:    b.Replicas(),
			Duplicates:  b.opts.DuplicateWindow,
			MaxAge:      b.opts.RecordsMaxAge,
		},
		{
			Name:        DLQStream,
			Description: "records an exporter rejected or gave up on; see `polarbridge dlq`",
			Subjects:    []string{DLQSubject + ".>"},
			Storage:     jetstream.FileStorage,
			Replicas:    b.Replicas(),
		},
	}
	for _, cfg := range streams {
		if _, err := b.EnsureStream(ctx, cfg); err != nil {
			return fmt.Errorf("set up stream %s: %w", cfg.Name, err)
		}
	}
	objectStores := []struct {
		store               *jetstream.ObjectStore
		bucket, description string
	}{
		{&b.Files, FilesBucket, "original FIT/TCX/GPX files"},
		{&b.Bodies, BodiesBucket, "bodies of records too large to go inline"},
	}
	var err error
	for _, o := range objectStores {
		*o.store, err = b.EnsureObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:      o.bucket,
			Description: o.description,
			Storage:     jetstream.FileStorage,
			Replicas:    b.Replicas(),
		})
		if err != nil {
			return fmt.Errorf("set up object store %s: %w", o.bucket, err)
		}
	}
	b.Versions, err = b.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket:      VersionsBucket,
		Description: "record key -> last published content version",
		Storage:     jetstream.FileStorage,
		Replicas:    b.Replicas(),
	})
	if err != nil {
		return fmt.Errorf("set up key-value bucket %s: %w", VersionsBucket, err)
	}
	b.Deferrals, err = b.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket:      DeferralsBucket,
		Description: "exporter.sequence -> deliveries deferred by a plugin (rate limits)",
		Storage:     jetstream.FileStorage,
		Replicas:    b.Replicas(),
		TTL:         b.opts.RecordsMaxAge,
	})
	if err != nil {
		return fmt.Errorf("set up key-value bucket %s: %w", DeferralsBucket, err)
	}
	b.Leases, err = b.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket:      LeasesBucket,
		Description: "job -> the daemon doing it (package lease)",
		Storage:     jetstream.FileStorage,
		Replicas:    b.Replicas(),
		TTL:         b.LeaseTTL(),
	})
	if err != nil {
		return fmt.Errorf("set up key-value bucket %s: %w", LeasesBucket, err)
	}
	return nil
}

// Replicas is how many cluster servers keep each stream and bucket.
func (b *Bus) Replicas() int { return max(1, b.opts.Replicas) }

// LeaseTTL is how long a lease outlives its holder's last renewal.
func (b *Bus) LeaseTTL() time.Duration {
	if b.opts.LeaseTTL > 0 {
		return b.opts.LeaseTTL
	}
	return 15 * time.Second
}

// PluginKV returns (creating it if needed) the KV bucket of one plugin
// instance, so plugins cannot see each other's state.
func (b *Bus) PluginKV(ctx context.Context, plugin string) (jetstream.KeyValue, error) {
	kv, err := b.EnsureKV(ctx, jetstream.KeyValueConfig{
		Bucket:      pluginBucket + plugin,
		Description: "state of plugin " + plugin,
		Storage:     jetstream.FileStorage,
		Replicas:    b.Replicas(),
	})
	if err != nil {
		return nil, fmt.Errorf("set up key-value bucket for plugin %s: %w", plugin, err)
	}
	return kv, nil
}

// EventSubject is the subject for a Polar event type, e.g. EXERCISE.
func (b *Bus) EventSubject(event string) string { return b.opts.EventsSubject + "." + event }

// RecordsMaxAge is how long records stay in their stream.
func (b *Bus) RecordsMaxAge() time.Duration { return b.opts.RecordsMaxAge }

// EventsSubjectPrefix is the configured events subject prefix.
func (b *Bus) EventsSubjectPrefix() string { return b.opts.EventsSubject }

// ClientURL is where NATS clients can reach the embedded server, if it
// listens; empty otherwise.
func (b *Bus) ClientURL() string {
	if b.server == nil || b.opts.Listen == "" {
		return b.opts.URL
	}
	return b.server.ClientURL()
}

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() {
	if b.Conn != nil {
		_ = b.Conn.Drain()
		deadline := time.Now().Add(5 * time.Second)
		for !b.Conn.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		b.Conn.Close()
	}
	if b.server != nil {
		removeControl(b.opts.DataDir)
		b.server.Shutdown()
		b.server.WaitForShutdown()
	}
}
