// Package feedgen generates iCal feeds for benchmarks: a Skedda-style feed of any size, and
// the inputs that test memory bounded by the input (junk inside a valid VCALENDAR, long
// RDATE and EXDATE lists, concatenated calendars, distinct VTIMEZONEs, tiny events). It is used by booking/ical's benchmarks and by the
// whole-process benchmark of cmd/net2booking, so both measure the same bytes.
package feedgen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"time"
)

// Skedda generates a realistic Skedda-style feed: CRLF, lines folded at 75 octets,
// UTC+01/UTC+02 VTIMEZONEs chosen per date as Skedda does, ATTENDEE with CN, repeated
// RESOURCES, SUMMARY/SEQUENCE/DTSTAMP/STATUS on every event, and with notes a DESCRIPTION of
// two folded lines: about 591 bytes an event with notes, 430 without (100,000 events: 59 and
// 43 MB).
func Skedda(events, persons, resources int, notes bool) []byte {
	var b bytes.Buffer
	b.Grow(events * 600) // the benchmark holds no slack
	line := func(s string) {
		// Fold at 75 octets (RFC 5545 §3.1), continuation lines start with a space.
		for len(s) > 75 {
			b.WriteString(s[:75])
			b.WriteString("\r\n ")
			s = s[75:]
		}
		b.WriteString(s)
		b.WriteString("\r\n")
	}
	line("BEGIN:VCALENDAR")
	line("PRODID:-//Skedda Pty Ltd//Skedda//EN")
	line("VERSION:2.0")
	for _, off := range []string{"+01", "+02"} {
		line("BEGIN:VTIMEZONE")
		line("TZID:UTC" + off)
		line("BEGIN:STANDARD")
		line("DTSTART:20160101T020000")
		line("TZNAME:UTC" + off)
		line("TZOFFSETFROM:" + off + "00")
		line("TZOFFSETTO:" + off + "00")
		line("END:STANDARD")
		line("END:VTIMEZONE")
	}
	rng := rand.New(rand.NewPCG(42, 7))
	room := RoomName
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range events {
		day := base.AddDate(0, 0, i%365)
		start := day.Add(time.Duration(7+rng.IntN(11))*time.Hour + time.Duration(rng.IntN(4))*15*time.Minute)
		end := start.Add(time.Duration(1+rng.IntN(8)) * 30 * time.Minute)
		tz := "UTC+01"
		if m := day.Month(); m >= time.April && m <= time.October {
			tz = "UTC+02"
		}
		p := rng.IntN(persons)
		name := fmt.Sprintf("Person%04d Surname%04d", p, p)
		nres := 1 + rng.IntN(3)
		rooms := make([]string, nres)
		for j := range rooms {
			rooms[j] = room(rng.IntN(resources))
		}
		line("BEGIN:VEVENT")
		line(fmt.Sprintf("ATTENDEE;CN=%s:mailto:person%04d.surname@example.com", name, p))
		if notes {
			line(fmt.Sprintf(`DESCRIPTION:Spaces: %s\n\nNotes: Weekly planning session with the product and engineering teams`, joinEscaped(rooms)))
		}
		line("DTEND;TZID=" + tz + ":" + end.Format("20060102T150405"))
		line("DTSTAMP:20260127T120000Z")
		line("DTSTART;TZID=" + tz + ":" + start.Format("20060102T150405"))
		for _, r := range rooms {
			line("RESOURCES:" + r)
		}
		line("SEQUENCE:0")
		line("STATUS:CONFIRMED")
		line(fmt.Sprintf("SUMMARY:%s: Team meeting (%s + %d others)", name, rooms[0], nres-1))
		line(fmt.Sprintf("UID:%d_%d", 24600000+i, 639052344000000000+int64(i)*36000000000))
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

func joinEscaped(rooms []string) string {
	var b bytes.Buffer
	for i, r := range rooms {
		if i > 0 {
			b.WriteString(`\, `)
		}
		b.WriteString(r)
	}
	return b.String()
}

// RoomName is the name of resource i in a Skedda feed, for a configuration that maps it.
func RoomName(i int) string { return fmt.Sprintf("Meeting Room %03d – Floor %d", i, i%7) }

// Junk is a valid VCALENDAR with one event, then about size bytes of X- lines nobody reads,
// then another event: the input of "memory bounded by the input". With inEvents the junk is
// inside 200 events instead, each with a folded X- property (a huge DESCRIPTION, say).
func Junk(size int, inEvents bool) []byte {
	var b bytes.Buffer
	b.Grow(size + 1024)
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	event := func(uid string) {
		b.WriteString("BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTART:20260603T090000Z\r\nDTEND:20260603T110000Z\r\n")
		b.WriteString("ATTENDEE;CN=Junk Person:mailto:junk@example.com\r\nRESOURCES:" + RoomName(0) + "\r\nEND:VEVENT\r\n")
	}
	event("before-junk@example.com")
	line := "X-JUNK:" + string(bytes.Repeat([]byte("j"), 70)) + "\r\n"
	if inEvents {
		fold := " " + string(bytes.Repeat([]byte("j"), 74)) + "\r\n"
		for i := range 200 {
			b.WriteString(fmt.Sprintf("BEGIN:VEVENT\r\nUID:junk-%d@example.com\r\nDTSTART:20260603T090000Z\r\nDTEND:20260603T100000Z\r\n", i))
			b.WriteString("ATTENDEE;CN=Junk Person:mailto:junk@example.com\r\nRESOURCES:" + RoomName(i%200) + "\r\nX-JUNK:j\r\n")
			for end := (i + 1) * size / 200; b.Len() < end; {
				b.WriteString(fold)
			}
			b.WriteString("END:VEVENT\r\n")
		}
	} else {
		for b.Len() < size {
			b.WriteString(line)
		}
	}
	event("after-junk@example.com")
	b.WriteString("END:VCALENDAR\r\n")
	return b.Bytes()
}

// Lists is one weekly series carrying about size bytes of EXDATE (or, with rdates, RDATE)
// lists of 50 DATE-TIMEs a line, then a single event: a series under the size limit may list
// a million dates.
func Lists(size int, rdates bool) []byte {
	var b bytes.Buffer
	b.Grow(size + 1024)
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	b.WriteString("BEGIN:VEVENT\r\nUID:lists@example.com\r\nDTSTART:20260107T090000Z\r\nDURATION:PT2H\r\nRRULE:FREQ=WEEKLY\r\n")
	b.WriteString("ATTENDEE;CN=List Person:mailto:lists@example.com\r\nRESOURCES:" + RoomName(0) + "\r\n")
	name := "EXDATE:"
	if rdates {
		name = "RDATE:"
	}
	for n := 0; b.Len() < size; n += 50 {
		b.WriteString(name)
		for i := range 50 {
			if i > 0 {
				b.WriteByte(',')
			}
			d := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(n+i) * time.Hour)
			b.WriteString(d.Format("20060102T150405Z"))
		}
		b.WriteString("\r\n")
	}
	b.WriteString("END:VEVENT\r\n")
	b.WriteString("BEGIN:VEVENT\r\nUID:single@example.com\r\nDTSTART:20260603T090000Z\r\nDTEND:20260603T110000Z\r\n")
	b.WriteString("ATTENDEE;CN=Single Person:mailto:single@example.com\r\nRESOURCES:" + RoomName(1) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.Bytes()
}

// Concatenated is about size bytes of VCALENDARs one after the other, each with the same
// rule-based VTIMEZONE (a TZID that is not an IANA name) and one event in it, as tools that
// merge exports write them.
func Concatenated(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 1024)
	vtz := "BEGIN:VTIMEZONE\r\nTZID:Central Europe Custom\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
	for i := 0; b.Len() < size; i++ {
		b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n" + vtz)
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:merged-%d@example.com\r\nDTSTART;TZID=Central Europe Custom:20260603T1%d0000\r\nDURATION:PT1H\r\n", i, i%2)
		fmt.Fprintf(&b, "ATTENDEE;CN=Merged %d:mailto:merged%d@example.com\r\nRESOURCES:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", i%500, i%500, RoomName(i%200))
	}
	return b.Bytes()
}

// VTimezones is about size bytes of distinct rule-based VTIMEZONEs (Outlook's form: DTSTART
// in 1601, yearly rules), then 1,000 events, each in one of them: a feed may define a zone
// per event.
func VTimezones(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 400_000)
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	zones := 0
	for ; b.Len() < size; zones++ {
		std := zones%12 + 1
		fmt.Fprintf(&b, "BEGIN:VTIMEZONE\r\nTZID:Custom Zone %d\r\n"+
			"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+%02d00\r\nTZOFFSETTO:+%02d00\r\nEND:STANDARD\r\n"+
			"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+%02d00\r\nTZOFFSETTO:+%02d00\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n",
			zones, std+1, std, std, std+1)
	}
	for i := range 1000 {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:tz-%d@example.com\r\nDTSTART;TZID=Custom Zone %d:20260603T100000\r\nDURATION:PT24H\r\n"+
			"ATTENDEE;CN=Zone Person %d:mailto:tz%d@example.com\r\nRESOURCES:%s\r\nEND:VEVENT\r\n", i, i*zones/1000, i, i, RoomName(i%200))
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.Bytes()
}

// Alarms is about size bytes of two-hour bookings, each with a reminder (a VALARM, as
// Outlook and Google write them), for 500 persons in 200 rooms: every event is a booking,
// and each holds little besides.
func Alarms(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 1024)
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:alarm-%d@example.com\r\nDTSTART:20260603T090000Z\r\nDURATION:PT2H\r\n"+
			"ATTENDEE;CN=Alarm %d:mailto:alarm%d@example.com\r\nRESOURCES:%s\r\n"+
			"BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nEND:VALARM\r\nEND:VEVENT\r\n",
			i, i%500, i%500, RoomName(i%200))
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.Bytes()
}

// Tiny is about size bytes of the smallest events a feed may hold (a UID and a DTSTART), in
// one room and for one person each: a feed under the size limit may hold two million.
func Tiny(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 1024)
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%d\r\nDTSTART:20260603T090000Z\r\nEND:VEVENT\r\n", i)
	}
	b.WriteString("BEGIN:VEVENT\r\nUID:tiny@example.com\r\nDTSTART:20260603T090000Z\r\nDTEND:20260603T110000Z\r\n" +
		"ATTENDEE;CN=Tiny Person:mailto:tiny@example.com\r\nRESOURCES:" + RoomName(2) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.Bytes()
}
