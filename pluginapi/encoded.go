package pluginapi

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// ExportEncoded is Export for records that are already encoded, as the
// daemon stores them: the request is assembled from their bytes, with no
// decode and no re-encode on the host (for a 10 h exercise, 3 MB each
// way). The plugin receives an ordinary ExportRequest, so any plugin
// takes it. Only a plugin that speaks protocol 1 costs a decode and
// re-encode: of the records with runs, which it cannot read. The bytes must each be a valid encoded Record: one that is
// not fails the whole call in the plugin.
func (c *Client) ExportEncoded(ctx context.Context, records [][]byte) (*ExportResponse, error) {
	if c.ProtocolVersion() < 2 {
		var err error
		if records, err = encodedForProtocol1(records); err != nil {
			return nil, err
		}
	}
	resp := &ExportResponse{}
	err := c.rpc.conn.Invoke(ctx, Exporter_Export_FullMethodName, encodedRequest(records), resp,
		grpc.ForceCodecV2(encodedCodec{}))
	if err != nil {
		return nil, err
	}
	if got, want := len(resp.GetResults()), len(records); got != want {
		return nil, fmt.Errorf("%w: %d results for %d records", ErrBadResponse, got, want)
	}
	return resp, nil
}

// encodedRequest is an ExportRequest as its records' encodings.
type encodedRequest [][]byte

// recordsField is ExportRequest.records' number (a test checks it).
const recordsField protowire.Number = 1

// encodedCodec writes an encodedRequest as the wire form of ExportRequest
// (each record a length-delimited field 1), the records' bytes used as
// they are, and reads the response as protobuf. Its name is "proto", so
// the plugin decodes the request with its ordinary codec.
type encodedCodec struct{}

func (encodedCodec) Marshal(v any) (mem.BufferSlice, error) {
	req, ok := v.(encodedRequest)
	if !ok {
		return nil, fmt.Errorf("pluginapi: encoded codec cannot marshal %T", v)
	}
	out := make(mem.BufferSlice, 0, 2*len(req))
	for _, r := range req {
		head := protowire.AppendTag(nil, recordsField, protowire.BytesType)
		head = protowire.AppendVarint(head, uint64(len(r)))
		out = append(out, mem.SliceBuffer(head), mem.SliceBuffer(r))
	}
	return out, nil
}

func (encodedCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("pluginapi: encoded codec cannot unmarshal into %T", v)
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	return proto.Unmarshal(buf.ReadOnlyData(), m)
}

func (encodedCodec) Name() string { return "proto" }
