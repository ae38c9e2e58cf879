package faults

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/core/delivery"
	"github.com/polarbridge/polarbridge/core/dlq"
	"github.com/polarbridge/polarbridge/core/ingest"
	"github.com/polarbridge/polarbridge/core/records"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// expected are the record keys of everything the simulator holds (and
// the case announced): what every destination must end up with, once.
func (e *env) expected() map[string]bool {
	out := map[string]bool{}
	for _, u := range e.sim.Users() {
		id := fmt.Sprint(u.ID)
		for _, ex := range e.sim.Exercises(u.ID) {
			out[pluginapi.ExerciseKey(id, ex.ID)] = true
		}
		for _, n := range e.sim.Nights(u.ID) {
			out[pluginapi.SleepKey(id, n.Date)] = true
			if n.HasRecharge {
				out[pluginapi.NightlyRechargeKey(id, n.Date)] = true
			}
		}
	}
	for k := range e.excluded {
		delete(out, k)
	}
	return out
}

// destinations are the case's exporters by name.
func (e *env) destinations() []string {
	if e.influx != nil {
		return []string{"csv", "influxdb"}
	}
	return []string{"csv"}
}

// stored counts what a destination holds per record key: CSV rows in the
// three main files, InfluxDB points of the three summary measurements.
func (e *env) stored(dest string) (map[string]int, error) {
	if dest == "influxdb" {
		return e.influxKeys()
	}
	out := map[string]int{}
	for _, f := range []string{"exercises.csv", "sleep.csv", "nightly_recharge.csv"} {
		rows, err := readCSV(filepath.Join(e.csvDir, f))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r["key"]]++
		}
	}
	return out, nil
}

// csvRows reads one of the CSV exporter's files.
func (e *env) csvRows(file string) []map[string]string {
	e.t.Helper()
	rows, err := readCSV(filepath.Join(e.csvDir, file))
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		out = append(out, row)
	}
	return out, nil
}

func (e *env) influxKeys() (map[string]int, error) {
	out := map[string]int{}
	for _, q := range []struct{ measurement, id, prefix string }{
		{"exercise", "exercise_id", "exercise"},
		{"sleep", "date", "sleep"},
		{"nightly_recharge", "date", "nightly_recharge"},
	} {
		series, err := e.influx.Query(e.influxDB, fmt.Sprintf(`SELECT "user", %q, "version" FROM %q`, q.id, q.measurement))
		if err != nil {
			return nil, err
		}
		for _, s := range series {
			col := map[string]int{}
			for i, c := range s.Columns {
				col[c] = i
			}
			for _, v := range s.Values {
				out[fmt.Sprintf("%s.%v.%v", q.prefix, v[col["user"]], v[col[q.id]])]++
			}
		}
	}
	return out, nil
}

// connect reaches the daemon's store: its embedded server through the
// control file it writes in data_dir (as the CLI does), or nats.url. It
// never opens the store itself, which would lock the daemon out.
func (e *env) connect() (*bus.Bus, func(), error) {
	url, opts := e.d.natsURL, []nats.Option{nats.Timeout(2 * time.Second), nats.Name("faults")}
	if url == "" {
		raw, err := os.ReadFile(filepath.Join(e.d.dataDir, "polarbridge.control.json"))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errNotRunning, err)
		}
		var c struct{ URL, Token string }
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, nil, fmt.Errorf("control file: %w", err)
		}
		url = c.URL
		opts = append(opts, nats.Token(c.Token))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to the daemon's NATS: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return &bus.Bus{Conn: nc, JS: js}, nc.Close, nil
}

