package net2_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

func TestDoorAreasMatchByNameOrNumber(t *testing.T) {
	doors := []net2.Named{
		{ID: 1484506, Name: "Front door"}, {ID: 7242929, Name: "Garage Port - ACU:7242929"},
		{ID: 7001001, Name: "Room 1"}, {ID: 7001010, Name: "Room 10"}, {ID: 7001011, Name: "Room 1 annex"},
		{ID: 7001099, Name: "Cellar"},
	}
	areas := []net2.Named{
		{ID: 1, Name: "Front door (In)"}, {ID: 2, Name: "front  DOOR - Out"}, {ID: 3, Name: "Garage Port (In)"},
		{ID: 4, Name: "Room 1"}, {ID: 5, Name: "Room 10 (In)"}, {ID: 6, Name: "Room 1 annex (Out)"},
		{ID: 7, Name: "Reader of ACU 7001099"}, {ID: 8, Name: "Front doorway"}, {ID: 9, Name: "Car park"},
	}
	assert.Equal(t, map[int][]int{
		1484506: {1, 2}, // name, then a separator; case and spaces ignored
		7242929: {3},    // the door's name without its ACU:<serial> part
		7001001: {4},    // "Room 1" is not a prefix of "Room 10" (a digit follows)
		7001010: {5},    // ...
		7001011: {6},    // the longest matching door name wins over "Room 1"
		7001099: {7},    // the serial as a whole number
	}, net2.DoorAreas(doors, areas), "\"Front doorway\" and \"Car park\" belong to no door")
}

func siteNames(doors ...int) net2.SiteNames {
	r := net2.ResourceRefs{Key: `resources."Studio 1" (line 9)`, Name: "Studio 1"}
	for _, d := range doors {
		r.Targets = append(r.Targets, net2.Ref{ID: d, IsID: true})
	}
	return net2.SiteNames{
		Department:     net2.SiteRef{Key: "access.department", Ref: net2.Ref{Name: "Booking"}},
		MarkerField:    net2.SiteRef{Key: "access.marker_field", Ref: net2.Ref{Name: "Position"}},
		FallbackLevel:  net2.SiteRef{Key: "access.fallback_access_level", Ref: net2.Ref{Name: "No access"}},
		AlwaysTimezone: net2.SiteRef{Key: "access.always_timezone", Ref: net2.Ref{Name: "All day, every day"}},
		Resources:      []net2.ResourceRefs{r},
	}
}

func TestResolveSiteInAreaMode(t *testing.T) {
	h := newHarness(t)
	names := siteNames(net2sim.DemoFrontDoor)
	names.Resources[0].Targets = append(names.Resources[0].Targets, net2.Ref{Name: "studio 1"}) // by name, any case
	site, errs := net2.ResolveSite(ctx(t), h.client, names)
	require.Empty(t, errs)
	assert.Equal(t, net2.Site{
		Department: net2sim.DemoDeptBooking, FallbackLevel: 0, AlwaysTimezone: 1, MarkerField: 10,
		Resources:     map[string][]int{"Studio 1": {net2sim.DemoFrontDoor, net2sim.DemoStudio1}},
		Grant:         accessplan.GrantIndividual,
		PermissionIDs: net2.PermissionAreas,
		DoorAreas: map[int][]int{
			net2sim.DemoFrontDoor: {net2sim.DemoAreaFrontDoorIn, net2sim.DemoAreaFrontDoorOut},
			net2sim.DemoStudio1:   {net2sim.DemoAreaStudio1},
		},
	}, site)
}

func TestADoorWithoutAreaIsAnErrorNamingTheDoor(t *testing.T) {
	h := newHarness(t)
	h.sim.AddDoor(7777777, "Loading bay")
	for _, a := range h.sim.Areas() {
		if a.Door == 7777777 {
			require.True(t, h.sim.SetAreaName(a.AreaID, "Dock reader")) // a name unrelated to the door
		}
	}
	names := siteNames(net2sim.DemoFrontDoor, 7777777)
	_, errs := net2.ResolveSite(ctx(t), h.client, names)
	require.Len(t, errs, 1)
	msg := errs[0].Error()
	assert.Contains(t, msg, `resources."Studio 1" (line 9): door 7777777 "Loading bay" matches no reader area`)
	assert.Contains(t, msg, `"Dock reader"`, "the areas Net2 has are listed")
	assert.Contains(t, msg, "net2.permission_ids: door")

	names.PermissionIDs = net2.PermissionDoors
	site, errs := net2.ResolveSite(ctx(t), h.client, names)
	require.Empty(t, errs, "in door mode areas are not needed")
	assert.Nil(t, site.DoorAreas)
}

