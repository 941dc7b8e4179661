package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
	"github.com/net2booking/net2booking/net2"
	"github.com/net2booking/net2booking/net2/net2sim"
)

// start is a Tuesday morning in Amsterdam; bookings are placed around it.
var start = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func TestFullLifecycle(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	b := start.Add(48 * time.Hour) // Thursday 09:00 local
	s.feed.set(feedBooking{uid: "b1", email: "Jane.Doe@Example.com", name: "Doe, Jane", resources: []string{"Studio 1"}, start: b, end: b.Add(2 * time.Hour)})

	// The booking is within the lookahead: the user exists now, with code and marker, at the fallback level.
	rep := s.cycle()
	require.Empty(t, rep.Failed)
	users := s.managed()
	require.Len(t, users, 1)
	u := users["jane.doe@example.com"]
	assert.Equal(t, "Jane", u.FirstName)
	assert.Equal(t, "Doe", u.LastName)
	assert.Equal(t, net2.Marker, u.CustomFields[10])
	assert.Len(t, u.PIN, 6)
	assert.Equal(t, net2sim.DemoDeptBooking, u.DepartmentID)
	assert.Equal(t, []int{0}, u.Permissions.AccessLevels)
	assert.Empty(t, u.Permissions.IndividualPermissions)
	assert.Equal(t, time.Date(2026, 12, 3, 0, 0, 0, 0, ams), u.ActivateDate.In(ams))
	require.NotNil(t, u.ExpiryDate)
	assert.Equal(t, time.Date(2026, 12, 4, 0, 0, 0, 0, ams), u.ExpiryDate.In(ams), "the day after the booking: Net2 expires users at the start of the expiry day")
	memo, problems := accessplan.ParseMemo(u.CustomFields[13])
	require.Empty(t, problems)
	require.Len(t, memo.Records, 1)
	assert.Equal(t, "b1", memo.Records[0].Key)
	pin := u.PIN

	// Window opens at start − 5 min: individual doors with the always timezone.
	s.clock.Set(b.Add(-5*time.Minute - time.Second))
	require.Empty(t, s.cycle().Applied, "nothing changes a second before the window")
	s.clock.Set(b.Add(-5 * time.Minute))
	s.cycle()
	u = s.managed()["jane.doe@example.com"]
	assert.ElementsMatch(t, []int{net2sim.DemoFrontDoor, net2sim.DemoStudio1}, s.doorsOf(u))
	for _, p := range u.Permissions.IndividualPermissions {
		assert.Equal(t, 1, p.TimezoneID)
	}
	assert.Len(t, u.Permissions.IndividualPermissions, 3, "written as reader areas: the front door has an In and an Out reader")
	assert.Empty(t, u.Permissions.AccessLevels)
	assert.Equal(t, pin, u.PIN, "the code lasts")

	// Closes at end + 10 min: fallback.
	s.clock.Set(b.Add(2*time.Hour + 10*time.Minute))
	s.cycle()
	u = s.managed()["jane.doe@example.com"]
	assert.Empty(t, u.Permissions.IndividualPermissions)
	assert.Equal(t, []int{0}, u.Permissions.AccessLevels)

	// The feed drops the ended booking; the user stays until 7 days after it ended, then goes.
	s.feed.set()
	s.clock.Set(b.Add(2*time.Hour + 7*24*time.Hour - time.Minute))
	s.cycle()
	require.Len(t, s.managed(), 1)
	s.clock.Set(b.Add(2*time.Hour + 7*24*time.Hour))
	s.cycle()
	assert.Empty(t, s.managed(), "removed after 7 days")
	for _, u := range s.sim.State().Users {
		assert.NotEqual(t, pin, u.PIN, "the PIN is released with the user")
	}
}

func TestSteadyStateIsIdempotentAndCheap(t *testing.T) {
	s := newStack(t, start, accessplan.CodeQR)
	var bs []feedBooking
	for i := range 20 {
		at := start.Add(time.Duration(i-1) * time.Hour)
		bs = append(bs, feedBooking{uid: fmt.Sprintf("u%d", i), email: fmt.Sprintf("p%d@example.com", i), name: fmt.Sprintf("Person %d", i),
			resources: []string{"Meeting room A"}, start: at, end: at.Add(90 * time.Minute)})
	}
	s.feed.set(bs...)
	rep := s.cycle()
	require.Empty(t, rep.Failed)
	require.Len(t, s.managed(), 20)
	first := s.sim.Writes()

	s.sim.ResetLog()
	rep = s.cycle()
	assert.Empty(t, rep.Plan.Actions)
	assert.Equal(t, 0, s.sim.Writes(), "a second sync with unchanged inputs writes nothing")
	assert.LessOrEqual(t, reads(s.sim), 3, "a steady-state cycle costs at most 3 reads: %v", s.sim.Counts())
	t.Logf("first cycle: %d writes; steady state: %d reads, %d writes (%v)", first, reads(s.sim), s.sim.Writes(), s.sim.Counts())

	// A full verification reads every managed user's details: 1 list + 3 per user (department,
	// permissions, tokens) and still writes nothing.
	s.sim.ResetLog()
	rep = s.cycle(CycleOptions{Fetch: true, FullVerify: true})
	assert.True(t, rep.Verified)
	assert.Equal(t, 0, s.sim.Writes())
	assert.Equal(t, 1+3*20, reads(s.sim))
}

