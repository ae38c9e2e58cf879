package accesslinksync

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/accesslink"
	"github.com/polarbridge/polarbridge/core/accounts"
	"github.com/polarbridge/polarbridge/core/sports"
)

// The docs' example exercise starts 2008-10-13 10:40 at UTC+03:00: right
// for Helsinki (summer time), wrong for Berlin (+02:00).
func TestZoneMismatchWarnsOncePerUser(t *testing.T) {
	raw, err := os.ReadFile("../accesslink/testdata/exercise_transaction.json")
	require.NoError(t, err)
	table, err := sports.NewTable(nil)
	require.NoError(t, err)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	rec, _, err := accesslink.NormalizeExercise("475", accesslink.ExerciseInput{Exercise: raw}, table, now)
	require.NoError(t, err)
	start := rec.GetExercise().GetStart()
	require.EqualValues(t, 180, start.GetUtcOffsetMinutes())

	var buf bytes.Buffer
	mismatches := 0
	s := &Source{log: slog.New(slog.NewTextHandler(&buf, nil)), Now: func() time.Time { return now }, OnZoneMismatch: func() { mismatches++ }}

	s.checkZone(accounts.User{ID: "475", Zone: "Europe/Helsinki"}, rec.GetKey(), start)
	assert.Zero(t, mismatches, "Helsinki was at +03:00 then")
	assert.Empty(t, buf.String())

	berlin := accounts.User{ID: "475", Zone: "Europe/Berlin"}
	s.checkZone(berlin, rec.GetKey(), start)
	assert.Equal(t, 1, mismatches)
	out := buf.String()
	for _, want := range []string{"level=WARN", "user=475", "zone=Europe/Berlin", "polar_offset=+03:00", "zone_offset=+02:00", "polarbridge users set-zone 475"} {
		assert.Contains(t, out, want)
	}

	// Counted every time, logged once a day per user.
	s.checkZone(berlin, rec.GetKey(), start)
	assert.Equal(t, 2, mismatches)
	assert.Equal(t, 1, strings.Count(buf.String(), "level=WARN"))
	s.checkZone(accounts.User{ID: "12", Zone: "Europe/Berlin"}, rec.GetKey(), start)
	assert.Equal(t, 2, strings.Count(buf.String(), "level=WARN"), "another user warns on its own")
	now = now.Add(zoneWarnEvery)
	s.checkZone(berlin, rec.GetKey(), start)
	assert.Equal(t, 3, strings.Count(buf.String(), "level=WARN"), "a day later it warns again")
	assert.Equal(t, 4, mismatches)
}

func TestFormatOffset(t *testing.T) {
	assert.Equal(t, "+05:30", formatOffset(330))
	assert.Equal(t, "-10:00", formatOffset(-600))
	assert.Equal(t, "+00:00", formatOffset(0))
}
