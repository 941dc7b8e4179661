// Package accessplan is the pure heart of net2booking: from the bookings of every source, the
// observed Net2 state and the site's Policy, at an instant it computes a Plan — who may open
// which door when, which Net2 users must exist, and (later in the flow) what must change.
//
// It does no I/O and reads no clock: now, the bookings and the Net2 state are inputs, so every
// rule of SPEC F7, F8, F10, F13–F14 and B3 is tested here with plain values. The invariants of
// DESIGN.md hold for its output: at any instant T a person holds door D iff a granting booking
// of a resource mapped to D covers T after grace (checked by a brute-force property test).
package accessplan

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/internal/arena"
)

// Input is everything one planning step depends on.
type Input struct {
	// Now is the instant the plan is made for.
	Now time.Time
	// Policy holds the site's rules.
	Policy Policy
	// Sources holds, per booking source, the bookings in force (the last good fetch).
	Sources []SourceState
	// Net2 is the observed state of the managed users; empty for a preview without Net2.
	Net2 Net2State
	// AcceptVanished lets bookings recorded under a source that is no longer configured go
	// (an operator's decision, `sync --accept-shrink`); otherwise they stay in force as if
	// that source had failed (DESIGN invariant 8).
	AcceptVanished bool
}

// SourceState is one booking source as the planner sees it.
type SourceState struct {
	// Name is the source's name; bookings and memo records refer to it.
	Name string
	// Known is true once the source has produced a good fetch since start-up. While it is
	// false (the source was down when the service started), the memo records of this source
	// stand in for its bookings, so a restart during a feed outage revokes nothing (SPEC B3).
	Known bool
	// Bookings are the source's bookings in force: the last good fetch. The engine keeps
	// them when a later fetch fails, so a failing source never revokes access.
	Bookings []booking.Booking
	// PreviousNames are names the source had before (config previous_names): records under
	// them are this source's, and are rewritten under Name.
	PreviousNames []string
	// HoldRevocations keeps in force every booking of this source that a Net2 memo records
	// and the source no longer lists: the engine sets it when the source shrank suspiciously
	// (see Shrinkage), so a feed that suddenly returns far fewer bookings revokes nothing
	// until an operator accepts the change (SPEC B3).
	HoldRevocations bool
}

// Shrinkage compares a source's bookings with the grants Net2 memos record for it: of the
// recorded bookings still to end after now, how many the source no longer lists. Memos are
// the baseline (not the previous fetch) so that the guard also holds across restarts and an
// operator's one-off acceptance (`sync --accept-shrink`) is seen by a running service.
func Shrinkage(src SourceState, state Net2State, now time.Time) (missing, recorded int) {
	listed := make(map[string]bool, len(src.Bookings))
	for i := range src.Bookings {
		listed[src.Bookings[i].Key()] = true
	}
	seen := map[string]bool{}
	for _, u := range state.Users {
		for _, rec := range u.Memo.Records {
			if !src.owns(rec.Source) || !rec.End.After(now) || seen[rec.Key] {
				continue
			}
			seen[rec.Key] = true
			recorded++
			if !listed[rec.Key] {
				missing++
			}
		}
	}
	return missing, recorded
}

// owns reports whether a memo record's source name is this source's (now or before).
func (src SourceState) owns(name string) bool {
	return name == src.Name || slices.Contains(src.PreviousNames, name)
}

// Vanished is a source that Net2 memos record bookings for but the configuration no longer
// has (renamed without previous_names, removed, or re-pointed under a new name). Its bookings
// stay in force, as for a failed source, until an operator accepts it.
type Vanished struct {
	Name string
	// Bookings is the number of distinct recorded bookings, Upcoming those still to end.
	Bookings, Upcoming int
}

