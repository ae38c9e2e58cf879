// Package config loads the daemon's configuration: a YAML file, then
// POLARBRIDGE_* environment variables, then command-line flags, each
// overriding the one before. Every problem is reported with the key it
// concerns; nothing falls back silently to a default.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"

	"github.com/polarbridge/polarbridge/core/consume"
	"github.com/polarbridge/polarbridge/core/sports"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Config is the daemon's whole configuration. config.yaml.example
// documents every key.
type Config struct {
	DataDir         string            `koanf:"data_dir"`
	ShutdownTimeout time.Duration     `koanf:"shutdown_timeout"`
	Log             Log               `koanf:"log"`
	NATS            NATS              `koanf:"nats"`
	Delivery        Delivery          `koanf:"delivery"`
	Metrics         Metrics           `koanf:"metrics"`
	AccessLink      AccessLink        `koanf:"accesslink"`
	Webhook         Webhook           `koanf:"webhook"`
	Poll            Poll              `koanf:"poll"`
	TeamPro         TeamPro           `koanf:"teampro"`
	Plugins         map[string]Plugin `koanf:"plugins"`

	// File is the config file the configuration was loaded from ("" if none).
	File string `koanf:"-"`
}

// Log configures the daemon's log.
type Log struct {
	Level  string `koanf:"level"`  // debug, info, warn, error
	Format string `koanf:"format"` // text, json
}

// NATS configures the JetStream spine.
type NATS struct {
	// URL of an existing NATS server or cluster; empty runs one embedded.
	URL string `koanf:"url"`
	// Credentials is a .creds file for URL (optional).
	Credentials string `koanf:"credentials"`
	// Listen makes the embedded server accept clients on this address
	// (e.g. 127.0.0.1:4222); empty keeps it in-process only.
	Listen string `koanf:"listen"`
	// EventsSubject is the prefix Polar events are published under: an
	// event of type EXERCISE goes to "<events_subject>.EXERCISE".
	EventsSubject string `koanf:"events_subject"`
	// DuplicateWindow is how long an event or record id is remembered
	// for de-duplication (Nats-Msg-Id).
	DuplicateWindow time.Duration `koanf:"duplicate_window"`
	// RecordsMaxAge is how long records stay in the stream (a newly
	// added exporter receives what is still there).
	RecordsMaxAge time.Duration `koanf:"records_max_age"`
	// Replicas is how many servers of a NATS cluster keep each stream
	// and bucket: 3 survives one server down.
	Replicas int `koanf:"replicas"`
}

// Delivery configures how records reach exporters and how events and
// records are retried: the retry policy itself.
type Delivery = consume.Policy

// Metrics configures the health and Prometheus listener.
type Metrics struct {
	Listen string `koanf:"listen"` // empty disables it
}

// AccessLink configures the Polar AccessLink source.
type AccessLink struct {
	ClientID     string `koanf:"client_id"`
	ClientSecret string `koanf:"client_secret"`
	// RedirectURL is registered with the client at admin.polaraccesslink.com;
	// `polarbridge users add` listens on it for the OAuth callback.
	RedirectURL string `koanf:"redirect_url"`
	AuthURL     string `koanf:"auth_url"`
	TokenURL    string `koanf:"token_url"`
	APIURL      string `koanf:"api_url"`
	// SportOverrides replaces single rows of the FIT sport table:
	// detailed sport -> "FIT_SPORT" or "FIT_SPORT/SUB_SPORT".
	SportOverrides map[string]string `koanf:"sport_overrides"`
}

// Webhook configures the webhook receiver.
type Webhook struct {
	// Listen address of the receiver; empty disables it.
	Listen string `koanf:"listen"`
	Path   string `koanf:"path"`
	// MaxBodyBytes bounds a request body (Polar's are a few hundred bytes).
	MaxBodyBytes int64 `koanf:"max_body_bytes"`
	// Secret overrides the signature key stored by `webhook create`.
	Secret string `koanf:"secret"`
}

// Poll configures the AccessLink poller.
type Poll struct {
	// Interval between polls when no webhook receiver is configured
	// (0 disables polling).
	Interval time.Duration `koanf:"interval"`
	// IntervalWithWebhook is the catch-up interval beside a webhook
	// receiver (0 disables it).
	IntervalWithWebhook time.Duration `koanf:"interval_with_webhook"`
	// DailyKindsInterval is how often the periodic poll lists the kinds
	// that change at most a few times a day (cardio load, SleepWise,
	// biosensing; see poller.DailyKinds); 0 lists them every cycle.
	DailyKindsInterval time.Duration `koanf:"daily_kinds_interval"`
	// WebhookSilence: if no webhook event arrived for this long while
	// polling finds new data, the webhook is reported as broken.
	WebhookSilence time.Duration `koanf:"webhook_silence"`
}

