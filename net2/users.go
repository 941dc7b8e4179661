package net2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Users, their department and their door permission set.

// wireUser is a user as Net2 sends it; every property is optional.
type wireUser struct {
	ID                 flexInt     `json:"id"`
	FirstName          flexString  `json:"firstName"`
	MiddleName         flexString  `json:"middleName"`
	LastName           flexString  `json:"lastName"`
	ActivateDate       flexTime    `json:"activateDate"`
	ExpiryDate         flexTime    `json:"expiryDate"`
	PIN                flexString  `json:"pin"`
	Telephone          flexString  `json:"telephone"`
	Extension          flexString  `json:"extension"`
	Fax                flexString  `json:"fax"`
	IsAntiPassbackUser flexBool    `json:"isAntiPassbackUser"`
	IsAlarmUser        flexBool    `json:"isAlarmUser"`
	IsLockdownExempt   flexBool    `json:"isLockdownExempt"`
	HasImage           flexBool    `json:"hasImage"`
	CustomFields       []wireField `json:"customFields"`
}

type wireField struct {
	ID    flexInt    `json:"id"`
	Value flexString `json:"value"`
}

// decodeUser reads one user object.
func (c *Client) decodeUser(raw json.RawMessage) (User, error) {
	var w wireUser
	if err := json.Unmarshal(raw, &w); err != nil {
		return User{}, err
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		return User{}, err
	}
	u := User{
		ID:                 int(w.ID),
		FirstName:          string(w.FirstName),
		MiddleName:         string(w.MiddleName),
		LastName:           string(w.LastName),
		PIN:                string(w.PIN),
		Telephone:          string(w.Telephone),
		Extension:          string(w.Extension),
		Fax:                string(w.Fax),
		IsAntiPassbackUser: bool(w.IsAntiPassbackUser),
		IsAlarmUser:        bool(w.IsAlarmUser),
		IsLockdownExempt:   bool(w.IsLockdownExempt),
		HasImage:           bool(w.HasImage),
		present:            make(map[string]bool, len(props)),
		fromNet2:           true,
	}
	for k := range props {
		u.present[strings.ToLower(k)] = true
	}
	var err error
	if u.ActivateDate, err = w.ActivateDate.toTime(c.loc); err != nil {
		return User{}, fmt.Errorf("user %d: activateDate: %w", u.ID, err)
	}
	u.ActivateDate = wallClock(u.ActivateDate, c.loc)
	if u.ExpiryDate, err = w.ExpiryDate.toPtr(c.loc); err != nil {
		return User{}, fmt.Errorf("user %d: expiryDate: %w", u.ID, err)
	}
	if u.ExpiryDate != nil {
		e := wallClock(*u.ExpiryDate, c.loc)
		u.ExpiryDate = &e
	}
	for _, f := range w.CustomFields {
		u.CustomFields = append(u.CustomFields, CustomField{ID: int(f.ID), Value: string(f.Value)})
	}
	return u, nil
}

// wallClock reads a user date as the wall-clock time Net2 holds, in the site zone loc,
// whatever offset Net2 put on it. Net2 keeps user dates as wall-clock days and answers with
// the server's offset, while dates are sent as site wall clock (WireDateLayout). Reading them
// back the same way makes a read-modify-write send back exactly what was read, even when the
// Net2 server's zone differs from the site zone; converting instead would shift the date by
// the difference on every update.
func wallClock(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), loc)
}

// encodeUser builds the JSON body of a create (id == false) or update (id == true).
//
// On update, id, activateDate, expiryDate and the whole customFields array are always sent:
// Net2 clears an omitted expiry, may do the same with the activation, and its handling of a
// partial customFields array is unknown. Optional properties are sent when Net2 reported them
// for this user or when they are non-zero, so an older server is never sent a zero value for
// something it did not report (an empty PIN could erase one).
func (c *Client) encodeUser(u User, update bool) map[string]any {
	m := map[string]any{"firstName": u.FirstName, "lastName": u.LastName}
	opt := func(key string, v any, nonZero bool) {
		if nonZero || u.present[strings.ToLower(key)] {
			m[key] = v
		}
	}
	opt("middleName", u.MiddleName, u.MiddleName != "")
	opt("pin", u.PIN, u.PIN != "")
	opt("telephone", u.Telephone, u.Telephone != "")
	opt("extension", u.Extension, u.Extension != "")
	opt("fax", u.Fax, u.Fax != "")
	opt("isAntiPassbackUser", u.IsAntiPassbackUser, u.IsAntiPassbackUser)
	opt("isAlarmUser", u.IsAlarmUser, u.IsAlarmUser)
	opt("isLockdownExempt", u.IsLockdownExempt, u.IsLockdownExempt)

	fields := make([]map[string]any, 0, len(u.CustomFields))
	for _, f := range u.CustomFields {
		fields = append(fields, map[string]any{"id": f.ID, "value": f.Value})
	}
	if update || len(fields) > 0 {
		m["customFields"] = fields
	}
	if !u.ActivateDate.IsZero() {
		m["activateDate"] = formatDate(u.ActivateDate, c.loc)
	} else if update {
		m["activateDate"] = nil
	}
	if u.ExpiryDate != nil && !u.ExpiryDate.IsZero() {
		m["expiryDate"] = formatDate(*u.ExpiryDate, c.loc)
	} else {
		m["expiryDate"] = nil // explicit "never expires", on create too
	}
	if update {
		m["id"] = u.ID
	}
	return m
}

