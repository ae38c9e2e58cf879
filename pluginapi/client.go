package pluginapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Client is the host side of one running plugin process. The daemon and
// the test harness use it; plugin authors normally do not.
type Client struct {
	pc  *plugin.Client
	rpc *dispensed

	mu       sync.Mutex
	kvServed bool
}

// LaunchOption configures Launch.
type LaunchOption func(*launchConfig)

type launchConfig struct {
	logger  *slog.Logger
	args    []string
	dir     string
	sysAttr *syscall.SysProcAttr
}

// WithLogger sets the logger that receives the plugin's log lines.
func WithLogger(l *slog.Logger) LaunchOption {
	return func(c *launchConfig) { c.logger = l }
}

// WithArgs passes command-line arguments to the plugin binary.
func WithArgs(args ...string) LaunchOption {
	return func(c *launchConfig) { c.args = args }
}

// WithDir sets the plugin's working directory, against which relative
// paths in its config resolve.
func WithDir(dir string) LaunchOption {
	return func(c *launchConfig) { c.dir = dir }
}

// WithSysProcAttr sets operating-system specific attributes of the
// plugin process; core/pluginhost sets Linux's parent-death signal.
func WithSysProcAttr(attr *syscall.SysProcAttr) LaunchOption {
	return func(c *launchConfig) { c.sysAttr = attr }
}

// Launch starts the plugin binary at path and completes the handshake.
func Launch(path string, opts ...LaunchOption) (*Client, error) {
	cfg := launchConfig{logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	cmd := exec.Command(path, cfg.args...)
	cmd.Dir = cfg.dir
	cmd.SysProcAttr = cfg.sysAttr
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: versionedPlugins(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		Logger:           newHCLogAdapter(cfg.logger),
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(MaxMessageBytes),
			grpc.MaxCallSendMsgSize(MaxMessageBytes),
		)},
	})
	proto, err := pc.Client()
	if err != nil {
		pc.Kill()
		return nil, fmt.Errorf("start plugin %s: %w", path, err)
	}
	raw, err := proto.Dispense(pluginName)
	if err != nil {
		pc.Kill()
		return nil, fmt.Errorf("start plugin %s: %w", path, err)
	}
	return &Client{pc: pc, rpc: raw.(*dispensed)}, nil
}

// ProtocolVersion is the protocol version negotiated with the plugin.
func (c *Client) ProtocolVersion() int { return c.pc.NegotiatedVersion() }

// PID is the plugin process's id.
func (c *Client) PID() int {
	if rc := c.pc.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// Exited reports whether the plugin process has ended (crashed or killed).
func (c *Client) Exited() bool { return c.pc.Exited() }

// Kill stops the plugin process.
func (c *Client) Kill() { c.pc.Kill() }

// Describe asks the plugin who it is.
func (c *Client) Describe(ctx context.Context) (*DescribeResponse, error) {
	return c.rpc.rpc.Describe(ctx, &DescribeRequest{})
}

// Configure hands the plugin its config block and serves kv to it. Errors
// for a bad block wrap ErrInvalidConfig.
func (c *Client) Configure(ctx context.Context, req *ConfigureRequest, kv KV) (*ConfigureResponse, error) {
	c.mu.Lock()
	if !c.kvServed {
		id := c.rpc.broker.NextId()
		go c.rpc.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
			s := grpc.NewServer(opts...)
			RegisterHostKVServer(s, &kvServer{kv: kv})
			return s
		})
		c.kvServed = true
		c.rpc.kvBrokerID = id
	}
	c.mu.Unlock()
	req.HostBrokerId = c.rpc.kvBrokerID
	resp, err := c.rpc.rpc.Configure(ctx, req)
	if st, ok := status.FromError(err); ok && st.Code() == codes.InvalidArgument {
		if strings.HasPrefix(st.Message(), ErrInvalidConfig.Error()) {
			return nil, fmt.Errorf("%w: %s", ErrInvalidConfig, trimSentinel(st.Message(), ErrInvalidConfig))
		}
		// Any other invalid argument in Configure is still a config problem.
		return nil, fmt.Errorf("%w: %s", ErrInvalidConfig, st.Message())
	}
	return resp, err
}

// ErrNoChecks means the plugin has no checks of its own (no Checker, or
// built with an SDK older than Check).
var ErrNoChecks = errors.New("the plugin has no checks of its own")

// Check runs the plugin's own checks (after Configure).
func (c *Client) Check(ctx context.Context) (*CheckResponse, error) {
	resp, err := c.rpc.rpc.Check(ctx, &CheckRequest{})
	if st, ok := status.FromError(err); ok && st.Code() == codes.Unimplemented {
		return nil, ErrNoChecks
	}
	return resp, err
}

// Export sends a batch. It checks the plugin answered one result per record.
func (c *Client) Export(ctx context.Context, req *ExportRequest) (*ExportResponse, error) {
	if c.ProtocolVersion() < 2 {
		var err error
		if req, err = forProtocol1(req); err != nil {
			return nil, fmt.Errorf("pluginapi: %w", err)
		}
	}
	resp, err := c.rpc.rpc.Export(ctx, req)
	if err != nil {
		return nil, err
	}
	if got, want := len(resp.GetResults()), len(req.GetRecords()); got != want {
		return nil, fmt.Errorf("%w: %d results for %d records", ErrBadResponse, got, want)
	}
	return resp, nil
}

// ErrBadResponse means a plugin broke the protocol's rules.
var ErrBadResponse = errors.New("pluginapi: plugin answered out of protocol")

// IsUnavailable reports whether err means the plugin process is gone or
// unreachable (crashed, killed), as opposed to an error it returned.
func IsUnavailable(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.Unavailable
}

func trimSentinel(msg string, sentinel error) string {
	prefix := sentinel.Error() + ": "
	if len(msg) >= len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):]
	}
	return msg
}

// dispensed is what go-plugin dispenses on the host side.
type dispensed struct {
	rpc        ExporterClient
	conn       *grpc.ClientConn // for ExportEncoded
	broker     *plugin.GRPCBroker
	kvBrokerID uint32
}
