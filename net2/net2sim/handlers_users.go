package net2sim

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Users and their department and door permission set (research §10.3, §10.4).

// renderUser is a user as Net2 sends it.
func (s *Sim) renderUser(u *User, withPerms bool) map[string]any {
	loc := s.loc()
	var activate any
	if !u.ActivateDate.IsZero() {
		activate = formatDate(u.ActivateDate, loc)
	}
	fields := make([]map[string]any, 0, len(u.CustomFields))
	for id, v := range u.CustomFields {
		fields = append(fields, map[string]any{"id": id, "value": v})
	}
	slices.SortFunc(fields, func(a, b map[string]any) int { return cmp.Compare(a["id"].(int), b["id"].(int)) })
	m := map[string]any{
		"id": u.ID, "firstName": u.FirstName, "middleName": u.MiddleName, "lastName": u.LastName,
		"activateDate": activate, "expiryDate": formatDatePtr(u.ExpiryDate, loc),
		"isAntiPassbackUser": u.IsAntiPassbackUser, "isAlarmUser": u.IsAlarmUser, "hasImage": u.HasImage,
		"customFields": fields,
	}
	if !s.opts.MinimalUserFields {
		m["pin"] = u.PIN
		m["telephone"] = u.Telephone
		m["extension"] = u.Extension
		m["fax"] = u.Fax
		m["isLockdownExempt"] = u.IsLockdownExempt
	}
	if withPerms {
		m["doorAccessPermissionSet"] = s.readBack(u.Permissions)
	}
	return m
}

// applyUser merges the properties of o into u. create tells a POST from a PUT: on a PUT an
// omitted expiryDate is cleared (unless KeepExpiryWhenOmitted), as on real Net2.
func (s *Sim) applyUser(u *User, o object, create bool) error {
	for key, dst := range map[string]*string{
		"firstName": &u.FirstName, "middleName": &u.MiddleName, "lastName": &u.LastName,
	} {
		v, ok, err := o.str(key)
		if err != nil {
			return invalid("%v", err)
		}
		if ok && s.opts.NormaliseNames {
			v = strings.Join(strings.Fields(v), " ")
		}
		if ok {
			*dst = v // as sent: whether Net2 trims names is unknown (NormaliseNames)
		}
	}
	for key, dst := range map[string]*string{
		"pin": &u.PIN, "telephone": &u.Telephone, "extension": &u.Extension, "fax": &u.Fax,
	} {
		v, ok, err := o.str(key)
		if err != nil {
			return invalid("%v", err)
		}
		if ok {
			*dst = strings.TrimSpace(v)
		}
	}
	for key, dst := range map[string]*bool{
		"isAntiPassbackUser": &u.IsAntiPassbackUser, "isAlarmUser": &u.IsAlarmUser, "isLockdownExempt": &u.IsLockdownExempt,
	} {
		v, ok, err := o.boolean(key)
		if err != nil {
			return invalid("%v", err)
		}
		if ok {
			*dst = v
		}
	}
	loc := s.loc()
	switch t, ok, err := o.date("activateDate", loc); {
	case err != nil:
		return invalid("%v", err)
	case ok && t == nil:
		u.ActivateDate = time.Time{}
	case ok:
		u.ActivateDate = *t
	case create:
		n := s.now().In(loc)
		u.ActivateDate = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	case s.opts.ClearActivateWhenOmitted:
		u.ActivateDate = time.Time{}
	}
	switch t, ok, err := o.date("expiryDate", loc); {
	case err != nil:
		return invalid("%v", err)
	case ok && t != nil && !s.opts.KeepExpiryTime:
		d := startOfDay(*t, loc) // a live 6.7+ server stores 00:00 of the day sent
		u.ExpiryDate = &d
	case ok:
		u.ExpiryDate = t
	case !create && !s.opts.KeepExpiryWhenOmitted:
		u.ExpiryDate = nil // the quirk: an omitted expiry is cleared
	}
	if raw, ok := o["customfields"]; ok && !isNull(raw) {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return invalid("customFields must be an array of {id, value}.")
		}
		if s.opts.ReplaceCustomFields || u.CustomFields == nil {
			u.CustomFields = map[int]string{}
		}
		for _, it := range items {
			f, err := decodeObject(it)
			if err != nil {
				return invalid("customFields must be an array of {id, value}.")
			}
			id, _, err := f.integer("id")
			if err != nil {
				return invalid("%v", err)
			}
			if id < 1 || id > 14 {
				return invalid("Custom field %d does not exist; custom field ids are 1 to 14.", id)
			}
			v, _, err := f.str("value")
			if err != nil {
				return invalid("%v", err)
			}
			if v == "" {
				delete(u.CustomFields, id)
			} else {
				u.CustomFields[id] = v
			}
		}
	}
	return nil
}

