package accessplan

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// UserSpec is the desired Net2 state of one managed user at the plan's instant.
type UserSpec struct {
	FirstName string
	LastName  string
	// Memo records the person and every booking granted (SPEC F11).
	Memo Memo
	// Activate and Expiry cover the person's bookings in whole local days (SPEC F12): Net2
	// stores days, and the expiry bounds access even if the service stops (SPEC B4).
	// Activate is local midnight of the first day with access. Expiry is local midnight of
	// the day AFTER the last day with access: a live Net2 6.7+ server truncates the expiry to
	// its date and expires the user at the START of that day, so writing the last day itself
	// (even at 23:59) would lock the booker out on the day of their booking. Under the other
	// reading (valid through the expiry day) this costs at most one extra day.
	Activate time.Time
	Expiry   time.Time
	// Department is the Net2 department id.
	Department int
	// Permissions is the door permission set for now: individual doors while a window is
	// open, else the fallback access level alone (SPEC F9).
	Permissions Permissions
}

// ActionKind names one kind of write to Net2.
type ActionKind string

// The writes a plan can ask for. For one person they are applied in this order, so that a
// crash between any two leaves a state the next cycle converges from: the user (with marker
// and memo) exists before anything else, the memo records a grant before the door opens,
// and the code is issued last.
const (
	ActCreateUser     ActionKind = "create-user"     // a new marked user with names, memo and dates
	ActUpdateUser     ActionKind = "update-user"     // names, memo or validity dates changed
	ActSetDepartment  ActionKind = "set-department"  // department differs
	ActSetPermissions ActionKind = "set-permissions" // door permission set differs
	ActAssignCode     ActionKind = "assign-code"     // the user has no PIN / QR token yet
	ActDeleteUser     ActionKind = "delete-user"     // removal (SPEC F13) or a duplicate
	// ActNotify emails the person (Action.Notification) and then records it as sent in the
	// memo (Action.Spec carries the memo with the notified flags set): last, once the user,
	// the code and the doors are in place.
	ActNotify ActionKind = "notify"
)

// Action is one write the plan asks for, with the reason it is needed in words an operator
// understands (printed by `sync --dry-run`).
type Action struct {
	Kind   ActionKind
	Email  string
	UserID int // 0 for a user the plan creates
	Spec   UserSpec
	Reason string
	// Notification is the email of an ActNotify; its Code is empty when the code is issued
	// in the same cycle (the engine fills it in).
	Notification *Notification
}

// String renders the action on one line.
func (a Action) String() string {
	who := a.Email
	if a.UserID != 0 {
		who = fmt.Sprintf("%s (Net2 user %d)", a.Email, a.UserID)
	}
	return fmt.Sprintf("%s %s: %s", a.Kind, who, a.Reason)
}

