package onboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/core/onboard"
)

// TestExchangeErrorSaysWhy: a refused code exchange names the server's
// error (OAuth's error fields, or Strava's message and errors), never the
// rest of its body (#16).
func TestExchangeErrorSaysWhy(t *testing.T) {
	for name, tc := range map[string]struct {
		body, want string
	}{
		"oauth":  {`{"error":"invalid_grant","error_description":"Code expired","echo":"the-code-123"}`, "(invalid_grant: Code expired)"},
		"strava": {`{"message":"Bad Request","errors":[{"resource":"AuthorizationCode","field":"code","code":"invalid"}],"echo":"the-code-123"}`, "(Bad Request: AuthorizationCode code invalid)"},
		"empty":  {`not json`, "answered 400: the code"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			oc := &oauth2.Config{ClientID: "id", ClientSecret: "client-secret-xyz", Endpoint: oauth2.Endpoint{TokenURL: srv.URL}}
			_, err := oc.Exchange(context.Background(), "the-code-123")
			require.Error(t, err)
			msg := onboard.ExchangeError(err).Error()
			assert.Contains(t, msg, tc.want)
			assert.NotContains(t, msg, "the-code-123")
			assert.NotContains(t, msg, "client-secret-xyz")
		})
	}
}
