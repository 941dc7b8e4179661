package net2

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/net2booking/net2booking/accessplan"
)

// unknownID stands for a department or access level not known yet; no plan asks for it.
const unknownID = -1

// Marker is the value the marker field holds on every user net2booking manages (SPEC F10).
const Marker = "BOOKINGSYNC"

// MemoField is the id of Net2's memo field ("Notes", the only one without a length limit),
// where the managed user's memo lives (SPEC F11).
const MemoField = 13

// ControllerConfig configures a Controller.
type ControllerConfig struct {
	// MarkerField is the id (1–14, not 13) of the custom field holding Marker; resolve a name
	// with ResolveField.
	MarkerField int
	// Code is the kind of personal code issued: PINs live on the user, QR numbers are tokens.
	Code accessplan.CodeKind
	// QRTokenType is the Net2 token type QR numbers are stored as (access.qr_token_type).
	QRTokenType string
	// Location is the site zone memo times are written in; nil = the client's Location.
	Location *time.Location
	// TokenCacheFor is how long the token values of all users (read to keep QR numbers
	// unique) are reused before they are read again; Net2 still refuses a duplicate, which
	// makes the allocator draw again. Zero means one hour.
	TokenCacheFor time.Duration
	// Logger receives drift reports and refusals; nil discards them.
	Logger *slog.Logger
}

// Controller is the Net2 implementation of accessplan.AccessController. It reads the managed
// users with one request per cycle, caching what it wrote itself (department, door
// permissions, tokens) until a full snapshot reads everything back and reports drift. Every
// write is refused for a user without the marker.
type Controller struct {
	client *Client
	cfg    ControllerConfig
	log    *slog.Logger

	mu      sync.Mutex
	managed map[int]bool         // ids seen with the marker in the last snapshot or created since
	details map[int]*userDetails // what is known of each managed user beyond the user record
	userIDs []int                // every user in Net2, from the last snapshot
	pins    map[string]bool      // every PIN in Net2, from the last snapshot
	tokens  map[string]bool      // every token value in Net2
	tokenAt time.Time            // when tokens was read
	now     func() time.Time
}

// userDetails is what the users list does not show: the sub-resources of one user.
type userDetails struct {
	department int
	perms      accessplan.Permissions
	tokens     []Token
}

var _ accessplan.AccessController = (*Controller)(nil)

