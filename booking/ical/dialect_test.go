package ical

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

func TestSkeddaRepeatedResourcesAndEscapedCommas(t *testing.T) {
	res := parseFixture(t, "skedda_resources.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	b := one(t, res, "resources@example.org")
	assert.Equal(t, []string{"Studio A, left wing", "Studio B", "Hall 3", `Lab\: 2`, `Back\slash;semi`}, b.Resources)
	// An admin block without attendee: a booking with no person, and no warning.
	nb := one(t, res, "no-attendee@example.org")
	assert.Empty(t, nb.Persons)
	assert.Equal(t, []string{"Hall 3"}, nb.Resources)
}

func TestSkeddaAttendees(t *testing.T) {
	res := parseFixture(t, "attendees.ics", ParseOptions{}).Bookings(wide)
	b := one(t, res, "attendees@example.org")
	require.Len(t, b.Persons, 2)
	assert.Equal(t, booking.Person{Email: "jane.doe@example.com", DisplayName: "Doe, Jane", FirstName: "Jane",
		LastName: "Doe", Role: booking.RoleAttendee}, b.Persons[0], "quoted CN, MAILTO in upper case")
	assert.Equal(t, "max.miller@example.com", b.Persons[1].Email)
	assert.Equal(t, `Max "The Key" Miller`, b.Persons[1].DisplayName, "RFC 6868 ^' decoded")
	// DECLINED, CUTYPE=ROOM/RESOURCE and NON-PARTICIPANT give nobody; a duplicate address is
	// one person; an empty address is a warning.
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, "attendee skipped")

	// Several attendees, none of whom takes part, are no persons, as one such attendee is:
	// nil, not an empty list (the room made for them is not kept).
	cal, err := Parse([]byte("BEGIN:VCALENDAR\nPRODID:-//Skedda Pty Ltd//Skedda//EN\n"+
		"BEGIN:VEVENT\nUID:one@example.org\nDTSTART:20260610T090000Z\nRESOURCES:Room 1\n"+
		"ATTENDEE;PARTSTAT=DECLINED:mailto:a@example.org\nEND:VEVENT\n"+
		"BEGIN:VEVENT\nUID:two@example.org\nDTSTART:20260610T090000Z\nRESOURCES:Room 1\n"+
		"ATTENDEE;PARTSTAT=DECLINED:mailto:a@example.org\nATTENDEE;CUTYPE=ROOM:mailto:room@example.org\nEND:VEVENT\n"+
		"BEGIN:VEVENT\nUID:three@example.org\nDTSTART:20260610T090000Z\nRESOURCES:Room 1\n"+
		"ATTENDEE;PARTSTAT=DECLINED:mailto:a@example.org\nATTENDEE:mailto:b@example.org\nATTENDEE:mailto:c@example.org\nEND:VEVENT\n"+
		"END:VCALENDAR\n"), ParseOptions{Name: "x"})
	require.NoError(t, err)
	res = cal.Bookings(wide)
	assert.Nil(t, one(t, res, "one@example.org").Persons)
	assert.Nil(t, one(t, res, "two@example.org").Persons)
	three := one(t, res, "three@example.org").Persons
	require.Len(t, three, 2)
	assert.Equal(t, "b@example.org", three[0].Email)
	assert.Equal(t, "c@example.org", three[1].Email)
	assert.Equal(t, 2, cap(three))
}

// A calendar user whose value is no email address (a CalDAV server's urn:uuid:) is the
// address of its EMAIL parameter (RFC 7986 §6.9); a mailto: value wins over EMAIL; an EMAIL
// that is no address either leaves the attendee skipped with a warning.
func TestEmailParameter(t *testing.T) {
	feed := "BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n"
	for uid, line := range map[string]string{
		"urn":    `ATTENDEE;CN=Ann Lee;EMAIL=ann@example.org:urn:uuid:6f2b1c3e-0d4a-4b8e-9f1a-2c3d4e5f6a7b`,
		"quoted": `ATTENDEE;EMAIL="Bo@Example.org";CN=Bo:urn:uuid:11111111-2222-3333-4444-555555555555`,
		"mailto": `ATTENDEE;CN=Cy;EMAIL=cy.other@example.org:mailto:cy@example.org`,
		"bad":    `ATTENDEE;CN=Di;EMAIL=nobody:urn:uuid:99999999-2222-3333-4444-555555555555`,
	} {
		feed += "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\n" + line + "\r\nRESOURCES:Room\r\nEND:VEVENT\r\n"
	}
	cal, err := Parse([]byte(feed+"END:VCALENDAR\r\n"), ParseOptions{Name: "x"})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	emails := map[string][]string{}
	for _, b := range res.Bookings {
		for _, p := range b.Persons {
			emails[b.UID] = append(emails[b.UID], p.Email+" "+p.DisplayName)
		}
	}
	assert.Equal(t, map[string][]string{"urn": {"ann@example.org Ann Lee"}, "quoted": {"bo@example.org Bo"}, "mailto": {"cy@example.org Cy"}}, emails)
	w, ok := warningFor(res, "bad")
	require.True(t, ok, "%v", res.Warnings)
	assert.Contains(t, w.Reason, "attendee skipped")
	assert.Len(t, res.Warnings, 1)
}

