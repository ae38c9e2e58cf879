// Package teamsync is the Polar Team Pro source. Team Pro has no
// webhooks: a poller per authorized coach account lists each team's
// training sessions and publishes an event for every new or modified one
// (by its `modified` time) onto the events subject; the ingest worker
// hands those events back here, and the session is fetched in full: the
// team session (participants, markers), the roster, and per participant
// the player session with its samples and the trimmed summary. Each
// becomes a record, published once per content version.
package teamsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/polarbridge/polarbridge/core/seen"
	"github.com/polarbridge/polarbridge/core/source"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/core/teampro"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Event is the event type on the events subject.
const Event = "TEAMPRO_SESSION"

// event is its payload.
type event struct {
	Event     string `json:"event"`
	Account   string `json:"account"`
	TeamID    string `json:"team_id"`
	SessionID string `json:"session_id"`
	Modified  string `json:"modified"`
}

// Options configure a Source.
type Options struct {
	OAuth *oauth2.Config
	// ClientOptions are passed to every teampro.Client (base URL, clock).
	ClientOptions []teampro.Option
	// TokenOptions are passed to every token source (clock).
	TokenOptions []teampro.TokenSourceOption
	// Lookback is how far back a poll lists sessions.
	Lookback time.Duration
	Now      func() time.Time
	// OnWarning, if set, counts data problems (malformed sample rows,
	// odd values, implausible values) in sessions that were exported
	// anyway.
	OnWarning func()
	// OnImplausible, if set, counts each field of a record whose values
	// were dropped as implausible (w.Count values).
	OnImplausible func(w plausible.Warning)
	// OnAccountPolled, if set, is told after each account's poll whether
	// every list answered (err nil).
	OnAccountPolled func(account string, err error)
}

// Source polls Team Pro and turns its sessions into records.
type Source struct {
	b    *bus.Bus
	acc  *accounts.Store
	seen *seen.Store
	pub  *records.Publisher
	opts Options
	log  *slog.Logger
	// One limiter for every account: the limit is the client's.
	limiter *rate.Limiter

	// One token source per account, shared by polls and event handling:
	// two sources refreshing at once would race on a rotating refresh
	// token.
	mu     sync.Mutex
	tokens map[string]*accountTokens
}

type accountTokens struct {
	ts      *teampro.TokenSource
	refresh string // the refresh token stored when ts was built or last saved
}

// New returns a Source.
func New(b *bus.Bus, acc *accounts.Store, st *seen.Store, opts Options, log *slog.Logger) *Source {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Lookback == 0 {
		opts.Lookback = 30 * 24 * time.Hour
	}
	return &Source{b: b, acc: acc, seen: st, pub: records.NewPublisher(b), opts: opts, log: log,
		limiter: teampro.NewLimiter(), tokens: map[string]*accountTokens{}}
}

// Client returns a Team Pro client for an account; refreshed tokens are
// stored before use.
func (s *Source) Client(ctx context.Context, account string) (*teampro.Client, error) {
	c, err := s.acc.Coach(ctx, account)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	at := s.tokens[account]
	if at == nil || c.Token == nil || at.refresh != c.Token.RefreshToken {
		// New, or re-authorized with `teampro add` since.
		at = &accountTokens{}
		if c.Token != nil {
			at.refresh = c.Token.RefreshToken
		}
		save := func(ctx context.Context, tok *oauth2.Token) error {
			if err := s.acc.SaveCoachToken(ctx, account, tok); err != nil {
				return err
			}
			s.mu.Lock()
			at.refresh = tok.RefreshToken
			s.mu.Unlock()
			return nil
		}
		// The source outlives this call: refreshes must not be cut off
		// by one request's context.
		at.ts = teampro.NewTokenSource(context.WithoutCancel(ctx), s.opts.OAuth, c.Token, save, s.opts.TokenOptions...)
		s.tokens[account] = at
	}
	s.mu.Unlock()
	opts := append([]teampro.Option{teampro.WithLimiter(s.limiter), teampro.WithLogger(s.log)}, s.opts.ClientOptions...)
	return teampro.New(at.ts, opts...)
}

