package stravaexport

import (
	"fmt"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// TemplateData is what the name and description templates see.
type TemplateData struct {
	Key        string // record key, e.g. "exercise.475.aQlC83"
	UserID     string // Polar user id
	ExerciseID string // Polar exercise id

	Sport              string // Polar sport, e.g. "RUNNING"
	DetailedSport      string // Polar detailed sport, e.g. "TRAIL_RUNNING"
	DetailedSportTitle string // its Polar Flow name, e.g. "Trail running"
	FITSport           string // e.g. "RUNNING"
	FITSubSport        string // e.g. "TRAIL" ("" = generic)
	SportType          string // the Strava sport type chosen, e.g. "TrailRun"

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

func newTemplateData(rec *pluginapi.Record, target pluginapi.ActivityType) TemplateData {
	ex := rec.GetExercise()
	d := TemplateData{
		Key: rec.GetKey(), UserID: rec.GetUserId(), ExerciseID: ex.GetId(),
		Sport: ex.GetSport(), DetailedSport: ex.GetDetailedSport(),
		FITSport: ex.GetFitSport(), FITSubSport: ex.GetFitSubSport(), SportType: target.Type,
		DurationSeconds: ex.GetDurationSeconds(), DistanceMeters: ex.GetDistanceMeters(),
		Calories: ex.GetCalories(), HeartRateAvg: ex.GetHeartRateAvg(), HeartRateMax: ex.GetHeartRateMax(),
		TrainingLoad: ex.GetTrainingLoad(), RunningIndex: ex.GetRunningIndex(), Device: ex.GetDevice(),
	}
	d.DetailedSportTitle = sportTitle(ex.GetDetailedSport(), ex.GetSport())
	if t := ex.GetStart(); t.GetUtc() != nil {
		d.Start = t.GetUtc().AsTime().In(time.FixedZone("", int(t.GetUtcOffsetMinutes())*60))
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
		if s, ok := pluginapi.SportByDetailed(name); ok {
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

func sampleTemplateData() TemplateData {
	return TemplateData{
		Key: "exercise.475.aQlC83", UserID: "475", ExerciseID: "aQlC83", Sport: "RUNNING",
		DetailedSport: "TRAIL_RUNNING", DetailedSportTitle: "Trail running", FITSport: "RUNNING",
		FITSubSport: "TRAIL", SportType: "TrailRun", Start: time.Date(2026, 5, 4, 7, 30, 0, 0, time.FixedZone("", 7200)),
		DurationSeconds: 3723, Duration: "1:02:03", DistanceMeters: 10420, Distance: "10.42 km",
		Calories: 812, HeartRateAvg: 148, HeartRateMax: 176, TrainingLoad: 118.5, RunningIndex: 52,
		Device: "Polar Vantage V3",
	}
}

// render runs the name and description templates.
func (e *Exporter) render(d TemplateData) (name, desc string, err error) {
	var b strings.Builder
	if err := e.s.name.Execute(&b, d); err != nil {
		return "", "", permanentError{fmt.Sprintf("name template: %v", err)}
	}
	name = strings.TrimSpace(b.String())
	b.Reset()
	if err := e.s.desc.Execute(&b, d); err != nil {
		return "", "", permanentError{fmt.Sprintf("description template: %v", err)}
	}
	return name, strings.TrimSpace(b.String()), nil
}