// idle reports whether the daemon has handled every event and delivered
// every record to every exporter.
func (e *env) idle() bool {
	b, done, err := e.connect()
	if err != nil {
		return false
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !b.Idle(ctx, bus.EventsStream, ingest.Name) {
		return false
	}
	for _, d := range e.destinations() {
		if !b.Idle(ctx, bus.RecordsStream, delivery.ConsumerName(d)) {
			return false
		}
	}
	return true
}

// backlog describes what is not settled yet, for a failure message.
func (e *env) backlog() string {
	b, done, err := e.connect()
	if err != nil {
		return err.Error()
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var parts []string
	for _, c := range []struct{ stream, consumer string }{{bus.EventsStream, ingest.Name}} {
		parts = append(parts, consumerState(ctx, b, c.stream, c.consumer))
	}
	for _, d := range e.destinations() {
		parts = append(parts, consumerState(ctx, b, bus.RecordsStream, delivery.ConsumerName(d)))
	}
	return strings.Join(parts, "; ")
}

func consumerState(ctx context.Context, b *bus.Bus, stream, name string) string {
	c, err := b.JS.Consumer(ctx, stream, name)
	if err != nil {
		return name + ": " + err.Error()
	}
	info, err := c.Info(ctx)
	if err != nil {
		return name + ": " + err.Error()
	}
	return fmt.Sprintf("%s: %d pending, %d unacknowledged, %d redelivered", name, info.NumPending, info.NumAckPending, info.NumRedelivered)
}

// settle retries the refused pushes, then waits until the daemon is idle.
// It reports how long that took; a timeout is an error of the case (the
// tally then shows what is missing).
func (e *env) settle(timeout time.Duration) time.Duration {
	e.t.Helper()
	start := time.Now()
	if err := e.push.flush(timeout); err != nil {
		e.t.Errorf("settle: %v", err)
	}
	// Say once what is still waiting after 30 s: a long settle is a
	// finding of its own.
	noted := false
	if !waitFor(timeout-time.Since(start), func() bool {
		if !noted && time.Since(start) > 30*time.Second {
			noted = true
			e.result.note("still busy 30 s into settling: %s", e.backlog())
		}
		return e.idle()
	}) {
		e.t.Errorf("settle: not idle after %s: %s", timeout, e.backlog())
	}
	return time.Since(start).Round(100 * time.Millisecond)
}

// deadLetter is one entry of the dead-letter queue.
type deadLetter struct {
	id       uint64
	exporter string // "ingest" for an event, else the exporter
	keys     []string
	reason   string
}

// deadLetters lists the queue. An event's keys are those of the records
// it announces (a SLEEP announces the night and its recharge).
func (e *env) deadLetters() ([]deadLetter, error) {
	b, done, err := e.connect()
	if err != nil {
		return nil, err
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := b.JS.Stream(ctx, bus.DLQStream)
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	var out []deadLetter
	if info.State.Msgs == 0 {
		return nil, nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dead letter %d: %w", seq, err)
		}
		dl := deadLetter{id: seq, exporter: m.Header.Get(dlq.HeaderExporter), reason: m.Header.Get(dlq.HeaderError)}
		if k := m.Header.Get(records.HeaderKey); k != "" {
			dl.keys = []string{k}
		} else {
			var ev struct {
				Event    string `json:"event"`
				UserID   int64  `json:"user_id"`
				EntityID string `json:"entity_id"`
				Date     string `json:"date"`
			}
			if json.Unmarshal(m.Data, &ev) == nil {
				u := fmt.Sprint(ev.UserID)
				if ev.Event == "EXERCISE" {
					dl.keys = []string{pluginapi.ExerciseKey(u, ev.EntityID)}
				} else {
					dl.keys = []string{pluginapi.SleepKey(u, ev.Date), pluginapi.NightlyRechargeKey(u, ev.Date)}
				}
			}
		}
		out = append(out, dl)
	}
	return out, nil
}

// row is one line of the results table: one destination in one case.
type row struct {
	dest                                                    string
	expected, exported, duplicated, deadLettered, lost, odd int
}

// caseResult is what a case reports.
type caseResult struct {
	name   string
	mu     sync.Mutex
	rows   []row
	notes  []string
	took   time.Duration
	status string
}

func (c *caseResult) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

var results struct {
	mu    sync.Mutex
	cases []*caseResult
}

// record registers the running case in the results table.
func record(t *testing.T) *caseResult {
	c := &caseResult{name: strings.TrimPrefix(t.Name(), "TestFaults/")}
	start := time.Now()
	results.mu.Lock()
	results.cases = append(results.cases, c)
	results.mu.Unlock()
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.took = time.Since(start).Round(100 * time.Millisecond)
		switch {
		case t.Failed():
			c.status = "FAIL"
		case t.Skipped():
			c.status = "skip"
		default:
			c.status = "ok"
		}
	})
	return c
}

