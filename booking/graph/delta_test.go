package graph

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// After the first full read, a poll asks only for the changes (the delta link) and applies
// added, updated and removed events.
func TestDeltaAppliesAddedUpdatedAndRemovedEvents(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	e.graph.put(room1,
		meeting(room1, "keep", d, time.Hour),
		meeting(room1, "move", d.Add(2*time.Hour), time.Hour),
		meeting(room1, "gone", d.Add(4*time.Hour), time.Hour),
	)
	src := e.source(room1)
	res, err := fetch(t, src)
	require.NoError(t, err)
	require.Len(t, res.Bookings, 3)

	e.graph.put(room1, meeting(room1, "new", d.Add(24*time.Hour), time.Hour, organizer("Bob Builder", "bob@contoso.com")))
	e.graph.put(room1, meeting(room1, "move", d.Add(3*time.Hour), 30*time.Minute))
	e.graph.remove(room1, graphID("gone"))
	before := len(e.graph.requests("/calendarView/delta"))

	res, err = fetch(t, src)
	require.NoError(t, err)
	got := byKey(res.Bookings)
	require.Len(t, got, 3)
	assert.Contains(t, got, ical("keep")+"/"+room1)
	assert.NotContains(t, got, ical("gone")+"/"+room1)
	assert.Equal(t, []string{"bob@contoso.com"}, emails(got[ical("new")+"/"+room1]))
	assert.Equal(t, d.Add(3*time.Hour), got[ical("move")+"/"+room1].Start)
	assert.Equal(t, d.Add(3*time.Hour+30*time.Minute), got[ical("move")+"/"+room1].End)

	// The poll used the delta link: three changes in pages of two, no new window.
	polls := e.graph.requests("/calendarView/delta")[before:]
	require.Len(t, polls, 2)
	assert.NotEmpty(t, polls[0].Query.Get("$deltatoken"))
	assert.NotEmpty(t, polls[1].Query.Get("$skiptoken"))
	for _, p := range polls {
		assert.Empty(t, p.Query.Get("startDateTime"))
		assert.True(t, preferUTCIn(p.Header))
	}

	// Nothing changed: one request, same bookings.
	res2, err := fetch(t, src)
	require.NoError(t, err)
	assert.Equal(t, res.Bookings, res2.Bookings)
	assert.Len(t, e.graph.requests("/calendarView/delta"), before+3)
}

// An expired delta link (410 Gone, SyncStateNotFound) starts a new full read in the same fetch.
func TestExpiredDeltaLinkStartsAFullResync(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	e.graph.put(room1, meeting(room1, "one", d, time.Hour))
	src := e.source(room1)
	_, err := fetch(t, src)
	require.NoError(t, err)

	e.graph.put(room1, meeting(room1, "two", d.Add(time.Hour), time.Hour))
	e.graph.expireDeltaTokens(room1)
	before := len(e.graph.requests("/calendarView/delta"))
	res, err := fetch(t, src)
	require.NoError(t, err)
	assert.Len(t, res.Bookings, 2)
	assert.Empty(t, res.Warnings)

	reqs := e.graph.requests("/calendarView/delta")[before:]
	require.Len(t, reqs, 2, "the expired delta link, then a new initial request")
	assert.NotEmpty(t, reqs[0].Query.Get("$deltatoken"))
	assert.NotEmpty(t, reqs[1].Query.Get("startDateTime"))
	assert.Contains(t, e.logs.String(), "delta link expired")
}

// A delta round is fixed to its window: it covers the planning window plus a day, so polls
// during that day use the delta link, and a window that moved past it starts a new round, as
// does a round a day old.
func TestDeltaRoundIsRenewedWhenTheWindowMovesOn(t *testing.T) {
	e := newEnv(t)
	e.graph.put(room1, meeting(room1, "one", time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC), time.Hour))
	src := e.source(room1)
	initial := func() int {
		n := 0
		for _, r := range e.graph.requests("/calendarView/delta") {
			if r.Query.Get("startDateTime") != "" {
				n++
			}
		}
		return n
	}

	w := testWindow()
	_, err := src.Fetch(t.Context(), w)
	require.NoError(t, err)
	require.Equal(t, 1, initial())
	first := e.graph.requests("/calendarView/delta")[0].Query
	assert.Equal(t, graphTime(w.Start.Add(-edge)), first.Get("startDateTime"))
	assert.Equal(t, graphTime(w.End.Add(edge+slack)), first.Get("endDateTime"))

	// Twelve hours later the window has moved by as much: still inside the round.
	e.clock.Advance(12 * time.Hour)
	w12 := shift(w, 12*time.Hour)
	_, err = src.Fetch(t.Context(), w12)
	require.NoError(t, err)
	assert.Equal(t, 1, initial())

	// A window 25 hours on is past the round's end: a new round for the new window.
	_, err = src.Fetch(t.Context(), shift(w, 25*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 2, initial())
	reqs := e.graph.requests("/calendarView/delta")
	assert.Equal(t, graphTime(shift(w, 25*time.Hour).Start.Add(-edge)), reqs[len(reqs)-1].Query.Get("startDateTime"))

	// The same window a day later: the round is a day old, so a new one starts.
	e.clock.Advance(deltaMaxAge)
	_, err = src.Fetch(t.Context(), shift(w, 25*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 3, initial())
}

// When Graph refuses the delta query for a room but allows calendarView, the room is read
// with a plain calendarView ($select, paged) on every fetch, Prefer on every page.
func TestPlainCalendarViewWhenDeltaIsRefused(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	for i, tag := range []string{"p1", "p2", "p3", "p4", "p5"} {
		e.graph.put(room1, meeting(room1, tag, d.Add(time.Duration(i)*time.Hour), 30*time.Minute))
	}
	master, occs := series(room1, "s", d.Add(6*time.Hour), 30*time.Minute, 1)
	e.graph.put(room1, master, occs[0])
	e.graph.refuseDelta(room1, http.StatusNotImplemented)
	src := e.source(room1)

	res, err := fetch(t, src)
	require.NoError(t, err)
	require.Len(t, res.Bookings, 6)
	assert.Equal(t, []string{"jane.doe@contoso.com"}, emails(res.Bookings[0]))
	assert.False(t, res.Bookings[5].RecurrenceID.IsZero(), "originalStart is selected")
	assert.Equal(t, seriesUID("s", room1), res.Bookings[5].UID, "the master was read for the series' iCalUId")

	pages := e.graph.requests("/users/" + room1 + "/calendarView")
	var plain []fakeRequest
	for _, p := range pages {
		if p.Path == "/v1.0/users/"+room1+"/calendarView" {
			plain = append(plain, p)
		}
	}
	require.Len(t, plain, 3, "six events in pages of two")
	for _, p := range plain {
		assert.True(t, preferUTCIn(p.Header), "Prefer on page %s", p.Query.Get("$skip"))
		assert.Contains(t, p.Query.Get("$select"), "iCalUId")
	}

	// The next fetch goes straight to the calendar view.
	deltas := len(e.graph.requests("/calendarView/delta"))
	_, err = fetch(t, src)
	require.NoError(t, err)
	assert.Len(t, e.graph.requests("/calendarView/delta"), deltas)
}

func shift(w booking.Window, d time.Duration) booking.Window {
	return booking.Window{Start: w.Start.Add(d), End: w.End.Add(d)}
}
