package graph

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/net2booking/net2booking/booking"
)

// Window margins of calendar reads.
const (
	// edge widens every read by the largest UTC offset, so that all-day events (sent as
	// midnight UTC dates, read as site days) at the window's edges are not missed.
	edge = 14 * time.Hour
	// slack is how far a new delta round reaches beyond the window's end, so that the round
	// keeps covering the planning window while it moves with the clock: a new round (a full
	// read) starts about once per slack.
	slack = 24 * time.Hour
	// deltaMaxAge restarts a delta round that is this old even if the window did not move.
	deltaMaxAge = 24 * time.Hour
	// maxPages bounds one read (100 events per page): a link loop cannot run forever.
	maxPages = 1000
)

// roomState is what a Source remembers of one room between fetches (in memory only).
type roomState struct {
	room string
	// view is the last good view of the room's calendar; view.events is nil until the room
	// was read once.
	view   view
	readAt time.Time
	// The current delta round: its link (empty when none), window and start.
	deltaLink    string
	deltaWindow  booking.Window
	deltaStarted time.Time
	// plain is set when Graph refused delta for this room but allowed calendarView.
	plain bool
	// notBefore holds the room back after a Retry-After too long to wait in-line.
	notBefore time.Time
}

// view is what a Source knows of one room's calendar: the events of its calendar view and
// the series masters of its recurring meetings, both by Graph id. Masters are kept across
// delta rounds and fetches: delta sends occurrences as stubs that only their master
// completes, and sends a master again only when it changed.
type view struct {
	events  map[string]event
	masters map[string]event
}

// clone copies v so that a read can change it and be dropped if it fails.
func (v view) clone() view {
	c := view{events: maps.Clone(v.events), masters: maps.Clone(v.masters)}
	if c.events == nil {
		c.events = map[string]event{}
	}
	if c.masters == nil {
		c.masters = map[string]event{}
	}
	return c
}

// apply applies one item of a delta round or a listing (an event, a series master or an
// "@removed" marker) to v. It reports whether it was an item at all, and the id of a series
// master it brought (whose occurrences may have changed with it).
func (v view) apply(m models.Eventable) (ok bool, master string) {
	if m == nil {
		return false, ""
	}
	id := deref(m.GetId())
	if id == "" {
		return false, ""
	}
	if _, removed := removedReason(m); removed {
		delete(v.events, id)
		if _, isMaster := v.masters[id]; isMaster {
			delete(v.masters, id)
			v.dropSeries(id)
		}
		return true, ""
	}
	ev := fromModel(m)
	if ev.Type == "seriesMaster" {
		v.masters[id] = ev
		return true, id
	}
	if ev.Partial && ev.Type == "occurrence" && ev.OriginalStart.IsZero() {
		ev.OriginalStart = ev.Start // an unmodified occurrence is where the series put it
	}
	v.events[id] = ev
	return true, ""
}

// dropSeries removes every occurrence and exception of the series master id from v.
func (v view) dropSeries(master string) {
	for id, ev := range v.events {
		if ev.SeriesMasterID == master {
			delete(v.events, id)
		}
	}
}

// readWindow is what a new read asks Graph for, given the requested window.
func readWindow(w booking.Window, extra time.Duration) booking.Window {
	return booking.Window{Start: w.Start.Add(-edge), End: w.End.Add(edge + extra)}
}

// covers reports whether a delta round over dw still answers for window w.
func covers(dw, w booking.Window) bool {
	need := readWindow(w, 0)
	return !dw.Start.After(need.Start) && !dw.End.Before(need.End)
}

