package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/accessplan"
)

// TestEditedSourcesRevokeNothing (DESIGN invariant 8): renaming a source without declaring
// it, or a source answering with a valid but empty calendar, deletes nobody and closes no door
// until an operator accepts it; a declared rename moves the records over with no hold.
func TestEditedSourcesRevokeNothing(t *testing.T) {
	s := newStack(t, start, accessplan.CodePIN)
	b := start.Add(-10 * time.Minute) // in progress
	s.feed.set(
		feedBooking{uid: "a", email: "ann@example.com", name: "Ann Example", resources: []string{"Studio 1"}, start: b, end: b.Add(2 * time.Hour)},
		feedBooking{uid: "b", email: "bo@example.com", name: "Bo Example", resources: []string{"Meeting room A"}, start: b.Add(24 * time.Hour), end: b.Add(25 * time.Hour)},
	)
	require.Empty(t, s.cycle().Failed)
	require.Len(t, s.managed(), 2)
	before := finalState(t, s)
	annDoors := s.doorsOf(s.managed()["ann@example.com"])
	require.NotEmpty(t, annDoors)

	unchanged := func(why string) {
		t.Helper()
		assert.Equal(t, before, finalState(t, s), why)
		assert.Equal(t, annDoors, s.doorsOf(s.managed()["ann@example.com"]), why)
	}

	// 1. Renamed in the file, no previous_names: the recorded bookings are a vanished source.
	s.sourceName = "studios"
	s.restart()
	s.feed.set() // and, to be sure, the renamed source lists nothing of them
	rep := s.cycle()
	require.Empty(t, rep.Failed)
	unchanged("an undeclared rename revokes nothing")
	var vanished bool
	for _, st := range rep.Sources {
		if st.Name == "skedda" && st.Vanished && st.Held {
			vanished = true
		}
	}
	assert.True(t, vanished, "reported as a vanished source, held: %+v", rep.Sources)
	assert.Contains(t, s.logs.String(), "ALERT: Net2 records bookings of a source that is no longer configured")
	rep = s.cycle(CycleOptions{Fetch: true, DryRun: true})
	for _, a := range rep.Plan.Actions {
		assert.NotEqual(t, accessplan.ActDeleteUser, a.Kind, "a dry run deletes nobody either: %s", a)
	}

	// 2. Back under its name but answering with a valid, empty calendar: held too.
	s.sourceName = ""
	s.restart()
	rep = s.cycle()
	require.Empty(t, rep.Failed)
	unchanged("an empty calendar revokes nothing")
	require.Len(t, rep.Sources, 1)
	assert.True(t, rep.Sources[0].Held, "empty calendar held: %+v", rep.Sources[0])
	assert.Contains(t, s.logs.String(), "ALERT: source answered with an empty calendar")

	// 3. A declared rename: the records move over, nothing is held, nobody is emailed again.
	s.feed.set(
		feedBooking{uid: "a", email: "ann@example.com", name: "Ann Example", resources: []string{"Studio 1"}, start: b, end: b.Add(2 * time.Hour)},
		feedBooking{uid: "b", email: "bo@example.com", name: "Bo Example", resources: []string{"Meeting room A"}, start: b.Add(24 * time.Hour), end: b.Add(25 * time.Hour)},
	)
	s.sourceName, s.previousNames = "studios", []string{"skedda"}
	s.restart()
	rep = s.cycle()
	require.Empty(t, rep.Failed)
	for _, st := range rep.Sources {
		assert.False(t, st.Held, "%+v", st)
		assert.False(t, st.Vanished, "%+v", st)
	}
	for _, u := range s.managed() {
		assert.Contains(t, u.CustomFields[13], "studios")
		assert.NotContains(t, u.CustomFields[13], "skedda", "records rewritten under the new name")
	}
	assert.Equal(t, annDoors, s.doorsOf(s.managed()["ann@example.com"]))

	// 4. Renamed again, undeclared, and the operator accepts: only then do they go.
	s.sourceName, s.previousNames = "other", nil
	s.restart()
	s.feed.set()
	s.clock.Advance(3 * time.Hour) // ann's booking is over; bo's is ahead
	rep = s.cycle()
	assert.Len(t, s.managed(), 2, "held")
	rep = s.cycle(CycleOptions{Fetch: true, AcceptShrink: true})
	require.Empty(t, rep.Failed)
	_, bo := s.managed()["bo@example.com"]
	assert.False(t, bo, "accepted: bo's booking (only in the vanished source) is gone and so is bo")
	assert.Contains(t, s.logs.String(), "as the operator accepted")
}
