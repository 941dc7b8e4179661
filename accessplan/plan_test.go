package accessplan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func person(t *testing.T, email, name string) booking.Person {
	t.Helper()
	p, err := booking.NewPerson(email, name, booking.RoleAttendee)
	require.NoError(t, err)
	return p
}

func bk(uid string, start, end time.Time, res []string, ps ...booking.Person) booking.Booking {
	return booking.Booking{Source: "feed", UID: uid, Start: start, End: end, Resources: res, Status: booking.StatusConfirmed, Persons: ps}
}

func testPolicy() Policy {
	return Policy{
		Doors: map[string][]int{
			"Room #1": {1484506, 6612642},
			"Room #2": {1484506, 7242929},
			"Desk 7":  {7001001},
		},
		GraceBefore:     5 * time.Minute,
		GraceAfter:      10 * time.Minute,
		RemoveAfterDays: 7,
		Code:            CodePIN,
		Lookahead:       90 * 24 * time.Hour,
	}
}

func plan(t *testing.T, pol Policy, now time.Time, bs ...booking.Booking) *Plan {
	t.Helper()
	return Compute(Input{Now: now, Policy: pol, Sources: []SourceState{{Name: "feed", Known: true, Bookings: bs}}})
}

func TestPreviewGraceIsHalfOpen(t *testing.T) {
	jane := person(t, "Jane.Doe@Example.com", "Doe, Jane")
	p := plan(t, testPolicy(), t0, bk("a", t0, t0.Add(time.Hour), []string{"Room #1"}, jane))

	cases := []struct {
		at   time.Time
		open bool
	}{
		{t0.Add(-5*time.Minute - time.Nanosecond), false},
		{t0.Add(-5 * time.Minute), true},
		{t0.Add(30 * time.Minute), true},
		{t0.Add(70*time.Minute - time.Nanosecond), true},
		{t0.Add(70 * time.Minute), false},
	}
	for _, c := range cases {
		got := p.Preview(c.at)
		if !c.open {
			assert.Empty(t, got, "at %s", c.at)
			continue
		}
		require.Len(t, got, 1, "at %s", c.at)
		assert.Equal(t, "jane.doe@example.com", got[0].Email)
		assert.Equal(t, "Doe, Jane", got[0].Name)
		assert.Equal(t, []int{1484506, 6612642}, got[0].Doors)
		assert.Equal(t, []string{"Room #1"}, got[0].Resources)
		assert.Equal(t, Interval{t0.Add(-5 * time.Minute), t0.Add(70 * time.Minute)}, got[0].Window)
	}
	require.Len(t, p.Persons, 1)
	assert.Equal(t, "Jane", p.Persons[0].FirstName)
	assert.Equal(t, "Doe", p.Persons[0].LastName)
}

func TestWindowsOfOnePersonMerge(t *testing.T) {
	jane := person(t, "jane@example.com", "Jane Doe")
	p := plan(t, testPolicy(), t0,
		bk("a", t0, t0.Add(time.Hour), []string{"Room #1"}, jane),
		// Starts 15 min after a ends: the grace windows touch (a ends +10, b starts −5).
		bk("b", t0.Add(75*time.Minute), t0.Add(2*time.Hour), []string{"Room #2"}, jane),
	)
	require.Len(t, p.Persons, 1)
	person := p.Persons[0]
	assert.Equal(t, []Interval{{t0.Add(-5 * time.Minute), t0.Add(130 * time.Minute)}}, person.Windows)
	// The shared front door stays open throughout; each room only for its own booking.
	assert.Equal(t, []DoorAccess{
		{Door: 1484506, Windows: []Interval{{t0.Add(-5 * time.Minute), t0.Add(130 * time.Minute)}}},
		{Door: 6612642, Windows: []Interval{{t0.Add(-5 * time.Minute), t0.Add(70 * time.Minute)}}},
		{Door: 7242929, Windows: []Interval{{t0.Add(70 * time.Minute), t0.Add(130 * time.Minute)}}},
	}, person.Doors)

	at := p.Preview(t0.Add(70 * time.Minute))
	require.Len(t, at, 1)
	assert.Equal(t, []int{1484506, 7242929}, at[0].Doors, "room 1 closes at its end+grace, room 2 is open from its start−grace")
	assert.Equal(t, []string{"Room #2"}, at[0].Resources)
	assert.Equal(t, Interval{t0.Add(-5 * time.Minute), t0.Add(130 * time.Minute)}, at[0].Window)
}

