package polarhttp

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSnippet(t *testing.T) {
	assert.Equal(t, "", Snippet(nil, nil))
	assert.Equal(t, `token [redacted] and [redacted]`, Snippet([]byte("token tok123\nand s3cret"), []string{"tok123", "s3cret", ""}))
	long := strings.Repeat("é", 300)
	got := Snippet([]byte(long), nil)
	assert.True(t, strings.HasSuffix(got, "..."))
	assert.LessOrEqual(t, len(got), MaxSnippet+3)
	assert.True(t, strings.HasPrefix(long, strings.TrimSuffix(got, "...")), "cut on a rune boundary")
	assert.Equal(t, "a b", Snippet([]byte("a\x00b"), nil))
}

func TestHTTPError(t *testing.T) {
	sentinel := errors.New("re-authorize")
	e := NewHTTPError("teampro", Sentinels{Unauthorized: sentinel}, "GET", "/v1/teams", http.StatusUnauthorized, []byte("token abc echoed"), "abc")
	assert.ErrorIs(t, e, sentinel)
	assert.Nil(t, NewHTTPError("teampro", Sentinels{Unauthorized: sentinel}, "GET", "/v1/teams", http.StatusForbidden, nil).Err,
		"a status without a sentinel wraps none")
	assert.Equal(t, `teampro: GET /v1/teams: status 401 Unauthorized (body "token [redacted] echoed"): re-authorize`, e.Error())
	for status, want := range map[int]bool{400: true, 401: true, 404: true, 408: false, 429: false, 500: false, 503: false} {
		got, ok := PermanentStatus(&HTTPError{Status: status})
		assert.True(t, ok)
		assert.Equal(t, want, got, "status %d", status)
	}
	_, ok := PermanentStatus(errors.New("no status"))
	assert.False(t, ok)
}
