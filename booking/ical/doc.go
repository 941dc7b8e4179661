// Package ical is the booking source for iCal feeds (SPEC F1–F4, F6): Skedda, Booked /
// LibreBooking and "roughly compatible" calendars, fetched over HTTP(S) or read from a local
// file, turned into booking.Bookings for the planner. It is the first step of the flow: a
// wrong instant here locks a customer out or lets a stranger in, so it reads RFC 5545
// exactly where feeds follow it and leniently, but never silently, where real feeds do not.
//
// github.com/emersion/go-ical is the parser of record for component and property syntax; this
// package wraps it (see /work/shared/research/ical.md §3) to fix what it gets wrong on real
// feeds:
//
//   - input hygiene: a UTF-8 BOM is dropped; CRLF, LF and CR-only line endings and folds
//     (space or TAB, even inside a UTF-8 sequence) are accepted; a feed larger than the size
//     cap, an empty or non-iCalendar body, a truncated feed (no END:VCALENDAR) and any content
//     line go-ical rejects or panics on make the whole fetch fail (ErrTooLarge,
//     ErrMalformed), never "no bookings". Problems confined to one event skip that event
//     with a booking.Warning naming the feed (redacted), the UID, the reason and the line.
//   - streaming: the feed is cut into top-level components first and each VEVENT is decoded
//     by go-ical on its own, so memory stays proportional to what bookings need.
//   - time zones (tz.go): IANA names, in-feed VTIMEZONEs (fixed offsets like Skedda's UTC+02,
//     or STANDARD/DAYLIGHT rules with RRULE/RDATE), Windows names (CLDR table), UTC±hh[:mm].
//     An IANA name wins over an in-feed VTIMEZONE of the same name. An unresolvable zone
//     skips the event with a warning; nothing is ever read as UTC by default.
//   - floating times and DATE (all-day) values are read in the feed's X-WR-TIMEZONE when it
//     resolves, else in the configured site zone (Options.SiteLocation, default time.Local).
//   - wall clock to instant (wallclock.go) follows RFC 5545 §3.3.5: a time in a DST gap uses
//     the offset before the gap, an ambiguous time its first occurrence.
//   - recurrence (recur.go): RRULE (several allowed), EXDATE and RDATE lists (DATE,
//     DATE-TIME, PERIOD), RECURRENCE-ID overrides (moved into or out of the window,
//     cancelled, RANGE=THISANDFUTURE), expanded in the wall-clock space of DTSTART's zone
//     only up to the requested window, with a per-rule occurrence cap (a warning when hit).
//     DTEND gives each occurrence the same exact length, DURATION the same nominal length
//     (RFC 5545 §3.8.5.3); between two DATE values the length is a number of days.
//   - statuses: CANCELLED/CANCELED and METHOD:CANCEL give booking.StatusCancelled (also
//     for one overridden occurrence), TENTATIVE and unknown statuses booking.StatusTentative
//     (the planner's policy decides). Of two copies of one UID (and RECURRENCE-ID) the higher
//     SEQUENCE, then the later DTSTAMP, then the later in the feed wins.
//   - dialects (dialect.go): Skedda takes every ATTENDEE (not CUTYPE=ROOM/RESOURCE, not
//     PARTSTAT=DECLINED, not ROLE=NON-PARTICIPANT) and every RESOURCES property split on
//     unescaped commas; Booked takes ORGANIZER (the "Private" placeholder gives nobody) and
//     LOCATION read leniently (raw commas kept). Auto picks per feed by PRODID, else by the
//     properties the events carry, and says so in FetchResult.Notes.
//   - HTTP (feed.go): a timeout, conditional GET (ETag / Last-Modified; a 304 re-expands the
//     last parsed calendar), Retry-After on 429/503 honoured with the injected clock (capped
//     at one hour), non-2xx as *StatusError. Feed URLs are secrets: RedactURL is used for
//     every name, log line and error, including the *url.Error net/http returns.
package ical
