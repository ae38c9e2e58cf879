package mqttexport

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Defaults of the optional keys.
const (
	DefaultTopicPrefix     = "polarbridge"
	DefaultDiscoveryPrefix = "homeassistant"
	DefaultQoS             = 1
	DefaultConnectTimeout  = 10 * time.Second
	DefaultPublishTimeout  = 10 * time.Second
)

// Config is the plugin's config block (plugins.<name>.config).
type Config struct {
	// Broker is the broker's URL: tcp://host:1883, or ssl://host:8883
	// (also tls://, mqtts://) for TLS, or ws:// / wss://. Required.
	Broker string `json:"broker"`
	// Username and Password log in to the broker; keep the password out
	// of config.yaml: POLARBRIDGE_PLUGINS__<NAME>__CONFIG__PASSWORD.
	Username string `json:"username"`
	Password string `json:"password"`
	// ClientID is the MQTT client id ("" = polarbridge-<instance>-<random>,
	// so that two daemons never push each other off the broker).
	ClientID string `json:"client_id"`
	// TLS holds the CA and client certificate for ssl:// brokers.
	TLS TLSConfig `json:"tls"`
	// TopicPrefix is the root of the state and availability topics.
	TopicPrefix string `json:"topic_prefix"`
	// DiscoveryPrefix is Home Assistant's discovery prefix.
	DiscoveryPrefix string `json:"discovery_prefix"`
	// Users limits the devices to these Polar user ids ([] = all).
	Users []string `json:"users"`
	// UserNames names the devices: Polar user id → name ("Polar <id>"
	// by default).
	UserNames map[string]string `json:"user_names"`
	// TeamProPlayers makes one device per Team Pro player too.
	TeamProPlayers bool `json:"team_pro_players"`
	// QoS of every publish (0, 1 or 2).
	QoS *int `json:"qos"`
	// ConnectTimeout and PublishTimeout bound a connection attempt and
	// the broker's acknowledgement of a publish.
	ConnectTimeout string `json:"connect_timeout"`
	PublishTimeout string `json:"publish_timeout"`
}

// TLSConfig is the TLS of an ssl:// broker.
type TLSConfig struct {
	CAFile             string `json:"ca_file"`
	CertFile           string `json:"cert_file"`
	KeyFile            string `json:"key_file"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify"`
}

type settings struct {
	cfg            Config
	topics         Topics
	users          map[string]bool
	qos            byte
	tls            *tls.Config
	connectTimeout time.Duration
	publishTimeout time.Duration
}

var topicPart = regexp.MustCompile(`^[a-zA-Z0-9_-]+(/[a-zA-Z0-9_-]+)*$`)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", pluginapi.ErrInvalidConfig, fmt.Sprintf(format, args...))
}

func parseSettings(raw []byte) (*settings, error) {
	var cfg Config
	if err := pluginapi.DecodeConfig(raw, &cfg); err != nil {
		return nil, err
	}
	s := &settings{}
	if cfg.Broker == "" {
		return nil, invalid(`key "broker" is required, e.g. tcp://homeassistant.local:1883`)
	}
	u, err := url.Parse(cfg.Broker)
	if err != nil || u.Host == "" {
		return nil, invalid("key \"broker\": %q is not a URL such as tcp://host:1883", redactURL(cfg.Broker))
	}
	if u.User != nil {
		return nil, invalid(`key "broker": put the credentials in "username" and "password" (the password in POLARBRIDGE_PLUGINS__<NAME>__CONFIG__PASSWORD), not in the URL`)
	}
	secure := false
	switch u.Scheme {
	case "tcp", "mqtt", "ws":
	case "ssl", "tls", "mqtts", "tcps", "wss":
		secure = true
	default:
		return nil, invalid("key \"broker\": scheme %q is not one of tcp, ssl (tls, mqtts), ws, wss", u.Scheme)
	}
	if secure || cfg.TLS != (TLSConfig{}) {
		if s.tls, err = tlsConfig(cfg.TLS); err != nil {
			return nil, err
		}
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, invalid(`key "password" is set without "username"`)
	}
	if cfg.TopicPrefix == "" {
		cfg.TopicPrefix = DefaultTopicPrefix
	}
	if cfg.DiscoveryPrefix == "" {
		cfg.DiscoveryPrefix = DefaultDiscoveryPrefix
	}
	for key, v := range map[string]string{"topic_prefix": cfg.TopicPrefix, "discovery_prefix": cfg.DiscoveryPrefix} {
		if !topicPart.MatchString(v) {
			return nil, invalid("key %q: %q may hold only letters, digits, _ and - between slashes", key, v)
		}
	}
	s.topics = Topics{Prefix: cfg.TopicPrefix, Discovery: cfg.DiscoveryPrefix}
	qos := DefaultQoS
	if cfg.QoS != nil {
		qos = *cfg.QoS
	}
	if qos < 0 || qos > 2 {
		return nil, invalid("key \"qos\": %d is not 0, 1 or 2", qos)
	}
	s.qos = byte(qos)
	if len(cfg.Users) > 0 {
		s.users = map[string]bool{}
		for _, id := range cfg.Users {
			s.users[strings.TrimSpace(id)] = true
		}
	}
	if s.connectTimeout, err = pluginapi.ParseConfigDuration("connect_timeout", cfg.ConnectTimeout, DefaultConnectTimeout); err != nil {
		return nil, err
	}
	if s.publishTimeout, err = pluginapi.ParseConfigDuration("publish_timeout", cfg.PublishTimeout, DefaultPublishTimeout); err != nil {
		return nil, err
	}
	s.cfg = cfg
	return s, nil
}

func tlsConfig(c TLSConfig) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipVerify} //nolint:gosec // the user's choice, documented
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, invalid("key \"tls.ca_file\": %v", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, invalid("key \"tls.ca_file\": %s holds no PEM certificate", c.CAFile)
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, invalid(`keys "tls.cert_file" and "tls.key_file" go together`)
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, invalid("keys \"tls.cert_file\", \"tls.key_file\": %v", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}

// redactURL hides a password someone put in a URL.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// exports reports whether records of this Polar user are published.
func (s *settings) exports(userID string) bool { return s.users == nil || s.users[userID] }
