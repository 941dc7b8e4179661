package accessplan

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// applyInMemory plays a plan's actions onto an observed state the way the Net2 controller
// does, so tests can check convergence without Net2.
func applyInMemory(t *testing.T, state Net2State, actions []Action, nextID *int) Net2State {
	t.Helper()
	byID := map[int]*ManagedUser{}
	var order []int
	for _, u := range state.Users {
		u := u
		byID[u.ID] = &u
		order = append(order, u.ID)
	}
	newIDs := map[string]int{}
	for _, a := range actions {
		id := a.UserID
		if id == 0 {
			id = newIDs[a.Email]
		}
		switch a.Kind {
		case ActCreateUser:
			*nextID++
			id = *nextID
			newIDs[a.Email] = id
			byID[id] = &ManagedUser{ID: id}
			order = append(order, id)
			fallthrough
		case ActUpdateUser:
			u := byID[id]
			u.FirstName, u.LastName, u.Memo, u.Activate, u.Expiry = a.Spec.FirstName, a.Spec.LastName, a.Spec.Memo, a.Spec.Activate, a.Spec.Expiry
		case ActSetDepartment:
			byID[id].DepartmentID = a.Spec.Department
		case ActSetPermissions:
			byID[id].Permissions = a.Spec.Permissions
		case ActAssignCode:
			byID[id].Code = "code"
		case ActDeleteUser:
			delete(byID, id)
		}
	}
	var out Net2State
	for _, id := range order {
		if u, ok := byID[id]; ok {
			out.Users = append(out.Users, *u)
		}
	}
	return out
}

func lifecyclePolicy() Policy {
	pol := testPolicy()
	pol.Location, _ = time.LoadLocation("Europe/Amsterdam")
	pol.Department = 3
	pol.AlwaysTimezone = 1
	pol.FallbackLevel = 0
	return pol
}

func kinds(actions []Action) []ActionKind {
	var out []ActionKind
	for _, a := range actions {
		out = append(out, a.Kind)
	}
	return out
}

func TestLifecycleActions(t *testing.T) {
	pol := lifecyclePolicy()
	jane := person(t, "jane@example.com", "Jane Doe")
	start := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC) // 10:00 in Amsterdam
	b := bk("a", start, start.Add(2*time.Hour), []string{"Room #1"}, jane)
	src := []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}}
	var state Net2State
	nextID := 100

	step := func(now time.Time) *Plan {
		p := Compute(Input{Now: now, Policy: pol, Sources: src, Net2: state})
		state = applyInMemory(t, state, p.Actions, &nextID)
		again := Compute(Input{Now: now, Policy: pol, Sources: src, Net2: state})
		require.Empty(t, again.Actions, "applying the plan converges at %s", now)
		return p
	}

	// A week before: the booking is in the lookahead, the user is created with the fallback.
	p := step(start.Add(-7 * 24 * time.Hour))
	assert.Equal(t, []ActionKind{ActCreateUser, ActSetDepartment, ActSetPermissions, ActAssignCode}, kinds(p.Actions))
	assert.Contains(t, p.Actions[0].Reason, "booking feed/a (Room #1)")
	require.Len(t, state.Users, 1)
	u := state.Users[0]
	assert.Equal(t, "Jane", u.FirstName)
	assert.Equal(t, Permissions{AccessLevels: []int{0}}, u.Permissions)
	assert.Equal(t, time.Date(2026, 12, 10, 0, 0, 0, 0, pol.Location), u.Activate)
	assert.Equal(t, time.Date(2026, 12, 11, 0, 0, 0, 0, pol.Location), u.Expiry, "the day after the last day: Net2 expires users at the start of the expiry day")
	require.Len(t, u.Memo.Records, 1)
	assert.False(t, u.Memo.Records[0].Notified)

	// Nothing changes until the window opens.
	assert.Empty(t, Compute(Input{Now: start.Add(-6 * time.Minute), Policy: pol, Sources: src, Net2: state}).Actions)
	p = step(start.Add(-5 * time.Minute))
	assert.Equal(t, []ActionKind{ActSetPermissions}, kinds(p.Actions))
	assert.Equal(t, Permissions{Doors: []int{1484506, 6612642}, TimezoneIDs: []int{1, 1}}, state.Users[0].Permissions)
	assert.Contains(t, p.Actions[0].Reason, "window open: doors 1484506, 6612642")

	// Closes at end + grace.
	assert.Empty(t, Compute(Input{Now: start.Add(130*time.Minute - time.Second), Policy: pol, Sources: src, Net2: state}).Actions)
	p = step(start.Add(130 * time.Minute))
	assert.Equal(t, []ActionKind{ActSetPermissions}, kinds(p.Actions))
	assert.Equal(t, Permissions{AccessLevels: []int{0}}, state.Users[0].Permissions)

	// Removal after 7 days, even when the feed has dropped the ended booking (Booked).
	src[0].Bookings = nil
	assert.Empty(t, Compute(Input{Now: start.Add(7*24*time.Hour + time.Hour), Policy: pol, Sources: src, Net2: state}).Actions,
		"the ended booking stays on record until removal")
	p = step(start.Add(7*24*time.Hour + 2*time.Hour))
	assert.Equal(t, []ActionKind{ActDeleteUser}, kinds(p.Actions))
	assert.Contains(t, p.Actions[0].Reason, "no booking ended in the last 7 day(s)")
	assert.Empty(t, state.Users)
}

