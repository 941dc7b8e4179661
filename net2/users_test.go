package net2_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// lastBody returns the body of the last logged request of route.
func lastBody(t *testing.T, sim *net2sim.Sim, route string) string {
	t.Helper()
	reqs := sim.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Route == route {
			return reqs[i].Body
		}
	}
	t.Fatalf("no %s request logged", route)
	return ""
}

func TestUserRoundTrip(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.KeepExpiryTime = true })) // the wire, not Net2's day rule
	c := ctx(t)
	activate := time.Date(2026, 3, 2, 0, 0, 0, 0, siteZone)
	expiry := time.Date(2026, 3, 9, 23, 59, 0, 0, siteZone)
	in := net2.User{
		FirstName: "Erin", LastName: "Example", PIN: "052731",
		ActivateDate: activate, ExpiryDate: &expiry,
		CustomFields: []net2.CustomField{{ID: 10, Value: "BOOKINGSYNC"}, {ID: 13, Value: "memo line"}},
	}
	created, err := h.client.CreateUser(c, in)
	require.NoError(t, err)
	assert.NotZero(t, created.ID)
	assert.True(t, created.FromNet2())
	assert.Equal(t, "052731", created.PIN, "leading zeros survive: the PIN is a string")
	assert.True(t, created.ActivateDate.Equal(activate))
	require.NotNil(t, created.ExpiryDate)
	assert.True(t, created.ExpiryDate.Equal(expiry))
	assert.Equal(t, "BOOKINGSYNC", created.Field(10))
	assert.Equal(t, "memo line", created.Field(13))
	assert.Equal(t, 201, h.sim.Requests()[len(h.sim.Requests())-1].Status)

	got, err := h.client.User(c, created.ID)
	require.NoError(t, err)
	assert.Equal(t, created.DisplayName(), got.DisplayName())

	all, err := h.client.Users(c)
	require.NoError(t, err)
	assert.Len(t, all, 5, "four demo users and the new one")

	got.PIN = "918273"
	got.SetField(13, "memo line 2")
	got.SetField(9, "erin@example.com")
	updated, err := h.client.UpdateUser(c, got)
	require.NoError(t, err)
	assert.Equal(t, "918273", updated.PIN)
	assert.Equal(t, "memo line 2", updated.Field(13))
	assert.Equal(t, "erin@example.com", updated.Field(9))

	require.NoError(t, h.client.DeleteUser(c, created.ID))
	_, err = h.client.User(c, created.ID)
	assert.True(t, net2.IsNotFound(h.err(err)), "got %v", err)
	assert.ErrorContains(t, err, "GET /users/{id}: 404")
}

func TestCreateUserAcceptsStatus200(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.CreateUserStatus = 200 }))
	u, err := h.client.CreateUser(ctx(t), net2.User{LastName: "Only"})
	require.NoError(t, err)
	assert.NotZero(t, u.ID)
	assert.Nil(t, u.ExpiryDate)
}

func TestUpdateUserAlwaysSendsIDAndBothDates(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.KeepExpiryTime = true })) // the wire, not Net2's day rule
	c := ctx(t)
	expiry := time.Date(2026, 4, 30, 23, 59, 0, 0, siteZone)
	created, err := h.client.CreateUser(c, net2.User{
		FirstName: "Kim", ActivateDate: time.Date(2026, 3, 1, 0, 0, 0, 0, siteZone), ExpiryDate: &expiry,
	})
	require.NoError(t, err)

	u, err := h.client.User(c, created.ID)
	require.NoError(t, err)
	u.PIN = "4711"
	_, err = h.client.UpdateUser(c, u)
	require.NoError(t, err)

	body := lastBody(t, h.sim, "PUT /users/{id}")
	assert.Contains(t, body, `"id":`)
	assert.Contains(t, body, `"activateDate":"2026-03-01T00:00:00"`)
	assert.Contains(t, body, `"expiryDate":"2026-04-30T23:59:00"`)
	assert.Contains(t, body, `"customFields":[]`)

	stored, ok := h.sim.User(created.ID)
	require.True(t, ok)
	require.NotNil(t, stored.ExpiryDate, "the emulator clears an omitted expiry; the client must send it")
	assert.True(t, stored.ExpiryDate.Equal(expiry))
	assert.Equal(t, "4711", stored.PIN)
}

