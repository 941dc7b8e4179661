package net2

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	// PermissionIDs is the id space of individual permissions on this server; with
	// PermissionAreas (the default) each door is written as its reader areas, DoorAreas.
	PermissionIDs PermissionIDs
	// DoorAreas maps each door a plan may grant to its reader-area ids (Site.DoorAreas).
	DoorAreas map[int][]int
	// TokenRescanEvery is how often the token values of every Net2 user (kept to make QR
	// numbers unique) are read again in full; in between, only users new since the last read
	// are read, and a token write Net2 refuses makes an early full read. Zero means 24 hours.
	TokenRescanEvery time.Duration
	// Cache keeps what this controller knows between runs (see Cache); nil keeps it in memory.
	Cache *Cache
	// Alert, when set, receives conditions the admins must hear of (a permission set Net2
	// stores in another form than written): notify.Alerts.Raise.
	Alert func(key, summary, detail string)
	// ClearAlert ends such a condition (notify.Alerts.Clear).
	ClearAlert func(key string)
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

	perms permissionMap

	mu         sync.Mutex
	managed    map[int]bool         // ids seen with the marker in the last snapshot or created since
	details    map[int]*userDetails // what is known of each managed user beyond the user record
	userIDs    []int                // every user in Net2, from the last snapshot
	pins       map[string]bool      // every PIN in Net2, from the last snapshot
	tokens     map[int][]string     // token values of every user, by user id (QR mode)
	tokensAt   time.Time            // when tokens was last read in full
	verifiedAt time.Time            // when every detail was last read back
	echoes     map[int]nameEcho     // names Net2 stores differently from what was written
	mismatch   map[int]*mismatch    // permission sets Net2 read back differently
	lookalike  map[string]int       // unmanaged users by lower-case email or "first last", from the last snapshot
	said       map[string]bool      // hints already logged, so they are said once
	now        func() time.Time
}

// userDetails is what the users list does not show: the sub-resources of one user.
type userDetails struct {
	department int
	perms      accessplan.Permissions
	tokens     []Token
}

// nameEcho is a name Net2 stores differently from how it was sent (it trims or re-cases it):
// while Net2 still shows got, the user is reported with sent, so the plan does not rename the
// user every cycle.
type nameEcho struct {
	sentFirst, sentLast, gotFirst, gotLast string
}

// mismatch is a permission set Net2 read back differently from what was written. The first
// time it is rewritten (it may have been a race with an operator); when the same write reads
// back the same way twice in a row, Net2 evidently stores it in another form, and rewriting it
// every cycle would be an endless loop of writes: it is logged as an ALERT once and then
// reported as written until the plan wants something else or Net2 shows something else.
type mismatch struct {
	wrote, read accessplan.Permissions
	times       int
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
	if cfg.TokenRescanEvery <= 0 {
		cfg.TokenRescanEvery = 24 * time.Hour
	}
	if cfg.PermissionIDs == "" {
		cfg.PermissionIDs = PermissionAreas
	}
	switch cfg.Code {
	case accessplan.CodeManual, accessplan.CodePIN, accessplan.CodeQR:
	default:
		return nil, fmt.Errorf("net2: code kind %q: must be manual, pin or qr", cfg.Code)
	}
	pm, err := newPermissionMap(cfg.PermissionIDs, cfg.DoorAreas)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Controller{
		client: client, cfg: cfg, log: log, now: client.now, perms: pm,
		managed: map[int]bool{}, details: map[int]*userDetails{},
		echoes: map[int]nameEcho{}, mismatch: map[int]*mismatch{}, said: map[string]bool{},
	}
	if cfg.Cache != nil {
		c.load(cfg.Cache.loaded())
	}
	return c, nil
}

// CodeKind is the kind of code this controller stores (PINs on the user, QR numbers as
// tokens); the engine refuses a policy or allocator of another kind.
func (c *Controller) CodeKind() accessplan.CodeKind { return c.cfg.Code }

// VerifiedAt is when every detail of the managed users was last read back from Net2 (by this
// process or, through the Cache, by an earlier one); zero when never.
func (c *Controller) VerifiedAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.verifiedAt
}