func TestEndedBookingDroppedByFeedKeepsItsGrace(t *testing.T) {
	pol := lifecyclePolicy()
	jane := person(t, "jane@example.com", "Jane Doe")
	b := bk("a", t0, t0.Add(time.Hour), []string{"Room #1"}, jane)
	var state Net2State
	id := 0
	p := Compute(Input{Now: t0.Add(30 * time.Minute), Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}}})
	state = applyInMemory(t, state, p.Actions, &id)

	// Five minutes after the end the feed no longer lists it; the grace period still holds.
	p = Compute(Input{Now: t0.Add(65 * time.Minute), Policy: pol, Sources: []SourceState{{Name: "feed", Known: true}}, Net2: state})
	assert.Empty(t, p.Actions)
	assert.Len(t, p.Preview(t0.Add(65*time.Minute)), 1)

	// A booking that has not ended yet and vanishes is a cancellation: access closes now.
	b2 := bk("b", t0.Add(2*time.Hour), t0.Add(3*time.Hour), []string{"Room #2"}, jane)
	p = Compute(Input{Now: t0.Add(2*time.Hour + 30*time.Minute), Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b, b2}}}, Net2: state})
	state = applyInMemory(t, state, p.Actions, &id)
	assert.Equal(t, []int{1484506, 7242929}, state.Users[0].Permissions.Doors)
	p = Compute(Input{Now: t0.Add(2*time.Hour + 31*time.Minute), Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}}, Net2: state})
	assert.Equal(t, []ActionKind{ActUpdateUser, ActSetPermissions}, kinds(p.Actions), "memo drops the record before doors close")
	assert.Contains(t, p.Actions[0].Reason, "memo: 1 dropped")
	assert.Equal(t, Permissions{AccessLevels: []int{0}}, p.Actions[1].Spec.Permissions)
}

func TestNotifiedFlagsSurviveUnlessTheBookingChanged(t *testing.T) {
	pol := lifecyclePolicy()
	jane := person(t, "jane@example.com", "Jane Doe")
	a := bk("a", t0.Add(24*time.Hour), t0.Add(25*time.Hour), []string{"Room #1"}, jane)
	c := bk("c", t0.Add(48*time.Hour), t0.Add(49*time.Hour), []string{"Room #1"}, jane)
	state := Net2State{Users: []ManagedUser{{ID: 7, FirstName: "Jane", LastName: "Doe", Code: "482913", DepartmentID: 3,
		Permissions: Permissions{AccessLevels: []int{0}},
		Activate:    time.Date(2026, 12, 2, 0, 0, 0, 0, pol.Location), Expiry: time.Date(2026, 12, 4, 0, 0, 0, 0, pol.Location),
		Memo: Memo{Version: 1, Email: "jane@example.com", Name: "Jane Doe", CodeNotified: true, Records: []MemoRecord{
			{Source: "feed", Key: "a", Resources: []string{"Room #1"}, Start: a.Start, End: a.End, Notified: true},
			{Source: "feed", Key: "c", Resources: []string{"Room #1"}, Start: c.Start, End: c.End, Notified: true},
		}}}}}
	src := []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{a, c}}}
	assert.Empty(t, Compute(Input{Now: t0, Policy: pol, Sources: src, Net2: state}).Actions)

	c.End = c.End.Add(time.Hour) // moved: news again
	src[0].Bookings = []booking.Booking{a, c}
	p := Compute(Input{Now: t0, Policy: pol, Sources: src, Net2: state})
	require.Equal(t, []ActionKind{ActUpdateUser}, kinds(p.Actions))
	recs := p.Actions[0].Spec.Memo.Records
	assert.True(t, recs[0].Notified)
	assert.False(t, recs[1].Notified)
	assert.True(t, p.Actions[0].Spec.Memo.CodeNotified)
}

