package pluginapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestExerciseTemplate(t *testing.T) {
	_, err := ParseExerciseTemplate("name", "{{.NoSuchField}}")
	assert.ErrorIs(t, err, ErrInvalidConfig)
	assert.ErrorContains(t, err, `key "name"`)
	_, err = ParseExerciseTemplate("name", "{{.Sport")
	assert.ErrorIs(t, err, ErrInvalidConfig)

	tpl, err := ParseExerciseTemplate("name", "  {{.DetailedSportTitle}} {{.Start.Format \"15:04\"}} · {{.Duration}} · {{.Distance}} · {{.SportType}} ")
	require.NoError(t, err)
	start := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) // 03:30 in Helsinki, just after the DST change
	rec := &Record{Key: "exercise.1.a", UserId: "1", Body: &Record_Exercise{Exercise: &Exercise{
		Id: "a", DetailedSport: "TRAIL_RUNNING", DurationSeconds: 45*60 + 10.4, DistanceMeters: 8012,
		Start: &Time{Utc: timestamppb.New(start), UtcOffsetMinutes: 180},
	}}}
	got, err := tpl.Render(NewExerciseTemplateData(rec, ActivityType{Type: "TrailRun"}))
	require.NoError(t, err)
	assert.Equal(t, "Trail running 03:30 · 45:10 · 8.01 km · TrailRun", got)
	assert.Equal(t, "Some new sport", sportTitle("SOME_NEW_SPORT", ""))
	assert.Equal(t, "1:02:03", formatDuration(3723*time.Second))
}
