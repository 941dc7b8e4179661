package net2sim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2/net2sim"
)

// createUser posts body and returns the new user's id.
func (e *env) createUser(body string) int {
	e.t.Helper()
	status, text := e.api(http.MethodPost, "/users", body)
	require.Equal(e.t, http.StatusCreated, status, text)
	return int(decode[map[string]any](e.t, text)["id"].(float64))
}

func TestExpiryIsClearedWhenOmittedFromAPut(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := e.createUser(`{"firstName":"Ann","activateDate":"2026-03-01T00:00:00","expiryDate":"2026-03-31T23:59:00"}`)

	status, text := e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), fmt.Sprintf(`{"id":%d,"pin":"1234"}`, id))
	require.Equal(t, http.StatusOK, status, text)
	u, _ := e.sim.User(id)
	assert.Nil(t, u.ExpiryDate, "the Net2 quirk: an omitted expiry is cleared")
	assert.Equal(t, "1234", u.PIN)
	assert.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, zone), u.ActivateDate, "activation is kept by default")
	assert.Contains(t, text, `"expiryDate":null`)

	e.sim.Configure(func(o *net2sim.Options) { o.KeepExpiryWhenOmitted = true; o.ClearActivateWhenOmitted = true })
	e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), `{"expiryDate":"2026-04-30T23:59:00"}`)
	e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), `{"pin":"5678"}`)
	u, _ = e.sim.User(id)
	require.NotNil(t, u.ExpiryDate, "knob: kept")
	assert.True(t, u.ActivateDate.IsZero(), "knob: activation cleared when omitted")
}

func TestPascalCasePropertiesAreAccepted(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := e.createUser(`{"FirstName":"Pascal","LastName":"Case","PIN":"0042","ExpiryDate":"2026-12-31T23:59:00",
		"CustomFields":[{"Id":9,"Value":"p@c.example"},{"ID":"14","VALUE":"P-1"}],
		"DoorAccessPermissionSet":{"AccessLevels":[1],"IndividualPermissions":[{"Id":1,"TimezoneId":1}]}}`)
	u, ok := e.sim.User(id)
	require.True(t, ok)
	assert.Equal(t, "Pascal", u.FirstName)
	assert.Equal(t, "0042", u.PIN)
	assert.Equal(t, map[int]string{9: "p@c.example", 14: "P-1"}, u.CustomFields)
	require.NotNil(t, u.ExpiryDate)
	assert.Equal(t, net2sim.PermissionSet{AccessLevels: []int{1}, IndividualPermissions: []net2sim.IndividualPermission{{ID: 1, TimezoneID: 1}}}, u.Permissions)

	status, _ := e.api(http.MethodPut, fmt.Sprintf("/users/%d/departments", id), `{"Id":"1"}`)
	assert.Equal(t, http.StatusNoContent, status, "a string id is accepted")
	u, _ = e.sim.User(id)
	assert.Equal(t, 1, u.DepartmentID)
}

func TestUserRepliesAreCamelCaseWithOffsets(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := e.createUser(`{"firstName":"Off","activateDate":"2026-07-01T00:00:00","expiryDate":"2026-07-31T21:59:00Z"}`)
	status, text := e.api(http.MethodGet, fmt.Sprintf("/users/%d", id), nil)
	require.Equal(t, http.StatusOK, status)
	m := decode[map[string]any](t, text)
	assert.Equal(t, "2026-07-01T00:00:00+01:00", m["activateDate"])
	assert.Equal(t, "2026-07-31T00:00:00+01:00", m["expiryDate"], "the server's offset, truncated to the day")
	for _, key := range []string{"id", "firstName", "middleName", "lastName", "pin", "telephone", "extension", "fax",
		"isAntiPassbackUser", "isAlarmUser", "isLockdownExempt", "hasImage", "customFields", "doorAccessPermissionSet"} {
		assert.Contains(t, m, key)
	}

	e.sim.Configure(func(o *net2sim.Options) { o.KeepExpiryTime = true })
	id = e.createUser(`{"firstName":"Off","expiryDate":"2026-07-31T21:59:00Z"}`)
	_, text = e.api(http.MethodGet, fmt.Sprintf("/users/%d", id), nil)
	assert.Equal(t, "2026-07-31T22:59:00+01:00", decode[map[string]any](t, text)["expiryDate"], "knob: time kept")
}

