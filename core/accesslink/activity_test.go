package accesslink

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/internal/sim/accesslinksim"
	"github.com/polarbridge/polarbridge/pluginapi"
)

var docsNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// The docs' examples: the summary, and samples whose date differs and
// whose zone sample time is the literal "string" (an error, said so).
func TestDailyActivityDocsExample(t *testing.T) {
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	require.NoError(t, err)
	rec, warns, err := DailyActivityRecord("1", ActivityInput{
		Summary: readTestdata(t, "activity_summary.json"),
		Steps:   readTestdata(t, "activity_step_samples.json"),
	}, helsinki, docsNow)
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, "daily_activity.1.2010-12-31", rec.GetKey())
	assert.Equal(t, pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, rec.GetKind())
	a := rec.GetDailyActivity()
	assert.Equal(t, "2010-12-31", a.GetDate())
	assert.Equal(t, int64(1234), a.GetId())
	assert.Equal(t, int32(2329), a.GetCalories())
	assert.Equal(t, int32(428), a.GetActiveCalories())
	assert.Equal(t, 2*3600.0+44*60, a.GetDurationSeconds())
	assert.Equal(t, int32(250), a.GetActiveSteps())
	assert.Equal(t, time.Date(2016, 4, 27, 20, 11, 33, 0, time.UTC), a.GetCreated().GetUtc().AsTime())
	assert.Equal(t, int32(180), a.GetCreated().GetUtcOffsetMinutes(), "Helsinki summer time")
	assert.Equal(t, time.Date(2010, 12, 30, 22, 0, 0, 0, time.UTC), a.GetDayStart().GetUtc().AsTime(), "local midnight")
	require.Len(t, a.GetStepSamples(), 1)
	// Samples are placed on the summary's date, in the user's zone.
	assert.Equal(t, time.Date(2010, 12, 31, 10, 37, 33, 0, time.UTC), a.GetStepSamples()[0].GetTime().GetUtc().AsTime())

	_, _, err = DailyActivityRecord("1", ActivityInput{
		Summary: readTestdata(t, "activity_summary.json"),
		Zones:   readTestdata(t, "activity_zone_samples.json"),
	}, helsinki, docsNow)
	assert.ErrorIs(t, err, ErrInvalidTime, `the docs' zone sample time "string"`)
}

func TestDailyActivityZonesAndDST(t *testing.T) {
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	require.NoError(t, err)
	sum := []byte(`{"id":7,"date":"2025-10-26","created":"2025-10-27T08:00:00.000","calories":2100,"active-calories":500,"duration":"PT3H","active-steps":9000}`)
	// 25 hourly samples: 03:00 comes twice when clocks go back at 04:00 EEST.
	steps := `{"date":"2025-10-26","interval":60,"samples":[`
	zones := `{"date":"2025-10-26","interval":60,"samples":[`
	hours := []string{"00", "01", "02", "03", "03"}
	for h := 4; h < 24; h++ {
		hours = append(hours, time.Date(0, 1, 1, h, 0, 0, 0, time.UTC).Format("15"))
	}
	for i, h := range hours {
		if i > 0 {
			steps += ","
			zones += ","
		}
		if i == 5 {
			steps += `{"steps":null,"time":"` + h + `:00:00.000"}`
		} else {
			steps += `{"steps":100,"time":"` + h + `:00:00.000"}`
		}
		zones += `{"activity-zones":[{"index":0,"inzone":"PT30M"},{"index":3,"inzone":"PT30M"}],"time":"` + h + `:00:00.000"}`
	}
	steps += "]}"
	zones += "]}"
	rec, _, err := DailyActivityRecord("1", ActivityInput{Summary: sum, Steps: []byte(steps), Zones: []byte(zones)}, helsinki, docsNow)
	require.NoError(t, err)
	a := rec.GetDailyActivity()
	require.Len(t, a.GetStepSamples(), 24, "the null segment is left out")
	require.Len(t, a.GetZoneSamples(), 25)
	first := a.GetZoneSamples()[0].GetTime().GetUtc().AsTime()
	assert.Equal(t, time.Date(2025, 10, 25, 21, 0, 0, 0, time.UTC), first, "midnight EEST")
	for i := 1; i < 25; i++ {
		got := a.GetZoneSamples()[i].GetTime().GetUtc().AsTime()
		assert.Equal(t, first.Add(time.Duration(i)*time.Hour), got, "sample %d an hour after the one before", i)
	}
	assert.Equal(t, int32(180), a.GetZoneSamples()[3].GetTime().GetUtcOffsetMinutes())
	assert.Equal(t, int32(120), a.GetZoneSamples()[4].GetTime().GetUtcOffsetMinutes(), "the repeated 03:00 is EET")
	require.Len(t, a.GetZoneTotals(), 2)
	assert.Equal(t, "SLEEP", a.GetZoneTotals()[0].GetName())
	assert.Equal(t, 25*1800.0, a.GetZoneTotals()[0].GetInZoneSeconds())
	assert.Equal(t, "MODERATE", a.GetZoneTotals()[1].GetName())
	assert.Equal(t, time.Date(2025, 10, 27, 8, 0, 0, 0, time.UTC), a.GetCreated().GetUtc().AsTime(), "a zone-less created is UTC")
}

