package net2_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
)

// Reply shapes the emulator does not produce, served by small handlers: the client must read
// them all.

// fakeNet2 serves a token and then the given replies by "METHOD /path" below /api/v1.
type fakeNet2 struct {
	replies map[string]fakeReply
	got     map[string]string // request bodies by "METHOD /path"
}

type fakeReply struct {
	status int
	body   string
}

func newFake(t *testing.T, replies map[string]fakeReply) (*net2.Client, *fakeNet2) {
	t.Helper()
	f := &fakeNet2{replies: replies, got: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := net2.New(net2.Config{BaseURL: srv.URL + "/api/v1", Operator: "System engineer", Password: "pw-123456", ClientID: "cid", Location: siteZone})
	require.NoError(t, err)
	return c, f
}

func (f *fakeNet2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/v1")
	if path == "/authorization/tokens" {
		_, _ = w.Write([]byte(`{"access_token":"access-token-value","token_type":"bearer","expires_in":1800,"refresh_token":"refresh-token-value","expiry_datetime":"2019-09-17T11:51:20.9832179Z"}`))
		return
	}
	key := r.Method + " " + path
	b, _ := io.ReadAll(r.Body)
	f.got[key] = string(b)
	rep, ok := f.replies[key]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write([]byte(rep.body))
}

func TestTolerantListReplies(t *testing.T) {
	c, _ := newFake(t, map[string]fakeReply{
		"GET /doors":        {200, ""},
		"GET /accesslevels": {204, ""},
		"GET /departments":  {200, "null"},
		"GET /timezones":    {200, `[{"timezoneId": 4, "name": "Weekends"}, {"id": "5", "name": "Nights"}]`},
		"GET /users":        {200, "  \n"},
	})
	doors, err := c.Doors(ctx(t))
	require.NoError(t, err)
	assert.Empty(t, doors)
	levels, err := c.AccessLevels(ctx(t))
	require.NoError(t, err)
	assert.Empty(t, levels)
	depts, err := c.Departments(ctx(t))
	require.NoError(t, err)
	assert.Empty(t, depts)
	tzs, err := c.Timezones(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, []net2.Named{{4, "Weekends"}, {5, "Nights"}}, tzs)
	users, err := c.Users(ctx(t))
	require.NoError(t, err)
	assert.Empty(t, users)
}

func TestTolerantUserReplies(t *testing.T) {
	c, _ := newFake(t, map[string]fakeReply{
		"GET /users": {200, `[
			{"id": 1, "firstName": "Null", "activateDate": "2013-11-11T00:00:00+01:00", "expiryDate": null},
			{"id": 2, "firstName": "Min", "activateDate": "2013-11-11T00:00:00", "expiryDate": "0001-01-01T00:00:00"},
			{"id": 3},
			{"Id": 4, "FirstName": "Pascal", "ExpiryDate": "2027-07-31T23:59:00.1234567+02:00", "PIN": 123,
			 "CustomFields": [{"Id": "9", "Value": "a@b.c"}, {"id": 13, "value": null}], "isAlarmUser": "true"},
			{"id": 5, "expiryDate": "2027-07-31T21:59:00Z", "activateDate": "2027-07-01 08:30:00.5"}
		]`},
	})
	users, err := c.Users(ctx(t))
	require.NoError(t, err)
	require.Len(t, users, 5)

	assert.Nil(t, users[0].ExpiryDate, "null = never")
	assert.True(t, users[0].ActivateDate.Equal(time.Date(2013, 11, 11, 0, 0, 0, 0, siteZone)))
	assert.Nil(t, users[1].ExpiryDate, "0001-01-01 = never")
	assert.True(t, users[1].ActivateDate.Equal(time.Date(2013, 11, 11, 0, 0, 0, 0, siteZone)), "no offset = site zone")
	assert.Equal(t, net2.User{ID: 3}.ID, users[2].ID)
	assert.True(t, users[2].ActivateDate.IsZero())

	u := users[3]
	assert.Equal(t, "Pascal", u.FirstName)
	assert.Equal(t, "123", u.PIN)
	assert.True(t, u.IsAlarmUser)
	assert.Equal(t, "a@b.c", u.Field(9))
	assert.Equal(t, "", u.Field(13))
	require.NotNil(t, u.ExpiryDate)
	assert.True(t, u.ExpiryDate.Equal(time.Date(2027, 7, 31, 23, 59, 0, 123456700, siteZone)), "user dates are Net2's wall clock, read in the site zone")

	require.NotNil(t, users[4].ExpiryDate)
	assert.True(t, users[4].ExpiryDate.Equal(time.Date(2027, 7, 31, 21, 59, 0, 0, siteZone)), "whatever offset Net2 adds")
	assert.True(t, users[4].ActivateDate.Equal(time.Date(2027, 7, 1, 8, 30, 0, 5e8, siteZone)))
}

func TestTolerantWriteReplies(t *testing.T) {
	c, f := newFake(t, map[string]fakeReply{
		"GET /users/7":                    {200, `{"id": 7, "firstName": "Sam", "activateDate": "2026-01-01T00:00:00+01:00"}`},
		"PUT /users/7":                    {204, ""},
		"PUT /users/7/departments":        {200, ""},
		"GET /users/7/departments":        {200, `{"id": 3, "name": "Booking"}`},
		"PUT /users/7/doorpermissionset":  {200, `{"accessLevels":[1],"individualPermissions":[]}`},
		"GET /users/7/doorpermissionset":  {200, `{"accessLevels":null}`},
		"POST /users/7/tokens":            {201, ""},
		"GET /users/7/tokens":             {200, `[{"id": 12, "tokenType": "ProxCard", "tokenValue": 4242, "isLost": false}]`},
		"DELETE /users/7/tokens/12":       {200, `{}`},
		"GET /users/token/types":          {200, `["ProxCard", "Keyfob"]`},
		"GET /users/customfieldnames":     {200, `[{"id": 13, "name": "Notes", "maxLength": null}, {"id": 14, "name": "Badge"}]`},
		"GET /operators":                  {200, `[{"userId": 8, "firstName": "Nanna", "surname": "Agesen", "displayName": "Nanna Agesen"}]`},
		"DELETE /users/7":                 {200, ""},
		"POST /users":                     {200, `{"id": 0}`},
		"GET /users/8/departments":        {200, `[]`},
		"GET /accesslevels/unused/ignore": {200, ``},
	})
	cx := ctx(t)
	u, err := c.User(cx, 7)
	require.NoError(t, err)
	u.LastName = "Smith"
	got, err := c.UpdateUser(cx, u)
	require.NoError(t, err)
	assert.Equal(t, "Smith", got.LastName, "an empty reply gives back what was sent")
	assert.Contains(t, f.got["PUT /users/7"], `"expiryDate":null`)

	require.NoError(t, c.SetUserDepartment(cx, 7, 3))
	d, err := c.UserDepartment(cx, 7)
	require.NoError(t, err)
	assert.Equal(t, net2.Named{ID: 3, Name: "Booking"}, d)
	d, err = c.UserDepartment(cx, 8)
	require.NoError(t, err)
	assert.Equal(t, net2.Named{}, d)

	require.NoError(t, c.SetDoorPermissionSet(cx, 7, net2.DoorPermissionSet{AccessLevels: []int{1}}))
	set, err := c.DoorPermissionSet(cx, 7)
	require.NoError(t, err)
	assert.Empty(t, set.AccessLevels)

	tok, err := c.AddToken(cx, 7, net2.Token{TokenValue: "004242"})
	require.NoError(t, err)
	assert.Equal(t, net2.Token{ID: 12, TokenType: "ProxCard", TokenValue: "4242"}, tok, "an empty reply: read back")
	require.NoError(t, c.DeleteToken(cx, 7, 12))

	types, err := c.TokenTypes(cx)
	require.NoError(t, err)
	assert.Equal(t, []string{"ProxCard", "Keyfob"}, types)

	fields, err := c.CustomFieldNames(cx)
	require.NoError(t, err)
	assert.Equal(t, []net2.FieldName{{13, "Notes", 0}, {14, "Badge", 0}}, fields)

	ops, err := c.Operators(cx)
	require.NoError(t, err)
	assert.Equal(t, []net2.Operator{{UserID: 8, FirstName: "Nanna", Surname: "Agesen", DisplayName: "Nanna Agesen"}}, ops)

	require.NoError(t, c.DeleteUser(cx, 7))

	_, err = c.CreateUser(cx, net2.User{FirstName: "No id"})
	assert.ErrorContains(t, err, "did not return the new user's id")
}

func TestTokenTypesAsObjects(t *testing.T) {
	c, _ := newFake(t, map[string]fakeReply{
		"GET /users/token/types": {200, `[{"id": 1, "name": "ProxCard"}, {"value": 2, "TokenType": "Keyfob"}]`},
	})
	types, err := c.TokenTypes(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"ProxCard", "Keyfob"}, types)
}