func TestUpdateUserKeepsActivationWhenServerClearsIt(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.ClearActivateWhenOmitted = true }))
	c := ctx(t)
	activate := time.Date(2026, 3, 1, 0, 0, 0, 0, siteZone)
	created, err := h.client.CreateUser(c, net2.User{FirstName: "Lou", ActivateDate: activate})
	require.NoError(t, err)
	created.LastName = "Lane"
	_, err = h.client.UpdateUser(c, created)
	require.NoError(t, err)
	stored, _ := h.sim.User(created.ID)
	assert.True(t, stored.ActivateDate.Equal(activate))
	assert.Equal(t, "Lane", stored.LastName)
}

func TestUpdateUserSendsNullForNeverExpires(t *testing.T) {
	h := newHarness(t)
	c := ctx(t)
	users, err := h.client.Users(c)
	require.NoError(t, err)
	bob := users[1]
	require.NotNil(t, bob.ExpiryDate)
	bob.ExpiryDate = nil // re-enable for ever
	_, err = h.client.UpdateUser(c, bob)
	require.NoError(t, err)
	assert.Contains(t, lastBody(t, h.sim, "PUT /users/{id}"), `"expiryDate":null`)
	stored, _ := h.sim.User(bob.ID)
	assert.Nil(t, stored.ExpiryDate)
}

func TestUpdateUserRefusesAValueNotReadFromNet2(t *testing.T) {
	h := newHarness(t)
	activate := time.Date(2024, 1, 1, 0, 0, 0, 0, siteZone)
	for _, u := range []net2.User{
		{ID: 1, FirstName: "Alice", PIN: "1234"},
		{ID: 1, FirstName: "Alice", PIN: "1234", ActivateDate: activate}, // expiry nil: never, or forgotten?
	} {
		_, err := h.client.UpdateUser(ctx(t), u)
		require.Error(t, h.err(err))
		assert.Contains(t, err.Error(), "read it with User first")
	}
	assert.Zero(t, h.sim.Writes(), "nothing was sent")
	read, err := h.client.User(ctx(t), 1)
	require.NoError(t, err)
	copied := read.Clone()
	assert.True(t, copied.FromNet2(), "a clone of a read user may be updated")
}

func TestUpdateUserOnAnOlderServerDoesNotEraseThePIN(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.MinimalUserFields = true }))
	c := ctx(t)
	alice, err := h.client.User(c, 1)
	require.NoError(t, err)
	assert.Empty(t, alice.PIN, "this server does not report PINs")
	alice.MiddleName = "B"
	_, err = h.client.UpdateUser(c, alice)
	require.NoError(t, err)
	body := lastBody(t, h.sim, "PUT /users/{id}")
	assert.NotContains(t, body, `"pin"`)
	assert.NotContains(t, body, `"isLockdownExempt"`)
	stored, _ := h.sim.User(1)
	assert.Equal(t, "4821", stored.PIN)
	assert.Equal(t, "B", stored.MiddleName)
}

func TestUpdateUserNeverSendsThePermissionSetBack(t *testing.T) {
	h := newHarness(t) // GET /users/{id} carries the set (6.7+, the emulator's default)
	c := ctx(t)
	alice, err := h.client.User(c, 1)
	require.NoError(t, err)
	_, err = h.client.UpdateUser(c, alice)
	require.NoError(t, err)
	assert.NotContains(t, strings.ToLower(lastBody(t, h.sim, "PUT /users/{id}")), "permission")
}

