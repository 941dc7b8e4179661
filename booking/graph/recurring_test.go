package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// graphVariants are the fake's settings the product must work in: Graph as the evidence says
// (the default), and each alternative the evidence leaves open or contradicts.
var graphVariants = []struct {
	name string
	set  func(*fakeKnobs)
}{
	{"evidence", func(*fakeKnobs) {}},
	{"full occurrences in delta", func(k *fakeKnobs) { k.fullOccurrencesInDelta = true }},
	{"full exceptions in delta", func(k *fakeKnobs) { k.fullExceptionsInDelta = true }},
	{"stub instances", func(k *fakeKnobs) { k.stubInstances = true }},
	{"deleted occurrences signalled", func(k *fakeKnobs) { k.signalDeletedOccurrences = true }},
	{"responses visible", func(k *fakeKnobs) { k.attendeeResponsesVisible = true }},
}

// fakeGet sends one request to the fake as a client with a token would, and decodes the answer.
func fakeGet(t *testing.T, g *fakeGraph, rawURL string) map[string]any {
	t.Helper()
	if !isAbs(rawURL) {
		rawURL = g.base + rawURL
	}
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Prefer", preferUTC)
	resp, err := g.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, rawURL)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

func isAbs(u string) bool { p, err := url.Parse(u); return err == nil && p.IsAbs() }

// fakeDeltaRound reads a whole delta round (or a paged listing) from the fake: its items and the
// deltaLink it ends with.
func fakeDeltaRound(t *testing.T, g *fakeGraph, first string) ([]map[string]any, string) {
	t.Helper()
	var items []map[string]any
	next := first
	for range 100 {
		page := fakeGet(t, g, next)
		for _, v := range page["value"].([]any) {
			items = append(items, v.(map[string]any))
		}
		if dl, ok := page["@odata.deltaLink"].(string); ok {
			return items, dl
		}
		n, ok := page["@odata.nextLink"].(string)
		if !ok {
			return items, ""
		}
		next = n
	}
	t.Fatal("the fake's round did not end")
	return nil, ""
}

func byType(items []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, it := range items {
		if it["type"] == typ {
			out = append(out, it)
		}
	}
	return out
}

// The fake behaves as the evidence says by default: delta sends occurrences as stubs and
// their master in full (and the master again only when it changed: not for a new stub, but
// when an occurrence is deleted, which is itself not signalled); plain calendarView sends
// full occurrences; the room's copy shows every attendee's response as "none"; places come
// $top at a time (default 100) with no nextLink, and $skip pages them.
func TestFakeFollowsTheEvidence(t *testing.T) {
	g := newFakeGraph(t, false)
	g.pageSize = 100
	first := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
	bob := attendeeJSON("required", "accepted", "Bob Builder", "bob@contoso.com")
	master, occs := series(room1, "wk", first, time.Hour, 3, attendees(bob))
	g.put(room1, master)
	g.put(room1, occs...)
	g.put(room1, meeting(room1, "single", first.Add(2*time.Hour), time.Hour))

	window := "startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-06-01T00:00:00Z"
	items, deltaLink := fakeDeltaRound(t, g, "/users/"+room1+"/calendarView/delta?"+window)
	require.NotEmpty(t, deltaLink)
	stubs := byType(items, "occurrence")
	require.Len(t, stubs, 3)
	for _, s := range stubs {
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		assert.Equal(t, []string{"@odata.etag", "@odata.type", "end", "id", "seriesMasterId", "start", "type"}, keys)
	}
	masters := byType(items, "seriesMaster")
	require.Len(t, masters, 1, "the master comes in full in the same answer")
	assert.Equal(t, ical("wk"), masters[0]["iCalUId"])
	assert.NotNil(t, masters[0]["organizer"])
	for _, a := range masters[0]["attendees"].([]any) {
		assert.Equal(t, "none", a.(map[string]any)["status"].(map[string]any)["response"], "the room's copy")
	}
	require.Len(t, byType(items, "singleInstance"), 1)
	assert.NotNil(t, byType(items, "singleInstance")[0]["organizer"], "single meetings come in full")

	// A new occurrence whose master did not change: the stub alone.
	g.put(room1, occurrenceOf(room1, "wk", 3, first.AddDate(0, 0, 21), first.AddDate(0, 0, 21), time.Hour, attendees(bob)))
	items, deltaLink = fakeDeltaRound(t, g, deltaLink)
	require.Len(t, items, 1)
	assert.Equal(t, "occurrence", items[0]["type"])
	assert.Nil(t, items[0]["organizer"])

	// A deleted occurrence: the master changes, nothing is said of the occurrence.
	g.removeOccurrence(room1, graphID("wk-1"))
	items, _ = fakeDeltaRound(t, g, deltaLink)
	require.Len(t, items, 1)
	assert.Equal(t, "seriesMaster", items[0]["type"])
	assert.NotContains(t, items[0], "@removed")

	// Plain calendarView: full occurrences, responses "none".
	view, _ := fakeDeltaRound(t, g, "/users/"+room1+"/calendarView?"+window+"&$select="+url.QueryEscape("id,iCalUId,organizer,attendees,type,seriesMasterId,start,end"))
	require.Len(t, byType(view, "occurrence"), 3)
	assert.Empty(t, byType(view, "seriesMaster"))
	for _, o := range byType(view, "occurrence") {
		assert.NotEmpty(t, o["iCalUId"])
		assert.NotEqual(t, ical("wk"), o["iCalUId"], "each occurrence has an iCalUId of its own")
		assert.NotNil(t, o["organizer"])
		for _, a := range o["attendees"].([]any) {
			assert.Equal(t, "none", a.(map[string]any)["status"].(map[string]any)["response"])
		}
	}

	// Places: 150 rooms, 100 by default, no nextLink; $skip gives the rest.
	for i := range 150 {
		g.rooms = append(g.rooms, roomJSON(fmt.Sprintf("r%03d@contoso.com", i), "R", "HQ", 4, 1))
	}
	page := fakeGet(t, g, "/places/microsoft.graph.room")
	assert.Len(t, page["value"], 100)
	assert.NotContains(t, page, "@odata.nextLink")
	page = fakeGet(t, g, "/places/microsoft.graph.room?$top=999&$skip=100")
	assert.Len(t, page["value"], 50)
	assert.NotContains(t, page, "@odata.nextLink")
}

