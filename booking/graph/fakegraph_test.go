package graph

import (
	"fmt"
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
// (rooms, room lists, rooms of a list) and a room's calendarView and calendarView/delta, with
// paging, delta tokens and scripted failures. It checks on every request what Graph would
// need (the bearer token) and what this package promises (Prefer: outlook.timezone="UTC" on
// every calendar request, $select on plain calendar views); a violation fails the test.
type fakeGraph struct {
	t    *testing.T
	srv  *httptest.Server
	base string // srv.URL + "/v1.0" (or the URL configured for a national cloud)

	mu         sync.Mutex
	pageSize   int
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

// fakeGate holds calendar requests until n are in flight at once (then lets all pass), to
// measure the client's concurrency without sleeping.
type fakeGate struct {
	n      int
	open   bool
	cond   *sync.Cond
	failed bool
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
	body := fmt.Sprintf(`{"error":{"code":%q,"message":%q,"innerError":{"date":"2026-05-04T08:00:00","request-id":"8d8f1c1e-5c51-4a1c-9d0a-3a3b3c3d3e3f","client-request-id":"8d8f1c1e-5c51-4a1c-9d0a-3a3b3c3d3e3f"}}}`, code, message)
	if message == "" {
		body = fmt.Sprintf(`{"error":{"code":%q,"innerError":{"date":"2026-05-04T08:00:00"}}}`, code)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures = append(g.failures, &fakeFailure{
		match: func(r *http.Request) bool {
			return strings.Contains(strings.ToLower(r.URL.Path), strings.ToLower(pathPart))
		},
		status: status, body: body, header: header, left: n,
	})
}

// holdCalendarRequests makes calendar requests wait until n are in flight at once; then all
// pass. If n never overlap, the gate opens after a deadline and the test fails.
func (g *fakeGraph) holdCalendarRequests(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = &fakeGate{n: n, cond: sync.NewCond(&g.mu)}
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
	isCalendar := strings.Contains(path, "/calendarView")
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

	if isCalendar && g.gate != nil {
		g.inflight++
		g.maxInflight = max(g.maxInflight, g.inflight)
		g.gate.cond.Broadcast()
		for !g.gate.open && g.inflight < g.gate.n {
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
		g.servePage(w, r, "#Collection(microsoft.graph.room)", g.rooms, "/places/microsoft.graph.room")
	case len(seg) == 2 && seg[0] == "places" && isCast(seg[1], "roomlist"):
		lists := make([]map[string]any, len(g.lists))
		for i, l := range g.lists {
			lists[i] = l.json
		}
		g.servePage(w, r, "#Collection(microsoft.graph.roomList)", lists, "/places/microsoft.graph.roomlist")
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
		g.servePage(w, r, "#Collection(microsoft.graph.room)", members, "/places/"+url.PathEscape(seg[1])+"/microsoft.graph.roomlist/rooms")
	case len(seg) == 3 && seg[0] == "users" && seg[2] == "calendarView":
		g.servePlainView(w, r, strings.ToLower(seg[1]))
	case len(seg) == 4 && seg[0] == "users" && seg[2] == "calendarView" && (seg[3] == "delta" || seg[3] == "delta()"):
		g.serveDelta(w, r, strings.ToLower(seg[1]))
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

// servePage serves a simple $top/$skip-paged collection (places).
func (g *fakeGraph) servePage(w http.ResponseWriter, r *http.Request, context string, items []map[string]any, path string) {
	top := g.pageSize
	if v, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && v > 0 && v < top {
		top = v
	}
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skip"))
	end := min(skip+top, len(items))
	page := map[string]any{"@odata.context": g.base + "/$metadata" + context, "value": nonNil(items[min(skip, len(items)):end])}
	if end < len(items) {
		page["@odata.nextLink"] = fmt.Sprintf("%s%s?$top=%d&$skip=%d", g.base, path, top, end)
	}
	writeJSON(w, http.StatusOK, page)
}

// servePlainView serves GET /users/{room}/calendarView with $select and paging by $skip.
func (g *fakeGraph) servePlainView(w http.ResponseWriter, r *http.Request, room string) {
	q := r.URL.Query()
	c, ok := g.cals[room]
	if !ok {
		writeGraphError(w, http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", room))
		return
	}
	start, err1 := time.Parse(time.RFC3339, q.Get("startDateTime"))
	end, err2 := time.Parse(time.RFC3339, q.Get("endDateTime"))
	if err1 != nil || err2 != nil {
		writeGraphError(w, http.StatusBadRequest, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.")
		return
	}
	sel := q.Get("$select")
	if sel == "" {
		g.violate("calendarView of %s without $select", room)
	}
	top := 10 // Graph's small default page
	if v, err := strconv.Atoi(q.Get("$top")); err == nil && v > 0 {
		top = v
	}
	top = min(top, g.pageSize)
	skip, _ := strconv.Atoi(q.Get("$skip"))
	items := selectFields(eventsInWindow(c, start, end), sel)
	stop := min(skip+top, len(items))
	page := map[string]any{
		"@odata.context": g.base + "/$metadata#users('" + room + "')/calendarView(" + sel + ")",
		"value":          nonNil(items[min(skip, len(items)):stop]),
	}
	if stop < len(items) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("$top", fmt.Sprint(top))
		next.Set("$skip", fmt.Sprint(stop))
		page["@odata.nextLink"] = g.base + "/users/" + url.PathEscape(room) + "/calendarView?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, page)
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
			} else {
				round.items = append(round.items, c.events[id])
			}
		}
	default:
		start, err1 := time.Parse(time.RFC3339, q.Get("startDateTime"))
		end, err2 := time.Parse(time.RFC3339, q.Get("endDateTime"))
		if err1 != nil || err2 != nil {
			writeGraphError(w, http.StatusBadRequest, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.")
			return
		}
		if q.Get("$select") != "" {
			g.violate("delta request with $select (Graph does not support it)")
		}
		round = &fakeRound{room: room, items: eventsInWindow(c, start, end), seq: c.seq}
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

// eventsInWindow returns the calendar's events overlapping [start, end), by start then id.
func eventsInWindow(c *fakeCalendar, start, end time.Time) []map[string]any {
	var out []map[string]any
	for _, e := range c.events {
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
