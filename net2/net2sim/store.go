package net2sim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// User is a Net2 user as the emulator stores it, with its department, door permission set
// and tokens. Values returned by the inspection methods are deep copies.
type User struct {
	ID                 int               `json:"id"`
	FirstName          string            `json:"firstName"`
	MiddleName         string            `json:"middleName"`
	LastName           string            `json:"lastName"`
	ActivateDate       time.Time         `json:"activateDate"`
	ExpiryDate         *time.Time        `json:"expiryDate"` // nil = never expires
	PIN                string            `json:"pin"`
	Telephone          string            `json:"telephone"`
	Extension          string            `json:"extension"`
	Fax                string            `json:"fax"`
	IsAntiPassbackUser bool              `json:"isAntiPassbackUser"`
	IsAlarmUser        bool              `json:"isAlarmUser"`
	IsLockdownExempt   bool              `json:"isLockdownExempt"`
	HasImage           bool              `json:"hasImage"`
	CustomFields       map[int]string    `json:"customFields"` // field id (1–14) → value
	DepartmentID       int               `json:"departmentId"` // 0 = none
	Permissions        PermissionSet     `json:"doorPermissionSet"`
	Tokens             []Token           `json:"tokens"`
	Extra              map[string]string `json:"extra,omitempty"` // unused by the emulator; free for tests
}

// Clone returns a deep copy.
func (u User) Clone() User {
	if u.ExpiryDate != nil {
		e := *u.ExpiryDate
		u.ExpiryDate = &e
	}
	u.CustomFields = maps.Clone(u.CustomFields)
	u.Permissions = u.Permissions.Clone()
	u.Tokens = slices.Clone(u.Tokens)
	u.Extra = maps.Clone(u.Extra)
	return u
}

// PermissionSet is a user's door permission set: access-level ids and individual
// permissions (reader areas or doors, see Options.PermissionIDs).
type PermissionSet struct {
	AccessLevels          []int                  `json:"accessLevels"`
	IndividualPermissions []IndividualPermission `json:"individualPermissions"`
}

// Clone returns a deep copy with non-nil slices.
func (p PermissionSet) Clone() PermissionSet {
	return PermissionSet{
		AccessLevels:          append([]int{}, p.AccessLevels...),
		IndividualPermissions: append([]IndividualPermission{}, p.IndividualPermissions...),
	}
}

// IndividualPermission grants ID during timezone TimezoneID. What ID names depends on
// Options.PermissionIDs: a reader-area id (default, see Area) or a door id (an ACU address).
type IndividualPermission struct {
	ID         int `json:"id"`
	TimezoneID int `json:"timezoneId"`
}

// Token is a card, fob or other credential of a user.
type Token struct {
	ID         int    `json:"id"`
	TokenType  string `json:"tokenType"`
	TokenValue string `json:"tokenValue"`
	IsLost     bool   `json:"isLost"`
}

// Area is a reader area, the unit Net2 grants access to: a door has one area per reader (a
// door with an In and an Out reader has two). Ids are small integers counted from 1, so they
// collide with access-level ids (research §12). Door is the door the area belongs to; it is
// not part of Net2's reply.
type Area struct {
	AreaID int    `json:"areaID"`
	Name   string `json:"name"`
	Door   int    `json:"-"`
}

// LevelArea is one detail row of an access level: reader area AreaID during timezone
// TimezoneID (OEM and PSNet2Api rows {areaID, timezoneID}).
type LevelArea struct {
	AreaID     int `json:"areaID"`
	TimezoneID int `json:"timezoneID"`
}

// Named is a door, access level, department or timezone.
type Named struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// FieldName is the definition of custom user field ID (1–14); MaxLength 0 = unlimited.
type FieldName struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	MaxLength int    `json:"maxLength"`
}

// Operator is a Net2 operator who may log in. The login name is "FirstName Surname".
type Operator struct {
	UserID    int    `json:"userID"`
	FirstName string `json:"firstName"`
	Surname   string `json:"surname"`
	Password  string `json:"-"`
}