// load takes over what an earlier run left in the cache.
func (c *Controller) load(d cacheData) {
	c.verifiedAt = d.VerifiedAt
	for id, cd := range d.Details {
		if cd == nil {
			continue
		}
		c.details[id] = &userDetails{department: cd.Department, perms: cd.Permissions, tokens: cd.Tokens}
	}
	if d.Tokens != nil {
		c.tokens, c.tokensAt = d.Tokens, d.TokensScannedAt
	}
}

// Persist writes what the controller knows to its Cache (a no-op without one). The engine
// calls it at the end of every cycle; until then the cache file is marked dirty by the first
// write, so a crash in between leaves a file the next run does not trust.
func (c *Controller) Persist() error {
	if c.cfg.Cache == nil {
		return nil
	}
	c.mu.Lock()
	d := cacheData{VerifiedAt: c.verifiedAt, Details: map[int]*cachedDetails{}, TokensScannedAt: c.tokensAt}
	for id, det := range c.details {
		if c.managed[id] {
			d.Details[id] = &cachedDetails{Department: det.department, Permissions: det.perms, Tokens: det.tokens}
		}
	}
	if c.tokens != nil {
		d.Tokens = c.tokens
	}
	c.mu.Unlock()
	return c.cfg.Cache.save(d)
}

