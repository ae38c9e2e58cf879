package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/polarbridge/polarbridge/core/seen"
	"text/tabwriter"

	"github.com/polarbridge/polarbridge/core/daemon"
	"github.com/polarbridge/polarbridge/core/onboard"
	"github.com/polarbridge/polarbridge/core/teamsync"
	"github.com/polarbridge/polarbridge/internal/sim/teamprosim"
)

func requireTeamPro(env *polarEnv) error {
	if env.cfg.TeamPro.ClientID == "" || env.cfg.TeamPro.ClientSecret == "" {
		return errors.New("teampro.client_id and teampro.client_secret are required: register a Team Pro API client with Polar and set them (the secret preferably as POLARBRIDGE_TEAMPRO__CLIENT_SECRET)")
	}
	return nil
}

// teamProSource opens the Team Pro source on the store the CLI attached.
func teamProSource(ctx context.Context, p *polarEnv) (*teamsync.Source, error) {
	st, err := seen.Open(ctx, p.bus)
	if err != nil {
		return nil, err
	}
	return daemon.NewTeamPro(p.cfg, p.bus, p.acc, st, p.log), nil
}

// teamproAdd authorizes a coach's Team Pro account (scope team_read).
func teamproAdd(ctx context.Context, env *cliEnv, _ []string) error {
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	if err := requireTeamPro(p); err != nil {
		return err
	}
	name, _ := env.flags.GetString("name")
	oc := daemon.TeamProOAuth(p.cfg)
	code, _, err := authorizationCode(ctx, env, oc.RedirectURL, "the coach's Team Pro teams", func(state string) string { return oc.AuthCodeURL(state) })
	if err != nil {
		return err
	}
	if err := onboard.AddCoach(ctx, oc, p.acc, code, name); err != nil {
		return err
	}
	src, err := teamProSource(ctx, p)
	if err != nil {
		return err
	}
	client, err := src.Client(ctx, name)
	if err != nil {
		return err
	}
	teams, err := client.Teams(ctx)
	if err != nil {
		return fmt.Errorf("the account was stored, but listing its teams failed: %w", err)
	}
	fmt.Fprintf(env.stdout, "Added Team Pro account %q with %d teams. The daemon polls them every %s; `polarbridge backfill --source teampro` fetches the past.\n",
		name, len(teams), p.cfg.TeamPro.PollInterval)
	return nil
}

func teamproTeams(ctx context.Context, env *cliEnv, _ []string) error {
	p, err := openPolar(ctx, env)
	if err != nil {
		return err
	}
	defer p.close()
	src, err := teamProSource(ctx, p)
	if err != nil {
		return err
	}
	coaches, err := p.acc.Coaches(ctx)
	if err != nil {
		return err
	}
	if len(coaches) == 0 {
		fmt.Fprintln(env.stdout, "no Team Pro accounts; add one with `polarbridge teampro add`")
		return nil
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tTEAM ID\tTEAM\tPLAYERS")
	for _, c := range coaches {
		client, err := src.Client(ctx, c.Name)
		if err != nil {
			return err
		}
		teams, err := client.Teams(ctx)
		if err != nil {
			return fmt.Errorf("account %s: %w", c.Name, err)
		}
		for _, t := range teams {
			details, err := client.Team(ctx, t.ID)
			if err != nil {
				return fmt.Errorf("team %s: %w", t.ID, err)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", c.Name, t.ID, t.Name, len(details.Players))
		}
	}
	return tw.Flush()
}

// teamproSimulator serves the Team Pro simulator.
func teamproSimulator(ctx context.Context, env *cliEnv, _ []string) error {
	listen, _ := env.flags.GetString("listen")
	sim, err := teamprosim.New(teamprosim.WithLogger(newLogger(env.stderr, logConfig(env))))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Team Pro simulator on http://%s — point the bridge at it with:\n\n"+
		"teampro:\n  client_id: %s\n  client_secret: %s\n  auth_url: http://%[1]s/oauth/authorize\n  token_url: http://%[1]s/oauth/token\n  api_url: http://%[1]s\n\n",
		listen, "sim-client-id", "sim-client-secret")
	return sim.Run(ctx, listen)
}