// Recurring meetings open doors: each occurrence is a booking of the room with the series'
// organizer as person (and its attendees with include_attendees), at the occurrence's own
// times (a moved one at its new time), keyed by the series' iCalUId and original start. This
// holds whether delta sends stubs or full events, in a full read and after an incremental
// round brings a new occurrence whose master did not change (the master is kept).
func TestRecurringMeetingsOpenDoors(t *testing.T) {
	for _, variant := range graphVariants {
		t.Run(variant.name, func(t *testing.T) {
			e := newEnv(t)
			e.graph.configure(variant.set)
			first := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
			bob := attendeeJSON("required", "accepted", "Bob Builder", "bob@contoso.com")
			master, occs := series(room1, "wk", first, time.Hour, 3, organizer("Smith, John", "John.Smith@contoso.com"), attendees(bob))
			movedTo := first.AddDate(0, 0, 7).Add(3 * time.Hour)
			occs[1] = occurrenceOf(room1, "wk", 1, first.AddDate(0, 0, 7), movedTo, 30*time.Minute, organizer("Smith, John", "John.Smith@contoso.com"), attendees(bob))
			e.graph.put(room1, master)
			e.graph.put(room1, occs...)
			o := e.options(room1)
			o.IncludeAttendees = true
			src := e.sourceWith(o)

			check := func(res booking.FetchResult, n int) {
				t.Helper()
				require.Empty(t, res.Warnings)
				require.Len(t, res.Bookings, n)
				got := byKey(res.Bookings)
				for i := range n {
					orig := first.AddDate(0, 0, 7*i)
					b, ok := got[occurrenceKey("wk", room1, orig)]
					require.True(t, ok, "occurrence %d", i)
					start, end := orig, orig.Add(time.Hour)
					if i == 1 {
						start, end = movedTo, movedTo.Add(30*time.Minute)
					}
					assert.Equal(t, start, b.Start, "occurrence %d", i)
					assert.Equal(t, end, b.End, "occurrence %d", i)
					assert.Equal(t, booking.StatusConfirmed, b.Status)
					assert.Equal(t, []string{room1}, b.Resources)
					require.NotEmpty(t, b.Persons, "occurrence %d has a person", i)
					assert.Equal(t, booking.Person{Email: "john.smith@contoso.com", DisplayName: "Smith, John", FirstName: "John", LastName: "Smith", Role: booking.RoleOrganizer}, b.Persons[0])
					assert.Equal(t, []string{"john.smith@contoso.com", "bob@contoso.com"}, emails(b))
				}
			}
			res, err := fetch(t, src)
			require.NoError(t, err)
			check(res, 3)

			// A fourth occurrence appears (the master does not change): delta sends its stub only.
			fourth := first.AddDate(0, 0, 21)
			e.graph.put(room1, occurrenceOf(room1, "wk", 3, fourth, fourth, time.Hour, organizer("Smith, John", "John.Smith@contoso.com"), attendees(bob)))
			res, err = fetch(t, src)
			require.NoError(t, err)
			check(res, 4)
		})
	}
}

