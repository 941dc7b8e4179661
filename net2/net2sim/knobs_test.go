package net2sim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2/net2sim"
)

// The knobs for behaviour the research could not settle.

func TestMFARequiredReply(t *testing.T) {
	e := start(t, net2sim.Options{})
	e.sim.AddOperator(net2sim.Operator{FirstName: "Sync", Surname: "Service", Password: "pw"})
	e.sim.RequireMFA("system ENGINEER")

	status, _, m := e.tokenRequest(loginForm())
	require.Equal(t, http.StatusOK, status, "Tools4ever reads mfa_required from a successful reply")
	assert.Equal(t, "mfa_required", m["error"])
	assert.Equal(t, "Multi-factor authentication is required for this operator.", m["error_description"])
	assert.NotEmpty(t, m["challengeToken"])
	assert.NotContains(t, m, "access_token")
	assert.NotContains(t, m, "refresh_token")
	_, _, m2 := e.tokenRequest(loginForm())
	assert.NotEqual(t, m["challengeToken"], m2["challengeToken"], "random")

	form := loginForm()
	form.Set("password", "wrong")
	status, _, m = e.tokenRequest(form)
	assert.Equal(t, http.StatusBadRequest, status, "a wrong password is still refused")
	assert.Equal(t, "invalid_grant", m["error"])

	other := url.Values{"username": {"Sync Service"}, "password": {"pw"}, "grant_type": {"password"}, "client_id": {net2sim.DemoClientID}}
	status, _, m = e.tokenRequest(other)
	assert.Equal(t, http.StatusOK, status)
	assert.NotEmpty(t, m["access_token"], "other operators are unaffected")

	e.sim.Configure(func(o *net2sim.Options) { o.MFAStatus = http.StatusUnauthorized })
	status, _, m = e.tokenRequest(loginForm())
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "mfa_required", m["error"])
}

func TestDuplicateTokenKnobs(t *testing.T) {
	e := start(t, net2sim.Options{DuplicateTokenMessage: "Token already exists."})
	status, body := e.api(http.MethodPost, "/users/4/tokens", `{"tokenType":"ProxCard","tokenValue":"10012345"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"Message":"Token already exists."}`, body)
	status, body = e.api(http.MethodPut, "/users/2/tokens/2", `{"tokenType":"Keyfob","tokenValue":"10012345"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"Message":"Token already exists."}`, body)

	e.sim.Configure(func(o *net2sim.Options) { o.AllowDuplicateTokens = true })
	status, body = e.api(http.MethodPost, "/users/4/tokens", `{"tokenType":"ProxCard","tokenValue":"10012345"}`)
	assert.Equal(t, http.StatusCreated, status, body)
	dan, _ := e.sim.User(4)
	require.Len(t, dan.Tokens, 1)
	assert.Equal(t, "10012345", dan.Tokens[0].TokenValue)
	_, err := e.sim.AddUser(net2sim.User{FirstName: "Third", Tokens: []net2sim.Token{{TokenType: "ProxCard", TokenValue: "10012345"}}})
	assert.NoError(t, err, "seeding follows the knob")
}

func TestDuplicatePINMessage(t *testing.T) {
	e := start(t, net2sim.Options{UniquePINs: true, DuplicatePINMessage: "The PIN is already in use by another user."})
	status, body := e.api(http.MethodPost, "/users", `{"firstName":"Dup","pin":"4821"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"Message":"The PIN is already in use by another user."}`, body)

	e.sim.Configure(func(o *net2sim.Options) { o.UniquePINs = false })
	status, _ = e.api(http.MethodPost, "/users", `{"firstName":"Dup","pin":"4821"}`)
	assert.Equal(t, http.StatusCreated, status, "the message alone does not make PINs unique")
}

func TestNamesAreStoredAsSentUnlessNormalised(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := e.createUser(`{"firstName":"  Mary  Ann ","middleName":" J ","lastName":"van\t der  Berg "}`)
	u, _ := e.sim.User(id)
	assert.Equal(t, "  Mary  Ann ", u.FirstName)
	assert.Equal(t, "van\t der  Berg ", u.LastName)

	e.sim.Configure(func(o *net2sim.Options) { o.NormaliseNames = true })
	id = e.createUser(`{"firstName":"  Mary  Ann ","middleName":" J ","lastName":"van\t der  Berg "}`)
	u, _ = e.sim.User(id)
	assert.Equal(t, "Mary Ann", u.FirstName)
	assert.Equal(t, "J", u.MiddleName)
	assert.Equal(t, "van der Berg", u.LastName)
	status, _ := e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), `{"lastName":" Smith   Jones"}`)
	require.Equal(t, http.StatusOK, status)
	u, _ = e.sim.User(id)
	assert.Equal(t, "Smith Jones", u.LastName, "on a PUT too")
}

