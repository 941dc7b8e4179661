package net2

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The live self-test (`net2booking check --live`): everything net2booking assumes about a Net2
// server that public evidence could not settle is tried on one marked probe user, and the
// report says what this server did and which configuration that implies. It reads other users
// (to find a PIN and a card value already in use) but never writes to them.

// ProbeMemo starts the memo of the probe user, so a probe left by an interrupted run is
// recognised (and removed) by the next one.
const ProbeMemo = "net2booking live self-test probe: safe to delete"

// SelfTestOptions configures SelfTest.
type SelfTestOptions struct {
	// MarkerField is the resolved marker field id (access.marker_field).
	MarkerField int
	// Department is the resolved department id the probe is moved to (access.department).
	Department int
	// PermissionIDs is the configured id space, to say whether the server agrees.
	PermissionIDs PermissionIDs
	// Keep leaves the probe user in Net2 for inspection.
	Keep bool
	// Location is the site zone the probe's dates are written in; nil = the client's.
	Location *time.Location
	// TokenUsers bounds how many users' tokens are read to find a card value in use; 0 = 200.
	TokenUsers int
}

// Finding is one assumption and what the server did.
type Finding struct {
	// Assumption names what was tried, e.g. "individual permissions take reader-area ids".
	Assumption string
	// Observed is what this server did, in words.
	Observed string
	// Implies is the configuration or behaviour it implies ("" when nothing).
	Implies string
	// Problem is set when the server contradicts the configuration or could not be tested.
	Problem bool
}

// SelfTestReport is the outcome of SelfTest.
type SelfTestReport struct {
	Findings []Finding
	// ProbeID is the probe user's id (0 when it was never created); Kept when it was left.
	ProbeID int
	Kept    bool
	// Cleanup is the error of deleting the probe, if that failed: it must be deleted by hand.
	Cleanup error
	// Config lists the configuration lines the findings imply, e.g. "net2.permission_ids: area".
	Config []string
}

// Problems counts the findings that contradict the configuration or failed.
func (r *SelfTestReport) Problems() int {
	n := 0
	for _, f := range r.Findings {
		if f.Problem {
			n++
		}
	}
	if r.Cleanup != nil {
		n++
	}
	return n
}