// Plan is the planner's answer at Now: every person who has or needs access, with their
// access windows per door. It is a value: it can be printed, compared and queried (Preview,
// Next) without side effects.
type Plan struct {
	// Now is the instant the plan was made for.
	Now time.Time
	// Window is the span of bookings the plan considered (Policy.Window(Now)).
	Window booking.Window
	// Persons are the people with at least one granting booking of a mapped resource in the
	// window, sorted by email.
	Persons []*Person
	// Unmapped lists the resource names that bookings use but the policy maps to no door.
	// They are warnings, not errors: the booking grants its other resources' doors.
	Unmapped []Unmapped
	// Users is the desired Net2 state of every person who must have a Net2 user now, by email.
	Users map[string]UserSpec
	// Actions are the writes that take the observed Net2 state (Input.Net2) to Users, in a
	// crash-safe order per person. Applying them and planning again gives no actions
	// (DESIGN invariant 2).
	Actions []Action
	// Orphans are marked users whose memo names no person (an operator's edit removed the
	// email line): they are never changed or deleted automatically, only reported.
	Orphans []ManagedUser
	// Vanished lists the sources memos record bookings for that are not configured; their
	// bookings are kept in force (unless Input.AcceptVanished), sorted by name.
	Vanished []Vanished

	// aliases maps a previous source name to the current one, for memo records.
	aliases map[string]string
}

// Person is one person (identified by lower-case email across all sources) and the access
// their bookings give.
type Person struct {
	Email     string
	Name      string // display name, else "First Last"
	FirstName string
	LastName  string
	// Grants are the bookings that give this person access, sorted by start.
	Grants []Grant
	// Doors holds, per door (ascending id), the merged access windows.
	Doors []DoorAccess
	// Windows is the union of all the person's access windows, merged.
	Windows []Interval
}

// Grant is one booking occurrence as it grants access to a person.
type Grant struct {
	Source string
	// Key identifies the occurrence in its source (booking.Booking.Key).
	Key string
	// Resources are the booked resources that map to doors, in booking order.
	Resources []string
	Start     time.Time
	End       time.Time
	// Window is [Start − grace before, End + grace after).
	Window Interval
	// Doors are the doors the mapped resources open, ascending.
	Doors []int
	// FromMemo is true when the grant comes from a Net2 memo record standing in for a source
	// that has not answered since start-up.
	FromMemo bool
}

// DoorAccess is a person's merged access windows for one door.
type DoorAccess struct {
	Door    int
	Windows []Interval
}

// Unmapped is a resource name bookings use that has no doors in the policy.
type Unmapped struct {
	Resource string
	// Sources and UIDs name where it was seen (sorted, de-duplicated; UIDs capped at a few
	// examples so that a busy feed does not flood the log).
	Sources  []string
	UIDs     []string
	Bookings int
}

// maxUnmappedExamples caps the example UIDs kept per unmapped resource.
const maxUnmappedExamples = 3

// Compute makes the plan for in.Now. It is deterministic: the same input gives the same plan.
func Compute(in Input) *Plan {
	plan := ComputeAccess(in)
	plan.diff(in)
	return plan
}

