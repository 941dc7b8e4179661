package ical

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// Issue 11: feeds as the world writes them.

// Item 2: a fold between any two characters, also right after the property name (Mozilla
// Calendar 1.0, KOrganizer 3.1, libical 0.21) and inside BEGIN/END.
func TestFoldAnywhere(t *testing.T) {
	res := parseFixture(t, "fold_anywhere.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	require.Len(t, res.Bookings, 2)
	b := one(t, res, "fold-after-name@example.org")
	assert.Equal(t, "2026-06-10T07:00:00Z/2026-06-10T08:00:00Z", spanOf(b))
	assert.Equal(t, []string{"Room 1"}, b.Resources)
	require.Len(t, b.Persons, 1)
	assert.Equal(t, "fay.fold@example.org", b.Persons[0].Email)
	b = one(t, res, "fold-in-name@example.org")
	assert.Equal(t, "2026-06-11T09:00:00Z/2026-06-11T10:00:00Z", spanOf(b))
	assert.Equal(t, []string{"Room 2"}, b.Resources)
	require.Len(t, b.Persons, 1)
	assert.Equal(t, "gus.fold@example.org", b.Persons[0].Email)
	assert.Equal(t, "Gus Fold", b.Persons[0].DisplayName)

	// The same feed streamed through a reader that returns one byte at a time: folds and
	// line ends split across reads.
	cal, err := ParseReader(&oneByteReader{data: fixture(t, "fold_anywhere.ics")}, ParseOptions{Name: "fold_anywhere.ics", SiteLocation: amsterdam})
	require.NoError(t, err)
	assert.Equal(t, res, cal.Bookings(wide))
}

type oneByteReader struct{ data []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errEOFForTest
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}

// Item 3: a VTIMEZONE whose TZID holds escaped commas, referenced quoted (Microsoft CDO,
// Outlook 12, Exchange 2010) or escaped.
func TestEscapedCommasInTZID(t *testing.T) {
	res := parseFixture(t, "tz_escaped_comma.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, "2026-06-10T01:00:00Z/2026-06-10T02:00:00Z", spanOf(one(t, res, "kl-quoted@example.org")))
	assert.Equal(t, "2026-06-11T01:00:00Z/2026-06-11T02:00:00Z", spanOf(one(t, res, "kl-escaped@example.org")))
	assert.Equal(t, "2026-01-12T10:00:00Z/2026-01-12T11:00:00Z", spanOf(one(t, res, "exchange-custom@example.org")))
}

// Item 4: a TZID holding a colon, unquoted (Google Calendar has written TZID=GMT+05:30 so,
// by libical's account), runs to the next ';' or the line's last colon, in every date-time
// property; GMT±hh:mm is that offset from UTC, but GMT+5 alone (five hours behind UTC in the
// tz database's Etc/GMT+5) resolves nowhere and skips its event.
func TestUnquotedTZIDWithColon(t *testing.T) {
	res := parseFixture(t, "tz_unquoted_colon.ics", ParseOptions{Name: "feed"}).Bookings(wide)
	assert.Equal(t, "2026-06-10T10:00:00Z/2026-06-10T11:00:00Z", spanOf(one(t, res, "gmt-colon@example.org")))
	assert.Equal(t, "2026-06-11T10:00:00Z/2026-06-11T11:00:00Z", spanOf(one(t, res, "gmt-colon-then-param@example.org")))
	assert.Equal(t, "2026-06-12T10:00:00Z/2026-06-12T11:00:00Z", spanOf(one(t, res, "utc-colon@example.org")))
	var series []string
	for _, b := range byUID(res.Bookings)["series@example.org"] {
		series = append(series, spanOf(b))
	}
	assert.ElementsMatch(t, []string{ // the 16th excluded, the 17th moved two hours later
		"2026-06-15T10:00:00Z/2026-06-15T11:00:00Z",
		"2026-06-17T12:00:00Z/2026-06-17T13:00:00Z",
		"2026-06-18T10:00:00Z/2026-06-18T11:00:00Z",
	}, series)
	assert.Empty(t, byUID(res.Bookings)["gmt-hours-only@example.org"])
	w, ok := warningFor(res, "gmt-hours-only@example.org")
	require.True(t, ok, "%v", res.Warnings)
	assert.Contains(t, w.Reason, `time zone "GMT+5" cannot be resolved`)
	assert.Len(t, res.Warnings, 1, "%v", res.Warnings)
}

// A component only a VCALENDAR holds, met inside an event, ends the event that lacks its END:
// a VTIMEZONE after it is the calendar's; a VEVENT inside an unknown X- component is not an
// event of the calendar, as before.
func TestMissingEndBeforeAVTimezone(t *testing.T) {
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:open\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room\r\n" +
		"BEGIN:VTIMEZONE\r\nTZID:Plus Three\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\nUID:zoned\r\nDTSTART;TZID=Plus Three:20260610T120000\r\nDTEND;TZID=Plus Three:20260610T130000\r\nATTENDEE:mailto:b@example.org\r\nRESOURCES:Room\r\nEND:VEVENT\r\n" +
		"BEGIN:X-WRAP\r\nBEGIN:VEVENT\r\nUID:wrapped\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\nATTENDEE:mailto:c@example.org\r\nRESOURCES:Room\r\nEND:VEVENT\r\nEND:X-WRAP\r\n" +
		"END:VCALENDAR\r\n"
	cal, err := Parse([]byte(feed), ParseOptions{Name: "feed"})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	assert.Equal(t, "2026-06-10T09:00:00Z/2026-06-10T10:00:00Z", spanOf(one(t, res, "zoned")))
	assert.Len(t, res.Bookings, 1)
	w, ok := warningFor(res, "open")
	require.True(t, ok, "%v", res.Warnings)
	assert.Contains(t, w.Reason, "BEGIN:VEVENT is never closed (BEGIN:VTIMEZONE at line 10)")
	assert.Len(t, res.Warnings, 1, "%v", res.Warnings)
}

// Spaces and tabs around the value of a BEGIN or END line (a template's `END:VEVENT `, or a
// line of spaces after one, which unfolds into it) and lines of spaces before the calendar
// cost nothing: before, the one cost its event and the other the whole feed.
func TestSpacesAroundBeginAndEnd(t *testing.T) {
	feed := "   \r\n\t\r\n\r\nBEGIN:VCALENDAR \r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n" +
		"BEGIN:VTIMEZONE\t\r\nTZID:Plus Three\r\nBEGIN: STANDARD \r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD  \r\nEND:VTIMEZONE \r\n" +
		"BEGIN:VEVENT  \r\nUID:padded\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room\r\n" +
		"BEGIN:VALARM \r\nACTION:DISPLAY\r\nATTENDEE:mailto:stranger@example.org\r\nEND:VALARM\t\r\nEND:VEVENT  \r\n" +
		"BEGIN:VEVENT\r\nUID:zoned\r\nDTSTART;TZID=Plus Three:20260610T120000\r\nDTEND;TZID=Plus Three:20260610T130000\r\nATTENDEE:mailto:b@example.org\r\nRESOURCES:Room\r\nEND:VEVENT\r\n" +
		"    \r\n" + // unfolds into END:VEVENT
		"END:VCALENDAR\t\r\n"
	for way, parse := range everyWay([]byte(feed), ParseOptions{Name: "feed"}) {
		cal, err := parse()
		require.NoError(t, err, way)
		res := cal.Bookings(wide)
		assert.Empty(t, res.Warnings, way)
		assert.Equal(t, "2026-06-10T09:00:00Z/2026-06-10T10:00:00Z", spanOf(one(t, res, "padded")), way)
		padded := one(t, res, "padded")
		require.Len(t, padded.Persons, 1, "%s: not the alarm's attendee", way)
		assert.Equal(t, "a@example.org", padded.Persons[0].Email, way)
		assert.Equal(t, "2026-06-10T09:00:00Z/2026-06-10T10:00:00Z", spanOf(one(t, res, "zoned")), way)
	}
	// The first BEGIN:VCALENDAR indented, as a template literal leaves it.
	indented := "                  BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:indented\nDTSTART:20260610T090000Z\nDTEND:20260610T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"
	for way, parse := range everyWay([]byte(indented), ParseOptions{Name: "feed"}) {
		cal, err := parse()
		require.NoError(t, err, way)
		assert.Equal(t, "2026-06-10T09:00:00Z/2026-06-10T10:00:00Z", spanOf(one(t, cal.Bookings(wide), "indented")), way)
	}
	_, err := Parse([]byte("   \r\nX-NOT:A CALENDAR\r\n"), ParseOptions{Name: "feed"})
	require.ErrorIs(t, err, ErrMalformed, "spaces are skipped, not what follows them")
	assert.Contains(t, err.Error(), `line 2: expected BEGIN:VCALENDAR, got "X-NOT:A CALENDAR"`)
	_, err = Parse([]byte("  X-NOT:A CALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), ParseOptions{Name: "feed"})
	require.ErrorIs(t, err, ErrMalformed, "indentation is skipped, not what follows it")
}

// quoteTZID quotes an unquoted TZID holding a colon, and leaves every other line alone.
func TestQuoteTZID(t *testing.T) {
	for line, want := range map[string]string{
		"DTSTART;TZID=GMT+05:30:20260610T153000":                 `DTSTART;TZID="GMT+05:30":20260610T153000`,
		"DTSTART;VALUE=DATE-TIME;TZID=A:B:C:20260610T153000":     `DTSTART;VALUE=DATE-TIME;TZID="A:B:C":20260610T153000`,
		"EXDATE;TZID=GMT+05:30;X-A=1:20260610T153000,20260611T1": `EXDATE;TZID="GMT+05:30";X-A=1:20260610T153000,20260611T1`,
		"DTSTART;TZID=Europe/Berlin:20260610T153000":             "",
		`DTSTART;TZID="W. Europe: x":20260610T153000`:            "",
		`DTSTART;TZID="W. Europe Standard Time:20200609T090000"`: "",
		"DTSTART;X-A=a:b;TZID=Europe/Berlin:20260610T153000":     "", // the first colon ends X-A's value
		"DTSTART;TZID=Europe/Berlin;X-A=b:c:20260610T153000":     "",
		"DTSTART:20260610T153000;TZID=a:b":                       "",
		"DTSTART;TZID=:20260610T153000:":                         "",
	} {
		got := quoteTZID([]byte(line))
		if want == "" {
			assert.Nil(t, got, line)
		} else {
			assert.Equal(t, want, string(got), line)
		}
	}
}

// Item 4: one bad line costs one event, with a warning naming the feed, the line, the UID
// when known and the reason; an unquoted CN with a `;` or `:` is read leniently, both where
// go-ical rejects the line and where it reads the line otherwise (a parameter named " JOHN",
// a value that begins with the rest of the name).
func TestOneBadLineCostsOneEvent(t *testing.T) {
	res := parseFixture(t, "bad_lines.ics", ParseOptions{Name: "https://booked.example.com/***"}).Bookings(wide)
	got := byUID(res.Bookings)
	persons := map[string][2]string{ // UID: email, display name
		"good-1@example.org":                  {"ann@example.org", "Ann Good"},
		"good-2@example.org":                  {"ann@example.org", "Ann Good"},
		"unquoted-cn@example.org":             {"jane.doe@example.org", "Doe; Jane"},
		"cn-semicolon-then-param@example.org": {"john.smith@example.org", "Smith; John"},
		"cn-colon@example.org":                {"smith.colon@example.org", "Smith: John"},
		"cn-colon-then-param@example.org":     {"kim.lee@example.org", "Lee: Kim"},
		"cn-underscore-param@example.org":     {"ann.v@example.org", "Ann"}, // a parameter, not the CN's
		"after-missing-end@example.org":       {"bo.after@example.org", "Bo After"},
	}
	for uid, want := range persons {
		require.Len(t, got[uid], 1, uid)
		require.Len(t, got[uid][0].Persons, 1, uid)
		assert.Equal(t, want[0], got[uid][0].Persons[0].Email, uid)
		assert.Equal(t, want[1], got[uid][0].Persons[0].DisplayName, uid)
	}
	require.Len(t, got["raw-cr@example.org"], 1)
	assert.Equal(t, "eve@example.org", got["raw-cr@example.org"][0].Persons[0].Email)
	assert.NotContains(t, got["raw-cr@example.org"][0].Persons[0].DisplayName, "\r")
	assert.Len(t, res.Bookings, len(persons)+1)

	want := map[string][]string{
		"stray-quote@example.org": {"line 17 (property \"ATTENDEE\")", "unterminated quoted string", "VEVENT at line 12"},
		"panic-tzid@example.org":  {"line 23 (property \"DTSTART\")", "decoder failed", "VEVENT at line 21"},
		"raw-lf@example.org":      {"line 32", "no colon", "VEVENT at line 28"},
		"typo-end@example.org":    {"line 56", "END:\"VEVNT\" does not close BEGIN:VEVENT", "VEVENT at line 50"},
		// END:VEVENT (and END:VALARM) forgotten: the next BEGIN:VEVENT ends the event.
		"missing-end@example.org": {"BEGIN:VEVENT is never closed (BEGIN:VEVENT at line 101)", "VEVENT at line 92"},
	}
	for uid, parts := range want {
		w, ok := warningFor(res, uid)
		require.True(t, ok, "warning for %s in %v", uid, res.Warnings)
		assert.Equal(t, "https://booked.example.com/***", w.Source)
		for _, part := range parts {
			assert.Contains(t, w.Reason, part, uid)
		}
		assert.Contains(t, w.Reason, "event skipped")
	}
	require.Len(t, res.Warnings, len(want), "%v", res.Warnings)

	// The existing minimal cases: a panic on a TZID without colon, junk after a quoted CN.
	for file, line := range map[string]string{"panic_tzid.ics": "line 5", "panic_cn.ics": "line 7"} {
		res := parseFixture(t, file, ParseOptions{}).Bookings(wide)
		assert.Empty(t, res.Bookings, file)
		require.Len(t, res.Warnings, 1, file)
		assert.Contains(t, res.Warnings[0].Reason, line, file)
		assert.NotEmpty(t, res.Warnings[0].UID, file)
	}
}

// A raw line break inside the value of a property nobody reads (Halaxy's DESCRIPTION, as
// GAS-ICS-Sync issue 108 quotes it: `Patients\: ` then `Jane Doe` on a line of its own)
// leaves lines without a colon that are the rest of that value: the event is read whole, with
// no warning. After a property that is read, or when the line starts like one (a CN cut by the
// break), the line may have cut what the event is read for, and the event is still skipped.
func TestRawLineBreakInAValueNobodyReads(t *testing.T) {
	ev := func(uid string, lines ...string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\n" +
			strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n"
	}
	const person, room = "ATTENDEE;CN=Ann:mailto:ann@example.org", "RESOURCES:Room 1"
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n" +
		ev("description@example.org", person, `DESCRIPTION:Patients\: `, "Jane Doe", "", "Note: bring the key", "and the card", room) +
		ev("x-prop@example.org", "X-NOTES:first", "second", person, room) +
		ev("folded-then-raw@example.org", person, "SUMMARY:a long", " folded summary", "cut by a raw break", room) +
		ev("after-resources@example.org", person, "RESOURCES:Room 1,", "Room 2") +
		ev("cut-cn@example.org", room, "DESCRIPTION:notes", "ATTENDEE;CN=Ann", "Smith:mailto:ann@example.org") +
		ev("first-line@example.org", "Jane Doe", person, room) +
		"END:VCALENDAR\r\n"
	res := parseText(t, feed, ParseOptions{Name: "raw", SiteLocation: time.UTC}).Bookings(wide)
	got := byUID(res.Bookings)
	for _, uid := range []string{"description@example.org", "x-prop@example.org", "folded-then-raw@example.org"} {
		require.Len(t, got[uid], 1, uid)
		assert.Equal(t, "ann@example.org", got[uid][0].Persons[0].Email, uid)
		assert.Equal(t, []string{"Room 1"}, got[uid][0].Resources, uid)
		_, warned := warningFor(res, uid)
		assert.False(t, warned, uid)
	}
	for uid, line := range map[string]string{"after-resources@example.org": "line 41", "cut-cn@example.org": "line 49", "first-line@example.org": "line 56"} {
		assert.Empty(t, got[uid], uid)
		w, ok := warningFor(res, uid)
		require.True(t, ok, "warning for %s in %v", uid, res.Warnings)
		assert.Contains(t, w.Reason, line+": ", uid)
		assert.Contains(t, w.Reason, "no colon", uid)
	}
	assert.Len(t, res.Bookings, 3)
}

// Item 5: rules that can never match are found up front; DTSTART stays the one occurrence.
func TestImpossibleRecurrences(t *testing.T) {
	res := parseFixture(t, "recur_impossible.ics", ParseOptions{}).Bookings(win("2026-01-01T00:00:00Z", "2029-01-01T00:00:00Z"))
	got := byUID(res.Bookings)
	for _, name := range []string{"feb30", "apr-jun-31", "first-monday-15th", "sixth-monday", "march-never-reached", "tuesday-never-reached", "setpos-10", "yearday-outside"} {
		uid := name + "@example.org"
		require.Len(t, got[uid], 1, uid)
		assert.Equal(t, "2026-01-05T09:00:00Z/2026-01-05T10:00:00Z", spanOf(got[uid][0]))
		w, ok := warningFor(res, uid)
		require.True(t, ok, uid)
		assert.Contains(t, w.Reason, "never matches", uid)
	}
	// Rare but possible rules are kept.
	assert.Equal(t, []string{"2026-01-05T09:00:00Z/2026-01-05T10:00:00Z", "2028-02-29T09:00:00Z/2028-02-29T10:00:00Z"}, spans(got["leap-day@example.org"]))
	fridays := got["friday-13th@example.org"]
	require.Greater(t, len(fridays), 4)
	for _, b := range fridays[1:] {
		assert.Equal(t, time.Friday, b.Start.Weekday())
		assert.Equal(t, 13, b.Start.Day())
	}
	for _, b := range got["last-monday-25th@example.org"][1:] {
		assert.Equal(t, time.Monday, b.Start.Weekday())
		assert.GreaterOrEqual(t, b.Start.Day(), 25)
	}
	for _, uid := range []string{"leap-day@example.org", "friday-13th@example.org", "last-monday-25th@example.org"} {
		_, warned := warningFor(res, uid)
		assert.False(t, warned, uid)
	}
	for _, rule := range []string{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "FREQ=MONTHLY;BYDAY=5FR", "FREQ=MONTHLY;BYDAY=-1SU;BYSETPOS=1", "FREQ=WEEKLY;INTERVAL=7;BYDAY=TU"} {
		rs, err := parseRRule(rule)
		require.NoError(t, err)
		assert.NoError(t, checkFeasible(rs.opt, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)), rule)
	}
}

// Item 6: junk inside a valid VCALENDAR costs no memory: what is not read is not kept.
func TestJunkIsNotKept(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
	junk := "X-JUNK:" + strings.Repeat("j", 70) + "\r\n"
	for b.Len() < 8<<20 {
		b.WriteString(junk)
	}
	b.WriteString("BEGIN:VEVENT\r\nUID:after-junk@example.org\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\n")
	b.WriteString("DESCRIPTION:" + strings.Repeat("d", 2<<20) + "\r\n") // one over-long line nobody reads
	b.WriteString("RESOURCES:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	s := &scanner{p: &parser{}}
	lr := newStreamReader(bytes.NewReader(b.Bytes()), DefaultMaxBytes)
	lr.skip = s.skipLine
	for {
		ok, err := s.step(lr)
		require.NoError(t, err)
		if !ok {
			break
		}
	}
	require.Len(t, s.p.pending, 1)
	rc := s.p.pending[0]
	assert.Empty(t, rc.props, "no calendar property kept")
	// The event's batch, handed out (its body passed batchBytes) or kept for the end.
	batches := rc.batches
	for _, j := range rc.jobs {
		<-j.done
		batches = append(batches, j.b)
	}
	require.Len(t, batches, 1)
	assert.Less(t, batches[0].data.size(), maxLine+lineHead, "of the over-long line only about maxLine bytes are kept, not the junk")
	s.p.stop()
	assert.LessOrEqual(t, cap(lr.buf), 2*maxLine, "the reader holds at most about one maximal line, never the junk")

	cal, err := ParseReader(bytes.NewReader(b.Bytes()), ParseOptions{Name: "junk", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	require.Len(t, res.Bookings, 1)
	assert.Empty(t, res.Warnings)
}

// FuzzBrokenLines mixes valid events with broken lines (any bytes the fuzzer chooses, raw
// line breaks included) inside some of them: every event without a broken line still comes
// out exactly, and nothing panics. Lines that would open a VEVENT or VCALENDAR, or end the
// VCALENDAR, are defused: they change the structure of the feed, not one event.
func FuzzBrokenLines(f *testing.F) {
	for _, s := range []string{
		"ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-FROM=\"mailto:bo@example.org\r\n ;CN=Bo:mailto:cy@example.org",
		"DTSTART;TZID=\"W. Europe Standard Time:20200609T090000\"",
		"ATTENDEE;CN=Cy\nRaw:mailto:cy@example.org",
		"ORGANIZER;CN=Doe; Jane:MAILTO:jane@example.org",
		"ATTENDEE;CN=\"a\"x:mailto:a@example.com",
		"END:VEVNT",
		"END:VEVENT",
		"BEGIN:VALARM\r\nTRIGGER:-PT5M",
		"RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
		"RRULE:FREQ=DAILY;COUNT=3\r\nEXRULE:FREQ=DAILY;COUNT=2\r\nRECURRENCE-ID:19700101T070000Z",
		"GARBAGE",
		"\x00\xff\r\r\n\t",
	} {
		f.Add(uint16(0b1010_0101), []byte(s))
	}
	f.Fuzz(func(t *testing.T, mask uint16, junk []byte) {
		const n = 12
		junk = defuse(junk)
		var b bytes.Buffer
		b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
		for i := range n {
			fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:ev-%d@example.org\r\n", i)
			if mask&(1<<i) != 0 {
				b.Write(junk)
				b.WriteString("\r\n")
			}
			fmt.Fprintf(&b, "DTSTART:202606%02dT090000Z\r\nDTEND:202606%02dT100000Z\r\nATTENDEE;CN=P%d:mailto:p%d@example.org\r\nRESOURCES:Room %d\r\nEND:VEVENT\r\n", i+1, i+1, i, i, i)
		}
		b.WriteString("END:VCALENDAR\r\n")
		cal, err := Parse(b.Bytes(), ParseOptions{Name: "fuzz", SiteLocation: time.UTC, MaxOccurrences: 500})
		require.NoError(t, err, "broken lines inside events never fail the feed")
		res := cal.Bookings(wide)
		got := byUID(res.Bookings)
		for i := range n {
			if mask&(1<<i) != 0 {
				continue
			}
			uid := fmt.Sprintf("ev-%d@example.org", i)
			require.Len(t, got[uid], 1, "%s missing; warnings %v", uid, res.Warnings)
			bk := got[uid][0]
			assert.Equal(t, fmt.Sprintf("2026-06-%02dT09:00:00Z/2026-06-%02dT10:00:00Z", i+1, i+1), spanOf(bk))
			assert.Equal(t, []string{fmt.Sprintf("Room %d", i)}, bk.Resources)
			require.Len(t, bk.Persons, 1)
			assert.Equal(t, fmt.Sprintf("p%d@example.org", i), bk.Persons[0].Email)
			for _, w := range res.Warnings {
				assert.NotEqual(t, uid, w.UID, "%v", w)
			}
		}
		for _, bk := range res.Bookings {
			assert.False(t, bk.End.Before(bk.Start))
			assert.Equal(t, "fuzz", bk.Source)
		}
	})
}

// defuse prefixes every logical line of junk that would open a VEVENT or VCALENDAR, or end
// the VCALENDAR, with an X.
func defuse(junk []byte) []byte {
	phys := bytes.Split(junk, []byte("\n"))
	out := make([][]byte, 0, len(phys))
	for i := 0; i < len(phys); {
		j := i + 1
		for j < len(phys) && len(phys[j]) > 0 && (phys[j][0] == ' ' || phys[j][0] == '\t') {
			j++
		}
		var logical []byte
		for k := i; k < j; k++ {
			seg := bytes.TrimSuffix(phys[k], []byte("\r"))
			if k > i {
				seg = seg[1:]
			}
			logical = append(logical, seg...)
		}
		kw, value, ok := beginEnd(logical)
		if ok && (kw == "BEGIN" || bytes.EqualFold(value, []byte("VCALENDAR"))) {
			phys[i] = append([]byte("X"), phys[i]...)
		}
		// A first line that is a fold would join the UID line: harmless, it is this
		// event's line anyway.
		out = append(out, phys[i:j]...)
		i = j
	}
	return bytes.Join(out, []byte("\n"))
}

var errEOFForTest = io.EOF

// BenchmarkImpossibleRules parses and expands feeds of 300 series whose rules can never
// match: rrule-go alone searches every one of them to the year 9999 on every expansion (30 to
// 170 ms a series). known: BYMONTH=2;BYMONTHDAY=30, a class checkFeasible knows; cycle: rules
// only the search of a calendar cycle finds (BYWEEKNO=53;BYMONTH=6 daily, a BYSETPOS beyond
// a year's one 29 February on a Monday, the 60th day of the year on a 28th), with DTSTARTs
// on 300 different days; subdaily: HOURLY, MINUTELY and SECONDLY rules whose days never
// come (about 0.6 s a series and expansion for rrule-go alone); joint: BYDAY mixing plain and
// numbered weekdays with a BYSETPOS beyond any month's or year's days (jointSetReachable).
func BenchmarkImpossibleRules(b *testing.B) {
	for _, c := range []struct {
		name  string
		rules []string
	}{
		{"known", []string{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}},
		{"cycle", []string{"FREQ=DAILY;BYWEEKNO=53;BYMONTH=6", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=2", "FREQ=DAILY;BYYEARDAY=60;BYMONTHDAY=28"}},
		{"subdaily", []string{"FREQ=HOURLY;BYYEARDAY=60;BYMONTHDAY=28", "FREQ=MINUTELY;INTERVAL=30;BYWEEKNO=53;BYMONTH=6", "FREQ=SECONDLY;INTERVAL=7;BYMONTH=2;BYYEARDAY=1", "FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11;BYWEEKNO=53;BYMONTH=6"}},
		// BYDAY mixing plain and numbered weekdays, with a BYSETPOS no month or year reaches.
		{"joint", []string{"FREQ=MONTHLY;BYDAY=MO,1TU;BYSETPOS=7;COUNT=5", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1,2;BYDAY=SU,1MO;BYSETPOS=3;COUNT=2", "FREQ=MONTHLY;BYDAY=MO,TU,-1WE;BYSETPOS=-12"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			buf.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
			for i := range 300 {
				day := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format("20060102T150405Z")
				fmt.Fprintf(&buf, "BEGIN:VEVENT\r\nUID:impossible-%d@example.org\r\nDTSTART:%s\r\nDURATION:PT1H\r\nRRULE:%s\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n", i, day, c.rules[i%len(c.rules)])
			}
			buf.WriteString("END:VCALENDAR\r\n")
			data := buf.Bytes()
			b.ReportAllocs()
			for b.Loop() {
				cal, err := Parse(data, ParseOptions{Name: "bench", SiteLocation: time.UTC})
				if err != nil {
					b.Fatal(err)
				}
				res := cal.Bookings(booking.Window{Start: ts("2026-01-01T00:00:00Z"), End: ts("2027-01-01T00:00:00Z")})
				if len(res.Bookings) != 300 || len(res.Warnings) != 300 {
					b.Fatalf("%d bookings, %d warnings", len(res.Bookings), len(res.Warnings))
				}
			}
		})
	}
}

// The scan copies an event's body as it is and a worker splits it: line numbers in warnings
// stay those of the feed after folded lines, lines that start like BEGIN/END (EXDATE) and
// over-long lines, whose rest is dropped; an over-long line of a property we keep costs its
// event, folded or not; one nobody reads costs nothing.
func TestEventBodiesKeepLineNumbers(t *testing.T) {
	fold := func(s string) string { // at 75 octets, as producers do
		var b strings.Builder
		for len(s) > 75 {
			b.WriteString(s[:75] + "\r\n ")
			s = s[75:]
		}
		return b.String() + s + "\r\n"
	}
	var b strings.Builder
	line := 1
	w := func(s string) { b.WriteString(s); line += strings.Count(s, "\n") }
	w("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	ev := func(uid string, body ...string) {
		w("BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\n")
		w("ATTENDEE;CN=A:mailto:a@example.org\r\nRESOURCES:Room 1\r\n")
		for _, s := range body {
			w(s)
		}
		w("END:VEVENT\r\n")
	}
	ev("folds@example.org",
		fold("EXDATE:"+strings.Repeat("20260611T090000Z,", 10)+"20260612T090000Z"),
		fold("X-JUNK:"+strings.Repeat("j", 3<<20)),  // folded junk, longer than maxLine
		"X-LONG:"+strings.Repeat("k", 3<<20)+"\r\n", // one physical line, longer than maxLine
	)
	// The line after ATTENDEE, RESOURCES, the folded DESCRIPTION and a LOCATION (a property
	// read: after one nobody reads, the line would be the rest of its value).
	noColon := line + 6 + 1 + 1 + 1
	ev("no-colon@example.org", fold("DESCRIPTION:"+strings.Repeat("d", 100)), "LOCATION:Hall\r\n", "a line broken by a raw line feed\r\n")
	alarmAt := line + 6 + 5 + 1 // after a VALARM of 5 lines (one folded) and an EXDATE folded once
	ev("alarm@example.org", "BEGIN:VALARM\r\nTRIGGER:-PT5M\r\nDESCRIPTION:a\r\n b\r\nEND:VALARM\r\n", "EXDATE:20260611T090000Z,\r\n 20260612T090000Z\r\n", "SEQUENCE 1\r\n")
	alarmAt++
	longAt := line + 6
	ev("long-resources@example.org", fold("RESOURCES:"+strings.Repeat("r", 2<<20)))
	longPlainAt := line + 6
	ev("long-plain@example.org", "LOCATION:"+strings.Repeat("l", 2<<20)+"\r\n", "STATUS:CONFIRMED\r\n") // one physical line
	ev("after@example.org")
	w("END:VCALENDAR\r\n")

	for name, parse := range map[string]func() (*Calendar, error){
		"bytes": func() (*Calendar, error) {
			return Parse([]byte(b.String()), ParseOptions{Name: "lines", SiteLocation: time.UTC})
		},
		"stream": func() (*Calendar, error) {
			return ParseReader(strings.NewReader(b.String()), ParseOptions{Name: "lines", SiteLocation: time.UTC})
		},
	} {
		t.Run(name, func(t *testing.T) {
			cal, err := parse()
			require.NoError(t, err)
			res := cal.Bookings(wide)
			uids := map[string]bool{}
			for _, bk := range res.Bookings {
				uids[bk.UID] = true
			}
			assert.Equal(t, map[string]bool{"folds@example.org": true, "after@example.org": true}, uids)
			for uid, want := range map[string]string{
				"no-colon@example.org":       fmt.Sprintf("line %d: ", noColon),
				"alarm@example.org":          fmt.Sprintf("line %d: ", alarmAt),
				"long-resources@example.org": fmt.Sprintf("line %d (property \"RESOURCES\"): longer than", longAt),
				"long-plain@example.org":     fmt.Sprintf("line %d (property \"LOCATION\"): longer than", longPlainAt),
			} {
				w, ok := warningFor(res, uid)
				require.True(t, ok, uid)
				assert.Contains(t, w.Reason, want, uid)
			}
			_, ok := warningFor(res, "folds@example.org")
			assert.False(t, ok, "over-long lines nobody reads cost nothing: %v", res.Warnings)
		})
	}
}

// Batches are read while the scan goes on, in the calendar's context as known then. A
// VTIMEZONE (or an X-WR-TIMEZONE) after hundreds of events changes that context: every event
// is still read in the final one, whether the input can be read again (bytes, a file: the
// parse starts again) or not (an HTTP body: the batches are kept).
func TestLateContextChangeRereadsEvents(t *testing.T) {
	const n = 3*eventBatch + 7
	feed := lateContextFeed(n)
	opts := ParseOptions{Name: "late", SiteLocation: time.UTC}
	for name, parse := range map[string]func() (*Calendar, error){
		"bytes":           func() (*Calendar, error) { return Parse([]byte(feed), opts) },
		"seekable reader": func() (*Calendar, error) { return ParseReader(strings.NewReader(feed), opts) },
		"stream":          func() (*Calendar, error) { return ParseReader(struct{ io.Reader }{strings.NewReader(feed)}, opts) },
	} {
		t.Run(name, func(t *testing.T) {
			cal, err := parse()
			require.NoError(t, err)
			res := cal.Bookings(wide)
			assert.Empty(t, res.Warnings)
			checkLateContext(t, res, n)
		})
	}
}

// Bookings searches the sorted singles from the window's start less the longest single's
// length: a long booking that started well before the window is still found, a short one
// that ended before it is not.
func TestBookingsFindsLongSinglesBeforeTheWindow(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	ev := func(uid, start, end string) {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTART:%s\r\nDTEND:%s\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n", uid, start, end)
	}
	ev("long", "20260601T090000Z", "20260620T090000Z")
	ev("short-before", "20260609T090000Z", "20260609T100000Z")
	ev("inside", "20260610T120000Z", "20260610T130000Z")
	ev("after", "20260612T090000Z", "20260612T100000Z")
	b.WriteString("END:VCALENDAR\r\n")
	cal, err := Parse([]byte(b.String()), ParseOptions{Name: "long", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(win("2026-06-10T00:00:00Z", "2026-06-11T00:00:00Z"))
	var uids []string
	for _, bk := range res.Bookings {
		uids = append(uids, bk.UID)
	}
	assert.Equal(t, []string{"long", "inside"}, uids)
}

// The reader splits its work over the cores (batches read by workers, singles sorted in
// halves): the answer is the same on any number of them, warnings and their
// order included, for a feed large enough to take every parallel path, with duplicate UIDs,
// undecidable ties, series and overrides.
func TestSameAnswerOnAnyNumberOfCores(t *testing.T) {
	// With a Skedda PRODID, and with one that names no booking system: the dialect is then
	// detected from the events once all are read, and applied to them in parts (on every
	// core), with warnings (attendees that are no address) from every part.
	for _, prodid := range []string{"-//Skedda Pty Ltd//Skedda//EN", "-//Example//Rooms//EN"} {
		t.Run(prodid, func(t *testing.T) { checkSameAnswerOnAnyNumberOfCores(t, prodid) })
	}
}

func checkSameAnswerOnAnyNumberOfCores(t *testing.T, prodid string) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:" + prodid + "\r\n")
	n := 0
	ev := func(uid, extra, start string, seq int) {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\n%sDTSTART:%s\r\nDURATION:PT1H\r\nSEQUENCE:%d\r\nDTSTAMP:20260101T000000Z\r\n", uid, extra, start, seq)
		if n++; n%23 == 3 {
			b.WriteString("ATTENDEE;CN=Q:mailto:not an address\r\n")
		}
		b.WriteString("ATTENDEE;CN=P:mailto:p@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n")
	}
	for i := range 20_000 {
		day := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i%400) * 24 * time.Hour).Format("20060102T150405Z")
		uid := fmt.Sprintf("e%d@example.org", i%15_000) // a quarter of the UIDs twice
		ev(uid, "", day, i/15_000)
		switch i % 997 {
		case 0:
			ev(uid, "", day, i/15_000) // an undecidable tie: a warning
		case 1:
			ev("s"+uid, "RRULE:FREQ=WEEKLY;COUNT=5\r\n", day, 0)
			ev("s"+uid, "RECURRENCE-ID:"+day+"\r\nSTATUS:CANCELLED\r\n", day, 1)
		}
	}
	b.WriteString("END:VCALENDAR\r\n")
	feed := []byte(b.String())
	read := func(procs int) booking.FetchResult { return parseOnCores(t, feed, "cores", procs) }
	one := read(1)
	require.Greater(t, len(one.Bookings), 15_000)
	bad := 0
	for _, w := range one.Warnings {
		if strings.Contains(w.Reason, "attendee skipped") {
			bad++
		}
	}
	require.Greater(t, bad, 800, "the attendees that are no address are reported")
	for _, procs := range []int{2, 3, 4} {
		assert.Equal(t, one, read(procs), "GOMAXPROCS=%d", procs)
	}
	// UIDs whose hashes collide, in both halves of the hashes that group indexes on two cores.
	defer func(h func(maphash.Seed, string) uint64) { uidHash = h }(uidHash)
	uidHash = func(_ maphash.Seed, uid string) uint64 { return uint64(len(uid)%2)<<63 | uint64(len(uid)) }
	assert.Equal(t, one, read(2), "colliding hashes")
}

// A truncated feed names the line after its last one, also when that last line is in an
// event's body and has no line ending.
func TestTruncatedInABodyNamesTheNextLine(t *testing.T) {
	for _, tail := range []string{"SUMMARY:cut", "SUMMARY:cut\r\n", "X-LONG:" + strings.Repeat("x", 2<<20)} {
		feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:cut@example.org\r\n" + tail
		_, err := Parse([]byte(feed), ParseOptions{Name: "cut", SiteLocation: time.UTC})
		require.ErrorIs(t, err, ErrMalformed)
		assert.Contains(t, err.Error(), "END:VCALENDAR missing at line 6", "%.40q", tail)
	}
}

// Item 4: the calendar's own END mistyped on the feed's last line costs no event; a feed that
// goes on after it, or ends inside an event, is still truncated.
func TestMistypedEndOfTheCalendar(t *testing.T) {
	head := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:last@example.org\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n"
	for _, tail := range []string{"END:VCALENDARD\r\n", "END:VCALENDARD", "END:VCALENDAR_\r\n\r\n\r\n", "end:vcal\r\n"} {
		feed := head + tail
		for name, parse := range map[string]func() (*Calendar, error){
			"bytes": func() (*Calendar, error) {
				return Parse([]byte(feed), ParseOptions{Name: "typo", SiteLocation: time.UTC})
			},
			"stream": func() (*Calendar, error) {
				return ParseReader(&oneByteReader{data: []byte(feed)}, ParseOptions{Name: "typo", SiteLocation: time.UTC})
			},
		} {
			cal, err := parse()
			require.NoError(t, err, "%q %s", tail, name)
			res := cal.Bookings(wide)
			assert.Equal(t, "2026-06-10T09:00:00Z/2026-06-10T10:00:00Z", spanOf(one(t, res, "last@example.org")))
			require.Len(t, res.Warnings, 1, "%q %s", tail, name)
			assert.Contains(t, res.Warnings[0].Reason, "line 9: END:", "%q", tail)
			assert.Contains(t, res.Warnings[0].Reason, "read as END:VCALENDAR")
		}
	}
	for _, tail := range []string{"END:VCALENDARD\r\nX-MORE:1\r\n", "END:VCALENDARD\r\nBEGIN:VEVENT\r\nUID:cut\r\n", "BEGIN:VEVENT\r\nUID:cut\r\nEND:VCALENDARD\r\n"} {
		_, err := Parse([]byte(head+tail), ParseOptions{Name: "typo", SiteLocation: time.UTC})
		require.ErrorIs(t, err, ErrMalformed, "%q", tail)
		assert.Contains(t, err.Error(), "truncated", "%q", tail)
	}
	// A mistyped END inside the calendar, with the real one after it, stays a note.
	cal, err := Parse([]byte(head+"END:VCALENDARD\r\nEND:VCALENDAR\r\n"), ParseOptions{Name: "typo", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, "line 9 ignored: END:")
}

// group indexes UIDs by a hash; UIDs that share one are still told apart.
func TestGroupTellsCollidingUIDsApart(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	ev := func(uid, extra string, seq int) {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\n%sDTSTART:20260610T090000Z\r\nDURATION:PT1H\r\nSEQUENCE:%d\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n", uid, extra, seq)
	}
	ev("a", "", 0)
	ev("b", "RRULE:FREQ=DAILY;COUNT=3\r\n", 0)
	ev("a", "SUMMARY:newer\r\n", 1)
	ev("c", "", 0)
	ev("b", "RECURRENCE-ID:20260611T090000Z\r\nSTATUS:CANCELLED\r\n", 1)
	ev("c", "", 0) // an undecidable tie: a warning
	b.WriteString("END:VCALENDAR\r\n")
	read := func() booking.FetchResult {
		cal, err := Parse([]byte(b.String()), ParseOptions{Name: "collide", SiteLocation: time.UTC})
		require.NoError(t, err)
		return cal.Bookings(wide)
	}
	want := read()
	defer func(h func(maphash.Seed, string) uint64) { uidHash = h }(uidHash)
	uidHash = func(maphash.Seed, string) uint64 { return 42 }
	got := read()
	assert.Equal(t, want, got)
	assert.Len(t, got.Bookings, 5, "a once (the newer copy), b's three occurrences (one cancelled), c once")
	_, warned := warningFor(got, "c")
	assert.True(t, warned, "the tie of c is reported")
}

// lateContextFeed has n events in the zone "Late Zone" and an all-day one, then the VTIMEZONE
// of that zone (UTC+03) and an X-WR-TIMEZONE (Asia/Tokyo): its context is known only at its end.
func lateContextFeed(n int) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	for i := range n {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:late-%d@example.org\r\nDTSTART;TZID=Late Zone:20260610T090000\r\n", i)
		b.WriteString("DTEND;TZID=Late Zone:20260610T100000\r\nDTSTAMP:20260101T000000Z\r\n")
		fmt.Fprintf(&b, "ATTENDEE;CN=P:mailto:p%d@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n", i%7)
	}
	b.WriteString("BEGIN:VEVENT\r\nUID:allday@example.org\r\nDTSTART;VALUE=DATE:20260611\r\nATTENDEE:mailto:q@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n")
	b.WriteString("BEGIN:VTIMEZONE\r\nTZID:Late Zone\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
	b.WriteString("X-WR-TIMEZONE:Asia/Tokyo\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// checkLateContext checks that every event of lateContextFeed was read in its final context.
func checkLateContext(t *testing.T, res booking.FetchResult, n int) {
	t.Helper()
	require.Len(t, res.Bookings, n+1)
	for _, bk := range res.Bookings {
		if bk.UID == "allday@example.org" {
			assert.Equal(t, "2026-06-10T15:00:00Z", bk.Start.UTC().Format(time.RFC3339), "the date in X-WR-TIMEZONE")
			continue
		}
		assert.Equal(t, "2026-06-10T06:00:00Z", bk.Start.UTC().Format(time.RFC3339), bk.UID)
	}
}

// Item 5, rules no known class covers: found by the search of one calendar cycle, dropped
// with a warning, DTSTART kept; a sparse rule that does match is kept.
func TestRulesEmptyOverACycleAreDropped(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	rules := map[string]string{
		"weekno@example.org":  "FREQ=DAILY;BYWEEKNO=53;BYMONTH=6",
		"setpos@example.org":  "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=2",
		"yearday@example.org": "FREQ=DAILY;BYYEARDAY=60;BYMONTHDAY=28",
		"leap4@example.org":   "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
		"sparse@example.org":  "FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH",
		// Sub-daily: rrule-go skips the rejected days one by one up to 9999.
		"hourly@example.org":   "FREQ=HOURLY;BYYEARDAY=60;BYMONTHDAY=28",
		"minutely@example.org": "FREQ=MINUTELY;INTERVAL=30;BYWEEKNO=53;BYMONTH=6",
		"weekly@example.org":   "FREQ=HOURLY;INTERVAL=168;BYDAY=TU", // DTSTART is a Monday
	}
	for uid, rule := range rules {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTART:20260105T090000Z\r\nDURATION:PT1H\r\nRRULE:%s\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n", uid, rule)
	}
	b.WriteString("END:VCALENDAR\r\n")
	cal, err := Parse([]byte(b.String()), ParseOptions{Name: "cycle", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(win("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"))
	count := map[string]int{}
	for _, bk := range res.Bookings {
		count[bk.UID]++
	}
	for uid := range rules {
		w, warned := warningFor(res, uid)
		if uid == "sparse@example.org" {
			assert.False(t, warned, "%v", w)
			assert.Equal(t, 2, count[uid], "DTSTART and Thursday of week 53 (2026-12-31)")
			continue
		}
		require.True(t, warned, uid)
		assert.Contains(t, w.Reason, "whole cycle of the calendar")
		assert.Equal(t, 1, count[uid], "only DTSTART: %s", uid)
	}
}

// A series of whole days whose moved or excluded days are named by a DATE-TIME: Exchange
// writes midnight in the organizer's zone (here Tokyo, for a site in Amsterdam), Google
// midnight UTC, and a local midnight may come in UTC (23:00Z for Amsterdam, 15:00Z for Tokyo).
// Each names its day: the moved day is not kept beside its replacement, and an excluded day is not open.
func TestAllDaySeriesWithDateTimeIDs(t *testing.T) {
	res := parseFixture(t, "allday_datetime_ids.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	got := byUID(res.Bookings)
	day := func(d string) string {
		s, _ := time.ParseInLocation("2006-01-02", d, amsterdam)
		return s.UTC().Format(time.RFC3339) + "/" + s.AddDate(0, 0, 1).UTC().Format(time.RFC3339)
	}
	// Tuesdays and Thursdays from 19 February to 10 March 2026: the 26th moved to the 27th,
	// 3 March excluded.
	assert.Equal(t, []string{day("2026-02-19"), day("2026-02-24"), day("2026-02-27"), day("2026-03-05"), day("2026-03-10")}, spans(got["exchange-allday@example.org"]))
	for _, b := range got["exchange-allday@example.org"] {
		if b.Start.Equal(mustDay(t, "2026-02-27")) {
			// The override keeps the key of the occurrence it replaces.
			assert.Equal(t, mustDay(t, "2026-02-26"), b.RecurrenceID.UTC())
		}
	}
	// 25 April 2026 moved to the 24th, 2027 excluded, 2028 as is.
	assert.Equal(t, []string{day("2026-04-24"), day("2028-04-25")}, spans(got["google-allday@example.org"]))
	// 23:00Z on 9 March is midnight of the 10th in Amsterdam; 15:00Z on the 10th, the 11th's
	// midnight in Tokyo, is nearest to the 11th's.
	assert.Equal(t, []string{day("2026-03-09"), day("2026-03-11")}, spans(got["utc-midnight@example.org"]))
	assert.Equal(t, []string{day("2026-03-09"), day("2026-03-10")}, spans(got["utc-tokyo@example.org"]))
	// The same when the EXDATE comes before DTSTART (read with the event, not as it is met).
	assert.Equal(t, []string{day("2026-03-02"), day("2026-03-04")}, spans(got["exdate-first@example.org"]))
}

// mustDay is the start of a day in Amsterdam, in UTC.
func mustDay(t *testing.T, d string) time.Time {
	t.Helper()
	s, err := time.ParseInLocation("2006-01-02", d, amsterdam)
	require.NoError(t, err)
	return s.UTC()
}

// A floating DTEND after a DTSTART with a zone (Mozilla Calendar 1.1 writes
// DTSTART;TZID=US-Eastern:…T090000 with DTEND:…T100000) is a wall time of the start's zone,
// as floating EXDATEs, RDATEs and RECURRENCE-IDs are; read in the site's zone (Amsterdam) it
// fell before the start and the event was skipped. Floating on both ends stays the site's.
// A floating RECURRENCE-ID goes the same way.
func TestFloatingEndTakesTheStartsZone(t *testing.T) {
	res := parseFixture(t, "floating_end.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	got := byUID(res.Bookings)
	assert.Equal(t, []string{"2026-06-10T13:00:00Z/2026-06-10T14:00:00Z", "2026-06-17T13:00:00Z/2026-06-17T14:00:00Z"}, spans(got["zoned-start-floating-end@example.org"]))
	assert.Equal(t, "2026-06-11T09:00:00Z/2026-06-11T10:00:00Z", spanOf(one(t, res, "utc-start-floating-end@example.org")))
	assert.Equal(t, "2026-06-12T07:00:00Z/2026-06-12T08:00:00Z", spanOf(one(t, res, "floating-both@example.org")))
	// A floating RECURRENCE-ID is a wall time of the series' zone too: it replaces the
	// 17 June occurrence instead of standing beside it.
	assert.Equal(t, []string{"2026-06-10T13:00:00Z/2026-06-10T14:00:00Z", "2026-06-17T15:00:00Z/2026-06-17T16:00:00Z", "2026-06-24T13:00:00Z/2026-06-24T14:00:00Z"}, spans(got["floating-rid@example.org"]))
}

// FREQ=YEARLY;BYWEEKNO=1 without BYDAY is DTSTART's weekday of week 1 (RFC 5545 takes what a
// rule leaves open from DTSTART; ical.net's tests expect it), not every day of that week as
// rrule-go would expand it. 2002-12-31 is the Tuesday of 2003's week 1.
func TestYearlyWeekNumberTakesTheStartsWeekday(t *testing.T) {
	feed := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:weekno@example.org\r\nDTSTART:20020101T100000Z\r\nDTEND:20020101T103000Z\r\nRRULE:FREQ=YEARLY;BYWEEKNO=1;UNTIL=20050201T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse([]byte(feed), ParseOptions{Name: "weekno", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, []string{
		"2002-01-01T10:00:00Z/2002-01-01T10:30:00Z", "2002-12-31T10:00:00Z/2002-12-31T10:30:00Z",
		"2003-12-30T10:00:00Z/2003-12-30T10:30:00Z", "2005-01-04T10:00:00Z/2005-01-04T10:30:00Z",
	}, spans(res.Bookings))

	// The weekday comes from DTSTART, so the same rule text is possible from a Monday
	// (29 December 2025 is in week 1 of 2026) and never from a Thursday (week 1's Thursday
	// is always in January): the two are told apart, in either order.
	monday := "BEGIN:VEVENT\r\nUID:monday@example.org\r\nDTSTART:20251229T100000Z\r\nDTEND:20251229T103000Z\r\nRRULE:FREQ=YEARLY;BYWEEKNO=1;BYMONTH=12\r\nEND:VEVENT\r\n"
	thursday := "BEGIN:VEVENT\r\nUID:thursday@example.org\r\nDTSTART:20260101T100000Z\r\nDTEND:20260101T103000Z\r\nRRULE:FREQ=YEARLY;BYWEEKNO=1;BYMONTH=12\r\nEND:VEVENT\r\n"
	for _, events := range []string{monday + thursday, thursday + monday} {
		cal, err := Parse([]byte("BEGIN:VCALENDAR\r\n"+events+"END:VCALENDAR\r\n"), ParseOptions{Name: "weekno", SiteLocation: time.UTC})
		require.NoError(t, err)
		res := cal.Bookings(win("2025-12-01T00:00:00Z", "2032-01-01T00:00:00Z"))
		got := byUID(res.Bookings)
		// The years whose week 1 starts on a Monday in December.
		assert.Equal(t, []string{"2025-12-29T10:00:00Z/2025-12-29T10:30:00Z", "2029-12-31T10:00:00Z/2029-12-31T10:30:00Z", "2030-12-30T10:00:00Z/2030-12-30T10:30:00Z", "2031-12-29T10:00:00Z/2031-12-29T10:30:00Z"}, spans(got["monday@example.org"]))
		assert.Equal(t, []string{"2026-01-01T10:00:00Z/2026-01-01T10:30:00Z"}, spans(got["thursday@example.org"]))
		w, ok := warningFor(res, "thursday@example.org")
		require.True(t, ok, "%v", res.Warnings)
		assert.Contains(t, w.Reason, "never matches")
		_, ok = warningFor(res, "monday@example.org")
		assert.False(t, ok, "%v", res.Warnings)
	}
}

// A whole day whose DTEND is its DTSTART (Evolution writes it, as do python-icalendar's
// holiday examples) is that day, as one without DTEND is; a DATE-TIME event that ends as it
// starts stays a zero-length booking.
func TestAllDayEndingAsItStartsIsThatDay(t *testing.T) {
	feed := "BEGIN:VCALENDAR\r\nPRODID:-//Ximian//NONSGML Evolution Calendar//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:day@example.org\r\nDTSTART;VALUE=DATE:20260610\r\nDTEND;VALUE=DATE:20260610\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:days@example.org\r\nDTSTART;VALUE=DATE:20260610\r\nDTEND;VALUE=DATE:20260610\r\nRRULE:FREQ=DAILY;COUNT=2\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:instant@example.org\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T090000Z\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	cal, err := Parse([]byte(feed), ParseOptions{Name: "days", SiteLocation: amsterdam})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, "2026-06-09T22:00:00Z/2026-06-10T22:00:00Z", spanOf(one(t, res, "day@example.org")))
	assert.Equal(t, []string{"2026-06-09T22:00:00Z/2026-06-10T22:00:00Z", "2026-06-10T22:00:00Z/2026-06-11T22:00:00Z"}, spans(byUID(res.Bookings)["days@example.org"]))
	assert.Equal(t, "2026-06-10T09:00:00Z/2026-06-10T09:00:00Z", spanOf(one(t, res, "instant@example.org")))
}

// An empty item of an EXDATE or RDATE list (a trailing comma, as a calendar export in tutanota
// issue 5973 has it, a leading one, an empty value) names no date: the series keeps its
// bookings, without the ones its dates exclude. An empty RRULE names no rule.
func TestEmptyListItems(t *testing.T) {
	feed := "BEGIN:VCALENDAR\r\nPRODID:-//Example//Rooms//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:trailing@example.org\r\nDTSTART;TZID=Europe/Berlin:20231220T100000\r\nDTEND;TZID=Europe/Berlin:20231220T110000\r\n" +
		"RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20231227T100000,20240103T100000,\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:leading@example.org\r\nDTSTART:20231220T090000Z\r\nDTEND:20231220T100000Z\r\n" +
		"RDATE:,20231221T090000Z,,\r\nEXDATE:\r\nEND:VEVENT\r\n" +
		// Calendar Labs' holiday feeds write an empty RRULE on every single event.
		"BEGIN:VEVENT\r\nUID:no-rule@example.org\r\nDTSTART;VALUE=DATE:20231225\r\nRRULE:\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:spaces@example.org\r\nDTSTART:20231226T090000Z\r\nDURATION:PT1H\r\nRRULE: \r\nRRULE:FREQ=DAILY;COUNT=2\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	res := parseText(t, feed, ParseOptions{Name: "lists", SiteLocation: time.UTC}).Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, []string{"2023-12-20T09:00:00Z/2023-12-20T10:00:00Z", "2024-01-10T09:00:00Z/2024-01-10T10:00:00Z"}, spans(byUID(res.Bookings)["trailing@example.org"]))
	assert.Equal(t, []string{"2023-12-20T09:00:00Z/2023-12-20T10:00:00Z", "2023-12-21T09:00:00Z/2023-12-21T10:00:00Z"}, spans(byUID(res.Bookings)["leading@example.org"]))
	assert.Equal(t, []string{"2023-12-25T00:00:00Z/2023-12-26T00:00:00Z"}, spans(byUID(res.Bookings)["no-rule@example.org"]))
	assert.Equal(t, []string{"2023-12-26T09:00:00Z/2023-12-26T10:00:00Z", "2023-12-27T09:00:00Z/2023-12-27T10:00:00Z"}, spans(byUID(res.Bookings)["spaces@example.org"]), "an empty RRULE beside a rule")
}

// Google Calendar wrote the RDATEs of an all-day series as dates with a UTC designator
// (ical.js's sample google_birthday.ics): read as the dates they are, the series is kept.
func TestDateWithUTCDesignator(t *testing.T) {
	feed := "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nX-WR-TIMEZONE:Europe/Amsterdam\r\n" +
		"BEGIN:VEVENT\r\nUID:day-z@example.org\r\nDTSTART;VALUE=DATE:20261210\r\nDTEND;VALUE=DATE:20261211\r\n" +
		"RRULE:FREQ=DAILY;INTERVAL=1;COUNT=1\r\nRDATE:20251210Z\r\nRDATE:20241210Z\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	res := parseText(t, feed, ParseOptions{Name: "dates", SiteLocation: time.UTC}).Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, []string{
		"2024-12-09T23:00:00Z/2024-12-10T23:00:00Z",
		"2025-12-09T23:00:00Z/2025-12-10T23:00:00Z",
		"2026-12-09T23:00:00Z/2026-12-10T23:00:00Z",
	}, spans(byUID(res.Bookings)["day-z@example.org"]))
}

// A feed exported in Windows-1252 (or Latin-1) names its rooms and bookers in bytes that are
// not UTF-8: they are read as the characters they are, so `Raum Müller – Ost` matches the
// configured room as the same name written in UTF-8 does, and the booker is Jörg, not J�rg.
func TestLegacyCodePageText(t *testing.T) {
	res := parseFixture(t, "latin1.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	legacy, modern := one(t, res, "latin1@example.org"), one(t, res, "utf8@example.org")
	assert.Equal(t, []string{"Raum Müller – Ost"}, legacy.Resources)
	assert.Equal(t, modern.Resources, legacy.Resources)
	require.Len(t, legacy.Persons, 1)
	assert.Equal(t, "Jörg Müller", legacy.Persons[0].DisplayName)
	assert.Equal(t, "Zoë Café", modern.Persons[0].DisplayName)
}
