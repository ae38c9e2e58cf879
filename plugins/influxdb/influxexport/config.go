package influxexport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Config is the plugin's config block; see config.sample.yaml.
type Config struct {
	URL string `json:"url"`
	// API is "v1" (/write), "v2" (/api/v2/write) or "v3" (/api/v3/write_lp).
	API             string `json:"api"`
	Database        string `json:"database"`
	RetentionPolicy string `json:"retention_policy"`
	Username        string `json:"username"`
	Password        string `json:"password"`
	Org             string `json:"org"`
	Bucket          string `json:"bucket"`
	Token           string `json:"token"`
	Gzip            Bool   `json:"gzip"`
	BatchMaxPoints  Int    `json:"batch_max_points"`
	BatchMaxBytes   Int    `json:"batch_max_bytes"`
	Timeout         Dur    `json:"timeout"`
	Check           Bool   `json:"check"`
}

// API versions.
const (
	apiV1 = "v1"
	apiV2 = "v2"
	apiV3 = "v3"
)

func defaultConfig() Config {
	return Config{
		API:            apiV1,
		Gzip:           true,
		BatchMaxPoints: 5000,
		BatchMaxBytes:  1 << 20,
		Timeout:        Dur(30 * time.Second),
		Check:          true,
	}
}

// ParseConfig decodes and checks a config block. Errors wrap
// pluginapi.ErrInvalidConfig and name the key.
func ParseConfig(raw []byte) (Config, error) {
	if err := checkFlexible(raw); err != nil {
		return Config{}, err
	}
	cfg := defaultConfig()
	if err := pluginapi.DecodeConfig(raw, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, cfg.validate()
}

func (c Config) validate() error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", pluginapi.ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	if c.URL == "" {
		return invalid(`key "url" is required, e.g. http://127.0.0.1:8086`)
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid(`key "url": %q is not an http(s) URL such as http://127.0.0.1:8086`, c.URL)
	}
	if u.User != nil {
		return invalid(`key "url": put credentials in "username"/"password" or "token", not in the URL`)
	}
	if u.RawQuery != "" {
		return invalid(`key "url": must not have a query`)
	}
	switch c.API {
	case apiV1:
		if c.Database == "" {
			return invalid(`key "database" is required with api v1`)
		}
		if c.Token != "" || c.Org != "" || c.Bucket != "" {
			return invalid(`keys "token", "org" and "bucket" are for api v2/v3; api v1 uses "username" and "password"`)
		}
		if (c.Username == "") != (c.Password == "") {
			return invalid(`keys "username" and "password" go together`)
		}
	case apiV2:
		if c.Org == "" || c.Bucket == "" || c.Token == "" {
			return invalid(`keys "org", "bucket" and "token" are required with api v2`)
		}
		if c.Database != "" || c.Username != "" || c.Password != "" || c.RetentionPolicy != "" {
			return invalid(`api v2 uses "org", "bucket" and "token"; remove "database", "retention_policy", "username" and "password"`)
		}
	case apiV3:
		if c.Database == "" || c.Token == "" {
			return invalid(`keys "database" and "token" are required with api v3`)
		}
		if c.Org != "" || c.Bucket != "" || c.Username != "" || c.Password != "" || c.RetentionPolicy != "" {
			return invalid(`api v3 uses "database" and "token"; remove "org", "bucket", "retention_policy", "username" and "password"`)
		}
	default:
		return invalid(`key "api": %q is not one of v1, v2, v3`, c.API)
	}
	if c.BatchMaxPoints < 1 {
		return invalid(`key "batch_max_points" must be at least 1`)
	}
	if c.BatchMaxBytes < 1024 {
		return invalid(`key "batch_max_bytes" must be at least 1024`)
	}
	if c.Timeout <= 0 {
		return invalid(`key "timeout" must be positive`)
	}
	return nil
}

// Values set through POLARBRIDGE_* environment variables arrive as JSON
// strings, so the non-string config types accept strings too.

// Bool is a bool that also accepts "true"/"false" (and 1/0, yes/no).
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bool) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	s := unquote(data)
	switch strings.ToLower(s) {
	case "true", "1", "yes", "on":
		*b = true
	case "false", "0", "no", "off":
		*b = false
	default:
		return fmt.Errorf("expected true or false, got %s", data)
	}
	return nil
}

// Int is an integer that also accepts a string such as "5000".
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (i *Int) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	n, err := strconv.ParseInt(unquote(data), 10, 64)
	if err != nil {
		return fmt.Errorf("expected an integer, got %s", data)
	}
	*i = Int(n)
	return nil
}

// Dur is a duration written with its unit, like "30s" or "1m30s"; a bare
// number is an error, as in the daemon's config, rather than a guess.
type Dur time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Dur) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	s := unquote(data)
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return fmt.Errorf("%s has no unit: write it as a duration, e.g. \"%ss\" for %s seconds", s, s, s)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("expected a duration such as \"30s\", got %s", data)
	}
	*d = Dur(v)
	return nil
}

func isNull(data []byte) bool { return string(data) == "null" }

func unquote(data []byte) string {
	if s, err := strconv.Unquote(string(data)); err == nil {
		return strings.TrimSpace(s)
	}
	return string(data)
}

// checkFlexible decodes the keys of the types above one by one, because
// json reports a custom type's error without the key.
func checkFlexible(raw []byte) error {
	var obj map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &obj) != nil {
		return nil // DecodeConfig reports it
	}
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		val, ok := obj[f.Tag.Get("json")]
		if !ok || f.Type.Kind() == reflect.String {
			continue
		}
		if err := json.Unmarshal(val, reflect.New(f.Type).Interface()); err != nil {
			return fmt.Errorf("%w: key %q: %v", pluginapi.ErrInvalidConfig, f.Tag.Get("json"), err)
		}
	}
	return nil
}
