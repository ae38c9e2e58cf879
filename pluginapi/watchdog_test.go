package pluginapi

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// slowExporter's Export runs until release is closed; Close records
// whether an Export was still running.
type slowExporter struct {
	entered      chan struct{}
	release      chan struct{}
	running      atomic.Int32
	closed       atomic.Bool
	closedMidway atomic.Bool
}

func newSlowExporter() *slowExporter {
	return &slowExporter{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (e *slowExporter) Describe(context.Context, *DescribeRequest) (*DescribeResponse, error) {
	return &DescribeResponse{}, nil
}

func (e *slowExporter) Configure(context.Context, *ConfigureRequest, Host) (*ConfigureResponse, error) {
	return &ConfigureResponse{}, nil
}

func (e *slowExporter) Export(context.Context, *ExportRequest) (*ExportResponse, error) {
	e.running.Add(1)
	defer e.running.Add(-1)
	e.entered <- struct{}{}
	<-e.release
	return &ExportResponse{}, nil
}

func (e *slowExporter) Close() error {
	e.closedMidway.Store(e.running.Load() > 0)
	e.closed.Store(true)
	return nil
}

// When the plugin stops, an Export in flight finishes before the
// Exporter is closed, and later calls are refused.
func TestFinishLetsExportInFlightEnd(t *testing.T) {
	impl := newSlowExporter()
	s := newServed(impl)
	srv := &exporterServer{impl: impl, calls: s}
	exported := make(chan error, 1)
	go func() {
		_, err := srv.Export(context.Background(), &ExportRequest{})
		exported <- err
	}()
	<-impl.entered

	finished := make(chan struct{})
	go func() {
		s.finish(time.Minute)
		close(finished)
	}()
	// finish waits: a correct one never returns here, so this cannot fail
	// by chance; a finish that did not wait would return (and close)
	// within this time.
	assert.Never(t, func() bool {
		select {
		case <-finished:
			return true
		default:
			return false
		}
	}, 200*time.Millisecond, 10*time.Millisecond, "finish returned while Export was running")
	close(impl.release)
	require.NoError(t, <-exported)
	<-finished
	assert.True(t, impl.closed.Load(), "Close was not called")
	assert.False(t, impl.closedMidway.Load(), "Close ran while Export was running")

	_, err := srv.Export(context.Background(), &ExportRequest{})
	assert.Equal(t, codes.Unavailable, status.Code(err), "an Export after shutdown: %v", err)
}

// An Export that does not end holds shutdown up for the given wait only.
func TestFinishDoesNotWaitForever(t *testing.T) {
	impl := newSlowExporter()
	t.Cleanup(func() { close(impl.release) })
	s := newServed(impl)
	srv := &exporterServer{impl: impl, calls: s}
	go func() { _, _ = srv.Export(context.Background(), &ExportRequest{}) }()
	<-impl.entered

	start := time.Now()
	s.finish(50 * time.Millisecond)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.True(t, impl.closed.Load(), "Close was not called")
}
