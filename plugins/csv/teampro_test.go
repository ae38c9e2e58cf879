package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

const players = 20

var teamStart = time.Date(2026, 5, 5, 16, 0, 0, 0, time.UTC)

// teamDuration keeps the test's session short (240,000 samples); the
// benchmark writes a whole 90-minute one.
const teamDuration = 20 * time.Minute

// teamBatch is a session of 20 players at 10 Hz, all at version.
func teamBatch(version string, duration time.Duration) []*pluginapi.Record {
	ts, ps := testrecords.TeamProSession("T1", "S1", teamStart, duration, players)
	recs := append([]*pluginapi.Record{ts}, ps...)
	for _, r := range recs {
		r.Version = version
	}
	return recs
}

func exportAll(t testing.TB, h *pluginapi.Harness, recs ...*pluginapi.Record) {
	t.Helper()
	res, err := h.Export(context.Background(), recs...)
	require.NoError(t, err)
	for i, r := range res {
		require.Equal(t, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), "%s: %s", recs[i].GetKey(), r.GetMessage())
	}
}

// readFile returns a CSV file's column indexes and data rows.
func readFile(t testing.TB, path string) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := csv.NewReader(f)
	rows, err := r.ReadAll()
	require.NoError(t, err)
	cols := map[string]int{}
	for i, c := range rows[0] {
		cols[c] = i
	}
	return cols, rows[1:]
}