func TestUserChecksBeforeSending(t *testing.T) {
	h := newHarness(t)
	c := ctx(t)
	for name, u := range map[string]net2.User{
		"no name":     {PIN: "1234"},
		"pin letters": {FirstName: "A", PIN: "12a4"},
		"field id 15": {FirstName: "A", CustomFields: []net2.CustomField{{ID: 15, Value: "x"}}},
		"field twice": {FirstName: "A", CustomFields: []net2.CustomField{{ID: 9, Value: "x"}, {ID: 9, Value: "y"}}},
	} {
		_, err := h.client.CreateUser(c, u)
		assert.Error(t, h.err(err), name)
	}
	assert.Zero(t, h.sim.Writes())
}

func TestServerValidationIsABadRequest(t *testing.T) {
	h := newHarness(t)
	_, err := h.client.CreateUser(ctx(t), net2.User{FirstName: "A", CustomFields: []net2.CustomField{{ID: 10, Value: strings.Repeat("x", 51)}}})
	require.Error(t, h.err(err))
	assert.ErrorIs(t, err, net2.ErrBadRequest)
	assert.False(t, net2.IsConflict(err))
	assert.Contains(t, err.Error(), "POST /users: 400 Bad Request: Custom field 10 (Position) is longer than 50 characters.")
}

func TestUniquePINConflict(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.UniquePINs = true }))
	_, err := h.client.CreateUser(ctx(t), net2.User{FirstName: "Copy", PIN: "4821"})
	require.Error(t, h.err(err))
	assert.True(t, net2.IsConflict(err))
}

func TestUserDepartment(t *testing.T) {
	h := newHarness(t)
	c := ctx(t)
	u, err := h.client.CreateUser(c, net2.User{FirstName: "Dee"})
	require.NoError(t, err)

	d, err := h.client.UserDepartment(c, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, d.ID, "a new user has no department")

	require.NoError(t, h.client.SetUserDepartment(c, u.ID, net2sim.DemoDeptBooking))
	assert.Equal(t, `{"id":1}`, lastBody(t, h.sim, "PUT /users/{id}/departments"))
	d, err = h.client.UserDepartment(c, u.ID)
	require.NoError(t, err)
	assert.Equal(t, net2.Named{ID: 1, Name: "Booking"}, d)

	require.NoError(t, h.client.SetUserDepartment(c, u.ID, 0))
	d, err = h.client.UserDepartment(c, u.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, d.ID)

	err = h.client.SetUserDepartment(c, u.ID, 99)
	assert.ErrorIs(t, h.err(err), net2.ErrBadRequest)
}

func TestDoorPermissionSet(t *testing.T) {
	for _, status := range []int{0, 200} {
		h := newHarness(t, withSim(func(o *net2sim.Options) { o.PermissionSetPutStatus = status; o.PermissionIDs = "door" }))
		c := ctx(t)
		u, err := h.client.CreateUser(c, net2.User{FirstName: "Pat"})
		require.NoError(t, err)

		set, err := h.client.DoorPermissionSet(c, u.ID)
		require.NoError(t, err)
		assert.Empty(t, set.AccessLevels)
		assert.Empty(t, set.IndividualPermissions)

		want := net2.DoorPermissionSet{IndividualPermissions: []net2.IndividualPermission{
			{ID: net2sim.DemoFrontDoor, TimezoneID: 1}, {ID: net2sim.DemoMeetingRoomA, TimezoneID: 1},
		}}
		require.NoError(t, h.client.SetDoorPermissionSet(c, u.ID, want))
		assert.Contains(t, lastBody(t, h.sim, "PUT /users/{id}/doorpermissionset"), `"accessLevels":[]`)
		got, err := h.client.DoorPermissionSet(c, u.ID)
		require.NoError(t, err)
		assert.Equal(t, want, got)

		require.NoError(t, h.client.SetDoorPermissionSet(c, u.ID, net2.DoorPermissionSet{AccessLevels: []int{0}}))
		got, err = h.client.DoorPermissionSet(c, u.ID)
		require.NoError(t, err)
		assert.Equal(t, []int{0}, got.AccessLevels)
		assert.Empty(t, got.IndividualPermissions, "the whole set is replaced")

		err = h.client.SetDoorPermissionSet(c, u.ID, net2.DoorPermissionSet{IndividualPermissions: []net2.IndividualPermission{{ID: 42, TimezoneID: 1}}})
		assert.ErrorIs(t, h.err(err), net2.ErrBadRequest)
		assert.Contains(t, err.Error(), "Door 42 does not exist")
	}
}

