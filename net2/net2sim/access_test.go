package net2sim_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/net2/net2sim"
)

// Reader areas, the permission-id space, expiry and Permitted.

func TestAreasAreListedByID(t *testing.T) {
	e := start(t, net2sim.Options{})
	status, body := e.api(http.MethodGet, "/accesslevels/areas", nil)
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `[
		{"areaID":1,"name":"Front door (In)"},{"areaID":2,"name":"Front door (Out)"},
		{"areaID":3,"name":"Studio 1"},{"areaID":4,"name":"Garage Port - ACU:7242929"},
		{"areaID":5,"name":"Meeting room A"},{"areaID":6,"name":"Meeting room B"},
		{"areaID":7,"name":"Back office"}]`, body)

	assert.Equal(t, []int{net2sim.DemoAreaFrontDoorIn, net2sim.DemoAreaFrontDoorOut}, e.sim.DoorAreas(net2sim.DemoFrontDoor), "In and Out: two areas")
	assert.Equal(t, []int{net2sim.DemoAreaMeetingRoomA}, e.sim.DoorAreas(net2sim.DemoMeetingRoomA))
	assert.Nil(t, e.sim.DoorAreas(1))
	areas := e.sim.Areas()
	require.Len(t, areas, 7)
	assert.Equal(t, net2sim.Area{AreaID: 2, Name: "Front door (Out)", Door: net2sim.DemoFrontDoor}, areas[1])
	assert.Equal(t, net2sim.Area{AreaID: net2sim.DemoAreaBackOffice, Name: "Back office", Door: net2sim.DemoBackOffice}, areas[6])

	snap := e.sim.State()
	assert.Equal(t, areas, snap.Areas)
	assert.Equal(t, []int{1, 2}, snap.DoorAreas[net2sim.DemoFrontDoor])
	_, _, text := e.send(http.MethodGet, "/_sim/state", nil, nil)
	assert.Contains(t, text, `"name": "Front door (Out)"`)
}

func TestAddDoorAndReaders(t *testing.T) {
	s := net2sim.New(net2sim.Options{})
	s.AddDoor(100, "Side door")
	s.AddDoorReaders(200, "Lobby", "In", "Out")
	s.AddDoorReaders(300, "Store")
	assert.Equal(t, []net2sim.Area{
		{AreaID: 1, Name: "Side door", Door: 100},
		{AreaID: 2, Name: "Lobby (In)", Door: 200}, {AreaID: 3, Name: "Lobby (Out)", Door: 200},
		{AreaID: 4, Name: "Store", Door: 300},
	}, s.Areas(), "ids count from 1, like access-level ids")

	s.AddDoor(200, "Lobby door") // one area now, keeping the first id
	s.AddDoorReaders(100, "Side door", "Entry", "Exit")
	assert.Equal(t, []net2sim.Area{
		{AreaID: 1, Name: "Side door (Entry)", Door: 100},
		{AreaID: 2, Name: "Lobby door", Door: 200},
		{AreaID: 4, Name: "Store", Door: 300},
		{AreaID: 5, Name: "Side door (Exit)", Door: 100},
	}, s.Areas())
	assert.Equal(t, []int{1, 5}, s.DoorAreas(100))
}