func TestUnmanagedUsersStayUntouchedAndCodesNeverCollide(t *testing.T) {
	s := newStack(t, start, accessplan.CodeQR)
	s.qr = [2]int64{1, 30}
	s.restart()
	// Unmanaged users with the bookers' names and emails, holding PINs and most of the QR range.
	for i := 1; i <= 24; i++ {
		_, err := s.sim.AddUser(net2sim.User{
			FirstName: "Jane", LastName: "Doe", PIN: fmt.Sprintf("%04d", 1000+i),
			CustomFields: map[int]string{9: "jane.doe@example.com", 10: "Receptionist", 13: "email: jane.doe@example.com"},
			Permissions:  net2sim.PermissionSet{AccessLevels: []int{1}},
			Tokens:       []net2sim.Token{{TokenType: "ProxCard", TokenValue: fmt.Sprintf("%d", i)}},
		})
		require.NoError(t, err)
	}
	before := unmanagedJSON(t, s.sim)

	var bs []feedBooking
	for i := range 5 {
		bs = append(bs, feedBooking{uid: fmt.Sprintf("u%d", i), email: fmt.Sprintf("jane.doe+%d@example.com", i), name: "Jane Doe",
			resources: []string{"Studio 1"}, start: start.Add(-time.Hour), end: start.Add(time.Hour)})
	}
	bs = append(bs, feedBooking{uid: "same", email: "jane.doe@example.com", name: "Jane Doe", resources: []string{"Studio 1"}, start: start.Add(-time.Hour), end: start.Add(time.Hour)})
	s.feed.set(bs...)
	rep := s.cycle()
	require.Empty(t, rep.Failed)
	managed := s.managed()
	require.Len(t, managed, 6)
	for email, u := range managed {
		require.Len(t, u.Tokens, 1, email)
		n, err := strconv.Atoi(u.Tokens[0].TokenValue)
		require.NoError(t, err)
		assert.True(t, n >= 25 && n <= 30, "%s got %d: only 25..30 are free", email, n)
	}
	s.clock.Advance(3 * time.Hour)
	s.cycle()
	s.clock.Advance(8 * 24 * time.Hour)
	s.cycle() // and removal

	assert.Equal(t, before, unmanagedJSON(t, s.sim), "unmanaged users are untouched byte for byte")

	values := map[string]bool{}
	for _, u := range s.sim.State().Users {
		for _, tok := range u.Tokens {
			require.False(t, values[tok.TokenValue], "token %s issued twice", tok.TokenValue)
			values[tok.TokenValue] = true
		}
	}
}

func TestPINsAvoidEveryUsersPIN(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	var bs []feedBooking
	for i := range 30 {
		bs = append(bs, feedBooking{uid: fmt.Sprintf("u%d", i), email: fmt.Sprintf("p%d@example.com", i), name: "P",
			resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)})
	}
	s.feed.set(bs...)
	s.cycle()
	pins := map[string]int{}
	for _, u := range s.sim.State().Users {
		if u.PIN != "" {
			pins[u.PIN]++
		}
	}
	for pin, n := range pins {
		assert.Equal(t, 1, n, "PIN %s held twice", pin)
	}
	assert.Len(t, s.managed(), 30)
}

func unmanagedJSON(t *testing.T, sim *net2sim.Sim) string {
	var out []net2sim.User
	for _, u := range sim.State().Users {
		if u.CustomFields[10] != net2.Marker {
			out = append(out, u)
		}
	}
	b, err := json.Marshal(out)
	require.NoError(t, err)
	return string(b)
}