// check counts, per destination, what arrived against what the
// simulator holds, and fails the case on anything lost, doubled or
// unknown. deadLettered are the keys dead-lettered during the case
// (replayed since, or still in the queue).
func (e *env) check(deadLettered map[string]map[string]bool) {
	e.t.Helper()
	want := e.expected()
	for _, dest := range e.destinations() {
		got, err := e.stored(dest)
		if err != nil {
			e.t.Errorf("%s: %v", dest, err)
			continue
		}
		r := row{dest: dest, expected: len(want)}
		var lost, doubled, odd []string
		for k := range want {
			switch n := got[k]; {
			case n == 0:
				lost = append(lost, k)
			case n > 1:
				doubled = append(doubled, fmt.Sprintf("%s (%d times)", k, n))
				fallthrough
			default:
				r.exported++
			}
		}
		for k := range got {
			if !want[k] {
				odd = append(odd, k)
			}
		}
		for k := range deadLettered[dest] {
			if want[k] {
				r.deadLettered++
			}
		}
		r.lost, r.duplicated, r.odd = len(lost), len(doubled), len(odd)
		sort.Strings(lost)
		sort.Strings(doubled)
		sort.Strings(odd)
		assert.Empty(e.t, lost, "%s: records lost", dest)
		assert.Empty(e.t, doubled, "%s: records duplicated", dest)
		assert.Empty(e.t, odd, "%s: records that the simulator does not hold", dest)
		e.result.mu.Lock()
		e.result.rows = append(e.result.rows, r)
		e.result.mu.Unlock()
		e.t.Logf("%s: %s expected %d, exported %d, duplicated %d, dead-lettered %d, lost %d",
			e.result.name, dest, r.expected, r.exported, r.duplicated, r.deadLettered, r.lost)
	}
	e.result.note("%s", e.push.summary())
}

// deadLettersByDest groups dead letters by the destinations they keep a
// record from: an event dead-lettered at ingest keeps it from all.
func (e *env) deadLettersByDest(dls []deadLetter) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, d := range e.destinations() {
		out[d] = map[string]bool{}
	}
	for _, dl := range dls {
		for _, d := range e.destinations() {
			if dl.exporter == ingest.Name || dl.exporter == d {
				for _, k := range dl.keys {
					out[d][k] = true
				}
			}
		}
	}
	return out
}

// table renders the results of every case.
func table() string {
	results.mu.Lock()
	defer results.mu.Unlock()
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tdestination\texpected\texported\tduplicated\tdead-lettered\tlost\tresult\ttook\t")
	for _, c := range results.cases {
		c.mu.Lock()
		if len(c.rows) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t%s\t%s\t\n", c.name, c.status, c.took)
		}
		for i, r := range c.rows {
			took := ""
			if i == 0 {
				took = c.took.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", c.name, r.dest, r.expected, r.exported, r.duplicated, r.deadLettered, r.lost, c.status, took)
		}
		c.mu.Unlock()
	}
	tw.Flush()
	b.WriteString("\nnotes:\n")
	for _, c := range results.cases {
		c.mu.Lock()
		for _, n := range c.notes {
			fmt.Fprintf(&b, "  %s: %s\n", c.name, n)
		}
		c.mu.Unlock()
	}
	return b.String()
}