func TestStatusesAndPolicy(t *testing.T) {
	jane := person(t, "jane@example.com", "")
	tent := bk("t", t0, t0.Add(time.Hour), []string{"Desk 7"}, jane)
	tent.Status = booking.StatusTentative
	canc := bk("c", t0, t0.Add(time.Hour), []string{"Room #1"}, jane)
	canc.Status = booking.StatusCancelled

	p := plan(t, testPolicy(), t0, tent, canc)
	assert.Empty(t, p.Preview(t0), "tentative needs tentative_grants_access; cancelled never opens")

	pol := testPolicy()
	pol.TentativeGrantsAccess = true
	p = plan(t, pol, t0, tent, canc)
	got := p.Preview(t0)
	require.Len(t, got, 1)
	assert.Equal(t, []int{7001001}, got[0].Doors)
	assert.Equal(t, "jane", got[0].Name, "name derived from the email when there is no display name")
}

func TestPersonsMergeByEmailAcrossSources(t *testing.T) {
	a := person(t, "JANE@example.com", "")
	b := person(t, "mailto:jane@EXAMPLE.com", "Jane Doe")
	s1 := bk("x", t0, t0.Add(time.Hour), []string{"Room #1"}, a)
	s2 := bk("y", t0.Add(2*time.Hour), t0.Add(3*time.Hour), []string{"Room #2"}, b)
	s2.Source = "outlook"
	p := Compute(Input{Now: t0, Policy: testPolicy(), Sources: []SourceState{
		{Name: "feed", Known: true, Bookings: []booking.Booking{s1}},
		{Name: "outlook", Known: true, Bookings: []booking.Booking{s2}},
	}})
	require.Len(t, p.Persons, 1)
	assert.Equal(t, "jane@example.com", p.Persons[0].Email)
	assert.Equal(t, "Jane Doe", p.Persons[0].Name, "a display name beats one derived from the email")
	assert.Len(t, p.Persons[0].Grants, 2)
}

func TestUnmappedResourcesAreReportedNotFatal(t *testing.T) {
	jane := person(t, "jane@example.com", "Jane")
	p := plan(t, testPolicy(), t0,
		bk("a", t0, t0.Add(time.Hour), []string{"Room #1", "Roof terrace"}, jane),
		bk("b", t0, t0.Add(time.Hour), []string{"Roof terrace"}, person(t, "bob@example.com", "Bob")),
	)
	require.Len(t, p.Persons, 1, "a booking of only unmapped resources gives nobody access")
	assert.Equal(t, []string{"Room #1"}, p.Persons[0].Grants[0].Resources)
	assert.Equal(t, []Unmapped{{Resource: "Roof terrace", Sources: []string{"feed"}, UIDs: []string{"a", "b"}, Bookings: 2}}, p.Unmapped)
}

func TestResourceNamesMatchExactlyThenNormalised(t *testing.T) {
	pol := testPolicy()
	pol.Doors["room1@contoso.com"] = []int{9}
	pol.Doors["Lab A"] = []int{10}
	pol.Doors["lab a"] = []int{11}

	d, ok := newResourceIndex(pol.Doors).lookup("Room1@Contoso.com")
	require.True(t, ok)
	assert.Equal(t, []int{9}, d)
	d, ok = newResourceIndex(pol.Doors).lookup("  Room   #1 ")
	require.True(t, ok)
	assert.Equal(t, []int{1484506, 6612642}, d)
	d, ok = newResourceIndex(pol.Doors).lookup("lab a")
	require.True(t, ok, "an exact match always wins")
	assert.Equal(t, []int{11}, d)
	_, ok = newResourceIndex(pol.Doors).lookup("LAB A")
	assert.False(t, ok, "an ambiguous normalised name maps to nothing rather than to a guess")
	_, ok = newResourceIndex(pol.Doors).lookup("Room #3")
	assert.False(t, ok)
}