// DisplayName is the operator's login name, "First Surname".
func (o Operator) DisplayName() string { return strings.TrimSpace(o.FirstName + " " + o.Surname) }

// TokenTypes are the token type names Net2 accepts.
var TokenTypes = []string{
	"Unspecified", "ProxCard", "ProxIsoCard", "Keyfob", "HandsFreeToken", "Watchprox",
	"ProxIsoCardWithoutMagstripe", "VehicleNumberPlate", "HandsFreeKeyCard",
	"FingerprintVerificationCard", "TelephoneCallerId",
}

// DefaultFieldNames are Net2's default custom field definitions (research §5.3).
var DefaultFieldNames = []FieldName{
	{1, "Address 1", 100}, {2, "Address 2", 100}, {3, "Town", 50}, {4, "County", 50},
	{5, "Post code", 50}, {6, "Home telephone", 50}, {7, "Home Fax", 50}, {8, "Mobile", 50},
	{9, "Email", 50}, {10, "Position", 50}, {11, "Start date", 50}, {12, "Car registration", 50},
	{13, "Notes", 0}, {14, "Personnel number", 50},
}

// store is the emulator's data. Every access holds Sim.mu.
type store struct {
	users       map[int]*User
	nextUserID  int
	nextTokenID int
	doors       map[int]string
	levels      map[int]string
	departments map[int]string
	timezones   map[int]string
	fields      map[int]FieldName
	operators   []Operator

	areas      map[int]Area        // area id → area
	nextAreaID int                 // next free area id
	doorAreas  map[int][]int       // door id → its area ids, in reader order
	levelRows  map[int][]LevelArea // access level id → detail rows
	levelAll   map[int]bool        // levels that hold every area at every time (built-in 1)
}

func newStore() store {
	s := store{
		users: map[int]*User{}, nextUserID: 1, nextTokenID: 1,
		doors: map[int]string{}, levels: map[int]string{}, departments: map[int]string{},
		timezones: map[int]string{}, fields: map[int]FieldName{},
		areas: map[int]Area{}, nextAreaID: 1, doorAreas: map[int][]int{},
		levelRows: map[int][]LevelArea{}, levelAll: map[int]bool{},
	}
	for _, f := range DefaultFieldNames {
		s.fields[f.ID] = f
	}
	return s
}