// ComputeAccess makes the part of the plan that says who may open which door when (Persons,
// Unmapped, Vanished), without comparing it with Net2: no Users, no Actions. It is what
// `preview` and `check` need, and Compute less the diff.
func ComputeAccess(in Input) *Plan {
	p := in.Policy
	plan := &Plan{Now: in.Now, Window: p.Window(in.Now), aliases: map[string]string{}}
	idx := newResourceIndex(p.Doors)
	b := builder{policy: p, idx: idx, persons: map[string]*personState{}, unmapped: map[string]*Unmapped{}}

	sources := slices.Clone(in.Sources)
	configured := map[string]bool{}
	for _, src := range sources {
		configured[src.Name] = true
		for _, old := range src.PreviousNames {
			configured[old] = true
			plan.aliases[old] = src.Name
		}
	}
	plan.Vanished = vanished(in, configured)
	if !in.AcceptVanished {
		for _, v := range plan.Vanished {
			// Not heard from since start-up, as far as the planner can tell: its records stand in.
			sources = append(sources, SourceState{Name: v.Name})
		}
	}

	if slices.ContainsFunc(in.Net2.Users, func(u ManagedUser) bool { return len(u.Memo.Records) > 0 }) {
		b.reserve(b.countGrants(knownBookings(sources), plan.Window))
		for _, src := range sources {
			listed := make(map[string]bool, len(src.Bookings))
			if src.Known {
				for i := range src.Bookings {
					b.addBooking(&src.Bookings[i], plan.Window, false)
					listed[src.Bookings[i].Key()] = true
				}
			}
			// Memo records stand in for a source not heard from since start-up, and for the
			// bookings a suspiciously shrunk source dropped. For a source that answered, a
			// booking that has already ended stays on record even when the feed no longer
			// lists it (Booked drops bookings as soon as they end, inside their grace
			// period): that is expiry, not cancellation.
			for _, u := range in.Net2.Users {
				if u.Memo.Email == "" {
					continue
				}
				for _, rec := range u.Memo.Records {
					if !src.owns(rec.Source) || listed[rec.Key] || (src.Known && !src.HoldRevocations && rec.End.After(in.Now)) {
						continue
					}
					bk := rec.asBooking(u)
					bk.Source = src.Name // a declared rename moves the record over
					b.addBooking(&bk, plan.Window, true)
				}
			}
		}
	} else {
		b.addSources(sources, plan.Window)
	}
	plan.Persons = b.finish()
	plan.Unmapped = b.unmappedList()
	return plan
}