// SelfTest creates one marked probe user that can never open a door (its validity starts in a
// month and its rights use the "At no time" timezone where Net2 has one), tries each open
// assumption on it, and deletes it again, also when a step fails half-way (unless Keep). An
// error means the test could not start (no login, no user list); everything else is a finding.
func SelfTest(ctx context.Context, c *Client, opts SelfTestOptions) (rep *SelfTestReport, err error) {
	if opts.MarkerField < 1 || opts.MarkerField > 14 || opts.MarkerField == MemoField {
		return nil, fmt.Errorf("net2: self-test: marker field %d is not a custom field id 1–14 other than 13", opts.MarkerField)
	}
	if opts.TokenUsers <= 0 {
		opts.TokenUsers = 200
	}
	loc := opts.Location
	if loc == nil {
		loc = c.Location()
	}
	rep = &SelfTestReport{}
	add := func(f Finding) { rep.Findings = append(rep.Findings, f) }
	conf := func(line string) {
		if !slices.Contains(rep.Config, line) {
			rep.Config = append(rep.Config, line)
		}
	}

	before, err := c.Users(ctx)
	if errors.Is(err, ErrMFARequired) {
		add(Finding{Assumption: "the operator logs in without a second factor", Observed: "Net2 asks for multi-factor authentication", Implies: "use an operator without MFA (net2.operator)", Problem: true})
		return rep, err
	}
	if err != nil {
		return nil, fmt.Errorf("net2: self-test: reading the users: %w", err)
	}
	add(Finding{Assumption: "the operator logs in without a second factor", Observed: "logged in; no MFA challenge"})
	for _, u := range before {
		if isMarkedWith(u, opts.MarkerField) && strings.HasPrefix(u.Field(MemoField), ProbeMemo) {
			if derr := c.DeleteUser(ctx, u.ID); derr == nil {
				add(Finding{Assumption: "no probe user is left from an earlier run", Observed: fmt.Sprintf("removed the probe user %d an earlier, interrupted run left", u.ID)})
			}
		}
	}

	// The probe: active only from a month ahead, so it can never open a door during the test.
	today := c.now().In(loc)
	activate := time.Date(today.Year(), today.Month(), today.Day()+30, 0, 0, 0, 0, loc)
	expiry := time.Date(today.Year(), today.Month(), today.Day()+31, 14, 30, 0, 0, loc)
	probe := User{FirstName: "net2booking", LastName: "probe  user ", ActivateDate: activate, ExpiryDate: &expiry}
	probe.SetField(opts.MarkerField, Marker)
	probe.SetField(MemoField, ProbeMemo+"\r\ncreated "+today.Format(time.RFC3339))
	created, err := c.CreateUser(ctx, probe)
	if err != nil {
		add(Finding{Assumption: "a marked user can be created", Observed: "Net2 refused: " + err.Error(), Problem: true})
		return rep, nil
	}
	rep.ProbeID = created.ID
	defer func() {
		if opts.Keep {
			rep.Kept = true
			return
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		derr := c.DeleteUser(dctx, created.ID)
		if derr == nil || IsNotFound(derr) {
			if _, gerr := c.User(dctx, created.ID); !IsNotFound(gerr) {
				derr = fmt.Errorf("Net2 still lists it after the delete (%v)", gerr)
			} else {
				derr = nil
			}
		}
		if derr != nil {
			rep.Cleanup = fmt.Errorf("the probe user %d (%s) could not be deleted: %w; delete it in Net2 by hand", created.ID, ProbeMemo, derr)
		}
	}()
	add(Finding{Assumption: "a marked user can be created", Observed: fmt.Sprintf("created the probe user %d", created.ID)})

	stored, err := c.User(ctx, created.ID)
	if err != nil {
		add(Finding{Assumption: "a user reads back", Observed: "reading the probe failed: " + err.Error(), Problem: true})
		return rep, nil
	}
	rep.Findings = append(rep.Findings, expiryFinding(stored, expiry, loc), nameFinding(stored, probe))
	rep.Findings = append(rep.Findings, c.pagingFinding(ctx, created.ID, len(before)+1))
	rep.Findings = append(rep.Findings, c.departmentFinding(ctx, created.ID, opts.Department))

	perms := c.permissionFindings(ctx, created.ID, opts.PermissionIDs)
	rep.Findings = append(rep.Findings, perms.findings...)
	if perms.implies != "" {
		conf(perms.implies)
	}

	rep.Findings = append(rep.Findings, c.pinFinding(ctx, stored, before))
	rep.Findings = append(rep.Findings, c.tokenFinding(ctx, created.ID, before, opts.TokenUsers))
	return rep, nil
}

func isMarkedWith(u User, field int) bool {
	return strings.EqualFold(strings.TrimSpace(u.Field(field)), Marker)
}

// expiryFinding: what Net2 stored for an expiry of 14:30.
func expiryFinding(u User, sent time.Time, loc *time.Location) Finding {
	f := Finding{Assumption: "Net2 keeps only the date of an expiry (a user expires at the start of that day)"}
	switch {
	case u.ExpiryDate == nil:
		f.Observed, f.Problem = "the expiry written was not stored (the user never expires)", true
	default:
		got := u.ExpiryDate.In(loc)
		f.Observed = fmt.Sprintf("sent %s, stored %s", sent.Format("2006-01-02 15:04"), got.Format("2006-01-02 15:04"))
		switch {
		case got.Hour() == 0 && got.Minute() == 0 && sameDate(got, sent):
			f.Observed += ": truncated to the start of the day, as reported from a live 6.7+ server"
		case got.Equal(sent):
			f.Observed += ": time of day kept"
		case sameDate(got, sent):
			f.Observed += ": another time of the same day"
		default:
			f.Observed += ": another day"
			f.Problem = true
		}
	}
	f.Implies = "nothing to set: net2booking writes 00:00 of the day after the last day with access, right under every reading (whether the user is refused from the start of the expiry day cannot be seen through the API)"
	return f
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.In(a.Location()).Date()
	return ay == by && am == bm && ad == bd
}

// nameFinding: does Net2 store names as sent?
func nameFinding(u User, sent User) Finding {
	f := Finding{Assumption: "names are stored as written"}
	if u.FirstName == sent.FirstName && u.LastName == sent.LastName {
		f.Observed = "stored as written (inner and trailing spaces kept)"
		return f
	}
	f.Observed = fmt.Sprintf("sent %q / %q, stored %q / %q", sent.FirstName, sent.LastName, u.FirstName, u.LastName)
	f.Implies = "nothing to set: net2booking compares names with what Net2 stores after its first write, so it does not rename users every cycle"
	return f
}

// pagingFinding: does GET /users list every user, the newest probe included?
func (c *Client) pagingFinding(ctx context.Context, probeID, expected int) Finding {
	f := Finding{Assumption: "GET /users lists every user in one reply (no paging)"}
	users, err := c.Users(ctx)
	if err != nil {
		f.Observed, f.Problem = "reading the users failed: "+err.Error(), true
		return f
	}
	if slices.ContainsFunc(users, func(u User) bool { return u.ID == probeID }) {
		f.Observed = fmt.Sprintf("listed %d users, the new probe among them", len(users))
		return f
	}
	f.Observed = fmt.Sprintf("listed %d users (about %d exist) without the new probe: the list is cut or paged", len(users), expected)
	f.Implies = "net2booking cannot see every managed user on this server: report this with the Net2 version"
	f.Problem = true
	return f
}

// departmentFinding: is "None" listed, and does the department sub-resource take writes?
func (c *Client) departmentFinding(ctx context.Context, id, dept int) Finding {
	f := Finding{Assumption: "departments are set through PUT /users/{id}/departments"}
	list, err := c.Departments(ctx)
	none := "not listed"
	if err == nil && slices.ContainsFunc(list, func(d Named) bool { return d.ID == 0 }) {
		none = "listed"
	}
	if err := c.SetUserDepartment(ctx, id, dept); err != nil {
		f.Observed, f.Problem = fmt.Sprintf("moving the probe to department %d failed: %v", dept, err), true
		return f
	}
	got, err := c.UserDepartment(ctx, id)
	switch {
	case err != nil:
		f.Observed, f.Problem = "reading the department back failed: "+err.Error(), true
	case got.ID != dept:
		f.Observed, f.Problem = fmt.Sprintf("moved to department %d, read back %d", dept, got.ID), true
	default:
		f.Observed = fmt.Sprintf("moved the probe to department %d and read it back; department 0 \"None\" is %s in GET /departments (net2booking accepts \"None\" either way)", dept, none)
	}
	return f
}

type permissionResult struct {
	findings []Finding
	implies  string
}

// permissionFindings writes individual permissions in both id spaces and reads back the shape.
func (c *Client) permissionFindings(ctx context.Context, id int, configured PermissionIDs) permissionResult {
	var out permissionResult
	doors, derr := c.Doors(ctx)
	areas, aerr := c.Areas(ctx)
	tzs, terr := c.Timezones(ctx)
	if derr != nil || terr != nil || len(doors) == 0 {
		out.findings = append(out.findings, Finding{Assumption: "individual permissions take reader-area ids", Observed: fmt.Sprintf("cannot test: doors %v, timezones %v, %d door(s)", derr, terr, len(doors)), Problem: true})
		return out
	}
	tz := tzs[0].ID
	for _, t := range tzs {
		if strings.EqualFold(strings.TrimSpace(t.Name), "At no time") {
			tz = t.ID
		}
	}
	// The door to try: the first with reader areas, preferring one with two (In and Out).
	match := DoorAreas(doors, areas)
	door := doors[0]
	for _, d := range doors {
		if len(match[d.ID]) > len(match[door.ID]) {
			door = d
		}
	}
	try := func(ids []int) (DoorPermissionSet, error) {
		set := DoorPermissionSet{AccessLevels: []int{}}
		for _, i := range ids {
			set.IndividualPermissions = append(set.IndividualPermissions, IndividualPermission{ID: i, TimezoneID: tz})
		}
		if err := c.SetDoorPermissionSet(ctx, id, set); err != nil {
			return DoorPermissionSet{}, err
		}
		return c.DoorPermissionSet(ctx, id)
	}
	describe := func(err error) string {
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return fmt.Sprintf("refused (%d %s)", apiErr.Status, apiErr.Message)
		}
		return "failed: " + err.Error()
	}
	// Areas, in reverse order, to see the read-back order too.
	areaIDs := slices.Clone(match[door.ID])
	slices.Reverse(areaIDs)
	var areaOK bool
	fa := Finding{Assumption: "individual permissions take reader-area ids (net2.permission_ids: area)"}
	switch {
	case aerr != nil:
		fa.Observed = "GET /accesslevels/areas failed: " + aerr.Error()
	case len(areaIDs) == 0:
		fa.Observed = fmt.Sprintf("no reader area matches door %d %q by name or number, so area ids could not be tried", door.ID, door.Name)
	default:
		back, err := try(areaIDs)
		if err != nil {
			fa.Observed = fmt.Sprintf("areas %v of door %d %q: %s", areaIDs, door.ID, door.Name, describe(err))
		} else {
			areaOK = true
			fa.Observed = fmt.Sprintf("areas %v of door %d %q accepted; read back %s", areaIDs, door.ID, door.Name, describeSet(back))
			order := "in the order written"
			if got := idsOf(back); !slices.Equal(got, areaIDs) {
				order = fmt.Sprintf("as %v (net2booking compares sets, in any order)", got)
			}
			out.findings = append(out.findings, Finding{Assumption: "a permission set reads back as written", Observed: "individual permissions read back " + order})
		}
	}
	fd := Finding{Assumption: "individual permissions take door ids, ACU serials (net2.permission_ids: door)"}
	back, err := try([]int{door.ID})
	var doorOK bool
	if err != nil {
		fd.Observed = fmt.Sprintf("door %d: %s", door.ID, describe(err))
	} else {
		doorOK = true
		fd.Observed = fmt.Sprintf("door %d accepted; read back %s", door.ID, describeSet(back))
	}
	switch {
	case areaOK && !doorOK:
		out.implies = "net2.permission_ids: area"
	case doorOK && !areaOK:
		out.implies = "net2.permission_ids: door"
	case doorOK && areaOK:
		out.implies = "net2.permission_ids: area"
		fd.Implies = "both id spaces were accepted; reader areas are what the Net2 SDK and access levels use, so area is kept: confirm at the door that a booking opens it"
	default:
		out.implies = "access.grant: access_levels"
		fd.Implies = "this server refuses individual permissions in both id spaces (Net2 Lite?): grant access levels instead"
	}
	switch {
	case configured == PermissionAreas && !areaOK:
		fa.Problem, fa.Implies = true, "the configuration says net2.permission_ids: area; set "+out.implies
	case configured == PermissionDoors && !doorOK:
		fd.Problem, fd.Implies = true, "the configuration says net2.permission_ids: door; set "+out.implies
	}
	out.findings = append(out.findings, fa, fd)

	// [0] alone: read back as [0] or []?
	fz := Finding{Assumption: `"No access" (level 0) reads back as [0]`}
	if err := c.SetDoorPermissionSet(ctx, id, DoorPermissionSet{AccessLevels: []int{0}, IndividualPermissions: []IndividualPermission{}}); err != nil {
		fz.Observed, fz.Problem = "writing access level 0 failed: "+err.Error(), true
	} else if back, err := c.DoorPermissionSet(ctx, id); err != nil {
		fz.Observed, fz.Problem = "reading it back failed: "+err.Error(), true
	} else {
		fz.Observed = "read back " + describeSet(back) + " (net2booking treats [0] and [] alike)"
	}
	out.findings = append(out.findings, fz)
	return out
}

