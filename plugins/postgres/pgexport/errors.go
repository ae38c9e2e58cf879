package pgexport

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// outcome is what an error means for a record, and whether the rest of
// the batch is worth trying.
type outcome struct {
	result *pluginapi.ExportResult
	// serverWide: the server is down or refuses us, so every other record
	// of the batch would fail the same way.
	serverWide bool
}

// classify maps a PostgreSQL or connection error to a result:
//   - bad credentials: Permanent, naming where the password comes from;
//   - the server refusing the data (SQLSTATE classes 22 data exception,
//     23 integrity violation, 54 program limit): Permanent with its message;
//   - anything else (no connection, shutdown, serialization failure,
//     deadlock, a concurrent insert of the same key): Retry.
//
// Messages never hold the password.
func (s *settings) classify(what string, err error) outcome {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return outcome{pluginapi.Retry("%s", s.redact(fmt.Sprintf("%s: %v", what, err))), true}
	}
	msg := s.redact(pgErr.Message)
	if pgErr.Detail != "" {
		msg += " (" + s.redact(pgErr.Detail) + ")"
	}
	code := pgErr.Code
	switch {
	case strings.HasPrefix(code, "28"): // invalid_authorization_specification, invalid_password
		return outcome{pluginapi.Permanent("%s: PostgreSQL refused the login: %s (SQLSTATE %s); check the password (config key \"password\", or %s)",
			what, msg, code, s.passwordEnvVar), true}
	case code == "23505": // unique_violation: another process inserted the same record just now
		return outcome{pluginapi.Retry("%s: %s (SQLSTATE %s)", what, msg, code), false}
	case strings.HasPrefix(code, "22"), strings.HasPrefix(code, "23"), strings.HasPrefix(code, "54"):
		return outcome{pluginapi.Permanent("%s: PostgreSQL refused it: %s (SQLSTATE %s)", what, msg, code), false}
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "57P"), strings.HasPrefix(code, "53"):
		// connection exception, shutdown, insufficient resources
		return outcome{pluginapi.Retry("%s: %s (SQLSTATE %s)", what, msg, code), true}
	}
	return outcome{pluginapi.Retry("%s: %s (SQLSTATE %s)", what, msg, code), false}
}

func (s *settings) redact(msg string) string { return redact(msg, s.password) }