// desired computes what Net2 should hold for each person at now and the actions that get it
// there from the observed state. It fills plan.Users, plan.Actions and plan.Orphans.
func (plan *Plan) diff(in Input) {
	p := in.Policy
	now := in.Now
	loc := p.location()

	observed := map[string][]ManagedUser{}
	for _, u := range in.Net2.Users {
		if u.Memo.Email == "" {
			plan.Orphans = append(plan.Orphans, u)
			continue
		}
		observed[u.Memo.Email] = append(observed[u.Memo.Email], u)
	}
	plan.Users = map[string]UserSpec{}
	wanted := map[string]bool{}

	for _, person := range plan.Persons {
		users := observed[person.Email]
		var current *ManagedUser
		if len(users) > 0 {
			slices.SortFunc(users, preferUser)
			current = &users[0]
			for _, dup := range users[1:] {
				plan.Actions = append(plan.Actions, Action{Kind: ActDeleteUser, Email: person.Email, UserID: dup.ID,
					Reason: fmt.Sprintf("duplicate of Net2 user %d for the same person", current.ID)})
			}
		}
		lastEnd, lastWindowEnd, open := person.lastEnds(now)
		if p.RemoveAfterDays >= 0 && !now.Before(lastEnd.Add(time.Duration(p.RemoveAfterDays)*24*time.Hour)) && !now.Before(lastWindowEnd) {
			if current != nil {
				why := fmt.Sprintf("no booking ended in the last %d day(s) (last ended %s)", p.RemoveAfterDays, lastEnd.In(loc).Format(timeLayout))
				if gone := vanishedRecords(*current, person, now, plan.aliases); gone != "" {
					why = gone + "; " + why
				}
				plan.Actions = append(plan.Actions, Action{Kind: ActDeleteUser, Email: person.Email, UserID: current.ID, Reason: why})
			}
			continue
		}
		if current == nil && !open {
			continue // only past bookings: nothing to create a user for
		}
		wanted[person.Email] = true
		spec := person.spec(p, now, current, plan.aliases)
		plan.Users[person.Email] = spec
		plan.Actions = append(plan.Actions, person.actions(p, now, spec, current)...)
	}

	for email, users := range observed {
		if wanted[email] || plan.hasPerson(email) {
			continue
		}
		for _, u := range users {
			if p.RemoveAfterDays < 0 {
				continue
			}
			plan.Actions = append(plan.Actions, Action{Kind: ActDeleteUser, Email: email, UserID: u.ID, Reason: deletionReason(u, p, now, plan.aliases)})
		}
	}
	// Managed users without bookings but kept because removal is off still need the
	// fallback level once their windows are over.
	if p.RemoveAfterDays < 0 {
		for email, users := range observed {
			if wanted[email] {
				continue
			}
			for _, u := range users {
				want := Permissions{AccessLevels: []int{p.FallbackLevel}}
				if !u.Permissions.equal(want) {
					spec := UserSpec{Permissions: want}
					plan.Actions = append(plan.Actions, Action{Kind: ActSetPermissions, Email: email, UserID: u.ID, Spec: spec,
						Reason: fmt.Sprintf("no window open: fallback access level %d", p.FallbackLevel)})
				}
			}
		}
	}
	slices.SortStableFunc(plan.Actions, func(a, b Action) int { return strings.Compare(a.Email, b.Email) })
	slices.SortFunc(plan.Orphans, func(a, b ManagedUser) int { return a.ID - b.ID })
}

const timeLayout = "2006-01-02 15:04 MST"

// deletionReason says why a managed user with no booking left is deleted, in terms of what
// happened: its upcoming bookings were cancelled or dropped by their source, or its last
// booking ended long enough ago.
func deletionReason(u ManagedUser, p Policy, now time.Time, aliases map[string]string) string {
	if gone := vanishedRecords(u, nil, now, aliases); gone != "" {
		return gone + "; no other booking"
	}
	var last time.Time
	for _, r := range u.Memo.Records {
		if r.End.After(last) {
			last = r.End
		}
	}
	if last.IsZero() {
		return "its memo records no booking"
	}
	return fmt.Sprintf("no booking ended in the last %d day(s) (last ended %s)", p.RemoveAfterDays, last.In(p.location()).Format(timeLayout))
}

// vanishedRecords describes the upcoming bookings a user's memo records that the person no
// longer has (cancelled, or no longer listed by their source); "" when none.
func vanishedRecords(u ManagedUser, person *Person, now time.Time, aliases map[string]string) string {
	has := map[string]bool{}
	if person != nil {
		for _, g := range person.Grants {
			has[g.Source+"\x00"+g.Key] = true
		}
	}
	var gone []string
	for _, r := range u.Memo.Records {
		src := r.Source
		if n, ok := aliases[src]; ok {
			src = n
		}
		if r.End.After(now) && !has[src+"\x00"+r.Key] {
			gone = append(gone, fmt.Sprintf("%s/%s (%s, %s)", src, r.Key, strings.Join(r.Resources, ", "), r.Start.Format("2006-01-02 15:04 MST")))
		}
	}
	if len(gone) == 0 {
		return ""
	}
	return fmt.Sprintf("booking(s) %s cancelled or no longer listed by their source", strings.Join(gone, "; "))
}

// preferUser orders users of one person: the one whose code the person was told of, then the
// oldest (lowest id), is the one kept.
func preferUser(a, b ManagedUser) int {
	if a.Memo.CodeNotified != b.Memo.CodeNotified {
		if a.Memo.CodeNotified {
			return -1
		}
		return 1
	}
	return a.ID - b.ID
}

func (plan *Plan) hasPerson(email string) bool {
	_, ok := slices.BinarySearchFunc(plan.Persons, email, func(p *Person, e string) int { return strings.Compare(p.Email, e) })
	return ok
}

// lastEnds returns the latest booking end, the latest window end, and whether any window is
// still open or ahead at now.
func (person *Person) lastEnds(now time.Time) (end, windowEnd time.Time, open bool) {
	for _, g := range person.Grants {
		if g.End.After(end) {
			end = g.End
		}
		if g.Window.End.After(windowEnd) {
			windowEnd = g.Window.End
		}
		if g.Window.End.After(now) {
			open = true
		}
	}
	return end, windowEnd, open
}

