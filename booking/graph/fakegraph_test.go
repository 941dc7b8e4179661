package graph

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGraph is a fake Microsoft Graph v1.0 for the endpoints this package uses: places
// (rooms, room lists, rooms of a list), a room's calendarView and calendarView/delta, one
// event by id and a series' instances, with paging, delta tokens and scripted failures. It
// checks on every request what Graph would need (the bearer token) and what this package
// promises (Prefer: outlook.timezone="UTC" on every calendar request, $select on plain
// calendar views); a violation fails the test.
//
// By default it behaves as the public evidence says Graph does (docs/research, "Evidence
// update"), not as the client would like:
//
//   - calendarView/delta sends occurrences of a recurring meeting as stubs (@odata.type,
//     @odata.etag, id, seriesMasterId, type, start, end) and their series master in full, in
//     a full round, and in an incremental round only when the master itself changed;
//   - a deleted occurrence is not signalled by delta: only its master shows up as changed;
//   - plain calendarView, /events/{id} and /events/{id}/instances send full events;
//   - in the room's copy of a meeting, every attendee's status.response reads "none";
//   - /places/... answers $top items (default 100, at most 999) from $skip, and no nextLink.
//
// knobs switches to each alternative the evidence leaves open (or to the old assumptions).
type fakeGraph struct {
	t    *testing.T
	srv  *httptest.Server
	base string // srv.URL + "/v1.0" (or the URL configured for a national cloud)

	mu         sync.Mutex
	knobs      fakeKnobs
	pageSize   int // page size of calendar reads (delta, calendarView, instances)
	rooms      []map[string]any
	lists      []fakeList
	cals       map[string]*fakeCalendar
	rounds     map[string]*fakeRound // skiptoken -> rest of a delta round
	deltas     map[string]fakeDelta  // deltatoken -> state
	tokenSeq   int
	failures   []*fakeFailure
	log        []fakeRequest
	violations []string

	inflight, maxInflight int
	gate                  *fakeGate
}

// fakeKnobs are the fake's alternatives to Graph as the evidence describes it; the zero
// value is the evidence.
type fakeKnobs struct {
	// fullOccurrencesInDelta: delta sends occurrences in full (contradicted by the evidence;
	// the assumption this package once made).
	fullOccurrencesInDelta bool
	// fullExceptionsInDelta: delta sends exceptions (moved or edited occurrences) in full
	// while occurrences are stubs. Unknown; by default exceptions are stubs too.
	fullExceptionsInDelta bool
	// stubInstances: /events/{id}/instances sends stubs like delta. Unknown; by default it
	// sends full events, as calendarView does.
	stubInstances bool
	// signalDeletedOccurrences: delta sends "@removed" for a deleted occurrence (contradicted
	// by microsoft-graph-docs PR #4501; a later Graph might do it).
	signalDeletedOccurrences bool
	// attendeeResponsesVisible: the room's copy shows each attendee's response as the
	// fixture has it (contradicted by the evidence for attendee copies).
	attendeeResponsesVisible bool
	// placesNextLink: places pages carry an @odata.nextLink (contradicted by the evidence).
	placesNextLink bool
	// placesMaxTop: the most places per page whatever $top asks; 0 means 999.
	placesMaxTop int
}

// configure changes the fake's knobs.
func (g *fakeGraph) configure(f func(*fakeKnobs)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(&g.knobs)
}

// fakeList is a room list and the addresses of its rooms.
type fakeList struct {
	json  map[string]any
	rooms []string
}

// fakeCalendar is one room mailbox's calendar with a change log for delta.
type fakeCalendar struct {
	seq     int
	events  map[string]map[string]any
	changed map[string]int // id -> seq of its last change
	removed map[string]bool
	// expiredBefore: delta tokens older than this sequence number answer 410.
	expiredBefore int
	// deltaStatus, when not 0, is the status of every delta request (delta unsupported).
	deltaStatus int
}