func TestDailyActivityImplausible(t *testing.T) {
	sum := []byte(`{"id":7,"date":"2026-03-01","created":"2026-03-02T08:00:00Z","calories":2100,"active-steps":900000}`)
	rec, warns, err := DailyActivityRecord("1", ActivityInput{Summary: sum}, time.UTC, docsNow)
	require.NoError(t, err)
	assert.Zero(t, rec.GetDailyActivity().GetActiveSteps())
	require.Len(t, warns, 1)
	assert.Equal(t, "active_steps", warns[0].Field)

	_, _, err = DailyActivityRecord("1", ActivityInput{Summary: []byte(`{"date":"2036-03-01","created":"2026-03-02T08:00:00Z"}`)}, time.UTC, docsNow)
	assert.ErrorIs(t, err, plausible.ErrImpossible)
	_, _, err = DailyActivityRecord("1", ActivityInput{Summary: []byte(`{"date":`)}, time.UTC, docsNow)
	assert.ErrorIs(t, err, ErrInvalidPayload)
}

func TestPhysicalInformationDocsExample(t *testing.T) {
	rec, warns, err := PhysicalInformationRecord("1", readTestdata(t, "physical_information.json"), time.UTC, docsNow)
	require.NoError(t, err)
	assert.Equal(t, "physical_information.1.123", rec.GetKey())
	p := rec.GetPhysicalInformation()
	assert.Equal(t, 80.0, p.GetWeightKg())
	assert.Equal(t, 180.0, p.GetHeightCm())
	assert.Equal(t, int32(160), p.GetMaximumHeartRate())
	assert.Equal(t, int32(60), p.GetRestingHeartRate())
	assert.Equal(t, int32(123), p.GetAerobicThreshold())
	assert.Equal(t, int32(123), p.GetAnaerobicThreshold())
	assert.Equal(t, int32(12), p.GetVo2Max())
	assert.Equal(t, "SOURCE_MEASURED", p.GetWeightSource())
	assert.Equal(t, time.Date(2016, 4, 27, 20, 11, 33, 0, time.UTC), p.GetCreated().GetUtc().AsTime())
	assert.Empty(t, warns)

	rec, warns, err = PhysicalInformationRecord("1", []byte(`{"id":5,"created":"2026-03-01T10:00:00.000Z","weight":8000,"maximum-heart-rate":400}`), time.UTC, docsNow)
	require.NoError(t, err)
	assert.Zero(t, rec.GetPhysicalInformation().GetWeightKg())
	assert.Zero(t, rec.GetPhysicalInformation().GetMaximumHeartRate())
	assert.Len(t, warns, 2)
}

// The client against the simulator: create, list, fetch, commit; 204
// when nothing is new; a disbanded transaction is ErrNotFound.
func TestTransactionsClient(t *testing.T) {
	e := newSimEnv(t, nil)
	c := e.client(t)
	ctx := t.Context()
	token, userID := e.loginRegistered(t, c)
	uid := simUserID(t, userID)

	_, found, err := c.CreateTransaction(ctx, token, userID, ActivityTransactions)
	require.NoError(t, err)
	assert.False(t, found, "204: nothing new")

	sm, err := e.sim.SyncActivity(uid, accesslinksim.ActivitySpec{Date: "2026-03-09"})
	require.NoError(t, err)
	txID, found, err := c.CreateTransaction(ctx, token, userID, ActivityTransactions)
	require.NoError(t, err)
	require.True(t, found)
	ids, err := c.ListTransaction(ctx, token, userID, ActivityTransactions, txID)
	require.NoError(t, err)
	assert.Equal(t, []int64{sm.ID}, ids)
	raw, found, err := c.GetTransactionItem(ctx, token, userID, ActivityTransactions, txID, sm.ID, "")
	require.NoError(t, err)
	require.True(t, found)
	a, err := DecodeActivitySummary(raw)
	require.NoError(t, err)
	assert.Equal(t, sm.ActiveSteps, a.ActiveSteps)
	_, found, err = c.GetTransactionItem(ctx, token, userID, ActivityTransactions, txID, sm.ID, "step-samples")
	require.NoError(t, err)
	assert.True(t, found)
	require.NoError(t, c.CommitTransaction(ctx, token, userID, ActivityTransactions, txID))
	_, err = c.ListTransaction(ctx, token, userID, ActivityTransactions, txID)
	assert.ErrorIs(t, err, ErrNotFound, "a committed transaction is gone")

	id, err := e.sim.AddPhysicalInformation(uid, accesslinksim.PhysicalSpec{})
	require.NoError(t, err)
	txID, found, err = c.CreateTransaction(ctx, token, userID, PhysicalInformationTransactions)
	require.NoError(t, err)
	require.True(t, found)
	ids, err = c.ListTransaction(ctx, token, userID, PhysicalInformationTransactions, txID)
	require.NoError(t, err)
	assert.Equal(t, []int64{id}, ids)
	raw, _, err = c.GetTransactionItem(ctx, token, userID, PhysicalInformationTransactions, txID, id, "")
	require.NoError(t, err)
	rec, _, err := PhysicalInformationRecord(userID, raw, time.UTC, simNow)
	require.NoError(t, err)
	assert.NotZero(t, rec.GetPhysicalInformation().GetWeightKg())
	assert.NotZero(t, rec.GetPhysicalInformation().GetAerobicThreshold())
}