// parsePermissions reads a door permission set body.
func parsePermissions(raw []byte) (PermissionSet, error) {
	o, err := decodeObject(raw)
	if err != nil {
		return PermissionSet{}, invalid("%v", err)
	}
	p := PermissionSet{AccessLevels: []int{}, IndividualPermissions: []IndividualPermission{}}
	if raw, ok := o["accesslevels"]; ok && !isNull(raw) {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return p, invalid("accessLevels must be an array of access level ids.")
		}
		for _, it := range items {
			id, _, err := parseInt(it, "an access level id")
			if err != nil {
				return p, invalid("%v", err)
			}
			p.AccessLevels = append(p.AccessLevels, id)
		}
	}
	if raw, ok := o["individualpermissions"]; ok && !isNull(raw) {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return p, invalid("individualPermissions must be an array of {id, timezoneId}.")
		}
		for _, it := range items {
			f, err := decodeObject(it)
			if err != nil {
				return p, invalid("individualPermissions must be an array of {id, timezoneId}.")
			}
			id, okID, err1 := f.integer("id")
			tz, okTZ, err2 := f.integer("timezoneId")
			if err := errors.Join(err1, err2); err != nil {
				return p, invalid("%v", err)
			}
			if !okID || !okTZ {
				return p, invalid("Each individual permission needs an id and a timezoneId.")
			}
			p.IndividualPermissions = append(p.IndividualPermissions, IndividualPermission{id, tz})
		}
	}
	return p, nil
}

// userOf returns the user named by the {id} path value, or a 404 reply.
func (s *Sim) userOf(q *req) (*User, *reply) {
	id, err := strconv.Atoi(q.r.PathValue("id"))
	if u := s.st.users[id]; err == nil && u != nil {
		return u, nil
	}
	rep := message(http.StatusNotFound, "User not found.")
	return nil, &rep
}

func badRequest(err error) reply {
	var v *validationError
	if errors.As(err, &v) {
		return message(http.StatusBadRequest, v.msg)
	}
	return message(http.StatusBadRequest, "The request is invalid. "+err.Error())
}

func (s *Sim) getUsers(_ *req) reply {
	users := s.st.sortedUsers()
	if n := s.opts.UsersPageSize; n > 0 && len(users) > n {
		users = users[:n] // a silent page
	}
	out := make([]map[string]any, 0, len(users))
	for _, u := range users {
		out = append(out, s.renderUser(u, false)) // the list never carries permissions
	}
	return listReply(s, out)
}

func (s *Sim) getUser(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	with := !s.opts.OmitPermissionSetInUser
	return reply{status: http.StatusOK, body: s.renderUser(u, with)}
}

