package bus

import (
	"fmt"
	"log/slog"
	"strings"
)

// serverLog passes the embedded server's warnings and errors to the
// daemon's log, and tells the bus when a write failed for lack of space:
// the store then refuses writes until JetStream is restarted.
type serverLog struct {
	log     *slog.Logger
	noSpace func()
}

func (l serverLog) Noticef(string, ...any) {}
func (l serverLog) Debugf(string, ...any)  {}
func (l serverLog) Tracef(string, ...any)  {}

func (l serverLog) Warnf(format string, v ...any) {
	l.log.Warn("embedded NATS: " + fmt.Sprintf(format, v...))
}

func (l serverLog) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.Contains(msg, "no space left") {
		l.noSpace()
	}
	l.log.Error("embedded NATS: " + msg)
}

func (l serverLog) Fatalf(format string, v ...any) {
	l.log.Error("embedded NATS (fatal): " + fmt.Sprintf(format, v...))
}