// beforeWrite marks the cache file dirty before anything in Net2 changes.
func (c *Controller) beforeWrite() error {
	if c.cfg.Cache == nil {
		return nil
	}
	return c.cfg.Cache.markDirty()
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
	lookalike := map[string]int{}
	ids := make([]int, 0, len(all))
	var state accessplan.Net2State
	for _, u := range all {
		ids = append(ids, u.ID)
		if u.PIN != "" {
			pins[u.PIN] = true
		}
		if !c.isMarked(u) {
			indexLookalike(lookalike, u)
			continue
		}
		if v := u.Field(c.cfg.MarkerField); v != Marker && !c.said[fmt.Sprintf("marker:%d", u.ID)] {
			c.said[fmt.Sprintf("marker:%d", u.ID)] = true
			c.log.Warn("a Net2 user carries the marker in another spelling; it is treated as managed by net2booking (write it as BOOKINGSYNC, or clear the field if the user is not ours)",
				"user_id", u.ID, "marker", fmt.Sprintf("%q", v))
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
	c.managed, c.pins, c.userIDs, c.lookalike = managed, pins, ids, lookalike
	if full {
		c.verifiedAt = c.now()
	}
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
	d := &userDetails{department: dept.ID, perms: c.perms.fromSet(set)}
	if c.cfg.Code == accessplan.CodeQR {
		if d.tokens, err = c.client.Tokens(ctx, id); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (c *Controller) reportDrift(id int, was, now *userDetails) {
	if mm := c.mismatch[id]; mm != nil && samePerms(now.perms, mm.read) {
		was = &userDetails{department: was.department, perms: mm.read, tokens: was.tokens} // known form, reported already
	}
	if was.department != now.department {
		c.log.Warn("drift: a managed user's department was changed outside net2booking; it will be set back", "user_id", id, "expected", was.department, "found", now.department)
	}
	if !samePerms(was.perms, now.perms) {
		c.log.Warn("drift: a managed user's door permissions were changed outside net2booking; they will be set back", "user_id", id,
			"expected", describePerms(was.perms), "found", describePerms(now.perms))
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
	if e, ok := c.echoes[u.ID]; ok {
		if u.FirstName == e.gotFirst && u.LastName == e.gotLast {
			m.FirstName, m.LastName = e.sentFirst, e.sentLast
		} else {
			delete(c.echoes, u.ID) // changed since: compare as it is
		}
	}
	if mm := c.mismatch[u.ID]; mm != nil && mm.times >= 2 {
		if samePerms(d.perms, mm.read) {
			m.Permissions = mm.wrote // stop rewriting what Net2 stores in its own form
		} else {
			delete(c.mismatch, u.ID)
			c.clearReadback(u.ID)
		}
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

// indexLookalike remembers an unmanaged user by every email address in its custom fields and
// by its name, for the hint CreateUser gives.
func indexLookalike(m map[string]int, u User) {
	for _, f := range u.CustomFields {
		if v := strings.ToLower(strings.TrimSpace(f.Value)); strings.Contains(v, "@") && !strings.ContainsAny(v, " \r\n") {
			m[v] = u.ID
		}
	}
	if n := strings.ToLower(strings.Join(strings.Fields(u.FirstName+" "+u.LastName), " ")); n != "" {
		m["name:"+n] = u.ID
	}
}

// CreateUser creates a marked user with names, validity dates and memo in one request, so a
// crash right after it leaves a user the next cycle recognises by its memo (no duplicate).
// When an unmanaged Net2 user already has the booker's email and name, that is said once:
// net2booking never touches that user and creates its own.
func (c *Controller) CreateUser(ctx context.Context, email string, spec accessplan.UserSpec) (int, error) {
	c.mu.Lock()
	byMail, mailOK := c.lookalike[strings.ToLower(email)]
	byName, nameOK := c.lookalike["name:"+strings.ToLower(strings.Join(strings.Fields(spec.FirstName+" "+spec.LastName), " "))]
	if mailOK && nameOK && byMail == byName && !c.said["lookalike:"+email] {
		c.said["lookalike:"+email] = true
		c.log.Warn("a booker already exists in Net2 as a user net2booking does not manage (same name and email); that user is never touched, and the booker gets a user of their own with a separate code",
			"email", email, "existing_user_id", byMail)
	}
	c.mu.Unlock()
	if err := c.beforeWrite(); err != nil {
		return 0, err
	}
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
	if c.tokens != nil {
		c.tokens[created.ID] = []string{}
	}
	c.noteNames(created.ID, spec, created)
	c.mu.Unlock()
	return created.ID, nil
}

// noteNames remembers a name Net2 stored in another form than sent (callers hold c.mu).
func (c *Controller) noteNames(id int, spec accessplan.UserSpec, stored User) {
	if !stored.fromNet2 || (stored.FirstName == spec.FirstName && stored.LastName == spec.LastName) {
		delete(c.echoes, id)
		return
	}
	if _, known := c.echoes[id]; !known {
		c.log.Warn("Net2 stores this user's name in another form than written; comparing with what Net2 stores from now on",
			"user_id", id, "wrote", strings.TrimSpace(spec.FirstName+" / "+spec.LastName), "stored", strings.TrimSpace(stored.FirstName+" / "+stored.LastName))
	}
	c.echoes[id] = nameEcho{sentFirst: spec.FirstName, sentLast: spec.LastName, gotFirst: stored.FirstName, gotLast: stored.LastName}
}

// UpdateUser writes names, validity dates and memo with a read-modify-write of the user, so
// every other field an operator set stays as it is.
func (c *Controller) UpdateUser(ctx context.Context, id int, spec accessplan.UserSpec) error {
	u, err := c.readMarked(ctx, id) // fresh read: never write back a stale record
	if err != nil {
		return err
	}
	if err := c.beforeWrite(); err != nil {
		return err
	}
	expiry := spec.Expiry
	u.FirstName, u.LastName, u.ActivateDate, u.ExpiryDate = spec.FirstName, spec.LastName, spec.Activate, &expiry
	u.SetField(MemoField, accessplan.FormatMemo(spec.Memo, c.cfg.Location))
	stored, err := c.client.UpdateUser(ctx, u)
	if err != nil {
		c.forget(id)
		return err
	}
	c.mu.Lock()
	c.noteNames(id, spec, stored)
	c.mu.Unlock()
	return nil
}

// SetDepartment moves a managed user into a department.
func (c *Controller) SetDepartment(ctx context.Context, id, department int) error {
	if err := c.checkManaged(ctx, id); err != nil {
		return err
	}
	if err := c.beforeWrite(); err != nil {
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

// SetPermissions replaces a managed user's door permission set, writing each door as its
// reader areas in area mode, and reads it back (one request): what Net2 stores is what the
// next plan compares with. A set Net2 reads back differently twice in a row is reported once
// as an ALERT and not rewritten again until something changes (see mismatch).
func (c *Controller) SetPermissions(ctx context.Context, id int, p accessplan.Permissions) error {
	if err := c.checkManaged(ctx, id); err != nil {
		return err
	}
	set, err := c.perms.toSet(p)
	if err != nil {
		return fmt.Errorf("Net2 user %d: %w", id, err)
	}
	if err := c.beforeWrite(); err != nil {
		return err
	}
	if err := c.client.SetDoorPermissionSet(ctx, id, set); err != nil {
		c.forget(id)
		return err
	}
	want := canonical(p)
	back, err := c.client.DoorPermissionSet(ctx, id)
	if err != nil {
		// Written but not confirmed: the next snapshot reads it again.
		c.forget(id)
		c.log.Warn("could not read back a permission set just written; it is read again next cycle", "user_id", id, "error", err.Error())
		return nil
	}
	got := c.perms.fromSet(back)
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.details[id]; d != nil {
		d.perms = got
	}
	if samePerms(got, want) {
		if c.mismatch[id] != nil {
			delete(c.mismatch, id)
			c.clearReadback(id)
		}
		return nil
	}
	mm := c.mismatch[id]
	if mm == nil || !samePerms(mm.wrote, want) || !samePerms(mm.read, got) {
		c.mismatch[id] = &mismatch{wrote: want, read: got, times: 1}
		c.log.Warn("Net2 read back a permission set differently from what was written; it is written once more",
			"user_id", id, "wrote", describePerms(want), "sent", describeSet(set), "read_back", describePerms(got), "received", describeSet(back))
		return nil
	}
	mm.times++
	if mm.times == 2 {
		c.log.Error("ALERT: Net2 stores this user's permission set differently from what net2booking writes, twice in a row; it is not rewritten until the plan or Net2 changes. Check the user's rights in Net2 and net2.permission_ids (`net2booking check --live`)",
			"user_id", id, "wrote", describePerms(want), "sent", describeSet(set), "read_back", describePerms(got), "received", describeSet(back))
		if c.cfg.Alert != nil {
			c.cfg.Alert(fmt.Sprintf("readback:%d", id), fmt.Sprintf("Net2 stores the permission set of user %d in another form than net2booking writes; check net2.permission_ids with `net2booking check --live`", id),
				fmt.Sprintf("wrote %s, read back %s", describePerms(want), describePerms(got)))
		}
	}
	return nil
}

// clearReadback ends the admins' condition about user id's permission set.
func (c *Controller) clearReadback(id int) {
	if c.cfg.ClearAlert != nil {
		c.cfg.ClearAlert(fmt.Sprintf("readback:%d", id))
	}
}

// CodesInUse returns every PIN (PIN mode) or every token value (QR mode) held by anyone in
// Net2. PINs come from the last snapshot (the user list carries them). Token values are kept
// per user: read in full once (and every TokenRescanEvery), then only for users new since, so
// a steady cycle reads no tokens at all.
func (c *Controller) CodesInUse(ctx context.Context) (map[string]bool, error) {
	if c.cfg.Code != accessplan.CodeQR {
		c.mu.Lock()
		defer c.mu.Unlock()
		out := make(map[string]bool, len(c.pins))
		for p := range c.pins {
			out[p] = true
		}
		return out, nil
	}
	if err := c.refreshTokens(ctx, false); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]bool{}
	for _, vals := range c.tokens {
		for _, v := range vals {
			out[v] = true
		}
	}
	return out, nil
}

// refreshTokens brings the token index up to date: in full when it is missing, older than
// TokenRescanEvery, or force is set (after Net2 refused a token write); otherwise only for
// users the index does not know yet.
func (c *Controller) refreshTokens(ctx context.Context, force bool) error {
	c.mu.Lock()
	ids := slices.Clone(c.userIDs)
	full := force || c.tokens == nil || c.now().Sub(c.tokensAt) >= c.cfg.TokenRescanEvery || c.now().Before(c.tokensAt)
	known := map[int]bool{}
	if !full {
		for id := range c.tokens {
			known[id] = true
		}
	}
	c.mu.Unlock()
	if ids == nil || force {
		users, err := c.client.Users(ctx)
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, u := range users {
			ids = append(ids, u.ID)
		}
	}
	fresh := map[int][]string{}
	for _, id := range ids {
		if known[id] {
			continue
		}
		list, err := c.client.Tokens(ctx, id)
		if IsNotFound(err) {
			continue // deleted since the user list was read
		}
		if err != nil {
			return fmt.Errorf("reading the tokens of user %d (to keep QR numbers unique): %w", id, err)
		}
		vals := []string{}
		for _, t := range list {
			vals = append(vals, canonicalToken(t.TokenValue))
		}
		fresh[id] = vals
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if full {
		c.tokens, c.tokensAt = fresh, c.now()
	} else {
		for id, v := range fresh {
			c.tokens[id] = v
		}
	}
	present := map[int]bool{}
	for _, id := range ids {
		present[id] = true
	}
	for id := range c.tokens {
		if !present[id] {
			delete(c.tokens, id)
		}
	}
	return nil
}

// heldByOther reports whether a user other than id holds token value v in the index.
func (c *Controller) heldByOther(id int, v string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v = canonicalToken(v)
	for uid, vals := range c.tokens {
		if uid != id && slices.Contains(vals, v) {
			return true
		}
	}
	return false
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
// (a token of the configured type). When Net2 refuses the write with a 400, the wording of
// which is not known for every version, the decision is made from data, not from the
// message: the codes in use are read again, and if someone else holds the code the error
// matches accessplan.ErrCodeTaken (the engine draws another); if nobody does, Net2's refusal
// is returned as it is.
func (c *Controller) AssignCode(ctx context.Context, id int, code string) error {
	if c.cfg.Code == accessplan.CodeQR {
		return c.assignToken(ctx, id, code)
	}
	u, err := c.readMarked(ctx, id)
	if err != nil {
		return err
	}
	if err := c.beforeWrite(); err != nil {
		return err
	}
	u.PIN = code
	_, err = c.client.UpdateUser(ctx, u)
	if err == nil {
		c.mu.Lock()
		c.pins[code] = true
		c.mu.Unlock()
		return nil
	}
	if !refusedValue(err) {
		c.forget(id)
		return err
	}
	users, lerr := c.client.Users(ctx)
	if lerr != nil {
		return errors.Join(err, fmt.Errorf("reading the PINs in use after Net2 refused the PIN: %w", lerr))
	}
	for _, o := range users {
		if o.PIN != code {
			continue
		}
		if o.ID == id {
			return nil // an earlier, uncertain write was stored
		}
		return fmt.Errorf("Net2 user %d: %w (Net2 user %d holds it): %w", id, accessplan.ErrCodeTaken, o.ID, err)
	}
	return fmt.Errorf("Net2 user %d: Net2 refused the PIN, and no other user holds it: %w", id, err)
}

func (c *Controller) assignToken(ctx context.Context, id int, code string) error {
	if err := c.checkManaged(ctx, id); err != nil {
		return err
	}
	if err := c.beforeWrite(); err != nil {
		return err
	}
	tok, err := c.client.AddToken(ctx, id, Token{TokenType: c.cfg.QRTokenType, TokenValue: code})
	if err == nil {
		c.mu.Lock()
		if d := c.details[id]; d != nil {
			d.tokens = append(d.tokens, tok)
		}
		if c.tokens != nil {
			c.tokens[id] = append(c.tokens[id], canonicalToken(code))
		}
		c.mu.Unlock()
		return nil
	}
	if !refusedValue(err) {
		c.forget(id)
		return err
	}
	// AddToken already checked that the user does not hold it (an earlier write). Who does?
	if !c.heldByOther(id, code) {
		if rerr := c.refreshTokens(ctx, true); rerr != nil {
			return errors.Join(err, fmt.Errorf("reading the tokens in use after Net2 refused the token: %w", rerr))
		}
	}
	if c.heldByOther(id, code) {
		return fmt.Errorf("Net2 user %d: %w: %w", id, accessplan.ErrCodeTaken, err)
	}
	return fmt.Errorf("Net2 user %d: Net2 refused QR number %s as a %s token, and no other user holds it: %w", id, code, c.cfg.QRTokenType, err)
}

// refusedValue reports whether Net2 refused a write of a value (400, or 409 Conflict).
func refusedValue(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && (apiErr.Status == http.StatusBadRequest || apiErr.Status == http.StatusConflict)
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
	if err := c.beforeWrite(); err != nil {
		return err
	}
	if err := c.client.DeleteUser(ctx, id); err != nil && !IsNotFound(err) {
		c.forget(id)
		return err
	}
	c.mu.Lock()
	delete(c.managed, id)
	delete(c.details, id)
	delete(c.echoes, id)
	delete(c.mismatch, id)
	if c.tokens != nil {
		delete(c.tokens, id)
	}
	c.mu.Unlock()
	return nil
}