func idsOf(s DoorPermissionSet) []int {
	out := make([]int, len(s.IndividualPermissions))
	for i, ip := range s.IndividualPermissions {
		out[i] = ip.ID
	}
	return out
}

// pinFinding: does Net2 refuse a PIN another user holds?
func (c *Client) pinFinding(ctx context.Context, probe User, others []User) Finding {
	f := Finding{Assumption: "Net2 refuses a PIN another user holds"}
	if !probe.Reports("pin") {
		f.Observed = "this server does not report PINs in user replies"
		f.Implies = "use access.identifier qr or manual: issued PINs cannot be checked on this server"
		f.Problem = true
		return f
	}
	taken := ""
	for _, u := range others {
		if u.PIN != "" {
			taken = u.PIN
			break
		}
	}
	if taken == "" {
		f.Observed = "no user holds a PIN, so uniqueness could not be tried (net2booking keeps PINs unique itself)"
		return f
	}
	u, err := c.User(ctx, probe.ID)
	if err != nil {
		f.Observed, f.Problem = "reading the probe failed: "+err.Error(), true
		return f
	}
	u.PIN = taken
	_, err = c.UpdateUser(ctx, u)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest:
		f.Observed = fmt.Sprintf("refused with 400: %q", apiErr.Message)
	case err != nil:
		f.Observed, f.Problem = "the write failed otherwise: "+err.Error(), true
	default:
		f.Observed = "accepted: two users may hold one PIN"
		f.Implies = "nothing to set: net2booking draws PINs unique among all users itself"
		// Do not leave a duplicate, even on an inactive probe that is about to be deleted.
		again, err := c.User(ctx, probe.ID)
		if err == nil {
			again.PIN = randomDigits(8)
			_, err = c.UpdateUser(ctx, again)
		}
		if err != nil {
			f.Observed += "; giving the probe another PIN failed: " + err.Error()
			f.Problem = true
		}
	}
	return f
}