// vanished lists the sources memo records name that are not configured.
func vanished(in Input, configured map[string]bool) []Vanished {
	byName := map[string]*Vanished{}
	seen := map[string]bool{}
	for _, u := range in.Net2.Users {
		if u.Memo.Email == "" {
			continue
		}
		for _, rec := range u.Memo.Records {
			if configured[rec.Source] || seen[rec.Source+"\x00"+rec.Key] {
				continue
			}
			seen[rec.Source+"\x00"+rec.Key] = true
			v := byName[rec.Source]
			if v == nil {
				v = &Vanished{Name: rec.Source}
				byName[rec.Source] = v
			}
			v.Bookings++
			if rec.End.After(in.Now) {
				v.Upcoming++
			}
		}
	}
	var out []Vanished
	for _, v := range byName {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b Vanished) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// builder accumulates persons and grants while Compute walks the bookings.
type builder struct {
	policy   Policy
	idx      resourceIndex
	persons  map[string]*personState
	unmapped map[string]*Unmapped
	// grants are every person's grants in the order they were added, owner[i] the person
	// of grants[i]: finish hands each person its own in one array for all, instead of
	// growing thousands of small slices of large structs.
	grants []Grant
	owner  []*personState
	// later are builders merged into this one (merge): their grants follow these.
	later []*builder
	// rooms remembers what a booking of one resource maps to: most bookings of a feed book
	// one of a few rooms, and their grants share the (read-only, clipped) slices.
	rooms map[string]mappedRooms
	// The mapped rooms of bookings of several resources (not remembered: their lists are
	// mostly distinct) are made in scratch and copied into arenas, not grown one by one.
	scratchResources []string
	scratchDoors     []int
	resourceArena    arena.Arena[string]
	doorArena        arena.Arena[int]
	// seen are the addresses of a booking of more than manyPersons persons met so far, so
	// that its duplicates are found without comparing each with every other (a booking of
	// a thousand attendees: half a million comparisons).
	seen map[string]struct{}
}

// manyPersons is the number of persons of a booking past which addBooking looks for
// duplicate addresses in a set.
const manyPersons = 16

// personState is a person being planned, with the booking its name was taken from.
type personState struct {
	p      *Person
	name   nameChoice
	named  bool         // name is set
	grants int          // how many of builder.grants are the person's
	at     int          // in finish: where the next of its grants goes
	into   *personState // after builder.merge: the same person in the builder merged into
}

// mappedRooms is what a booking's resources map to: the mapped ones without repeats in
// booking order, their doors ascending, and the ones without doors (with repeats, each one
// a booking of an unmapped resource).
type mappedRooms struct {
	resources []string
	doors     []int
	unmapped  []string
}

// nameChoice remembers which booking a person's name came from, so the choice does not depend
// on the order sources answered in: a booking with a display name beats one without, then the
// earliest booking, then source and key.
type nameChoice struct {
	unnamed     bool
	start       time.Time
	source, key string
}

func (c nameChoice) less(o nameChoice) bool {
	if c.unnamed != o.unnamed {
		return !c.unnamed
	}
	if !c.start.Equal(o.start) {
		return c.start.Before(o.start)
	}
	if c.source != o.source {
		return c.source < o.source
	}
	return c.key < o.key
}

func (b *builder) addBooking(bk *booking.Booking, window booking.Window, fromMemo bool) {
	if !b.policy.grantsDuring(bk, window) {
		return
	}
	m := b.mapRooms(bk.Resources)
	for _, r := range m.unmapped {
		b.noteUnmapped(r, bk)
	}
	resources, doors := m.resources, m.doors
	if len(doors) == 0 {
		return
	}
	key := bk.Key()
	g := Grant{
		Source:    bk.Source,
		Key:       key,
		Resources: resources,
		Start:     bk.Start,
		End:       bk.End,
		Window:    Interval{Start: bk.Start.Add(-b.policy.GraceBefore), End: bk.End.Add(b.policy.GraceAfter)},
		Doors:     doors,
		FromMemo:  fromMemo,
	}
	many := len(bk.Persons) > manyPersons
	if many {
		if b.seen == nil {
			b.seen = make(map[string]struct{}, len(bk.Persons))
		}
		clear(b.seen)
	}
	for i, person := range bk.Persons {
		if person.Email == "" {
			continue
		}
		if many {
			if _, dup := b.seen[person.Email]; dup {
				continue
			}
			b.seen[person.Email] = struct{}{}
		} else if slices.ContainsFunc(bk.Persons[:i], func(q booking.Person) bool { return q.Email == person.Email }) {
			continue
		}
		ps := b.persons[person.Email]
		if ps == nil {
			// The Person is an allocation of its own: the plan keeps it, not the state.
			ps = &personState{p: &Person{Email: person.Email}}
			b.persons[person.Email] = ps
		}
		ps.chooseName(person, bk, key)
		ps.grants++
		b.grants = append(b.grants, g)
		b.owner = append(b.owner, ps)
	}
}

// knownBookings are the bookings of the sources that answered, in order.
func knownBookings(sources []SourceState) []*booking.Booking {
	n := 0
	for _, src := range sources {
		if src.Known {
			n += len(src.Bookings)
		}
	}
	all := make([]*booking.Booking, 0, n)
	for _, src := range sources {
		if src.Known {
			for i := range src.Bookings {
				all = append(all, &src.Bookings[i])
			}
		}
	}
	return all
}

// countGrants is how many grants the bookings can give at most: one per person of each
// that can grant within the window (addBooking gives no more).
func (b *builder) countGrants(bks []*booking.Booking, window booking.Window) int {
	n := 0
	for _, bk := range bks {
		if b.policy.grantsDuring(bk, window) {
			n += len(bk.Persons)
		}
	}
	return n
}

// reserve sizes the grants for n more, so that adding them does not copy large structs.
func (b *builder) reserve(n int) {
	b.grants, b.owner = slices.Grow(b.grants, n), slices.Grow(b.owner, n)
}

// addSources adds the bookings of the known sources, in order. A large plan's bookings are
// added in two halves on two cores, each into a builder of its own, and the second half is
// then merged into the first as if its bookings had been added after them (merge).
func (b *builder) addSources(sources []SourceState, window booking.Window) {
	all := knownBookings(sources)
	add := func(b *builder, bks []*booking.Booking) {
		for _, bk := range bks {
			b.addBooking(bk, window, false)
		}
	}
	if len(all) < 1<<13 || runtime.GOMAXPROCS(0) < 2 {
		b.reserve(b.countGrants(all, window))
		add(b, all)
		return
	}
	h := len(all) / 2
	second := &builder{policy: b.policy, idx: b.idx, persons: map[string]*personState{}, unmapped: map[string]*Unmapped{}}
	// The halves' grants are cut from one array, the second's after the room of the first's,
	// so that finish has them in one array, in order, without a copy of the largest part of
	// a plan (joinHalves).
	n1, n2 := b.countGrants(all[:h], window), b.countGrants(all[h:], window)
	grants, owner := make([]Grant, 0, n1+n2), make([]*personState, 0, n1+n2)
	b.grants, b.owner = grants[:0:n1], owner[:0:n1]
	second.grants, second.owner = grants[n1:n1:n1+n2], owner[n1:n1:n1+n2]
	var wg sync.WaitGroup
	wg.Go(func() { add(second, all[h:]) })
	add(b, all[:h])
	wg.Wait()
	b.grants, b.owner = joinHalves(grants, n1, b.grants, second.grants), joinHalves(owner, n1, b.owner, second.owner)
	second.grants, second.owner = nil, nil
	b.merge(second)
}

// joinHalves returns first followed by second, where first was cut from the start of arr
// and second from arr[n1:]: second is moved down to follow first, in place, unless either
// outgrew its room (an append copied it elsewhere), when they are joined in a new array.
func joinHalves[T any](arr []T, n1 int, first, second []T) []T {
	inFirst := len(first) == 0 || &first[0] == &arr[:1][0]
	inSecond := len(second) == 0 || &second[0] == &arr[n1 : n1+1][0]
	if inFirst && inSecond {
		return append(arr[:len(first)], second...) // a memmove within arr
	}
	return append(slices.Clip(first), second...)
}

// merge adds what o collected after what b did: o's grants follow b's (finish reads them
// from o, with their persons as merged); a person's name is o's only when its booking beats
// b's choice (as chooseName would have decided); the unmapped resources add up, their
// sources and examples in order.
func (b *builder) merge(o *builder) {
	for email, ops := range o.persons {
		ps := b.persons[email]
		if ps == nil {
			b.persons[email] = ops
			continue
		}
		ps.grants += ops.grants
		if ops.named && ps.better(ops.name) {
			ps.p.Name, ps.p.FirstName, ps.p.LastName = ops.p.Name, ops.p.FirstName, ops.p.LastName
		}
		ops.into = ps
	}
	b.later = append(b.later, o)
	for r, ou := range o.unmapped {
		u := b.unmapped[r]
		if u == nil {
			b.unmapped[r] = ou
			continue
		}
		u.Bookings += ou.Bookings
		for _, s := range ou.Sources {
			u.addSource(s)
		}
		for _, uid := range ou.UIDs {
			u.addExample(uid)
		}
	}
}

// mapRooms maps a booking's resources to doors, once per resource for bookings of one.
func (b *builder) mapRooms(list []string) mappedRooms {
	if len(list) == 1 {
		if m, ok := b.rooms[list[0]]; ok {
			return m
		}
	}
	var m mappedRooms
	resources, doors := b.scratchResources[:0], b.scratchDoors[:0]
	for _, r := range list {
		d, ok := b.idx.lookup(r)
		if !ok {
			m.unmapped = append(m.unmapped, r)
			continue
		}
		if !slices.Contains(resources, r) {
			resources = append(resources, r)
		}
		doors = append(doors, d...)
	}
	slices.Sort(doors)
	doors = slices.Compact(doors)
	m.resources, m.doors = b.resourceArena.Copy(resources), b.doorArena.Copy(doors)
	b.scratchResources, b.scratchDoors = resources, doors
	if len(list) == 1 {
		if b.rooms == nil {
			b.rooms = map[string]mappedRooms{}
		}
		b.rooms[list[0]] = m
	}
	return m
}

func (ps *personState) chooseName(person booking.Person, bk *booking.Booking, key string) {
	c := nameChoice{unnamed: person.DisplayName == "", start: bk.Start, source: bk.Source, key: key}
	if ps.better(c) {
		p := ps.p
		p.Name, p.FirstName, p.LastName = person.Name(), person.FirstName, person.LastName
	}
}

// better makes c the person's name choice when it beats the one so far (or there is none),
// and reports whether it did: the caller then takes the name from c's booking.
func (ps *personState) better(c nameChoice) bool {
	if ps.named && !c.less(ps.name) {
		return false
	}
	ps.name, ps.named = c, true
	return true
}

func (b *builder) noteUnmapped(resource string, bk *booking.Booking) {
	u := b.unmapped[resource]
	if u == nil {
		u = &Unmapped{Resource: resource}
		b.unmapped[resource] = u
	}
	u.Bookings++
	u.addSource(bk.Source)
	u.addExample(bk.UID)
}

// addSource lists a source of bookings of the resource, once.
func (u *Unmapped) addSource(source string) {
	if !slices.Contains(u.Sources, source) {
		u.Sources = append(u.Sources, source)
	}
}

// addExample keeps a UID as an example, once, up to maxUnmappedExamples.
func (u *Unmapped) addExample(uid string) {
	if len(u.UIDs) < maxUnmappedExamples && !slices.Contains(u.UIDs, uid) {
		u.UIDs = append(u.UIDs, uid)
	}
}

func (b *builder) finish() []*Person {
	out := make([]*Person, 0, len(b.persons))
	grants, owner := b.grants, b.owner
	for _, o := range b.later { // what addSources did not join already
		grants, owner = append(grants, o.grants...), append(owner, o.owner...)
		o.grants, o.owner = nil, nil
	}
	b.grants, b.owner = nil, nil
	// Each person's grants become a run of the array, in the order they were added, put in
	// place by a permutation: a plan's grants are its largest part, and are never copied.
	next := 0
	for _, ps := range b.persons {
		ps.at = next
		next += ps.grants
		out = append(out, ps.p)
	}
	dest := make([]int32, len(grants))
	for i, ps := range owner {
		if ps.into != nil {
			ps = ps.into
		}
		dest[i] = int32(ps.at)
		ps.at++
	}
	permute(grants, dest)
	for _, ps := range b.persons {
		ps.p.Grants = grants[ps.at-ps.grants : ps.at : ps.at]
	}
	// Each person is finished on its own: on every core for a large plan.
	n := min(runtime.GOMAXPROCS(0), len(out)/512+1)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			var scratch finishScratch
			for i := w; i < len(out); i += n {
				finishPerson(out[i], &scratch)
			}
		})
	}
	wg.Wait()
	return sortByEmail(out)
}

