package onboard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/pluginapi"
)

// PluginOAuthConfig builds the oauth2 configuration a plugin asked for.
func PluginOAuthConfig(spec *pluginapi.OAuth2Spec, redirectURL string) *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if spec.GetCredentialsInBody() {
		style = oauth2.AuthStyleInParams
	}
	if spec.GetRedirectUrl() != "" {
		redirectURL = spec.GetRedirectUrl()
	}
	return &oauth2.Config{
		ClientID:     spec.GetClientId(),
		ClientSecret: spec.GetClientSecret(),
		RedirectURL:  redirectURL,
		Endpoint:     oauth2.Endpoint{AuthURL: spec.GetAuthUrl(), TokenURL: spec.GetTokenUrl(), AuthStyle: style},
	}
}

// PluginAuthURL is the authorization URL for spec with state.
func PluginAuthURL(oc *oauth2.Config, spec *pluginapi.OAuth2Spec, state string) string {
	opts := []oauth2.AuthCodeOption{}
	if spec.GetScope() != "" {
		// Verbatim: oauth2 would join Scopes with spaces.
		opts = append(opts, oauth2.SetAuthURLParam("scope", spec.GetScope()))
	}
	for k, v := range spec.GetAuthParams() {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return oc.AuthCodeURL(state, opts...)
}

// ErrMissingScope means the user did not grant a scope the plugin needs.
var ErrMissingScope = errors.New("the authorization lacks a required scope")

// AuthorizePlugin exchanges code for a token, checks the granted scope
// and stores the token in the plugin's KV, where the plugin finds it.
func AuthorizePlugin(ctx context.Context, oc *oauth2.Config, spec *pluginapi.OAuth2Spec, kv pluginapi.KV, code, grantedScope string) (pluginapi.OAuth2Token, error) {
	if grantedScope != "" {
		granted := map[string]bool{}
		for _, s := range strings.FieldsFunc(grantedScope, func(r rune) bool { return r == ',' || r == ' ' }) {
			granted[s] = true
		}
		for _, want := range spec.GetRequiredScopes() {
			if !granted[want] {
				return pluginapi.OAuth2Token{}, fmt.Errorf("%w %q (granted: %s): authorize again and leave it ticked", ErrMissingScope, want, grantedScope)
			}
		}
	}
	tok, err := oc.Exchange(ctx, code)
	if err != nil {
		return pluginapi.OAuth2Token{}, ExchangeError(err)
	}
	t := pluginapi.OAuth2Token{
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: tok.TokenType,
		Expiry: tok.Expiry, Scope: grantedScope,
	}
	if _, err := pluginapi.SaveOAuth2Token(ctx, kv, t, 0); err != nil {
		return pluginapi.OAuth2Token{}, fmt.Errorf("store the token: %w", err)
	}
	return t, nil
}