// TeamPro configures the Polar Team Pro source.
type TeamPro struct {
	ClientID     string `koanf:"client_id"`
	ClientSecret string `koanf:"client_secret"`
	RedirectURL  string `koanf:"redirect_url"`
	AuthURL      string `koanf:"auth_url"`
	TokenURL     string `koanf:"token_url"`
	APIURL       string `koanf:"api_url"`
	// PollInterval between looks for new and modified team sessions (0
	// disables polling).
	PollInterval time.Duration `koanf:"poll_interval"`
	// Lookback is how far back each poll lists sessions.
	Lookback time.Duration `koanf:"lookback"`
}

// Plugin is one configured exporter plugin.
type Plugin struct {
	Path    string         `koanf:"path"`
	Enabled *bool          `koanf:"enabled"`
	Kinds   []string       `koanf:"kinds"`
	Config  map[string]any `koanf:"config"`
}

// IsEnabled reports whether the plugin runs (default true).
func (p Plugin) IsEnabled() bool { return p.Enabled == nil || *p.Enabled }

// Defaults are the values of keys not set anywhere.
func Defaults() map[string]any {
	return map[string]any{
		"data_dir":                   "data",
		"shutdown_timeout":           "30s",
		"log.level":                  "info",
		"log.format":                 "text",
		"nats.events_subject":        "polarbridge.events",
		"nats.duplicate_window":      "1h",
		"nats.records_max_age":       "720h",
		"nats.replicas":              1,
		"delivery.batch_size":        50,
		"delivery.max_attempts":      8,
		"delivery.backoff_initial":   "5s",
		"delivery.backoff_max":       "30m",
		"delivery.ack_wait":          "2m",
		"delivery.export_timeout":    "10m",
		"metrics.listen":             "127.0.0.1:9464",
		"accesslink.redirect_url":    "http://localhost:5000/oauth2/callback",
		"accesslink.auth_url":        "https://flow.polar.com/oauth2/authorization",
		"accesslink.token_url":       "https://polarremote.com/v2/oauth2/token",
		"accesslink.api_url":         "https://www.polaraccesslink.com",
		"webhook.path":               "/polar/webhook",
		"poll.interval":              "15m",
		"teampro.redirect_url":       "http://localhost:5000/oauth2/callback",
		"teampro.auth_url":           "https://auth.polar.com/oauth/authorize",
		"teampro.token_url":          "https://auth.polar.com/oauth/token",
		"teampro.api_url":            "https://teampro.api.polar.com",
		"teampro.poll_interval":      "15m",
		"teampro.lookback":           "720h",
		"poll.interval_with_webhook": "3h",
		"poll.webhook_silence":       "24h",
		"poll.daily_kinds_interval":  "1h",
		"webhook.max_body_bytes":     65536,
	}
}

// ErrInvalid is wrapped by every configuration error.
var ErrInvalid = errors.New("invalid configuration")

// EnvPrefix starts every environment variable the daemon reads.
// Nested keys are joined with "__": POLARBRIDGE_NATS__URL sets nats.url,
// POLARBRIDGE_PLUGINS__STRAVA__CONFIG__CLIENT_SECRET sets
// plugins.strava.config.client_secret.
const EnvPrefix = "POLARBRIDGE_"

// flagKeys maps command-line flags to config keys.
var flagKeys = map[string]string{
	"data-dir":       "data_dir",
	"log-level":      "log.level",
	"log-format":     "log.format",
	"nats-url":       "nats.url",
	"metrics-listen": "metrics.listen",
}

// RegisterFlags adds every flag Load understands to fs: those of
// RegisterStoreFlags and the daemon's listener address.
func RegisterFlags(fs *pflag.FlagSet) {
	RegisterStoreFlags(fs)
	fs.String("metrics-listen", "", "address for the status page, /healthz, /readyz and /metrics (metrics.listen)")
}

// RegisterStoreFlags adds the flags of commands that read the config and
// the store but do not serve anything.
func RegisterStoreFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "config file (YAML)")
	fs.String("data-dir", "", "directory for the embedded NATS store (data_dir)")
	fs.String("log-level", "", "log level: debug, info, warn, error (log.level)")
	fs.String("log-format", "", "log format: text or json (log.format)")
	fs.String("nats-url", "", "use this NATS server instead of the embedded one (nats.url)")
}

// Load reads the configuration: defaults, the --config file, POLARBRIDGE_*
// environment variables, then flags set in fs (which may be nil).
func Load(fs *pflag.FlagSet) (*Config, error) {
	path := ""
	if fs != nil {
		if f := fs.Lookup("config"); f != nil {
			path = f.Value.String()
		}
	}
	return load(path, os.Environ, fs)
}