func TestErrorBodies(t *testing.T) {
	c, _ := newFake(t, map[string]fakeReply{
		"GET /users/1": {404, `{"message": "lower-case message"}`},
		"GET /users/2": {400, `{"error": "invalid_request", "error_description": "described"}`},
		"GET /users/3": {500, `plain text failure`},
		"GET /users/4": {502, `<html><body>Bad gateway</body></html>`},
		"GET /users/5": {409, `{"Message": "The request is invalid.", "MessageDetail": "Card 5 is a duplicate"}`},
		"GET /users/6": {400, `"Card 123 has already been issued"`},
	})
	for id, want := range map[int]string{
		1: "GET /users/{id}: 404 Not Found: lower-case message",
		2: "GET /users/{id}: 400 Bad Request (invalid_request): described",
		3: "GET /users/{id}: 500 Internal Server Error: plain text failure — Net2 failed; try again later",
		4: "GET /users/{id}: 502 Bad Gateway — Net2 failed",
		5: "GET /users/{id}: 409 Conflict: The request is invalid. Card 5 is a duplicate",
		6: "GET /users/{id}: 400 Bad Request: Card 123 has already been issued",
	} {
		_, err := c.User(ctx(t), id)
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
	}
	_, err := c.User(ctx(t), 1)
	assert.True(t, net2.IsNotFound(err))
	_, err = c.User(ctx(t), 5)
	assert.True(t, net2.IsConflict(err))
	_, err = c.User(ctx(t), 6)
	assert.True(t, net2.IsConflict(err))
	assert.False(t, net2.IsNotFound(err))
	var apiErr *net2.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, net2.APIError{Status: 400, Method: "GET", Route: "/users/{id}", Message: "Card 123 has already been issued"}, *apiErr)
}