// NewController returns a controller over client.
func NewController(client *Client, cfg ControllerConfig) (*Controller, error) {
	if cfg.MarkerField < 1 || cfg.MarkerField > 14 || cfg.MarkerField == MemoField {
		return nil, fmt.Errorf("net2: marker field %d: must be a custom field id 1–14 other than the memo (13)", cfg.MarkerField)
	}
	if cfg.QRTokenType == "" {
		cfg.QRTokenType = "ProxCard"
	}
	if cfg.Location == nil {
		cfg.Location = client.Location()
	}
	if cfg.TokenCacheFor <= 0 {
		cfg.TokenCacheFor = time.Hour
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Controller{
		client: client, cfg: cfg, log: log, now: client.now,
		managed: map[int]bool{}, details: map[int]*userDetails{},
	}, nil
}

// isMarked reports whether u carries the marker.
func (c *Controller) isMarked(u User) bool {
	return strings.EqualFold(strings.TrimSpace(u.Field(c.cfg.MarkerField)), Marker)
}

// Snapshot reads all users (one request) and returns the marked ones. Details are read for
// users the cache does not know, and for everyone when full is set; a full read that finds
// something other than what was written is logged as drift (an operator's manual change),
// which the plan then repairs.
func (c *Controller) Snapshot(ctx context.Context, full bool) (accessplan.Net2State, error) {
	all, err := c.client.Users(ctx)
	if err != nil {
		return accessplan.Net2State{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	pins := map[string]bool{}
	managed := map[int]bool{}
	ids := make([]int, 0, len(all))
	var state accessplan.Net2State
	for _, u := range all {
		ids = append(ids, u.ID)
		if u.PIN != "" {
			pins[u.PIN] = true
		}
		if !c.isMarked(u) {
			continue
		}
		if c.cfg.Code == accessplan.CodePIN && !u.Reports("pin") {
			// Without the PIN in the reply every cycle would think the user has none and
			// issue a new one: refuse rather than change people's codes behind their back.
			return accessplan.Net2State{}, fmt.Errorf("this Net2 server does not report users' PINs (user %d), so issued PINs cannot be checked; use identifier qr or manual, or a Net2 version that reports PINs (6.7 or later)", u.ID)
		}
		managed[u.ID] = true
		d := c.details[u.ID]
		if d == nil || full {
			fresh, err := c.readDetails(ctx, u.ID)
			if err != nil {
				return accessplan.Net2State{}, fmt.Errorf("reading details of managed user %d: %w", u.ID, err)
			}
			if d != nil {
				c.reportDrift(u.ID, d, fresh)
			}
			d = fresh
			c.details[u.ID] = d
		}
		state.Users = append(state.Users, c.managedUser(u, d))
	}
	for id := range c.details {
		if !managed[id] {
			delete(c.details, id)
		}
	}
	c.managed, c.pins, c.userIDs = managed, pins, ids
	return state, nil
}

func (c *Controller) readDetails(ctx context.Context, id int) (*userDetails, error) {
	dept, err := c.client.UserDepartment(ctx, id)
	if err != nil {
		return nil, err
	}
	set, err := c.client.DoorPermissionSet(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &userDetails{department: dept.ID, perms: fromSet(set)}
	if c.cfg.Code == accessplan.CodeQR {
		if d.tokens, err = c.client.Tokens(ctx, id); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (c *Controller) reportDrift(id int, was, now *userDetails) {
	if was.department != now.department {
		c.log.Warn("drift: a managed user's department was changed outside net2booking; it will be set back", "user_id", id, "expected", was.department, "found", now.department)
	}
	if !samePerms(was.perms, now.perms) {
		c.log.Warn("drift: a managed user's door permissions were changed outside net2booking; they will be set back", "user_id", id,
			"expected_doors", was.perms.Doors, "found_doors", now.perms.Doors, "expected_levels", was.perms.AccessLevels, "found_levels", now.perms.AccessLevels)
	}
	if c.cfg.Code == accessplan.CodeQR && c.qrToken(was.tokens) != c.qrToken(now.tokens) {
		c.log.Warn("drift: a managed user's QR token was changed outside net2booking", "user_id", id)
	}
}

// managedUser turns a marked Net2 user and its details into the planner's view.
func (c *Controller) managedUser(u User, d *userDetails) accessplan.ManagedUser {
	memo, problems := accessplan.ParseMemo(u.Field(MemoField))
	m := accessplan.ManagedUser{
		ID: u.ID, FirstName: u.FirstName, LastName: u.LastName,
		Memo: memo, MemoProblems: problems,
		Activate: u.ActivateDate, DepartmentID: d.department, Permissions: d.perms,
	}
	if u.ExpiryDate != nil {
		m.Expiry = *u.ExpiryDate
	}
	if len(problems) > 0 {
		c.log.Warn("memo of a managed user has lines that do not parse; keeping what parses", "user_id", u.ID, "problems", problems)
	}
	switch c.cfg.Code {
	case accessplan.CodePIN:
		m.Code = u.PIN
	case accessplan.CodeQR:
		m.Code = c.qrToken(d.tokens)
	}
	return m
}

// qrToken is the value of the user's QR token: the first usable token of the QR type.
func (c *Controller) qrToken(tokens []Token) string {
	for _, t := range tokens {
		if !t.IsLost && strings.EqualFold(t.TokenType, c.cfg.QRTokenType) {
			return t.TokenValue
		}
	}
	return ""
}

// checkManaged refuses a write to a user that is not marked (DESIGN invariant 1). A user the
// last snapshot did not see as managed is read afresh.
func (c *Controller) checkManaged(ctx context.Context, id int) error {
	c.mu.Lock()
	known := c.managed[id]
	c.mu.Unlock()
	if known {
		return nil
	}
	_, err := c.readMarked(ctx, id)
	return err
}

// readMarked reads a user afresh and refuses it unless it carries the marker; every
// read-modify-write and every delete starts here, so none acts on a stale or foreign record.
func (c *Controller) readMarked(ctx context.Context, id int) (User, error) {
	u, err := c.client.User(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !c.isMarked(u) {
		c.log.Error("refused a write to a Net2 user without the marker", "user_id", id)
		return User{}, fmt.Errorf("Net2 user %d: %w", id, accessplan.ErrNotManaged)
	}
	c.mu.Lock()
	c.managed[id] = true
	c.mu.Unlock()
	return u, nil
}

// forget drops what is cached of a user after an uncertain write, so the next snapshot reads
// it afresh.
func (c *Controller) forget(id int) {
	c.mu.Lock()
	delete(c.details, id)
	c.mu.Unlock()
}

// CreateUser creates a marked user with names, validity dates and memo in one request, so a
// crash right after it leaves a user the next cycle recognises by its memo (no duplicate).
func (c *Controller) CreateUser(ctx context.Context, email string, spec accessplan.UserSpec) (int, error) {
	expiry := spec.Expiry
	u := User{FirstName: spec.FirstName, LastName: spec.LastName, ActivateDate: spec.Activate, ExpiryDate: &expiry}
	u.SetField(c.cfg.MarkerField, Marker)
	u.SetField(MemoField, accessplan.FormatMemo(spec.Memo, c.cfg.Location))
	created, err := c.client.CreateUser(ctx, u)
	if err != nil {
		return 0, fmt.Errorf("creating the Net2 user for %s: %w", email, err)
	}
	// Department and permissions are not known until written (Net2 may apply defaults to a
	// new user), so they are cached as values no plan wants: the department and permission
	// actions that follow always run and fill in the truth. A new user has no tokens.
	c.mu.Lock()
	c.managed[created.ID] = true
	c.details[created.ID] = &userDetails{department: unknownID, perms: accessplan.Permissions{AccessLevels: []int{unknownID}}}
	c.mu.Unlock()
	return created.ID, nil
}

// UpdateUser writes names, validity dates and memo with a read-modify-write of the user, so
// every other field an operator set stays as it is.
func (c *Controller) UpdateUser(ctx context.Context, id int, spec accessplan.UserSpec) error {
	u, err := c.readMarked(ctx, id) // fresh read: never write back a stale record
	if err != nil {
		return err
	}
	expiry := spec.Expiry
	u.FirstName, u.LastName, u.ActivateDate, u.ExpiryDate = spec.FirstName, spec.LastName, spec.Activate, &expiry
	u.SetField(MemoField, accessplan.FormatMemo(spec.Memo, c.cfg.Location))
	if _, err := c.client.UpdateUser(ctx, u); err != nil {
		c.forget(id)
		return err
	}
	return nil
}

// SetDepartment moves a managed user into a department.
func (c *Controller) SetDepartment(ctx context.Context, id, department int) error {
	if err := c.checkManaged(ctx, id); err != nil {
		return err
	}
	if err := c.client.SetUserDepartment(ctx, id, department); err != nil {
		c.forget(id)
		return err
	}
	c.mu.Lock()
	if d := c.details[id]; d != nil {
		d.department = department
	}
	c.mu.Unlock()
	return nil
}

// SetPermissions replaces a managed user's door permission set.
func (c *Controller) SetPermissions(ctx context.Context, id int, p accessplan.Permissions) error {
	if err := c.checkManaged(ctx, id); err != nil {
		return err
	}
	set := DoorPermissionSet{AccessLevels: slices.Clone(p.AccessLevels)}
	for i, d := range p.Doors {
		set.IndividualPermissions = append(set.IndividualPermissions, IndividualPermission{ID: d, TimezoneID: p.TimezoneIDs[i]})
	}
	if set.AccessLevels == nil {
		set.AccessLevels = []int{}
	}
	if err := c.client.SetDoorPermissionSet(ctx, id, set); err != nil {
		c.forget(id)
		return err
	}
	c.mu.Lock()
	if d := c.details[id]; d != nil {
		d.perms = fromSet(set)
	}
	c.mu.Unlock()
	return nil
}

// CodesInUse returns every PIN (PIN mode) or every token value (QR mode) held by anyone in
// Net2. PINs come from the last snapshot; token values are read from every user and reused
// for TokenCacheFor.
func (c *Controller) CodesInUse(ctx context.Context) (map[string]bool, error) {
	c.mu.Lock()
	if c.cfg.Code != accessplan.CodeQR {
		out := make(map[string]bool, len(c.pins))
		for p := range c.pins {
			out[p] = true
		}
		c.mu.Unlock()
		return out, nil
	}
	fresh := c.tokens != nil && c.now().Sub(c.tokenAt) < c.cfg.TokenCacheFor
	ids := slices.Clone(c.userIDs)
	c.mu.Unlock()
	if !fresh {
		if ids == nil { // no snapshot yet
			users, err := c.client.Users(ctx)
			if err != nil {
				return nil, err
			}
			for _, u := range users {
				ids = append(ids, u.ID)
			}
		}
		tokens := map[string]bool{}
		for _, id := range ids {
			list, err := c.client.Tokens(ctx, id)
			if IsNotFound(err) {
				continue // deleted since the snapshot
			}
			if err != nil {
				return nil, fmt.Errorf("reading the tokens of user %d: %w", id, err)
			}
			for _, t := range list {
				tokens[canonicalToken(t.TokenValue)] = true
			}
		}
		c.mu.Lock()
		c.tokens, c.tokenAt = tokens, c.now()
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]bool, len(c.tokens))
	for t := range c.tokens {
		out[t] = true
	}
	return out, nil
}

// canonicalToken writes a numeric token value without leading zeros, as Net2 compares them.
func canonicalToken(v string) string {
	v = strings.TrimSpace(v)
	if isDigits(v) {
		if t := strings.TrimLeft(v, "0"); t != "" {
			return t
		}
		return "0"
	}
	return v
}

// AssignCode gives a managed user its PIN (read-modify-write of the user) or its QR number
// (a token of the configured type). A value Net2 reports as held by someone else yields
// accessplan.ErrCodeTaken.
func (c *Controller) AssignCode(ctx context.Context, id int, code string) error {
	var err error
	if c.cfg.Code == accessplan.CodeQR {
		if err := c.checkManaged(ctx, id); err != nil {
			return err
		}
		var tok Token
		tok, err = c.client.AddToken(ctx, id, Token{TokenType: c.cfg.QRTokenType, TokenValue: code})
		if err == nil {
			c.mu.Lock()
			if d := c.details[id]; d != nil {
				d.tokens = append(d.tokens, tok)
			}
			if c.tokens != nil {
				c.tokens[canonicalToken(code)] = true
			}
			c.mu.Unlock()
		}
	} else {
		var u User
		if u, err = c.readMarked(ctx, id); err != nil {
			return err
		}
		u.PIN = code
		if _, err = c.client.UpdateUser(ctx, u); err == nil {
			c.mu.Lock()
			c.pins[code] = true
			c.mu.Unlock()
		}
	}
	if IsConflict(err) {
		return fmt.Errorf("Net2 user %d: %w: %w", id, accessplan.ErrCodeTaken, err)
	}
	if err != nil {
		c.forget(id)
	}
	return err
}

// DeleteUser deletes a managed user after reading it once more to confirm the marker: a
// delete cannot be undone, so it never relies on the cache.
func (c *Controller) DeleteUser(ctx context.Context, id int) error {
	_, err := c.readMarked(ctx, id)
	if IsNotFound(err) {
		c.forget(id)
		return nil // already gone: the goal is reached
	}
	if err != nil {
		return err
	}
	if err := c.client.DeleteUser(ctx, id); err != nil && !IsNotFound(err) {
		c.forget(id)
		return err
	}
	c.mu.Lock()
	delete(c.managed, id)
	delete(c.details, id)
	c.mu.Unlock()
	return nil
}

// fromSet converts a Net2 permission set into the planner's form (doors ascending).
func fromSet(s DoorPermissionSet) accessplan.Permissions {
	p := accessplan.Permissions{AccessLevels: slices.Clone(s.AccessLevels)}
	perms := slices.Clone(s.IndividualPermissions)
	slices.SortFunc(perms, func(a, b IndividualPermission) int { return a.ID - b.ID })
	for _, ip := range perms {
		p.Doors = append(p.Doors, ip.ID)
		p.TimezoneIDs = append(p.TimezoneIDs, ip.TimezoneID)
	}
	return p
}

func samePerms(a, b accessplan.Permissions) bool {
	x, y := slices.Clone(a.AccessLevels), slices.Clone(b.AccessLevels)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y) && slices.Equal(a.Doors, b.Doors) && slices.Equal(a.TimezoneIDs, b.TimezoneIDs)
}