// syncRoom brings rs up to date for window w and returns a note for the log. On error rs
// keeps its last good view (and its delta link, so the next fetch asks for the same changes).
func (src *Source) syncRoom(ctx context.Context, rs *roomState, w booking.Window) (string, error) {
	s := src.set
	now := s.now()
	if now.Before(rs.notBefore) {
		return "", &requestError{
			room:      rs.room,
			transient: true,
			msg: fmt.Sprintf("reading the calendar of room %s: held back until %s, as Graph asked (Retry-After)",
				rs.room, rs.notBefore.UTC().Format(time.RFC3339)),
		}
	}
	if rs.plain {
		n, err := src.readPlain(ctx, rs, w)
		return plural(n, "event", "events") + " (calendar view)", err
	}
	if rs.deltaLink != "" {
		if covers(rs.deltaWindow, w) && now.Sub(rs.deltaStarted) < deltaMaxAge {
			v, link, changes, err := src.runDelta(ctx, rs.room, rs.view, rs.deltaWindow, true, func() (users.ItemCalendarViewDeltaGetResponseable, error) {
				return src.client.users.ByUserId(rs.room).CalendarView().Delta().WithUrl(rs.deltaLink).
					GetAsDeltaGetResponse(ctx, &users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{Headers: calendarHeaders()})
			})
			if err == nil {
				rs.view, rs.deltaLink, rs.readAt = v, link, now
				return plural(changes, "change", "changes") + " (delta)", nil
			}
			var re *requestError
			// An expired link, or a link Graph no longer supports (delta switched off: the
			// new round below then falls back to the plain view), starts over.
			if !errors.As(err, &re) || !re.syncLost && re.status != 400 && re.status != 405 && re.status != 501 {
				return "", err
			}
			s.log.Info("delta link expired or refused; reading the room's whole calendar view again", "room", rs.room, "reason", re.msg)
		} else {
			s.log.Info("the delta round no longer covers the planning window or is a day old; reading the room's whole calendar view again", "room", rs.room)
		}
		rs.deltaLink = ""
	}

	dw := readWindow(w, slack)
	// A full round starts from no events, but keeps the known masters: it sends the masters
	// of the series it lists anyway, and a known one saves a request if it did not.
	base := view{masters: rs.view.masters}
	v, link, _, err := src.runDelta(ctx, rs.room, base, dw, false, func() (users.ItemCalendarViewDeltaGetResponseable, error) {
		start, end := graphTime(dw.Start), graphTime(dw.End)
		return src.client.users.ByUserId(rs.room).CalendarView().Delta().GetAsDeltaGetResponse(ctx,
			&users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{
				Headers: calendarHeaders(),
				QueryParameters: &users.ItemCalendarViewDeltaRequestBuilderGetQueryParameters{
					StartDateTime: &start, EndDateTime: &end,
				},
			})
	})
	if err == nil {
		rs.view, rs.deltaLink, rs.deltaWindow, rs.deltaStarted, rs.readAt = v, link, dw, now, now
		return plural(len(v.events), "event", "events") + " (full delta read)", nil
	}
	if !deltaRefused(err) {
		return "", err
	}
	n, perr := src.readPlain(ctx, rs, w)
	if perr != nil {
		return "", perr
	}
	rs.plain = true
	s.log.Info("Graph refused the delta query for this room but allows the calendar view: reading the whole view on every fetch", "room", rs.room, "reason", err.Error())
	return plural(n, "event", "events") + " (calendar view)", nil
}

// deltaRefused reports whether a failed delta request is worth retrying as a plain
// calendarView: the request itself was refused, not the room or the credentials.
func deltaRefused(err error) bool {
	var re *requestError
	if !errors.As(err, &re) || re.syncLost {
		return false
	}
	switch re.status {
	case 400, 403, 405, 501:
		return !errors.Is(err, ErrUnknownRoom)
	}
	return false
}

