package syncstate

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTracker(t *testing.T) {
	at := time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC)
	now := func() time.Time { return at }
	var synced []string
	tr := New(now, func(source, id string, when time.Time) {
		synced = append(synced, source+"/"+id+"@"+when.Format(time.RFC3339))
	})

	tr.Event("accesslink", "42", nil)
	at = at.Add(time.Minute)
	tr.Polled("accesslink", "42", errors.New("429 too many requests"))
	tr.Polled("teampro", "club", nil)
	tr.Exported("accesslink", "42")
	tr.Event("accesslink", "", nil) // no account: nothing to say

	got := tr.Accounts()
	assert.Equal(t, []Account{
		{Source: "accesslink", ID: "42", LastEvent: at.Add(-time.Minute), LastExported: at, LastError: "429 too many requests", LastErrorAt: at},
		{Source: "teampro", ID: "club", LastPoll: at},
	}, got)
	assert.Equal(t, at.Add(-time.Minute), got[0].LastSync(), "a failed poll is no sync")
	assert.Equal(t, []string{"accesslink/42@2026-03-29T00:59:00Z", "teampro/club@2026-03-29T01:00:00Z"}, synced)
}