// TestCrashAfterEveryWriteConverges injects a failure after each write position of a first
// cycle in turn (the write is stored, the reply is a 500, as when Net2 or the service dies
// mid-request), restarts the service with nothing but Net2 and the feed, and checks that the
// next cycle reaches the same final state: no duplicate user, no duplicate token.
func TestCrashAfterEveryWriteConverges(t *testing.T) {
	bookings := []feedBooking{
		{uid: "a", email: "ann@example.com", name: "Ann Example", resources: []string{"Studio 1"}, start: start.Add(-time.Hour), end: start.Add(time.Hour)},
		{uid: "b", email: "bo@example.com", name: "Bo Example", resources: []string{"Meeting room A"}, start: start.Add(24 * time.Hour), end: start.Add(25 * time.Hour)},
	}
	clean := newStack(t, start, accessplan.CodeQR)
	clean.feed.set(bookings...)
	clean.sim.ResetLog()
	clean.cycle()
	writes := clean.sim.Writes()
	require.Greater(t, writes, 6)
	want := finalState(t, clean)

	for pos := 1; pos <= writes; pos++ {
		t.Run(fmt.Sprintf("fail after write %d", pos), func(t *testing.T) {
			s := newStack(t, start, accessplan.CodeQR)
			s.feed.set(bookings...)
			n := 0
			s.wrap = func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodGet || r.URL.Path == "/api/v1/authorization/tokens" {
						h.ServeHTTP(w, r)
						return
					}
					n++
					if n != pos {
						h.ServeHTTP(w, r)
						return
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, r) // the write is applied...
					http.Error(w, `{"Message":"An error has occurred."}`, http.StatusInternalServerError)
				})
			}
			rep := s.cycle()
			assert.NotEmpty(t, rep.Failed, "the injected failure is reported")
			s.wrap = nil
			s.restart()
			rep = s.cycle()
			require.Empty(t, rep.Failed)
			assert.Equal(t, want, finalState(t, s))
			assert.Empty(t, s.cycle().Plan.Actions, "converged")
		})
	}
}

// finalState summarises the managed users in a form independent of ids and random codes.
func finalState(t *testing.T, s *stack) []string {
	var out []string
	for email, u := range s.managed() {
		var tokens []string
		for _, tok := range u.Tokens {
			tokens = append(tokens, tok.TokenType)
		}
		memo, problems := accessplan.ParseMemo(u.CustomFields[13])
		require.Empty(t, problems)
		doors := s.doorsOf(u)
		sort.Ints(doors)
		// Level 0 is "No access": a set of [0] and an empty one grant the same, and the plan
		// treats them alike (net2 compares permission sets canonically).
		levels := slices.DeleteFunc(slices.Clone(u.Permissions.AccessLevels), func(l int) bool { return l == 0 })
		out = append(out, fmt.Sprintf("%s %s %s dept=%d levels=%v doors=%v tokens=%v records=%d", email, u.FirstName, u.LastName,
			u.DepartmentID, levels, doors, tokens, len(memo.Records)))
	}
	sort.Strings(out)
	return out
}

func TestFeedFailuresNeverRevoke(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	var bs []feedBooking
	for i := range 10 {
		bs = append(bs, feedBooking{uid: fmt.Sprintf("u%d", i), email: fmt.Sprintf("p%d@example.com", i), name: "P",
			resources: []string{"Studio 1"}, start: start.Add(-time.Hour), end: start.Add(4 * time.Hour)})
	}
	s.feed.set(bs...)
	s.cycle()
	allOpen := func(why string) {
		t.Helper()
		users := s.managed()
		require.Len(t, users, 10, why)
		for email, u := range users {
			assert.Equal(t, []int{net2sim.DemoFrontDoor, net2sim.DemoStudio1}, s.doorsOf(u), "%s: %s lost access", why, email)
		}
	}
	allOpen("initial")

	for _, mode := range []string{"error", "truncated"} {
		s.feed.setMode(mode)
		s.clock.Advance(10 * time.Minute)
		rep := s.cycle()
		require.Error(t, rep.Sources[0].LastError, mode)
		assert.Empty(t, rep.Plan.Actions, mode)
		allOpen(mode)
	}

	// After a restart with the feed still down, the memos keep the grants.
	s.restart()
	s.clock.Advance(10 * time.Minute)
	rep := s.cycle()
	assert.False(t, rep.Sources[0].Known)
	assert.Empty(t, rep.Plan.Actions)
	allOpen("restart during outage")

	// The feed comes back with 60% of its bookings gone: held, alerted, nothing revoked.
	s.feed.setMode("")
	s.feed.set(bs[:4]...)
	s.clock.Advance(10 * time.Minute)
	rep = s.cycle()
	assert.True(t, rep.Sources[0].Held)
	assert.Equal(t, 6, rep.Sources[0].Missing)
	assert.Empty(t, rep.Plan.Actions)
	allOpen("shrunk by 60%")
	assert.Contains(t, s.logs.String(), "ALERT: source dropped a suspicious share")
	assert.NotContains(t, s.logs.String(), "SECRET", "feed URL secrets never reach the log")

	// An operator accepts the shrink: the six are revoked.
	rep = s.cycle(CycleOptions{Fetch: true, AcceptShrink: true})
	require.Empty(t, rep.Failed)
	assert.Len(t, s.managed(), 4)
}

