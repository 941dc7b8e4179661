package net2

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/net2booking/net2booking/accessplan"
)

// PermissionIDs is the id space of individualPermissions[].id on a Net2 server. The public
// evidence (OEM SDK rows IndividualReaderAreas(AreaID, ...), access-level detail rows
// {areaID, timezoneID}, greboid/net2 resolving individual entries against
// /accesslevels/areas) says reader-area ids; no public client was seen writing door serials.
// `net2booking check --live` settles it for a site.
type PermissionIDs string

// The id spaces.
const (
	PermissionAreas PermissionIDs = "area" // reader-area ids from GET /accesslevels/areas (default)
	PermissionDoors PermissionIDs = "door" // door ids (ACU serial numbers) from GET /doors
)

// Areas lists the reader areas (GET /accesslevels/areas, [{areaID, name}]): what access
// levels and, on most servers, individual permissions are made of. A door with an In and an
// Out reader has two.
func (c *Client) Areas(ctx context.Context) ([]Named, error) {
	return c.namedList(ctx, "/accesslevels/areas")
}

// DoorAreas matches reader areas to doors by name, because Net2's API links them by nothing
// else. An area belongs to a door when, compared case-insensitively with runs of white space
// as one space:
//
//  1. its name is the door's name, or the door's name followed by a character that is not a
//     letter or digit ("Front door (In)", "Front door - Out", "Front door: exit"), the door's
//     name also being tried without an "ACU:<serial>" part ("Garage Port - ACU:7242929" →
//     "Garage Port"); or
//  2. its name contains the door's id (ACU serial) as a whole number.
//
// An area that fits several doors goes to the door with the longest matching name (so "Room
// 1 annex (In)" belongs to "Room 1 annex", not to "Room 1"). The result maps every door to
// its area ids, ascending; a door without areas is absent.
func DoorAreas(doors, areas []Named) map[int][]int {
	type cand struct{ door, score int }
	out := map[int][]int{}
	for _, a := range areas {
		an := normal(a.Name)
		best := cand{door: -1}
		for _, d := range doors {
			score := 0
			for _, dn := range doorNames(d) {
				if dn != "" && (an == dn || strings.HasPrefix(an, dn) && !isWordRune(firstRune(an[len(dn):]))) {
					score = max(score, len(dn)+1)
				}
			}
			if score == 0 && containsNumber(an, d.ID) {
				score = 1
			}
			if score > best.score {
				best = cand{d.ID, score}
			}
		}
		if best.door >= 0 && best.score > 0 {
			out[best.door] = append(out[best.door], a.ID)
		}
	}
	for d := range out {
		slices.Sort(out[d])
		out[d] = slices.Compact(out[d])
	}
	return out
}

// doorNames is the door's name as matched against area names: as it is, and without an
// "ACU:<serial>" part.
func doorNames(d Named) []string {
	n := normal(d.Name)
	names := []string{n}
	if i := strings.Index(n, "acu:"); i > 0 {
		names = append(names, strings.TrimRight(strings.TrimSpace(n[:i]), " -–:,(["))
	}
	return names
}

