// Command protocol1 is an exporter plugin as one built against an SDK
// that spoke only protocol 1 was: it offers version 1 alone and reads a
// series' instants from offset_ms only. Each record's result message
// says how many offsets and values its series had, so a test sees what
// such a plugin received.
package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/polarbridge/polarbridge/pluginapi"
)

func main() {
	plugin.Serve(&plugin.ServeConfig{
		// pluginapi's handshake, spelled out as an old SDK had it.
		HandshakeConfig: plugin.HandshakeConfig{
			MagicCookieKey:   "POLARBRIDGE_PLUGIN",
			MagicCookieValue: "exporter-5b1f0c7e2a",
		},
		VersionedPlugins: map[int]plugin.PluginSet{1: {"exporter": exporterPlugin{}}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(pluginapi.MaxMessageBytes))...)
		},
	})
}

type exporterPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (exporterPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginapi.RegisterExporterServer(s, server{})
	return nil
}

func (exporterPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, fmt.Errorf("plugin side only")
}

type server struct {
	pluginapi.UnimplementedExporterServer
}

func (server) Export(_ context.Context, req *pluginapi.ExportRequest) (*pluginapi.ExportResponse, error) {
	resp := &pluginapi.ExportResponse{}
	for _, r := range req.GetRecords() {
		offsets, values := 0, 0
		for _, s := range r.GetExercise().GetSamples() {
			offsets += len(s.GetOffsetMs())
			values += len(s.GetValues())
		}
		resp.Results = append(resp.Results, &pluginapi.ExportResult{
			Status:  pluginapi.ExportResult_STATUS_OK,
			Message: fmt.Sprintf("offsets=%d values=%d", offsets, values),
		})
	}
	return resp, nil
}
