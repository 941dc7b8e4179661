package graph

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// A first fetch reads each room's whole calendar view through delta, page by page, with the
// Prefer header on every page, and turns each event into a booking of that room.
func TestFetchReadsEachRoomInPagesWithUTCOnEveryPage(t *testing.T) {
	e := newEnv(t)
	start := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	for i, tag := range []string{"a1", "a2", "a3", "a4", "a5"} {
		e.graph.put(room1, meeting(room1, tag, start.Add(time.Duration(i)*24*time.Hour), time.Hour))
	}
	e.graph.put(room2, meeting(room2, "b1", start, 90*time.Minute, organizer("Smith, John", "John.Smith@Contoso.com")))
	src := e.source(room1, room2)

	res, err := fetch(t, src)
	require.NoError(t, err)
	require.Empty(t, res.Warnings)
	require.Len(t, res.Bookings, 6)

	// Five events in pages of two: three pages, each with the header (the fake checks it).
	pages := e.graph.requests("/users/" + room1 + "/calendarView/delta")
	require.Len(t, pages, 3)
	for _, p := range pages {
		assert.True(t, preferUTCIn(p.Header), "Prefer on %s", p.Query.Encode())
	}
	assert.NotEmpty(t, pages[0].Query.Get("startDateTime"))
	assert.NotEmpty(t, pages[1].Query.Get("$skiptoken"))

	b := byKey(res.Bookings)[ical("b1")+"/"+room2]
	assert.Equal(t, "outlook-test", b.Source)
	assert.Equal(t, []string{room2}, b.Resources)
	assert.Equal(t, start, b.Start)
	assert.Equal(t, start.Add(90*time.Minute), b.End)
	assert.Equal(t, booking.StatusConfirmed, b.Status)
	assert.True(t, b.RecurrenceID.IsZero())
	require.Len(t, b.Persons, 1)
	assert.Equal(t, "john.smith@contoso.com", b.Persons[0].Email)
	assert.Equal(t, "John", b.Persons[0].FirstName)
	assert.Equal(t, "Smith", b.Persons[0].LastName)
	assert.Equal(t, booking.RoleOrganizer, b.Persons[0].Role)

	// The token was asked for once, for Graph's scope, and reused.
	e.auth.mu.Lock()
	defer e.auth.mu.Unlock()
	assert.Equal(t, 1, e.auth.tokenRequests)
	require.NotEmpty(t, e.auth.scopes)
	assert.Contains(t, e.auth.scopes[0], "https://127.0.0.1/.default")
}

// With include_attendees off only the organizer is a person; with it on every attendee the
// room's copy lists is, except resources, the selected rooms (also when invited as plain
// attendees) and the room itself. The room's copy shows no one's response (all "none"), so
// an attendee who declined is a person too; only where Graph does show a decline is that
// attendee left out. The room as organizer (booked in its own calendar) is no one, and says so.
func TestAttendeesOnAndOff(t *testing.T) {
	start := time.Date(2026, 5, 7, 13, 0, 0, 0, time.UTC)
	ev := meeting(room1, "att", start, time.Hour, attendees(
		attendeeJSON("required", "none", "Jane Doe", "Jane.Doe@contoso.com"), // the organizer again
		attendeeJSON("required", "accepted", "Bob Builder", "Bob@Contoso.com"),
		attendeeJSON("optional", "tentativelyAccepted", "", "carol.king@fabrikam.com"),
		attendeeJSON("required", "declined", "Dan Declined", "dan@contoso.com"),
		attendeeJSON("resource", "accepted", "Projector", "projector@contoso.com"),
		attendeeJSON("resource", "accepted", "Room 1", room1),
		attendeeJSON("required", "none", "Room 2", "ROOM2@contoso.com"), // another selected room, invited as a person
		attendeeJSON("required", "none", "Broken", "not-an-address"),
	))
	self := meeting(room1, "self", start.Add(3*time.Hour), time.Hour, organizer("Room 1", room1), attendees())

	for _, tc := range []struct {
		include, visible bool
		want             []string
	}{
		{false, false, []string{"jane.doe@contoso.com"}},
		{true, false, []string{"jane.doe@contoso.com", "bob@contoso.com", "carol.king@fabrikam.com", "dan@contoso.com"}},
		{true, true, []string{"jane.doe@contoso.com", "bob@contoso.com", "carol.king@fabrikam.com"}},
	} {
		e := newEnv(t)
		e.graph.configure(func(k *fakeKnobs) { k.attendeeResponsesVisible = tc.visible })
		e.graph.put(room1, ev, self)
		o := e.options(room1, room2)
		o.IncludeAttendees = tc.include
		res, err := fetch(t, e.sourceWith(o))
		require.NoError(t, err)
		got := byKey(res.Bookings)
		b := got[ical("att")+"/"+room1]
		assert.Equal(t, tc.want, emails(b), "include_attendees=%v, responses visible=%v", tc.include, tc.visible)
		warns := map[string]string{}
		for _, w := range res.Warnings {
			warns[w.UID] += w.Reason + "\n"
		}
		if tc.include {
			assert.Equal(t, booking.RoleAttendee, b.Persons[1].Role)
			assert.Equal(t, "Carol", b.Persons[2].FirstName) // derived from the address
			assert.Contains(t, warns[ical("att")+"/"+room1], "not-an-address", "the unusable address is reported")
		} else {
			assert.NotContains(t, warns, ical("att")+"/"+room1)
		}
		assert.Empty(t, got[ical("self")+"/"+room1].Persons, "a booking made in the room's own calendar has no person")
		assert.Contains(t, got, ical("self")+"/"+room1)
		assert.Contains(t, warns[ical("self")+"/"+room1], "has no person, so it opens no door")
		assert.Contains(t, warns[ical("self")+"/"+room1], "room's own calendar")
		assert.Len(t, res.Warnings, map[bool]int{false: 1, true: 2}[tc.include])
	}
}