// sortedNamed renders a map as a list ordered by id.
func sortedNamed(m map[int]string) []Named {
	out := make([]Named, 0, len(m))
	for id, name := range m {
		out = append(out, Named{id, name})
	}
	slices.SortFunc(out, func(a, b Named) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (st *store) sortedUsers() []*User {
	out := slices.Collect(maps.Values(st.users))
	slices.SortFunc(out, func(a, b *User) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// validationError is a 400 with Net2-style message text.
type validationError struct{ msg string }

func (e *validationError) Error() string { return e.msg }

func invalid(format string, a ...any) error { return &validationError{fmt.Sprintf(format, a...)} }

// checkUser validates a user about to be stored. opts gives the knobs.
func (st *store) checkUser(u *User, opts *Options) error {
	if strings.TrimSpace(u.FirstName) == "" && strings.TrimSpace(u.LastName) == "" {
		return invalid("A user must have a first name or a surname.")
	}
	for _, r := range u.PIN {
		if r < '0' || r > '9' {
			return invalid("The PIN must contain digits only.")
		}
	}
	if opts.UniquePINs && u.PIN != "" {
		for _, o := range st.users {
			if o.ID != u.ID && o.PIN == u.PIN {
				msg := "PIN already in use"
				if opts.DuplicatePINMessage != "" {
					msg = opts.DuplicatePINMessage
				}
				return invalid("%s", msg)
			}
		}
	}
	for id, v := range u.CustomFields {
		f, ok := st.fields[id]
		if !ok || id < 1 || id > 14 {
			return invalid("Custom field %d does not exist; custom field ids are 1 to 14.", id)
		}
		max := f.MaxLength
		if id == 13 && opts.NotesMaxLength > 0 {
			max = opts.NotesMaxLength
		}
		if max > 0 && len([]rune(v)) > max {
			return invalid("Custom field %d (%s) is longer than %d characters.", id, f.Name, max)
		}
	}
	return nil
}

// checkPermissions validates a door permission set against the reference data.
func (st *store) checkPermissions(p PermissionSet, opts *Options) error {
	if opts.LiteEdition && len(p.AccessLevels) > 1 {
		return invalid("Net2 Lite allows only one access level per user.")
	}
	for _, l := range p.AccessLevels {
		if _, ok := st.levels[l]; !ok {
			return invalid("Access level %d does not exist.", l)
		}
	}
	if opts.NoIndividualPermissions && len(p.IndividualPermissions) > 0 {
		return invalid("Individual permissions are not available on this system.")
	}
	for _, ip := range p.IndividualPermissions {
		if opts.doorIDs() {
			if _, ok := st.doors[ip.ID]; !ok {
				return invalid("Door %d does not exist.", ip.ID)
			}
		} else if _, ok := st.areas[ip.ID]; !ok {
			return invalid("Area %d does not exist.", ip.ID)
		}
		if _, ok := st.timezones[ip.TimezoneID]; !ok {
			return invalid("Timezone %d does not exist.", ip.TimezoneID)
		}
	}
	return nil
}

// normaliseTokenValue gives the value as Net2 stores it: numbers are integers, so leading
// zeros are dropped.
func normaliseTokenValue(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return v
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return v
		}
	}
	if t := strings.TrimLeft(v, "0"); t != "" {
		return t
	}
	return "0"
}

// tokenHolder returns the user holding value (ignoring token skipID), or nil. With
// AllowDuplicateTokens nobody holds a value in the way.
func (st *store) tokenHolder(value string, skipID int, opts *Options) *User {
	if opts.AllowDuplicateTokens {
		return nil
	}
	for _, u := range st.sortedUsers() {
		for _, t := range u.Tokens {
			if t.ID != skipID && strings.EqualFold(t.TokenValue, value) {
				return u
			}
		}
	}
	return nil
}

// canonicalTokenType returns the canonical spelling of a token type, or "".
func canonicalTokenType(t string) string {
	for _, n := range TokenTypes {
		if strings.EqualFold(n, strings.TrimSpace(t)) {
			return n
		}
	}
	return ""
}

// setDoor adds or renames door id with one area per reader name (areaNames), reusing the
// door's existing area ids in order, numbering new ones from nextAreaID and dropping surplus
// ones.
func (st *store) setDoor(id int, name string, areaNames []string) {
	st.doors[id] = name
	old := st.doorAreas[id]
	ids := make([]int, len(areaNames))
	for i, an := range areaNames {
		if i < len(old) {
			ids[i] = old[i]
		} else {
			ids[i] = st.nextAreaID
			st.nextAreaID++
		}
		st.areas[ids[i]] = Area{AreaID: ids[i], Name: an, Door: id}
	}
	for _, a := range old[min(len(old), len(ids)):] {
		delete(st.areas, a)
	}
	st.doorAreas[id] = ids
}

// sortedAreas lists the areas by id.
func (st *store) sortedAreas() []Area {
	out := slices.Collect(maps.Values(st.areas))
	slices.SortFunc(out, func(a, b Area) int { return cmp.Compare(a.AreaID, b.AreaID) })
	return out
}

// detail returns access level id's detail rows: every area during timezone 1 for a level
// like the built-in 1, else the seeded rows (nil for a level without detail).
func (st *store) detail(id int) []LevelArea {
	if st.levelAll[id] {
		var out []LevelArea
		for _, a := range st.sortedAreas() {
			out = append(out, LevelArea{AreaID: a.AreaID, TimezoneID: 1})
		}
		return out
	}
	return slices.Clone(st.levelRows[id])
}
