package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/net2booking/net2booking/booking"
)

// roomBookings turns the events of one room into bookings overlapping w, and warnings for
// events it had to skip or read in part. It is a pure function of its inputs.
func (s *settings) roomBookings(room string, events map[string]event, w booking.Window) ([]booking.Booking, []booking.Warning) {
	ids := make([]string, 0, len(events))
	for id := range events {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	var warns []booking.Warning
	byKey := map[string]int{}
	var out []booking.Booking
	for _, id := range ids {
		ev := events[id]
		if ev.Type == "seriesMaster" {
			continue // calendarView lists the occurrences themselves
		}
		b, ok, problems := s.toBooking(room, ev)
		for _, p := range problems {
			warns = append(warns, booking.Warning{Source: s.Name, UID: b.UID, Reason: fmt.Sprintf("room %s: %s", room, p)})
		}
		if !ok || !b.Overlaps(w) {
			continue
		}
		// A mailbox can hold two copies of one occurrence (a forwarded or re-sent request):
		// keep one, preferring a copy that is not cancelled, so the key stays unique.
		if i, dup := byKey[b.Key()]; dup {
			if out[i].Status == booking.StatusCancelled && b.Status != booking.StatusCancelled {
				out[i] = b
			}
			continue
		}
		byKey[b.Key()] = len(out)
		out = append(out, b)
	}
	return out, warns
}

// toBooking converts one event; problems are reasons for warnings. When ok is false the event
// gives no booking (b then carries only the UID, for the warning).
func (s *settings) toBooking(room string, ev event) (b booking.Booking, ok bool, problems []string) {
	uid := ev.ICalUID
	if uid == "" {
		uid = "graph-id:" + ev.ID
	}
	b = booking.Booking{
		Source:    s.Name,
		UID:       uid + "/" + room,
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
// IncludeAttendees every attendee except resources, the selected rooms, the room itself and
// those who declined. Each address appears once, the organizer first.
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
