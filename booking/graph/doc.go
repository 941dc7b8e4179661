// Package graph is the booking source for Outlook / Microsoft 365 room calendars (SPEC F5):
// the adapter between Microsoft Graph and booking.Booking, at the start of the flow
// "sources → plan → Net2". It reads each selected room mailbox's calendar with an Entra ID
// app registration (client credentials: tenant, client id, client secret), and lists the
// tenant's rooms and room lists for `net2booking rooms` (ListRooms, WriteRooms).
//
// It is built on msgraph-sdk-go's sub-packages (users, places, models) rather than the root
// package, which halves the build time, and on azidentity for the token. Only this package
// and the command import the SDK; the core packages never do (see deps_test.go).
//
// # What a booking is
//
// Every event in a room's calendar view becomes one booking.Booking:
//
//   - Resources is the room's address, lower-case (the configuration maps it to doors).
//   - UID is the event's iCalUId followed by "/" and the room's address; for an occurrence or
//     exception of a recurring series it is the series master's iCalUId (Graph gives every
//     occurrence an iCalUId of its own in calendarView, and none in delta). RecurrenceID is
//     the occurrence's original start (Graph's originalStart) for occurrences and exceptions,
//     zero for a single meeting. Key() is therefore the same whether the room was read by
//     delta or by plain calendarView, stable across polls (also when an occurrence is moved),
//     and unique per occurrence and room. The room is part of the UID because one meeting
//     that books two rooms has a copy in each room's calendar, each with its own response and
//     times: they are two bookings, one per room.
//   - Persons is the organizer, plus, when IncludeAttendees is set, every attendee that the
//     room's copy of the meeting lists. Attendees of type resource and the selected rooms are
//     left out, and an attendee whose response reads "declined" — but the room's copy shows
//     every attendee's response as "none" (only the organizer's copy tracks responses), so in
//     practice attendees who declined are persons too; and the room's copy may list only some
//     attendees. An organizer that is the room itself (a booking made in the room's own
//     calendar) gives no person. A booking without a person opens no door and Fetch returns a
//     Warning for it.
//   - Status: Cancelled when the event is cancelled (isCancelled) or the room declined it;
//     Tentative when Outlook shows it as tentative (showAs "tentative") or the room
//     accepted it tentatively (for example a room whose bookings await a delegate's
//     approval); Confirmed otherwise, including showAs "free". The policy decides whether
//     tentative bookings open doors (access.tentative_grants_access).
//   - All-day events come back from Graph as whole dates at midnight UTC; they are read as
//     whole days of the site's time zone (Options.SiteLocation), like iCal DATE values.
//
// # How a room is read
//
// Each room is followed with calendarView/delta: the first fetch reads the whole view (in
// pages), later fetches ask only for the changes (added, updated, and "@removed" events).
// The delta link is kept in memory only; a restart starts with a full read. A delta round
// is fixed to the window it started with, so it covers the requested window plus a day on
// each side, and a new round (a full read) starts when a requested window is no longer
// inside it — about once a day as the planning window moves with the clock — or when the
// round is a day old, or when Graph says the delta link has expired (410 Gone,
// syncStateNotFound). When Graph refuses the delta query for a room but allows the plain
// calendar view (for example a private cloud without delta support), that room is read with
// calendarView (with $select) in full on every fetch.
//
// Recurring meetings need more than the view. Delta sends their occurrences as stubs (id,
// type, seriesMasterId, start and end only) and the series master in full, the master again
// only when it changed; so the masters are kept per room across rounds and a stub is
// completed from its master (organizer, attendees, status). A master that is not known is
// read by id (GET /users/{room}/events/{id}); so is an exception that came as a stub (its
// original start keys the booking; its attendees and status are its own). Delta does not
// report a deleted occurrence: when a master comes changed in an incremental round, that
// series' occurrences are read again over the round's window (/events/{id}/instances) and
// replace the ones held, so a deleted or cancelled occurrence stops granting at the next
// fetch.
//
// Every calendar request carries Prefer: outlook.timezone="UTC", also on the second and
// later pages. At most four requests are in flight at once per app (client id and Graph
// host), shared by every source and rooms listing of the process, as Outlook counts its
// limit per app whatever the mailbox. 429/503/504 answers are retried by the SDK's retry
// handler honouring Retry-After; a Retry-After longer than 30 seconds is not waited for
// in-line: the room is then not asked again before that time.
//
// Rooms are listed from the places API, which answers at most $top rooms a page and no
// nextLink: ListRooms asks for 999 at a time with $skip until a page comes back short, and
// fails, saying the list is incomplete, if Graph fails part-way.
//
// # When a room or the source fails (SPEC B3)
//
//   - A room that fails keeps its last good bookings (from this process), and Fetch adds a
//     Warning naming the room and what an admin should do.
//   - A room that fails before it was ever read since start-up has no last good bookings.
//     If the failure is one that only the admin can fix for that room (unknown mailbox, 404;
//     access to that mailbox denied, 403), the room contributes no bookings and a warning.
//     Any other failure (throttling, a server or network error, a timeout, an unreadable
//     answer) fails the whole Fetch, so the engine keeps the source's last good bookings
//     instead of reading the room as empty.
//   - When every room fails, Fetch fails (usually the credentials, the tenant or the
//     network), even if the rooms have last good bookings: the engine keeps those anyway.
//
// Errors name the room and what to do; they never contain the client secret or a token.
package graph
