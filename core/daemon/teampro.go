package daemon

import (
	"github.com/polarbridge/polarbridge/core/seen"

	"golang.org/x/oauth2"
	"log/slog"

	"github.com/polarbridge/polarbridge/core/bus"

	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/config"
	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/core/teamsync"
)

// WithTeamProOptions adds options to the Team Pro clients and token
// sources, e.g. a clock shared with a simulator.
func WithTeamProOptions(client []teampro.Option, token []teampro.TokenSourceOption) Option {
	return func(s *settings) {
		s.teamProClientOpts = append(s.teamProClientOpts, client...)
		s.teamProTokenOpts = append(s.teamProTokenOpts, token...)
	}
}

// TeamProOAuth is the Team Pro OAuth2 configuration from cfg.
func TeamProOAuth(cfg *config.Config) *oauth2.Config {
	t := cfg.TeamPro
	return teampro.OAuthConfig(t.ClientID, t.ClientSecret, t.RedirectURL, t.AuthURL, t.TokenURL)
}

// NewTeamPro builds the Team Pro source from cfg (the daemon's own, or
// one for a CLI command).
func NewTeamPro(cfg *config.Config, b *bus.Bus, acc *accounts.Store, st *seen.Store, log *slog.Logger, opts ...Option) *teamsync.Source {
	return newTeamPro(cfg, b, acc, st, log, newSettings(opts))
}

func newTeamPro(cfg *config.Config, b *bus.Bus, acc *accounts.Store, st *seen.Store, log *slog.Logger, set settings) *teamsync.Source {
	return teamsync.New(b, acc, st, teamsync.Options{
		OnWarning:       set.onTeamProWarning,
		OnImplausible:   set.onTeamProImplausible,
		OnAccountPolled: set.onTeamProPolled,
		OAuth:           TeamProOAuth(cfg),
		ClientOptions:   append([]teampro.Option{teampro.WithBaseURL(cfg.TeamPro.APIURL)}, set.teamProClientOpts...),
		TokenOptions:    set.teamProTokenOpts,
		Lookback:        cfg.TeamPro.Lookback,
		Now:             set.now,
	}, log.With("component", "teampro"))
}