func TestResolveSiteReportsEveryProblemWithItsKey(t *testing.T) {
	h := newHarness(t)
	names := siteNames(net2sim.DemoFrontDoor, 424242)
	names.Department.Ref = net2.Ref{Name: "Nobody"}
	names.MarkerField.Ref = net2.Ref{ID: 13, IsID: true}
	names.Resources[0].Targets = append(names.Resources[0].Targets, net2.Ref{Name: "Attic"})
	_, errs := net2.ResolveSite(ctx(t), h.client, names)
	var text []string
	for _, e := range errs {
		text = append(text, e.Error())
	}
	assert.Len(t, errs, 4, "%q", text)
	assert.Contains(t, joined(text), `access.department: net2: no department named "Nobody"`)
	assert.Contains(t, joined(text), `access.marker_field: "Notes" is the memo field (13)`)
	assert.Contains(t, joined(text), `resources."Studio 1" (line 9): net2: no door with id 424242`)
	assert.Contains(t, joined(text), `resources."Studio 1" (line 9): net2: no door named "Attic"`)
}

func TestResolveSiteOfAccessLevels(t *testing.T) {
	h := newHarness(t)
	names := siteNames()
	names.Grant = accessplan.GrantAccessLevels
	names.Resources[0].Targets = []net2.Ref{{Name: "Staff"}, {ID: net2sim.DemoLevelWorkingHoursFront, IsID: true}}
	site, errs := net2.ResolveSite(ctx(t), h.client, names)
	require.Empty(t, errs)
	assert.Equal(t, []int{net2sim.DemoLevelStaff, net2sim.DemoLevelWorkingHoursFront}, site.Resources["Studio 1"])
	assert.Nil(t, site.DoorAreas)
}

func joined(s []string) string {
	out := ""
	for _, x := range s {
		out += x + "\n"
	}
	return out
}

func TestMFARequiredIsAClearError(t *testing.T) {
	for _, status := range []int{200, 400} {
		h := newHarness(t, withSim(func(o *net2sim.Options) { o.MFAStatus = status }))
		h.sim.RequireMFA(net2sim.DemoOperator)
		_, err := h.client.Users(ctx(t))
		require.Error(t, err)
		assert.ErrorIs(t, err, net2.ErrMFARequired, "status %d", status)
		assert.Contains(t, err.Error(), "use an operator without MFA")
		assert.NotContains(t, err.Error(), "without an access token")
	}
}

// TestCodeRefusalsAreDecidedFromData: whatever Net2's 400 says, a code another user holds is
// ErrCodeTaken (the engine draws another) and a refusal of a free code is Net2's own error.
func TestCodeRefusalsAreDecidedFromData(t *testing.T) {
	h := newHarness(t, withSim(func(o *net2sim.Options) {
		o.DuplicateTokenMessage = "Token number in use"
		o.UniquePINs, o.DuplicatePINMessage = true, "Invalid PIN"
	}))
	c := context.Background()
	qr := newController(t, h, accessplan.CodeQR)
	_, err := qr.Snapshot(c, true)
	require.NoError(t, err)
	id, err := qr.CreateUser(c, "jane@example.com", spec("jane@example.com"))
	require.NoError(t, err)
	_, err = qr.CodesInUse(c)
	require.NoError(t, err)
	err = qr.AssignCode(c, id, "10012345") // an unmanaged user's card, in a wording never seen
	assert.ErrorIs(t, err, accessplan.ErrCodeTaken)
	// A card issued after the token index was read: Net2's refusal makes a fresh read.
	_, err = h.sim.AddUser(net2sim.User{FirstName: "Late", Tokens: []net2sim.Token{{TokenType: "ProxCard", TokenValue: "777"}}})
	require.NoError(t, err)
	err = qr.AssignCode(c, id, "777")
	assert.ErrorIs(t, err, accessplan.ErrCodeTaken, "%v", err)
	badType, err := net2.NewController(h.client, net2.ControllerConfig{MarkerField: 10, Code: accessplan.CodeQR, QRTokenType: "QRCode", Location: siteZone, DoorAreas: doorAreas(t, h)})
	require.NoError(t, err)
	_, err = badType.Snapshot(c, true)
	require.NoError(t, err)
	err = badType.AssignCode(c, id, "55443322") // a free number, refused for its token type
	require.Error(t, err)
	assert.NotErrorIs(t, err, accessplan.ErrCodeTaken, "nobody holds it: Net2's own refusal, not a collision")
	assert.Contains(t, err.Error(), "no other user holds it")

	pin := newController(t, h, accessplan.CodePIN)
	state, err := pin.Snapshot(c, true)
	require.NoError(t, err)
	require.Len(t, state.Users, 1)
	taken := ""
	for _, u := range h.sim.State().Users {
		if u.PIN != "" {
			taken = u.PIN
		}
	}
	require.NotEmpty(t, taken)
	err = pin.AssignCode(c, id, taken)
	assert.ErrorIs(t, err, accessplan.ErrCodeTaken, "%v", err)
	require.NoError(t, pin.AssignCode(c, id, "82736451"))
}