func TestDuplicatesOrphansAndRemovalOff(t *testing.T) {
	pol := lifecyclePolicy()
	jane := person(t, "jane@example.com", "Jane Doe")
	b := bk("a", t0, t0.Add(time.Hour), []string{"Room #1"}, jane)
	memo := Memo{Version: 1, Email: "jane@example.com"}
	state := Net2State{Users: []ManagedUser{
		{ID: 20, Memo: memo},
		{ID: 10, Memo: memo},
		{ID: 30, Memo: Memo{Version: 1}, MemoProblems: []string{"memo line 2: not a key: value line"}},
		{ID: 40, Memo: Memo{Version: 1, Email: "gone@example.com"}, Permissions: Permissions{Doors: []int{1484506}, TimezoneIDs: []int{1}}},
	}}
	p := Compute(Input{Now: t0.Add(2 * time.Hour), Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}}, Net2: state})
	var deleted []int
	for _, a := range p.Actions {
		if a.Kind == ActDeleteUser {
			deleted = append(deleted, a.UserID)
		}
		assert.NotEqual(t, 30, a.UserID, "an orphan is never touched")
	}
	assert.ElementsMatch(t, []int{20, 40}, deleted, "the younger duplicate and the user without bookings go")
	require.Len(t, p.Orphans, 1)
	assert.Equal(t, 30, p.Orphans[0].ID)

	pol.RemoveAfterDays = -1
	p = Compute(Input{Now: t0.Add(2 * time.Hour), Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}}, Net2: state})
	for _, a := range p.Actions {
		if a.UserID == 40 {
			assert.Equal(t, ActSetPermissions, a.Kind, "with removal off a user without bookings keeps existing, at the fallback level")
			assert.Equal(t, Permissions{AccessLevels: []int{0}}, a.Spec.Permissions)
		}
	}
}

func TestOnlyPastBookingsCreateNobody(t *testing.T) {
	pol := lifecyclePolicy()
	b := bk("a", t0, t0.Add(time.Hour), []string{"Room #1"}, person(t, "jane@example.com", ""))
	p := Compute(Input{Now: t0.Add(3 * time.Hour), Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}}})
	assert.Empty(t, p.Actions)
}

func TestValidityDaysFollowTheSiteZone(t *testing.T) {
	pol := lifecyclePolicy()
	jane := person(t, "jane@example.com", "")
	// 23:00Z on 1 Dec is 00:00 on 2 Dec in Amsterdam; minus 5 min grace it starts on 1 Dec.
	start := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	// Ends 22:50Z on 2 Dec = 23:50 local; +10 min grace = midnight: the last day is 2 Dec.
	b := bk("a", start, time.Date(2026, 12, 2, 22, 50, 0, 0, time.UTC), []string{"Desk 7"}, jane)
	p := Compute(Input{Now: t0, Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}}})
	spec := p.Users["jane@example.com"]
	assert.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, pol.Location), spec.Activate)
	assert.Equal(t, time.Date(2026, 12, 3, 0, 0, 0, 0, pol.Location), spec.Expiry)
}

