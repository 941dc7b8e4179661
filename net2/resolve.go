package net2

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Ref names a Net2 object either by name or by id, as the configuration file allows both. It
// has the same shape as config.NameOrID, so a config value converts with net2.Ref(v).
type Ref struct {
	Name string
	ID   int
	IsID bool
}

// ParseRef reads a reference as written by an admin: a whole number is an id, anything else
// a name.
func ParseRef(s string) Ref {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return Ref{ID: n, IsID: true}
	}
	return Ref{Name: s}
}

// String renders the reference as written.
func (r Ref) String() string {
	if r.IsID {
		return strconv.Itoa(r.ID)
	}
	return r.Name
}

// Resolve finds the object ref names in list (a department, access level, timezone or door
// list). kind ("department", "access level", ...) is used in errors. Names match
// case-insensitively, ignoring surrounding space. A name that two objects share is an error
// (use the id instead), and so is a name or id not in list; the error lists what is available
// so an admin can fix the configuration.
func Resolve(kind string, list []Named, ref Ref) (Named, error) {
	if ref.IsID {
		for _, n := range list {
			if n.ID == ref.ID {
				return n, nil
			}
		}
		return Named{}, fmt.Errorf("net2: no %s with id %d in Net2; available: %s", kind, ref.ID, available(list))
	}
	name := strings.TrimSpace(ref.Name)
	if name == "" {
		return Named{}, fmt.Errorf("net2: no %s given; available: %s", kind, available(list))
	}
	var found []Named
	for _, n := range list {
		if strings.EqualFold(strings.TrimSpace(n.Name), name) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Named{}, fmt.Errorf("net2: no %s named %q in Net2; available: %s", kind, name, available(list))
	}
	ids := make([]string, len(found))
	for i, n := range found {
		ids[i] = strconv.Itoa(n.ID)
	}
	return Named{}, fmt.Errorf("net2: %d %ss are named %q in Net2 (ids %s): rename one in Net2 or refer to it by id", len(found), kind, name, strings.Join(ids, ", "))
}

// ResolveField finds the custom user field ref names: by id (1–14) or by the name the site
// gave it, as Resolve does.
func ResolveField(fields []FieldName, ref Ref) (FieldName, error) {
	if ref.IsID && (ref.ID < 1 || ref.ID > 14) {
		return FieldName{}, fmt.Errorf("net2: user field id %d is outside 1–14", ref.ID)
	}
	list := make([]Named, len(fields))
	for i, f := range fields {
		list[i] = Named{ID: f.ID, Name: f.Name}
	}
	n, err := Resolve("user field", list, ref)
	if err != nil {
		if ref.IsID && len(fields) == 0 {
			return FieldName{ID: ref.ID}, nil // no definitions known: the id alone is enough
		}
		return FieldName{}, err
	}
	i := slices.IndexFunc(fields, func(f FieldName) bool { return f.ID == n.ID })
	return fields[i], nil
}

// available renders a list for an error: "Booking (3), Staff (4)".
func available(list []Named) string {
	if len(list) == 0 {
		return "none"
	}
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = fmt.Sprintf("%q (%d)", n.Name, n.ID)
	}
	return strings.Join(parts, ", ")
}
