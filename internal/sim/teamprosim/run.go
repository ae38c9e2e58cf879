package teamprosim

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/polarbridge/polarbridge/internal/sim/simhttp"
)

// Run listens on addr and serves until ctx is done.
func (s *Simulator) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("teamprosim: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, then shuts down gracefully.
func (s *Simulator) Serve(ctx context.Context, ln net.Listener) error {
	base := "http://" + ln.Addr().String()
	s.cfg.logger.Info("Team Pro simulator listening", "api_base", base,
		"authorize_url", base+"/oauth/authorize?response_type=code&scope=team_read&client_id="+s.cfg.clientID,
		"token_url", base+"/oauth/token", "client_id", s.cfg.clientID,
		"rate_limit", strconv.FormatFloat(s.cfg.rate, 'f', -1, 64)+"/s burst "+strconv.Itoa(s.cfg.burst))
	if err := simhttp.Serve(ctx, ln, s); err != nil {
		return fmt.Errorf("teamprosim: %w", err)
	}
	return nil
}

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }
