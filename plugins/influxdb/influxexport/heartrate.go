package influxexport

import (
	"fmt"
	"time"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// mHeartRate247 is 24/7 heart rate: one point per sample at its absolute
// instant, tagged only with the user, so a user is one series however
// many days (low cardinality). A day's samples are a record: a new
// version of the day (more samples later that day) replaces its points
// (the receipt's range covers the day's old points and is deleted first).
const mHeartRate247 = "heart_rate_247"

// continuousHeartRatePoints is one point per sample, field bpm, at
// millisecond precision.
func continuousHeartRatePoints(r *pluginapi.Record) ([]*point, error) {
	c := r.GetContinuousHeartRate()
	s := c.GetHeartRate()
	if len(s.GetValues()) > 0 && s.GetStart() == nil {
		return nil, fmt.Errorf("continuous heart rate %s has samples but no start", r.GetKey())
	}
	user := tag{"user", r.GetUserId()}
	points := make([]*point, 0, s.Len())
	if s.Len() == 0 {
		return points, nil
	}
	start := s.GetStart().AsTime()
	for ms, v := range s.All() {
		p := newPoint(mHeartRate247, start.Add(time.Duration(ms)*time.Millisecond).UTC(), true, user)
		p.float("bpm", v)
		points = append(points, p)
	}
	return points, nil
}
