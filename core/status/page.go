package status

import (
	"context"
	"crypto/subtle"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/polarbridge/polarbridge/core/dlq"
)

//go:embed templates/*.html
var templates embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"ago":   Ago,
	"deref": deref,
	"local": func(t time.Time) string { return t.Local().Format(time.DateTime) },
}).ParseFS(templates, "templates/*.html"))

// Pages serves the status page (/) and the dead-letter list (/dlq) with a
// replay button per dead letter. Server-rendered, no JavaScript: the
// browser refreshes the status page itself.
type Pages struct {
	// Report is the daemon's status now.
	Report func(ctx context.Context) Report
	// DeadLetters lists the dead letters; Replay re-queues some.
	DeadLetters func(ctx context.Context) ([]dlq.Entry, error)
	Replay      func(ctx context.Context, exporter string, ids []uint64) (int, error)
	// Token guards replays against cross-site requests: a form carries
	// it, a page on another site cannot read it. One per daemon start.
	Token string
	// Refresh is how often the status page reloads (0: 15s).
	Refresh time.Duration
	Log     *slog.Logger
}

// Handler routes the pages.
func (p *Pages) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.status)
	mux.HandleFunc("GET /dlq", p.deadLetters)
	mux.HandleFunc("POST /dlq/replay", p.replay)
	return mux
}

func (p *Pages) refresh() int {
	if p.Refresh <= 0 {
		return 15
	}
	return int(p.Refresh.Seconds())
}

func (p *Pages) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The pages embed the replay token: never inside another site's frame.
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	if err := pageTemplates.ExecuteTemplate(w, name, data); err != nil {
		p.Log.Error("status page", "page", name, "err", err)
	}
}

// head is what the pages' common head shows.
type head struct {
	Title   string
	Refresh int // seconds; 0: no refresh
}

func (p *Pages) status(w http.ResponseWriter, r *http.Request) {
	p.render(w, "status.html", struct {
		Head head
		R    Report
	}{head{"Status", p.refresh()}, p.Report(r.Context())})
}

func (p *Pages) deadLetters(w http.ResponseWriter, r *http.Request) {
	entries, err := p.DeadLetters(r.Context())
	msg := ""
	if err != nil {
		msg = "could not list the dead letters: " + err.Error()
	} else if n := r.URL.Query().Get("replayed"); n != "" {
		msg = n + " re-queued for their exporter."
	}
	p.render(w, "dlq.html", struct {
		Head    head
		Entries []dlq.Entry
		Token   string
		Message string
	}{head{Title: "Dead letters"}, entries, p.Token, msg})
}

// replay re-queues one dead letter, or all of an exporter's (id "all").
// Only a form from these pages can: it must carry the token, and a
// browser that says where the request comes from must say this site.
func (p *Pages) replay(w http.ResponseWriter, r *http.Request) {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("token")), []byte(p.Token)) != 1 {
		http.Error(w, "missing or wrong form token: reload the dead-letter page and try again", http.StatusForbidden)
		return
	}
	exporter := r.PostFormValue("exporter")
	var ids []uint64
	if id := r.PostFormValue("id"); id != "all" {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			http.Error(w, fmt.Sprintf("bad dead-letter id %q", id), http.StatusBadRequest)
			return
		}
		ids = []uint64{n}
	}
	n, err := p.Replay(r.Context(), exporter, ids)
	if err != nil {
		http.Error(w, "replay: "+err.Error(), http.StatusInternalServerError)
		return
	}
	p.Log.Info("dead letters re-queued from the status page", "exporter", exporter, "count", n)
	http.Redirect(w, r, "/dlq?replayed="+strconv.Itoa(n), http.StatusSeeOther)
}
