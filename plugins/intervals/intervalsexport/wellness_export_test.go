package intervalsexport_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/polarbridge/polarbridge/internal/testrecords"
	"github.com/polarbridge/polarbridge/pluginapi"
)

const (
	putDay  = "PUT /api/v1/athlete/{id}/wellness/{date}"
	putBulk = "PUT /api/v1/athlete/{id}/wellness-bulk"
)

func TestWellnessOfANight(t *testing.T) {
	e := newEnv(t, nil)
	sleep := testrecords.Sleep("475", "2026-05-04")
	sleep.Version = "v1"
	nr := testrecords.NightlyRecharge("475", "2026-05-04")
	nr.Version = "v1"
	e.exportOK(sleep, nr)
	assert.Equal(t, map[string]any{
		"sleepSecs": float64(26100), "sleepScore": float64(82), "sleepQuality": float64(2), "avgSleepingHR": 55.1,
		"hrv": float64(44), "respiration": 13.6, "restingHR": float64(56),
	}, e.sim.Wellness("2026-05-04"))
	assert.Equal(t, 1, e.sim.Requests()[putDay], "one PUT for the day")

	// Redelivery sends nothing.
	e.exportOK(sleep, nr)
	assert.Equal(t, 1, e.sim.Requests()[putDay])

	// The athlete's own entry of another field is left alone.
	e.sim.AddCustomWellnessField("mood")

	// Polar re-computes the night: new values, and no score any more.
	sleep2 := testrecords.Sleep("475", "2026-05-04")
	sleep2.Version = "v2"
	sleep2.GetSleep().SleepScore = 0
	sleep2.GetSleep().DeepSleepSeconds = 6000
	e.exportOK(sleep2)
	got := e.sim.Wellness("2026-05-04")
	assert.Equal(t, float64(26700), got["sleepSecs"])
	assert.NotContains(t, got, "sleepScore", "a field the new version lost is unset")
	assert.Equal(t, float64(44), got["hrv"], "Nightly Recharge's fields stay")
	assert.Equal(t, 2, e.sim.Requests()[putDay])
}

func TestWellnessBackfillIsOneBulkPut(t *testing.T) {
	e := newEnv(t, nil)
	var recs []*pluginapi.Record
	for d := range 7 {
		date := time.Date(2026, 4, 1+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		s, n := testrecords.Sleep("475", date), testrecords.NightlyRecharge("475", date)
		s.Version, n.Version = "v1", "v1"
		recs = append(recs, s, n)
	}
	e.exportOK(recs...)
	req := e.sim.Requests()
	assert.Equal(t, 1, req[putBulk])
	assert.Zero(t, req[putDay])
	for d := range 7 {
		date := time.Date(2026, 4, 1+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		assert.Equal(t, float64(44), e.sim.Wellness(date)["hrv"], date)
		assert.Equal(t, float64(82), e.sim.Wellness(date)["sleepScore"], date)
	}

	// A bulk PUT refused as a whole is retried day by day.
	e.sim.FailNext(1, 422)
	var more []*pluginapi.Record
	for d := range 3 {
		s := testrecords.Sleep("475", time.Date(2026, 4, 10+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
		s.Version = "v1"
		more = append(more, s)
	}
	e.exportOK(more...)
	assert.Equal(t, 2, e.sim.Requests()[putBulk])
	assert.Equal(t, 3, e.sim.Requests()[putDay])
}

func TestWellnessLatestEntryOfADayWins(t *testing.T) {
	e := newEnv(t, nil)
	weigh := func(hour int, kg float64) *pluginapi.Record {
		at := time.Date(2026, 5, 4, hour, 0, 0, 0, time.UTC)
		return &pluginapi.Record{
			Kind: pluginapi.RecordKind_RECORD_KIND_PHYSICAL_INFORMATION, Key: fmt.Sprintf("physical_information.475.%d", hour),
			UserId: "475", Version: "v1",
			Body: &pluginapi.Record_PhysicalInformation{PhysicalInformation: &pluginapi.PhysicalInformation{
				Id: int64(hour), Created: &pluginapi.Time{Utc: timestamppb.New(at), UtcOffsetMinutes: 180}, WeightKg: kg,
			}},
		}
	}
	// The evening entry arrives first; the morning one must not win.
	e.exportOK(weigh(17, 70.8))
	e.exportOK(weigh(6, 71.6))
	assert.Equal(t, 70.8, e.sim.Wellness("2026-05-04")["weight"])
	// In one batch, out of order: the same.
	e.exportOK(weigh(20, 70.5), weigh(8, 71.9))
	assert.Equal(t, 70.5, e.sim.Wellness("2026-05-04")["weight"])
}

func TestWellnessErrors(t *testing.T) {
	e := newEnv(t, nil)
	s := testrecords.Sleep("475", "2026-05-04")
	s.Version = "v1"
	e.sim.SetAPIKey("another")
	r := e.export(s)[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "check the API key")

	e = newEnv(t, nil)
	e.sim.FailNext(1, 503)
	r = e.export(s)[0]
	assert.Equal(t, retry, r.GetStatus(), statusOf(r))
	e.exportOK(s)
	assert.Equal(t, float64(82), e.sim.Wellness("2026-05-04")["sleepScore"])

	bad := &pluginapi.Record{Kind: pluginapi.RecordKind_RECORD_KIND_SLEEP, Key: "sleep.475.x", Version: "v1",
		Body: &pluginapi.Record_Sleep{Sleep: &pluginapi.Sleep{Date: "2026-02-30"}}}
	r = e.export(bad, s)[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "2026-02-30")

	r = e.export(testrecords.CardioLoad("475", "2026-05-04"))[0]
	assert.Equal(t, permanent, r.GetStatus())
	assert.Contains(t, r.GetMessage(), "not exported to intervals.icu")
}

func TestCallsPerExerciseAndNight(t *testing.T) {
	const n = 10
	e := newEnv(t, nil)
	for i := range n {
		e.exportOK(exercise(t, fmt.Sprint("ex", i), "v1", "RUNNING", "RUNNING", ""))
		date := time.Date(2026, 4, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		s, nr := testrecords.Sleep("475", date), testrecords.NightlyRecharge("475", date)
		s.Version, nr.Version = "v1", "v1"
		e.exportOK(s, nr)
	}
	req := e.sim.Requests()
	assert.Equal(t, n, req[upload], "1 upload per exercise")
	assert.Equal(t, n, req[putAct], "1 update per exercise")
	assert.Equal(t, n, req[putDay], "1 wellness PUT per night")
	total := 0
	for _, c := range req {
		total += c
	}
	assert.Equal(t, 3*n, total, "nothing else: %v", req)
}
