package accesslink

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestOAuthConfig(t *testing.T) {
	conf := OAuthConfig("id", "secret", "https://app.example/cb", "", "")
	assert.Equal(t, DefaultAuthURL, conf.Endpoint.AuthURL)
	assert.Equal(t, DefaultTokenURL, conf.Endpoint.TokenURL)
	assert.Equal(t, oauth2.AuthStyleInHeader, conf.Endpoint.AuthStyle)
	assert.Equal(t, "id", conf.ClientID)
	assert.Equal(t, "secret", conf.ClientSecret)
	assert.Equal(t, "https://app.example/cb", conf.RedirectURL)

	conf = OAuthConfig("id", "secret", "", "http://sim/oauth2/authorization", "http://sim/v2/oauth2/token")
	assert.Equal(t, "http://sim/oauth2/authorization", conf.Endpoint.AuthURL)
	assert.Equal(t, "http://sim/v2/oauth2/token", conf.Endpoint.TokenURL)
}

func TestUserIDFromToken(t *testing.T) {
	tok := &oauth2.Token{AccessToken: "a"}
	for extra, want := range map[any]string{
		float64(10579): "10579",
		"475":          "475",
	} {
		id, err := UserIDFromToken(tok.WithExtra(map[string]any{"x_user_id": extra}))
		require.NoError(t, err)
		assert.Equal(t, want, id)
	}
	for _, extra := range []map[string]any{nil, {"x_user_id": 1.5}, {"x_user_id": "abc"}, {"x_user_id": float64(-3)}, {"user": 1}} {
		_, err := UserIDFromToken(tok.WithExtra(extra))
		require.ErrorIs(t, err, ErrNoUserID, "%v", extra)
	}
	_, err := UserIDFromToken(nil)
	require.ErrorIs(t, err, ErrNoUserID)
}