// table reads a CSV file as rows of column → value.
func table(t testing.TB, path string) []map[string]string {
	t.Helper()
	cols, rows := readFile(t, path)
	var out []map[string]string
	for _, r := range rows {
		m := map[string]string{}
		for c, i := range cols {
			m[c] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// TestBinaryTeamProSession exports a 20-player, 90-minute session at
// 10 Hz through the plugin binary, then a redelivery and a new version.
func TestBinaryTeamProSession(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary; 240,000 samples")
	}
	h, err := pluginapi.NewBinaryHarness(buildPlugin(t))
	require.NoError(t, err)
	t.Cleanup(h.Close)
	dir := t.TempDir()
	require.NoError(t, h.Configure(context.Background(), map[string]any{"dir": dir, "samples": true}))

	recs := teamBatch("v1", teamDuration)
	exportAll(t, h, recs...)

	check := func(version string, recs []*pluginapi.Record) {
		t.Helper()
		ts := recs[0].GetTeamSession()
		sessions := table(t, filepath.Join(dir, "team_sessions.csv"))
		require.Len(t, sessions, 1)
		assert.Equal(t, version, sessions[0]["version"])
		assert.Equal(t, ts.GetNote(), sessions[0]["note"])
		assert.Equal(t, "2026-05-05T16:00:00Z", sessions[0]["start_utc"])
		assert.Equal(t, "2026-05-05T18:00:00+02:00", sessions[0]["start_local"])
		assert.Equal(t, num(teamDuration.Seconds()), sessions[0]["duration_s"])
		assert.Equal(t, "20", sessions[0]["participants"])
		assert.Equal(t, "6", sessions[0]["markers"])

		markers := table(t, filepath.Join(dir, "team_session_markers.csv"))
		require.Len(t, markers, 6)
		assert.Equal(t, "Pressing drills", markers[1]["name"])
		assert.Equal(t, teamStart.Add(teamDuration*15/100).Format(time.RFC3339), markers[1]["start_utc"])
		assert.Equal(t, num((teamDuration * 30 / 100).Seconds()), markers[1]["duration_s"])
		assert.Len(t, table(t, filepath.Join(dir, "team_session_participants.csv")), players)

		ps := table(t, filepath.Join(dir, "player_sessions.csv"))
		require.Len(t, ps, players)
		zones := table(t, filepath.Join(dir, "player_session_zones.csv"))
		require.Len(t, zones, players*21)
		for i, row := range ps {
			p := recs[1+i].GetPlayerSession()
			require.Equal(t, recs[1+i].GetKey(), row["key"])
			assert.Equal(t, version, row["version"])
			assert.Equal(t, "team_session.T1.S1", row["team_session_key"])
			assert.Equal(t, p.GetPlayerName(), row["player_name"])
			assert.Equal(t, num(p.GetDistanceMeters()), row["distance_m"])
			assert.Equal(t, strconv.Itoa(int(p.GetSprintCount())), row["sprint_count"])
			assert.Equal(t, num(p.GetMuscleLoad()), row["muscle_load"])

			stem := filepath.Join(dir, "samples", recs[1+i].GetKey())
			cols, samples := readFile(t, stem+".samples.csv")
			n := int(teamDuration / (100 * time.Millisecond))
			require.Len(t, samples, n, "player %d", i)
			for _, k := range []int{0, 1, 7, 1234, n - 1} {
				at := teamStart.Add(time.Duration(k) * 100 * time.Millisecond)
				row := samples[k]
				require.Equal(t, at.Format(time.RFC3339Nano), row[cols["time_utc"]], "player %d sample %d", i, k)
				require.Equal(t, at.In(time.FixedZone("", 7200)).Format(time.RFC3339Nano), row[cols["time_local"]])
				require.Equal(t, num(float64(k)/10), row[cols["elapsed_s"]])
				for col, st := range map[string]pluginapi.SampleType{
					"heart_rate_bpm": pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, "speed_m_s": pluginapi.SampleType_SAMPLE_TYPE_SPEED,
					"distance_m": pluginapi.SampleType_SAMPLE_TYPE_DISTANCE, "latitude_deg": pluginapi.SampleType_SAMPLE_TYPE_LATITUDE,
					"forward_acceleration_m_s2": pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION, "power_w": pluginapi.SampleType_SAMPLE_TYPE_POWER,
				} {
					s := p.GetSamples()[slices.IndexFunc(p.GetSamples(), func(s *pluginapi.Series) bool { return s.GetType() == st })]
					require.Equal(t, num(s.GetValues()[k]), row[cols[col]], "player %d sample %d %s", i, k, col)
				}
			}
			cols, rr := readFile(t, stem+".rr.csv")
			require.Len(t, rr, len(p.GetSamples()[9].GetValues()))
			assert.Equal(t, num(p.GetSamples()[9].GetValues()[100]), rr[100][cols["rr_ms"]])
		}
	}
	check("v1", recs)

	// A redelivery changes nothing and rewrites no shared file.
	stat := func(name string) os.FileInfo {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		return fi
	}
	before := stat("player_sessions.csv")
	exportAll(t, h, recs...)
	assert.True(t, os.SameFile(before, stat("player_sessions.csv")), "player_sessions.csv rewritten for a redelivery")
	check("v1", recs)

	// A new version: another note, one player's summary corrected.
	v2 := teamBatch("v2", teamDuration)
	v2[0].GetTeamSession().Note = "Pressing drills cut short: rain"
	v2[4].GetPlayerSession().DistanceMeters += 250
	v2[4].GetPlayerSession().SprintCount = 31
	exportAll(t, h, v2...)
	check("v2", v2)
	assert.Equal(t, "31", table(t, filepath.Join(dir, "player_sessions.csv"))[3]["sprint_count"])

	entries, err := os.ReadDir(filepath.Join(dir, "samples"))
	require.NoError(t, err)
	assert.Len(t, entries, 2*players, "a samples and an RR file per player, nothing else")
}

// BenchmarkTeamProSession exports a 20-player, 90-minute session (21
// records, 9 series of 54,000 samples per player, samples on) through
// the plugin binary, as a new version each time.
func BenchmarkTeamProSession(b *testing.B) {
	h, err := pluginapi.NewBinaryHarness(buildPlugin(b))
	require.NoError(b, err)
	defer h.Close()
	require.NoError(b, h.Configure(context.Background(), map[string]any{"dir": b.TempDir(), "samples": true}))
	recs := teamBatch("v0", 90*time.Minute)
	i := 0
	for b.Loop() {
		i++
		for _, r := range recs {
			r.Version = fmt.Sprint(i)
		}
		exportAll(b, h, recs...)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/session")
	b.ReportMetric(float64(b.N*players*54000)/b.Elapsed().Seconds(), "sample_rows/s")
}
