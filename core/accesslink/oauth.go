package accesslink

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/oauth2"

	"github.com/polarbridge/polarbridge/core/polarhttp"
)

// ErrNoUserID: the token response lacks the x_user_id AccessLink adds.
var ErrNoUserID = errors.New("token response has no x_user_id")

// OAuthConfig returns the OAuth2 configuration for AccessLink's
// authorization code flow. Empty authURL and tokenURL mean Polar's
// (DefaultAuthURL, DefaultTokenURL). The client authenticates to the token
// endpoint with HTTP Basic, as Polar requires. No scope is set: Polar then
// asks the user for every scope of the client.
func OAuthConfig(clientID, clientSecret, redirectURL, authURL, tokenURL string) *oauth2.Config {
	return polarhttp.OAuthConfig(clientID, clientSecret, redirectURL, authURL, tokenURL, DefaultAuthURL, DefaultTokenURL)
}

// UserIDFromToken returns the Polar user id (x_user_id) of a token from
// the token endpoint, as a decimal string.
func UserIDFromToken(tok *oauth2.Token) (string, error) {
	if tok == nil {
		return "", ErrNoUserID
	}
	var id string
	switch v := tok.Extra("x_user_id").(type) {
	case float64: // a JSON number, as decoded by oauth2
		if v == float64(int64(v)) && v > 0 {
			id = strconv.FormatInt(int64(v), 10)
		}
	case json.Number:
		id = v.String()
	case string:
		id = v
	}
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
		if id == "" {
			return "", ErrNoUserID
		}
		return "", fmt.Errorf("x_user_id %q is not a positive integer: %w", id, ErrNoUserID)
	}
	return id, nil
}
