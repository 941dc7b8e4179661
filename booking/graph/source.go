package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/net2booking/net2booking/booking"
)

// Source reads the calendars of the selected room mailboxes through Microsoft Graph. It
// implements booking.BookingSource; it keeps each room's last good view and delta link in
// memory between fetches. Fetch may be called from one goroutine at a time (calls are
// serialised).
type Source struct {
	set    *settings
	client *client
	mu     sync.Mutex
	rooms  []*roomState
}

var _ booking.BookingSource = (*Source)(nil)

// New checks opts and returns a Source. It does no network I/O: credentials, permissions and
// rooms are first tried by Fetch (or ListRooms).
func New(opts Options) (*Source, error) {
	s, err := opts.settings(true)
	if err != nil {
		return nil, err
	}
	c, err := newClient(s)
	if err != nil {
		return nil, err
	}
	src := &Source{set: s, client: c}
	for _, r := range s.rooms {
		src.rooms = append(src.rooms, &roomState{room: r})
	}
	return src, nil
}

// Name identifies the source in logs, warnings and memos.
func (src *Source) Name() string { return src.set.Name }

// Fetch returns the bookings of every selected room that overlap w. Rooms are read in
// parallel (at most MaxConcurrency requests in flight for the app, shared with its other
// sources and listings). A room that fails keeps its last good
// bookings and adds a warning; see the package comment for when the fetch fails as a whole.
func (src *Source) Fetch(ctx context.Context, w booking.Window) (booking.FetchResult, error) {
	if !w.Start.Before(w.End) {
		return booking.FetchResult{}, fmt.Errorf("%s: empty window %s", src.set.Name, w)
	}
	src.mu.Lock()
	defer src.mu.Unlock()

	type outcome struct {
		note string
		err  *requestError
	}
	outs := make([]outcome, len(src.rooms))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(src.set.limit, len(src.rooms)) {
		wg.Go(func() {
			for i := range work {
				rs := src.rooms[i]
				note, err := src.syncRoom(ctx, rs, w)
				if err != nil {
					re := src.set.describe(ctx, err, opCalendar, rs.room)
					if re.retryAfter > maxInlineRetryAfter {
						rs.notBefore = src.set.now().Add(re.retryAfter)
					}
					outs[i] = outcome{err: re}
					continue
				}
				outs[i] = outcome{note: note}
			}
		})
	}
	for i := range src.rooms {
		work <- i
	}
	close(work)
	wg.Wait()

	var res booking.FetchResult
	var failed, blocking []*requestError
	for i, rs := range src.rooms {
		o := outs[i]
		if o.err != nil {
			failed = append(failed, o.err)
			src.set.log.Debug("room could not be read", "room", rs.room, "error", o.err.msg)
			if rs.view.events == nil {
				if o.err.transient {
					blocking = append(blocking, o.err)
				}
				res.Warnings = append(res.Warnings, booking.Warning{Source: src.set.Name,
					Reason: o.err.msg + "; this room has not been read since start-up, so it has no bookings yet"})
				continue
			}
			res.Warnings = append(res.Warnings, booking.Warning{Source: src.set.Name,
				Reason: fmt.Sprintf("%s; its bookings as read at %s stay in force", o.err.msg, rs.readAt.UTC().Format(time.RFC3339))})
		} else {
			res.Notes = append(res.Notes, rs.room+": "+o.note)
		}
		bs, ws := src.set.roomBookings(rs.room, rs.view, w)
		res.Bookings = append(res.Bookings, bs...)
		res.Warnings = append(res.Warnings, ws...)
	}
	switch {
	case len(failed) == len(src.rooms):
		return booking.FetchResult{}, &fetchError{source: src.set.Name, errs: failed, all: true}
	case len(blocking) > 0:
		return booking.FetchResult{}, &fetchError{source: src.set.Name, errs: blocking}
	}
	booking.SortBookings(res.Bookings)
	return res, nil
}

// fetchError is a Fetch that failed as a whole; it unwraps to each room's error, so
// errors.Is(err, ErrCredentials) and the like work.
type fetchError struct {
	source string
	errs   []*requestError
	all    bool
}

func (e *fetchError) Error() string {
	var msgs []string
	seen := map[string]bool{}
	for _, re := range e.errs {
		if !seen[re.msg] {
			seen[re.msg] = true
			msgs = append(msgs, re.msg)
		}
	}
	const show = 3
	more := ""
	if len(msgs) > show {
		more = fmt.Sprintf("; and %d more", len(msgs)-show)
		msgs = msgs[:show]
	}
	if e.all {
		return fmt.Sprintf("%s: no room could be read: %s%s", e.source, strings.Join(msgs, "; "), more)
	}
	return fmt.Sprintf("%s: a room not read since start-up failed, so the source's bookings are held as they were: %s%s", e.source, strings.Join(msgs, "; "), more)
}

func (e *fetchError) Unwrap() []error {
	out := make([]error, len(e.errs))
	for i, re := range e.errs {
		out[i] = re
	}
	return out
}
