package status

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/syncstate"
)

func TestWriteText(t *testing.T) {
	at := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)
	ok := at.Add(-90 * time.Second)
	failing := at.Add(-3 * time.Hour)
	r := Report{
		Version: "v1.2.0", PID: 42, StartedAt: at.Add(-50 * time.Hour), At: at, Ready: true, NATS: "embedded (/var/lib/polarbridge)",
		Accounts: []Account{
			{Account: syncstate.Account{Source: "accesslink", ID: "475", LastEvent: at.Add(-5 * time.Minute), LastPoll: at.Add(-2 * time.Hour)}, Token: "active"},
			{Account: syncstate.Account{Source: "accesslink", ID: "476", LastError: "401 unauthorized", LastErrorAt: at.Add(-time.Minute)}, Token: "unauthorized", TokenReason: "revoked"},
		},
		Webhook:   &Webhook{URL: "https://bridge.example.org/polar/webhook", Events: []string{"EXERCISE", "SLEEP"}, Listen: "127.0.0.1:8080", Silent: true},
		Exporters: []Exporter{{Name: "csv", Plugin: "csv 0.1.0", LastSuccess: &ok}, {Name: "strava", Plugin: "strava 0.3.0", Lag: 7, DeadLetters: 2, Failing: true, ConsecutiveFailures: 4, FailingSince: &failing, LastError: "503"}},
		Quota:     []Quota{{API: "accesslink", Window: "15m", Used: 12, Limit: 500}, {API: "accesslink", Window: "24h"}},
	}
	var out bytes.Buffer
	require.NoError(t, WriteText(&out, r))
	s := out.String()
	for _, want := range []string{
		"polarbridge v1.2.0 (pid 42), started 2d ago: ready",
		"475      accesslink  active                  5m ago      2h00m ago  never",
		"unauthorized (revoked)",
		"1m ago: 401 unauthorized",
		"last push never",
		"WARNING: polls find new data but no push arrives",
		"csv       csv 0.1.0     0    0             1m ago        ok",
		"strava    strava 0.3.0  7    2             never         failing (4 in a row): 503",
		"Polar accesslink quota, 15m window: 12 used of 500, 488 left",
		"Polar accesslink quota, 24h window: not known until Polar answers a request",
	} {
		assert.Contains(t, s, want)
	}
}

func TestAgo(t *testing.T) {
	at := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "never"},
		{at.Add(time.Second), "just now"},
		{at.Add(-59 * time.Second), "59s ago"},
		{at.Add(-61 * time.Minute), "1h01m ago"},
		{at.Add(-47 * time.Hour), "47h00m ago"},
		{at.Add(-72 * time.Hour), "3d ago"},
	} {
		assert.Equal(t, tc.want, Ago(at, tc.t), "%v", tc.t)
	}
}