// spec is the person's desired user at now.
func (person *Person) spec(p Policy, now time.Time, current *ManagedUser, aliases map[string]string) UserSpec {
	loc := p.location()
	memo := Memo{Version: MemoVersion, Email: person.Email, Name: person.Name}
	prev := map[string]MemoRecord{}
	if current != nil {
		memo.CodeNotified = current.Memo.CodeNotified && (current.Code != "" || p.Code == CodeManual || p.Code == "")
		memo.MailRefused = current.Memo.MailRefused
		for _, r := range current.Memo.Records {
			if now, renamed := aliases[r.Source]; renamed {
				r.Source = now // recorded under a previous name of the source
			}
			prev[r.Source+"\x00"+r.Key] = r
		}
	}
	var first, last time.Time
	for _, g := range person.Grants {
		rec := MemoRecord{Source: g.Source, Key: g.Key, Resources: g.Resources, Start: g.Start, End: g.End}
		if old, ok := prev[g.Source+"\x00"+g.Key]; ok && old.Start.Equal(g.Start) && old.End.Equal(g.End) && slices.Equal(old.Resources, g.Resources) {
			rec.Notified = old.Notified // a moved or changed booking is news again
		}
		memo.Records = append(memo.Records, rec)
		if g.Window.End.After(now) && (first.IsZero() || g.Window.Start.Before(first)) {
			first = g.Window.Start
		}
		if g.Window.End.After(last) {
			last = g.Window.End
		}
	}
	if first.IsZero() { // only past bookings, kept until removal: the last one's day
		first = last.Add(-time.Nanosecond)
	}
	sortRecords(memo.Records)
	y, m, d := first.In(loc).Date()
	activate := time.Date(y, m, d, 0, 0, 0, 0, loc)
	y, m, d = last.Add(-time.Nanosecond).In(loc).Date() // a window ending at midnight ends the day before
	expiry := time.Date(y, m, d+1, 0, 0, 0, 0, loc)

	return UserSpec{
		FirstName: clip(person.FirstName, MaxNameLength), LastName: clip(person.LastName, MaxNameLength), Memo: memo,
		Activate: activate, Expiry: expiry, Department: p.Department, Permissions: person.permissionsAt(p, now),
	}
}

// permissionsAt is the permission set the person holds at now: what the open windows give
// (individual doors with the always timezone, or the union of their access levels), else the
// fallback access level alone.
func (person *Person) permissionsAt(p Policy, now time.Time) Permissions {
	open := person.DoorsAt(now)
	switch {
	case len(open) == 0:
		return Permissions{AccessLevels: []int{p.FallbackLevel}}
	case p.Grant == GrantAccessLevels:
		return Permissions{AccessLevels: open}
	default:
		return Permissions{Doors: open, TimezoneIDs: repeat(p.AlwaysTimezone, len(open))}
	}
}

// MaxNameLength is the longest first or last name written to Net2 (its name columns hold 50
// characters); a longer name from a booking system is cut rather than have Net2 refuse the
// user and the person never get in.
const MaxNameLength = 50

// clip cuts s to at most n characters (runes).
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n]))
	}
	return s
}

// actions lists the writes that take current to spec, in the safe order.
func (person *Person) actions(p Policy, now time.Time, spec UserSpec, current *ManagedUser) []Action {
	loc := p.location()
	act := func(kind ActionKind, reason string) Action {
		a := Action{Kind: kind, Email: person.Email, Spec: spec, Reason: reason}
		if current != nil {
			a.UserID = current.ID
		}
		return a
	}
	var out []Action
	if current == nil {
		g := person.firstOpenGrant(now)
		out = append(out, act(ActCreateUser, fmt.Sprintf("booking %s/%s (%s) %s – %s is within the lookahead",
			g.Source, g.Key, strings.Join(g.Resources, ", "), g.Start.In(loc).Format(timeLayout), g.End.In(loc).Format(timeLayout))))
	} else if why := userChanges(*current, spec, loc); why != "" {
		out = append(out, act(ActUpdateUser, why))
	}
	if current == nil || current.DepartmentID != spec.Department {
		out = append(out, act(ActSetDepartment, fmt.Sprintf("department %d", spec.Department)))
	}
	if current == nil || !current.Permissions.equal(spec.Permissions) {
		out = append(out, act(ActSetPermissions, person.permissionReason(spec.Permissions, now, loc)))
	}
	codeOwed := p.Code != CodeManual && p.Code != "" && (current == nil || current.Code == "")
	if codeOwed {
		out = append(out, act(ActAssignCode, fmt.Sprintf("a personal %s code is owed", strings.ToUpper(string(p.Code)))))
	}
	if n, mark, why := person.notification(p, now, spec, current); n != nil {
		a := act(ActNotify, why)
		a.Spec, a.Notification = mark, n
		out = append(out, a)
	}
	return out
}

