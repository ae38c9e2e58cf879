package accesslink

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/polarbridge/polarbridge/core/plausible"
	"github.com/polarbridge/polarbridge/core/polarhttp"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// TransactionKind names one of AccessLink's transactional resources
// ("Transaction model"): a transaction is created (POST), listed, its
// entities fetched, then committed (PUT), after which Polar deletes them.
type TransactionKind struct {
	path    string // users/{id}/<path>
	listKey string // key of the transaction's links
	item    string // path segment of an entity
}

// The transactional kinds this client reads entity by entity.
var (
	ActivityTransactions            = TransactionKind{path: "activity-transactions", listKey: "activity-log", item: "activities"}
	PhysicalInformationTransactions = TransactionKind{path: "physical-information-transactions", listKey: "physical-informations", item: "physical-informations"}
)

// TransactionMaxItems is the most entities a transaction holds ("Each
// transaction will consist of at most 50 entities"): a full one means
// more may be waiting.
const TransactionMaxItems = 50

func (k TransactionKind) base(userID string) (string, error) {
	id, err := segment("user id", userID)
	if err != nil {
		return "", err
	}
	return "/v3/users/" + id + "/" + k.path, nil
}

// CreateTransaction starts a transaction (POST /v3/users/{id}/<kind>);
// found is false when Polar has nothing new (204). A POST is not retried:
// a second transaction would hide the first's data for 10 minutes.
func (c *Client) CreateTransaction(ctx context.Context, token, userID string, k TransactionKind) (txID int64, found bool, err error) {
	p, err := k.base(userID)
	if err != nil {
		return 0, false, err
	}
	resp, err := c.do(ctx, call{method: http.MethodPost, path: p, token: token, noRetry: true})
	if err != nil {
		return 0, false, err
	}
	if resp.status == http.StatusNoContent || len(resp.body) == 0 {
		return 0, false, nil
	}
	var loc TransactionLocation
	if err := decodeJSON("transaction-location", resp.body, &loc); err != nil {
		return 0, false, err
	}
	if loc.TransactionID <= 0 {
		return 0, false, fmt.Errorf("accesslink: POST %s: transaction without id: %w", p, ErrInvalidPayload)
	}
	return loc.TransactionID, true, nil
}

// ListTransaction returns the ids of the transaction's entities, parsed
// from the links Polar lists. A disbanded transaction (not committed
// within 10 minutes) is an error wrapping ErrNotFound.
func (c *Client) ListTransaction(ctx context.Context, token, userID string, k TransactionKind, txID int64) ([]int64, error) {
	p, err := k.base(userID)
	if err != nil {
		return nil, err
	}
	links, err := c.list(ctx, token, p+"/"+strconv.FormatInt(txID, 10), k.listKey)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(links))
	for _, raw := range links {
		var link string
		if err := decodeJSON(k.listKey, raw, &link); err != nil {
			return nil, err
		}
		i := strings.LastIndex(link, "/"+k.item+"/")
		id, perr := strconv.ParseInt(strings.TrimSuffix(link[i+len(k.item)+2:], "/"), 10, 64)
		if i < 0 || perr != nil || id < 0 {
			return nil, fmt.Errorf("accesslink: transaction %d lists %q, not a link to %s: %w", txID, link, k.item, ErrInvalidPayload)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// GetTransactionItem returns an entity of the transaction, or with sub
// (e.g. "step-samples") a resource below it; found is false on 204.
func (c *Client) GetTransactionItem(ctx context.Context, token, userID string, k TransactionKind, txID, id int64, sub string) (raw []byte, found bool, err error) {
	p, err := k.base(userID)
	if err != nil {
		return nil, false, err
	}
	p += "/" + strconv.FormatInt(txID, 10) + "/" + k.item + "/" + strconv.FormatInt(id, 10)
	if sub != "" {
		p += "/" + sub
	}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: p, token: token})
	if err != nil {
		return nil, false, err
	}
	if resp.status == http.StatusNoContent || len(resp.body) == 0 {
		return nil, false, nil
	}
	return resp.body, true, nil
}

// CommitTransaction commits the transaction (PUT): Polar then deletes
// its data, so call it only once every record made from it is durably
// published.
func (c *Client) CommitTransaction(ctx context.Context, token, userID string, k TransactionKind, txID int64) error {
	p, err := k.base(userID)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{method: http.MethodPut, path: p + "/" + strconv.FormatInt(txID, 10), token: token})
	return err
}

// ActivitySummary is the documented "activity" model.
type ActivitySummary struct {
	ID             int64  `json:"id"`
	PolarUser      string `json:"polar-user"`
	TransactionID  int64  `json:"transaction-id"`
	Date           string `json:"date"`
	Created        string `json:"created"`
	Calories       int    `json:"calories"`
	ActiveCalories int    `json:"active-calories"`
	Duration       string `json:"duration"`
	ActiveSteps    int    `json:"active-steps"`
}

