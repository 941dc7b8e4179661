package graph

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/net2booking/net2booking/booking"
)

// roomBookings turns the events of one room into bookings overlapping w, and warnings for
// events it had to skip or read in part, and for bookings that give no one access. It is a
// pure function of its inputs.
func (s *settings) roomBookings(room string, v view, w booking.Window) ([]booking.Booking, []booking.Warning) {
	var warns []booking.Warning
	byKey := map[string]int{}
	var out []booking.Booking
	var why []string // per booking: why it has no person ("" when it has one)
	for _, id := range slices.Sorted(maps.Keys(v.events)) {
		ev := v.events[id]
		if ev.Type == "seriesMaster" {
			continue // calendarView lists the occurrences themselves
		}
		var master *event
		if m, ok := v.masters[ev.SeriesMasterID]; ok && ev.SeriesMasterID != "" {
			master = &m
		}
		b, ok, problems := s.toBooking(room, ev, master)
		for _, p := range problems {
			warns = append(warns, booking.Warning{Source: s.Name, UID: b.UID, Reason: fmt.Sprintf("room %s: %s", room, p)})
		}
		if !ok || !b.Overlaps(w) {
			continue
		}
		reason := ""
		if len(b.Persons) == 0 {
			reason = s.noPersonReason(room, fill(ev, master), master)
		}
		// A mailbox can hold two copies of one occurrence (a forwarded or re-sent request):
		// keep one, preferring a copy that is not cancelled, so the key stays unique.
		if i, dup := byKey[b.Key()]; dup {
			if out[i].Status == booking.StatusCancelled && b.Status != booking.StatusCancelled {
				out[i], why[i] = b, reason
			}
			continue
		}
		byKey[b.Key()] = len(out)
		out = append(out, b)
		why = append(why, reason)
	}
	for i, b := range out {
		if why[i] != "" && b.Status != booking.StatusCancelled {
			warns = append(warns, booking.Warning{Source: s.Name, UID: b.UID, Reason: fmt.Sprintf(
				"room %s: the booking %s–%s has no person, so it opens no door: %s", room,
				b.Start.UTC().Format(time.RFC3339), b.End.UTC().Format(time.RFC3339), why[i])})
		}
	}
	return out, warns
}

// noPersonReason says why the booking of ev (already completed from master) has no person.
func (s *settings) noPersonReason(room string, ev event, master *event) string {
	if ev.Partial && master == nil {
		return "Graph sent this occurrence without its details and its series could not be read"
	}
	if org, err := booking.NormalizeEmail(ev.Organizer.Address); err == nil && (org == room || s.isRoom(org)) {
		return "it was entered in the room's own calendar (the room is its organizer); book the room from the organizer's calendar instead"
	}
	return "Graph names no organizer with a usable address"
}

// bookingUID is the UID of the booking of ev in room. A single meeting is keyed by its
// iCalUId. An occurrence or exception of a series is keyed by its master's iCalUId (Graph
// gives each occurrence an iCalUId of its own in calendarView, and none in delta's stubs),
// so that its key is the same whichever way the room was read.
func bookingUID(room string, ev event, master *event) string {
	uid := ev.ICalUID
	switch {
	case ev.SeriesMasterID != "" && master != nil && master.ICalUID != "":
		uid = master.ICalUID
	case ev.SeriesMasterID != "":
		uid = "graph-series:" + ev.SeriesMasterID
	case uid == "":
		uid = "graph-id:" + ev.ID
	}
	return uid + "/" + room
}

// toBooking converts one event, completed from its series master when it is a stub (master
// may be nil); problems are reasons for warnings. When ok is false the event gives no booking
// (b then carries only the UID, for the warning).
func (s *settings) toBooking(room string, ev event, master *event) (b booking.Booking, ok bool, problems []string) {
	ev = fill(ev, master)
	b = booking.Booking{
		Source:    s.Name,
		UID:       bookingUID(room, ev, master),
		Resources: []string{room},
		Status:    status(ev),
		AllDay:    ev.AllDay,
	}
	if ev.Problem != "" {
		return booking.Booking{UID: b.UID}, false, []string{"skipped: " + ev.Problem}
	}
	b.Start, b.End = ev.Start, ev.End
	if ev.AllDay {
		b.Start, b.End = s.wholeDays(ev.Start, ev.End)
	}
	if ev.Type == "occurrence" || ev.Type == "exception" || ev.SeriesMasterID != "" {
		b.RecurrenceID = ev.OriginalStart
		if b.RecurrenceID.IsZero() {
			b.RecurrenceID = ev.Start // no originalStart: the occurrence's own start
		}
	}
	b.Persons, problems = s.persons(room, ev)
	return b, true, problems
}

// status maps an event of the room's calendar to a booking status (see the package comment).
func status(ev event) booking.Status {
	switch {
	case ev.Cancelled, ev.Response == "declined":
		return booking.StatusCancelled
	case ev.ShowAs == "tentative", ev.Response == "tentativelyAccepted":
		return booking.StatusTentative
	}
	return booking.StatusConfirmed
}

// wholeDays reads an all-day event's dates as whole days of the site. Graph sends all-day
// events as dates at midnight UTC whatever time zone was asked for; should an event come with
// other times, they are taken as the instants they are.
func (s *settings) wholeDays(start, end time.Time) (time.Time, time.Time) {
	if !isMidnight(start) || !isMidnight(end) {
		return start, end
	}
	day := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.site)
	}
	return day(start), day(end)
}

func isMidnight(t time.Time) bool {
	h, m, sec := t.Clock()
	return h == 0 && m == 0 && sec == 0 && t.Nanosecond() == 0
}

// persons returns who the booking grants access to: the organizer, and with
// IncludeAttendees every attendee listed except resources, the selected rooms, the room
// itself and those whose response reads "declined" (rare: the room's copy shows "none" for
// everyone). Each address appears once, the organizer first.
func (s *settings) persons(room string, ev event) ([]booking.Person, []string) {
	var out []booking.Person
	var problems []string
	seen := map[string]bool{}
	add := func(a address, role booking.Role) {
		if a.Address == "" {
			return
		}
		p, err := booking.NewPerson(a.Address, a.Name, role)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s skipped: %v", role, err))
			return
		}
		if p.Email == room || s.isRoom(p.Email) || seen[p.Email] {
			return
		}
		seen[p.Email] = true
		out = append(out, p)
	}
	add(ev.Organizer, booking.RoleOrganizer)
	if s.IncludeAttendees {
		attendees := slices.Clone(ev.Attendees)
		slices.SortStableFunc(attendees, func(a, b attendee) int {
			return cmp.Compare(strings.ToLower(a.Address), strings.ToLower(b.Address))
		})
		for _, a := range attendees {
			if a.Type == "resource" || a.Response == "declined" {
				continue
			}
			add(a.address, booking.RoleAttendee)
		}
	}
	return out, problems
}