func TestBookingsOutsideTheWindowAreIgnored(t *testing.T) {
	jane := person(t, "jane@example.com", "Jane")
	pol := testPolicy()
	far := t0.Add(pol.Lookahead + time.Hour)
	old := t0.Add(-30 * 24 * time.Hour)
	p := plan(t, pol, t0,
		bk("far", far, far.Add(time.Hour), []string{"Room #1"}, jane),
		bk("old", old, old.Add(time.Hour), []string{"Room #1"}, jane),
	)
	assert.Empty(t, p.Persons)
	w := pol.Window(t0)
	assert.Equal(t, t0.Add(-7*24*time.Hour-10*time.Minute), w.Start)
	assert.Equal(t, t0.Add(90*24*time.Hour+5*time.Minute), w.End)
}

func TestNextAndTransitions(t *testing.T) {
	jane := person(t, "jane@example.com", "Jane")
	bob := person(t, "bob@example.com", "Bob")
	p := plan(t, testPolicy(), t0,
		bk("a", t0, t0.Add(time.Hour), []string{"Desk 7"}, jane),
		bk("b", t0.Add(30*time.Minute), t0.Add(2*time.Hour), []string{"Desk 7"}, bob),
	)
	n, ok := p.Next(t0.Add(-time.Hour))
	require.True(t, ok)
	assert.Equal(t, t0.Add(-5*time.Minute), n)
	n, ok = p.Next(t0.Add(-5 * time.Minute))
	require.True(t, ok)
	assert.Equal(t, t0.Add(25*time.Minute), n, "bob's window opens next")
	n, ok = p.Next(t0.Add(25 * time.Minute))
	require.True(t, ok)
	assert.Equal(t, t0.Add(70*time.Minute), n)
	n, ok = p.Next(t0.Add(70 * time.Minute))
	require.True(t, ok)
	assert.Equal(t, t0.Add(130*time.Minute), n)
	_, ok = p.Next(t0.Add(130 * time.Minute))
	assert.False(t, ok)

	assert.Equal(t, []Transition{
		{At: t0.Add(25 * time.Minute), Email: "bob@example.com", Door: 7001001, Open: true},
		{At: t0.Add(70 * time.Minute), Email: "jane@example.com", Door: 7001001, Open: false},
	}, p.Transitions(t0, 2))
}

func TestMemoRecordsStandInForAnUnknownSource(t *testing.T) {
	u := ManagedUser{ID: 42, FirstName: "Jane", LastName: "Doe", Memo: Memo{
		Version: 1, Email: "jane@example.com", Name: "Jane Doe",
		Records: []MemoRecord{{Source: "feed", Key: "a", Resources: []string{"Room #1"}, Start: t0, End: t0.Add(time.Hour), Notified: true}},
	}}
	in := Input{Now: t0, Policy: testPolicy(), Net2: Net2State{Users: []ManagedUser{u}},
		Sources: []SourceState{{Name: "feed", Known: false}}}
	got := Compute(in).Preview(t0)
	require.Len(t, got, 1, "a source down since start-up revokes nothing the memo records")
	assert.Equal(t, []int{1484506, 6612642}, got[0].Doors)
	assert.True(t, Compute(in).Persons[0].Grants[0].FromMemo)

	// Once the source has answered, its answer is the truth: the booking is gone.
	in.Sources[0].Known = true
	assert.Empty(t, Compute(in).Preview(t0))

	// A source that is no longer configured (renamed, removed, re-pointed under a new name)
	// is a failed source, not an empty one: its records stay in force and are reported
	// (DESIGN invariant 8), until an operator accepts it.
	in.Sources = []SourceState{{Name: "other", Known: true}}
	p := Compute(in)
	require.Len(t, p.Preview(t0), 1, "a vanished source revokes nothing")
	assert.Equal(t, []Vanished{{Name: "feed", Bookings: 1, Upcoming: 1}}, p.Vanished)
	for _, a := range p.Actions {
		assert.NotEqual(t, ActDeleteUser, a.Kind, "nobody is deleted for it")
	}
	in.AcceptVanished = true
	assert.Empty(t, Compute(in).Preview(t0), "accepted: it is gone")

	// A declared rename moves the records over: they are the renamed source's, with no hold.
	in.AcceptVanished = false
	live := bk("a", t0, t0.Add(time.Hour), []string{"Room #1"}, person(t, "jane@example.com", "Jane Doe"))
	live.Source = "skedda"
	in.Sources = []SourceState{{Name: "skedda", PreviousNames: []string{"feed"}, Known: true, Bookings: []booking.Booking{live}}}
	p = Compute(in)
	assert.Empty(t, p.Vanished)
	require.Len(t, p.Preview(t0), 1)
	spec := p.Users["jane@example.com"]
	require.Len(t, spec.Memo.Records, 1)
	assert.Equal(t, "skedda", spec.Memo.Records[0].Source, "rewritten under the new name")
	assert.True(t, spec.Memo.Records[0].Notified, "and still notified: no second email for a rename")
}