// Cancelled events and events the room declined give no access (StatusCancelled); tentative
// ones are Tentative (the policy decides); "free" is still a booking.
func TestStatusOfCancelledDeclinedAndTentative(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 8, 9, 0, 0, 0, time.UTC)
	e.graph.put(room1,
		meeting(room1, "ok", d, time.Hour),
		meeting(room1, "cancelled", d.Add(2*time.Hour), time.Hour, with("isCancelled", true), with("subject", "Canceled: Jane Doe")),
		meeting(room1, "declined", d.Add(4*time.Hour), time.Hour, response("declined"), with("showAs", "free")),
		meeting(room1, "showtent", d.Add(6*time.Hour), time.Hour, with("showAs", "tentative"), response("notResponded")),
		meeting(room1, "resptent", d.Add(8*time.Hour), time.Hour, response("tentativelyAccepted")),
		meeting(room1, "free", d.Add(10*time.Hour), time.Hour, with("showAs", "free")),
	)
	res, err := fetch(t, e.source(room1))
	require.NoError(t, err)
	got := byKey(res.Bookings)
	want := map[string]booking.Status{
		"ok": booking.StatusConfirmed, "cancelled": booking.StatusCancelled, "declined": booking.StatusCancelled,
		"showtent": booking.StatusTentative, "resptent": booking.StatusTentative, "free": booking.StatusConfirmed,
	}
	require.Len(t, got, len(want))
	for tag, st := range want {
		assert.Equal(t, st, got[ical(tag)+"/"+room1].Status, tag)
	}
}

// Occurrences of a recurring meeting are one booking each: the UID is the series master's
// iCalUId (each occurrence has its own in Graph), the RecurrenceID the occurrence's original
// start, so a moved occurrence (an exception) keeps its key, across polls too. Delta sends
// the occurrences as stubs; the exception is read in full for its original start.
func TestRecurringOccurrencesKeepTheirKeys(t *testing.T) {
	e := newEnv(t)
	first := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
	master, occs := series(room1, "series", first, time.Hour, 3)
	// The second occurrence was moved an hour later: an exception.
	moved := first.AddDate(0, 0, 7).Add(time.Hour)
	occs[1] = occurrenceOf(room1, "series", 1, first.AddDate(0, 0, 7), moved, time.Hour)
	e.graph.put(room1, master)
	e.graph.put(room1, occs...)
	src := e.source(room1)

	res, err := fetch(t, src)
	require.NoError(t, err)
	require.Len(t, res.Bookings, 3)
	keys := map[string]bool{}
	for _, b := range res.Bookings {
		assert.Equal(t, seriesUID("series", room1), b.UID)
		assert.False(t, b.RecurrenceID.IsZero())
		assert.Equal(t, []string{"jane.doe@contoso.com"}, emails(b))
		keys[b.Key()] = true
	}
	require.Len(t, keys, 3, "one key per occurrence")
	exKey := occurrenceKey("series", room1, first.AddDate(0, 0, 7))
	require.Contains(t, byKey(res.Bookings), exKey)
	assert.Equal(t, moved, byKey(res.Bookings)[exKey].Start)

	// The exception moves again; the next poll (delta) reports the same key with the new time.
	movedAgain := moved.Add(2 * time.Hour)
	e.graph.put(room1, occurrenceOf(room1, "series", 1, first.AddDate(0, 0, 7), movedAgain, time.Hour))
	res2, err := fetch(t, src)
	require.NoError(t, err)
	require.Len(t, res2.Bookings, 3)
	assert.Equal(t, movedAgain, byKey(res2.Bookings)[exKey].Start)
	for k := range keys {
		assert.Contains(t, byKey(res2.Bookings), k, "keys are stable across polls")
	}
}

// All-day events come as midnight-UTC dates; they become whole days of the site.
func TestAllDayEventsAreWholeSiteDays(t *testing.T) {
	e := newEnv(t)
	day := time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC)
	e.graph.put(room1, meeting(room1, "allday", day, 24*time.Hour, with("isAllDay", true)))
	res, err := fetch(t, e.source(room1))
	require.NoError(t, err)
	require.Len(t, res.Bookings, 1)
	b := res.Bookings[0]
	ams := mustZone(t, "Europe/Amsterdam")
	assert.True(t, b.AllDay)
	assert.Equal(t, time.Date(2026, 5, 11, 0, 0, 0, 0, ams), b.Start)
	assert.Equal(t, time.Date(2026, 5, 12, 0, 0, 0, 0, ams), b.End)
}

// Events with unreadable times are skipped with a warning; the rest of the room is used.
func TestUnreadableEventIsAWarning(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 5, 8, 9, 0, 0, 0, time.UTC)
	bad := meeting(room1, "badtz", d, time.Hour)
	bad["start"] = map[string]any{"dateTime": "2026-05-08T09:00:00.0000000", "timeZone": "W. Europe Standard Time"}
	e.graph.put(room1, meeting(room1, "good", d, time.Hour), bad)
	res, err := fetch(t, e.source(room1))
	require.NoError(t, err)
	require.Len(t, res.Bookings, 1)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, "W. Europe Standard Time")
	assert.Contains(t, res.Warnings[0].Reason, room1)
}