// TestPermissionSetsComparedAsNet2NormalisesThem: reordered, [0] as [], one door as its
// areas: none of it makes the plan rewrite the set.
func TestPermissionSetsComparedAsNet2NormalisesThem(t *testing.T) {
	for name, knob := range map[string]func(*net2sim.Options){
		"reordered":          func(o *net2sim.Options) { o.ReorderPermissions = true },
		"no access as empty": func(o *net2sim.Options) { o.NoAccessAsEmpty = true },
		"doors as areas":     func(o *net2sim.Options) { o.PermissionIDs = "door"; o.DoorsAsAreas = true },
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, withSim(knob))
			c := context.Background()
			mode := net2.PermissionAreas
			var opts net2sim.Options
			knob(&opts)
			if opts.PermissionIDs == "door" {
				mode = net2.PermissionDoors
			}
			logs := &syncBuffer{}
			var raised []string
			ctl, err := net2.NewController(h.client, net2.ControllerConfig{MarkerField: 10, Code: accessplan.CodePIN, Location: siteZone,
				PermissionIDs: mode, DoorAreas: doorAreas(t, h), Logger: slog.New(slog.NewTextHandler(logs, nil)),
				Alert: func(key, _, _ string) { raised = append(raised, key) }})
			require.NoError(t, err)
			id, err := ctl.CreateUser(c, "jane@example.com", spec("jane@example.com"))
			require.NoError(t, err)
			for _, want := range []accessplan.Permissions{
				{Doors: []int{net2sim.DemoFrontDoor, net2sim.DemoStudio1}, TimezoneIDs: []int{1, 1}},
				{AccessLevels: []int{0}},
			} {
				require.NoError(t, ctl.SetPermissions(c, id, want))
				state, err := ctl.Snapshot(c, true)
				require.NoError(t, err)
				got := state.Users[0].Permissions
				if name == "doors as areas" && len(want.Doors) > 0 {
					// Net2 shows the door as its areas: the controller cannot read them as the
					// door, so it says so once and stops rewriting after the second time.
					require.NoError(t, ctl.SetPermissions(c, id, want))
					state, err = ctl.Snapshot(c, true)
					require.NoError(t, err)
					got = state.Users[0].Permissions
					assert.Contains(t, logs.String(), "ALERT: Net2 stores this user's permission set differently")
					assert.Equal(t, []string{fmt.Sprintf("readback:%d", id)}, raised, "and the admins hear of it")
				}
				plan := accessplan.Permissions{AccessLevels: want.AccessLevels, Doors: want.Doors, TimezoneIDs: want.TimezoneIDs}
				assert.True(t, samePlanPerms(plan, got), "%v read back as %v", want, got)
			}
		})
	}
}

// samePlanPerms compares permission sets as the planner sees them: levels as a set in which
// 0 ("No access") stands for no rights, doors with their timezones.
func samePlanPerms(a, b accessplan.Permissions) bool {
	return fmt.Sprint(planKey(a)) == fmt.Sprint(planKey(b))
}

func planKey(p accessplan.Permissions) []string {
	var out []string
	for _, l := range p.AccessLevels {
		if l != 0 {
			out = append(out, fmt.Sprintf("level %d", l))
		}
	}
	for i, d := range p.Doors {
		out = append(out, fmt.Sprintf("door %d/%d", d, p.TimezoneIDs[i]))
	}
	sort.Strings(out)
	return out
}