// runDelta runs one delta round over window dw: the first page from first(), then every
// nextLink, applying each page to a copy of base, and then completes the view (complete).
// In an incremental round the occurrences of every series whose master came with the round
// are read again, since delta does not report a deleted occurrence. It returns the new view
// and the round's deltaLink; nothing is changed unless the whole round succeeds.
func (src *Source) runDelta(ctx context.Context, room string, base view, dw booking.Window, incremental bool,
	first func() (users.ItemCalendarViewDeltaGetResponseable, error)) (view, string, int, error) {
	v := base.clone()
	changes := 0
	var masters []string
	resp, err := first()
	for pages := 1; ; pages++ {
		if err != nil {
			return view{}, "", 0, src.set.describe(ctx, err, opCalendar, room)
		}
		if resp == nil {
			return view{}, "", 0, src.unusable(room, "Graph sent an empty answer to the delta query")
		}
		for _, m := range resp.GetValue() {
			ok, master := v.apply(m)
			if ok {
				changes++
			}
			if master != "" {
				masters = append(masters, master)
			}
		}
		if link := deref(resp.GetOdataDeltaLink()); link != "" {
			if !incremental {
				masters = nil // a full round lists every occurrence itself
			}
			if err := src.complete(ctx, room, v, dw, masters); err != nil {
				return view{}, "", 0, err
			}
			return v, link, changes, nil
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" {
			return view{}, "", 0, src.unusable(room, "Graph's delta answer has neither a next link nor a delta link")
		}
		if pages >= maxPages {
			return view{}, "", 0, src.unusable(room, fmt.Sprintf("the delta query did not end after %d pages", maxPages))
		}
		resp, err = src.client.users.ByUserId(room).CalendarView().Delta().WithUrl(next).
			GetAsDeltaGetResponse(ctx, &users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{Headers: calendarHeaders()})
	}
}

