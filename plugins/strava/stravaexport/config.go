package stravaexport

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Default endpoints of the real Strava.
const (
	DefaultAuthURL  = "https://www.strava.com/oauth/authorize"
	DefaultTokenURL = "https://www.strava.com/oauth/token"
	DefaultAPIURL   = "https://www.strava.com/api/v3"
)

// Defaults of the optional keys.
const (
	DefaultName         = "{{.DetailedSportTitle}} with Polar"
	DefaultDescription  = "{{.Duration}}{{if .DistanceMeters}} · {{.Distance}}{{end}}{{if .HeartRateAvg}} · avg HR {{.HeartRateAvg}} bpm{{end}}{{if .Device}} · {{.Device}}{{end}}"
	DefaultPollInterval = time.Second
	DefaultMaxPolls     = 60
	DefaultHTTPTimeout  = time.Minute
)

// Config is the plugin's config block (plugins.<name>.config).
type Config struct {
	// ClientID and ClientSecret identify the Strava API application
	// (https://www.strava.com/settings/api). Required.
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// RedirectURL is the callback `polarbridge plugins authorize` listens
	// on; "" uses the daemon's default.
	RedirectURL string `json:"redirect_url"`
	// Name and Description are text/template templates over
	// pluginapi.ExerciseTemplateData.
	Name        string `json:"name"`
	Description string `json:"description"`
	// SportTypes overrides the sport mapping: a Polar detailed sport
	// ("INDOOR_CYCLING"), a FIT sport ("CYCLING") or FIT sport/sub-sport
	// ("CYCLING/INDOOR_CYCLING") to a Strava SportType, optionally followed
	// by the flags "trainer" and "commute" ("Ride trainer").
	SportTypes map[string]string `json:"sport_types"`
	// UpdateDuplicates also updates an activity Strava reports as a
	// duplicate that this plugin did not upload (e.g. one synced by Polar
	// Flow). Default false: such an activity is left as it is.
	UpdateDuplicates bool `json:"update_duplicates"`
	// PollInterval is the time between upload status polls (at least 1s).
	PollInterval string `json:"poll_interval"`
	// MaxPolls bounds the polls per upload and attempt.
	MaxPolls int `json:"max_polls"`
	// HTTPTimeout bounds each request to Strava.
	HTTPTimeout string `json:"http_timeout"`
	// AuthURL, TokenURL and APIURL are Strava's endpoints.
	AuthURL  string `json:"auth_url"`
	TokenURL string `json:"token_url"`
	APIURL   string `json:"api_url"`
	// Testing holds knobs for tests only; never set them in production.
	Testing *TestingConfig `json:"testing,omitempty"`
}

// TestingConfig holds knobs for tests only.
type TestingConfig struct {
	// PollInterval overrides poll_interval without its 1 s minimum.
	PollInterval string `json:"poll_interval"`
	// ExitAfterUploadStored makes the process exit right after storing an
	// upload id in a receipt, to test crash recovery.
	ExitAfterUploadStored bool `json:"exit_after_upload_stored"`
}

// settings is a validated Config.
type settings struct {
	cfg          Config
	name, desc   *pluginapi.ExerciseTemplate
	sports       *pluginapi.ActivityTypeMap
	pollInterval time.Duration
	maxPolls     int
	httpTimeout  time.Duration
	exitAfter    bool
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", pluginapi.ErrInvalidConfig, fmt.Sprintf(format, args...))
}

func parseSettings(raw []byte) (*settings, error) {
	var cfg Config
	if err := pluginapi.DecodeConfig(raw, &cfg); err != nil {
		return nil, err
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, invalid(`keys "client_id" and "client_secret" are required: create an API application at https://www.strava.com/settings/api and copy them from there (put the secret in POLARBRIDGE_PLUGINS__<NAME>__CONFIG__CLIENT_SECRET)`)
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.Name, DefaultName)
	def(&cfg.Description, DefaultDescription)
	def(&cfg.AuthURL, DefaultAuthURL)
	def(&cfg.TokenURL, DefaultTokenURL)
	def(&cfg.APIURL, DefaultAPIURL)
	for key, u := range map[string]string{"auth_url": cfg.AuthURL, "token_url": cfg.TokenURL, "api_url": cfg.APIURL} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, invalid("key %q: %q is not an http(s) URL", key, u)
		}
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")

	s := &settings{cfg: cfg, maxPolls: cfg.MaxPolls}
	var err error
	if s.pollInterval, err = pluginapi.ParseConfigDuration("poll_interval", cfg.PollInterval, DefaultPollInterval); err != nil {
		return nil, err
	}
	if s.pollInterval < time.Second {
		return nil, invalid("key \"poll_interval\": %s is too short: Strava asks for at most one poll a second", s.pollInterval)
	}
	if s.httpTimeout, err = pluginapi.ParseConfigDuration("http_timeout", cfg.HTTPTimeout, DefaultHTTPTimeout); err != nil {
		return nil, err
	}
	if s.maxPolls == 0 {
		s.maxPolls = DefaultMaxPolls
	}
	if s.maxPolls < 1 || s.maxPolls > 600 {
		return nil, invalid("key \"max_polls\": %d is out of range 1..600", s.maxPolls)
	}
	if t := cfg.Testing; t != nil {
		if t.PollInterval != "" {
			if s.pollInterval, err = pluginapi.ParseConfigDuration("testing.poll_interval", t.PollInterval, 0); err != nil {
				return nil, err
			}
		}
		s.exitAfter = t.ExitAfterUploadStored
	}
	if s.sports, err = NewSportMap(cfg.SportTypes); err != nil {
		return nil, fmt.Errorf("%w: key \"sport_types\": %w", pluginapi.ErrInvalidConfig, err)
	}
	if s.name, err = pluginapi.ParseExerciseTemplate("name", cfg.Name); err != nil {
		return nil, err
	}
	if s.desc, err = pluginapi.ParseExerciseTemplate("description", cfg.Description); err != nil {
		return nil, err
	}
	return s, nil
}