// ActivityStepSamples is the documented "activity-step-samples" model.
type ActivityStepSamples struct {
	Date     string `json:"date"`
	Interval int    `json:"interval"` // minutes
	Samples  []struct {
		Steps *int   `json:"steps"` // null: not available for the segment
		Time  string `json:"time"`
	} `json:"samples"`
}

// ActivityZoneSamples is the documented "activity-zone-samples" model.
type ActivityZoneSamples struct {
	Date     string `json:"date"`
	Interval int    `json:"interval"`
	Samples  []struct {
		Zones []struct {
			Index  int    `json:"index"`
			InZone string `json:"inzone"`
		} `json:"activity-zones"`
		Time string `json:"time"`
	} `json:"samples"`
}

// DecodeActivitySummary decodes one activity summary.
func DecodeActivitySummary(data []byte) (*ActivitySummary, error) {
	var a ActivitySummary
	if err := decodeJSON("activity summary", data, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// ParseCreated parses an AccessLink "created" time. The docs give it as
// YYYY-MM-DDTHH:mm:ss.SSS, with or without a Z: a zone-less one is
// AccessLink's own clock, UTC.
func ParseCreated(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(localLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("created %q: %v: %w", s, err, ErrInvalidTime)
	}
	return t, nil
}

// ActivityInput is what one day's record is made of: the summary and,
// when Polar has them, its step and zone samples.
type ActivityInput struct {
	Summary, Steps, Zones []byte
}

// activityZoneNames are "Activity zone types" by index.
var activityZoneNames = []string{"SLEEP", "SEDENTARY", "LIGHT", "MODERATE", "VIGOROUS", "NON_WEAR"}

// DailyActivityRecord builds the record of one day: kind DAILY_ACTIVITY,
// key "daily_activity.<user>.<date>". Polar gives these local times no
// zone ("Begin and end of day are determined by the time set on the
// device used"): they are read in loc, the user's zone (nil: UTC), so a
// DST day has 23 or 25 hours of samples at their true instants.
//
// Implausible values are dropped and returned as warnings; an impossible
// date or created time is an error wrapping plausible.ErrImpossible.
func DailyActivityRecord(userID string, in ActivityInput, loc *time.Location, now time.Time) (*pluginapi.Record, []plausible.Warning, error) {
	if loc == nil {
		loc = time.UTC
	}
	a, err := DecodeActivitySummary(in.Summary)
	if err != nil {
		return nil, nil, err
	}
	if userID == "" || a.Date == "" {
		return nil, nil, fmt.Errorf("activity summary needs user id and date (got %q, %q): %w", userID, a.Date, ErrInvalidPayload)
	}
	if err := plausible.CheckDate("date", a.Date, now); err != nil {
		return nil, nil, fmt.Errorf("activity summary: %w: %w", err, ErrInvalidTime)
	}
	day, _ := time.Parse(time.DateOnly, a.Date)
	created, err := ParseCreated(a.Created)
	if err != nil {
		return nil, nil, fmt.Errorf("activity summary %s: %w", a.Date, err)
	}
	if err := plausible.CheckTime("created", created, now); err != nil {
		return nil, nil, fmt.Errorf("activity summary %s: %w: %w", a.Date, err, ErrInvalidTime)
	}
	key := pluginapi.DailyActivityKey(userID, a.Date)
	ch := plausible.NewChecker(pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY, key)
	out := &pluginapi.DailyActivity{
		Date:           a.Date,
		DayStart:       recordTime(dayStart(day, loc)),
		Created:        recordTime(created.In(loc)),
		Id:             a.ID,
		Calories:       ch.Int32("calories", float64(a.Calories), plausible.Calories),
		ActiveCalories: ch.Int32("active_calories", float64(a.ActiveCalories), plausible.Calories),
		ActiveSteps:    ch.Int32("active_steps", float64(a.ActiveSteps), plausible.DailySteps),
	}
	if a.Duration != "" {
		d, err := polarhttp.ParseISODuration(a.Duration)
		if err != nil {
			return nil, nil, fmt.Errorf("activity summary %s: %w: %w", a.Date, err, ErrInvalidPayload)
		}
		out.DurationSeconds = ch.Float("duration_seconds", d.Seconds(), plausible.DayDuration)
	}
	wall := localClock{day: day, loc: loc}
	if len(in.Steps) > 0 {
		var st ActivityStepSamples
		if err := decodeJSON("activity step samples", in.Steps, &st); err != nil {
			return nil, nil, err
		}
		out.StepSampleIntervalMinutes = int32(st.Interval)
		for _, smp := range st.Samples {
			if smp.Steps == nil {
				continue
			}
			at, err := wall.at(smp.Time)
			if err != nil {
				return nil, nil, fmt.Errorf("activity step samples %s: %w", a.Date, err)
			}
			if !ch.Keep("step_samples", float64(*smp.Steps), plausible.DailySteps) {
				continue
			}
			out.StepSamples = append(out.StepSamples, &pluginapi.ActivityStepSample{Time: recordTime(at), Steps: int32(*smp.Steps)})
		}
	}
	if len(in.Zones) > 0 {
		var zs ActivityZoneSamples
		if err := decodeJSON("activity zone samples", in.Zones, &zs); err != nil {
			return nil, nil, err
		}
		out.ZoneSampleIntervalMinutes = int32(zs.Interval)
		totals := map[int32]float64{}
		zwall := localClock{day: day, loc: loc}
		for _, smp := range zs.Samples {
			at, err := zwall.at(smp.Time)
			if err != nil {
				return nil, nil, fmt.Errorf("activity zone samples %s: %w", a.Date, err)
			}
			zsmp := &pluginapi.ActivityZoneSample{Time: recordTime(at)}
			for _, z := range smp.Zones {
				d, err := polarhttp.ParseISODuration(z.InZone)
				if err != nil {
					return nil, nil, fmt.Errorf("activity zone samples %s: %w: %w", a.Date, err, ErrInvalidPayload)
				}
				if !ch.Keep("zone_samples", d.Seconds(), plausible.DayDuration) || !ch.Keep("zone_index", float64(z.Index), plausible.ZoneIndex) {
					continue
				}
				zsmp.Zones = append(zsmp.Zones, activityZone(int32(z.Index), d.Seconds()))
				totals[int32(z.Index)] += d.Seconds()
			}
			out.ZoneSamples = append(out.ZoneSamples, zsmp)
		}
		for i := range int32(len(activityZoneNames)) {
			if v, ok := totals[i]; ok {
				out.ZoneTotals = append(out.ZoneTotals, activityZone(i, v))
				delete(totals, i)
			}
		}
		for i, v := range totals { // undocumented indexes, rare: order them
			out.ZoneTotals = append(out.ZoneTotals, activityZone(i, v))
		}
		sortZones(out.ZoneTotals)
	}
	return &pluginapi.Record{
		Kind:   pluginapi.RecordKind_RECORD_KIND_DAILY_ACTIVITY,
		Key:    key,
		UserId: userID,
		Source: pluginapi.Source_SOURCE_ACCESSLINK,
		Body:   &pluginapi.Record_DailyActivity{DailyActivity: out},
	}, ch.Warnings(), nil
}

func activityZone(i int32, seconds float64) *pluginapi.ActivityZone {
	z := &pluginapi.ActivityZone{Index: i, InZoneSeconds: seconds}
	if i >= 0 && int(i) < len(activityZoneNames) {
		z.Name = activityZoneNames[i]
	}
	return z
}

func sortZones(zs []*pluginapi.ActivityZone) {
	for i := 1; i < len(zs); i++ {
		for j := i; j > 0 && zs[j].Index < zs[j-1].Index; j-- {
			zs[j], zs[j-1] = zs[j-1], zs[j]
		}
	}
}

// localClock places a day's zone-less "HH:MM:SS.SSS" sample times, in
// order, at instants in loc. Where clocks go back an hour repeats: each
// time is the earliest instant after the previous sample's, so the 25
// hours of the day stay in order.
type localClock struct {
	day  time.Time
	loc  *time.Location
	last time.Time
}

func (c *localClock) at(clock string) (time.Time, error) {
	t, err := time.Parse("15:04:05.999999999", clock)
	if err != nil {
		if t, err = time.Parse("15:04", clock); err != nil {
			return time.Time{}, fmt.Errorf("sample time %q is not HH:MM:SS: %w", clock, ErrInvalidTime)
		}
	}
	y, m, d := c.day.Date()
	at := time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.loc)
	// A wall clock that happens twice (clocks going back) has two
	// instants; time.Date picks either. Take the earliest after the
	// previous sample.
	same := func(u time.Time) bool {
		uy, um, ud := u.Date()
		return uy == y && um == m && ud == d && u.Hour() == t.Hour() && u.Minute() == t.Minute() && u.Second() == t.Second()
	}
	best := time.Time{}
	for _, delta := range []time.Duration{-2 * time.Hour, -time.Hour, -30 * time.Minute, 0, 30 * time.Minute, time.Hour, 2 * time.Hour} {
		cand := at.Add(delta)
		if !same(cand.In(c.loc)) || (!c.last.IsZero() && !cand.After(c.last)) {
			continue
		}
		if best.IsZero() || cand.Before(best) {
			best = cand
		}
	}
	if !best.IsZero() {
		at = best.In(c.loc)
	}
	c.last = at
	return at, nil
}