// TestApplyingAPlanConverges checks DESIGN invariant 2 on random inputs: applying a plan's
// actions and planning again at the same instant gives no actions.
func TestApplyingAPlanConverges(t *testing.T) {
	totalActions := 0
	defer func() { require.Greater(t, totalActions, 1000, "the random inputs must exercise the actions") }()
	for seed := uint64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		in, _ := randomInput(t, rng)
		in.Policy.Location = time.UTC
		in.Policy.Code = CodePIN
		in.Policy.RemoveAfterDays = rng.IntN(3) - 1
		id := 0
		for step := range 6 {
			in.Now = in.Now.Add(time.Duration(rng.IntN(8*60)) * time.Minute)
			p := Compute(in)
			totalActions += len(p.Actions)
			in.Net2 = applyInMemory(t, in.Net2, p.Actions, &id)
			again := Compute(in)
			require.Empty(t, again.Actions, "seed %d step %d: %v", seed, step, again.Actions)
			// Whoever Net2 gives doors to is exactly who the preview says.
			open := map[string][]int{}
			for _, a := range p.Preview(in.Now) {
				open[a.Email] = a.Doors
			}
			for _, u := range in.Net2.Users {
				if len(u.Permissions.Doors) > 0 {
					require.Equal(t, open[u.Memo.Email], u.Permissions.Doors, "seed %d", seed)
					delete(open, u.Memo.Email)
				}
			}
			require.Empty(t, open, "seed %d: persons with open doors but no Net2 user", seed)
			emails := map[string]bool{}
			for _, u := range in.Net2.Users {
				require.False(t, emails[u.Memo.Email], "seed %d: two users for %s", seed, u.Memo.Email)
				emails[u.Memo.Email] = true
				require.False(t, strings.Contains(u.Memo.Email, " "))
			}
		}
	}
}

func TestShrinkHoldKeepsRecordedGrants(t *testing.T) {
	pol := lifecyclePolicy()
	var bookings []booking.Booking
	for i := range 10 {
		p := person(t, "p"+string(rune('a'+i))+"@example.com", "")
		start := t0.Add(time.Duration(i) * time.Hour)
		bookings = append(bookings, bk("b"+string(rune('a'+i)), start, start.Add(time.Hour), []string{"Room #1"}, p))
	}
	var state Net2State
	id := 0
	src := SourceState{Name: "feed", Known: true, Bookings: bookings}
	state = applyInMemory(t, state, Compute(Input{Now: t0.Add(-time.Hour), Policy: pol, Sources: []SourceState{src}}).Actions, &id)
	require.Len(t, state.Users, 10)

	shrunk := SourceState{Name: "feed", Known: true, Bookings: bookings[:3]}
	missing, recorded := Shrinkage(shrunk, state, t0.Add(-time.Hour))
	assert.Equal(t, 7, missing)
	assert.Equal(t, 10, recorded)

	shrunk.HoldRevocations = true
	p := Compute(Input{Now: t0.Add(-time.Hour), Policy: pol, Sources: []SourceState{shrunk}, Net2: state})
	assert.Empty(t, p.Actions, "held: nobody loses a user or a grant")
	assert.Len(t, p.Preview(t0.Add(9*time.Hour+30*time.Minute)), 1, "the last (dropped) booking still opens its door")

	shrunk.HoldRevocations = false
	p = Compute(Input{Now: t0.Add(-time.Hour), Policy: pol, Sources: []SourceState{shrunk}, Net2: state})
	assert.Len(t, p.Actions, 7, "accepted: the seven dropped persons are removed")
}

func TestLongNamesAreCutToWhatNet2Holds(t *testing.T) {
	long := strings.Repeat("Bartholomew-", 10)
	b := bk("a", t0, t0.Add(time.Hour), []string{"Room #1"}, person(t, "b@example.com", long+" "+long))
	p := Compute(Input{Now: t0, Policy: lifecyclePolicy(), Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}}})
	spec := p.Users["b@example.com"]
	assert.Len(t, []rune(spec.FirstName), MaxNameLength)
	assert.Len(t, []rune(spec.LastName), MaxNameLength)
	assert.Empty(t, Compute(Input{Now: t0, Policy: lifecyclePolicy(), Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{b}}},
		Net2: applyInMemory(t, Net2State{}, p.Actions, new(int))}).Actions, "a cut name does not cause an update every cycle")
}