func TestParseDate(t *testing.T) {
	utc := func(h, m, s, ns int) time.Time { return time.Date(2027, 7, 31, h, m, s, ns, time.UTC) }
	for in, want := range map[string]time.Time{
		"2027-07-31T23:59:00":                 time.Date(2027, 7, 31, 23, 59, 0, 0, siteZone),
		"2027-07-31T23:59:00.1":               time.Date(2027, 7, 31, 23, 59, 0, 1e8, siteZone),
		"2027-07-31T23:59:00.1234567":         time.Date(2027, 7, 31, 23, 59, 0, 123456700, siteZone),
		"2027-07-31T21:59:00Z":                utc(21, 59, 0, 0),
		"2027-07-31T21:59:00.9832179Z":        utc(21, 59, 0, 983217900),
		"2027-07-31T23:59:00+02:00":           utc(21, 59, 0, 0),
		"2027-07-31T23:59:00.123+0200":        utc(21, 59, 0, 123e6),
		"2027-07-31T23:59:00.1234567+02":      utc(21, 59, 0, 123456700),
		"2027-07-31 23:59:00":                 time.Date(2027, 7, 31, 23, 59, 0, 0, siteZone),
		"2027-07-31":                          time.Date(2027, 7, 31, 0, 0, 0, 0, siteZone),
		"2027-07-31T23:59":                    time.Date(2027, 7, 31, 23, 59, 0, 0, siteZone),
		" 2027-07-31T23:59:00.0000000-05:00 ": utc(4, 59, 0, 0).AddDate(0, 0, 1),
	} {
		got, ok, err := net2.ParseDate(in, siteZone)
		require.NoError(t, err, in)
		assert.True(t, ok, in)
		assert.True(t, got.Equal(want), "%s: got %v want %v", in, got, want)
	}
	for _, none := range []string{"", "0001-01-01T00:00:00", "0001-01-01T00:00:00Z"} {
		_, ok, err := net2.ParseDate(none, siteZone)
		require.NoError(t, err)
		assert.False(t, ok, none)
	}
	_, _, err := net2.ParseDate("31/07/2027", siteZone)
	assert.ErrorContains(t, err, "unreadable date")
}
