package accesslinksim

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/simhttp"
)

// RunOptions configures Run and Serve.
type RunOptions struct {
	// GenerateEvery adds new data at this interval, alternating between an
	// exercise and a night and cycling through the users, pushing webhooks
	// as Polar would. Zero disables generation.
	GenerateEvery time.Duration
}

// Run listens on addr and serves until ctx is done. It is what the
// `polarbridge simulator` command runs.
func (s *Simulator) Run(ctx context.Context, addr string, ro RunOptions) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("accesslinksim: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln, ro)
}

// Serve serves on ln until ctx is done, then shuts down gracefully.
func (s *Simulator) Serve(ctx context.Context, ln net.Listener, ro RunOptions) error {
	base := s.cfg.baseURL
	if base == "" {
		base = "http://" + simhttp.DisplayAddr(ln.Addr())
	}
	s.logStartup(base)

	genCtx, stopGen := context.WithCancel(ctx)
	genDone := make(chan struct{})
	go func() {
		defer close(genDone)
		s.generateLoop(genCtx, ro.GenerateEvery)
	}()
	defer func() {
		stopGen()
		<-genDone
	}()
	if err := simhttp.Serve(ctx, ln, s); err != nil {
		return fmt.Errorf("accesslinksim: %w", err)
	}
	return nil
}

func (s *Simulator) logStartup(base string) {
	log := s.cfg.logger
	q := url.Values{"response_type": {"code"}, "client_id": {s.cfg.clientID}}
	log.Info("AccessLink simulator listening",
		"api_base", base,
		"authorize_url", base+"/oauth2/authorization?"+q.Encode(),
		"token_url", base+"/oauth2/token",
		"client_id", s.cfg.clientID,
		"client_secret", s.cfg.clientSecret,
		"rate_limits", fmt.Sprintf("%d/15min, %d/24h", s.cfg.shortLimit, s.cfg.longLimit))
	for _, u := range s.Users() {
		log.Info("simulated user", "user_id", u.ID, "name", u.FirstName+" "+u.LastName,
			"device", u.Device, "exercises", len(s.Exercises(u.ID)), "nights", len(s.Nights(u.ID)))
	}
}

func (s *Simulator) generateLoop(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	users := s.Users()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		u := users[(i/2)%len(users)]
		if i%2 == 0 {
			ex, err := s.AddExercise(u.ID, ExerciseSpec{})
			if err != nil {
				s.cfg.logger.Error("generating exercise", "err", err)
				continue
			}
			s.cfg.logger.Info("new exercise", "user_id", u.ID, "id", ex.ID, "sport", ex.DetailedSport, "duration", ex.Duration)
		} else {
			n, err := s.AddSleep(u.ID)
			if err != nil {
				s.cfg.logger.Error("generating sleep", "err", err)
				continue
			}
			s.cfg.logger.Info("new night", "user_id", u.ID, "date", n.Date)
		}
		// The watch syncs its 24/7 heart rate along with everything else.
		if dates, err := s.SyncContinuousHeartRate(u.ID); err == nil && len(dates) > 0 {
			s.cfg.logger.Info("24/7 heart rate synced", "user_id", u.ID, "dates", dates)
		}
	}
}
