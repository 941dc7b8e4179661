package net2sim

import (
	"fmt"
	"time"
)

// The demo site: what `net2booking sim --seed demo` serves and what examples and tests can
// start from.

const (
	// DemoOperator is the built-in operator's login name.
	DemoOperator = "System engineer"
	// DemoPassword is the built-in operator's password unless Options.Password says
	// otherwise. It is a demo value, not a secret.
	DemoPassword = "sim-demo-password"
	// DemoClientID is the client id the emulator accepts unless Options.ClientID says
	// otherwise.
	DemoClientID = "00aab996-6439-4d3b-9e6f-5a1de3a0c0de"
)

// Demo doors: ACU addresses as on a real site.
const (
	DemoFrontDoor    = 1484506
	DemoStudio1      = 6612642
	DemoGarage       = 7242929
	DemoMeetingRoomA = 7001001
	DemoMeetingRoomB = 7001002
	DemoBackOffice   = 7001003
)

// Demo reader areas: the front door has an In and an Out reader, every other door one
// reader. The ids follow from the order SeedDemo adds the doors to a fresh emulator.
const (
	DemoAreaFrontDoorIn  = 1 // "Front door (In)"
	DemoAreaFrontDoorOut = 2 // "Front door (Out)"
	DemoAreaStudio1      = 3
	DemoAreaGarage       = 4
	DemoAreaMeetingRoomA = 5
	DemoAreaMeetingRoomB = 6
	DemoAreaBackOffice   = 7
)

// Demo departments and the extra access levels.
const (
	DemoDeptBooking     = 1
	DemoDeptStaff       = 2
	DemoDeptContractors = 3
	DemoDeptLeavers     = 4

	DemoLevelWorkingHoursFront = 2
	DemoLevelStaff             = 3
)

// NewDemo returns an emulator (see New) seeded with the demo site (see SeedDemo).
func NewDemo(opts Options) *Sim {
	s := New(opts)
	if err := SeedDemo(s); err != nil {
		panic(err) // the demo data is fixed; a failure is a bug in this package
	}
	return s
}

// SeedDemo adds a small site to s: six doors (the front door with an In and an Out reader,
// so two reader areas; the others one area each, see the DemoArea constants when s was
// fresh), access levels "Working hours, front door" (2: both front door areas, timezone 3)
// and "Staff" (3: every area but the garage, timezone 1) besides the built-in 0 and 1,
// departments "Booking" (1), "Staff" (2), "Contractors" (3) and "Leavers" (4), and four
// ordinary users with PINs and cards. Carol has individual permissions (working hours) on
// the front door and meeting room A: on their reader areas, or on the door ids when s has
// PermissionIDs "door". None of the users carries a booking-sync marker: net2booking must
// leave them alone.
func SeedDemo(s *Sim) error {
	s.AddDoorReaders(DemoFrontDoor, "Front door", "In", "Out")
	for _, d := range []Named{
		{DemoStudio1, "Studio 1"},
		{DemoGarage, "Garage Port - ACU:7242929"},
		{DemoMeetingRoomA, "Meeting room A"},
		{DemoMeetingRoomB, "Meeting room B"},
		{DemoBackOffice, "Back office"},
	} {
		s.AddDoor(d.ID, d.Name)
	}
	front := s.DoorAreas(DemoFrontDoor)
	var working, staff []LevelArea
	for _, a := range front {
		working = append(working, LevelArea{AreaID: a, TimezoneID: 3})
	}
	for _, door := range []int{DemoFrontDoor, DemoStudio1, DemoMeetingRoomA, DemoMeetingRoomB, DemoBackOffice} {
		for _, a := range s.DoorAreas(door) {
			staff = append(staff, LevelArea{AreaID: a, TimezoneID: 1})
		}
	}
	s.AddAccessLevelAreas(DemoLevelWorkingHoursFront, "Working hours, front door", working...)
	s.AddAccessLevelAreas(DemoLevelStaff, "Staff", staff...)
	s.AddDepartment(DemoDeptBooking, "Booking")
	s.AddDepartment(DemoDeptStaff, "Staff")
	s.AddDepartment(DemoDeptContractors, "Contractors")
	s.AddDepartment(DemoDeptLeavers, "Leavers")

	s.mu.Lock()
	loc, doorIDs := s.loc(), s.opts.doorIDs()
	s.mu.Unlock()
	carol := []IndividualPermission{
		{ID: front[0], TimezoneID: 3}, {ID: front[1], TimezoneID: 3},
		{ID: s.DoorAreas(DemoMeetingRoomA)[0], TimezoneID: 3},
	}
	if doorIDs {
		carol = []IndividualPermission{{ID: DemoFrontDoor, TimezoneID: 3}, {ID: DemoMeetingRoomA, TimezoneID: 3}}
	}
	// Expiry dates are the day after the last day with access, right under both readings of
	// Net2's expiry (Options.ExpiryEndOfDay).
	day := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	expiry := func(t time.Time) *time.Time { return &t }
	users := []User{
		{
			FirstName: "Alice", LastName: "Andersen", PIN: "4821", ActivateDate: day(2024, 1, 1, 0, 0),
			CustomFields: map[int]string{9: "alice@example.com", 10: "Office manager"},
			DepartmentID: DemoDeptStaff, Permissions: PermissionSet{AccessLevels: []int{1}},
			Tokens: []Token{{TokenType: "ProxCard", TokenValue: "10012345"}},
		},
		{
			FirstName: "Bob", LastName: "Brown", PIN: "7390", ActivateDate: day(2024, 3, 1, 0, 0),
			ExpiryDate: expiry(day(2031, 1, 1, 0, 0)), CustomFields: map[int]string{8: "07700 900123"},
			DepartmentID: DemoDeptStaff, Permissions: PermissionSet{AccessLevels: []int{DemoLevelStaff}},
			Tokens: []Token{{TokenType: "Keyfob", TokenValue: "20034567"}},
		},
		{
			FirstName: "Carol", LastName: "Cooper", ActivateDate: day(2025, 5, 1, 0, 0),
			ExpiryDate: expiry(day(2027, 7, 1, 0, 0)), CustomFields: map[int]string{13: "Cleaning contractor"},
			DepartmentID: DemoDeptContractors,
			Permissions:  PermissionSet{IndividualPermissions: carol},
			Tokens:       []Token{{TokenType: "ProxCard", TokenValue: "30056789"}},
		},
		{
			FirstName: "Dan", LastName: "Davies", PIN: "1593", ActivateDate: day(2024, 9, 1, 0, 0),
			Permissions: PermissionSet{AccessLevels: []int{0}},
		},
	}
	for _, u := range users {
		if _, err := s.AddUser(u); err != nil {
			return fmt.Errorf("net2sim: seeding the demo: %w", err)
		}
	}
	return nil
}