func TestBookingWithSeveralPersonsAndDuplicates(t *testing.T) {
	jane := person(t, "jane@example.com", "Jane")
	bob := person(t, "bob@example.com", "Bob")
	b := bk("a", t0, t0.Add(time.Hour), []string{"Room #1", "Room #1"}, jane, bob, jane)
	p := plan(t, testPolicy(), t0, b, b)
	require.Len(t, p.Persons, 2)
	for _, person := range p.Persons {
		assert.Len(t, person.Grants, 1, "the same occurrence twice is one grant")
		assert.Equal(t, []string{"Room #1"}, person.Grants[0].Resources)
	}
}

// A booking of many persons (past manyPersons their addresses are looked up in a set) gives
// each address one grant, whatever its repeats, in two bookings one after the other.
func TestBookingWithManyPersonsAndDuplicates(t *testing.T) {
	var ps []booking.Person
	for i := range 60 {
		ps = append(ps, person(t, fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("P%d", i)))
		if i%7 == 6 {
			ps = append(ps, person(t, fmt.Sprintf("p%d@example.com", i/2), "Again"))
		}
	}
	a := bk("a", t0, t0.Add(time.Hour), []string{"Room #1"}, ps...)
	b := bk("b", t0.Add(2*time.Hour), t0.Add(3*time.Hour), []string{"Room #1"}, ps[len(ps)/2:]...)
	p := plan(t, testPolicy(), t0, a, b)
	require.Len(t, p.Persons, 60)
	inB := map[string]bool{}
	for _, q := range b.Persons {
		inB[q.Email] = true
	}
	require.Less(t, len(inB), 60)
	for _, person := range p.Persons {
		want := 1
		if inB[person.Email] {
			want = 2
		}
		assert.Len(t, person.Grants, want, person.Email)
		if !inB[person.Email] {
			assert.NotEqual(t, "Again", person.Name, "the first of an address in a booking names it")
		}
	}
}

// joinHalves moves the second half down to follow the first within their array, and joins
// them in a new array when either outgrew its room; arr is never written past the halves.
func TestJoinHalves(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n1, n2     int
		len1, len2 int
		grow1      bool // the first half outgrew its room: its appends went elsewhere
		grow2      bool
	}{
		{"both in place", 4, 3, 2, 3, false, false},
		{"full first half", 4, 3, 4, 1, false, false},
		{"empty first half", 4, 3, 0, 2, false, false},
		{"empty second half", 4, 3, 3, 0, false, false},
		{"both empty", 2, 2, 0, 0, false, false},
		{"first outgrown", 2, 3, 5, 2, true, false},
		{"second outgrown", 2, 2, 1, 4, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arr := make([]int, 0, tc.n1+tc.n2)
			first, second := arr[:0:tc.n1], arr[tc.n1:tc.n1:tc.n1+tc.n2]
			var want []int
			for i := range tc.len1 {
				first = append(first, 100+i)
				want = append(want, 100+i)
			}
			for i := range tc.len2 {
				second = append(second, 200+i)
				want = append(want, 200+i)
			}
			got := joinHalves(arr, tc.n1, first, second)
			if len(want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, want, got)
			inPlace := len(got) > 0 && &got[0] == &arr[:1][0]
			assert.Equal(t, !tc.grow1 && !tc.grow2, inPlace, "joined in place")
		})
	}
}

