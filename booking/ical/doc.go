// Package ical is the booking source for iCal feeds (SPEC F1–F4, F6): Skedda, Booked /
// LibreBooking and "roughly compatible" calendars, fetched over HTTP(S) or read from a local
// file, turned into booking.Bookings for the planner. It is the first step of the flow: a
// wrong instant here locks a customer out or lets a stranger in, so it reads RFC 5545
// exactly where feeds follow it and leniently, but never silently, where real feeds do not.
//
// github.com/emersion/go-ical is the parser of record for component and property syntax; this
// package wraps it (see docs/research/ical.md §3) to fix what it gets wrong on real
// feeds:
//
//   - input hygiene (lines.go, stream.go): a UTF-8 BOM is dropped; a feed saved as UTF-16
//     (told by its BOM, else by the zero bytes of "BEGIN:") is read as UTF-8; CRLF, LF and
//     CR-only line endings are accepted, and so is CR CR LF (a CRLF feed converted once
//     more: when the feed's first 256 KiB hold one, streamed or not, every run of CRs before
//     an LF is one line end); every line is unfolded before anything looks at it (a fold
//     may sit anywhere, also right after the property name or inside BEGIN); spaces around
//     a BEGIN's or END's value (`END:VEVENT `) are no part of it, and lines of spaces before
//     the calendar, or indentation before its BEGIN, are skipped. Only a feed larger
//     than the size cap, an empty or non-iCalendar body, a truncated feed (a component never
//     closed), absurd nesting or an unreadable METHOD make the whole fetch fail (ErrTooLarge,
//     ErrMalformed), never "no bookings". One bad line (go-ical rejects or panics on it, a
//     raw line break leaves a line without colon, an END is mistyped or missing: a VEVENT
//     or other calendar-level component begun inside an event ends it) costs only its event:
//     it is skipped with a booking.Warning naming the feed (redacted), the line, the UID
//     when known and the reason. A line without a colon after a property nobody reads (a
//     raw line break in a DESCRIPTION, as Halaxy writes them) is the rest of that value,
//     and costs nothing. An unquoted CN holding ';' or ':' (Booked) is read
//     leniently. A mistyped END of the calendar itself on the last line is read as
//     END:VCALENDAR, with a warning. Text that is no UTF-8 at all (a Latin-1 or
//     Windows-1252 export) is read as Windows-1252; damaged UTF-8 keeps U+FFFD (text.go,
//     validText). Past the first 1,000 warnings of a parse only their number is kept.
//   - streaming and cores (stream.go): ParseReader (used by Feed for files and HTTP bodies)
//     reads the feed as it arrives. The scan follows only the structure and copies each
//     event's body into a batch; workers, one per core, split, decode and read the batches
//     while the scan goes on, and their buffers are reused, so memory holds a few batches.
//     A VTIMEZONE or calendar property after the events (legal, rare) makes the events be
//     read again in the final context: a file or []byte is read again, an HTTP feed fetched
//     again. go-ical decodes each distinct name+parameter prefix and each repeated line about
//     once per parse, and the lines of thousands of persons (`ATTENDEE;CN=...`) through one
//     template with their parameter values left out (decode.go). The answer does not depend
//     on the number of cores.
//   - time zones (tz.go, vtimezone.go, displayname.go): IANA names, in-feed VTIMEZONEs
//     (fixed offsets like Skedda's UTC+02, or STANDARD/DAYLIGHT rules with RRULE/RDATE
//     evaluated near the instant whatever their DTSTART year, Outlook's 1601 included; TZIDs
//     unescaped, so `Kuala Lumpur\, Singapore` matches TZID="Kuala Lumpur, Singapore"), an
//     IANA name in another case where the feed defines none of that name (europe/vienna),
//     Windows names (CLDR table; also Exchange's tzone://Microsoft/Utc), Windows display
//     names as Exchange 2010 and Outlook on the web publish them without a VTIMEZONE
//     (`(UTC-05:00) Eastern Time (US & Canada)`, `(GMT+10:00) Canberra, Melbourne, Sydney`,
//     Exchange's CDO and Zimbra's `(GMT+01.00) Sarajevo/Warsaw/Zagreb`: through the Windows
//     zone of an English name that names no IANA place, else the first place named that is
//     an IANA zone of the stated standard offset), their places alone when at least two are
//     IANA zones that keep one time all year, UTC±hh[:mm] and GMT±hh:mm. An unquoted TZID
//     holding a colon (`DTSTART;TZID=GMT+05:30:20120904T020000`, Google's) runs to the next
//     ';' or the line's last colon, as libical reads it (quoteTZID).
//     An IANA name wins over an in-feed VTIMEZONE of exactly its name; a TZID matches a
//     VTIMEZONE also in another case (through a map by fold key), and one parse asks the
//     zone database in vain at most maxParseIANAMisses times. An unresolvable zone
//     skips the event with a warning; nothing is ever read as UTC by default. A VTIMEZONE
//     whose observances have rules that are not yearly is refused. A VTIMEZONE is
//     checked when read (a broken one is reported wherever it occurs), built once per
//     distinct text in a parse (concatenated exports repeat one per VCALENDAR), and its
//     rules are kept only once an event uses the zone: until then a zone of the usual form
//     (yearly "n-th weekday of a month" rules, no RDATE) is held in 32 bytes an observance,
//     any other as its text. Thousands of VTIMEZONEs are built on every core as they come.
//   - floating times and DATE (all-day) values are read in the feed's X-WR-TIMEZONE when it
//     resolves, else in the configured site zone (Options.SiteLocation, default time.Local);
//     a floating DTEND, EXDATE, RDATE or RECURRENCE-ID of an event whose DTSTART has a zone
//     is read in that zone. A value written VALUE=DATE with a time of day
//     (`DTSTART;VALUE=DATE:20090117T200000`) is that date-time, with a warning for DTSTART
//     and DTEND: read as a whole day, as Google does, a booking of two hours would open the
//     door all day (parseTimeText).
//   - wall clock to instant (wallclock.go) follows RFC 5545 §3.3.5: a time in a DST gap uses
//     the offset before the gap, an ambiguous time its first occurrence.
//   - recurrence (recur.go): RRULE (several allowed; an empty one, as Calendar Labs
//     writes on single events, names no rule; an empty item of a BY list names nothing, a
//     list of none is refused; a value in quotes, `BYDAY="TH"`, is read without them;
//     RFC 7529's RSCALE=GREGORIAN with SKIP=OMIT is RFC 5545's rule, other calendars are
//     refused), EXDATE and RDATE lists (DATE,
//     DATE-TIME, PERIOD; an empty item, as a trailing comma leaves, names no date; a date
//     written with a Z, as Google wrote `RDATE:20131210Z`, is that date), RECURRENCE-ID
//     overrides (moved into or out of the window, cancelled, RANGE=THISANDFUTURE; in a
//     series of whole days, an EXDATE or RECURRENCE-ID written as a DATE-TIME, as Exchange
//     and Google write them, names its day: dayOf; a UID whose every component has a
//     RECURRENCE-ID and whose components with a rule all name one, which names the
//     component itself, as Connect Daily writes each series, is a series:
//     seriesAmongOverrides;
//     what a rule leaves open comes from DTSTART, also the weekday of YEARLY;BYWEEKNO (and of
//     WEEKLY;BYWEEKNO, which RFC 5545 does not allow) and the month of YEARLY;BYMONTHDAY;
//     BYSETPOS picks among the days of whole weeks, DTSTART's too; a series of whole days
//     ignores BYHOUR, BYMINUTE and BYSECOND and meets a sub-daily FREQ at midnight, as RFC
//     5545 and libical read them: ruleSpec.prepare, onlyDays, intoItsWeek),
//     DTSTART is an occurrence also where its rule does not match it (RFC 5545 §3.8.5.3,
//     whose "Friday the 13th" example excludes its DTSTART by EXDATE for that reason), and
//     COUNT counts the rule's occurrences: libical, ical.js 2.2 and python-dateutil leave
//     such a DTSTART out, so the series is the union of both readings and nobody is locked
//     out of a time the feed names,
//     RFC 2445's EXRULE (deprecated by RFC 5545, still written), whose occurrences are
//     excluded as EXDATEs are (one that cannot be read costs the event, as an RRULE does;
//     one stopped by the occurrence cap leaves the series' later occurrences out),
//     expanded in the wall-clock space of DTSTART's zone
//     only up to the requested window, and from a whole number of periods before it
//     (a rule without COUNT; ruleSpec.nearWindow), not from a DTSTART years ago, with a
//     per-rule occurrence cap and one for all the rules of a feed together
//     (DefaultMaxFeedOccurrences: a 37 KB feed of 200 FREQ=MINUTELY series made 10 million
//     bookings), each with a warning naming the series it stops.
//     A rule whose parts can never match (BYMONTH=2;BYMONTHDAY=30, BYWEEKNO=53;BYMONTH=6,
//     a BYSETPOS no period reaches, FREQ=MINUTELY;BYSETPOS=2) is dropped up front with a
//     warning (DTSTART stays an occurrence) instead of being searched to the year 9999 on
//     every expansion: the known classes at once, any other by one search of a whole
//     calendar cycle, per rule (an HOURLY, MINUTELY or SECONDLY rule as the daily rules of
//     the days it visits). Not proven, and so still searched by rrule-go: one whose visits
//     come back to the same time of day only after so many days that the cycle exceeds
//     2,000 years (FREQ=HOURLY;INTERVAL=25 with BYHOUR) and whose day parts would match on
//     some day, were it visited. A MONTHLY or YEARLY BYDAY that mixes numbered and plain
//     weekdays (BYDAY=MO,1WE: every Monday and the first Wednesday), which rrule-go reads as
//     days that are both (none), is expanded as two rules; with COUNT or BYSETPOS, which
//     count or pick among both kinds' days together, as two rrule-go rules merged period by
//     period (jointEach), checked against a day-by-day reference.
//     DTEND gives each occurrence the same exact length, DURATION the same nominal length
//     (RFC 5545 §3.8.5.3); between two DATE values the length is a number of days, and a
//     DTEND equal to a DATE DTSTART is one day, as no DTEND is. A DURATION of whole 24 hours
//     beside a DATE DTSTART (Google's PT86400S) is that many days; a DTEND or DURATION with
//     a time of day there (RFC 5545 allows neither), or an RDATE with one in a series of
//     days, keeps the times the feed names, and only a booking from a midnight to a
//     midnight of its days' zone is AllDay (wholeDays).
//     A DTSTART, DTEND, DURATION or RECURRENCE-ID given twice is read as its first, and a
//     DURATION beside a DTEND is ignored (RFC 5545 allows one of each), with a warning. A
//     duration ending in a T with no time ("P1DT", which some clients send) is its days.
//   - statuses: CANCELLED/CANCELED and METHOD:CANCEL give booking.StatusCancelled (also
//     for one overridden occurrence), TENTATIVE and unknown statuses booking.StatusTentative
//     (the planner's policy decides). Of two copies of one UID (and RECURRENCE-ID) the higher
//     SEQUENCE, then the later DTSTAMP, then the later in the feed wins.
//   - dialects (dialect.go): Skedda takes every ATTENDEE (not CUTYPE=ROOM/RESOURCE, not
//     PARTSTAT=DECLINED, not ROLE=NON-PARTICIPANT) and every RESOURCES property split on
//     unescaped commas; Booked takes ORGANIZER (the "Private" placeholder gives nobody) and
//     LOCATION read leniently (raw commas kept). Auto picks per feed by PRODID, else by the
//     properties the events carry, and says so in FetchResult.Notes. A person whose value
//     is no email address (a CalDAV server's urn:uuid:) is the address of its EMAIL
//     parameter (RFC 7986); a CN left unquoted around ';' or ':' (Booked) is read whole.
//     When most events that name a person and a resource somewhere open no door in the
//     dialect read (a Skedda feed read as booked, or ATTENDEE paired with LOCATION, which
//     fools auto), a warning says so and names the dialect that reads them, or the pair.
//   - HTTP (feed.go): a timeout, conditional GET (ETag / Last-Modified; a 304 re-expands the
//     last parsed calendar), Retry-After on 429/503 honoured with the injected clock (capped
//     at one hour), non-2xx as *StatusError. Feed URLs are secrets: RedactURL is used for
//     every name, log line and error, including the *url.Error net/http returns.
package ical
