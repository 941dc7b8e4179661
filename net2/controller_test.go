package net2_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

func newController(t *testing.T, h *harness, code accessplan.CodeKind) *net2.Controller {
	t.Helper()
	c, err := net2.NewController(h.client, net2.ControllerConfig{MarkerField: 10, Code: code, QRTokenType: "ProxCard", Location: siteZone,
		DoorAreas: doorAreas(t, h)})
	require.NoError(t, err)
	return c
}

// doorAreas matches the emulated site's doors to its reader areas, as ResolveSite does.
func doorAreas(t *testing.T, h *harness) map[int][]int {
	t.Helper()
	doors, err := h.client.Doors(context.Background())
	require.NoError(t, err)
	areas, err := h.client.Areas(context.Background())
	require.NoError(t, err)
	return net2.DoorAreas(doors, areas)
}

func spec(email string) accessplan.UserSpec {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, siteZone)
	return accessplan.UserSpec{
		FirstName: "Jane", LastName: "Doe", Activate: day, Expiry: day.AddDate(0, 0, 1),
		Memo: accessplan.Memo{Version: 1, Email: email, Records: []accessplan.MemoRecord{{Source: "feed", Key: "k", Resources: []string{"Room"}, Start: day.Add(9 * time.Hour), End: day.Add(10 * time.Hour)}}},
	}
}

// TestControllerRefusesUnmarkedUsers checks DESIGN invariant 1 at the last line of defence:
// whatever it is asked, the controller writes nothing to a user without the marker.
func TestControllerRefusesUnmarkedUsers(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	plain, err := h.sim.AddUser(net2sim.User{FirstName: "Not", LastName: "Ours", PIN: "2468",
		CustomFields: map[int]string{10: "Receptionist", 13: "email: not.ours@example.com"},
		Permissions:  net2sim.PermissionSet{AccessLevels: []int{1}}})
	require.NoError(t, err)
	c := newController(t, h, accessplan.CodePIN)
	state, err := c.Snapshot(ctx, true)
	require.NoError(t, err)
	for _, u := range state.Users {
		assert.NotEqual(t, plain.ID, u.ID, "an unmarked user is not part of the state")
	}

	h.sim.ResetLog()
	for name, write := range map[string]func() error{
		"update":      func() error { return c.UpdateUser(ctx, plain.ID, spec("not.ours@example.com")) },
		"department":  func() error { return c.SetDepartment(ctx, plain.ID, 1) },
		"permissions": func() error { return c.SetPermissions(ctx, plain.ID, accessplan.Permissions{AccessLevels: []int{0}}) },
		"code":        func() error { return c.AssignCode(ctx, plain.ID, "135790") },
		"delete":      func() error { return c.DeleteUser(ctx, plain.ID) },
	} {
		err := write()
		assert.ErrorIs(t, err, accessplan.ErrNotManaged, name)
	}
	assert.Equal(t, 0, h.sim.Writes(), "not one write reached Net2")
	after, ok := h.sim.User(plain.ID)
	require.True(t, ok)
	assert.Equal(t, plain, after)
}

func TestControllerWritesAndReadsBack(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := newController(t, h, accessplan.CodeQR)
	id, err := c.CreateUser(ctx, "jane@example.com", spec("jane@example.com"))
	require.NoError(t, err)
	require.NoError(t, c.SetDepartment(ctx, id, net2sim.DemoDeptBooking))
	require.NoError(t, c.SetPermissions(ctx, id, accessplan.Permissions{Doors: []int{net2sim.DemoFrontDoor}, TimezoneIDs: []int{1}}))
	inUse, err := c.CodesInUse(ctx)
	require.NoError(t, err)
	assert.True(t, inUse["10012345"], "codes of unmanaged users count: %v", inUse)
	require.NoError(t, c.AssignCode(ctx, id, "424242"))
	err = c.AssignCode(ctx, id, "10012345")
	assert.ErrorIs(t, err, accessplan.ErrCodeTaken, "a card another user holds")

	state, err := c.Snapshot(ctx, true)
	require.NoError(t, err)
	require.Len(t, state.Users, 1)
	u := state.Users[0]
	assert.Equal(t, id, u.ID)
	assert.Equal(t, "jane@example.com", u.Memo.Email)
	assert.Equal(t, "424242", u.Code)
	assert.Equal(t, net2sim.DemoDeptBooking, u.DepartmentID)
	assert.Equal(t, accessplan.Permissions{Doors: []int{net2sim.DemoFrontDoor}, TimezoneIDs: []int{1}}, u.Permissions)
	assert.True(t, u.Activate.Equal(spec("").Activate))
	assert.True(t, u.Expiry.Equal(spec("").Expiry))

	// Names, dates and memo are written by read-modify-write: fields an operator set survive.
	sp := spec("jane@example.com")
	sp.FirstName = "Janet"
	sp.Expiry = sp.Expiry.Add(24 * time.Hour)
	require.NoError(t, c.UpdateUser(ctx, id, sp))
	raw, _ := h.sim.User(id)
	assert.Equal(t, "Janet", raw.FirstName)
	assert.Equal(t, net2.Marker, raw.CustomFields[10])
	require.NotNil(t, raw.ExpiryDate)
	assert.True(t, raw.ExpiryDate.Equal(sp.Expiry))

	require.NoError(t, c.DeleteUser(ctx, id))
	_, ok := h.sim.User(id)
	assert.False(t, ok)
	require.NoError(t, c.DeleteUser(ctx, id), "deleting a user that is already gone reaches the goal")
}

func TestControllerRefusesPINModeWhenNet2HidesPINs(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) { o.MinimalUserFields = true }))
	ctx := context.Background()
	c := newController(t, h, accessplan.CodePIN)
	_, err := c.CreateUser(ctx, "jane@example.com", spec("jane@example.com"))
	require.NoError(t, err)
	_, err = c.Snapshot(ctx, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not report users' PINs")

	q := newController(t, h, accessplan.CodeQR)
	_, err = q.Snapshot(ctx, false)
	assert.NoError(t, err, "QR codes are tokens, which every version lists")
}
