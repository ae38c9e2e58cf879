package pluginapi

import (
	"context"
	"errors"
	"sync"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ProtocolVersion is the newest plugin protocol this SDK speaks. Host and
// plugin negotiate the highest version both support (go-plugin's
// VersionedPlugins), so a plugin built against an older SDK keeps working
// with a newer daemon for as long as the daemon still serves its version.
const ProtocolVersion = 2

// MaxMessageBytes bounds one gRPC message. A 10-hour exercise at 1 Hz with
// its FIT file is a few MB; gRPC's default of 4 MB would reject it.
const MaxMessageBytes = 256 << 20

// pluginName is the name under which the exporter is dispensed.
const pluginName = "exporter"

var handshake = plugin.HandshakeConfig{
	// ProtocolVersion is unused when VersionedPlugins is set on both sides.
	MagicCookieKey:   "POLARBRIDGE_PLUGIN",
	MagicCookieValue: "exporter-5b1f0c7e2a",
}

// versionedPlugins lists the protocol versions this SDK serves and speaks.
// srv is the served Exporter in a plugin, nil in the host.
//
// Version 2 lets a Series carry runs instead of one offset per sample.
// The RPCs are the same; the host expands the runs for a version 1 plugin
// (Client.Export, Client.ExportEncoded), which would misread them.
func versionedPlugins(srv *served) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		1: {pluginName: &grpcPlugin{srv: srv}},
		2: {pluginName: &grpcPlugin{srv: srv}},
	}
}

// grpcPlugin adapts an Exporter to go-plugin's gRPC plugin interface.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	srv *served
}

func (p *grpcPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	RegisterExporterServer(s, &exporterServer{impl: p.srv.impl, calls: p.srv, broker: broker})
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &dispensed{rpc: NewExporterClient(c), conn: c, broker: broker}, nil
}

// exporterServer is the plugin side of the Exporter service.
type exporterServer struct {
	UnimplementedExporterServer
	impl   Exporter
	calls  *served // counts the calls in flight, for shutdown; its options
	broker *plugin.GRPCBroker

	mu   sync.Mutex
	host map[uint32]*remoteHost // one broker connection per id, reused
}

// errShuttingDown answers calls that arrive after shutdown began.
var errShuttingDown = status.Error(codes.Unavailable, "plugin is shutting down")

func (s *exporterServer) Describe(ctx context.Context, req *DescribeRequest) (*DescribeResponse, error) {
	if !s.calls.enter() {
		return nil, errShuttingDown
	}
	defer s.calls.leave()
	resp, err := s.impl.Describe(ctx, req)
	return resp, toStatus(err)
}

func (s *exporterServer) Configure(ctx context.Context, req *ConfigureRequest) (*ConfigureResponse, error) {
	if !s.calls.enter() {
		return nil, errShuttingDown
	}
	defer s.calls.leave()
	host, err := s.hostFor(req.GetHostBrokerId())
	if err != nil {
		return nil, err
	}
	resp, err := s.impl.Configure(ctx, req, host)
	if resp == nil && err == nil {
		resp = &ConfigureResponse{}
	}
	return resp, toStatus(err)
}

// hostFor dials the host's services once per broker id: go-plugin's
// broker accepts a single connection per id.
func (s *exporterServer) hostFor(id uint32) (*remoteHost, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.host[id]; ok {
		return h, nil
	}
	conn, err := s.broker.Dial(id)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "connect to host services: %v", err)
	}
	if s.host == nil {
		s.host = map[uint32]*remoteHost{}
	}
	h := &remoteHost{kv: &remoteKV{rpc: NewHostKVClient(conn)}}
	s.host[id] = h
	return h, nil
}

func (s *exporterServer) Export(ctx context.Context, req *ExportRequest) (*ExportResponse, error) {
	if !s.calls.enter() {
		return nil, errShuttingDown
	}
	defer s.calls.leave()
	// The host sends values packed (value_deltas); a Go plugin reads
	// Values, unless it asked for them as sent.
	if !s.calls.packed {
		if err := UnpackValues(req); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "export request: %v", err)
		}
	}
	resp, err := s.impl.Export(ctx, req)
	return resp, toStatus(err)
}

// Check runs the plugin's checks if it has any (Checker).
func (s *exporterServer) Check(ctx context.Context, req *CheckRequest) (*CheckResponse, error) {
	if !s.calls.enter() {
		return nil, errShuttingDown
	}
	defer s.calls.leave()
	c, ok := s.impl.(Checker)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "the plugin has no checks of its own")
	}
	resp, err := c.Check(ctx, req)
	if resp == nil && err == nil {
		resp = &CheckResponse{}
	}
	return resp, toStatus(err)
}

// toStatus carries the SDK's sentinel errors across the wire as gRPC codes.
func toStatus(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrInvalidConfig):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, ErrKeyNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, ErrRevisionMismatch):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, ErrInvalidKey):
		return status.Error(codes.InvalidArgument, err.Error())
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.Unknown, err.Error())
}

type remoteHost struct{ kv KV }

func (h *remoteHost) KV() KV { return h.kv }