func TestAccessLevelGrantGivesTheUnionOfOpenWindowsLevels(t *testing.T) {
	pol := lifecyclePolicy()
	pol.Grant = GrantAccessLevels
	pol.FallbackLevel = 9
	pol.Doors = map[string][]int{"Studio": {5}, "Hall": {6, 5, 7}}
	jane := person(t, "jane@example.com", "Jane Doe")
	a := bk("a", t0.Add(time.Hour), t0.Add(3*time.Hour), []string{"Studio"}, jane)
	b := bk("b", t0.Add(2*time.Hour), t0.Add(4*time.Hour), []string{"Hall"}, jane)
	src := []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{a, b}}}
	at := func(d time.Duration) Permissions {
		p := Compute(Input{Now: t0.Add(d), Policy: pol, Sources: src})
		return p.Users["jane@example.com"].Permissions
	}
	assert.Equal(t, Permissions{AccessLevels: []int{9}}, at(0), "before any window: the fallback level alone")
	assert.Equal(t, Permissions{AccessLevels: []int{5}}, at(time.Hour), "studio window (from start - 5 min): its level")
	pol.Doors["Hall"] = []int{6, 7}
	assert.Equal(t, Permissions{AccessLevels: []int{6, 7}}, at(3*time.Hour+10*time.Minute), "studio window over: only the hall's levels")
	pol.Doors["Hall"] = []int{6, 5, 7}
	assert.Equal(t, Permissions{AccessLevels: []int{5, 6, 7}}, at(150*time.Minute), "both windows: the union, each level once")
	assert.Equal(t, Permissions{AccessLevels: []int{5, 6, 7}}, at(3*time.Hour+5*time.Minute), "studio grace still open, hall open")
	assert.Equal(t, Permissions{AccessLevels: []int{5, 6, 7}}, at(3*time.Hour+10*time.Minute), "studio window over: the hall's levels, 5 included")
	p := Compute(Input{Now: t0.Add(150 * time.Minute), Policy: pol, Sources: src})
	for _, act := range p.Actions {
		if act.Kind == ActSetPermissions {
			assert.Contains(t, act.Reason, "access levels 5, 6, 7")
		}
	}
}

// TestReasonsSayWhatHappened: a deletion names the cancelled booking, not "no booking ended
// in the last 7 days"; a moved booking is "moved or changed", not "0 booking(s) added".
func TestReasonsSayWhatHappened(t *testing.T) {
	pol := lifecyclePolicy()
	jane := person(t, "jane@example.com", "Jane Doe")
	a := bk("a", t0.Add(24*time.Hour), t0.Add(25*time.Hour), []string{"Room #1"}, jane)
	user := ManagedUser{ID: 7, FirstName: "Jane", LastName: "Doe", Code: "482913", DepartmentID: 3,
		Permissions: Permissions{AccessLevels: []int{0}},
		Activate:    time.Date(2026, 12, 2, 0, 0, 0, 0, pol.Location), Expiry: time.Date(2026, 12, 3, 0, 0, 0, 0, pol.Location),
		Memo: Memo{Version: 1, Email: "jane@example.com", Name: "Jane Doe", CodeNotified: true, Records: []MemoRecord{
			{Source: "feed", Key: "a", Resources: []string{"Room #1"}, Start: a.Start, End: a.End, Notified: true}}}}
	state := Net2State{Users: []ManagedUser{user}}

	moved := a
	moved.Start, moved.End = a.Start.Add(time.Hour), a.End.Add(time.Hour)
	p := Compute(Input{Now: t0, Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{moved}}}, Net2: state})
	require.NotEmpty(t, p.Actions)
	assert.Contains(t, p.Actions[0].Reason, "memo: 1 booking(s) moved or changed")
	assert.NotContains(t, p.Actions[0].Reason, "0 booking(s) added")

	other := bk("x", t0.Add(24*time.Hour), t0.Add(25*time.Hour), []string{"Room #1"}, person(t, "bob@example.com", "Bob"))
	p = Compute(Input{Now: t0, Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: []booking.Booking{other}}}, Net2: state})
	var del *Action
	for i := range p.Actions {
		if p.Actions[i].Kind == ActDeleteUser {
			del = &p.Actions[i]
		}
	}
	require.NotNil(t, del, "jane's only booking was cancelled")
	assert.Contains(t, del.Reason, "booking(s) feed/a (Room #1, 2026-12-02 09:00 UTC) cancelled or no longer listed by their source")
	assert.NotContains(t, del.Reason, "no booking ended in the last")
}