// fakeRound is the rest of a delta round or plain view being paged.
type fakeRound struct {
	room  string
	items []map[string]any
	seq   int // the calendar's seq when the round started (for the deltaLink)
	plain bool
}

type fakeDelta struct {
	room string
	seq  int
}

// fakeRequest is one request as the fake saw it.
type fakeRequest struct {
	At     time.Time
	Method string
	Path   string // decoded
	Query  url.Values
	Header http.Header
}

// fakeFailure answers matching requests with an error, left times (-1: always).
type fakeFailure struct {
	match  func(r *http.Request) bool
	status int
	body   string
	header map[string]string
	left   int
}

// fakeGate holds requests until release(in flight) says so (then lets all pass), to
// measure the client's concurrency without sleeping.
type fakeGate struct {
	release func(inflight int) bool
	open    bool
	cond    *sync.Cond
	failed  bool
}

func newFakeGraph(t *testing.T, tlsServer bool) *fakeGraph {
	t.Helper()
	g := &fakeGraph{t: t, pageSize: 2, cals: map[string]*fakeCalendar{}, rounds: map[string]*fakeRound{}, deltas: map[string]fakeDelta{}}
	if tlsServer {
		g.srv = httptest.NewTLSServer(http.HandlerFunc(g.serve))
	} else {
		g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	}
	g.base = g.srv.URL + "/v1.0"
	t.Cleanup(g.srv.Close)
	t.Cleanup(func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, v := range g.violations {
			t.Errorf("fake Graph: %s", v)
		}
	})
	return g
}

// calendar returns (creating) the calendar of room.
func (g *fakeGraph) calendar(room string) *fakeCalendar {
	c := g.cals[room]
	if c == nil {
		c = &fakeCalendar{events: map[string]map[string]any{}, changed: map[string]int{}, removed: map[string]bool{}}
		g.cals[room] = c
	}
	return c
}

// put adds or replaces events in room's calendar.
func (g *fakeGraph) put(room string, events ...map[string]any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.calendar(room)
	for _, e := range events {
		c.seq++
		id := e["id"].(string)
		c.events[id] = e
		c.changed[id] = c.seq
		delete(c.removed, id)
	}
}

// remove deletes events from room's calendar.
func (g *fakeGraph) remove(room string, ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.calendar(room)
	for _, id := range ids {
		c.seq++
		delete(c.events, id)
		c.changed[id] = c.seq
		c.removed[id] = true
	}
}

// removeOccurrence deletes one occurrence of a recurring meeting from room's calendar, as
// Exchange does when the organizer cancels it: the occurrence goes and its series master
// changes. Delta reports only the master (unless knobs.signalDeletedOccurrences).
func (g *fakeGraph) removeOccurrence(room, id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.calendar(room)
	master, _ := c.events[id]["seriesMasterId"].(string)
	delete(c.events, id)
	c.seq++
	if c.events[master] != nil {
		c.changed[master] = c.seq
	}
	if g.knobs.signalDeletedOccurrences {
		c.changed[id] = c.seq
		c.removed[id] = true
	}
}

// expireDeltaTokens makes every delta token issued so far for room answer 410 Gone.
func (g *fakeGraph) expireDeltaTokens(room string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.calendar(room)
	c.seq++
	c.expiredBefore = c.seq
}

// refuseDelta makes every delta request for room answer status (Graph without delta).
func (g *fakeGraph) refuseDelta(room string, status int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calendar(room).deltaStatus = status
}

// fail answers the next n requests (n = -1: all) whose decoded path contains pathPart with
// status and a Graph error body (code and message; message omitted when empty).
func (g *fakeGraph) fail(pathPart string, n, status int, code, message string, header map[string]string) {
	g.failWhen(func(r *http.Request) bool {
		return strings.Contains(strings.ToLower(r.URL.Path), strings.ToLower(pathPart))
	}, n, status, code, message, header)
}