// checkUser refuses values Net2 would refuse, before anything is sent, in words an admin
// can act on.
func checkUser(u User) error {
	if strings.TrimSpace(u.FirstName) == "" && strings.TrimSpace(u.LastName) == "" {
		return errors.New("a Net2 user needs a first name or a last name")
	}
	for _, r := range u.PIN {
		if r < '0' || r > '9' {
			return errors.New("the PIN must contain digits only")
		}
	}
	seen := map[int]bool{}
	for _, f := range u.CustomFields {
		if f.ID < 1 || f.ID > 14 {
			return fmt.Errorf("custom field id %d is outside 1–14", f.ID)
		}
		if seen[f.ID] {
			return fmt.Errorf("custom field %d is given twice", f.ID)
		}
		seen[f.ID] = true
	}
	return nil
}

func userPath(id int) string { return "/users/" + strconv.Itoa(id) }

// Users lists all users (GET /users). Net2 has no paging here; the list does not include
// door permission sets.
func (c *Client) Users(ctx context.Context) ([]User, error) {
	const route = "/users"
	var raws []json.RawMessage
	if err := c.get(ctx, route, route, &raws); err != nil {
		return nil, err
	}
	out := make([]User, 0, len(raws))
	for _, r := range raws {
		u, err := c.decodeUser(r)
		if err != nil {
			return nil, fmt.Errorf("net2: GET %s: unreadable user in the reply: %w", route, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// User reads one user (GET /users/{id}); IsNotFound(err) if Net2 has no such user.
func (c *Client) User(ctx context.Context, id int) (User, error) {
	const route = "/users/{id}"
	body, err := c.do(ctx, call{method: http.MethodGet, route: route, path: userPath(id)})
	if err != nil {
		return User{}, err
	}
	return c.userReply(http.MethodGet, route, body, nil)
}

// userReply decodes a user reply; an empty body gives fallback (or an error if nil).
func (c *Client) userReply(method, route string, body []byte, fallback *User) (User, error) {
	if isEmptyBody(body) {
		if fallback != nil {
			return *fallback, nil
		}
		return User{}, fmt.Errorf("net2: %s %s: Net2 replied without the user", method, route)
	}
	u, err := c.decodeUser(body)
	if err != nil {
		return User{}, fmt.Errorf("net2: %s %s: unreadable user in the reply: %w", method, route, err)
	}
	return u, nil
}

// CreateUser creates u (POST /users) and returns the user as Net2 stored it, with its new id.
// u.ID is ignored. The department and door permission set are set with their own calls.
//
// If Net2 fails (IsServerError) the user may exist all the same: find it (e.g. by its marker
// field) before creating it again.
func (c *Client) CreateUser(ctx context.Context, u User) (User, error) {
	const route = "/users"
	if err := checkUser(u); err != nil {
		return User{}, fmt.Errorf("net2: POST %s: %w", route, err)
	}
	body, err := c.do(ctx, call{method: http.MethodPost, route: route, path: route, body: c.encodeUser(u, false)})
	if err != nil {
		return User{}, err
	}
	created, err := c.userReply(http.MethodPost, route, body, nil)
	if err != nil {
		return User{}, err
	}
	if created.ID == 0 {
		return User{}, fmt.Errorf("net2: POST %s: Net2 did not return the new user's id; find the user before creating it again", route)
	}
	return created, nil
}

// UpdateUser writes the whole of u (PUT /users/{id}) and returns the user as Net2 replied (u
// itself if the reply is empty).
//
// Pass a user read from Net2 (User, Users, CreateUser or an earlier UpdateUser) and then
// changed: read-modify-write. The PUT carries id, both validity dates and every custom field,
// because Net2 clears an expiry that is left out; a User built by the caller cannot tell "never
// expires" from "not filled in", so it is refused before anything is sent.
func (c *Client) UpdateUser(ctx context.Context, u User) (User, error) {
	const route = "/users/{id}"
	if u.ID <= 0 {
		return User{}, fmt.Errorf("net2: PUT %s: the user has no id", route)
	}
	if !u.fromNet2 {
		return User{}, fmt.Errorf("net2: PUT %s: refusing to update user %d from a value not read from Net2: read it with User first and change that, so its activation and expiry dates are sent back", route, u.ID)
	}
	if err := checkUser(u); err != nil {
		return User{}, fmt.Errorf("net2: PUT %s: user %d: %w", route, u.ID, err)
	}
	body, err := c.do(ctx, call{method: http.MethodPut, route: route, path: userPath(u.ID), body: c.encodeUser(u, true)})
	if err != nil {
		return User{}, err
	}
	return c.userReply(http.MethodPut, route, body, &u)
}

// DeleteUser deletes a user (DELETE /users/{id}) with its tokens and permissions.
func (c *Client) DeleteUser(ctx context.Context, id int) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, route: "/users/{id}", path: userPath(id)})
	return err
}

// UserDepartment returns the user's department (GET /users/{id}/departments). ID 0 means none;
// its Name is then whatever Net2 calls it ("None") or "".
func (c *Client) UserDepartment(ctx context.Context, userID int) (Named, error) {
	const route = "/users/{id}/departments"
	body, err := c.do(ctx, call{method: http.MethodGet, route: route, path: userPath(userID) + "/departments"})
	if err != nil {
		return Named{}, err
	}
	b := trimSpace(body)
	if isEmptyBody(b) {
		return Named{}, nil
	}
	if b[0] == '{' { // a single object instead of the usual one-element array
		var n Named
		return n, c.decode(http.MethodGet, route, b, &n)
	}
	var list []Named
	if err := c.decode(http.MethodGet, route, b, &list); err != nil {
		return Named{}, err
	}
	if len(list) == 0 {
		return Named{}, nil
	}
	return list[0], nil
}

// SetUserDepartment moves a user into a department (PUT /users/{id}/departments with
// {"id": deptID}); 0 means no department. Net2 answers 204.
func (c *Client) SetUserDepartment(ctx context.Context, userID, deptID int) error {
	_, err := c.do(ctx, call{
		method: http.MethodPut, route: "/users/{id}/departments",
		path: userPath(userID) + "/departments", body: map[string]any{"id": deptID},
	})
	return err
}

type wirePermissionSet struct {
	AccessLevels          []flexInt `json:"accessLevels"`
	IndividualPermissions []struct {
		ID         flexInt `json:"id"`
		TimezoneID flexInt `json:"timezoneId"`
	} `json:"individualPermissions"`
}

// DoorPermissionSet reads a user's access levels and individual door permissions (GET
// /users/{id}/doorpermissionset). A new user has an empty set.
func (c *Client) DoorPermissionSet(ctx context.Context, userID int) (DoorPermissionSet, error) {
	var w wirePermissionSet
	if err := c.get(ctx, "/users/{id}/doorpermissionset", userPath(userID)+"/doorpermissionset", &w); err != nil {
		return DoorPermissionSet{}, err
	}
	var s DoorPermissionSet
	for _, l := range w.AccessLevels {
		s.AccessLevels = append(s.AccessLevels, int(l))
	}
	for _, p := range w.IndividualPermissions {
		s.IndividualPermissions = append(s.IndividualPermissions, IndividualPermission{ID: int(p.ID), TimezoneID: int(p.TimezoneID)})
	}
	return s, nil
}

// SetDoorPermissionSet replaces a user's whole door permission set (PUT
// /users/{id}/doorpermissionset). Net2 Lite accepts one access level at most.
func (c *Client) SetDoorPermissionSet(ctx context.Context, userID int, set DoorPermissionSet) error {
	levels := set.AccessLevels
	if levels == nil {
		levels = []int{}
	}
	perms := make([]map[string]int, 0, len(set.IndividualPermissions))
	for _, p := range set.IndividualPermissions {
		perms = append(perms, map[string]int{"id": p.ID, "timezoneId": p.TimezoneID})
	}
	_, err := c.do(ctx, call{
		method: http.MethodPut, route: "/users/{id}/doorpermissionset", path: userPath(userID) + "/doorpermissionset",
		body: map[string]any{"accessLevels": levels, "individualPermissions": perms},
	})
	return err
}
