package stravaexport_test

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polarbridge/polarbridge/internal/sim/stravasim"
	"github.com/polarbridge/polarbridge/plugins/strava/stravaexport"
)

// refused stands for a POST that found nobody listening.
const refused = -1

// deadURL is an API URL where connections are refused.
func deadURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr + "/api/v3"
}

func count(s []int, v int) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// TestDuplicateAfterFailedUpload: whether a "duplicate of" answer after
// failed upload attempts is taken as our own activity (updated) or as
// someone else's (linked, left alone) depends on how the earlier POSTs
// failed. A 429 never created anything, so the duplicate is Polar Flow's
// sync of the same file (#12 defect 10); a lost answer may have created
// the activity itself.
func TestDuplicateAfterFailedUpload(t *testing.T) {
	const limit = 20
	for _, tc := range []struct {
		name   string
		failed []int // how each earlier POST failed: 429, refused (no connection), 0 (connection dropped after Strava processed it), a proxy's 5xx after it
		ours   bool
		update bool // update_duplicates
	}{
		{"429", []int{429}, false, false},
		{"429 twice", []int{429, 429}, false, false},
		{"429 with update_duplicates", []int{429}, false, true},
		{"connection refused", []int{refused}, false, false},
		{"connection dropped", []int{0}, true, false},
		{"proxy 502", []int{502}, true, false},
		{"proxy 504", []int{504}, true, false},
		{"connection dropped, then 429", []int{0, 429}, true, false},
	} {
		for _, onPost := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/onPost=%v", tc.name, onPost), func(t *testing.T) {
				e := newEnv(t, map[string]any{"update_duplicates": tc.update},
					stravasim.WithRateLimits(limit, 1000), stravasim.WithDuplicates(onPost, stravasim.DuplicateLink))
				e.authorize()
				rec := exercise("a", "v1", "TRAIL_RUNNING", "RUNNING", "TRAIL")
				for i, how := range tc.failed {
					switch how {
					case http.StatusTooManyRequests:
						e.sim.AdvanceToNextWindow()
						e.sim.UseRateLimit(limit, false) // another client of the app used the window
					case refused:
						cfg := maps.Clone(e.cfg)
						cfg["api_url"] = deadURL(t)
						require.NoError(t, e.h.Configure(context.Background(), cfg))
					default:
						e.sim.LoseAnswers("POST /api/v3/uploads", how)
					}
					r := e.export(rec)[0]
					require.Equal(t, retry, r.GetStatus(), "attempt %d: %s", i+1, statusOf(r))
					require.NoError(t, e.h.Configure(context.Background(), e.cfg))
				}
				var flow stravasim.Activity
				if !tc.ours {
					require.Empty(t, e.sim.Activities(), "a refused upload created nothing")
					// Meanwhile Polar Flow's own Strava sync uploads the file.
					flow = e.sim.AddActivity(rec.GetExercise().GetFiles()[0].GetData(), "Morning Run", "Run")
				}
				e.sim.AdvanceToNextWindow()
				r := e.export(rec)[0]
				require.Equal(t, ok, r.GetStatus(), statusOf(r))
				posts := len(tc.failed) + 1 - count(tc.failed, refused)
				assert.Equal(t, posts, e.sim.Requests()["POST /api/v3/uploads"])
				acts := e.sim.Activities()
				require.Len(t, acts, 1, "one activity, whoever made it")
				rcpt, err := stravaexport.LoadReceipt(context.Background(), e.h.KV, rec.GetKey())
				require.NoError(t, err)
				assert.Equal(t, acts[0].ID, rcpt.ActivityID, "linked")
				assert.Equal(t, "v1", rcpt.Done)

				put := fmt.Sprintf("PUT /api/v3/activities/%d", acts[0].ID)
				switch {
				case tc.ours || tc.update:
					assert.Empty(t, r.GetMessage())
					assert.Equal(t, "TrailRun", acts[0].SportType)
					assert.Equal(t, "Trail running with Polar", acts[0].Name)
					assert.Equal(t, 1, acts[0].Updates)
				default:
					assert.Equal(t, flow, acts[0], "Polar Flow's activity is left as it is")
					assert.NotContains(t, e.sim.Calls(), put)
					assert.Contains(t, r.GetMessage(), fmt.Sprintf("skipped: Strava already has this exercise as activity %d", flow.ID))
					assert.Contains(t, r.GetMessage(), "update_duplicates")
					// A new version changes nothing either.
					v2 := exercise("a", "v2", "TRAIL_RUNNING", "RUNNING", "TRAIL")
					require.Equal(t, ok, e.export(v2)[0].GetStatus())
					assert.Equal(t, flow, e.sim.Activities()[0])
					assert.Equal(t, posts, e.sim.Requests()["POST /api/v3/uploads"], "not uploaded again")
					assert.False(t, slices.Contains(e.sim.Calls(), put))
				}
			})
		}
	}
}
