package pluginapi

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"time"
)

// ExerciseTemplateData is what an exporter's name and description
// templates (text/template) see of an exercise. Exporters that name
// activities share it, so a user's template works the same for each.
type ExerciseTemplateData struct {
	Key        string // record key, e.g. "exercise.475.aQlC83"
	UserID     string // Polar user id
	ExerciseID string // Polar exercise id

	Sport              string // Polar sport, e.g. "RUNNING"
	DetailedSport      string // Polar detailed sport, e.g. "TRAIL_RUNNING"
	DetailedSportTitle string // its Polar Flow name, e.g. "Trail running"
	FITSport           string // e.g. "RUNNING"
	FITSubSport        string // e.g. "TRAIL" ("" = generic)
	SportType          string // the destination's activity type chosen, e.g. "TrailRun"

	Start           time.Time // in the device's local time
	DurationSeconds float64
	Duration        string // e.g. "1:02:03" or "45:10"
	DistanceMeters  float64
	Distance        string // e.g. "10.42 km" ("" without distance)
	Calories        int32  // kcal
	HeartRateAvg    int32  // bpm
	HeartRateMax    int32  // bpm
	TrainingLoad    float64
	RunningIndex    int32
	Device          string // e.g. "Polar Vantage V3"
}

// NewExerciseTemplateData returns the template data of an exercise record
// that becomes an activity of type t.
func NewExerciseTemplateData(rec *Record, t ActivityType) ExerciseTemplateData {
	ex := rec.GetExercise()
	d := ExerciseTemplateData{
		Key: rec.GetKey(), UserID: rec.GetUserId(), ExerciseID: ex.GetId(),
		Sport: ex.GetSport(), DetailedSport: ex.GetDetailedSport(),
		FITSport: ex.GetFitSport(), FITSubSport: ex.GetFitSubSport(), SportType: t.Type,
		DurationSeconds: ex.GetDurationSeconds(), DistanceMeters: ex.GetDistanceMeters(),
		Calories: ex.GetCalories(), HeartRateAvg: ex.GetHeartRateAvg(), HeartRateMax: ex.GetHeartRateMax(),
		TrainingLoad: ex.GetTrainingLoad(), RunningIndex: ex.GetRunningIndex(), Device: ex.GetDevice(),
	}
	d.DetailedSportTitle = sportTitle(ex.GetDetailedSport(), ex.GetSport())
	if st := ex.GetStart(); st.GetUtc() != nil {
		d.Start = st.Local()
	}
	d.Duration = formatDuration(time.Duration(d.DurationSeconds * float64(time.Second)))
	if d.DistanceMeters > 0 {
		d.Distance = fmt.Sprintf("%.2f km", d.DistanceMeters/1000)
	}
	return d
}

// sportTitle is the Polar Flow name of a sport, e.g. "Trail running".
func sportTitle(detailed, sport string) string {
	for _, name := range []string{detailed, sport} {
		if s, ok := SportByDetailed(name); ok {
			return s.FlowName
		}
	}
	s := detailed
	if s == "" {
		s = sport
	}
	if s == "" {
		return "Workout"
	}
	s = strings.ToLower(strings.ReplaceAll(s, "_", " "))
	return strings.ToUpper(s[:1]) + s[1:]
}

func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// SampleExerciseTemplateData is a trail run, for checking templates.
func SampleExerciseTemplateData() ExerciseTemplateData {
	return ExerciseTemplateData{
		Key: "exercise.475.aQlC83", UserID: "475", ExerciseID: "aQlC83", Sport: "RUNNING",
		DetailedSport: "TRAIL_RUNNING", DetailedSportTitle: "Trail running", FITSport: "RUNNING",
		FITSubSport: "TRAIL", SportType: "TrailRun", Start: time.Date(2026, 5, 4, 7, 30, 0, 0, time.FixedZone("", 7200)),
		DurationSeconds: 3723, Duration: "1:02:03", DistanceMeters: 10420, Distance: "10.42 km",
		Calories: 812, HeartRateAvg: 148, HeartRateMax: 176, TrainingLoad: 118.5, RunningIndex: 52,
		Device: "Polar Vantage V3",
	}
}

// ExerciseTemplate is a parsed name or description template.
type ExerciseTemplate struct {
	key string
	t   *template.Template
}

// ParseExerciseTemplate parses the template of config key and runs it on
// SampleExerciseTemplateData, so that a field name typo stops the start
// rather than every export. Errors wrap ErrInvalidConfig.
func ParseExerciseTemplate(key, text string) (*ExerciseTemplate, error) {
	t, err := template.New(key).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: key %q: %v", ErrInvalidConfig, key, err)
	}
	if err := t.Execute(&bytes.Buffer{}, SampleExerciseTemplateData()); err != nil {
		return nil, fmt.Errorf("%w: key %q: %v", ErrInvalidConfig, key, err)
	}
	return &ExerciseTemplate{key: key, t: t}, nil
}

// Render runs the template on d, trimming surrounding space.
func (t *ExerciseTemplate) Render(d ExerciseTemplateData) (string, error) {
	var b strings.Builder
	if err := t.t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("%s template: %w", t.key, err)
	}
	return strings.TrimSpace(b.String()), nil
}