func TestActivationDefaultsToToday(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := e.createUser(`{"lastName":"Today"}`)
	u, _ := e.sim.User(id)
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, zone), u.ActivateDate)
	assert.Nil(t, u.ExpiryDate)
}

func TestUserListOmitsThePermissionSet(t *testing.T) {
	e := start(t, net2sim.Options{})
	_, list := e.api(http.MethodGet, "/users", nil)
	assert.NotContains(t, list, "doorAccessPermissionSet")
	_, one := e.api(http.MethodGet, "/users/1", nil)
	assert.Contains(t, one, `"doorAccessPermissionSet":{"accessLevels":[1],"individualPermissions":[]}`, "6.7+: in GET /users/{id}")

	e.sim.Configure(func(o *net2sim.Options) { o.OmitPermissionSetInUser = true })
	_, one = e.api(http.MethodGet, "/users/1", nil)
	assert.NotContains(t, one, "doorAccessPermissionSet", "knob: an older server")
}

func TestMinimalUserFields(t *testing.T) {
	e := start(t, net2sim.Options{MinimalUserFields: true})
	_, one := e.api(http.MethodGet, "/users/1", nil)
	m := decode[map[string]any](t, one)
	for _, key := range []string{"pin", "telephone", "extension", "fax", "isLockdownExempt"} {
		assert.NotContains(t, m, key)
	}
	assert.Contains(t, m, "customFields")
}

func TestExpiryIsTruncatedToTheDay(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := e.createUser(`{"firstName":"T","activateDate":"2026-07-01T08:15:00","expiryDate":"2026-07-31T14:30:00"}`)
	u, _ := e.sim.User(id)
	assert.Equal(t, time.Date(2026, 7, 31, 0, 0, 0, 0, zone), *u.ExpiryDate, "a live 6.7+ server stores 00:00")
	assert.Equal(t, time.Date(2026, 7, 1, 8, 15, 0, 0, zone), u.ActivateDate, "activation as sent")

	status, _ := e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), `{"expiryDate":"2026-08-15T23:59:00+02:00"}`)
	require.Equal(t, http.StatusOK, status)
	u, _ = e.sim.User(id)
	assert.Equal(t, time.Date(2026, 8, 15, 0, 0, 0, 0, zone), *u.ExpiryDate, "the server-local day of 22:59+01:00")
	status, _ = e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), `{"expiryDate":"2026-08-15T23:30:00Z"}`)
	require.Equal(t, http.StatusOK, status)
	u, _ = e.sim.User(id)
	assert.Equal(t, time.Date(2026, 8, 16, 0, 0, 0, 0, zone), *u.ExpiryDate, "00:30 server-local is the next day")

	e.sim.Configure(func(o *net2sim.Options) { o.KeepExpiryTime = true })
	e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), `{"expiryDate":"2026-07-31T14:30:00"}`)
	u, _ = e.sim.User(id)
	assert.Equal(t, time.Date(2026, 7, 31, 14, 30, 0, 0, zone), *u.ExpiryDate, "knob: time kept")
}

func TestCustomFieldsMergeOrReplace(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := e.createUser(`{"firstName":"F","customFields":[{"id":9,"value":"a"},{"id":10,"value":"b"}]}`)
	e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), `{"customFields":[{"id":10,"value":"c"},{"id":13,"value":"memo"}]}`)
	u, _ := e.sim.User(id)
	assert.Equal(t, map[int]string{9: "a", 10: "c", 13: "memo"}, u.CustomFields, "merged by id")

	e.sim.Configure(func(o *net2sim.Options) { o.ReplaceCustomFields = true })
	e.api(http.MethodPut, fmt.Sprintf("/users/%d", id), `{"customFields":[{"id":13,"value":"only"}]}`)
	u, _ = e.sim.User(id)
	assert.Equal(t, map[int]string{13: "only"}, u.CustomFields, "knob: replaced")
}