// permute puts every item at its destination, for random permutations of many lengths.
func TestPermute(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 60 {
		dest := make([]int32, n)
		for i, d := range rng.Perm(n) {
			dest[i] = int32(d)
		}
		items := make([]int, n)
		want := make([]int, n)
		for i := range items {
			items[i] = 1000 + i
			want[dest[i]] = items[i]
		}
		permute(items, slices.Clone(dest))
		assert.Equal(t, want, items, "n=%d", n)
	}
}

// A large plan's bookings are added in halves on two cores and merged (builder.addSources):
// the plan is the same on any number of cores. The persons book in both halves, under
// several names (with and without a display name, earlier and later), two persons at once,
// in two sources, and the halves book unmapped rooms, more of them than the examples kept.
func TestSamePlanOnAnyNumberOfCores(t *testing.T) {
	at := time.Date(2026, 6, 3, 10, 0, 0, 0, time.UTC)
	doors := map[string][]int{}
	for i := range 20 {
		doors[fmt.Sprintf("Room %d", i)] = []int{100 + i%3, 200 + i}
	}
	policy := Policy{Doors: doors, GraceBefore: 5 * time.Minute, GraceAfter: 10 * time.Minute,
		RemoveAfterDays: 7, Lookahead: 30 * 24 * time.Hour, Location: time.UTC}
	named := func(i, variant int) booking.Person {
		name := ""
		if variant%3 != 0 {
			name = fmt.Sprintf("Person %d v%d", i, variant)
		}
		return person(t, fmt.Sprintf("p%d@example.org", i), name)
	}
	var sources []SourceState
	for s, name := range []string{"a", "b"} {
		var bks []booking.Booking
		for i := range 6000 {
			start := at.Add(time.Duration((i*7919)%(40*24*60)-5*24*60) * time.Minute)
			bk := booking.Booking{Source: name, UID: fmt.Sprintf("%s-%d", name, i), Start: start,
				End: start.Add(time.Duration(30+i%90) * time.Minute), Status: booking.StatusConfirmed,
				Resources: []string{fmt.Sprintf("Room %d", i%23)}, // 20 to 22 map to no door
				Persons:   []booking.Person{named(i%700, i+s)}}
			switch {
			case s == 0 && i == 100, s == 1 && i%1000 == 3:
				bk.Resources = append(bk.Resources, "Annex") // once in the first half, four times in the second
			case s == 1 && i == 4002:
				bk.Resources = append(bk.Resources, "Annex 2") // only in the second half
			}
			if i%5 == 0 {
				bk.Resources = append(bk.Resources, fmt.Sprintf("room %d", (i+1)%20)) // matched loosely
				bk.Persons = append(bk.Persons, named((i+350)%700, i), named(i%700, i+1))
			}
			if i%11 == 0 {
				bk.Status = booking.StatusTentative
			}
			bks = append(bks, bk)
		}
		sources = append(sources, SourceState{Name: name, Known: true, Bookings: bks})
	}
	sources = append(sources, SourceState{Name: "silent"})
	in := Input{Now: at, Policy: policy, Sources: sources}
	plan := func(procs int) *Plan {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return ComputeAccess(in)
	}
	one := plan(1)
	require.Len(t, one.Persons, 700)
	require.Len(t, one.Unmapped, 5)
	assert.Equal(t, []string{"a-100", "b-2003", "b-3"}, one.Unmapped[0].UIDs, "Annex: the first half's example, then the second's first two")
	assert.Equal(t, []string{"b-4002"}, one.Unmapped[1].UIDs, "Annex 2")
	for _, u := range one.Unmapped[2:] {
		require.Len(t, u.UIDs, maxUnmappedExamples, u.Resource)
	}
	for _, procs := range []int{2, 3} {
		// Compared part by part: a diff of two whole plans this size takes minutes to print.
		other := plan(procs)
		require.Equal(t, one.Unmapped, other.Unmapped, "GOMAXPROCS=%d", procs)
		require.Len(t, other.Persons, len(one.Persons))
		for i := range one.Persons {
			require.Equal(t, one.Persons[i], other.Persons[i], "GOMAXPROCS=%d", procs)
		}
		require.True(t, reflect.DeepEqual(one, other), "GOMAXPROCS=%d", procs)
	}
}