func TestPermissionIDsAreAreasByDefault(t *testing.T) {
	e := start(t, net2sim.Options{})
	status, body := e.api(http.MethodPut, "/users/4/doorpermissionset",
		`{"accessLevels":[],"individualPermissions":[{"id":2,"timezoneId":1}]}`)
	require.Equal(t, http.StatusNoContent, status, body)
	status, body = e.api(http.MethodPut, "/users/4/doorpermissionset",
		fmt.Sprintf(`{"individualPermissions":[{"id":%d,"timezoneId":1}]}`, net2sim.DemoFrontDoor))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"Message":"Area 1484506 does not exist."}`, body)
	status, body = e.api(http.MethodPost, "/users", `{"firstName":"P","doorAccessPermissionSet":{"individualPermissions":[{"id":8,"timezoneId":1}]}}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"Message":"Area 8 does not exist."}`, body)
	u, _ := e.sim.User(4)
	assert.Equal(t, []net2sim.IndividualPermission{{ID: 2, TimezoneID: 1}}, u.Permissions.IndividualPermissions, "refused writes change nothing")

	_, err := e.sim.AddUser(net2sim.User{FirstName: "Seed", Permissions: net2sim.PermissionSet{
		IndividualPermissions: []net2sim.IndividualPermission{{ID: net2sim.DemoFrontDoor, TimezoneID: 1}}}})
	assert.ErrorContains(t, err, "Area 1484506 does not exist.", "seeding checks the same id space")
}

func TestPermissionIDsCanBeDoors(t *testing.T) {
	e := start(t, net2sim.Options{PermissionIDs: "door"})
	status, body := e.api(http.MethodPut, "/users/4/doorpermissionset",
		fmt.Sprintf(`{"individualPermissions":[{"id":%d,"timezoneId":1}]}`, net2sim.DemoFrontDoor))
	require.Equal(t, http.StatusNoContent, status, body)
	status, body = e.api(http.MethodPut, "/users/4/doorpermissionset", `{"individualPermissions":[{"id":2,"timezoneId":1}]}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"Message":"Door 2 does not exist."}`, body)
	status, body = e.api(http.MethodPost, "/users", `{"firstName":"P","doorAccessPermissionSet":{"individualPermissions":[{"id":1,"timezoneId":1}]}}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"Message":"Door 1 does not exist."}`, body)

	carol, _ := e.sim.User(3)
	assert.Equal(t, []net2sim.IndividualPermission{{ID: net2sim.DemoFrontDoor, TimezoneID: 3}, {ID: net2sim.DemoMeetingRoomA, TimezoneID: 3}},
		carol.Permissions.IndividualPermissions, "the demo seeds door ids in door mode")
	_, err := e.sim.AddUser(net2sim.User{FirstName: "Seed", Permissions: net2sim.PermissionSet{
		IndividualPermissions: []net2sim.IndividualPermission{{ID: 1, TimezoneID: 1}}}})
	assert.ErrorContains(t, err, "Door 1 does not exist.")

	monday := time.Date(2026, 3, 2, 12, 0, 0, 0, zone)
	ok, why := e.sim.Permitted(4, net2sim.DemoFrontDoor, monday)
	assert.True(t, ok, why)
	assert.Equal(t, "individual door 1484506 (Front door) timezone 1", why)
	ok, why = e.sim.Permitted(4, net2sim.DemoStudio1, monday)
	assert.False(t, ok)
	assert.Equal(t, "no permission for door 6612642", why)
}

// expiring seeds a user with only an individual "always" permission on the front door's In
// area, expiring on 2026-01-05 (stored 00:00 through the API).
func expiring(t *testing.T, e *env) int {
	t.Helper()
	id := e.createUser(`{"firstName":"Exp","activateDate":"2026-01-01T00:00:00","expiryDate":"2026-01-05T14:30:00",
		"doorAccessPermissionSet":{"individualPermissions":[{"id":1,"timezoneId":1}]}}`)
	u, _ := e.sim.User(id)
	require.Equal(t, time.Date(2026, 1, 5, 0, 0, 0, 0, zone), *u.ExpiryDate)
	return id
}

func TestUsersExpireAtTheStartOfTheExpiryDay(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := expiring(t, e)
	front := net2sim.DemoFrontDoor
	ok, why := e.sim.Permitted(id, front, time.Date(2026, 1, 4, 23, 59, 0, 0, zone))
	assert.True(t, ok, why)
	assert.Equal(t, "individual area 1 (Front door (In)) timezone 1", why)
	ok, why = e.sim.Permitted(id, front, time.Date(2026, 1, 5, 0, 0, 0, 0, zone))
	assert.False(t, ok)
	assert.Equal(t, "expired 2026-01-05", why)
	ok, _ = e.sim.Permitted(id, front, time.Date(2026, 1, 4, 23, 30, 0, 0, time.UTC))
	assert.False(t, ok, "00:30 server-local on the expiry day")

	ok, why = e.sim.Permitted(id, front, time.Date(2025, 12, 31, 23, 59, 0, 0, zone))
	assert.False(t, ok)
	assert.Equal(t, "not active before 2026-01-01", why)
	ok, why = e.sim.Permitted(id, front, time.Date(2026, 1, 1, 0, 0, 0, 0, zone))
	assert.True(t, ok, why)
}

func TestExpiryEndOfDay(t *testing.T) {
	e := start(t, net2sim.Options{ExpiryEndOfDay: true})
	id := expiring(t, e)
	ok, why := e.sim.Permitted(id, net2sim.DemoFrontDoor, time.Date(2026, 1, 5, 12, 0, 0, 0, zone))
	assert.True(t, ok, why)
	ok, why = e.sim.Permitted(id, net2sim.DemoFrontDoor, time.Date(2026, 1, 5, 23, 59, 0, 0, zone))
	assert.True(t, ok, why)
	ok, why = e.sim.Permitted(id, net2sim.DemoFrontDoor, time.Date(2026, 1, 6, 0, 0, 0, 0, zone))
	assert.False(t, ok)
	assert.Equal(t, "expired 2026-01-05", why)
}

func TestActivationCountsFromTheStartOfItsDay(t *testing.T) {
	e := start(t, net2sim.Options{})
	id := e.createUser(`{"firstName":"Act","activateDate":"2026-04-10T15:00:00","doorAccessPermissionSet":{"accessLevels":[1]}}`)
	u, _ := e.sim.User(id)
	assert.Equal(t, time.Date(2026, 4, 10, 15, 0, 0, 0, zone), u.ActivateDate, "stored as sent")
	ok, _ := e.sim.Permitted(id, net2sim.DemoGarage, time.Date(2026, 4, 9, 23, 59, 0, 0, zone))
	assert.False(t, ok)
	ok, why := e.sim.Permitted(id, net2sim.DemoGarage, time.Date(2026, 4, 10, 0, 0, 0, 0, zone))
	assert.True(t, ok, why)
	assert.Equal(t, "access level 1 (All hours, all doors) area 4 (Garage Port - ACU:7242929) timezone 1", why)
}

func TestAccessLevelsAndTimezonesInPermitted(t *testing.T) {
	e := start(t, net2sim.Options{})
	monday9 := time.Date(2026, 3, 2, 9, 0, 0, 0, zone)
	saturday := time.Date(2026, 3, 7, 12, 0, 0, 0, zone)

	// Alice: level 1, every door always, including doors added later.
	e.sim.AddDoor(9000001, "New door")
	for _, door := range []int{net2sim.DemoFrontDoor, net2sim.DemoGarage, 9000001} {
		ok, why := e.sim.Permitted(1, door, saturday)
		assert.True(t, ok, "%d: %s", door, why)
	}
	// Bob: Staff, every area but the garage, always.
	ok, why := e.sim.Permitted(2, net2sim.DemoBackOffice, saturday)
	assert.True(t, ok, why)
	assert.Equal(t, "access level 3 (Staff) area 7 (Back office) timezone 1", why)
	ok, why = e.sim.Permitted(2, net2sim.DemoGarage, saturday)
	assert.False(t, ok)
	assert.Equal(t, "no permission for door 7242929", why)
	// Carol: individual areas in working hours, Monday to Friday 09:00–17:00 server-local.
	ok, why = e.sim.Permitted(3, net2sim.DemoMeetingRoomA, monday9)
	assert.True(t, ok, why)
	assert.Equal(t, "individual area 5 (Meeting room A) timezone 3", why)
	ok, _ = e.sim.Permitted(3, net2sim.DemoMeetingRoomA, monday9.Add(-time.Minute))
	assert.False(t, ok, "before 09:00")
	ok, _ = e.sim.Permitted(3, net2sim.DemoMeetingRoomA, monday9.Add(8*time.Hour-time.Minute))
	assert.True(t, ok, "16:59")
	ok, _ = e.sim.Permitted(3, net2sim.DemoMeetingRoomA, monday9.Add(8*time.Hour))
	assert.False(t, ok, "17:00")
	ok, why = e.sim.Permitted(3, net2sim.DemoFrontDoor, saturday)
	assert.False(t, ok)
	assert.Equal(t, "no permission for door 1484506 at 2026-03-07T12:00:00+01:00: individual area 1 (Front door (In)) timezone 3; individual area 2 (Front door (Out)) timezone 3 not active", why)
	// Dan: level 0 opens nothing.
	ok, why = e.sim.Permitted(4, net2sim.DemoFrontDoor, monday9)
	assert.False(t, ok)
	assert.Equal(t, "no permission for door 1484506", why)

	// A level of areas, and a plain level with no detail; individual rights add to levels.
	e.sim.AddTimezone(4, "Weekends (no detail: always)")
	e.sim.AddAccessLevelAreas(10, "Studio at no time", net2sim.LevelArea{AreaID: net2sim.DemoAreaStudio1, TimezoneID: 2})
	e.sim.AddAccessLevelAreas(11, "Studio weekends", net2sim.LevelArea{AreaID: net2sim.DemoAreaStudio1, TimezoneID: 4})
	e.sim.AddAccessLevel(12, "Empty")
	status, body := e.api(http.MethodPut, "/users/4/doorpermissionset", `{"accessLevels":[12,10],"individualPermissions":[{"id":6,"timezoneId":1}]}`)
	require.Equal(t, http.StatusNoContent, status, body)
	ok, why = e.sim.Permitted(4, net2sim.DemoStudio1, saturday)
	assert.False(t, ok)
	assert.Equal(t, "no permission for door 6612642 at 2026-03-07T12:00:00+01:00: access level 10 (Studio at no time) area 3 (Studio 1) timezone 2 not active", why)
	ok, why = e.sim.Permitted(4, net2sim.DemoMeetingRoomB, saturday)
	assert.True(t, ok, why)
	e.api(http.MethodPut, "/users/4/doorpermissionset", `{"accessLevels":[10,11],"individualPermissions":[{"id":6,"timezoneId":1}]}`)
	ok, why = e.sim.Permitted(4, net2sim.DemoStudio1, saturday)
	assert.True(t, ok, why)
	assert.Equal(t, "access level 11 (Studio weekends) area 3 (Studio 1) timezone 4", why)
	ok, why = e.sim.Permitted(4, net2sim.DemoMeetingRoomB, saturday)
	assert.True(t, ok, "union: %s", why)

	ok, why = e.sim.Permitted(99, net2sim.DemoStudio1, saturday)
	assert.False(t, ok)
	assert.Equal(t, "no user 99", why)
	ok, why = e.sim.Permitted(4, 1, saturday)
	assert.False(t, ok)
	assert.Equal(t, "no door 1", why)
}

func TestAccessLevelDetailRoute(t *testing.T) {
	e := start(t, net2sim.Options{})
	_, body := e.api(http.MethodGet, "/accesslevels/2/detail", nil)
	assert.JSONEq(t, `[{"areaID":1,"timezoneID":3},{"areaID":2,"timezoneID":3}]`, body)
	_, body = e.api(http.MethodGet, "/accesslevels/1/detail", nil)
	assert.JSONEq(t, `[{"areaID":1,"timezoneID":1},{"areaID":2,"timezoneID":1},{"areaID":3,"timezoneID":1},
		{"areaID":4,"timezoneID":1},{"areaID":5,"timezoneID":1},{"areaID":6,"timezoneID":1},{"areaID":7,"timezoneID":1}]`, body)
	_, body = e.api(http.MethodGet, "/accesslevels/0/detail", nil)
	assert.Equal(t, "[]", body)
	status, _ := e.api(http.MethodGet, "/accesslevels/42/detail", nil)
	assert.Equal(t, http.StatusNotFound, status)
	_, body = e.api(http.MethodGet, "/accesslevels/2", nil)
	assert.JSONEq(t, `{"id":2,"name":"Working hours, front door"}`, body, "the areas route does not shadow levels")
	assert.Equal(t, []net2sim.LevelArea{{AreaID: 1, TimezoneID: 3}, {AreaID: 2, TimezoneID: 3}}, e.sim.State().AccessLevelDetail[2])
}