func TestValidationErrors(t *testing.T) {
	e := start(t, net2sim.Options{})
	long := strings.Repeat("x", 51)
	for name, c := range map[string]struct {
		method, path, body, want string
	}{
		"no name":        {"POST", "/users", `{"pin":"1234"}`, "A user must have a first name or a surname."},
		"blank names":    {"POST", "/users", `{"firstName":" ","lastName":""}`, "A user must have a first name or a surname."},
		"pin letters":    {"POST", "/users", `{"firstName":"A","pin":"12ab"}`, "The PIN must contain digits only."},
		"field 15":       {"POST", "/users", `{"firstName":"A","customFields":[{"id":15,"value":"x"}]}`, "Custom field 15 does not exist; custom field ids are 1 to 14."},
		"field 0":        {"POST", "/users", `{"firstName":"A","customFields":[{"id":0,"value":"x"}]}`, "Custom field 0 does not exist"},
		"too long":       {"POST", "/users", `{"firstName":"A","customFields":[{"id":10,"value":"` + long + `"}]}`, "Custom field 10 (Position) is longer than 50 characters."},
		"bad date":       {"POST", "/users", `{"firstName":"A","expiryDate":"31/12/2026"}`, "expiryDate"},
		"not an object":  {"POST", "/users", `[1]`, "not a JSON object"},
		"id mismatch":    {"PUT", "/users/1", `{"id":2,"firstName":"A"}`, "does not match the URL"},
		"names removed":  {"PUT", "/users/1", `{"firstName":"","lastName":""}`, "first name or a surname"},
		"unknown level":  {"PUT", "/users/1/doorpermissionset", `{"accessLevels":[42]}`, "Access level 42 does not exist."},
		"unknown area":   {"PUT", "/users/1/doorpermissionset", `{"individualPermissions":[{"id":99,"timezoneId":1}]}`, "Area 99 does not exist."},
		"door as area":   {"PUT", "/users/1/doorpermissionset", `{"individualPermissions":[{"id":1484506,"timezoneId":1}]}`, "Area 1484506 does not exist."},
		"unknown tz":     {"PUT", "/users/1/doorpermissionset", `{"individualPermissions":[{"id":1,"timezoneId":9}]}`, "Timezone 9 does not exist."},
		"perm no tz":     {"PUT", "/users/1/doorpermissionset", `{"individualPermissions":[{"id":1}]}`, "needs an id and a timezoneId"},
		"create perms":   {"POST", "/users", `{"firstName":"A","doorAccessPermissionSet":{"accessLevels":[42]}}`, "Access level 42 does not exist."},
		"unknown dept":   {"PUT", "/users/1/departments", `{"id":99}`, "Department 99 does not exist."},
		"dept no id":     {"PUT", "/users/1/departments", `{"name":"Staff"}`, "department id is missing"},
		"token type":     {"POST", "/users/1/tokens", `{"tokenType":"QRCode","tokenValue":"1"}`, "The token type QRCode is not valid."},
		"token int type": {"POST", "/users/1/tokens", `{"tokenType":1,"tokenValue":"1"}`, "The token type 1 is not valid."},
		"token no value": {"POST", "/users/1/tokens", `{"tokenType":"ProxCard","tokenValue":" "}`, "The token value is missing."},
		"duplicate card": {"POST", "/users/4/tokens", `{"tokenType":"ProxCard","tokenValue":"10012345"}`, "Card 10012345 has already been issued"},
		"leading zeros":  {"POST", "/users/4/tokens", `{"tokenType":"ProxCard","tokenValue":"0010012345"}`, "Card 10012345 has already been issued"},
		"dup on put":     {"PUT", "/users/2/tokens/2", `{"tokenType":"Keyfob","tokenValue":"10012345"}`, "Card 10012345 has already been issued"},
	} {
		status, body := e.api(c.method, "/users"+strings.TrimPrefix(c.path, "/users"), c.body)
		assert.Equal(t, http.StatusBadRequest, status, name)
		assert.Contains(t, body, c.want, name)
		assert.True(t, strings.HasPrefix(body, `{"Message":`), "%s: Net2-style body %s", name, body)
	}
	u, _ := e.sim.User(1)
	assert.Equal(t, "Alice", u.FirstName, "a refused PUT changes nothing")
}

