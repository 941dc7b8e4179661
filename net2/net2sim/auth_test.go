package net2sim_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2/net2sim"
)

func TestTokenEndpointIssuesTokens(t *testing.T) {
	e := start(t, net2sim.Options{})
	m := e.login()
	assert.Equal(t, "bearer", m["token_type"])
	assert.EqualValues(t, 1800, m["expires_in"])
	assert.NotEmpty(t, m["refresh_token"])
	assert.Regexp(t, regexp.MustCompile(`^2026-03-02T09:30:00\.0000000Z$`), m["expiry_datetime"], "UTC, 7 fraction digits")

	form := loginForm()
	form.Del("scope")
	status, _, m := e.tokenRequest(form)
	require.Equal(t, http.StatusOK, status)
	assert.NotContains(t, m, "refresh_token", "only with scope=offline_access")
}

func TestTokenEndpointAcceptsJSONUnlessFormOnly(t *testing.T) {
	e := start(t, net2sim.Options{})
	body := map[string]string{}
	for k, v := range loginForm() {
		body[k] = v[0]
	}
	status, _, text := e.send(http.MethodPost, "/api/v1/authorization/tokens", body, nil)
	assert.Equal(t, http.StatusOK, status, text)

	e.sim.Configure(func(o *net2sim.Options) { o.FormOnlyTokenRequests = true })
	status, _, text = e.send(http.MethodPost, "/api/v1/authorization/tokens", body, nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"error":"unsupported_grant_type"}`, text)
}

func TestTokenEndpointErrors(t *testing.T) {
	e := start(t, net2sim.Options{})
	for name, c := range map[string]struct {
		mod  func(url.Values)
		want string
	}{
		"unknown client":   {func(f url.Values) { f.Set("client_id", "nope") }, `{"error":"invalid_client"}`},
		"wrong password":   {func(f url.Values) { f.Set("password", "nope") }, `{"error":"invalid_grant","error_description":"The user name or password is incorrect."}`},
		"unknown operator": {func(f url.Values) { f.Set("username", "Nobody") }, `{"error":"invalid_grant","error_description":"The user name or password is incorrect."}`},
		"other grant":      {func(f url.Values) { f.Set("grant_type", "client_credentials") }, `{"error":"unsupported_grant_type"}`},
		"bad refresh":      {func(f url.Values) { f.Set("grant_type", "refresh_token"); f.Set("refresh_token", "nope") }, `{"error":"invalid_grant"}`},
	} {
		form := loginForm()
		c.mod(form)
		status, _, body := e.send(http.MethodPost, "/api/v1/authorization/tokens", form.Encode(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		assert.Equal(t, http.StatusBadRequest, status, name)
		assert.JSONEq(t, c.want, body, name)
	}
}

func TestRefreshTokenFlow(t *testing.T) {
	e := start(t, net2sim.Options{RefreshLifetime: 10 * time.Minute})
	m := e.login()
	refresh := m["refresh_token"].(string)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {net2sim.DemoClientID}, "scope": {"offline_access"}}
	status, _, m2 := e.tokenRequest(form)
	require.Equal(t, http.StatusOK, status)
	assert.NotEqual(t, m["access_token"], m2["access_token"])
	assert.NotEqual(t, refresh, m2["refresh_token"])

	status, _, _ = e.tokenRequest(form)
	assert.Equal(t, http.StatusBadRequest, status, "a used refresh token is replaced by the new one")

	form.Set("refresh_token", m2["refresh_token"].(string))
	e.clock.Advance(11 * time.Minute)
	status, _, _ = e.tokenRequest(form)
	assert.Equal(t, http.StatusBadRequest, status, "expired")
}

func TestUnauthorizedBody(t *testing.T) {
	e := start(t, net2sim.Options{TokenLifetime: time.Minute})
	const denied = `{"Message":"Authorization has been denied for this request."}`
	status, _, body := e.send(http.MethodGet, "/api/v1/users", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.JSONEq(t, denied, body)

	e.login()
	status, _, _ = e.send(http.MethodGet, "/api/v1/users", nil, http.Header{"Authorization": {"bearer " + e.token}})
	assert.Equal(t, http.StatusOK, status, "the scheme is case-insensitive")
	status, _, _ = e.send(http.MethodGet, "/api/v1/users", nil, http.Header{"Authorization": {"Basic " + e.token}})
	assert.Equal(t, http.StatusUnauthorized, status)

	e.clock.Advance(time.Minute)
	status, body = e.api(http.MethodGet, "/users", nil)
	assert.Equal(t, http.StatusUnauthorized, status, "expired")
	assert.JSONEq(t, denied, body)
}

func TestOperatorsRouteIsOpen(t *testing.T) {
	e := start(t, net2sim.Options{})
	status, _, body := e.send(http.MethodGet, "/api/v1/operators", nil, nil)
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `[{"userID":1,"firstName":"System","surname":"engineer","displayName":"System engineer"}]`, body)

	e.sim.Configure(func(o *net2sim.Options) { o.OperatorsRequireAuth = true })
	status, _, _ = e.send(http.MethodGet, "/api/v1/operators", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
}

func TestTokenRateLimit(t *testing.T) {
	e := start(t, net2sim.Options{TokenRateLimit: 2, RetryAfterSeconds: 1})
	for range 2 {
		status, _, _ := e.tokenRequest(loginForm())
		require.Equal(t, http.StatusOK, status)
	}
	status, h, _ := e.tokenRequest(loginForm())
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Equal(t, "1", h.Get("Retry-After"))

	e.clock.Advance(999 * time.Millisecond)
	status, _, _ = e.tokenRequest(loginForm())
	assert.Equal(t, http.StatusTooManyRequests, status, "still within the second")
	e.clock.Advance(time.Millisecond)
	status, _, _ = e.tokenRequest(loginForm())
	assert.Equal(t, http.StatusOK, status)

	e.sim.Configure(func(o *net2sim.Options) { o.RetryAfterSeconds = 0 })
	e.tokenRequest(loginForm())
	status, h, _ = e.tokenRequest(loginForm())
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Empty(t, h.Get("Retry-After"))
}

func TestExpireTokensAndForbid(t *testing.T) {
	e := start(t, net2sim.Options{})
	m := e.login()
	e.sim.ExpireAccessTokens()
	status, _ := e.api(http.MethodGet, "/doors", nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _, _ = e.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "client_id": {net2sim.DemoClientID}})
	assert.Equal(t, http.StatusOK, status, "refresh tokens survive ExpireAccessTokens")

	m = e.login()
	e.sim.ExpireAllTokens()
	status, _, _ = e.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "client_id": {net2sim.DemoClientID}})
	assert.Equal(t, http.StatusBadRequest, status)

	e.login()
	e.sim.Forbid("SYSTEM ENGINEER")
	status, body := e.api(http.MethodGet, "/doors", nil)
	assert.Equal(t, http.StatusForbidden, status)
	assert.Contains(t, body, "permission")
	e.sim.Allow("System engineer")
	status, _ = e.api(http.MethodGet, "/doors", nil)
	assert.Equal(t, http.StatusOK, status)
}