func normal(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return ' '
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// containsNumber reports whether s holds n as a whole number (not part of a longer one).
func containsNumber(s string, n int) bool {
	num := strconv.Itoa(n)
	for i := 0; ; {
		j := strings.Index(s[i:], num)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !unicode.IsDigit(rune(s[j-1]))
		after := j+len(num) == len(s) || !unicode.IsDigit(rune(s[j+len(num)]))
		if before && after {
			return true
		}
		i = j + 1
	}
}

// SiteRef is one Net2 object a configuration names, with the place it was named (a
// configuration key such as "access.department"), which every error about it starts with.
type SiteRef struct {
	Key string
	Ref Ref
}

// ResourceRefs is one resource of the configuration: what it opens (doors, or access levels
// under GrantAccessLevels), by name or id.
type ResourceRefs struct {
	Key     string // e.g. `resources."Room #1" (line 40)`
	Name    string // the booking system's resource name
	Targets []Ref
}

// SiteNames is everything a site's configuration names in Net2.
type SiteNames struct {
	Department, MarkerField, FallbackLevel, AlwaysTimezone SiteRef
	Resources                                              []ResourceRefs
	// Grant says whether resources name doors (individual) or access levels.
	Grant accessplan.GrantKind
	// PermissionIDs is the id space individual permissions are written in; with
	// PermissionAreas every door used must resolve to at least one reader area.
	PermissionIDs PermissionIDs
}

// Site is SiteNames resolved to Net2 ids: what a Policy and a Controller are built from.
type Site struct {
	Department, FallbackLevel, AlwaysTimezone, MarkerField int
	// Resources maps each resource name to door ids (individual grant) or access-level ids.
	Resources map[string][]int
	// Grant and PermissionIDs are as asked.
	Grant         accessplan.GrantKind
	PermissionIDs PermissionIDs
	// DoorAreas maps every door the resources use to its reader-area ids (area mode with the
	// individual grant only; nil otherwise): how a door is written as individual permissions.
	DoorAreas map[int][]int
}

// Policy returns the part of an accessplan.Policy that comes from Net2; the caller adds the
// rules that come from its configuration (grace, removal, code kind, ...).
func (s Site) Policy(p accessplan.Policy) accessplan.Policy {
	p.Doors = s.Resources
	p.Grant = s.Grant
	p.Department = s.Department
	p.FallbackLevel = s.FallbackLevel
	p.AlwaysTimezone = s.AlwaysTimezone
	return p
}

// ResolveSite looks up, in Net2, every object names refers to, in one table: the department
// (department 0 "None" is accepted whether or not Net2 lists it), the fallback access level,
// the always timezone, the marker field (which must not be the memo field 13), and each
// resource's doors or access levels; in area mode each door used is matched to its reader
// areas (see DoorAreas), and a door without one is an error naming it. It reads each list
// Net2 has once and reports every problem, each starting with the key it concerns and listing
// what Net2 has, so an admin can fix the file in one go.
func ResolveSite(ctx context.Context, c *Client, names SiteNames) (Site, []error) {
	site := Site{Grant: names.Grant, PermissionIDs: names.PermissionIDs, Resources: map[string][]int{}}
	if site.Grant == "" {
		site.Grant = accessplan.GrantIndividual
	}
	if site.PermissionIDs == "" {
		site.PermissionIDs = PermissionAreas
	}
	// One login for everything: a refused or unreachable Net2 is one problem, not one per key.
	if _, err := c.token(ctx); err != nil {
		return site, []error{err}
	}
	var errs []error
	lists := map[string][]Named{}
	failed := map[string]bool{}
	list := func(route, key string) ([]Named, bool) {
		if l, ok := lists[route]; ok {
			return l, true
		}
		if failed[route] {
			return nil, false
		}
		l, err := c.namedList(ctx, route)
		if err != nil {
			failed[route] = true
			errs = append(errs, fmt.Errorf("%s: reading %s from Net2: %w", key, route, err))
			return nil, false
		}
		lists[route] = l
		return l, true
	}
	one := func(r SiteRef, kind, route string, extra func([]Named) []Named, dst *int) {
		l, ok := list(route, r.Key)
		if !ok {
			return
		}
		if extra != nil {
			l = extra(l)
		}
		n, err := Resolve(kind, l, r.Ref)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Key, err))
			return
		}
		*dst = n.ID
	}
	one(names.Department, "department", "/departments", withNoneDepartment, &site.Department)
	one(names.FallbackLevel, "access level", "/accesslevels", nil, &site.FallbackLevel)
	if site.Grant == accessplan.GrantIndividual {
		one(names.AlwaysTimezone, "timezone", "/timezones", nil, &site.AlwaysTimezone)
	}
	if fields, err := c.CustomFieldNames(ctx); err != nil {
		errs = append(errs, fmt.Errorf("%s: reading the user fields from Net2: %w", names.MarkerField.Key, err))
	} else if f, err := ResolveField(fields, names.MarkerField.Ref); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", names.MarkerField.Key, err))
	} else if f.ID == MemoField {
		errs = append(errs, fmt.Errorf("%s: %q is the memo field (13), which holds the bookings; choose another field", names.MarkerField.Key, f.Name))
	} else {
		site.MarkerField = f.ID
	}

	kind, route := "door", "/doors"
	if site.Grant == accessplan.GrantAccessLevels {
		kind, route = "access level", "/accesslevels"
	}
	used := map[int]bool{}
	for _, r := range names.Resources {
		l, ok := list(route, r.Key)
		if !ok {
			continue
		}
		var ids []int
		for _, t := range r.Targets {
			n, err := Resolve(kind, l, t)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w (see `net2booking net2 %ss`)", r.Key, err, strings.ReplaceAll(kind, " ", "-")))
				continue
			}
			if !slices.Contains(ids, n.ID) {
				ids = append(ids, n.ID)
			}
			used[n.ID] = true
		}
		site.Resources[r.Name] = ids
	}
	if site.Grant == accessplan.GrantIndividual && site.PermissionIDs == PermissionAreas && len(used) > 0 {
		doors, okD := list("/doors", "resources")
		areas, okA := list("/accesslevels/areas", "net2.permission_ids")
		if okD && okA {
			match := DoorAreas(doors, areas)
			site.DoorAreas = map[int][]int{}
			for _, r := range names.Resources {
				for _, id := range site.Resources[r.Name] {
					if a := match[id]; len(a) > 0 {
						site.DoorAreas[id] = a
						continue
					}
					name := ""
					if i := slices.IndexFunc(doors, func(d Named) bool { return d.ID == id }); i >= 0 {
						name = fmt.Sprintf(" %q", doors[i].Name)
					}
					errs = append(errs, fmt.Errorf("%s: door %d%s matches no reader area in Net2, and net2.permission_ids is area (individual permissions name reader areas); areas: %s. Rename the area after its door, or set net2.permission_ids: door if `net2booking check --live` says this server takes door ids",
						r.Key, id, name, available(areas)))
				}
			}
		}
	}
	return site, dedupe(errs)
}

// withNoneDepartment adds department 0 ("None") when Net2 does not list it, so "None" can be
// configured on every server.
func withNoneDepartment(list []Named) []Named {
	for _, d := range list {
		if d.ID == 0 {
			return list
		}
	}
	return append([]Named{{ID: 0, Name: "None"}}, list...)
}

// dedupe drops repeated messages (a list that failed is reported once per key).
func dedupe(errs []error) []error {
	seen := map[string]bool{}
	var out []error
	for _, e := range errs {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return out
}
