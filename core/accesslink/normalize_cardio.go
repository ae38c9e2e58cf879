package accesslink

import (
	"fmt"
	"slices"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// cardioLoadStatuses are the documented statuses; see CardioLoadRecord.
var cardioLoadStatuses = []string{CardioLoadNotAvailable, CardioLoadDetraining, CardioLoadMaintaining,
	CardioLoadProductive, CardioLoadOverreaching, CardioLoadUnrecognized}

// NormalizeCardioLoad decodes one day of a cardio load list and builds
// its record; see CardioLoadRecord.
func NormalizeCardioLoad(userID string, dayJSON []byte, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	c, err := DecodeCardioLoad(dayJSON)
	if err != nil {
		return nil, nil, err
	}
	return CardioLoadRecord(userID, c, loc, now)
}

// CardioLoadRecord builds the record for a day of cardio load: kind
// CARDIO_LOAD, key "cardio_load.<user>.<date>".
//
// AccessLink gives no zone for cardio load: loc is the user's (their
// stored zone, accounts.User.Location), and DayStart is the first
// instant of the date there, with that zone's UTC offset then: local
// midnight, or the end of a jump over it (see dayStart). nil loc: UTC.
// A status Polar does not document becomes UNRECOGNIZED, its own
// catch-all, so exporters see a closed set (InfluxDB tags it).
//
// Values outside their plausible range are dropped and returned as
// warnings; a date outside plausible.Earliest to plausible.MaxAhead after
// now is an error wrapping plausible.ErrImpossible.
func CardioLoadRecord(userID string, c *CardioLoad, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	if loc == nil {
		loc = time.UTC
	}
	if userID == "" || c.Date == "" {
		return nil, nil, fmt.Errorf("cardio load record needs user id and date (got %q, %q): %w", userID, c.Date, ErrInvalidPayload)
	}
	if err := plausible.CheckDate("date", c.Date, now); err != nil {
		return nil, nil, fmt.Errorf("cardio load: %w: %w", err, ErrInvalidTime)
	}
	day, err := time.Parse(time.DateOnly, c.Date)
	if err != nil {
		return nil, nil, fmt.Errorf("cardio load date %q: %v: %w", c.Date, err, ErrInvalidTime)
	}
	status := c.Status
	if !slices.Contains(cardioLoadStatuses, status) {
		status = CardioLoadUnrecognized
	}
	key := pluginapi.CardioLoadKey(userID, c.Date)
	ch := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD, key)
	out := &pluginapi.CardioLoad{
		Date:          c.Date,
		DayStart:      recordTime(dayStart(day, loc)),
		Status:        status,
		CardioLoad:    ch.Float("cardio_load", c.CardioLoad, plausible.DailyLoad),
		Strain:        ch.Float("strain", c.Strain, plausible.DailyLoad),
		Tolerance:     ch.Float("tolerance", c.Tolerance, plausible.DailyLoad),
		Ratio:         ch.Float("ratio", c.Ratio, plausible.CardioLoadRatio),
		LevelVeryLow:  ch.Float("level_very_low", c.Level.VeryLow, plausible.DailyLoad),
		LevelLow:      ch.Float("level_low", c.Level.Low, plausible.DailyLoad),
		LevelMedium:   ch.Float("level_medium", c.Level.Medium, plausible.DailyLoad),
		LevelHigh:     ch.Float("level_high", c.Level.High, plausible.DailyLoad),
		LevelVeryHigh: ch.Float("level_very_high", c.Level.VeryHigh, plausible.DailyLoad),
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_CARDIO_LOAD,
		Key:    key,
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_CardioLoad{CardioLoad: out},
	}, ch.Warnings(), nil
}