func TestBookedRawCommasAndPrivate(t *testing.T) {
	res := parseFixture(t, "booked_private.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings, "Private must not spam warnings")
	assert.Contains(t, res.Notes[0], "dialect booked")
	b := one(t, res, "66f1a2b3c4d5e&booking.example.org")
	assert.Equal(t, []string{"Room 1, Floor 2"}, b.Resources)
	assert.Equal(t, []booking.Person{{Email: "olga.owner@example.org", DisplayName: "Olga Owner", FirstName: "Olga",
		LastName: "Owner", Role: booking.RoleOrganizer}}, b.Persons, "attendees are not persons in the Booked dialect")
	p := one(t, res, "66f1a2b3c4d5f&booking.example.org")
	assert.Empty(t, p.Persons)
	assert.Equal(t, []string{"Room 1, Floor 2"}, p.Resources, "escaped comma reads the same")
	assert.Equal(t, booking.StatusTentative, p.Status)
	assert.Empty(t, one(t, res, "66f1a2b3c4d60&booking.example.org").Persons)
}

func TestAutoDetection(t *testing.T) {
	for _, tc := range []struct {
		file string
		want Dialect
		why  string
	}{
		{"seed_skedda.ics", DialectSkedda, "PRODID"},
		{"booked_private.ics", DialectBooked, "PRODID"},
		{"seed_booked.ics", DialectBooked, "LOCATION 1"},
		{"auto_props.ics", DialectSkedda, "RESOURCES 2, LOCATION 1"},
		{"tz_windows.ics", DialectBooked, "LOCATION 4"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			note := parseFixture(t, tc.file, ParseOptions{}).Bookings(wide).Notes[0]
			assert.Contains(t, note, "dialect "+string(tc.want)+" (auto")
			assert.Contains(t, note, tc.why)
		})
	}
	res := parseFixture(t, "auto_props.ics", ParseOptions{}).Bookings(wide)
	assert.Equal(t, []string{"Desk 5"}, one(t, res, "auto-2@example.org").Resources)
}

func TestTextUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:                "plain",
		`a\,b\;c\\d`:           `a,b;c\d`,
		`line\nbreak\Nx`:       "line\nbreak\nx",
		`odd\:colon`:           `odd\:colon`,
		`trailing\`:            `trailing\`,
		"Room 1, Floor 2":      "Room 1, Floor 2",
		"bad\xffutf8":          "badÿutf8",      // Windows-1252
		"Caf\xc3\xa9 \xe9\x80": "Café \uFFFD",   // damaged UTF-8: one replacement a run
		"\uFFFD \xe9":          "\uFFFD \uFFFD", // a replacement character is UTF-8 too
		"\x80 \xe9t\xe9":       "€ été",
		`\\,`:                  `\,`,
		`ends with escape\,`:   "ends with escape,",
	} {
		assert.Equal(t, want, unescapeText(in), in)
	}
	assert.Equal(t, []string{`A\, B`, "C", "", `D\\`, ""}, splitTextList(`A\, B,C,,D\\,`))
	assert.Equal(t, "a\nb^c\"d^x^", decodeCaret("a^nb^^c^'d^x^"))
}

// TestAWrongDialectSaysSo: a Skedda feed read as booked (and a Booked feed read as skedda)
// finds nobody; instead of "0 warnings" it warns and names the other dialect. auto says
// which dialect it chose.
func TestAWrongDialectSaysSo(t *testing.T) {
	for _, tc := range []struct {
		file         string
		wrong, right Dialect
	}{{"seed_skedda.ics", DialectBooked, DialectSkedda}, {"seed_booked.ics", DialectSkedda, DialectBooked}} {
		cal := parseFixture(t, tc.file, ParseOptions{Dialect: tc.wrong})
		res := cal.Bookings(wide)
		require.NotEmpty(t, res.Warnings, tc.file)
		assert.Contains(t, res.Warnings[0].Reason, "dialect "+string(tc.wrong)+" found no person")
		assert.Contains(t, res.Warnings[0].Reason, "set dialect: "+string(tc.right))

		cal = parseFixture(t, tc.file, ParseOptions{Dialect: tc.right})
		for _, w := range cal.Bookings(wide).Warnings {
			assert.NotContains(t, w.Reason, "found no person", "the right dialect does not warn")
		}
		cal = parseFixture(t, tc.file, ParseOptions{Dialect: DialectAuto})
		assert.Contains(t, strings.Join(cal.Bookings(wide).Notes, "\n"), "dialect "+string(tc.right)+" (auto", "auto says what it chose")
	}
}

// TestDialectMismatchOfOneProperty: events whose resource (or person) is in the other
// dialect's property open no door either. The warning says so, for a configured dialect and
// for auto, and names the other dialect when it reads both, else the pair the events use
// (ATTENDEE with LOCATION fools auto, which chooses by the resource property first). Less
// than half the events, and events naming no one in any property (admin blocks), stay quiet.
func TestDialectMismatchOfOneProperty(t *testing.T) {
	uid := 0 // UIDs differ across feeds, which body joins
	feed := func(prodid string, n int, props ...string) string {
		var b strings.Builder
		b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:" + prodid + "\r\n")
		for range n {
			uid++
			fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:e%d@example.org\r\nDTSTART:20260603T090000Z\r\nDURATION:PT1H\r\n", uid)
			for _, p := range props {
				b.WriteString(p + "\r\n")
			}
			b.WriteString("END:VEVENT\r\n")
		}
		return b.String()
	}
	body := func(feed string) string { return feed[strings.Index(feed, "BEGIN:VEVENT"):] } // its events
	const (
		generic   = "-//Example//Rooms//EN"
		attendee  = "ATTENDEE;CN=Ann:mailto:ann@example.org"
		organizer = "ORGANIZER;CN=Ann:mailto:ann@example.org"
		location  = "LOCATION:Room 1"
		resources = "RESOURCES:Room 1"
		block     = "SUMMARY:Closed"
	)
	for _, tc := range []struct {
		name    string
		dialect Dialect
		feed    string
		want    []string // in the first warning; none when empty
	}{
		{"skedda, rooms in LOCATION", DialectSkedda, feed(generic, 4, attendee, location),
			[]string{"dialect skedda found no resource (RESOURCES) in 4 of 4 events that name a person and a resource, so they open no door", "persons in ATTENDEE and resources in LOCATION, a pair no dialect reads"}},
		{"auto, ATTENDEE with LOCATION", DialectAuto, feed(generic, 3, attendee, location),
			[]string{"dialect booked found no person (ORGANIZER) in 3 of 3 events", "persons in ATTENDEE and resources in LOCATION, a pair no dialect reads"}},
		{"auto, ORGANIZER with RESOURCES", DialectAuto, feed(generic, 3, organizer, resources),
			[]string{"dialect skedda found no person (ATTENDEE) in 3 of 3 events", "persons in ORGANIZER and resources in RESOURCES, a pair no dialect reads"}},
		{"booked, a Skedda feed", DialectBooked, feed(generic, 2, attendee, resources),
			[]string{"dialect booked found no person (ORGANIZER) or no resource (LOCATION) in 2 of 2 events", "the feed may be of dialect skedda; set dialect: skedda, or auto to detect it"}},
		{"booked, rooms in RESOURCES only", DialectBooked, feed(generic, 2, organizer, attendee, resources),
			[]string{"dialect booked found no resource (LOCATION) in 2 of 2 events", "set dialect: skedda, or auto"}},
		{"auto, Skedda PRODID, Booked events", DialectAuto, feed("-//Skedda Pty Ltd//Skedda//EN", 2, organizer, location),
			[]string{"dialect skedda found no person (ATTENDEE) or no resource (RESOURCES) in 2 of 2 events", "set dialect: booked"}},
		{"admin blocks", DialectSkedda, feed(generic, 3, block), nil},
		{"no room in any property", DialectSkedda, feed(generic, 3, organizer), nil},
		{"an empty LOCATION", DialectSkedda, feed(generic, 3, attendee, "LOCATION:"), nil},
		{"an empty RESOURCES", DialectBooked, feed(generic, 3, attendee, "RESOURCES:"), nil},
		{"no person in any property", DialectBooked, feed(generic, 3, resources), nil},
		{"blocks beside pairs", DialectSkedda, feed(generic, 1, attendee, location) + body(feed(generic, 5, block)),
			[]string{"dialect skedda found no resource (RESOURCES) in 1 of 1 events that name a person and a resource"}},
		{"the most common pair", DialectSkedda, feed(generic, 1, organizer, resources, attendee, location) + body(feed(generic, 3, attendee, location)) + body(feed(generic, 1, organizer, resources)),
			[]string{"dialect skedda found no person (ATTENDEE) or no resource (RESOURCES) in 4 of 5 events", "they name persons in ATTENDEE and resources in LOCATION, a pair no dialect reads"}},
		{"auto, a Booked feed", DialectAuto, feed(generic, 3, organizer, location, attendee), nil},
		{"half the events", DialectSkedda, feed(generic, 2, attendee, location) + body(feed(generic, 2, attendee, resources)), nil},
	} {
		res := parseText(t, tc.feed+"END:VCALENDAR\r\n", ParseOptions{Name: "mix", Dialect: tc.dialect, SiteLocation: amsterdam}).Bookings(wide)
		if tc.want == nil {
			for _, w := range res.Warnings {
				assert.NotContains(t, w.Reason, "open no door", tc.name)
			}
			continue
		}
		require.NotEmpty(t, res.Warnings, tc.name)
		for _, want := range tc.want {
			assert.Contains(t, res.Warnings[0].Reason, want, tc.name)
		}
		if tc.dialect == DialectAuto {
			assert.NotContains(t, res.Warnings[0].Reason, "or auto", tc.name)
		}
	}
}

// An event with many attendees and resources keeps each once, the first in feed order,
// however many there are: past a few they are looked up in a set, which must agree with the
// comparison of a short list (both read the same feed below, with 3 and with 60 of each).
func TestManyAttendeesAndResourcesOnceEach(t *testing.T) {
	for _, n := range []int{3, 60} {
		var b strings.Builder
		b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nBEGIN:VEVENT\r\nUID:many@example.org\r\nDTSTART:20260603T090000Z\r\nDURATION:PT1H\r\n")
		var wantPersons, wantRooms []string
		for i := range n {
			fmt.Fprintf(&b, "ATTENDEE;CN=P%d:mailto:p%d@example.org\r\n", i, i)
			fmt.Fprintf(&b, "RESOURCES:Room %d,Room %d\r\n", i, i/2) // Room i/2 came before
			wantPersons, wantRooms = append(wantPersons, fmt.Sprintf("p%d@example.org", i)), append(wantRooms, fmt.Sprintf("Room %d", i))
			if i%5 == 4 { // a later duplicate of an earlier one, under another name
				fmt.Fprintf(&b, "ATTENDEE;CN=Again:mailto:p%d@example.org\r\n", i/3)
			}
		}
		fmt.Fprintf(&b, "ATTENDEE:mailto:p%d@example.org\r\nEND:VEVENT\r\n", n-1)
		// The same parties in a second event: what the first had is no duplicate here.
		body := b.String()[strings.Index(b.String(), "BEGIN:VEVENT"):]
		b.WriteString(strings.Replace(body, "UID:many@", "UID:many-2@", 1) + "END:VCALENDAR\r\n")
		cal, err := Parse([]byte(b.String()), ParseOptions{Name: "many", SiteLocation: amsterdam})
		require.NoError(t, err)
		res := cal.Bookings(wide)
		require.Empty(t, res.Warnings)
		for _, uid := range []string{"many@example.org", "many-2@example.org"} {
			got := one(t, res, uid)
			var persons []string
			for _, p := range got.Persons {
				persons = append(persons, p.Email)
				assert.NotEqual(t, "Again", p.DisplayName, "the first of a duplicate address is kept")
			}
			assert.Equal(t, wantPersons, persons, "%d attendees of %s", n, uid)
			assert.Equal(t, wantRooms, got.Resources, "%d resources of %s", n, uid)
		}
	}
}

// One RESOURCES line that names many rooms keeps each once, the first in the line's order,
// through the same set past a few names (a line of 100,000 names was 5e9 comparisons), and
// agrees with the comparison of a short line (3 and 60 names with repeats, empty names and
// an escaped comma).
func TestManyResourcesInOneLineOnceEach(t *testing.T) {
	for _, n := range []int{3, 60} {
		var names, want []string
		for i := range n {
			names = append(names, fmt.Sprintf("Room %d", i))
			want = append(want, fmt.Sprintf("Room %d", i))
			if i%5 == 4 {
				names = append(names, fmt.Sprintf(" Room %d", i/3), "") // a repeat, trimmed, and nothing
			}
		}
		names = append(names, `Hall A\, B`, "Room 0", `Hall A\, B`)
		want = append(want, "Hall A, B")
		feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nBEGIN:VEVENT\r\nUID:list@example.org\r\n" +
			"DTSTART:20260603T090000Z\r\nDURATION:PT1H\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:" + strings.Join(names, ",") + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		cal, err := Parse([]byte(feed), ParseOptions{Name: "list", SiteLocation: amsterdam})
		require.NoError(t, err)
		res := cal.Bookings(wide)
		require.Empty(t, res.Warnings)
		assert.Equal(t, want, one(t, res, "list@example.org").Resources, "%d names", n)
	}
}
