package pluginapi

import (
	"log/slog"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// logOutput is the process's real stderr, captured before Serve: go-plugin
// replaces os.Stderr with a pipe whose output the daemon discards.
var logOutput = os.Stderr

// Serve runs impl as a polarbridge plugin. Call it from main; it returns
// only when the daemon stops the plugin. Run by hand, the binary prints a
// message that it must be started by polarbridge and exits.
func Serve(impl Exporter) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: versionedPlugins(impl),
		GRPCServer:       newGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Output:     logOutput,
			JSONFormat: true,
			Level:      hclog.Debug,
		}),
	})
}

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