// Scope limits a poll (backfill): the accounts are Team Pro account
// names; zero means every account, the lookback.
type Scope = source.Scope

// Name is the source's name.
const Name = "teampro"

// Name implements source.Source.
func (s *Source) Name() string { return Name }

// Events implements source.Source.
func (s *Source) Events() []string { return []string{Event} }

// Poll lists every team's sessions of every account and queues the new
// and modified ones.
func (s *Source) Poll(ctx context.Context, scope Scope) (seen.Progress, error) {
	coaches, err := s.acc.Coaches(ctx)
	if err != nil {
		return seen.Progress{}, err
	}
	since := scope.Since
	if since.IsZero() {
		since = s.opts.Now().Add(-s.opts.Lookback)
	}
	var prog seen.Progress
	report := func() {
		if scope.Progress != nil {
			scope.Progress(prog)
		}
	}
	var errs []error
	for _, c := range coaches {
		if len(scope.Accounts) > 0 && !slices.Contains(scope.Accounts, c.Name) {
			continue
		}
		err := s.pollAccount(ctx, c.Name, since, &prog, report)
		if s.opts.OnAccountPolled != nil {
			s.opts.OnAccountPolled(c.Name, err)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return prog, errors.Join(errs...)
}

// pollAccount lists the sessions of an account's teams since since.
func (s *Source) pollAccount(ctx context.Context, account string, since time.Time, prog *seen.Progress, report func()) error {
	client, err := s.Client(ctx, account)
	if err != nil {
		return err
	}
	teams, err := client.Teams(ctx)
	if err != nil {
		return fmt.Errorf("account %s: %w", account, err)
	}
	prog.ListsTotal += len(teams)
	report()
	var errs []error
	for _, t := range teams {
		// Session times are local; widen the window by a day so no
		// offset hides one.
		sessions, err := client.TeamTrainingSessions(ctx, t.ID, since.Add(-24*time.Hour), s.opts.Now().Add(24*time.Hour))
		prog.ListsDone++
		if err != nil {
			errs = append(errs, fmt.Errorf("account %s, team %s: %w", account, t.ID, err))
			report()
			continue
		}
		for _, ts := range sessions {
			prog.Found++
			outcome, err := s.consider(ctx, account, ts)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			switch outcome {
			case "new":
				prog.Queued++
			case "changed":
				prog.Changed++
			default:
				prog.Known++
			}
			report()
		}
	}
	return errors.Join(errs...)
}

func (s *Source) consider(ctx context.Context, account string, ts teampro.TeamTrainingSession) (string, error) {
	key := pluginapi.TeamSessionKey(ts.TeamID, ts.ID)
	state, err := s.seen.Get(ctx, key)
	if err != nil {
		return "", err
	}
	if state == ts.Modified {
		return "known", nil
	}
	outcome := "new"
	if state != "" {
		outcome = "changed"
	}
	body, err := json.Marshal(event{Event: Event, Account: account, TeamID: ts.TeamID, SessionID: ts.ID, Modified: ts.Modified})
	if err != nil {
		return "", err
	}
	msg := nats.NewMsg(s.b.EventSubject(Event))
	msg.Data = body
	// Each session version is processed once, however often it is listed.
	id := fmt.Sprintf("%s.%s.%s.%s", Event, ts.TeamID, ts.ID, ts.Modified)
	if _, err := s.b.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
		return "", fmt.Errorf("publish team session %s: %w", ts.ID, err)
	}
	s.log.Info("team session queued", "team", ts.TeamID, "session", ts.ID, "why", outcome)
	return outcome, s.seen.Set(ctx, key, ts.Modified)
}

// Handle implements source.Source for a TEAMPRO_SESSION event: the team
// session and every participant's session become records. An event that
// cannot succeed as it is (malformed, an unknown account, a status Team
// Pro will answer again) is marked permanent.
func (s *Source) Handle(ctx context.Context, _ string, body []byte) error {
	err := s.handle(ctx, body)
	if err != nil && (teampro.Permanent(err) || errors.Is(err, ErrBadEvent) || errors.Is(err, accounts.ErrUnknownCoach)) {
		return source.Permanent(err)
	}
	return err
}

func (s *Source) handle(ctx context.Context, body []byte) error {
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || ev.SessionID == "" || ev.Account == "" {
		return fmt.Errorf("%w: malformed %s event", ErrBadEvent, Event)
	}
	client, err := s.Client(ctx, ev.Account)
	if err != nil {
		return err
	}
	details, err := client.TeamTrainingSession(ctx, ev.SessionID)
	if err != nil {
		return fmt.Errorf("team session %s: %w", ev.SessionID, err)
	}
	team, err := client.Team(ctx, details.TeamID)
	if err != nil {
		return fmt.Errorf("team %s: %w", details.TeamID, err)
	}
	var offPtr *int
	if off, ok, err := client.TeamSessionOffset(ctx, details); err != nil {
		return fmt.Errorf("team session %s offset: %w", ev.SessionID, err)
	} else if ok {
		offPtr = &off
	}
	ts, warns, err := teampro.NormalizeTeamSession(details, team, offPtr, s.opts.Now())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadEvent, err)
	}
	s.warn("team session", ev.SessionID, warns)
	s.implausible(ts.Implausible)
	if err := s.publish(ctx, TeamSessionRecord(ts, team)); err != nil {
		return err
	}
	// Player sessions that cannot be right are not exported; the others
	// are, and then the event is dead-lettered naming the rejected ones.
	var impossible []error
	for _, p := range details.Participants {
		if p.PlayerSessionID == "" {
			continue
		}
		raw, err := client.PlayerTrainingSession(ctx, p.PlayerSessionID)
		if err != nil {
			return fmt.Errorf("player session %s: %w", p.PlayerSessionID, err)
		}
		summary, err := client.PlayerSessionSummary(ctx, p.PlayerSessionID)
		if err != nil && !errors.Is(err, teampro.ErrNotFound) {
			return fmt.Errorf("player session %s summary: %w", p.PlayerSessionID, err)
		}
		ps, warns, err := teampro.NormalizePlayerSession(teampro.PlayerSessionInput{
			Details: raw, UTCOffsetMinutes: offPtr, PlayerID: p.PlayerID,
			TeamSession: details, Summary: summary, Team: team, Now: s.opts.Now(),
		})
		if errors.Is(err, plausible.ErrImpossible) {
			s.log.Error("player session not exported: impossible", "player_session", p.PlayerSessionID, "err", err)
			impossible = append(impossible, err)
			continue
		}
		if err != nil {
			// One broken player session must not cost the others.
			s.log.Error("player session skipped: cannot be read", "player_session", p.PlayerSessionID, "err", err)
			continue
		}
		s.warn("player session", p.PlayerSessionID, warns)
		s.implausible(ps.Implausible)
		if err := s.publish(ctx, PlayerSessionRecord(ps, team)); err != nil {
			return err
		}
	}
	if len(impossible) > 0 {
		return fmt.Errorf("%w: team session %s: %w", ErrBadEvent, ev.SessionID, errors.Join(impossible...))
	}
	return nil
}

// ErrBadEvent marks an event that cannot succeed as it is.
var ErrBadEvent = errors.New("bad Team Pro event")

func (s *Source) warn(what, id string, warns []teampro.Warning) {
	for _, w := range warns {
		s.log.Warn(what+" exported with a data problem", "id", id, "problem", w.String())
		if s.opts.OnWarning != nil {
			s.opts.OnWarning()
		}
	}
}

// implausible logs and counts values dropped from a record: one line per
// field, however many samples.
func (s *Source) implausible(warns []plausible.Warning) {
	for _, w := range warns {
		w.Log(s.log)
		if s.opts.OnWarning != nil {
			s.opts.OnWarning()
		}
		if s.opts.OnImplausible != nil {
			s.opts.OnImplausible(w)
		}
	}
}

func (s *Source) publish(ctx context.Context, rec *pluginapi.Record) error {
	return s.pub.PublishLogged(ctx, rec, s.log)
}
