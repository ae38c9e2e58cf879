package straightline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/internal/straightline"
)

// instant is the simulator's clock: the exercises, and so the files,
// do not depend on when the test runs.
var instant = time.Date(2026, 12, 1, 21, 45, 0, 0, time.UTC)

// TestStraightLineDecodersWriteTheSameFiles runs both decoders on the
// same exercises from the simulator, every sport once, for users in
// every simulated zone (a half-hour offset, both hemispheres' DST), and
// compares every file they wrote, byte for byte.
func TestStraightLineDecodersWriteTheSameFiles(t *testing.T) {
	zones := len(accesslinksim.Zones())
	sim, srv := startSim(t, zones)

	type job struct {
		user  string
		token string
		ids   []string
	}
	var jobs []job
	sports := accesslinksim.SportNames()
	for i, u := range sim.Users() {
		j := job{user: strconv.FormatInt(u.ID, 10), token: authorize(t, srv.URL, sim, u.ID)}
		for k := i; k < len(sports); k += zones {
			// 7 to 40 minutes, the longest exercises an hour and a half.
			d := time.Duration(7+(k*13)%34)*time.Minute + time.Duration(k)*time.Second
			if k%5 == 0 {
				d = 90 * time.Minute
			}
			ex, err := sim.AddExercise(u.ID, accesslinksim.ExerciseSpec{DetailedSport: sports[k], Duration: d}, accesslinksim.Drop())
			if err != nil {
				t.Fatal(err)
			}
			j.ids = append(j.ids, ex.ID)
		}
		jobs = append(jobs, j)
	}

	root := t.TempDir()
	dirs := map[straightline.Decoder]string{}
	for _, dec := range []straightline.Decoder{straightline.Tormoder, straightline.Muktihari} {
		dirs[dec] = filepath.Join(root, dec.String())
		for _, j := range jobs {
			e, err := straightline.New(srv.URL, j.token, j.user, filepath.Join(dirs[dec], j.user), &http.Client{})
			if err != nil {
				t.Fatal(err)
			}
			e.Decoder = dec
			for _, id := range j.ids {
				if err := e.Export(context.Background(), id); err != nil {
					t.Fatalf("%v: %v", dec, err)
				}
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}

	want := readTree(t, dirs[straightline.Tormoder])
	got := readTree(t, dirs[straightline.Muktihari])
	if !slices.Equal(sortedKeys(got), sortedKeys(want)) {
		t.Fatalf("muktihari wrote %v, tormoder %v", sortedKeys(got), sortedKeys(want))
	}
	for name, w := range want {
		if g := got[name]; !bytes.Equal(g, w) {
			t.Errorf("%s differs: %s", name, firstDifference(g, w))
		}
	}

	// The comparison covers what the exercises have: every exercise's
	// samples file, RR files, and records with each kind of value.
	samples, rr := 0, 0
	for name := range want {
		switch {
		case strings.HasSuffix(name, ".samples.csv"):
			samples++
		case strings.HasSuffix(name, ".rr.csv"):
			rr++
		}
	}
	if samples != len(sports) || rr == 0 {
		t.Errorf("%d samples files and %d RR files for %d exercises", samples, rr, len(sports))
	}
	var rows strings.Builder
	for name, b := range want {
		if filepath.Base(name) == "exercises.csv" {
			rows.Write(b)
		}
	}
	for _, typ := range []string{"heart_rate", "speed", "cadence", "altitude", "power", "distance", "latitude", "longitude", "rr_interval"} {
		if !strings.Contains(rows.String(), typ) {
			t.Errorf("no exercise has %s samples", typ)
		}
	}
	if n := strings.Count(rows.String(), "\n") - len(jobs); n != len(sports) {
		t.Errorf("exercises.csv files hold %d rows, want %d", n, len(sports))
	}
}

func TestStraightLineUnknownDecoder(t *testing.T) {
	sim, srv := startSim(t, 1)
	u := sim.Users()[0].ID
	ex, err := sim.AddExercise(u, accesslinksim.ExerciseSpec{DetailedSport: "RUNNING", Duration: 10 * time.Minute}, accesslinksim.Drop())
	if err != nil {
		t.Fatal(err)
	}
	e, err := straightline.New(srv.URL, authorize(t, srv.URL, sim, u), strconv.FormatInt(u, 10), t.TempDir(), &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Decoder = straightline.Muktihari + 1
	if err := e.Export(context.Background(), ex.ID); err == nil || !strings.Contains(err.Error(), "unknown FIT decoder") {
		t.Fatalf("Export with decoder %v: %v, want an unknown decoder error", e.Decoder, err)
	}
}

// authorize gets the user an access token through the simulator's OAuth
// flow and registers them, as the bridge's onboarding does.
func authorize(t *testing.T, api string, sim *accesslinksim.Simulator, user int64) string {
	t.Helper()
	if err := sim.ApproveNext(user); err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(api + "/oauth2/authorization?" + url.Values{"response_type": {"code"}, "client_id": {sim.ClientID()}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, api+"/oauth2/token",
		strings.NewReader(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(sim.ClientID(), sim.ClientSecret())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	do(t, req, &tok)
	if tok.AccessToken == "" {
		t.Fatal("no access token")
	}
	req, err = http.NewRequest(http.MethodPost, api+"/v3/users", strings.NewReader(`{"member-id":"m`+strconv.FormatInt(user, 10)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	do(t, req, nil)
	return tok.AccessToken
}

func do(t *testing.T, req *http.Request, v any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	}
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree returns every file under dir by its path relative to dir.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "line " + strconv.Itoa(i+1) + ": got " + strconv.Quote(g[i]) + ", want " + strconv.Quote(w[i])
		}
	}
	return "got " + strconv.Itoa(len(g)) + " lines, want " + strconv.Itoa(len(w))
}

// startSim serves a simulator with users users at the pinned instant,
// every exercise with a FIT file.
func startSim(t *testing.T, users int) (*accesslinksim.Simulator, *httptest.Server) {
	t.Helper()
	sim, err := accesslinksim.New(accesslinksim.WithUsers(users), accesslinksim.WithHistoryDays(0),
		accesslinksim.WithNoFITProbability(0), accesslinksim.WithRedirectURIs("http://localhost/cb"),
		accesslinksim.WithClock(func() time.Time { return instant }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}