func TestDriftIsRepairedByVerification(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	s.feed.set(feedBooking{uid: "a", email: "ann@example.com", name: "Ann", resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)})
	s.cycle()
	u := s.managed()["ann@example.com"]

	// An operator gives the managed user all doors by hand.
	op, err := net2.New(net2.Config{BaseURL: s.net2.URL, Operator: net2sim.DemoOperator, Password: net2sim.DemoPassword, ClientID: net2sim.DemoClientID, Now: s.clock.Now, Location: ams})
	require.NoError(t, err)
	require.NoError(t, op.SetDoorPermissionSet(context.Background(), u.ID, net2.DoorPermissionSet{AccessLevels: []int{1}}))

	rep := s.cycle()
	assert.Empty(t, rep.Plan.Actions, "between verifications the cache is trusted")
	rep = s.cycle(CycleOptions{Fetch: true, FullVerify: true})
	require.Len(t, rep.Applied, 1)
	assert.Equal(t, accessplan.ActSetPermissions, rep.Applied[0].Kind)
	assert.Equal(t, []int{0}, s.managed()["ann@example.com"].Permissions.AccessLevels)
	assert.Contains(t, s.logs.String(), "drift: a managed user's door permissions were changed outside net2booking")
}

func TestDryRunWritesNothing(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	s.feed.set(feedBooking{uid: "a", email: "ann@example.com", name: "Ann", resources: []string{"Studio 1"}, start: start, end: start.Add(time.Hour)})
	s.sim.ResetLog()
	rep := s.cycle(CycleOptions{Fetch: true, DryRun: true})
	assert.Equal(t, 0, s.sim.Writes())
	var kinds []accessplan.ActionKind
	for _, a := range rep.Plan.Actions {
		kinds = append(kinds, a.Kind)
	}
	assert.Equal(t, []accessplan.ActionKind{accessplan.ActCreateUser, accessplan.ActSetDepartment, accessplan.ActSetPermissions, accessplan.ActAssignCode}, kinds)
}

// sequence is a CodeAllocator handing out fixed codes, as if someone took each code in Net2
// between the snapshot and the write.
type sequence struct{ codes []string }

func (s *sequence) Allocate(map[string]bool) (string, error) {
	c := s.codes[0]
	if len(s.codes) > 1 {
		s.codes = s.codes[1:]
	}
	return c, nil
}

func TestCodeCollisionsReportedByNet2AreRetriedBounded(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	s.sim.Configure(func(o *net2sim.Options) { o.UniquePINs = true })
	_, err := s.sim.AddUser(net2sim.User{FirstName: "Taken", PIN: "111111"})
	require.NoError(t, err)
	s.feed.set(
		feedBooking{uid: "a", email: "ann@example.com", name: "Ann", resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)},
	)
	s.syncer.opts.Allocator = &sequence{codes: []string{"111111", "258147"}}
	rep := s.cycle()
	require.Empty(t, rep.Failed)
	assert.Equal(t, "258147", s.managed()["ann@example.com"].PIN, "the colliding code was replaced by the next one")
	assert.Contains(t, s.logs.String(), "drawing another")

	// A code that always collides ends after a bounded number of attempts and blocks nobody else.
	s.feed.set(
		feedBooking{uid: "a", email: "ann@example.com", name: "Ann", resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)},
		feedBooking{uid: "b", email: "bo@example.com", name: "Bo", resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)},
		feedBooking{uid: "c", email: "cy@example.com", name: "Cy", resources: []string{"Studio 1"}, start: start.Add(time.Hour), end: start.Add(2 * time.Hour)},
	)
	s.syncer.opts.Allocator = &sequence{codes: []string{"111111"}}
	s.sim.ResetLog()
	rep = s.cycle()
	require.Len(t, rep.Failed, 2, "bo and cy cannot get a code")
	assert.Contains(t, rep.Failed[0].Err.Error(), "refused 5 codes in a row")
	assert.Len(t, s.managed(), 3, "both users exist; their codes come next cycle")
	assert.LessOrEqual(t, s.sim.Counts()["PUT /users/{id}"], 10, "at most 5 attempts per person")
}