func TestUsersPageSize(t *testing.T) {
	e := start(t, net2sim.Options{UsersPageSize: 3})
	_, err := e.sim.AddUser(net2sim.User{ID: 10, FirstName: "Late"})
	require.NoError(t, err)
	_, body := e.api(http.MethodGet, "/users", nil)
	list := decode[[]map[string]any](t, body)
	require.Len(t, list, 3)
	for i, u := range list {
		assert.EqualValues(t, i+1, u["id"])
	}
	status, _ := e.api(http.MethodGet, "/users/10", nil)
	assert.Equal(t, http.StatusOK, status, "users beyond the page still exist")

	e.sim.Configure(func(o *net2sim.Options) { o.UsersPageSize = 0 })
	_, body = e.api(http.MethodGet, "/users", nil)
	assert.Len(t, decode[[]map[string]any](t, body), 5, "0 = all")
}

func TestPermissionSetReadsBackAsWrittenByDefault(t *testing.T) {
	e := start(t, net2sim.Options{})
	const set = `{"accessLevels":[3,2],"individualPermissions":[{"id":6,"timezoneId":3},{"id":3,"timezoneId":1}]}`
	status, _ := e.api(http.MethodPut, "/users/4/doorpermissionset", set)
	require.Equal(t, http.StatusNoContent, status)
	_, body := e.api(http.MethodGet, "/users/4/doorpermissionset", nil)
	assert.JSONEq(t, set, body)
	_, body = e.api(http.MethodGet, "/users/4", nil)
	assert.Contains(t, body, `"doorAccessPermissionSet":`+set)

	e.api(http.MethodPut, "/users/4/doorpermissionset", `{"accessLevels":[0]}`)
	_, body = e.api(http.MethodGet, "/users/4/doorpermissionset", nil)
	assert.JSONEq(t, `{"accessLevels":[0],"individualPermissions":[]}`, body)
}

func TestReorderPermissions(t *testing.T) {
	e := start(t, net2sim.Options{ReorderPermissions: true})
	status, _ := e.api(http.MethodPut, "/users/4/doorpermissionset",
		`{"accessLevels":[3,2],"individualPermissions":[{"id":6,"timezoneId":3},{"id":3,"timezoneId":1}]}`)
	require.Equal(t, http.StatusNoContent, status)
	const reversed = `{"accessLevels":[2,3],"individualPermissions":[{"id":3,"timezoneId":1},{"id":6,"timezoneId":3}]}`
	_, body := e.api(http.MethodGet, "/users/4/doorpermissionset", nil)
	assert.JSONEq(t, reversed, body)
	_, body = e.api(http.MethodGet, "/users/4", nil)
	assert.Contains(t, body, `"doorAccessPermissionSet":`+reversed)
	u, _ := e.sim.User(4)
	assert.Equal(t, []int{3, 2}, u.Permissions.AccessLevels, "stored as written")
}

func TestNoAccessAsEmpty(t *testing.T) {
	e := start(t, net2sim.Options{NoAccessAsEmpty: true})
	_, body := e.api(http.MethodGet, "/users/4/doorpermissionset", nil)
	assert.JSONEq(t, `{"accessLevels":[],"individualPermissions":[]}`, body, "Dan holds [0]")
	_, body = e.api(http.MethodGet, "/users/4", nil)
	assert.Contains(t, body, `"doorAccessPermissionSet":{"accessLevels":[],"individualPermissions":[]}`)
	e.api(http.MethodPut, "/users/4/doorpermissionset", `{"accessLevels":[0,2]}`)
	_, body = e.api(http.MethodGet, "/users/4/doorpermissionset", nil)
	assert.JSONEq(t, `{"accessLevels":[0,2],"individualPermissions":[]}`, body, "only exactly [0]")
	e.api(http.MethodPut, "/users/4/doorpermissionset", `{"accessLevels":[2]}`)
	_, body = e.api(http.MethodGet, "/users/4/doorpermissionset", nil)
	assert.JSONEq(t, `{"accessLevels":[2],"individualPermissions":[]}`, body)
}

func TestDoorsAsAreas(t *testing.T) {
	e := start(t, net2sim.Options{PermissionIDs: "door", DoorsAsAreas: true})
	status, _ := e.api(http.MethodPut, "/users/4/doorpermissionset", fmt.Sprintf(
		`{"individualPermissions":[{"id":%d,"timezoneId":3},{"id":%d,"timezoneId":1}]}`, net2sim.DemoFrontDoor, net2sim.DemoStudio1))
	require.Equal(t, http.StatusNoContent, status)
	const areas = `{"accessLevels":[],"individualPermissions":[{"id":1,"timezoneId":3},{"id":2,"timezoneId":3},{"id":3,"timezoneId":1}]}`
	_, body := e.api(http.MethodGet, "/users/4/doorpermissionset", nil)
	assert.JSONEq(t, areas, body)
	_, body = e.api(http.MethodGet, "/users/4", nil)
	assert.Contains(t, body, `"doorAccessPermissionSet":`+areas)

	e.sim.Configure(func(o *net2sim.Options) { o.PermissionIDs = "" })
	_, body = e.api(http.MethodGet, "/users/4/doorpermissionset", nil)
	assert.False(t, strings.Contains(body, `"id":1,`), "no effect in area mode: %s", body)
}
