package graph

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	// events is the last good view of the room's calendar, by Graph id; nil until the room
	// was read once.
	events map[string]event
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
// keeps its last good view.
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
			events, link, changes, err := src.runDelta(ctx, rs.room, rs.events, func() (users.ItemCalendarViewDeltaGetResponseable, error) {
				return src.client.users.ByUserId(rs.room).CalendarView().Delta().WithUrl(rs.deltaLink).
					GetAsDeltaGetResponse(ctx, &users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{Headers: calendarHeaders()})
			})
			if err == nil {
				rs.events, rs.deltaLink, rs.readAt = events, link, now
				return plural(changes, "change", "changes") + " (delta)", nil
			}
			var re *requestError
			if !errors.As(err, &re) || !re.syncLost {
				return "", err
			}
			s.log.Info("delta link expired; reading the room's whole calendar view again", "room", rs.room, "reason", re.msg)
		} else {
			s.log.Info("the delta round no longer covers the planning window or is a day old; reading the room's whole calendar view again", "room", rs.room)
		}
		rs.deltaLink = ""
	}

	dw := readWindow(w, slack)
	events, link, _, err := src.runDelta(ctx, rs.room, nil, func() (users.ItemCalendarViewDeltaGetResponseable, error) {
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
		rs.events, rs.deltaLink, rs.deltaWindow, rs.deltaStarted, rs.readAt = events, link, dw, now, now
		return plural(len(events), "event", "events") + " (full delta read)", nil
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

// runDelta runs one delta round: the first page from first(), then every nextLink, applying
// each page to a copy of base. It returns the new view and the round's deltaLink; nothing is
// changed unless the whole round succeeds.
func (src *Source) runDelta(ctx context.Context, room string, base map[string]event,
	first func() (users.ItemCalendarViewDeltaGetResponseable, error)) (map[string]event, string, int, error) {
	events := maps.Clone(base)
	if events == nil {
		events = map[string]event{}
	}
	changes := 0
	resp, err := first()
	for pages := 1; ; pages++ {
		if err != nil {
			return nil, "", 0, src.set.describe(ctx, err, opCalendar, room)
		}
		if resp == nil {
			return nil, "", 0, src.unusable(room, "Graph sent an empty answer to the delta query")
		}
		for _, m := range resp.GetValue() {
			if applyDelta(events, m) {
				changes++
			}
		}
		if link := deref(resp.GetOdataDeltaLink()); link != "" {
			return events, link, changes, nil
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" {
			return nil, "", 0, src.unusable(room, "Graph's delta answer has neither a next link nor a delta link")
		}
		if pages >= maxPages {
			return nil, "", 0, src.unusable(room, fmt.Sprintf("the delta query did not end after %d pages", maxPages))
		}
		resp, err = src.client.users.ByUserId(room).CalendarView().Delta().WithUrl(next).
			GetAsDeltaGetResponse(ctx, &users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{Headers: calendarHeaders()})
	}
}

// applyDelta applies one delta item (an event, or an "@removed" marker) to events.
func applyDelta(events map[string]event, m models.Eventable) bool {
	if m == nil {
		return false
	}
	id := deref(m.GetId())
	if id == "" {
		return false
	}
	if _, removed := removedReason(m); removed {
		delete(events, id)
		return true
	}
	events[id] = fromModel(m)
	return true
}

// readPlain reads the room's whole calendar view over w (with $select, in pages) and
// replaces rs's view on success.
func (src *Source) readPlain(ctx context.Context, rs *roomState, w booking.Window) (int, error) {
	rw := readWindow(w, 0)
	start, end, top := graphTime(rw.Start), graphTime(rw.End), int32(pageSize)
	resp, err := src.client.users.ByUserId(rs.room).CalendarView().Get(ctx, &users.ItemCalendarViewRequestBuilderGetRequestConfiguration{
		Headers: calendarHeaders(),
		QueryParameters: &users.ItemCalendarViewRequestBuilderGetQueryParameters{
			StartDateTime: &start, EndDateTime: &end, Top: &top, Select: calendarSelect,
		},
	})
	events := map[string]event{}
	for pages := 1; ; pages++ {
		if err != nil {
			return 0, src.set.describe(ctx, err, opCalendar, rs.room)
		}
		if resp == nil {
			return 0, src.unusable(rs.room, "Graph sent an empty answer to the calendar view")
		}
		for _, m := range resp.GetValue() {
			applyDelta(events, m)
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
	rs.events, rs.readAt = events, src.set.now()
	return len(events), nil
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
