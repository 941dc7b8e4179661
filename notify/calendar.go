package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// calendarProductID is the PRODID of the calendar files.
const calendarProductID = "-//net2booking//notify//EN"

// CalendarUID returns the UID of a booking's event in the calendar file: derived from the
// source and the booking's UID only, so that a later email about the same booking (moved,
// changed) updates the event the person already imported instead of adding a second one.
func CalendarUID(source, uid string) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(len(source)) + ":" + source + uid)) // unambiguous
	return hex.EncodeToString(sum[:16]) + "@net2booking"
}

// CalendarFile returns the calendar file (SPEC B8) attached to n's email: an iCalendar
// object (RFC 5545) with METHOD:PUBLISH and one VEVENT per upcoming booking. Each event spans
// the booking's access window (DTSTART/DTEND = AccessFrom/AccessUntil in UTC, the booking's
// own times where no access window is given), its SUMMARY names the resources and its
// DESCRIPTION gives the booking's own times in the site's zone. now is the DTSTAMP. It
// returns nil when n has no bookings.
func CalendarFile(n Notification, now time.Time, o RenderOptions) ([]byte, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.DateFormat == "" {
		o.DateFormat = DefaultDateFormat
	}
	list := slices.Clone(upcoming(n))
	if len(list) == 0 {
		return nil, nil
	}
	slices.SortStableFunc(list, func(a, b Booking) int { return a.Start.Compare(b.Start) })

	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, calendarProductID)
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	seen := map[string]bool{}
	for _, b := range list {
		uid := CalendarUID(b.Source, b.UID)
		if seen[uid] {
			continue // the same booking listed twice (in Bookings and Upcoming by a careless caller)
		}
		seen[uid] = true
		from, until := b.AccessFrom, b.AccessUntil
		if from.IsZero() || until.IsZero() {
			from, until = b.Start, b.End
		}
		if until.Before(from) {
			return nil, fmt.Errorf("calendar file: booking %s from %s ends before it starts", CleanText(b.UID), CleanText(b.Source))
		}
		names := make([]string, 0, len(b.Resources))
		for _, r := range b.Resources {
			if r = CleanText(r); r != "" {
				names = append(names, r)
			}
		}
		what := strings.Join(names, ", ")
		if what == "" {
			what = "Booking"
		}
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, uid)
		ev.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeStart, from.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeEnd, until.UTC())
		ev.Props.SetText(ical.PropSummary, "Access: "+what)
		if len(names) > 0 {
			ev.Props.SetText(ical.PropLocation, what)
		}
		desc := "Booking: " + formatRange(b.Start, b.End, o) + "\n" +
			"Doors open for you: " + formatRange(from, until, o)
		ev.Props.SetText(ical.PropDescription, desc)
		ev.Props.SetText(ical.PropTransparency, "OPAQUE")
		cal.Children = append(cal.Children, ev.Component)
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("calendar file: %w", err)
	}
	return foldLines(buf.Bytes()), nil
}

// foldLines folds content lines longer than 75 octets (RFC 5545 section 3.1) at a UTF-8
// character boundary, continuing with CRLF and a space. go-ical writes lines unfolded.
func foldLines(b []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(b), "\r\n") {
		body := strings.TrimSuffix(line, "\r\n")
		limit := 75
		for len(body) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(body[cut]) {
				cut--
			}
			out.WriteString(body[:cut])
			out.WriteString("\r\n ")
			body = body[cut:]
			limit = 74 // the leading space counts
		}
		out.WriteString(body)
		if strings.HasSuffix(line, "\r\n") {
			out.WriteString("\r\n")
		}
	}
	return out.Bytes()
}
