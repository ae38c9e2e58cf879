// Package pluginapi is the polarbridge exporter plugin SDK.
//
// A plugin is a separate binary that the polarbridge daemon launches and
// talks to over gRPC (hashicorp/go-plugin). A Go plugin implements
// Exporter and calls Serve from main:
//
//	func main() { pluginapi.Serve(&myExporter{}) }
//
// The record model and the wire protocol are defined in proto/*.proto;
// plugins in other languages implement the same gRPC services.
package pluginapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Exporter is what a plugin implements. The host calls Describe, then
// Configure once per plugin process, then Export for every batch.
//
// Each method takes a context and a request struct so the protocol can
// grow without breaking plugins.
type Exporter interface {
	Describe(ctx context.Context, req *DescribeRequest) (*DescribeResponse, error)
	// Configure receives the plugin's config block and a handle to the
	// host's services. Return an error wrapping ErrInvalidConfig for a
	// bad block: the daemon refuses to start and shows the message.
	Configure(ctx context.Context, req *ConfigureRequest, host Host) (*ConfigureResponse, error)
	// Export must return exactly one result per record, in order. Use OK,
	// Retry, RetryAfter and Permanent to build them. A returned error
	// means the whole batch is retried.
	Export(ctx context.Context, req *ExportRequest) (*ExportResponse, error)
}

// Checker is implemented by exporters that can check their destination
// without exporting (`polarbridge check`), after Configure: that it
// answers, that the credentials are accepted. Report each item with
// CheckOK or CheckFailed; an error means the check itself broke.
type Checker interface {
	Check(ctx context.Context, req *CheckRequest) (*CheckResponse, error)
}

// CheckOK is a check that passed; CheckFailed one that did not, with what
// to do about it.
func CheckOK(item, message string) *CheckResult {
	return &CheckResult{Item: item, Ok: true, Message: message}
}

// CheckFailed is a check that did not pass.
func CheckFailed(item, message string) *CheckResult {
	return &CheckResult{Item: item, Message: message}
}

// Host gives a plugin access to the daemon's services.
type Host interface {
	// KV is the plugin instance's own key-value store. It survives
	// restarts and is shared by all daemons of one installation.
	KV() KV
}

// KV is a small persistent key-value store. Keys may contain letters,
// digits and - _ = . / only.
type KV interface {
	// Get returns ErrKeyNotFound when the key does not exist.
	Get(ctx context.Context, key string) (value []byte, revision uint64, err error)
	Put(ctx context.Context, key string, value []byte) (revision uint64, err error)
	// Update writes only if the key is still at revision (0: only if it
	// does not exist); it returns ErrRevisionMismatch otherwise.
	Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error)
	Delete(ctx context.Context, key string) error
	Keys(ctx context.Context, prefix string) ([]string, error)
}

// Sentinel errors. Test with errors.Is.
var (
	ErrKeyNotFound      = errors.New("pluginapi: key not found")
	ErrRevisionMismatch = errors.New("pluginapi: revision mismatch")
	ErrInvalidKey       = errors.New("pluginapi: invalid key")
	ErrInvalidConfig    = errors.New("pluginapi: invalid config")
)

// DecodeConfig decodes a plugin's JSON config block into v (a pointer to
// a struct with json tags). Unknown keys, and keys in the wrong case, are
// errors, so a typo in config.yaml is reported rather than silently
// ignored. Values set through POLARBRIDGE_* environment variables arrive
// as strings; for bool and number fields such strings are converted
// ("true", "42", "1.5"). A time.Duration field takes text with a unit
// ("30s", "5m"); a bare number is an error, not nanoseconds. Errors wrap
// ErrInvalidConfig.
func DecodeConfig(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err == nil {
		if t := reflect.TypeOf(v); t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
			if err := checkConfigKeys(m, t.Elem(), ""); err != nil {
				return err
			}
			if fixed, err := json.Marshal(m); err == nil {
				raw = fixed
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, describeJSONError(err))
	}
	return nil
}

