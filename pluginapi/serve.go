package pluginapi

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// logOutput is the process's real stderr, captured before Serve: go-plugin
// replaces os.Stderr with a pipe whose output the daemon discards.
var logOutput = os.Stderr

// Serve runs impl as a polarbridge plugin. Call it from main; it returns
// only when the plugin stops: when the daemon stops it, or when the daemon
// is gone (killed, crashed; see watchHost), so that a plugin never
// outlives its daemon. Before returning it lets Exporter calls in flight
// finish (for up to two seconds) and calls impl's Close method, if it has
// one (io.Closer): the place to release locks and close files. Run by
// hand, the binary prints a message that it must be started by
// polarbridge and exits.
func Serve(impl Exporter, opts ...ServeOption) {
	s := newServed(impl)
	for _, o := range opts {
		o(s)
	}
	// The log pipe's reader is the daemon. Once it is gone a log line
	// would make Go kill the process with SIGPIPE (its default for a write
	// to a broken stderr) halfway through shutting down; with SIGPIPE
	// notified the write just fails.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	// SIGTERM is what the Linux daemon asks the kernel to send when it
	// dies (core/pluginhost sets Pdeathsig), and what a service manager
	// sends on stop: shut down like after any other end of the daemon
	// rather than die with Go's default mid-batch.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go s.watchHost(os.Getppid(), term)

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: versionedPlugins(s),
		GRPCServer:       s.newGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Output:     logOutput,
			JSONFormat: true,
			Level:      hclog.Debug,
		}),
	})
	s.finish(drainTimeout)
}

// A ServeOption changes how Serve runs a plugin.
type ServeOption func(*served)

// PackedValues has Serve hand Export each series as the host sent it,
// its values still in value_deltas (protocol 2), instead of unpacking
// them into Values first. An exporter that reads every series through
// Series.All, Len, Check or ReadValues, which read both forms, then
// never holds a record's values as doubles: for a 10 h exercise that is
// 2.6 MB and about a millisecond less per record. Values are read, and
// malformed deltas found (ErrMalformedValues), only as the exporter
// reads them; an exporter reading Values directly sees none.
func PackedValues() ServeOption { return func(s *served) { s.packed = true } }

func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(append(opts,
		grpc.MaxRecvMsgSize(MaxMessageBytes),
		grpc.MaxSendMsgSize(MaxMessageBytes),
	)...)
}

// Logger returns the logger a plugin should use. It writes JSON lines to
// stderr in the format go-plugin parses, so the daemon re-emits each line
// in its own log with the level and fields kept and the plugin's name
// attached.
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(logOutput, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				// go-plugin parses exactly this layout.
				a.Key = "@timestamp"
				a.Value = slog.StringValue(a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
			case slog.MessageKey:
				a.Key = "@message"
			case slog.LevelKey:
				a.Key = "@level"
				a.Value = slog.StringValue(hclogLevelName(a.Value.Any().(slog.Level)))
			}
			return a
		},
	}))
}

func hclogLevelName(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}
