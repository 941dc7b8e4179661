package accessplan

import (
	"time"

	"github.com/net2booking/net2booking/booking"
)

// Net2State is what the planner knows of Net2: the managed users (those carrying the marker).
// Users without the marker are never part of it, so the planner cannot touch them (DESIGN
// invariant 1); the codes they hold reach the code allocator separately.
type Net2State struct {
	Users []ManagedUser
}

// ManagedUser is a Net2 user carrying the marker, as observed.
type ManagedUser struct {
	ID        int
	FirstName string
	LastName  string
	// Memo is the parsed memo (custom field 13): the person's email and the bookings granted.
	// MemoProblems lists the memo lines that did not parse (an operator's stray edit); they
	// are reported, never fatal, and the records that did parse stay valid.
	Memo         Memo
	MemoProblems []string
	// Code is the PIN or QR token value the user holds ("" when none).
	Code string
	// Activate and Expiry are the user's validity dates; a zero Expiry means never.
	Activate time.Time
	Expiry   time.Time
	// DepartmentID is the user's department.
	DepartmentID int
	// Permissions is the user's door permission set.
	Permissions Permissions
}

// Permissions is a Net2 door permission set: named access levels plus individual doors. The
// planner only ever writes one of two shapes: the fallback level alone, or individual doors
// (with the always timezone) and no level.
type Permissions struct {
	AccessLevels []int
	// Doors are the individual door permissions, ascending; TimezoneIDs holds the timezone of
	// each (same index) as observed.
	Doors       []int
	TimezoneIDs []int
}

// asBooking turns a memo record into the booking it stands for, for a source that has not
// answered since start-up. Its Key is the record's key.
func (r MemoRecord) asBooking(u ManagedUser) booking.Booking {
	return booking.Booking{
		Source:    r.Source,
		UID:       r.Key,
		Resources: r.Resources,
		Start:     r.Start,
		End:       r.End,
		Status:    booking.StatusConfirmed,
		Persons: []booking.Person{{
			Email:       u.Memo.Email,
			DisplayName: u.Memo.Name,
			FirstName:   u.FirstName,
			LastName:    u.LastName,
			Role:        booking.RoleAttendee,
		}},
	}
}