// complete makes v whole after a read over window w, with as few requests as it can:
//
//   - the occurrences of each series in changed (whose master came changed in a delta round)
//     are read again with /events/{id}/instances and replace the ones in v: Graph's delta
//     says nothing of a deleted occurrence, the master's change is the only sign;
//   - an exception (a moved or edited occurrence) that came as a stub is read in full by id:
//     its original start keys the booking, and its attendees and status are its own;
//   - the master of any occurrence whose master v does not know is read by id: it gives the
//     series' iCalUId (the booking's UID) and completes stubs.
//
// An event or master that Graph no longer finds (404) is dropped, and so are the masters of
// series without an occurrence in v.
func (src *Source) complete(ctx context.Context, room string, v view, w booking.Window, changed []string) error {
	slices.Sort(changed)
	for _, id := range slices.Compact(changed) {
		if _, ok := v.masters[id]; !ok {
			continue // removed again later in the round
		}
		items, err := src.readInstances(ctx, room, id, w)
		if err != nil {
			return err
		}
		v.dropSeries(id)
		for _, m := range items {
			v.apply(m)
		}
	}

	for _, id := range slices.Sorted(maps.Keys(v.events)) {
		if ev := v.events[id]; ev.Partial && ev.Type != "occurrence" {
			m, err := src.readEvent(ctx, room, id)
			if err != nil {
				return err
			}
			delete(v.events, id)
			if m != nil {
				v.apply(m)
			}
		}
	}

	missing := map[string]bool{}
	for _, ev := range v.events {
		if ev.SeriesMasterID != "" {
			if _, ok := v.masters[ev.SeriesMasterID]; !ok {
				missing[ev.SeriesMasterID] = true
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(missing)) {
		m, err := src.readEvent(ctx, room, id)
		if err != nil {
			return err
		}
		if m != nil {
			v.apply(m)
		} else {
			src.set.log.Warn("the series master of an occurrence is not in the room's calendar", "room", room)
		}
	}

	// Forget the masters of series with no occurrence in the view, so the room's state does
	// not grow with every series ever seen; one needed again is read by id.
	used := map[string]bool{}
	for _, ev := range v.events {
		used[ev.SeriesMasterID] = true
	}
	maps.DeleteFunc(v.masters, func(id string, _ event) bool { return !used[id] })
	return nil
}

// readEvent reads one event of the room by id (GET /users/{room}/events/{id}, with
// $select); it returns nil when Graph does not find it.
func (src *Source) readEvent(ctx context.Context, room, id string) (models.Eventable, error) {
	m, err := src.client.users.ByUserId(room).Events().ByEventId(id).Get(ctx, &users.ItemEventsEventItemRequestBuilderGetRequestConfiguration{
		Headers:         calendarHeaders(),
		QueryParameters: &users.ItemEventsEventItemRequestBuilderGetQueryParameters{Select: calendarSelect},
	})
	if err != nil {
		re := src.set.describe(ctx, err, opCalendar, room)
		if re.status == 404 {
			return nil, nil
		}
		return nil, re
	}
	return m, nil
}

// readInstances reads the occurrences and exceptions of one series over w (GET
// /users/{room}/events/{id}/instances, with $select, in pages).
func (src *Source) readInstances(ctx context.Context, room, master string, w booking.Window) ([]models.Eventable, error) {
	start, end, top := graphTime(w.Start), graphTime(w.End), int32(pageSize)
	b := src.client.users.ByUserId(room).Events().ByEventId(master).Instances()
	resp, err := b.Get(ctx, &users.ItemEventsItemInstancesRequestBuilderGetRequestConfiguration{
		Headers: calendarHeaders(),
		QueryParameters: &users.ItemEventsItemInstancesRequestBuilderGetQueryParameters{
			StartDateTime: &start, EndDateTime: &end, Top: &top, Select: calendarSelect,
		},
	})
	var out []models.Eventable
	for pages := 1; ; pages++ {
		if err != nil {
			return nil, src.set.describe(ctx, err, opCalendar, room)
		}
		if resp == nil {
			return nil, src.unusable(room, "Graph sent an empty answer to the occurrences of a series")
		}
		out = append(out, resp.GetValue()...)
		next := deref(resp.GetOdataNextLink())
		if next == "" {
			return out, nil
		}
		if pages >= maxPages {
			return nil, src.unusable(room, fmt.Sprintf("the occurrences of a series did not end after %d pages", maxPages))
		}
		resp, err = b.WithUrl(next).Get(ctx, &users.ItemEventsItemInstancesRequestBuilderGetRequestConfiguration{Headers: calendarHeaders()})
	}
}

// readPlain reads the room's whole calendar view over w (with $select, in pages), completes
// it and replaces rs's view on success.
func (src *Source) readPlain(ctx context.Context, rs *roomState, w booking.Window) (int, error) {
	rw := readWindow(w, 0)
	start, end, top := graphTime(rw.Start), graphTime(rw.End), int32(pageSize)
	resp, err := src.client.users.ByUserId(rs.room).CalendarView().Get(ctx, &users.ItemCalendarViewRequestBuilderGetRequestConfiguration{
		Headers: calendarHeaders(),
		QueryParameters: &users.ItemCalendarViewRequestBuilderGetQueryParameters{
			StartDateTime: &start, EndDateTime: &end, Top: &top, Select: calendarSelect,
		},
	})
	v := view{masters: rs.view.masters}.clone()
	for pages := 1; ; pages++ {
		if err != nil {
			return 0, src.set.describe(ctx, err, opCalendar, rs.room)
		}
		if resp == nil {
			return 0, src.unusable(rs.room, "Graph sent an empty answer to the calendar view")
		}
		for _, m := range resp.GetValue() {
			v.apply(m)
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" {
			break
		}
		if pages >= maxPages {
			return 0, src.unusable(rs.room, fmt.Sprintf("the calendar view did not end after %d pages", maxPages))
		}
		resp, err = src.client.users.ByUserId(rs.room).CalendarView().WithUrl(next).
			Get(ctx, &users.ItemCalendarViewRequestBuilderGetRequestConfiguration{Headers: calendarHeaders()})
	}
	if err := src.complete(ctx, rs.room, v, rw, nil); err != nil {
		return 0, err
	}
	rs.view, rs.readAt = v, src.set.now()
	return len(v.events), nil
}

// unusable is a requestError for an answer that breaks Graph's protocol.
func (src *Source) unusable(room, what string) *requestError {
	return &requestError{
		room:      room,
		transient: true,
		msg:       fmt.Sprintf("reading the calendar of room %s: %s", room, what),
		wrapped:   []error{booking.ErrUnusable},
	}
}

// graphTime formats an instant for startDateTime/endDateTime.
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
