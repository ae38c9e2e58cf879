package polarhttp

import "golang.org/x/oauth2"

// OAuthConfig is the OAuth2 configuration of a Polar authorization code
// flow: client credentials in the Basic header, as Polar requires. Empty
// authURL and tokenURL mean the API's defaults.
func OAuthConfig(clientID, clientSecret, redirectURL, authURL, tokenURL, defaultAuthURL, defaultTokenURL string, scopes ...string) *oauth2.Config {
	if authURL == "" {
		authURL = defaultAuthURL
	}
	if tokenURL == "" {
		tokenURL = defaultTokenURL
	}
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   authURL,
			TokenURL:  tokenURL,
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
}
