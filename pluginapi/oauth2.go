package pluginapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// OAuth2TokenKey is the host KV key under which `polarbridge plugins
// authorize` stores the token of a plugin that asked for one (see
// ConfigureResponse.Oauth2).
const OAuth2TokenKey = "oauth2.token"

// OAuth2Token is the stored token. Plugins that refresh it must save the
// new one (SaveOAuth2Token) before using it: some destinations (Strava)
// rotate refresh tokens and stop accepting the old one.
type OAuth2Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	TokenType    string    `json:"token_type"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// Scope is what the user granted (from the callback).
	Scope string `json:"scope,omitempty"`
}

// String keeps tokens out of logs and error messages.
func (t OAuth2Token) String() string {
	return fmt.Sprintf("oauth2 token (expires %s, scope %q)", t.Expiry.Format(time.RFC3339), t.Scope)
}

// ErrNotAuthorized means no token is stored: the user has not run
// `polarbridge plugins authorize <name>` yet.
var ErrNotAuthorized = errors.New("not authorized: run `polarbridge plugins authorize <name>`")

// LoadOAuth2Token reads the stored token and its KV revision (for
// Update when saving a refreshed one).
func LoadOAuth2Token(ctx context.Context, kv KV) (OAuth2Token, uint64, error) {
	raw, rev, err := kv.Get(ctx, OAuth2TokenKey)
	if errors.Is(err, ErrKeyNotFound) {
		return OAuth2Token{}, 0, ErrNotAuthorized
	}
	if err != nil {
		return OAuth2Token{}, 0, err
	}
	var t OAuth2Token
	if err := json.Unmarshal(raw, &t); err != nil {
		return OAuth2Token{}, 0, fmt.Errorf("decode stored oauth2 token: %w", err)
	}
	return t, rev, nil
}

// SaveOAuth2Token stores t. With revision > 0 it only succeeds if the
// token was not changed meanwhile (ErrRevisionMismatch: another process
// refreshed it; load it again).
func SaveOAuth2Token(ctx context.Context, kv KV, t OAuth2Token, revision uint64) (uint64, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return 0, err
	}
	if revision == 0 {
		return kv.Put(ctx, OAuth2TokenKey, raw)
	}
	return kv.Update(ctx, OAuth2TokenKey, raw, revision)
}
