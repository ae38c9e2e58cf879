package pgexport

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Config is the plugin's config block; see config.sample.yaml.
type Config struct {
	DSN            string `json:"dsn"`
	Password       string `json:"password"`
	Schema         string `json:"schema"`
	StoreFiles     bool   `json:"store_files"`
	ConnectTimeout string `json:"connect_timeout"`
	Timeout        string `json:"timeout"`
	MaxConns       int32  `json:"max_conns"`
}

// settings is a checked Config.
type settings struct {
	pool           *pgxpool.Config
	schema         string
	storeFiles     bool
	timeout        time.Duration
	password       string // the effective one, whatever its source: redacted from messages
	passwordEnvVar string
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// parseConfig decodes and checks a config block. Errors wrap
// pluginapi.ErrInvalidConfig, name the key and never hold the password.
func parseConfig(raw []byte, instance string) (*settings, error) {
	cfg := Config{Schema: "polar", MaxConns: 4}
	if err := pluginapi.DecodeConfig(raw, &cfg); err != nil {
		return nil, err
	}
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", pluginapi.ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	if cfg.DSN == "" {
		return nil, invalid(`key "dsn" is required, e.g. "host=127.0.0.1 port=5432 user=polar dbname=polar"`)
	}
	if !schemaName.MatchString(cfg.Schema) {
		return nil, invalid(`key "schema": %q is not a lower-case SQL name (a-z, 0-9, _)`, cfg.Schema)
	}
	connect, err := pluginapi.ParseConfigDuration("connect_timeout", cfg.ConnectTimeout, 10*time.Second)
	if err != nil {
		return nil, err
	}
	timeout, err := pluginapi.ParseConfigDuration("timeout", cfg.Timeout, 30*time.Second)
	if err != nil {
		return nil, err
	}
	if cfg.MaxConns < 1 {
		return nil, invalid(`key "max_conns" must be at least 1`)
	}
	pc, err := pgxpool.ParseConfig(cfg.DSN)
	if err != nil {
		// pgx redacts a password in the DSN; redact the configured one too.
		return nil, invalid(`key "dsn": %s`, redact(err.Error(), cfg.Password))
	}
	if cfg.Password != "" {
		pc.ConnConfig.Password = cfg.Password
	}
	pc.ConnConfig.ConnectTimeout = connect
	pc.MaxConns = cfg.MaxConns
	pc.ConnConfig.RuntimeParams["application_name"] = "polarbridge-" + instance
	return &settings{
		pool:           pc,
		schema:         cfg.Schema,
		storeFiles:     cfg.StoreFiles,
		timeout:        timeout,
		password:       pc.ConnConfig.Password,
		passwordEnvVar: pluginapi.ConfigEnvVar(instance, "password"),
	}, nil
}

// redact replaces the password in s.
func redact(s, password string) string {
	if password == "" {
		return s
	}
	return strings.ReplaceAll(s, password, "[redacted]")
}