func TestEditionAndPINKnobs(t *testing.T) {
	e := start(t, net2sim.Options{LiteEdition: true, UniquePINs: true, NoIndividualPermissions: true, NotesMaxLength: 10})
	status, body := e.api(http.MethodPut, "/users/1/doorpermissionset", `{"accessLevels":[1,2]}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "only one access level")
	status, _ = e.api(http.MethodPut, "/users/1/doorpermissionset", `{"accessLevels":[2]}`)
	assert.Equal(t, http.StatusNoContent, status)
	status, body = e.api(http.MethodPut, "/users/1/doorpermissionset", `{"individualPermissions":[{"id":1,"timezoneId":1}]}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "Individual permissions are not available")

	status, body = e.api(http.MethodPost, "/users", `{"firstName":"Dup","pin":"4821"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"Message":"PIN already in use"}`, body)
	status, _ = e.api(http.MethodPut, "/users/1", `{"pin":"4821","activateDate":"2024-01-01T00:00:00"}`)
	assert.Equal(t, http.StatusOK, status, "a user may keep its own PIN")

	status, body = e.api(http.MethodPost, "/users", `{"firstName":"M","customFields":[{"id":13,"value":"12345678901"}]}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "longer than 10")
	_, names := e.api(http.MethodGet, "/users/customfieldnames", nil)
	assert.Contains(t, names, `{"id":13,"name":"Notes","maxLength":10}`)
}

func TestSuccessStatuses(t *testing.T) {
	e := start(t, net2sim.Options{})
	status, _ := e.api(http.MethodPost, "/users", `{"firstName":"S"}`)
	assert.Equal(t, http.StatusCreated, status)
	status, _ = e.api(http.MethodPut, "/users/5", `{"firstName":"S2"}`)
	assert.Equal(t, http.StatusOK, status)
	status, body := e.api(http.MethodPut, "/users/5/departments", `{"id":1}`)
	assert.Equal(t, http.StatusNoContent, status)
	assert.Empty(t, body)
	status, body = e.api(http.MethodPut, "/users/5/doorpermissionset", `{"accessLevels":[1]}`)
	assert.Equal(t, http.StatusNoContent, status)
	assert.Empty(t, body)
	status, body = e.api(http.MethodPost, "/users/5/tokens", `{"tokenType":"ProxCard","tokenValue":"555","isLost":false}`)
	assert.Equal(t, http.StatusCreated, status)
	tok := decode[net2sim.Token](t, body)
	assert.Equal(t, net2sim.Token{ID: tok.ID, TokenType: "ProxCard", TokenValue: "555"}, tok)
	status, _ = e.api(http.MethodPut, fmt.Sprintf("/users/5/tokens/%d", tok.ID), `{"tokenType":"ProxCard","tokenValue":"555","isLost":true}`)
	assert.Equal(t, http.StatusNoContent, status)
	_, body = e.api(http.MethodGet, fmt.Sprintf("/users/5/tokens/%d", tok.ID), nil)
	assert.Contains(t, body, `"isLost":true`)
	status, _ = e.api(http.MethodDelete, fmt.Sprintf("/users/5/tokens/%d", tok.ID), nil)
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = e.api(http.MethodDelete, "/users/5", nil)
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = e.api(http.MethodGet, "/users/5", nil)
	assert.Equal(t, http.StatusNotFound, status)

	e.sim.Configure(func(o *net2sim.Options) { o.CreateUserStatus = 200; o.PermissionSetPutStatus = 200 })
	status, _ = e.api(http.MethodPost, "/users", `{"firstName":"S"}`)
	assert.Equal(t, http.StatusOK, status)
	status, body = e.api(http.MethodPut, "/users/1/doorpermissionset", `{"accessLevels":[0]}`)
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"accessLevels":[0],"individualPermissions":[]}`, body)
}