func load(path string, environ func() []string, fs *pflag.FlagSet) (*Config, error) {
	k := koanf.New(".")
	for key, v := range Defaults() {
		_ = k.Set(key, v)
	}
	if path != "" {
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return nil, fmt.Errorf("%w: read %s: %v", ErrInvalid, path, err)
		}
	}
	err := k.Load(env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: environ,
		TransformFunc: func(name, value string) (string, any) {
			key := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
			return strings.ReplaceAll(key, "__", "."), value
		},
	}), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: environment: %v", ErrInvalid, err)
	}
	if fs != nil {
		err := k.Load(posflag.ProviderWithFlag(fs, ".", nil, func(f *pflag.Flag) (string, any) {
			key, ok := flagKeys[f.Name]
			if !ok || !f.Changed {
				return "", nil
			}
			return key, posflag.FlagVal(fs, f)
		}), nil)
		if err != nil {
			return nil, fmt.Errorf("%w: flags: %v", ErrInvalid, err)
		}
	}
	if err := checkKeys(k.Keys(), path); err != nil {
		return nil, err
	}
	var cfg Config
	err = k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{
		Tag: "koanf",
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook:       strictDuration,
			WeaklyTypedInput: true, // environment variables are strings
			Result:           &cfg,
			TagName:          "koanf",
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, describeDecodeError(err))
	}
	cfg.File = path
	if err := cfg.resolvePaths(); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

var durationType = reflect.TypeFor[time.Duration]()

// strictDuration decodes durations from text with a unit ("30s", "5m").
// A bare number is an error rather than nanoseconds: `shutdown_timeout:
// 30` meant seconds.
func strictDuration(_, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	switch v := data.(type) {
	case time.Duration:
		return v, nil
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration: write it with a unit, e.g. \"30s\", \"5m\", \"2h\"", v)
		}
		return d, nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return nil, fmt.Errorf("%v has no unit: write it as a duration, e.g. \"%vs\" for %v seconds", v, v, v)
	}
	return data, nil
}

var decodeKey = regexp.MustCompile(`'([^']*)'`)

// describeDecodeError turns mapstructure's message into one line that
// starts with the key.
func describeDecodeError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "decoding failed due to the following error(s):")
	msg = strings.TrimSpace(msg)
	if m := decodeKey.FindStringSubmatch(msg); m != nil {
		rest := strings.TrimSpace(strings.Replace(msg, m[0], "", 1))
		if strings.Contains(rest, "time: ") {
			rest = `not a duration (use e.g. "30s", "5m", "2h"): ` + rest
		}
		return fmt.Sprintf("key %q: %s", m[1], rest)
	}
	return msg
}

// BaseDir is the directory relative paths are resolved against: the
// config file's directory, or the working directory without one.
func (c *Config) BaseDir() string {
	if c.File == "" {
		return "."
	}
	return filepath.Dir(c.File)
}

// resolvePaths makes relative paths relative to the config file's
// directory, so the daemon behaves the same from any working directory.
func (c *Config) resolvePaths() error {
	base := c.BaseDir()
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	c.DataDir = abs(c.DataDir)
	c.NATS.Credentials = abs(c.NATS.Credentials)
	for name, p := range c.Plugins {
		p.Path = abs(p.Path)
		c.Plugins[name] = p
	}
	return nil
}