// checkConfigKeys rejects keys that match a field only case-insensitively
// and turns strings into bools and numbers where the field wants one. It
// edits m in place and descends into nested structs.
func checkConfigKeys(m map[string]any, t reflect.Type, prefix string) error {
	fields := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f
	}
	for key, val := range m {
		f, ok := fields[key]
		if !ok {
			for name := range fields {
				if strings.EqualFold(name, key) {
					return fmt.Errorf("%w: unknown key %q (did you mean %q?)", ErrInvalidConfig, prefix+key, prefix+name)
				}
			}
			continue // DisallowUnknownFields reports it
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft == durationType && val != nil {
			d, err := configDuration(prefix+key, val)
			if err != nil {
				return err
			}
			m[key] = d
			continue
		}
		switch s := val.(type) {
		case string:
			switch ft.Kind() {
			case reflect.Bool:
				if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
					m[key] = b
				}
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
				reflect.Float32, reflect.Float64:
				if n, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
					m[key] = n
				}
			}
		case map[string]any:
			if ft.Kind() == reflect.Struct {
				if err := checkConfigKeys(s, ft, prefix+key+"."); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ConfigEnvVar is the environment variable that sets key (dotted for a
// nested key: "oauth.client_secret") of the config block of the plugin
// instance configured as instance, as the daemon reads it:
// ConfigEnvVar("intervals", "api_key") is
// POLARBRIDGE_PLUGINS__INTERVALS__CONFIG__API_KEY. The daemon lower-cases
// the name, so an instance named with "-" can be set this way only by
// tools that allow "-" in names (shells do not): name instances with "_".
func ConfigEnvVar(instance, key string) string {
	return "POLARBRIDGE_PLUGINS__" + strings.ToUpper(instance) + "__CONFIG__" + strings.ToUpper(strings.ReplaceAll(key, ".", "__"))
}

// ParseConfigDuration parses the duration value of config key ("30s");
// "" gives def. Errors wrap ErrInvalidConfig. For a string field; a
// time.Duration field is decoded by DecodeConfig.
func ParseConfigDuration(key, value string, def time.Duration) (time.Duration, error) {
	if value == "" {
		return def, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(value))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: key %q: %q is not a positive duration such as \"30s\"", ErrInvalidConfig, key, value)
	}
	return d, nil
}

var durationType = reflect.TypeFor[time.Duration]()

// configDuration reads a time.Duration field's value: text with a unit
// ("30s"). A bare number is an error rather than nanoseconds.
func configDuration(key string, val any) (int64, error) {
	switch v := val.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("%w: key %q: %q is not a duration: write it with a unit, e.g. \"30s\", \"5m\"", ErrInvalidConfig, key, v)
		}
		return int64(d), nil
	case float64:
		return 0, fmt.Errorf("%w: key %q: %v has no unit: write it as a duration, e.g. \"%vs\" for %v seconds", ErrInvalidConfig, key, v, v, v)
	}
	return 0, fmt.Errorf("%w: key %q: expected a duration such as \"30s\"", ErrInvalidConfig, key)
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("key %q: expected %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	const unknown = "json: unknown field "
	if msg := err.Error(); len(msg) > len(unknown) && msg[:len(unknown)] == unknown {
		return "unknown key " + msg[len(unknown):]
	}
	return err.Error()
}

// OK is the result for a record that was exported.
func OK() *ExportResult { return &ExportResult{Status: ExportResult_STATUS_OK} }

// Retry is the result for a record that failed for a temporary reason
// (destination down, timeout); the host retries it with backoff.
func Retry(format string, args ...any) *ExportResult {
	return &ExportResult{Status: ExportResult_STATUS_RETRY, Message: fmt.Sprintf(format, args...)}
}

// RetryAfter is Retry with a minimum delay, e.g. until a rate-limit
// window resets.
func RetryAfter(ms int64, format string, args ...any) *ExportResult {
	r := Retry(format, args...)
	r.RetryAfterMs = ms
	return r
}

// Permanent is the result for a record that can never be exported as it
// is (rejected by the destination, revoked authorization). The host moves
// it to the dead-letter queue, from where a user can replay it.
func Permanent(format string, args ...any) *ExportResult {
	return &ExportResult{Status: ExportResult_STATUS_PERMANENT, Message: fmt.Sprintf(format, args...)}
}