func TestDeletedUsersTokensCanBeReissued(t *testing.T) {
	e := start(t, net2sim.Options{})
	status, _ := e.api(http.MethodDelete, "/users/1", nil)
	require.Equal(t, http.StatusNoContent, status)
	status, _ = e.api(http.MethodPost, "/users/2/tokens", `{"tokenType":"ProxCard","tokenValue":"10012345"}`)
	assert.Equal(t, http.StatusCreated, status)
}

func TestEmptyListKnobAndDepartmentNone(t *testing.T) {
	e := start(t, net2sim.Options{})
	_, body := e.api(http.MethodGet, "/users/4/tokens", nil)
	assert.Equal(t, "[]", body)
	_, body = e.api(http.MethodGet, "/users/4/departments", nil)
	assert.Equal(t, "[]", body)
	_, body = e.api(http.MethodGet, "/departments", nil)
	assert.NotContains(t, body, "None")

	e.sim.Configure(func(o *net2sim.Options) { o.EmptyBodyForEmptyLists = true; o.ListNoneDepartment = true })
	status, body := e.api(http.MethodGet, "/users/4/tokens", nil)
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, body)
	_, body = e.api(http.MethodGet, "/users/4/departments", nil)
	assert.JSONEq(t, `[{"id":0,"name":"None"}]`, body)
	_, body = e.api(http.MethodGet, "/departments", nil)
	assert.True(t, strings.HasPrefix(body, `[{"id":0,"name":"None"}`), body)
}

func TestReferenceRoutes(t *testing.T) {
	e := start(t, net2sim.Options{})
	_, body := e.api(http.MethodGet, "/doors/1484506", nil)
	assert.JSONEq(t, `{"id":1484506,"name":"Front door"}`, body)
	status, _ := e.api(http.MethodGet, "/doors/1", nil)
	assert.Equal(t, http.StatusNotFound, status)
	_, body = e.api(http.MethodGet, "/accesslevels/0", nil)
	assert.JSONEq(t, `{"id":0,"name":"No access"}`, body)
	_, body = e.api(http.MethodGet, "/timezones", nil)
	assert.JSONEq(t, `[{"id":1,"name":"All day, every day"},{"id":2,"name":"At no time"},{"id":3,"name":"Working hours"}]`, body)
	_, body = e.api(http.MethodGet, "/departments/1", nil)
	assert.JSONEq(t, `{"id":1,"name":"Booking"}`, body)
	_, body = e.api(http.MethodGet, "/users/token/types", nil)
	assert.Contains(t, body, `{"id":1,"name":"ProxCard"}`)
	e.sim.Configure(func(o *net2sim.Options) { o.NoTokenTypesRoute = true })
	status, _ = e.api(http.MethodGet, "/users/token/types", nil)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestPathsAreCaseInsensitiveAndUnknownRoutes404(t *testing.T) {
	e := start(t, net2sim.Options{})
	status, _ := e.api(http.MethodGet, "/Users/CustomFieldNames", nil)
	assert.Equal(t, http.StatusOK, status)
	status, body := e.api(http.MethodGet, "/nothing/here", nil)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, "No HTTP resource was found")
	status, _ = e.api(http.MethodGet, "/users/abc", nil)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, 1, e.sim.Counts()[""], "unknown routes are logged with an empty route")
}
