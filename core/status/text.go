package status

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the report for a terminal: times relative to r.At.
func WriteText(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	state := "ready"
	if !r.Ready {
		state = "NOT READY: " + r.Reason
	}
	fmt.Fprintf(tw, "polarbridge %s (pid %d), started %s: %s\n", r.Version, r.PID, Ago(r.At, r.StartedAt), state)
	fmt.Fprintf(tw, "NATS: %s\n\n", r.NATS)

	if len(r.Accounts) == 0 {
		fmt.Fprintln(tw, "No Polar accounts: add one with `polarbridge users add` (or `teampro add`).")
	} else {
		fmt.Fprintln(tw, "ACCOUNT\tSOURCE\tTOKEN\tLAST EVENT\tLAST POLL\tLAST EXPORTED\tLAST ERROR")
		for _, a := range r.Accounts {
			token := a.Token
			if a.TokenReason != "" {
				token += " (" + a.TokenReason + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Source, token, Ago(r.At, a.LastEvent), Ago(r.At, a.LastPoll), Ago(r.At, a.LastExported), lastError(r.At, a.LastError, a.LastErrorAt))
		}
	}
	fmt.Fprintln(tw)

	if wh := r.Webhook; wh == nil {
		fmt.Fprintln(tw, "Webhook: none registered (`polarbridge webhook create --url ...`); new data arrives with polls only.")
	} else {
		recv := "not received here (webhook.listen is not set)"
		if wh.Listen != "" {
			recv = "received on " + wh.Listen
		}
		fmt.Fprintf(tw, "Webhook: %s, %s; events %s; last push %s\n", wh.URL, recv, strings.Join(wh.Events, ","), Ago(r.At, wh.LastEvent))
		if wh.Silent {
			fmt.Fprintln(tw, "  WARNING: polls find new data but no push arrives: check the webhook's URL and `polarbridge webhook show`.")
		}
	}
	fmt.Fprintln(tw)

	if len(r.Exporters) == 0 {
		fmt.Fprintln(tw, "No exporters: add a plugin under `plugins:` in the config.")
	} else {
		fmt.Fprintln(tw, "EXPORTER\tPLUGIN\tLAG\tDEAD LETTERS\tLAST SUCCESS\tSTATE")
		for _, e := range r.Exporters {
			st := "ok"
			switch {
			case e.PluginError != "":
				st = "plugin down: " + e.PluginError
			case e.Failing:
				st = fmt.Sprintf("failing (%d in a row): %s", e.ConsecutiveFailures, e.LastError)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", e.Name, e.Plugin, e.Lag, e.DeadLetters, Ago(r.At, deref(e.LastSuccess)), st)
		}
	}
	fmt.Fprintln(tw)

	for _, q := range r.Quota {
		if q.Left() < 0 {
			fmt.Fprintf(tw, "Polar %s quota, %s window: not known until Polar answers a request\n", q.API, q.Window)
			continue
		}
		fmt.Fprintf(tw, "Polar %s quota, %s window: %d used of %d, %d left\n", q.API, q.Window, q.Used, q.Limit, q.Left())
	}
	return tw.Flush()
}

func lastError(at time.Time, msg string, when time.Time) string {
	if msg == "" {
		return "-"
	}
	return Ago(at, when) + ": " + msg
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// Ago says how long before at t was: "never" for the zero time.
func Ago(at, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := at.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm ago", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
}
