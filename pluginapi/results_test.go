package pluginapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

type waitErr struct{ d time.Duration }

func (e waitErr) Error() string             { return "slow down" }
func (e waitErr) RetryAfter() time.Duration { return e.d }

type refusedErr struct{ permanent bool }

func (e refusedErr) Error() string   { return "refused" }
func (e refusedErr) Permanent() bool { return e.permanent }

func TestResultFor(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status ExportResult_Status
		wait   int64
	}{
		{nil, ExportResult_STATUS_OK, 0},
		{errors.New("timeout"), ExportResult_STATUS_RETRY, 0},
		{fmt.Errorf("upload: %w", waitErr{3 * time.Second}), ExportResult_STATUS_RETRY, 3000},
		{waitErr{0}, ExportResult_STATUS_RETRY, 0},
		{fmt.Errorf("upload: %w", refusedErr{true}), ExportResult_STATUS_PERMANENT, 0},
		{refusedErr{false}, ExportResult_STATUS_RETRY, 0},
		{fmt.Errorf("%w: bad template", ErrPermanent), ExportResult_STATUS_PERMANENT, 0},
		// A lost answer wraps a 5xx that is not permanent.
		{&LostError{Err: refusedErr{false}}, ExportResult_STATUS_RETRY, 0},
	} {
		r := ResultFor("exercise.1.a", tc.err)
		assert.Equal(t, tc.status, r.GetStatus(), "%v", tc.err)
		assert.Equal(t, tc.wait, r.GetRetryAfterMs(), "%v", tc.err)
		if tc.err != nil {
			assert.Equal(t, "exercise.1.a: "+tc.err.Error(), r.GetMessage())
		}
	}
}

func TestHTTPErrors(t *testing.T) {
	assert.True(t, AnswerLost(fmt.Errorf("x: %w", &LostError{Err: errors.New("EOF")})))
	assert.False(t, AnswerLost(errors.New("EOF")))
	// Nothing listens on a closed listener's port: the dial fails.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = http.Get("http://" + addr)
	assert.True(t, NotSent(err), "%v", err)
	assert.False(t, NotSent(errors.New("EOF")))
}

func TestSleepContextAndDurations(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, SleepContext(ctx, time.Hour), context.Canceled)
	assert.NoError(t, SleepContext(context.Background(), time.Millisecond))

	d, err := ParseConfigDuration("http_timeout", "", time.Minute)
	assert.NoError(t, err)
	assert.Equal(t, time.Minute, d)
	d, err = ParseConfigDuration("http_timeout", "90s", time.Minute)
	assert.NoError(t, err)
	assert.Equal(t, 90*time.Second, d)
	for _, bad := range []string{"soon", "-1s", "0s"} {
		_, err = ParseConfigDuration("http_timeout", bad, time.Minute)
		assert.ErrorIs(t, err, ErrInvalidConfig, bad)
		assert.ErrorContains(t, err, `key "http_timeout"`)
	}
}
