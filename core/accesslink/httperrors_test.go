package accesslink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusErrorSentinels(t *testing.T) {
	for _, tc := range []struct {
		status    int
		basic     bool
		want      error
		permanent bool
	}{
		{http.StatusUnauthorized, false, ErrUnauthorized, true},
		{http.StatusUnauthorized, true, ErrClientUnauthorized, true},
		{http.StatusForbidden, false, ErrForbidden, true},
		{http.StatusNotFound, false, ErrNotFound, true},
		{http.StatusConflict, true, ErrConflict, true},
		{http.StatusBadRequest, false, nil, true},
		{http.StatusTooManyRequests, false, ErrRateLimited, false},
		{http.StatusRequestTimeout, false, ErrUnavailable, false},
		{http.StatusInternalServerError, false, ErrUnavailable, false},
		{http.StatusServiceUnavailable, true, ErrUnavailable, false},
	} {
		err := statusError(http.MethodGet, "/v3/exercises/x", tc.status, []byte(`{"message":"m"}`), tc.basic)
		if tc.want != nil {
			assert.ErrorIs(t, err, tc.want, "%d", tc.status)
			assert.True(t, strings.HasSuffix(err.Error(), tc.want.Error()), "sentinel text last: %s", err)
		} else {
			assert.Nil(t, err.Unwrap())
		}
		assert.Equal(t, tc.permanent, Permanent(err), "%d", tc.status)
		wrapped := fmt.Errorf("fetching exercise: %w", err)
		assert.Equal(t, tc.permanent, Permanent(wrapped), "wrapped %d", tc.status)
		he, ok := errors.AsType[*HTTPError](wrapped)
		require.True(t, ok)
		assert.Equal(t, tc.status, he.Status)
		assert.Equal(t, "/v3/exercises/x", he.Endpoint)
		assert.Contains(t, err.Error(), `GET /v3/exercises/x: status `+fmt.Sprint(tc.status))
	}
}

func TestPermanentOtherErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{&RateLimitError{Wait: 5}, false},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, false},
		{errors.New("something"), false},
		{fmt.Errorf("decode: %w", ErrInvalidPayload), true},
		{fmt.Errorf("x: %w", ErrInvalidArgument), true},
		{fmt.Errorf("x: %w", ErrNoClientCredentials), true},
		{&HTTPError{Status: http.StatusNoContent, Err: ErrNotFound}, true},
	} {
		assert.Equal(t, tc.want, Permanent(tc.err), "%v", tc.err)
	}
}

func TestRateLimitError(t *testing.T) {
	err := error(&RateLimitError{Method: "GET", Endpoint: "/v3/notifications", Wait: 90 * 1e9})
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, "accesslink: GET /v3/notifications: next request allowed in 1m30s: AccessLink rate limit exhausted", err.Error())
}
