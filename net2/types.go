package net2

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// User is a Net2 user (cardholder) as the client reads and writes it.
//
// Net2 updates users with a partial PUT in which an omitted expiry date is cleared, so
// UpdateUser always sends the whole record: read it with Client.User, change it, and pass the
// whole value back (read-modify-write). UpdateUser refuses a User that was not read from
// Net2, so forgetting the dates cannot happen silently.
type User struct {
	// ID is Net2's user id; zero for a user not yet created.
	ID         int
	FirstName  string
	MiddleName string
	LastName   string
	// ActivateDate is the first instant of validity ("valid from"); zero if Net2 gave none.
	ActivateDate time.Time
	// ExpiryDate is the end of validity; nil means the user never expires. Net2's null and
	// .NET's minimum date 0001-01-01 both read as nil.
	ExpiryDate *time.Time
	// PIN is the keypad code, digits only; "" for none. An empty PIN is not sent on update:
	// older Net2 versions do not report PINs, and sending "" could erase one.
	PIN       string
	Telephone string
	Extension string
	Fax       string
	// IsAntiPassbackUser, IsAlarmUser and IsLockdownExempt are Net2's user flags.
	IsAntiPassbackUser bool
	IsAlarmUser        bool
	IsLockdownExempt   bool
	// HasImage is read-only: whether Net2 holds a photo of the user.
	HasImage bool
	// CustomFields are the user's values of the 14 site-defined fields (ids 1–14; 13 is the
	// memo). UpdateUser sends the whole array as it is here.
	CustomFields []CustomField

	// present holds the lower-cased JSON properties Net2 returned for this user; nil for a
	// user built by the caller. Optional properties are sent back only if Net2 returned them
	// or they are non-zero, so an older server never gets a zero value it did not report.
	present map[string]bool
	// fromNet2 is set when the value was read from Net2.
	fromNet2 bool
}

// Reports reports whether Net2 returned the JSON property name (any case) for this user.
// Older Net2 versions leave out some properties, such as pin; an absent property says
// nothing about the value.
func (u *User) Reports(name string) bool { return u.present[strings.ToLower(name)] }

// CustomField is the value of one of a user's custom fields.
type CustomField struct {
	// ID is the field id, 1–14 (see FieldName).
	ID    int
	Value string
}

// Field returns the value of custom field id, or "" if the user has none.
func (u *User) Field(id int) string {
	for _, f := range u.CustomFields {
		if f.ID == id {
			return f.Value
		}
	}
	return ""
}

// SetField sets custom field id to v, adding it if the user has no value for it yet. The
// array keeps its order; a new field is added at the end.
func (u *User) SetField(id int, v string) {
	for i := range u.CustomFields {
		if u.CustomFields[i].ID == id {
			u.CustomFields[i].Value = v
			return
		}
	}
	u.CustomFields = append(u.CustomFields, CustomField{ID: id, Value: v})
}

// FromNet2 reports whether the user was read from Net2 (User, Users, CreateUser or
// UpdateUser), as opposed to built by the caller.
func (u *User) FromNet2() bool { return u.fromNet2 }

// DisplayName is "First Middle Last" without empty parts, for messages.
func (u *User) DisplayName() string {
	return strings.Join(strings.Fields(u.FirstName+" "+u.MiddleName+" "+u.LastName), " ")
}

// Clone returns a deep copy of u.
func (u User) Clone() User {
	u.CustomFields = slices.Clone(u.CustomFields)
	if u.ExpiryDate != nil {
		e := *u.ExpiryDate
		u.ExpiryDate = &e
	}
	return u
}

// DoorPermissionSet is a user's door access: named access levels plus individual door
// permissions. Net2 replaces the whole set on every write; there is no per-item call.
type DoorPermissionSet struct {
	// AccessLevels are access-level ids (Net2 Lite allows at most one).
	AccessLevels []int
	// IndividualPermissions grant single doors in a timezone.
	IndividualPermissions []IndividualPermission
}

// IndividualPermission grants one reader area (or, on servers that take door ids, one door;
// see PermissionIDs) during a timezone.
type IndividualPermission struct {
	ID         int
	TimezoneID int
}

// Clone returns a deep copy of s.
func (s DoorPermissionSet) Clone() DoorPermissionSet {
	return DoorPermissionSet{AccessLevels: slices.Clone(s.AccessLevels), IndividualPermissions: slices.Clone(s.IndividualPermissions)}
}

// Token is a credential held by a user: a card, fob or any number a reader sends (QR codes
// are stored as ordinary card tokens).
type Token struct {
	// ID is Net2's token id, unique per user.
	ID int
	// TokenType is one of TokenTypeNames, e.g. "ProxCard".
	TokenType string
	// TokenValue is the number (or plate) as text; Net2 treats numbers as integers, so
	// leading zeros are not significant.
	TokenValue string
	// IsLost bars the token everywhere while keeping it on the record.
	IsLost bool
}

// TokenTypeNames are the token types Net2 knows, used when the server does not list them.
var TokenTypeNames = []string{
	"Unspecified", "ProxCard", "ProxIsoCard", "Keyfob", "HandsFreeToken", "Watchprox",
	"ProxIsoCardWithoutMagstripe", "VehicleNumberPlate", "HandsFreeKeyCard",
	"FingerprintVerificationCard", "TelephoneCallerId",
}

// Named is a Net2 object known by id and name: a door, access level, department or timezone.
type Named struct {
	ID   int
	Name string
}

// UnmarshalJSON reads {"id", "name"} and, for shapes not confirmed on every Net2 version,
// also an id property ending in "id" (timezoneId, areaID, departmentID) and a name property
// ending in "name" (departmentName).
func (n *Named) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	id, idOK := lookup(m, "id", "id")
	if idOK {
		var v flexInt
		if err := json.Unmarshal(id, &v); err != nil {
			return err
		}
		n.ID = int(v)
	}
	name, _ := lookup(m, "name", "name")
	if name != nil {
		var v flexString
		if err := json.Unmarshal(name, &v); err != nil {
			return err
		}
		n.Name = string(v)
	}
	return nil
}

// lookup finds property exact (case-insensitively) in m, else the first one (in sorted key
// order, for determinism) whose lower-cased name ends with suffix.
func lookup(m map[string]json.RawMessage, exact, suffix string) (json.RawMessage, bool) {
	for k, v := range m {
		if strings.EqualFold(k, exact) {
			return v, true
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.HasSuffix(strings.ToLower(k), suffix) {
			return m[k], true
		}
	}
	return nil, false
}

// FieldName is the definition of one custom user field: its id (1–14), the name the site
// gave it, and its maximum length (0 = unlimited, as for the memo field 13).
type FieldName struct {
	ID        int
	Name      string
	MaxLength int
}

// Operator is a Net2 operator, the account the API logs in as. DisplayName ("First Last") is
// the login name.
type Operator struct {
	UserID      int
	FirstName   string
	Surname     string
	DisplayName string
}
