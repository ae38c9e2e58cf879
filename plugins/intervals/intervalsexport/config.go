package intervalsexport

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// Defaults of the optional keys.
const (
	DefaultAPIURL            = "https://intervals.icu/api/v1"
	DefaultAuthURL           = "https://intervals.icu/oauth/authorize"
	DefaultTokenURL          = "https://intervals.icu/api/oauth/token"
	DefaultScope             = "ACTIVITY:WRITE,WELLNESS:WRITE"
	DefaultAthleteID         = "0"
	DefaultName              = "{{.DetailedSportTitle}} with Polar"
	DefaultDescription       = "{{.Duration}}{{if .DistanceMeters}} · {{.Distance}}{{end}}{{if .HeartRateAvg}} · avg HR {{.HeartRateAvg}} bpm{{end}}{{if .Device}} · {{.Device}}{{end}}"
	DefaultRequestsPerSecond = 8.0
	DefaultHTTPTimeout       = time.Minute
)

// Where restingHR comes from (resting_hr_from).
const (
	RestingHRFromNightlyRecharge     = "nightly_recharge"
	RestingHRFromPhysicalInformation = "physical_information"
	RestingHRFromNone                = "none"
)

// Config is the plugin's config block (plugins.<name>.config).
type Config struct {
	// APIKey is the athlete's personal API key (intervals.icu Settings →
	// Developer Settings). Required unless OAuth is configured. Keep it
	// out of config.yaml: POLARBRIDGE_PLUGINS__<NAME>__CONFIG__API_KEY.
	APIKey string `json:"api_key"`
	// AthleteID is the intervals.icu athlete; "0" is the key's owner.
	AthleteID string `json:"athlete_id"`
	// PolarUsers limits the export to these Polar user ids (one
	// intervals.icu athlete per plugin instance); empty exports every user.
	PolarUsers []string `json:"polar_users"`
	// Name and Description are text/template templates over
	// pluginapi.ExerciseTemplateData.
	Name        string `json:"name"`
	Description string `json:"description"`
	// ActivityTypes overrides the sport mapping: a Polar detailed sport, a
	// FIT sport or FIT sport/sub-sport to an intervals.icu activity type,
	// optionally followed by "trainer" and "commute".
	ActivityTypes map[string]string `json:"activity_types"`
	// UpdateDuplicates also renames and retypes an activity intervals.icu
	// reports as a duplicate that this plugin did not upload.
	UpdateDuplicates bool `json:"update_duplicates"`
	// RestingHRFrom is the source of the wellness restingHR:
	// nightly_recharge (its average heart rate), physical_information
	// (the resting heart rate of the Polar profile) or none.
	RestingHRFrom string `json:"resting_hr_from"`
	// ExcludeWellnessFields are wellness fields never written (e.g.
	// "weight" when you enter it by hand).
	ExcludeWellnessFields []string `json:"exclude_wellness_fields"`
	// RequestsPerSecond paces the requests (intervals.icu allows about 10
	// per second).
	RequestsPerSecond float64 `json:"requests_per_second"`
	// HTTPTimeout bounds each request.
	HTTPTimeout string `json:"http_timeout"`
	// APIURL is the API's base URL (change only to test against a fake).
	APIURL string `json:"api_url"`
	// OAuth, when its client_id is set, uses an intervals.icu OAuth
	// application's Bearer token instead of the API key.
	OAuth *OAuthConfig `json:"oauth,omitempty"`
	// Testing holds knobs for tests only; never set them in production.
	Testing *TestingConfig `json:"testing,omitempty"`
}

// OAuthConfig is an intervals.icu OAuth application.
type OAuthConfig struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RedirectURL  string `json:"redirect_url"`
	AuthURL      string `json:"auth_url"`
	TokenURL     string `json:"token_url"`
	Scope        string `json:"scope"`
}

// TestingConfig holds knobs for tests only.
type TestingConfig struct {
	// ExitAfterUpload makes the process kill itself (SIGKILL) right after
	// an upload created an activity and before its receipt is stored, to
	// test crash recovery.
	ExitAfterUpload bool `json:"exit_after_upload"`
}

// settings is a validated Config.
type settings struct {
	cfg         Config
	name, desc  *pluginapi.ExerciseTemplate
	types       *pluginapi.ActivityTypeMap
	users       map[string]bool // nil: every user
	exclude     map[string]bool
	interval    time.Duration // between request starts
	httpTimeout time.Duration
	oauth       bool
	exitAfter   bool
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", pluginapi.ErrInvalidConfig, fmt.Sprintf(format, args...))
}

