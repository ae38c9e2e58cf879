package pluginapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingExporter keeps the last request Export got.
type recordingExporter struct {
	slowExporter
	got *ExportRequest
}

func (e *recordingExporter) Export(_ context.Context, req *ExportRequest) (*ExportResponse, error) {
	e.got = req
	return &ExportResponse{Results: []*ExportResult{OK()}}, nil
}

// Served as it is, an exporter gets doubles; with PackedValues, the
// series as the host sent them.
func TestServePackedValues(t *testing.T) {
	send := func(opts ...ServeOption) (*Series, error) {
		impl := &recordingExporter{}
		s := newServed(impl)
		for _, o := range opts {
			o(s)
		}
		srv := &exporterServer{impl: impl, calls: s}
		series := &Series{Values: []float64{1.5, 1.75, 2}}
		require.True(t, series.PackValues())
		req := &ExportRequest{Records: []*Record{{Body: &Record_Sleep{Sleep: &Sleep{HeartRate: series}}}}}
		_, err := srv.Export(context.Background(), req)
		return impl.got.GetRecords()[0].GetSleep().GetHeartRate(), err
	}
	got, err := send()
	require.NoError(t, err)
	assert.Equal(t, []float64{1.5, 1.75, 2}, got.GetValues())
	assert.Empty(t, got.GetValueDeltas())

	got, err = send(PackedValues())
	require.NoError(t, err)
	assert.Empty(t, got.GetValues())
	assert.NotEmpty(t, got.GetValueDeltas())
	vals, err := got.AppendValues(nil)
	require.NoError(t, err)
	assert.Equal(t, []float64{1.5, 1.75, 2}, vals)
}