// failWhen is fail for the requests that match says.
func (g *fakeGraph) failWhen(match func(r *http.Request) bool, n, status int, code, message string, header map[string]string) {
	body := fmt.Sprintf(`{"error":{"code":%q,"message":%q,"innerError":{"date":"2026-05-04T08:00:00","request-id":"8d8f1c1e-5c51-4a1c-9d0a-3a3b3c3d3e3f","client-request-id":"8d8f1c1e-5c51-4a1c-9d0a-3a3b3c3d3e3f"}}}`, code, message)
	if message == "" {
		body = fmt.Sprintf(`{"error":{"code":%q,"innerError":{"date":"2026-05-04T08:00:00"}}}`, code)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures = append(g.failures, &fakeFailure{match: match, status: status, body: body, header: header, left: n})
}

// holdCalendarRequests makes requests wait until n are in flight at once; then all pass. If
// n never overlap, the gate opens after a deadline and the test fails.
func (g *fakeGraph) holdCalendarRequests(n int) {
	g.holdRequestsUntil(func(inflight int) bool { return inflight >= n })
}

// holdRequestsUntil makes requests wait until release(requests in flight here) is true, checked
// whenever a request arrives or wakeGate is called; then all pass. If release never holds,
// the gate opens after a deadline and gateFailed reports it.
func (g *fakeGraph) holdRequestsUntil(release func(inflight int) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = &fakeGate{release: release, cond: sync.NewCond(&g.mu)}
	gate := g.gate
	timer := time.AfterFunc(20*time.Second, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if !gate.open {
			gate.failed, gate.open = true, true
			gate.cond.Broadcast()
		}
	})
	g.t.Cleanup(func() { timer.Stop() })
}

// wakeGate makes held requests check the gate's condition again.
func (g *fakeGraph) wakeGate() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate != nil {
		g.gate.cond.Broadcast()
	}
}

// clearFailures removes every scripted failure.
func (g *fakeGraph) clearFailures() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures = nil
}

// requests returns the requests seen so far whose decoded path contains pathPart.
func (g *fakeGraph) requests(pathPart string) []fakeRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []fakeRequest
	for _, r := range g.log {
		if strings.Contains(r.Path, pathPart) {
			out = append(out, r)
		}
	}
	return out
}

// count returns how many requests had exactly this decoded path.
func (g *fakeGraph) count(path string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, r := range g.log {
		if r.Path == path {
			n++
		}
	}
	return n
}

func (g *fakeGraph) violate(format string, a ...any) {
	g.violations = append(g.violations, fmt.Sprintf(format, a...))
}

