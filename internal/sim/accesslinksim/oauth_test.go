package accesslinksim

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestOAuthCodeFlow(t *testing.T) {
	e := newEnv(t)
	conf := e.oauthConfig()
	q := e.authorizeCode(t, conf.AuthCodeURL("xyz-state"))
	assert.Equal(t, "xyz-state", q.Get("state"))
	require.NotEmpty(t, q.Get("code"))

	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	tok, err := conf.Exchange(ctx, q.Get("code"))
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.Equal(t, "Bearer", tok.Type()) // "bearer" normalized by x/oauth2
	assert.Equal(t, float64(e.sim.Users()[0].ID), tok.Extra("x_user_id"))
	assert.EqualValues(t, 31535999, tok.Extra("expires_in"))

	// Authorizations cycle through the simulated users.
	_, second := e.login(t)
	assert.Equal(t, e.sim.Users()[1].ID, second)
	require.NoError(t, e.sim.ApproveNext(e.sim.Users()[1].ID))
	_, third := e.login(t)
	assert.Equal(t, e.sim.Users()[1].ID, third)
}

func TestTokenRequiresBasicClientAuth(t *testing.T) {
	e := newEnv(t)
	q := e.authorizeCode(t, e.oauthConfig().AuthCodeURL("s"))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {"http://app.example/callback"}}

	post := func(auth authFn) int {
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth2/token", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		auth(req)
		resp, err := e.srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusUnauthorized, post(noAuth))
	assert.Equal(t, http.StatusUnauthorized, post(func(r *http.Request) { r.SetBasicAuth(e.sim.ClientID(), "wrong") }))
	assert.Equal(t, http.StatusOK, post(e.basic()))
}

func TestAuthorizationCodeIsSingleUse(t *testing.T) {
	e := newEnv(t)
	conf := e.oauthConfig()
	q := e.authorizeCode(t, conf.AuthCodeURL("s"))
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	tok, err := conf.Exchange(ctx, q.Get("code"))
	require.NoError(t, err)
	_, err = conf.Exchange(ctx, q.Get("code"))
	require.Error(t, err)
	// Reusing a code deletes the tokens issued with it.
	resp := e.do(t, http.MethodPost, "/v3/users", bearer(tok.AccessToken), `{"member-id":"a"}`)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestAuthorizationCodeExpires(t *testing.T) {
	e := newEnv(t)
	conf := e.oauthConfig()
	q := e.authorizeCode(t, conf.AuthCodeURL("s"))
	e.clock.Advance(11 * 60e9)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	_, err := conf.Exchange(ctx, q.Get("code"))
	require.Error(t, err)
}

func TestAuthorizeErrors(t *testing.T) {
	e := newEnv(t, WithRedirectURIs("http://app.example/default"))
	q := e.authorizeCode(t, e.srv.URL+"/oauth2/authorization?response_type=token&client_id="+e.sim.ClientID()+"&state=s1")
	assert.Equal(t, "unsupported_response_type", q.Get("error"))
	assert.Equal(t, "s1", q.Get("state"))
	assert.Empty(t, q.Get("code"))

	// Without redirect_uri the registered default is used.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.srv.URL + "/oauth2/authorization?response_type=code&client_id=" + e.sim.ClientID())
	require.NoError(t, err)
	resp.Body.Close()
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "http://app.example/default?code="))

	resp, err = c.Get(e.srv.URL + "/oauth2/authorization?response_type=code&client_id=nope")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
