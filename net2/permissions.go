package net2

import (
	"fmt"
	"slices"
	"strings"

	"github.com/net2booking/net2booking/accessplan"
)

// The translation between the planner's permission sets (doors, ACU serials) and what Net2
// stores in individualPermissions (reader-area ids on most servers, see PermissionIDs), and
// the canonical form both are compared in, so that a set Net2 reads back in another order, or
// as [] for [0], is not rewritten every cycle.

// permissionMap translates doors to the ids Net2's individual permissions hold.
type permissionMap struct {
	// doorAreas maps a door to its reader-area ids; nil in door mode (ids are doors).
	doorAreas map[int][]int
	// areaDoor is the reverse of doorAreas.
	areaDoor map[int]int
}

func newPermissionMap(mode PermissionIDs, doorAreas map[int][]int) (permissionMap, error) {
	if mode == PermissionDoors {
		return permissionMap{}, nil
	}
	m := permissionMap{doorAreas: map[int][]int{}, areaDoor: map[int]int{}}
	for door, areas := range doorAreas {
		if len(areas) == 0 {
			return permissionMap{}, fmt.Errorf("net2: door %d has no reader area; individual permissions cannot name it (see net2.ResolveSite)", door)
		}
		for _, a := range areas {
			if other, dup := m.areaDoor[a]; dup && other != door {
				return permissionMap{}, fmt.Errorf("net2: reader area %d is matched to doors %d and %d", a, other, door)
			}
			m.areaDoor[a] = door
		}
		m.doorAreas[door] = slices.Clone(areas)
	}
	return m, nil
}

// toSet writes a planner permission set as Net2's: each door becomes its reader areas (area
// mode), with the door's timezone; ids ascending.
func (m permissionMap) toSet(p accessplan.Permissions) (DoorPermissionSet, error) {
	set := DoorPermissionSet{AccessLevels: slices.Clone(p.AccessLevels), IndividualPermissions: []IndividualPermission{}}
	if set.AccessLevels == nil {
		set.AccessLevels = []int{}
	}
	for i, d := range p.Doors {
		tz := p.TimezoneIDs[i]
		if m.doorAreas == nil {
			set.IndividualPermissions = append(set.IndividualPermissions, IndividualPermission{ID: d, TimezoneID: tz})
			continue
		}
		areas, ok := m.doorAreas[d]
		if !ok {
			return DoorPermissionSet{}, fmt.Errorf("net2: door %d has no known reader area; individual permissions on this server name reader areas (net2.permission_ids: area)", d)
		}
		for _, a := range areas {
			set.IndividualPermissions = append(set.IndividualPermissions, IndividualPermission{ID: a, TimezoneID: tz})
		}
	}
	slices.SortFunc(set.IndividualPermissions, func(a, b IndividualPermission) int { return a.ID - b.ID })
	return set, nil
}

// fromSet reads Net2's permission set as the planner's, in canonical form. In area mode a
// door is held when every one of its reader areas is, with one timezone; an area left over
// (a door only half held, an area of no known door, mixed timezones) is kept as the negative
// pseudo-door -areaID, so the plan sees a difference and writes the set it wants.
func (m permissionMap) fromSet(s DoorPermissionSet) accessplan.Permissions {
	p := accessplan.Permissions{AccessLevels: slices.Clone(s.AccessLevels)}
	type entry struct{ door, tz int }
	var entries []entry
	if m.doorAreas == nil {
		for _, ip := range s.IndividualPermissions {
			entries = append(entries, entry{ip.ID, ip.TimezoneID})
		}
	} else {
		tzOf := map[int]int{} // area -> timezone
		for _, ip := range s.IndividualPermissions {
			if old, seen := tzOf[ip.ID]; seen && old != ip.TimezoneID {
				tzOf[ip.ID] = -1 // one area twice with two timezones: never equal to a plan
				continue
			}
			tzOf[ip.ID] = ip.TimezoneID
		}
		used := map[int]bool{}
		for door, areas := range m.doorAreas {
			tz, whole := tzOf[areas[0]]
			for _, a := range areas {
				if t, ok := tzOf[a]; !ok || t != tz || t < 0 {
					whole = false
				}
			}
			if whole {
				entries = append(entries, entry{door, tz})
				for _, a := range areas {
					used[a] = true
				}
			}
		}
		for a, tz := range tzOf {
			if !used[a] {
				entries = append(entries, entry{-a, tz})
			}
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if a.door != b.door {
			return a.door - b.door
		}
		return a.tz - b.tz
	})
	entries = slices.Compact(entries)
	for _, e := range entries {
		p.Doors = append(p.Doors, e.door)
		p.TimezoneIDs = append(p.TimezoneIDs, e.tz)
	}
	return canonical(p)
}

// canonical puts a permission set in the form it is compared in: access levels ascending and
// once each, and Net2's built-in level 0 ("No access") treated as what it is, nothing: it is
// dropped next to other rights, and a set with no rights at all reads as [0], so a server
// that reads [0] back as [] (or adds 0 to individual rights) is not rewritten every cycle.
func canonical(p accessplan.Permissions) accessplan.Permissions {
	levels := slices.Clone(p.AccessLevels)
	slices.Sort(levels)
	levels = slices.Compact(levels)
	if len(levels) > 1 || len(p.Doors) > 0 {
		levels = slices.DeleteFunc(levels, func(l int) bool { return l == noAccessLevel })
	}
	if len(levels) == 0 && len(p.Doors) == 0 {
		levels = []int{noAccessLevel}
	}
	if len(levels) == 0 {
		levels = nil
	}
	return accessplan.Permissions{AccessLevels: levels, Doors: slices.Clone(p.Doors), TimezoneIDs: slices.Clone(p.TimezoneIDs)}
}

// noAccessLevel is Net2's built-in access level "No access".
const noAccessLevel = 0

func samePerms(a, b accessplan.Permissions) bool {
	a, b = canonical(a), canonical(b)
	return slices.Equal(a.AccessLevels, b.AccessLevels) && slices.Equal(a.Doors, b.Doors) && slices.Equal(a.TimezoneIDs, b.TimezoneIDs)
}

// describePerms renders a permission set for a log line: "levels [3] doors [1484506/1]".
func describePerms(p accessplan.Permissions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "levels %v", p.AccessLevels)
	if len(p.Doors) > 0 {
		parts := make([]string, len(p.Doors))
		for i, d := range p.Doors {
			parts[i] = fmt.Sprintf("%d/%d", d, p.TimezoneIDs[i])
		}
		fmt.Fprintf(&b, " doors [%s] (door/timezone)", strings.Join(parts, " "))
	}
	return b.String()
}

func describeSet(s DoorPermissionSet) string {
	parts := make([]string, len(s.IndividualPermissions))
	for i, ip := range s.IndividualPermissions {
		parts[i] = fmt.Sprintf("%d/%d", ip.ID, ip.TimezoneID)
	}
	return fmt.Sprintf("accessLevels %v individualPermissions [%s] (id/timezone)", s.AccessLevels, strings.Join(parts, " "))
}