func TestTokens(t *testing.T) {
	h := newHarness(t)
	c := ctx(t)
	u, err := h.client.CreateUser(c, net2.User{FirstName: "Quinn"})
	require.NoError(t, err)

	tok, err := h.client.AddToken(c, u.ID, net2.Token{TokenValue: "48151623"})
	require.NoError(t, err)
	assert.NotZero(t, tok.ID)
	assert.Equal(t, "ProxCard", tok.TokenType)
	assert.Contains(t, lastBody(t, h.sim, "POST /users/{id}/tokens"), `"tokenValue":"48151623"`, "sent as a JSON string")

	list, err := h.client.Tokens(c, u.ID)
	require.NoError(t, err)
	assert.Equal(t, []net2.Token{tok}, list)

	_, err = h.client.AddToken(c, u.ID, net2.Token{TokenType: "ProxCard", TokenValue: "10012345"})
	require.Error(t, h.err(err), "Alice holds this card")
	assert.True(t, net2.IsConflict(err))
	assert.Contains(t, err.Error(), "Card 10012345 has already been issued")

	require.NoError(t, h.client.DeleteToken(c, u.ID, tok.ID))
	list, err = h.client.Tokens(c, u.ID)
	require.NoError(t, err)
	assert.Empty(t, list)

	err = h.client.DeleteToken(c, u.ID, tok.ID)
	assert.True(t, net2.IsNotFound(h.err(err)))
}

func TestAddTokenAfterAnUncertainWrite(t *testing.T) {
	h := newHarness(t)
	c := ctx(t)
	u, err := h.client.CreateUser(c, net2.User{FirstName: "Rae"})
	require.NoError(t, err)
	h.sim.FailAfter("POST /users/{id}/tokens", 500, 1)

	_, err = h.client.AddToken(c, u.ID, net2.Token{TokenType: "ProxCard", TokenValue: "0777"})
	require.Error(t, h.err(err))
	assert.True(t, net2.IsServerError(err), "the write is uncertain: %v", err)

	// The caller retries; Net2 says "already issued"; the client finds it on the user.
	tok, err := h.client.AddToken(c, u.ID, net2.Token{TokenType: "ProxCard", TokenValue: "0777"})
	require.NoError(t, err)
	assert.Equal(t, "777", tok.TokenValue, "Net2 keeps numbers as integers")

	stored, _ := h.sim.User(u.ID)
	require.Len(t, stored.Tokens, 1, "no duplicate token")
	assert.Equal(t, stored.Tokens[0].ID, tok.ID)
	assert.Equal(t, 2, h.sim.Counts()["POST /users/{id}/tokens"])
	assert.Equal(t, 1, h.sim.Counts()["GET /users/{id}/tokens"])
}

func TestConcurrentUse(t *testing.T) {
	h := newHarness(t)
	c := ctx(t)
	done := make(chan error, 16)
	for i := range 16 {
		go func() {
			var err error
			for j := range 10 {
				switch (i + j) % 3 {
				case 0:
					_, err = h.client.Users(c)
				case 1:
					_, err = h.client.Doors(c)
				default:
					_, err = h.client.DoorPermissionSet(c, 1)
				}
				if err != nil {
					break
				}
				if i == 0 && j == 5 {
					h.sim.ExpireAccessTokens()
				}
			}
			done <- err
		}()
	}
	for range 16 {
		require.NoError(t, <-done)
	}
	assert.LessOrEqual(t, h.tokenRequests(), 3, "token requests are serialised, not one per goroutine")
}