// notification is the email the person is owed at now (SPEC F17), the memo that records it
// as sent, and the reason: their code when they were never told it, and every new or changed
// booking not yet notified that has not ended. None while their address is recorded as
// refused, and none without an upcoming booking.
func (person *Person) notification(p Policy, now time.Time, spec UserSpec, current *ManagedUser) (*Notification, UserSpec, string) {
	if !p.Notify || spec.Memo.MailRefused != "" {
		return nil, UserSpec{}, ""
	}
	kind := p.Code
	if kind == "" {
		kind = CodeManual
	}
	n := &Notification{Email: person.Email, DisplayName: person.Name, FirstName: spec.FirstName, LastName: spec.LastName, CodeKind: string(kind)}
	if current != nil {
		n.Code = current.Code
	}
	had := map[string]MemoRecord{}
	if current != nil {
		for _, r := range current.Memo.Records {
			had[r.Source+"\x00"+r.Key] = r
		}
	}
	mark := spec
	mark.Memo.Records = slices.Clone(spec.Memo.Records)
	var news, changed []string
	for _, g := range person.Grants {
		if !g.Window.End.After(now) {
			continue
		}
		b := NotifiedBooking{Source: g.Source, UID: g.Key, Resources: g.Resources, Start: g.Start, End: g.End, AccessFrom: g.Window.Start, AccessUntil: g.Window.End}
		i := slices.IndexFunc(mark.Memo.Records, func(r MemoRecord) bool { return r.Source == g.Source && r.Key == g.Key })
		if i >= 0 && !mark.Memo.Records[i].Notified {
			mark.Memo.Records[i].Notified = true
			if _, seen := had[g.Source+"\x00"+g.Key]; seen {
				b.Changed = true
				changed = append(changed, g.Key)
			} else {
				news = append(news, g.Key)
			}
			n.Bookings = append(n.Bookings, b)
		}
		n.Upcoming = append(n.Upcoming, b)
	}
	n.NewCode = !spec.Memo.CodeNotified
	if len(n.Upcoming) == 0 || (!n.NewCode && len(n.Bookings) == 0) {
		return nil, UserSpec{}, ""
	}
	mark.Memo.CodeNotified = true
	n.ValidFrom, n.ValidUntil = n.Upcoming[0].AccessFrom, n.Upcoming[0].AccessUntil
	for _, b := range n.Upcoming {
		if b.AccessUntil.After(n.ValidUntil) {
			n.ValidUntil = b.AccessUntil
		}
	}
	var why []string
	if n.NewCode {
		if kind == CodeManual {
			why = append(why, "access confirmation")
		} else {
			why = append(why, "the personal "+strings.ToUpper(string(kind))+" code")
		}
	}
	if len(news) > 0 {
		why = append(why, fmt.Sprintf("%d new booking(s) (%s)", len(news), strings.Join(news, ", ")))
	}
	if len(changed) > 0 {
		why = append(why, fmt.Sprintf("%d changed booking(s) (%s)", len(changed), strings.Join(changed, ", ")))
	}
	return n, mark, "email owed: " + strings.Join(why, "; ")
}

func (person *Person) firstOpenGrant(now time.Time) Grant {
	for _, g := range person.Grants {
		if g.Window.End.After(now) {
			return g
		}
	}
	return person.Grants[len(person.Grants)-1]
}

func (person *Person) permissionReason(perms Permissions, now time.Time, loc *time.Location) string {
	if len(perms.Doors) == 0 && !person.anyOpen(now) {
		return fmt.Sprintf("no window open: fallback access level %d", perms.AccessLevels[0])
	}
	var why []string
	for _, g := range person.Grants {
		if g.Window.Contains(now) {
			why = append(why, fmt.Sprintf("%s (%s) until %s", g.Key, strings.Join(g.Resources, ", "), g.Window.End.In(loc).Format(timeLayout)))
		}
	}
	if len(perms.Doors) == 0 {
		return fmt.Sprintf("window open: access levels %s for %s", joinInts(perms.AccessLevels), strings.Join(why, "; "))
	}
	return fmt.Sprintf("window open: doors %s for %s", joinInts(perms.Doors), strings.Join(why, "; "))
}

