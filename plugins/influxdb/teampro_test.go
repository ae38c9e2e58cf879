package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/testinflux"
	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

const players = 20

var teamStart = time.Date(2026, 5, 5, 16, 0, 0, 0, time.UTC)

// teamDuration keeps the test's session short (240,000 sample points);
// BenchmarkWriteTeamProSession writes a whole 90-minute one.
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

func series(p *pluginapi.PlayerSession, t pluginapi.SampleType) *pluginapi.Series {
	for _, s := range p.GetSamples() {
		if s.GetType() == t {
			return s
		}
	}
	return nil
}

// perSession counts a field's points per player session.
func perSession(t *testing.T, srv *testinflux.Server, measurement, field string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, s := range srv.MustQuery("polar", fmt.Sprintf(`SELECT count(%q) FROM %q GROUP BY "session"`, field, measurement)) {
		out[s.Tags["session"]] = int(s.Values[0][1].(float64))
	}
	return out
}

// TestInfluxTeamProSession writes a 20-player, 90-minute session through
// the plugin binary to a real InfluxDB, then a redelivery and a new
// version with a changed note, summary values and a changed tag.
func TestInfluxTeamProSession(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 290,000 points three times")
	}
	srv, h := setup(t, nil)
	recs := teamBatch("v1", teamDuration)
	exportOK(t, h, recs...)

	check := func(recs []*pluginapi.Record) {
		t.Helper()
		ts := recs[0].GetTeamSession()
		sess := rows(t, srv, `SELECT * FROM team_session`)
		require.Len(t, sess, 1)
		for k, v := range map[string]any{
			"time": ms(teamStart), "team": "FC T1", "team_id": "T1", "sport": "SOCCER", "type": "TRAINING",
			"session_id": "S1", "name": "Tuesday training", "note": ts.GetNote(), "version": recs[0].GetVersion(),
			"participants": 20.0, "markers": 6.0, "duration_seconds": teamDuration.Seconds(), "utc_offset_minutes": 120.0,
		} {
			assert.Equal(t, v, sess[0][k], k)
		}
		markers := rows(t, srv, `SELECT * FROM team_session_marker`)
		require.Len(t, markers, 6)
		assert.Equal(t, ms(teamStart.Add(teamDuration*15/100)), markers[1]["time"])
		assert.Equal(t, "Pressing drills", markers[1]["name"])
		assert.Equal(t, (teamDuration * 30 / 100).Seconds(), markers[1]["duration_seconds"])

		sum := rows(t, srv, `SELECT * FROM player_session GROUP BY "player"`)
		require.Len(t, sum, players)
		byPlayer := map[string]map[string]any{}
		for _, row := range sum {
			byPlayer[row["player"].(string)] = row
		}
		for _, r := range recs[1:] {
			p := r.GetPlayerSession()
			row := byPlayer[p.GetPlayerName()]
			require.NotNil(t, row, p.GetPlayerName())
			for k, v := range map[string]any{
				"time": ms(teamStart), "team": "FC T1", "team_session": "S1", "session_id": p.GetId(),
				"player_number": fmt.Sprint(p.GetPlayerNumber()), "role": p.GetRole(), "type": "TEAM", "sport": "SOCCER",
				"distance_meters": p.GetDistanceMeters(), "sprint_count": float64(p.GetSprintCount()),
				"training_load": p.GetTrainingLoad(), "cardio_load": p.GetCardioLoad(), "muscle_load": p.GetMuscleLoad(),
				"heart_rate_avg": float64(p.GetHeartRateAvg()), "version": r.GetVersion(),
			} {
				assert.Equal(t, v, row[k], "%s %s", p.GetPlayerName(), k)
			}
		}
		assert.Equal(t, players*21, srv.Count("polar", "player_session_zone", "session_id"))
		hrZones := rows(t, srv, `SELECT "seconds" FROM player_session_zone WHERE "kind" = 'heart_rate' AND "player" = 'Eero Korhonen' GROUP BY "zone"`)
		require.Len(t, hrZones, 5)
		assert.Equal(t, recs[4].GetPlayerSession().GetHeartRateZones()[2].GetSeconds(), hrZones[2]["seconds"])

		// Every sample of every player, at its absolute 10 Hz time.
		samples := perSession(t, srv, "player_session_sample", "heart_rate")
		rr := perSession(t, srv, "player_session_rr", "rr")
		require.Len(t, samples, players)
		for _, r := range recs[1:] {
			p := r.GetPlayerSession()
			assert.Equal(t, int(teamDuration/(100*time.Millisecond)), samples[p.GetId()], p.GetId())
			assert.Equal(t, len(series(p, pluginapi.SampleType_SAMPLE_TYPE_RR_INTERVAL).GetValues()), rr[p.GetId()], p.GetId())
		}
		p := recs[8].GetPlayerSession()
		from := teamStart.Add(teamDuration/2 + 30*time.Second)
		got := rows(t, srv, fmt.Sprintf(`SELECT heart_rate, speed, distance, cadence, lat, lon, altitude, forward_acceleration, power
			FROM player_session_sample WHERE "session" = '%s' AND time >= %dms AND time < %dms`,
			p.GetId(), from.UnixMilli(), from.Add(time.Second).UnixMilli()))
		require.Len(t, got, 10)
		k0 := int(from.Sub(teamStart) / (100 * time.Millisecond))
		for j, row := range got {
			require.Equal(t, ms(from.Add(time.Duration(j)*100*time.Millisecond)), row["time"], "sample %d", j)
			for field, st := range map[string]pluginapi.SampleType{
				"heart_rate": pluginapi.SampleType_SAMPLE_TYPE_HEART_RATE, "speed": pluginapi.SampleType_SAMPLE_TYPE_SPEED,
				"distance": pluginapi.SampleType_SAMPLE_TYPE_DISTANCE, "cadence": pluginapi.SampleType_SAMPLE_TYPE_CADENCE,
				"lat": pluginapi.SampleType_SAMPLE_TYPE_LATITUDE, "lon": pluginapi.SampleType_SAMPLE_TYPE_LONGITUDE,
				"altitude": pluginapi.SampleType_SAMPLE_TYPE_ALTITUDE, "power": pluginapi.SampleType_SAMPLE_TYPE_POWER,
				"forward_acceleration": pluginapi.SampleType_SAMPLE_TYPE_FORWARD_ACCELERATION,
			} {
				require.Equal(t, series(p, st).GetValues()[k0+j], row[field], "sample %d %s", j, field)
			}
		}
		last := rows(t, srv, fmt.Sprintf(`SELECT last(heart_rate) FROM player_session_sample WHERE "session" = '%s'`, p.GetId()))
		assert.Equal(t, ms(teamStart.Add(teamDuration-100*time.Millisecond)), last[0]["time"])
	}
	check(recs)

	// A redelivery doubles nothing.
	exportOK(t, h, recs...)
	check(recs)

	// A new version: another note, a corrected summary, a player moved to
	// another role (a tag: the old point must go).
	v2 := teamBatch("v2", teamDuration)
	v2[0].GetTeamSession().Note = "Pressing drills cut short: rain"
	p := v2[4].GetPlayerSession()
	p.DistanceMeters += 250
	p.SprintCount = 31
	p.Role = "Forward"
	exportOK(t, h, v2...)
	check(v2)
	assert.Equal(t, players, srv.Count("polar", "player_session", "session_id"), "one summary per player")
	moved := rows(t, srv, `SELECT sprint_count, role FROM player_session WHERE "player" = 'Eero Korhonen'`)
	require.Len(t, moved, 1)
	assert.Equal(t, 31.0, moved[0]["sprint_count"])
	assert.Equal(t, "Forward", moved[0]["role"])
}

// BenchmarkWriteTeamProSession writes a 20-player, 90-minute session
// (21 records, 1.08 M sample points plus RR) through the plugin binary
// to a real InfluxDB, as a new version each time.
func BenchmarkWriteTeamProSession(b *testing.B) {
	srv := testinflux.Start(b)
	srv.CreateDatabase("polar")
	h, err := pluginapi.NewBinaryHarness(pluginBin)
	require.NoError(b, err)
	defer h.Close()
	ctx := context.Background()
	require.NoError(b, h.Configure(ctx, map[string]any{"url": srv.URL, "database": "polar"}))
	recs := teamBatch("v0", 90*time.Minute)
	i := 0
	for b.Loop() {
		i++
		for _, r := range recs {
			r.Version = fmt.Sprint(i)
		}
		res, err := h.Export(ctx, recs...)
		require.NoError(b, err)
		for _, r := range res {
			require.Equal(b, pluginapi.ExportResult_STATUS_OK, r.GetStatus(), r.GetMessage())
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/session")
	b.ReportMetric(float64(b.N*players*54000)/b.Elapsed().Seconds(), "sample_points/s")
}
