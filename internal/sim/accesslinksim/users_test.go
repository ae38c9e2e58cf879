package accesslinksim

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterGetDeleteUser(t *testing.T) {
	e := newEnv(t)
	tok, id := e.login(t)
	auth := bearer(tok.AccessToken)

	resp := e.do(t, http.MethodGet, fmt.Sprintf("/v3/users/%d", id), auth, "")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, "not registered yet")

	resp = e.do(t, http.MethodPost, "/v3/users", auth, `{"member-id":"User_id_999"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(resp.body))
	m := resp.object(t)
	requireKeys(t, m, "polar-user-id", "member-id", "registration-date", "first-name", "last-name",
		"birthdate", "gender", "weight", "height", "extra-info")
	assert.Equal(t, float64(id), m["polar-user-id"])
	assert.Equal(t, "User_id_999", m["member-id"])
	assert.Equal(t, "2026-03-10T12:00:00.000Z", m["registration-date"])

	resp = e.do(t, http.MethodPost, "/v3/users", auth, `{"member-id":"User_id_999"}`)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)

	resp = e.do(t, http.MethodGet, fmt.Sprintf("/v3/users/%d", id), auth, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "User_id_999", resp.object(t)["member-id"])

	resp = e.do(t, http.MethodDelete, fmt.Sprintf("/v3/users/%d", id), auth, "")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	// De-registering revokes the token.
	resp = e.do(t, http.MethodGet, fmt.Sprintf("/v3/users/%d", id), auth, "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestRegisterAcceptsXMLBody(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.login(t)
	resp := e.do(t, http.MethodPost, "/v3/users", bearer(tok.AccessToken),
		`<?xml version="1.0" encoding="UTF-8" ?><register><member-id>x1</member-id></register>`)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(resp.body))
	assert.Equal(t, "x1", resp.object(t)["member-id"])
}

func TestDuplicateMemberIDConflicts(t *testing.T) {
	e := newEnv(t)
	t1, _ := e.login(t)
	t2, _ := e.login(t)
	require.Equal(t, http.StatusOK, e.do(t, http.MethodPost, "/v3/users", bearer(t1.AccessToken), `{"member-id":"same"}`).StatusCode)
	assert.Equal(t, http.StatusConflict, e.do(t, http.MethodPost, "/v3/users", bearer(t2.AccessToken), `{"member-id":"same"}`).StatusCode)
}

func TestAuthSchemesEnforced(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.loginRegistered(t)

	// User resources need the Bearer user token, not client credentials.
	for _, path := range []string{"/v3/exercises", "/v3/users/sleep", "/v3/users/nightly-recharge"} {
		assert.Equal(t, http.StatusUnauthorized, e.do(t, http.MethodGet, path, e.basic(), "").StatusCode, path)
		assert.Equal(t, http.StatusUnauthorized, e.do(t, http.MethodGet, path, noAuth, "").StatusCode, path)
		assert.Equal(t, http.StatusOK, e.do(t, http.MethodGet, path, bearer(tok), "").StatusCode, path)
	}
	// Client resources need Basic client credentials, not a user token.
	for _, path := range []string{"/v3/notifications", "/v3/webhooks"} {
		assert.Equal(t, http.StatusUnauthorized, e.do(t, http.MethodGet, path, bearer(tok), "").StatusCode, path)
		assert.NotEqual(t, http.StatusUnauthorized, e.do(t, http.MethodGet, path, e.basic(), "").StatusCode, path)
	}
}

func TestRevokeGives401(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v3/exercises", bearer(tok), "").StatusCode)
	require.NoError(t, e.sim.Revoke(id))
	resp := e.do(t, http.MethodGet, "/v3/exercises", bearer(tok), "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	requireKeys(t, resp.object(t), "timestamp", "status", "errorType", "message", "corrId")
}

func TestConsentsMissingGives403(t *testing.T) {
	e := newEnv(t)
	tok, id := e.loginRegistered(t)
	require.NoError(t, e.sim.SetConsentsMissing(id, true))
	for _, path := range []string{"/v3/exercises", "/v3/users/sleep", fmt.Sprintf("/v3/users/%d", id)} {
		assert.Equal(t, http.StatusForbidden, e.do(t, http.MethodGet, path, bearer(tok), "").StatusCode, path)
	}
	require.NoError(t, e.sim.SetConsentsMissing(id, false))
	assert.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v3/exercises", bearer(tok), "").StatusCode)
}

func TestUnregisteredUserCannotReadData(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.login(t)
	assert.Equal(t, http.StatusForbidden, e.do(t, http.MethodGet, "/v3/exercises", bearer(tok.AccessToken), "").StatusCode)
}