// permute moves items[i] to items[dest[i]] for every i, in place, dest being a permutation:
// each swap puts one item where it belongs. It uses dest up.
func permute[T any](items []T, dest []int32) {
	for i := range items {
		for d := int(dest[i]); d != i; d = int(dest[i]) {
			items[i], items[d] = items[d], items[i]
			dest[i], dest[d] = dest[d], dest[i]
		}
	}
}

// sortByEmail sorts persons by address: by their addresses held next to them (comparisons
// do not follow the pointers), for many persons in two halves on two cores, then merged.
func sortByEmail(persons []*Person) []*Person {
	type keyed struct {
		email string
		p     *Person
	}
	keys := make([]keyed, len(persons))
	for i, p := range persons {
		keys[i] = keyed{p.Email, p}
	}
	order := func(a, b keyed) int { return strings.Compare(a.email, b.email) }
	h := len(keys) / 2
	if len(keys) < 1<<12 || runtime.GOMAXPROCS(0) < 2 {
		h = len(keys)
		slices.SortFunc(keys, order)
	} else {
		var wg sync.WaitGroup
		wg.Go(func() { slices.SortFunc(keys[h:], order) })
		slices.SortFunc(keys[:h], order)
		wg.Wait()
	}
	i, j := 0, h
	for k := range persons {
		if j == len(keys) || (i < h && keys[i].email <= keys[j].email) {
			persons[k] = keys[i].p
			i++
		} else {
			persons[k] = keys[j].p
			j++
		}
	}
	return persons
}