func parseSettings(raw []byte) (*settings, error) {
	var cfg Config
	if err := pluginapi.DecodeConfig(raw, &cfg); err != nil {
		return nil, err
	}
	s := &settings{oauth: cfg.OAuth != nil && cfg.OAuth.ClientID != ""}
	if !s.oauth && cfg.APIKey == "" {
		return nil, invalid(`key "api_key" is required: copy your API key from intervals.icu (Settings → Developer Settings) into POLARBRIDGE_PLUGINS__<NAME>__CONFIG__API_KEY, or configure "oauth"`)
	}
	if s.oauth && cfg.OAuth.ClientSecret == "" {
		return nil, invalid(`key "oauth.client_secret" is required with oauth.client_id (put it in POLARBRIDGE_PLUGINS__<NAME>__CONFIG__OAUTH__CLIENT_SECRET)`)
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.AthleteID, DefaultAthleteID)
	def(&cfg.Name, DefaultName)
	def(&cfg.Description, DefaultDescription)
	def(&cfg.APIURL, DefaultAPIURL)
	def(&cfg.RestingHRFrom, RestingHRFromNightlyRecharge)
	urls := map[string]string{"api_url": cfg.APIURL}
	if s.oauth {
		def(&cfg.OAuth.AuthURL, DefaultAuthURL)
		def(&cfg.OAuth.TokenURL, DefaultTokenURL)
		def(&cfg.OAuth.Scope, DefaultScope)
		urls["oauth.auth_url"], urls["oauth.token_url"] = cfg.OAuth.AuthURL, cfg.OAuth.TokenURL
	}
	for key, u := range urls {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, invalid("key %q: %q is not an http(s) URL", key, u)
		}
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if strings.ContainsAny(cfg.AthleteID, "/?#% ") {
		return nil, invalid("key \"athlete_id\": %q is not an athlete id (\"0\" for the key's owner, or like \"i12345\")", cfg.AthleteID)
	}
	switch cfg.RestingHRFrom {
	case RestingHRFromNightlyRecharge, RestingHRFromPhysicalInformation, RestingHRFromNone:
	default:
		return nil, invalid("key \"resting_hr_from\": %q is not one of %s, %s, %s", cfg.RestingHRFrom,
			RestingHRFromNightlyRecharge, RestingHRFromPhysicalInformation, RestingHRFromNone)
	}
	s.exclude = map[string]bool{}
	for _, f := range cfg.ExcludeWellnessFields {
		if !slices.Contains(WellnessFields, f) {
			return nil, invalid("key \"exclude_wellness_fields\": %q is not a field this plugin writes (%s)", f, strings.Join(WellnessFields, ", "))
		}
		s.exclude[f] = true
	}
	if len(cfg.PolarUsers) > 0 {
		s.users = map[string]bool{}
		for _, u := range cfg.PolarUsers {
			s.users[strings.TrimSpace(u)] = true
		}
	}
	rps := cfg.RequestsPerSecond
	if rps == 0 {
		rps = DefaultRequestsPerSecond
	}
	if rps < 0.1 || rps > 10 {
		return nil, invalid("key \"requests_per_second\": %g is out of range 0.1..10 (intervals.icu allows about 10 per second)", rps)
	}
	s.interval = time.Duration(float64(time.Second) / rps)
	var err error
	if s.httpTimeout, err = pluginapi.ParseConfigDuration("http_timeout", cfg.HTTPTimeout, DefaultHTTPTimeout); err != nil {
		return nil, err
	}
	if s.types, err = NewTypeMap(cfg.ActivityTypes); err != nil {
		return nil, fmt.Errorf("%w: key \"activity_types\": %w", pluginapi.ErrInvalidConfig, err)
	}
	if s.name, err = pluginapi.ParseExerciseTemplate("name", cfg.Name); err != nil {
		return nil, err
	}
	if s.desc, err = pluginapi.ParseExerciseTemplate("description", cfg.Description); err != nil {
		return nil, err
	}
	if cfg.Testing != nil {
		s.exitAfter = cfg.Testing.ExitAfterUpload
	}
	s.cfg = cfg
	return s, nil
}

// exports reports whether records of this Polar user go to this athlete.
func (s *settings) exports(userID string) bool { return s.users == nil || s.users[userID] }