func (person *Person) anyOpen(now time.Time) bool {
	for _, g := range person.Grants {
		if g.Window.Contains(now) && len(g.Doors) > 0 {
			return true
		}
	}
	return false
}

// userChanges describes what differs between a user and its spec in the fields one user
// update writes (names, memo, validity days); "" when nothing does.
func userChanges(u ManagedUser, spec UserSpec, loc *time.Location) string {
	var diffs []string
	if u.FirstName != spec.FirstName || u.LastName != spec.LastName {
		diffs = append(diffs, fmt.Sprintf("name %q → %q", strings.TrimSpace(u.FirstName+" "+u.LastName), strings.TrimSpace(spec.FirstName+" "+spec.LastName)))
	}
	if !sameDay(u.Activate, spec.Activate, loc) || !sameDay(u.Expiry, spec.Expiry, loc) {
		diffs = append(diffs, fmt.Sprintf("valid %s → %s", day(spec.Activate, loc), day(spec.Expiry, loc)))
	}
	if len(u.MemoProblems) > 0 || !memoEqual(u.Memo, spec.Memo) {
		diffs = append(diffs, memoChange(u.Memo, spec.Memo))
	}
	return strings.Join(diffs, "; ")
}

func memoChange(old, new Memo) string {
	key := func(r MemoRecord) string { return r.Source + "\x00" + r.Key }
	had := map[string]MemoRecord{}
	for _, r := range old.Records {
		had[key(r)] = r
	}
	added, changed, kept := 0, 0, map[string]bool{}
	for _, r := range new.Records {
		o, ok := had[key(r)]
		switch {
		case !ok:
			added++
		case !o.Start.Equal(r.Start) || !o.End.Equal(r.End) || !slices.Equal(o.Resources, r.Resources):
			changed++
			kept[key(r)] = true
		default:
			kept[key(r)] = true
		}
	}
	var parts []string
	if added > 0 {
		parts = append(parts, fmt.Sprintf("%d booking(s) added", added))
	}
	if changed > 0 {
		parts = append(parts, fmt.Sprintf("%d booking(s) moved or changed", changed))
	}
	if dropped := len(had) - len(kept); dropped > 0 {
		parts = append(parts, fmt.Sprintf("%d dropped", dropped))
	}
	if len(parts) == 0 {
		parts = append(parts, "bookings rewritten (notified flags, name, or a memo an operator edited)")
	}
	return "memo: " + strings.Join(parts, ", ")
}

func memoEqual(a, b Memo) bool {
	if a.Email != b.Email || a.Name != b.Name || a.CodeNotified != b.CodeNotified || a.MailRefused != b.MailRefused || a.Version != b.Version || len(a.Records) != len(b.Records) {
		return false
	}
	for i := range a.Records {
		x, y := a.Records[i], b.Records[i]
		if x.Source != y.Source || x.Key != y.Key || !x.Start.Equal(y.Start) || !x.End.Equal(y.End) || x.Notified != y.Notified || !slices.Equal(x.Resources, y.Resources) {
			return false
		}
	}
	return true
}

// sameDay compares two Net2 dates by local calendar day; a zero time (never) equals only zero.
func sameDay(a, b time.Time, loc *time.Location) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() == b.IsZero()
	}
	ay, am, ad := a.In(loc).Date()
	by, bm, bd := b.In(loc).Date()
	return ay == by && am == bm && ad == bd
}

func day(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(loc).Format("2006-01-02")
}

// equal compares permission sets as sets: order does not matter.
func (p Permissions) equal(q Permissions) bool {
	return sameSet(p.AccessLevels, q.AccessLevels) && samePairs(p, q)
}

func sameSet(a, b []int) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

func samePairs(p, q Permissions) bool {
	pairs := func(x Permissions) []string {
		out := make([]string, len(x.Doors))
		for i, d := range x.Doors {
			tz := 0
			if i < len(x.TimezoneIDs) {
				tz = x.TimezoneIDs[i]
			}
			out[i] = fmt.Sprintf("%d/%d", d, tz)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(pairs(p), pairs(q))
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