// tokenFinding: what does Net2 answer to a card value another user holds?
func (c *Client) tokenFinding(ctx context.Context, probeID int, others []User, maxUsers int) Finding {
	f := Finding{Assumption: "Net2 refuses a token value another user holds"}
	value := ""
	for i, u := range others {
		if i >= maxUsers {
			break
		}
		list, err := c.Tokens(ctx, u.ID)
		if err != nil {
			continue
		}
		for _, t := range list {
			if isDigits(strings.TrimSpace(t.TokenValue)) {
				value = t.TokenValue
				break
			}
		}
		if value != "" {
			break
		}
	}
	if value == "" {
		f.Observed = fmt.Sprintf("no numeric token among the first %d users, so the duplicate answer could not be tried (net2booking keeps QR numbers unique itself)", min(maxUsers, len(others)))
		return f
	}
	// A raw POST: AddToken would interpret the answer.
	_, err := c.do(ctx, call{method: http.MethodPost, route: "/users/{id}/tokens", path: userPath(probeID) + "/tokens",
		body: map[string]any{"tokenType": "ProxCard", "tokenValue": value, "isLost": false}})
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest:
		f.Observed = fmt.Sprintf("refused with 400: %q", apiErr.Message)
		f.Implies = "nothing to set: net2booking decides from the tokens in use, not from the wording"
	case err != nil:
		f.Observed, f.Problem = "the write failed otherwise: "+err.Error(), true
	default:
		f.Observed = "accepted: two users may hold one card value"
		f.Implies = "nothing to set: net2booking keeps QR numbers unique among all users itself"
		list, err := c.Tokens(ctx, probeID)
		for _, t := range list {
			if err == nil && SameTokenValue(t.TokenValue, value) {
				err = c.DeleteToken(ctx, probeID, t.ID)
			}
		}
		if err != nil {
			f.Observed += "; removing the duplicate from the probe failed: " + err.Error()
			f.Problem = true
		}
	}
	return f
}

func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}