func (g *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	path := r.URL.Path
	logged := r.Header.Clone()
	logged.Del("Authorization") // checked below; kept out of test output
	g.log = append(g.log, fakeRequest{At: time.Now(), Method: r.Method, Path: path, Query: r.URL.Query(), Header: logged})

	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		g.violate("%s %s without the bearer token (Authorization %q)", r.Method, path, redactForTest(got))
		writeGraphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return
	}
	isCalendar := strings.Contains(path, "/calendarView") || strings.Contains(path, "/events")
	if isCalendar && !preferUTCIn(r.Header) {
		g.violate("%s %s?%s without Prefer: outlook.timezone=\"UTC\" (Prefer %q)", r.Method, path, r.URL.RawQuery, r.Header.Values("Prefer"))
		writeGraphError(w, http.StatusBadRequest, "ErrorInvalidRequest", "Prefer header missing in the fake.")
		return
	}
	for _, f := range g.failures {
		if f.left != 0 && f.match(r) {
			if f.left > 0 {
				f.left--
			}
			for k, v := range f.header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			_, _ = w.Write([]byte(f.body))
			return
		}
	}

	if g.gate != nil {
		g.inflight++
		g.maxInflight = max(g.maxInflight, g.inflight)
		g.gate.cond.Broadcast()
		for !g.gate.open && !g.gate.release(g.inflight) {
			g.gate.cond.Wait()
		}
		g.gate.open = true
		g.gate.cond.Broadcast()
		defer func() {
			g.inflight--
		}()
	}

	seg := strings.Split(strings.TrimPrefix(path, "/v1.0/"), "/")
	switch {
	case r.Method != http.MethodGet:
		g.violate("unexpected %s %s", r.Method, path)
		writeGraphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Only GET is faked.")
	case len(seg) == 2 && seg[0] == "places" && isCast(seg[1], "room"):
		g.servePlaces(w, r, "#Collection(microsoft.graph.room)", g.rooms, "/places/microsoft.graph.room")
	case len(seg) == 2 && seg[0] == "places" && isCast(seg[1], "roomlist"):
		lists := make([]map[string]any, len(g.lists))
		for i, l := range g.lists {
			lists[i] = l.json
		}
		g.servePlaces(w, r, "#Collection(microsoft.graph.roomList)", lists, "/places/microsoft.graph.roomlist")
	case len(seg) == 4 && seg[0] == "places" && isCast(seg[2], "roomlist") && seg[3] == "rooms":
		var members []map[string]any
		found := false
		for _, l := range g.lists {
			if strings.EqualFold(l.json["emailAddress"].(string), seg[1]) {
				found = true
				for _, addr := range l.rooms {
					for _, room := range g.rooms {
						if strings.EqualFold(room["emailAddress"].(string), addr) {
							members = append(members, room)
						}
					}
				}
			}
		}
		if !found {
			writeGraphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
			return
		}
		g.servePlaces(w, r, "#Collection(microsoft.graph.room)", members, "/places/"+url.PathEscape(seg[1])+"/microsoft.graph.roomlist/rooms")
	case len(seg) == 3 && seg[0] == "users" && seg[2] == "calendarView":
		g.servePlainView(w, r, strings.ToLower(seg[1]))
	case len(seg) == 4 && seg[0] == "users" && seg[2] == "calendarView" && (seg[3] == "delta" || seg[3] == "delta()"):
		g.serveDelta(w, r, strings.ToLower(seg[1]))
	case len(seg) == 4 && seg[0] == "users" && seg[2] == "events":
		g.serveEvent(w, r, strings.ToLower(seg[1]), seg[3])
	case len(seg) == 5 && seg[0] == "users" && seg[2] == "events" && seg[4] == "instances":
		g.serveInstances(w, r, strings.ToLower(seg[1]), seg[3])
	default:
		g.violate("unexpected request %s %s", r.Method, path)
		writeGraphError(w, http.StatusNotFound, "ResourceNotFound", "Resource not found for the segment.")
	}
}

// isCast matches the SDK's short cast segment (graph.room) and Graph's own (microsoft.graph.room).
func isCast(seg, typ string) bool {
	seg = strings.ToLower(seg)
	return seg == "graph."+typ || seg == "microsoft.graph."+typ
}

// servePlaces serves a places collection as Graph does: $top items (default 100, at most
// 999 or knobs.placesMaxTop) from $skip, without a nextLink unless knobs.placesNextLink.
func (g *fakeGraph) servePlaces(w http.ResponseWriter, r *http.Request, context string, items []map[string]any, path string) {
	limit := 999
	if g.knobs.placesMaxTop > 0 {
		limit = g.knobs.placesMaxTop
	}
	top := 100
	if v, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && v > 0 {
		top = v
	}
	top = min(top, limit)
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skip"))
	end := min(skip+top, len(items))
	page := map[string]any{"@odata.context": g.base + "/$metadata" + context, "value": nonNil(items[min(skip, len(items)):end])}
	if g.knobs.placesNextLink && end < len(items) {
		page["@odata.nextLink"] = fmt.Sprintf("%s%s?$top=%d&$skip=%d", g.base, path, top, end)
	}
	writeJSON(w, http.StatusOK, page)
}