// finishPerson sorts and merges a person's grants into windows; s is the worker's room for
// the person's doors, reused from person to person.
func finishPerson(p *Person, s *finishScratch) {
	slices.SortFunc(p.Grants, func(x, y Grant) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		if c := strings.Compare(x.Source, y.Source); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	// The same occurrence may arrive twice (a memo record and a source); keep one.
	p.Grants = slices.CompactFunc(p.Grants, func(x, y Grant) bool {
		return x.Source == y.Source && x.Key == y.Key && x.Start.Equal(y.Start)
	})
	// Windows are merged in the worker's scratch; only the merged ones are kept (a person
	// with hundreds of bookings at once keeps one window, not hundreds).
	all := s.all[:0]
	doors := s.doors[:0]
	for i := range p.Grants {
		g := &p.Grants[i]
		all = append(all, g.Window)
		doors = append(doors, g.Doors...)
	}
	p.Windows = s.windows.Copy(mergeIntervals(all))
	// Each door's windows are merged on their own, door after door in one array for the
	// person: the distinct doors in order, where each one's windows start (runs), and the
	// windows put in place door by door (a few doors each: no sort of the pairs).
	slices.Sort(doors)
	n := len(doors)
	distinct, runs := doors[:0], s.runs[:0]
	for i := 0; i < n; i++ {
		if d := doors[i]; i == 0 || d != distinct[len(distinct)-1] {
			distinct, runs = append(distinct, d), append(runs, i)
		}
	}
	next := append(s.next[:0], runs...)
	runs = append(runs, n)
	wins := slices.Grow(s.wins[:0], n)[:n]
	for i := range p.Grants {
		g := &p.Grants[i]
		for _, d := range g.Doors {
			k, _ := slices.BinarySearch(distinct, d)
			wins[next[k]] = g.Window
			next[k]++
		}
	}
	if len(distinct) > 0 {
		p.Doors = make([]DoorAccess, 0, len(distinct))
	}
	for k, d := range distinct {
		if merged := mergeIntervals(wins[runs[k]:runs[k+1]:runs[k+1]]); len(merged) > 0 {
			// Most doors are open exactly when the person's access is (every booking opens
			// them all): they share its windows (read-only, as all of a plan is) instead of a
			// copy each, 96 bytes a person of one booking of a room with two doors.
			w := p.Windows
			if !slices.Equal(merged, w) {
				w = s.windows.Copy(merged)
			}
			p.Doors = append(p.Doors, DoorAccess{Door: d, Windows: w})
		}
	}
	if p.Name == "" {
		p.Name = strings.TrimSpace(p.FirstName + " " + p.LastName)
	}
	s.doors, s.runs, s.next, s.all, s.wins = doors, runs, next, all, wins
}

// finishScratch is a worker's room for finishPerson: the doors of a person's grants (then
// the distinct ones), where each distinct door's windows start, and where the next goes;
// the windows of all the person's grants, and door by door, before they are merged; and the
// arena the persons' merged windows are cut from.
type finishScratch struct {
	doors, runs, next []int
	all, wins         []Interval
	windows           arena.Arena[Interval]
}

func (b *builder) unmappedList() []Unmapped {
	out := make([]Unmapped, 0, len(b.unmapped))
	for _, u := range b.unmapped {
		slices.Sort(u.Sources)
		slices.Sort(u.UIDs)
		out = append(out, *u)
	}
	slices.SortFunc(out, func(x, y Unmapped) int { return strings.Compare(x.Resource, y.Resource) })
	return out
}
