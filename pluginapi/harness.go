package pluginapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Harness runs a plugin the way the daemon does and feeds it records, for
// plugin tests. NewHarness calls an Exporter in-process (fast, easy to
// debug); NewBinaryHarness launches a built plugin binary over gRPC, which
// also checks the binary's handshake and message sizes. Both give the
// plugin a MemoryKV as its host KV, exposed as Harness.KV.
type Harness struct {
	// KV is the plugin's host key-value store.
	KV *MemoryKV

	impl   Exporter
	client *Client
	name   string
}

// NewHarness wraps impl for in-process tests.
func NewHarness(impl Exporter) *Harness {
	return &Harness{KV: NewMemoryKV(), impl: impl, name: "test"}
}

// NewBinaryHarness launches the plugin binary at path.
func NewBinaryHarness(path string, opts ...LaunchOption) (*Harness, error) {
	c, err := Launch(path, opts...)
	if err != nil {
		return nil, err
	}
	return &Harness{KV: NewMemoryKV(), client: c, name: "test"}, nil
}

// Describe calls the plugin's Describe.
func (h *Harness) Describe(ctx context.Context) (*DescribeResponse, error) {
	if h.client != nil {
		return h.client.Describe(ctx)
	}
	return h.impl.Describe(ctx, &DescribeRequest{})
}

// Configure gives the plugin config, which is marshalled to JSON as the
// daemon does with the plugin's block of config.yaml.
func (h *Harness) Configure(ctx context.Context, config any) error {
	raw, err := json.Marshal(config)
	if err != nil {
		return fmt.Errorf("marshal config: %w", err)
	}
	req := &ConfigureRequest{ConfigJson: raw, InstanceName: h.name, HostVersion: "harness"}
	if h.client != nil {
		_, err = h.client.Configure(ctx, req, h.KV)
		return err
	}
	_, err = h.impl.Configure(ctx, req, &remoteHost{kv: h.KV})
	return err
}

// Check runs the plugin's own checks (after Configure); ErrNoChecks if it
// has none.
func (h *Harness) Check(ctx context.Context) ([]*CheckResult, error) {
	if h.client != nil {
		resp, err := h.client.Check(ctx)
		return resp.GetResults(), err
	}
	c, ok := h.impl.(Checker)
	if !ok {
		return nil, ErrNoChecks
	}
	resp, err := c.Check(ctx, &CheckRequest{})
	return resp.GetResults(), err
}

// Export sends records as one batch and returns the per-record results.
func (h *Harness) Export(ctx context.Context, records ...*Record) ([]*ExportResult, error) {
	req := &ExportRequest{Records: records}
	var (
		resp *ExportResponse
		err  error
	)
	if h.client != nil {
		resp, err = h.client.Export(ctx, req)
	} else {
		resp, err = h.impl.Export(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	if len(resp.GetResults()) != len(records) {
		return nil, fmt.Errorf("%w: %d results for %d records", ErrBadResponse, len(resp.GetResults()), len(records))
	}
	return resp.GetResults(), nil
}

// Client returns the launched plugin's client (nil in-process), e.g. to
// check Exited after a crash.
func (h *Harness) Client() *Client { return h.client }

// Close stops a launched plugin. In-process it calls the Exporter's Close
// method, if it has one, as Serve does when the plugin stops (its error is
// not reported: call Close on the Exporter yourself to check it).
func (h *Harness) Close() {
	if h.client != nil {
		h.client.Kill()
		return
	}
	if c, ok := h.impl.(io.Closer); ok {
		_ = c.Close()
	}
}

// BuildPlugin compiles the Go package in pkgDir (a plugin's main package)
// into outDir and returns the binary's path. Tests use it to get a real
// binary for NewBinaryHarness.
func BuildPlugin(pkgDir, outDir string) (string, error) {
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		return "", fmt.Errorf("build plugin: %w", err)
	}
	out := filepath.Join(outDir, filepath.Base(abs))
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = abs
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build plugin in %s: %w", pkgDir, err)
	}
	return out, nil
}

// RunWithPlugin is a plugin's TestMain: it builds the plugin's main
// package in pkgDir into a temporary directory, sets *binary to its path
// for NewBinaryHarness, runs the tests and removes the build.
//
//	func TestMain(m *testing.M) { os.Exit(pluginapi.RunWithPlugin(m, ".", &binPath)) }
//
// m is a *testing.M; the SDK does not import the testing package, which
// would end up in every plugin binary.
func RunWithPlugin(m interface{ Run() int }, pkgDir string, binary *string) int {
	dir, err := os.MkdirTemp("", "polarbridge-plugin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *binary, err = BuildPlugin(pkgDir, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