// A deleted occurrence is not signalled by delta, only its master's change is: the source
// then reads that series' occurrences again, so the occurrence stops granting at the next
// fetch. An occurrence cancelled but kept in the room's calendar (an exception with
// isCancelled) stops granting too.
func TestCancelledOrDeletedOccurrenceStopsGrantingWithinOneFetch(t *testing.T) {
	for _, variant := range graphVariants {
		t.Run(variant.name, func(t *testing.T) {
			e := newEnv(t)
			e.graph.configure(variant.set)
			first := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
			master, occs := series(room1, "wk", first, time.Hour, 4)
			e.graph.put(room1, master)
			e.graph.put(room1, occs...)
			e.graph.put(room1, meeting(room1, "other", first.Add(2*time.Hour), time.Hour))
			src := e.source(room1)
			res, err := fetch(t, src)
			require.NoError(t, err)
			require.Len(t, res.Bookings, 5)

			deleted := occurrenceKey("wk", room1, first.AddDate(0, 0, 7))
			cancelled := occurrenceKey("wk", room1, first.AddDate(0, 0, 14))
			e.graph.removeOccurrence(room1, graphID("wk-1"))
			e.graph.put(room1, occurrenceOf(room1, "wk", 2, first.AddDate(0, 0, 14), first.AddDate(0, 0, 14), time.Hour,
				with("type", "exception"), with("isCancelled", true), with("subject", "Canceled: Jane Doe")))

			res, err = fetch(t, src)
			require.NoError(t, err)
			got := byKey(res.Bookings)
			assert.NotContains(t, got, deleted, "the deleted occurrence is gone")
			require.Contains(t, got, cancelled)
			assert.Equal(t, booking.StatusCancelled, got[cancelled].Status, "the cancelled occurrence grants nothing")
			for _, i := range []int{0, 3} {
				b := got[occurrenceKey("wk", room1, first.AddDate(0, 0, 7*i))]
				assert.Equal(t, booking.StatusConfirmed, b.Status, "occurrence %d", i)
				assert.Equal(t, []string{"jane.doe@contoso.com"}, emails(b), "occurrence %d", i)
			}
			assert.Contains(t, got, ical("other")+"/"+room1)
			assert.Len(t, got, 4)
		})
	}
}

// A booking keeps its key, times and persons whichever way its room is read: delta (stubs
// completed from the master) or plain calendarView (full occurrences, each with its own
// iCalUId), when a source falls back from delta to plain and when a source reads by delta
// again; so nothing looks deleted and added again.
func TestBookingsAreTheSameThroughDeltaAndPlainCalendarView(t *testing.T) {
	e := newEnv(t)
	first := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
	bob := attendeeJSON("required", "accepted", "Bob Builder", "bob@contoso.com")
	master, occs := series(room1, "wk", first, time.Hour, 3, attendees(bob))
	occs[2] = occurrenceOf(room1, "wk", 2, first.AddDate(0, 0, 14), first.AddDate(0, 0, 15), time.Hour, attendees(bob))
	e.graph.put(room1, master)
	e.graph.put(room1, occs...)
	e.graph.put(room1, meeting(room1, "single", first.Add(2*time.Hour), time.Hour))
	o := e.options(room1)
	o.IncludeAttendees = true

	src := e.sourceWith(o)
	byDelta, err := fetch(t, src)
	require.NoError(t, err)
	require.Len(t, byDelta.Bookings, 4)
	require.Empty(t, e.graph.requests("/users/"+room1+"/calendarView?"), "read by delta")

	// Delta stops working: the link expires and Graph refuses a new round.
	e.graph.expireDeltaTokens(room1)
	e.graph.refuseDelta(room1, http.StatusNotImplemented)
	plain, err := fetch(t, src)
	require.NoError(t, err)
	assert.NotEmpty(t, e.graph.count("/v1.0/users/"+room1+"/calendarView"), "read by plain calendarView")
	assert.Equal(t, byDelta.Bookings, plain.Bookings)

	// And the other way: a source that reads the plain view first, then one that reads by delta.
	e.graph.refuseDelta(room1, 0)
	again, err := fetch(t, e.sourceWith(o))
	require.NoError(t, err)
	assert.Equal(t, plain.Bookings, again.Bookings)
}

// An occurrence whose series master Graph cannot find (neither in the delta answer nor by
// id) gives a booking without a person; Fetch says so in a warning instead of staying silent.
func TestOccurrenceWithoutItsMasterIsAWarning(t *testing.T) {
	e := newEnv(t)
	first := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
	_, occs := series(room1, "orphan", first, time.Hour, 1)
	e.graph.put(room1, occs...)
	res, err := fetch(t, e.source(room1))
	require.NoError(t, err)
	require.Len(t, res.Bookings, 1)
	assert.Empty(t, res.Bookings[0].Persons)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, "has no person, so it opens no door")
	assert.Contains(t, res.Warnings[0].Reason, "its series could not be read")
	assert.Len(t, e.graph.requests("/users/"+room1+"/events/"+graphID("orphan")), 1, "the master was asked for by id")
}