// servePlainView serves GET /users/{room}/calendarView with $select and paging by $skip:
// full occurrences, no series masters.
func (g *fakeGraph) servePlainView(w http.ResponseWriter, r *http.Request, room string) {
	q := r.URL.Query()
	c, ok := g.cals[room]
	if !ok {
		writeGraphError(w, http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", room))
		return
	}
	start, end, ok := fakeWindow(w, q)
	if !ok {
		return
	}
	sel := q.Get("$select")
	if sel == "" {
		g.violate("calendarView of %s without $select", room)
	}
	var items []map[string]any
	for _, e := range eventsInWindow(c, start, end) {
		items = append(items, g.roomCopy(room, e))
	}
	g.serveEventPage(w, q, selectFields(items, sel), "users('"+room+"')/calendarView("+sel+")", "/users/"+url.PathEscape(room)+"/calendarView")
}

// serveInstances serves GET /users/{room}/events/{id}/instances: the occurrences and
// exceptions of one series in a window, full (stubs with knobs.stubInstances), paged by $skip.
func (g *fakeGraph) serveInstances(w http.ResponseWriter, r *http.Request, room, id string) {
	q := r.URL.Query()
	c, ok := g.cals[room]
	if !ok || c.events[id] == nil || c.events[id]["type"] != "seriesMaster" {
		writeGraphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	start, end, ok := fakeWindow(w, q)
	if !ok {
		return
	}
	var items []map[string]any
	for _, e := range eventsInWindow(c, start, end) {
		if e["seriesMasterId"] != id {
			continue
		}
		if g.knobs.stubInstances {
			items = append(items, stubOf(e))
		} else {
			items = append(items, g.roomCopy(room, e))
		}
	}
	sel := q.Get("$select")
	if !g.knobs.stubInstances {
		items = selectFields(items, sel)
	}
	g.serveEventPage(w, q, items, "users('"+room+"')/events('"+id+"')/instances", "/users/"+url.PathEscape(room)+"/events/"+url.PathEscape(id)+"/instances")
}

// serveEvent serves GET /users/{room}/events/{id} (with $select): any event in full,
// series masters included.
func (g *fakeGraph) serveEvent(w http.ResponseWriter, r *http.Request, room, id string) {
	c, ok := g.cals[room]
	if !ok || c.events[id] == nil {
		writeGraphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	ev := selectFields([]map[string]any{g.roomCopy(room, c.events[id])}, r.URL.Query().Get("$select"))[0]
	ev["@odata.context"] = g.base + "/$metadata#users('" + room + "')/events/$entity"
	writeJSON(w, http.StatusOK, ev)
}

// serveEventPage serves one $top/$skip page of items (at most g.pageSize), with a nextLink
// to path that repeats the query.
func (g *fakeGraph) serveEventPage(w http.ResponseWriter, q url.Values, items []map[string]any, context, path string) {
	top := 10 // Graph's small default page
	if v, err := strconv.Atoi(q.Get("$top")); err == nil && v > 0 {
		top = v
	}
	top = min(top, g.pageSize)
	skip, _ := strconv.Atoi(q.Get("$skip"))
	stop := min(skip+top, len(items))
	page := map[string]any{
		"@odata.context": g.base + "/$metadata#" + context,
		"value":          nonNil(items[min(skip, len(items)):stop]),
	}
	if stop < len(items) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("$top", fmt.Sprint(top))
		next.Set("$skip", fmt.Sprint(stop))
		page["@odata.nextLink"] = g.base + path + "?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, page)
}

// fakeWindow reads startDateTime and endDateTime, or answers 400 as Graph does.
func fakeWindow(w http.ResponseWriter, q url.Values) (time.Time, time.Time, bool) {
	start, err1 := time.Parse(time.RFC3339, q.Get("startDateTime"))
	end, err2 := time.Parse(time.RFC3339, q.Get("endDateTime"))
	if err1 != nil || err2 != nil {
		writeGraphError(w, http.StatusBadRequest, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.")
		return time.Time{}, time.Time{}, false
	}
	return start, end, true
}

// serveDelta serves a delta round: the initial request (a window), $skiptoken pages and
// $deltatoken rounds.
func (g *fakeGraph) serveDelta(w http.ResponseWriter, r *http.Request, room string) {
	q := r.URL.Query()
	c, ok := g.cals[room]
	if !ok {
		writeGraphError(w, http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", room))
		return
	}
	if c.deltaStatus != 0 {
		writeGraphError(w, c.deltaStatus, "ErrorInvalidRequest", "The delta function is not supported for this request.")
		return
	}
	var round *fakeRound
	switch {
	case q.Get("$skiptoken") != "":
		round = g.rounds[q.Get("$skiptoken")]
		delete(g.rounds, q.Get("$skiptoken"))
		if round == nil {
			g.violate("unknown or reused $skiptoken for %s", room)
			writeGraphError(w, http.StatusBadRequest, "ErrorInvalidParameter", "The skip token is invalid.")
			return
		}
	case q.Get("$deltatoken") != "":
		d, ok := g.deltas[q.Get("$deltatoken")]
		if !ok || d.room != room {
			g.violate("unknown $deltatoken for %s", room)
			writeGraphError(w, http.StatusBadRequest, "ErrorInvalidParameter", "The delta token is invalid.")
			return
		}
		if d.seq < c.expiredBefore {
			writeGraphError(w, http.StatusGone, "SyncStateNotFound", "The sync state generation is not found. Please do a full sync.")
			return
		}
		round = &fakeRound{room: room, seq: c.seq}
		var ids []string
		for id, s := range c.changed {
			if s > d.seq {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			if c.removed[id] {
				round.items = append(round.items, map[string]any{"@odata.type": "#microsoft.graph.event", "id": id, "@removed": map[string]any{"reason": "deleted"}})
			} else if c.events[id] != nil {
				round.items = append(round.items, g.deltaItem(room, c.events[id]))
			}
		}
	default:
		start, end, ok := fakeWindow(w, q)
		if !ok {
			return
		}
		if q.Get("$select") != "" {
			g.violate("delta request with $select (Graph does not support it)")
		}
		round = &fakeRound{room: room, seq: c.seq}
		// The events of the window, then the masters of its series (after their occurrences:
		// a client cannot count on reading a master before its stubs).
		masters := map[string]bool{}
		for _, e := range eventsInWindow(c, start, end) {
			round.items = append(round.items, g.deltaItem(room, e))
			if id, _ := e["seriesMasterId"].(string); id != "" && c.events[id] != nil {
				masters[id] = true
			}
		}
		for _, id := range slices.Sorted(maps.Keys(masters)) {
			round.items = append(round.items, g.deltaItem(room, c.events[id]))
		}
	}
	n := g.pageSize
	if m := maxPageSize(r.Header); m > 0 && m < n {
		n = m
	}
	page := map[string]any{"@odata.context": g.base + "/$metadata#Collection(event)"}
	if len(round.items) > n {
		page["value"] = round.items[:n]
		g.tokenSeq++
		tok := fmt.Sprintf("skp%06d", g.tokenSeq)
		g.rounds[tok] = &fakeRound{room: room, items: round.items[n:], seq: round.seq}
		page["@odata.nextLink"] = g.base + "/users/" + url.PathEscape(room) + "/calendarView/delta?$skiptoken=" + tok
	} else {
		page["value"] = nonNil(round.items)
		g.tokenSeq++
		tok := fmt.Sprintf("dlt%06d", g.tokenSeq)
		g.deltas[tok] = fakeDelta{room: room, seq: round.seq}
		page["@odata.deltaLink"] = g.base + "/users/" + url.PathEscape(room) + "/calendarView/delta?$deltatoken=" + tok
	}
	writeJSON(w, http.StatusOK, page)
}

// deltaItem is an event as delta sends it: a stub for an occurrence (and, unless
// knobs.fullExceptionsInDelta, for an exception), the room's copy otherwise.
func (g *fakeGraph) deltaItem(room string, e map[string]any) map[string]any {
	switch e["type"] {
	case "occurrence":
		if !g.knobs.fullOccurrencesInDelta {
			return stubOf(e)
		}
	case "exception":
		if !g.knobs.fullExceptionsInDelta && !g.knobs.fullOccurrencesInDelta {
			return stubOf(e)
		}
	}
	return g.roomCopy(room, e)
}

// stubOf is what delta sends of an occurrence: only these seven properties.
func stubOf(e map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"@odata.type", "@odata.etag", "id", "seriesMasterId", "type", "start", "end"} {
		if v, ok := e[k]; ok {
			out[k] = v
		}
	}
	return out
}

// roomCopy is event e as the room's mailbox holds it: an attendee's copy, in which every
// attendee's response reads "none" (unless knobs.attendeeResponsesVisible).
func (g *fakeGraph) roomCopy(room string, e map[string]any) map[string]any {
	list, ok := e["attendees"].([]any)
	if g.knobs.attendeeResponsesVisible || !ok {
		return e
	}
	out := maps.Clone(e)
	copied := make([]any, len(list))
	for i, a := range list {
		am, ok := a.(map[string]any)
		if !ok {
			copied[i] = a
			continue
		}
		am = maps.Clone(am)
		am["status"] = map[string]any{"response": "none", "time": "0001-01-01T00:00:00Z"}
		copied[i] = am
	}
	out["attendees"] = copied
	return out
}

// eventsInWindow returns the calendar's events overlapping [start, end), by start then id:
// single meetings, occurrences and exceptions, as a calendar view lists them (no masters).
func eventsInWindow(c *fakeCalendar, start, end time.Time) []map[string]any {
	var out []map[string]any
	for _, e := range c.events {
		if e["type"] == "seriesMaster" {
			continue
		}
		s, e1 := parseFakeTime(e["start"])
		f, e2 := parseFakeTime(e["end"])
		if e1 != nil || e2 != nil || (s.Before(end) && f.After(start)) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b map[string]any) int {
		sa, _ := parseFakeTime(a["start"])
		sb, _ := parseFakeTime(b["start"])
		if c := sa.Compare(sb); c != 0 {
			return c
		}
		return strings.Compare(a["id"].(string), b["id"].(string))
	})
	return out
}

func parseFakeTime(v any) (time.Time, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return time.Time{}, fmt.Errorf("no dateTimeTimeZone")
	}
	s, _ := m["dateTime"].(string)
	return time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC)
}

// selectFields keeps only the $select-ed properties (plus id and the etag), as Graph does.
func selectFields(items []map[string]any, sel string) []map[string]any {
	if sel == "" {
		return items
	}
	keep := map[string]bool{"id": true, "@odata.etag": true}
	for _, f := range strings.Split(sel, ",") {
		keep[strings.TrimSpace(f)] = true
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		m := map[string]any{}
		for k, v := range it {
			if keep[k] {
				m[k] = v
			}
		}
		out[i] = m
	}
	return out
}

// preferUTCIn reports whether the Prefer header(s) ask for UTC times.
func preferUTCIn(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == `outlook.timezone="UTC"` {
				return true
			}
		}
	}
	return false
}

// maxPageSize reads Prefer: odata.maxpagesize=N.
func maxPageSize(h http.Header) int {
	for _, v := range h.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if n, ok := strings.CutPrefix(strings.TrimSpace(p), "odata.maxpagesize="); ok {
				if v, err := strconv.Atoi(n); err == nil {
					return v
				}
			}
		}
	}
	return 0
}

func writeGraphError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]any{"date": "2026-05-04T08:00:00", "request-id": "8d8f1c1e-5c51-4a1c-9d0a-3a3b3c3d3e3f"},
	}})
}

func nonNil(items []map[string]any) []map[string]any {
	if items == nil {
		return []map[string]any{}
	}
	return items
}

// redactForTest shortens a header value for a test message without printing a token.
func redactForTest(v string) string {
	if v == "" {
		return ""
	}
	return v[:min(len(v), 7)] + "…"
}