func (s *Sim) postUser(q *req) reply {
	o, err := decodeObject(q.body)
	if err != nil {
		return badRequest(invalid("%v", err))
	}
	u := &User{CustomFields: map[int]string{}}
	if err := s.applyUser(u, o, true); err != nil {
		return badRequest(err)
	}
	if err := s.st.checkUser(u, &s.opts); err != nil {
		return badRequest(err)
	}
	if raw, ok := o["dooraccesspermissionset"]; ok && !isNull(raw) {
		p, err := parsePermissions(raw)
		if err == nil {
			err = s.st.checkPermissions(p, &s.opts)
		}
		if err != nil {
			return badRequest(err)
		}
		u.Permissions = p
	}
	u.Permissions = u.Permissions.Clone()
	u.ID = s.st.nextUserID
	s.st.nextUserID++
	s.st.users[u.ID] = u
	status := s.opts.CreateUserStatus
	if status == 0 {
		status = http.StatusCreated
	}
	return reply{status: status, body: s.renderUser(u, false)}
}

func (s *Sim) putUser(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	o, err := decodeObject(q.body)
	if err != nil {
		return badRequest(invalid("%v", err))
	}
	if id, ok, err := o.integer("id"); err != nil || (ok && id != u.ID) {
		return badRequest(invalid("The user id in the body does not match the URL."))
	}
	next := u.Clone()
	if err := s.applyUser(&next, o, false); err != nil {
		return badRequest(err)
	}
	if err := s.st.checkUser(&next, &s.opts); err != nil {
		return badRequest(err)
	}
	*u = next
	return reply{status: http.StatusOK, body: s.renderUser(u, false)}
}

func (s *Sim) deleteUser(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	delete(s.st.users, u.ID) // its tokens and permissions go with it
	return reply{status: http.StatusNoContent}
}

func (s *Sim) getUserDepartment(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	if u.DepartmentID == 0 {
		if s.opts.ListNoneDepartment {
			return listReply(s, []Named{{0, "None"}})
		}
		return listReply(s, []Named{})
	}
	return listReply(s, []Named{{u.DepartmentID, s.st.departments[u.DepartmentID]}})
}

func (s *Sim) putUserDepartment(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	o, err := decodeObject(q.body)
	if err != nil {
		return badRequest(invalid("%v", err))
	}
	id, ok, err := o.integer("id") // "0" as a string is accepted, as Net2 does
	if err != nil || !ok {
		return badRequest(invalid("The department id is missing or not a number."))
	}
	if _, known := s.st.departments[id]; id != 0 && !known {
		return badRequest(invalid("Department %d does not exist.", id))
	}
	u.DepartmentID = id
	return reply{status: http.StatusNoContent}
}

func (s *Sim) getPermissions(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	return reply{status: http.StatusOK, body: s.readBack(u.Permissions)}
}

// readBack renders a stored permission set as the server reads it back, after the read-back
// knobs NoAccessAsEmpty, DoorsAsAreas and ReorderPermissions (in that order).
func (s *Sim) readBack(p PermissionSet) PermissionSet {
	out := p.Clone()
	if s.opts.NoAccessAsEmpty && len(out.AccessLevels) == 1 && out.AccessLevels[0] == 0 {
		out.AccessLevels = []int{}
	}
	if s.opts.DoorsAsAreas && s.opts.doorIDs() {
		var expanded []IndividualPermission
		for _, ip := range out.IndividualPermissions {
			for _, a := range s.st.doorAreas[ip.ID] {
				expanded = append(expanded, IndividualPermission{ID: a, TimezoneID: ip.TimezoneID})
			}
		}
		out.IndividualPermissions = append([]IndividualPermission{}, expanded...)
	}
	if s.opts.ReorderPermissions {
		slices.Reverse(out.AccessLevels)
		slices.Reverse(out.IndividualPermissions)
	}
	return out
}

// startOfDay is 00:00 in loc of t's day in loc.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

func (s *Sim) putPermissions(q *req) reply {
	u, nf := s.userOf(q)
	if nf != nil {
		return *nf
	}
	p, err := parsePermissions(q.body)
	if err == nil {
		err = s.st.checkPermissions(p, &s.opts)
	}
	if err != nil {
		return badRequest(err)
	}
	u.Permissions = p
	status := s.opts.PermissionSetPutStatus
	if status == 0 {
		status = http.StatusNoContent
	}
	return reply{status: status, body: s.readBack(p)}
}
