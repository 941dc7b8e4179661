package net2sim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Enforcement: whether the door controller would let a user through, from the stored
// permission set, for tests that check the effect of a sync rather than its wire format. Not
// part of the Net2 API (the OEM SDK's IsUserPermittedThroughDoor is the nearest relative).

// Areas returns every reader area, by id.
func (s *Sim) Areas() []Area {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.sortedAreas()
}

// DoorAreas returns the reader-area ids of door, in reader order (ascending); nil for an
// unknown door.
func (s *Sim) DoorAreas(door int) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.doorAreas[door])
}

// Permitted reports whether Net2 would let user userID through door at time at, and why, e.g.
// "individual area 3 (Front door (In)) timezone 1", "expired 2026-01-05" or "no permission
// for door 1484506". The rules:
//
//   - the user exists, and so does the door;
//   - from 00:00 server-local of the activation day on (no activation date: always);
//   - before 00:00 server-local of the expiry day (Options.ExpiryEndOfDay: before the end of
//     that day; no expiry: forever);
//   - then any individual permission on the door — in area mode (Options.PermissionIDs) on
//     any reader area of the door, in door mode on the door id — whose timezone is active at
//     at, or any of the user's access levels with a detail row for an area of the door whose
//     timezone is active at at. Individual permissions and access levels combine (union).
//
// Timezones: 1 "All day, every day" is always active, 2 "At no time" never, 3 "Working
// hours" Monday to Friday 09:00–17:00 server-local (17:00 itself is outside); any other
// seeded timezone counts as always active (the emulator has no timezone detail), an
// unknown one as never. The rules go by id, whatever the names. Access level 0 opens
// nothing, level 1 every area at every time (unless replaced by AddAccessLevelAreas), a
// level made with AddAccessLevel alone opens nothing.
func (s *Sim) Permitted(userID, door int, at time.Time) (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userID]
	if u == nil {
		return false, fmt.Sprintf("no user %d", userID)
	}
	doorName, ok := s.st.doors[door]
	if !ok {
		return false, fmt.Sprintf("no door %d", door)
	}
	loc := s.loc()
	at = at.In(loc)
	if !u.ActivateDate.IsZero() {
		if start := startOfDay(u.ActivateDate, loc); at.Before(start) {
			return false, "not active before " + start.Format(time.DateOnly)
		}
	}
	if u.ExpiryDate != nil {
		day := startOfDay(*u.ExpiryDate, loc)
		end := day
		if s.opts.ExpiryEndOfDay {
			end = day.AddDate(0, 0, 1)
		}
		if !at.Before(end) {
			return false, "expired " + day.Format(time.DateOnly)
		}
	}

	var inactive []string
	try := func(what string, tz int) bool {
		what = fmt.Sprintf("%s timezone %d", what, tz)
		if s.timezoneActive(tz, at) {
			return true
		}
		inactive = append(inactive, what)
		return false
	}
	for _, ip := range u.Permissions.IndividualPermissions {
		var what string
		if s.opts.doorIDs() {
			if ip.ID != door {
				continue
			}
			what = fmt.Sprintf("individual door %d (%s)", door, doorName)
		} else {
			a, ok := s.st.areas[ip.ID]
			if !ok || a.Door != door {
				continue
			}
			what = fmt.Sprintf("individual area %d (%s)", a.AreaID, a.Name)
		}
		if try(what, ip.TimezoneID) {
			return true, what + fmt.Sprintf(" timezone %d", ip.TimezoneID)
		}
	}
	for _, l := range u.Permissions.AccessLevels {
		for _, row := range s.st.detail(l) {
			a, ok := s.st.areas[row.AreaID]
			if !ok || a.Door != door {
				continue
			}
			what := fmt.Sprintf("access level %d (%s) area %d (%s)", l, s.st.levels[l], a.AreaID, a.Name)
			if try(what, row.TimezoneID) {
				return true, what + fmt.Sprintf(" timezone %d", row.TimezoneID)
			}
		}
	}
	if len(inactive) > 0 {
		return false, fmt.Sprintf("no permission for door %d at %s: %s not active",
			door, at.Format(time.RFC3339), strings.Join(inactive, "; "))
	}
	return false, fmt.Sprintf("no permission for door %d", door)
}

// timezoneActive tells whether timezone id admits at (already in the server's location);
// see Permitted for the rules.
func (s *Sim) timezoneActive(id int, at time.Time) bool {
	switch id {
	case 1:
		return true
	case 2:
		return false
	case 3:
		if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return false
		}
		return at.Hour() >= 9 && at.Hour() < 17
	}
	_, ok := s.st.timezones[id]
	return ok
}