var pluginName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func (c *Config) validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("key %q: %s", key, fmt.Sprintf(format, args...)))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q is not one of text, json", c.Log.Format)
	}
	if c.DataDir == "" && c.NATS.URL == "" {
		bad("data_dir", "must be set for the embedded NATS server")
	}
	if c.NATS.EventsSubject == "" || strings.ContainsAny(c.NATS.EventsSubject, " *>") {
		bad("nats.events_subject", "%q is not a valid subject prefix", c.NATS.EventsSubject)
	}
	positive := map[string]time.Duration{
		"shutdown_timeout":         c.ShutdownTimeout,
		"nats.duplicate_window":    c.NATS.DuplicateWindow,
		"nats.records_max_age":     c.NATS.RecordsMaxAge,
		"delivery.backoff_initial": c.Delivery.BackoffInitial,
		"delivery.backoff_max":     c.Delivery.BackoffMax,
		"delivery.ack_wait":        c.Delivery.AckWait,
		"delivery.export_timeout":  c.Delivery.ExportTimeout,
	}
	for key, d := range positive {
		if d <= 0 {
			bad(key, "must be a positive duration, got %s", d)
		}
	}
	if c.NATS.DuplicateWindow > c.NATS.RecordsMaxAge {
		bad("nats.duplicate_window", "(%s) must not be longer than nats.records_max_age (%s)", c.NATS.DuplicateWindow, c.NATS.RecordsMaxAge)
	}
	if c.NATS.Replicas < 1 || c.NATS.Replicas > 5 {
		bad("nats.replicas", "must be between 1 and 5, got %d", c.NATS.Replicas)
	} else if c.NATS.Replicas > 1 && c.NATS.URL == "" {
		bad("nats.replicas", "needs a NATS cluster (nats.url); the embedded server is one server")
	}
	if c.Delivery.BackoffMax < c.Delivery.BackoffInitial {
		bad("delivery.backoff_max", "(%s) is shorter than delivery.backoff_initial (%s)", c.Delivery.BackoffMax, c.Delivery.BackoffInitial)
	}
	if c.Delivery.BatchSize < 1 || c.Delivery.BatchSize > 1000 {
		bad("delivery.batch_size", "must be between 1 and 1000, got %d", c.Delivery.BatchSize)
	}
	if c.Delivery.MaxAttempts < 1 {
		bad("delivery.max_attempts", "must be at least 1, got %d", c.Delivery.MaxAttempts)
	}
	for key, u := range map[string]string{
		"accesslink.redirect_url": c.AccessLink.RedirectURL,
		"accesslink.auth_url":     c.AccessLink.AuthURL,
		"accesslink.token_url":    c.AccessLink.TokenURL,
		"accesslink.api_url":      c.AccessLink.APIURL,
		"teampro.redirect_url":    c.TeamPro.RedirectURL,
		"teampro.auth_url":        c.TeamPro.AuthURL,
		"teampro.token_url":       c.TeamPro.TokenURL,
		"teampro.api_url":         c.TeamPro.APIURL,
	} {
		if pu, err := url.Parse(u); err != nil || pu.Scheme == "" || pu.Host == "" {
			bad(key, "%q is not an absolute http(s) URL", u)
		}
	}
	if _, err := sports.NewTable(c.AccessLink.SportOverrides); err != nil {
		bad("accesslink.sport_overrides", "%v", err)
	}
	if c.Poll.DailyKindsInterval < 0 {
		bad("poll.daily_kinds_interval", "must not be negative, got %s (0 lists every kind every cycle)", c.Poll.DailyKindsInterval)
	}
	for key, d := range map[string]time.Duration{"poll.interval": c.Poll.Interval, "poll.interval_with_webhook": c.Poll.IntervalWithWebhook} {
		if d != 0 && d < time.Minute {
			bad(key, "%s is too short: the AccessLink rate limit allows polling every few minutes at most (0 disables)", d)
		}
	}
	if c.TeamPro.PollInterval != 0 && c.TeamPro.PollInterval < time.Minute {
		bad("teampro.poll_interval", "%s is too short: Team Pro allows 1 request per second (0 disables)", c.TeamPro.PollInterval)
	}
	if c.TeamPro.Lookback <= 0 {
		bad("teampro.lookback", "must be a positive duration, got %s", c.TeamPro.Lookback)
	}
	if c.Poll.WebhookSilence <= 0 {
		bad("poll.webhook_silence", "must be a positive duration, got %s", c.Poll.WebhookSilence)
	}
	if !strings.HasPrefix(c.Webhook.Path, "/") {
		bad("webhook.path", "%q must start with /", c.Webhook.Path)
	}
	if c.Webhook.MaxBodyBytes < 1024 {
		bad("webhook.max_body_bytes", "must be at least 1024, got %d", c.Webhook.MaxBodyBytes)
	}
	names := make([]string, 0, len(c.Plugins))
	for name := range c.Plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := c.Plugins[name]
		key := "plugins." + name
		if !pluginName.MatchString(name) {
			bad(key, "plugin names use lower-case letters, digits, - and _ (at most 32)")
			continue
		}
		if name == "ingest" {
			bad(key, `"ingest" is reserved for the AccessLink worker's dead letters; choose another name`)
			continue
		}
		if !p.IsEnabled() {
			continue
		}
		if p.Path == "" {
			bad(key+".path", "is required: the plugin binary to run (try `make build`, then ./bin/polarbridge-%s)", name)
		} else if st, err := os.Stat(p.Path); err != nil {
			bad(key+".path", "plugin binary %s not found (build it with `make build`)", p.Path)
		} else if st.IsDir() || st.Mode()&0o111 == 0 {
			bad(key+".path", "%s is not an executable file", p.Path)
		}
		for i, kind := range p.Kinds {
			if _, err := pluginapi.ParseKind(kind); err != nil {
				bad(fmt.Sprintf("%s.kinds[%d]", key, i), "%q is not a record kind (exercise, sleep, nightly_recharge, team_session, player_session)", kind)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}
