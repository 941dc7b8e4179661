package ical

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/unicode"

	"github.com/net2booking/net2booking/booking"
)

func TestLineEndingsAndBOM(t *testing.T) {
	for _, tc := range []struct{ file, uid, email string }{
		{"bom.ics", "bom@example.org", "rae.bom@example.org"},
		{"cr_only.ics", "cr-only@example.org", "sam.mac@example.org"},
		{"lf_only.ics", "lf-only@example.org", "tia.unix@example.org"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res := parseFixture(t, tc.file, ParseOptions{}).Bookings(wide)
			require.Empty(t, res.Warnings)
			b := one(t, res, tc.uid)
			assert.Equal(t, ts("2026-06-10T09:00:00Z"), b.Start)
			assert.Equal(t, []string{"Room 1"}, b.Resources)
			require.Len(t, b.Persons, 1)
			assert.Equal(t, tc.email, b.Persons[0].Email)
		})
	}
	// The same content with CRLF endings gives the same result as with LF.
	lf := fixture(t, "tz_rules.ics")
	crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
	a, err := Parse(lf, ParseOptions{Name: "x"})
	require.NoError(t, err)
	b, err := Parse(crlf, ParseOptions{Name: "x"})
	require.NoError(t, err)
	assert.Equal(t, a.Bookings(wide), b.Bookings(wide))
}

// A CRLF feed converted to CRLF once more ends every line in CR CR LF. Each run of CRs
// before an LF is one line end, whether the feed is read whole, streamed, or streamed a byte
// at a time (a run split across reads); the feed reads as its CRLF original does.
func TestDoubledCarriageReturns(t *testing.T) {
	for _, file := range []string{"tz_rules.ics", "fold_anywhere.ics", "bad_lines.ics"} {
		t.Run(file, func(t *testing.T) {
			lf := bytes.ReplaceAll(fixture(t, file), []byte("\r\n"), []byte("\n"))
			want, err := Parse(bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n")), ParseOptions{Name: "x", SiteLocation: amsterdam})
			require.NoError(t, err)
			wantRes := want.Bookings(wide)
			require.NotEmpty(t, wantRes.Bookings)
			doubled := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\r\n"))
			for name, parse := range everyWay(doubled, ParseOptions{Name: "x", SiteLocation: amsterdam}) {
				cal, err := parse()
				require.NoError(t, err, name)
				assert.Equal(t, wantRes, cal.Bookings(wide), name)
			}
		})
	}
}

// A feed saved as UTF-16 (PowerShell's Out-File, Notepad's "Unicode"), little or big endian,
// with a byte order mark or without one, reads as its UTF-8 original does, whether it is
// read whole, streamed, or streamed a byte at a time (a character split across reads); a
// UTF-16 feed over the size limit still fails.
func TestUTF16Feeds(t *testing.T) {
	for _, file := range []string{"tz_rules.ics", "fold_anywhere.ics", "bad_lines.ics", "seed_booked.ics"} {
		utf8 := fixture(t, file)
		want, err := Parse(utf8, ParseOptions{Name: "x", SiteLocation: amsterdam})
		require.NoError(t, err)
		wantRes := want.Bookings(wide)
		require.NotEmpty(t, wantRes.Bookings)
		for _, enc := range []struct {
			name  string
			order unicode.Endianness
			bom   unicode.BOMPolicy
		}{
			{"LE with BOM", unicode.LittleEndian, unicode.UseBOM},
			{"BE with BOM", unicode.BigEndian, unicode.UseBOM},
			{"LE", unicode.LittleEndian, unicode.IgnoreBOM},
			{"BE", unicode.BigEndian, unicode.IgnoreBOM},
		} {
			utf16, err := unicode.UTF16(enc.order, enc.bom).NewEncoder().Bytes(utf8)
			require.NoError(t, err)
			require.NotEqual(t, utf8[:4], utf16[:4])
			for name, parse := range everyWay(utf16, ParseOptions{Name: "x", SiteLocation: amsterdam}) {
				cal, err := parse()
				require.NoError(t, err, "%s %s %s", file, enc.name, name)
				assert.Equal(t, wantRes, cal.Bookings(wide), "%s %s %s", file, enc.name, name)
			}
		}
	}
	big, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(fixture(t, "tz_rules.ics"))
	require.NoError(t, err)
	_, err = ParseReader(bytes.NewReader(big), ParseOptions{Name: "x", MaxBytes: int64(len(big) / 4)})
	assert.ErrorIs(t, err, ErrTooLarge)
}

// Doubled CRs and CR-only endings are told by the feed's first 256 KiB, whether it is
// streamed or held whole: both read a feed alike when another kind of ending comes later
// (a second calendar appended).
func TestLineEndingsTheHeadDecides(t *testing.T) {
	lf := bytes.ReplaceAll(fixture(t, "lf_only.ics"), []byte("\r\n"), []byte("\n"))
	pad := []byte("END:VEVENT\nX-PAD:" + strings.Repeat("p", 300<<10) + "\n")
	first := bytes.ReplaceAll(bytes.Replace(lf, []byte("END:VEVENT\n"), pad, 1), []byte("\n"), []byte("\r\n"))
	second := bytes.ReplaceAll(bytes.ReplaceAll(lf, []byte("lf-only@"), []byte("second@")), []byte("\n"), []byte("\r\r\n"))
	crFirst := bytes.ReplaceAll(bytes.Replace(lf, []byte("END:VEVENT\n"), pad, 1), []byte("\n"), []byte("\r"))
	for name, feed := range map[string][]byte{
		"later": append(slices.Clone(first), second...), "first": append(slices.Clone(second), first...),
		"cr-only, then lf": append(slices.Clone(crFirst), second...),
	} {
		whole, err := Parse(feed, ParseOptions{Name: "x"})
		require.NoError(t, err, name)
		streamed, err := ParseReader(bytes.NewReader(feed), ParseOptions{Name: "x"})
		require.NoError(t, err, name)
		res := whole.Bookings(wide)
		assert.Equal(t, res, streamed.Bookings(wide), name)
		one(t, res, "lf-only@example.org")
		if name != "later" {
			one(t, res, "second@example.org")
		}
	}
}

// crRuns makes a run of CRs ending at an LF one CR and leaves every other CR, however the
// input is cut into pieces.
func TestCRRuns(t *testing.T) {
	for in, want := range map[string]string{
		"A:1\r\r\nB:2\r\r\n":  "A:1\r\nB:2\r\n",
		"A:1\r\r\r\nB:2\n":    "A:1\r\nB:2\n",
		"A:1\rx\r\r\n":        "A:1\rx\r\n",   // a CR inside a line stays
		"A:1\r\r\nB:2\r\r":    "A:1\r\nB:2\r", // a run at the end is a line end
		"A:1\n\r\r\n \r\rx\n": "A:1\n\r\n \r\rx\n",
	} {
		var cr crRuns
		assert.Equal(t, want, string(cr.collapse(nil, []byte(in), true)), "%q", in)
		for cut := range len(in) + 1 {
			var cr crRuns
			got := cr.collapse(nil, []byte(in[:cut]), false)
			got = cr.collapse(got, []byte(in[cut:]), true)
			assert.Equal(t, want, string(got), "%q cut at %d", in, cut)
		}
		got, err := io.ReadAll(&crRunReader{r: &oneByteReader{data: []byte(in)}})
		require.NoError(t, err)
		assert.Equal(t, want, string(got), "%q read a byte at a time", in)
	}
}

func TestFoldingInsideUTF8(t *testing.T) {
	res := parseFixture(t, "folding_utf8.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	b := one(t, res, "folded@example.org")
	assert.Equal(t, []string{"Café Ëlan"}, b.Resources)
	require.Len(t, b.Persons, 1)
	assert.Equal(t, "zoe@example.org", b.Persons[0].Email)
	assert.Equal(t, "Zoë Café", b.Persons[0].DisplayName)
}

func TestFailedFetchNotEmptyFeed(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", fixture(t, "truncated.ics"), "truncated"},
		{"empty body", nil, "empty"},
		{"blank lines only", []byte("\r\n\r\n"), "empty"},
		{"html page", []byte("<!DOCTYPE html><html><body>Login</body></html>"), "expected BEGIN:VCALENDAR"},
		{"too deep", []byte("BEGIN:VCALENDAR\n" + strings.Repeat("BEGIN:X\n", 40)), "nested"},
		{"cut inside an event", []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20260610T090000Z\n"), "truncated"},
		{"unreadable METHOD", []byte("BEGIN:VCALENDAR\nMETHOD;X=\"a\"b:CANCEL\nEND:VCALENDAR\n"), "METHOD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cal, err := Parse(tc.data, ParseOptions{Name: "feed-x"})
			require.Error(t, err)
			assert.Nil(t, cal)
			assert.ErrorIs(t, err, ErrMalformed)
			assert.ErrorIs(t, err, booking.ErrUnusable, "bad data, not a broken link")
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "feed-x")
		})
	}
}

func TestSizeCap(t *testing.T) {
	data := fixture(t, "lf_only.ics")
	_, err := Parse(data, ParseOptions{Name: "x", MaxBytes: int64(len(data) - 1)})
	require.ErrorIs(t, err, ErrTooLarge)
	cal, err := Parse(data, ParseOptions{Name: "x", MaxBytes: int64(len(data))})
	require.NoError(t, err)
	assert.Len(t, cal.Bookings(wide).Bookings, 1)
}

func TestEmptyCalendarIsValid(t *testing.T) {
	res := parseFixture(t, "empty_calendar.ics", ParseOptions{}).Bookings(wide)
	assert.Empty(t, res.Bookings)
	assert.Empty(t, res.Warnings)
	assert.NotNil(t, res.Notes)
}

func TestTrailingJunkAfterCalendarWarns(t *testing.T) {
	data := append(fixture(t, "lf_only.ics"), []byte("<html>oops</html>\n")...)
	res, err := Parse(data, ParseOptions{Name: "x"})
	require.NoError(t, err)
	r := res.Bookings(wide)
	assert.Len(t, r.Bookings, 1)
	require.Len(t, r.Warnings, 1)
	assert.Contains(t, r.Warnings[0].Reason, "after END:VCALENDAR")
}

func TestBadEventSkippedWithWarning(t *testing.T) {
	data := []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:bad-date@example.org\r\nDTSTART:20260230T090000Z\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nDTSTART:20260610T090000Z\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:no-start@example.org\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:good@example.org\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	cal, err := Parse(data, ParseOptions{Name: "https://cal.example.com/***"})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	assert.Len(t, res.Bookings, 1)
	require.Len(t, res.Warnings, 3)
	assert.Equal(t, booking.Warning{Source: "https://cal.example.com/***", UID: "bad-date@example.org",
		Reason: `DTSTART: "20260230T090000Z" is not a valid date-time (VEVENT at line 2); event skipped`}, res.Warnings[0])
	assert.Equal(t, "", res.Warnings[1].UID)
	assert.Contains(t, res.Warnings[1].Reason, "no UID (VEVENT at line 6)")
	assert.Contains(t, res.Warnings[2].Reason, "no DTSTART")
}

func TestWarningsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\n")
	for range maxWarnings + 5 {
		b.WriteString("BEGIN:VEVENT\nEND:VEVENT\n")
	}
	b.WriteString("END:VCALENDAR\n")
	cal, err := Parse([]byte(b.String()), ParseOptions{Name: "x"})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	require.Len(t, res.Warnings, maxWarnings+1)
	assert.Equal(t, "5 more warnings not shown", res.Warnings[maxWarnings].Reason)
}

// Calendar-level lines that are ignored (stray ENDs, lines without colon) are kept as warnings
// up to the cap and only counted past it, each kind: a million of them were a million
// strings. The mistyped END of the calendar on the last line still ends it.
func TestCalendarLevelNotesAreCapped(t *testing.T) {
	for _, junk := range []string{"END:VEVENT\n", "no colon here\n"} {
		var b strings.Builder
		b.WriteString("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:kept@example.org\nDTSTART:20260610T090000Z\nDURATION:PT1H\nEND:VEVENT\n")
		for range 3 * maxWarnings {
			b.WriteString(junk)
		}
		b.WriteString("END:VCALENDARD\n")
		cal, err := Parse([]byte(b.String()), ParseOptions{Name: "x"})
		require.NoError(t, err, junk)
		res := cal.Bookings(wide)
		one(t, res, "kept@example.org")
		require.Len(t, res.Warnings, maxWarnings+1, junk)
		assert.Contains(t, res.Warnings[0].Reason, "line 7 ignored", junk)
		// 3,000 junk lines and the mistyped END, of which 1,000 are shown.
		assert.Equal(t, fmt.Sprintf("%d more warnings not shown", 2*maxWarnings+1), res.Warnings[maxWarnings].Reason, junk)
	}
}

// The warnings of many broken events (far more than are shown) are the same whether the parse
// drops the texts of those that can no longer be shown as batches are read (trimWarnings: a
// file, or an HTTP body read once) or keeps them all (a reader it cannot read again), with
// calendar-level notes before and after the events, good events among them, and a second
// calendar.
func TestWarningsPastTheCapAreOnlyCounted(t *testing.T) {
	event := func(b *strings.Builder, uid, start string) {
		fmt.Fprintf(b, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTART:%s\r\nDURATION:PT1H\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room\r\nEND:VEVENT\r\n", uid, start)
	}
	var mixed, plain strings.Builder
	mixed.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	for i := range 300 {
		mixed.WriteString("stray line without colon\r\n")
		event(&mixed, fmt.Sprintf("good-%d", i), "20260610T090000Z")
	}
	for i := range 5 * maxWarnings {
		event(&mixed, fmt.Sprintf("broken-%d", i), "not a time")
		if i%7 == 0 {
			event(&mixed, fmt.Sprintf("fine-%d", i), "20260611T090000Z")
		}
	}
	mixed.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\n")
	for i := range 2 * maxWarnings {
		event(&mixed, fmt.Sprintf("later-%d", i), "not a time either")
	}
	mixed.WriteString("END:VCALENDAR\r\n")
	plain.WriteString("BEGIN:VCALENDAR\r\n") // the events' warnings alone reach the cap
	for i := range 3 * maxWarnings {
		event(&plain, fmt.Sprintf("broken-%d", i), "not a time")
	}
	plain.WriteString("END:VCALENDAR\r\n")
	for feed, more := range map[string]int{mixed.String(): 300 + 5*maxWarnings + 1 + 2*maxWarnings - maxWarnings, plain.String(): 2 * maxWarnings} {
		opts := ParseOptions{Name: "x"}
		kept, err := ParseReader(struct{ io.Reader }{strings.NewReader(feed)}, opts)
		require.NoError(t, err)
		want := kept.Bookings(wide)
		require.Len(t, want.Warnings, maxWarnings+1)
		assert.Equal(t, fmt.Sprintf("%d more warnings not shown", more), want.Warnings[maxWarnings].Reason)
		for name, parse := range map[string]func() (*Calendar, error){
			"bytes":  func() (*Calendar, error) { return Parse([]byte(feed), opts) },
			"stream": func() (*Calendar, error) { return ParseReader(strings.NewReader(feed), opts) },
		} {
			cal, err := parse()
			require.NoError(t, err, name)
			assert.Equal(t, want, cal.Bookings(wide), name)
		}
	}
}

// trimWarnings drops the texts of a read batch's warnings once the batches before it have
// maxWarnings, counts them instead, and stops at the first batch not read yet.
func TestTrimWarnings(t *testing.T) {
	read := func(n int, done bool) *job {
		j := &job{done: make(chan struct{})}
		for i := range n {
			j.warn.add(fmt.Sprint(i), "reason")
		}
		if done {
			close(j.done)
		}
		return j
	}
	rc := &rawCalendar{jobs: []*job{read(300, true), read(400, true), read(299, true), read(1, true), read(5, true), read(7, false), read(2, true)}}
	p := &parser{restartable: true}
	p.trimWarnings(rc)
	var kept, dropped []int
	for _, j := range rc.jobs {
		kept, dropped = append(kept, len(j.warn.list)), append(dropped, j.warn.dropped)
	}
	assert.Equal(t, []int{300, 400, 299, 1, 0, 7, 2}, kept, "the 1,000th is kept, the 1,001st dropped; the unread job ends the trim")
	assert.Equal(t, []int{0, 0, 0, 0, 5, 0, 0}, dropped)
	close(rc.jobs[5].done)
	p.trimWarnings(rc)
	assert.Empty(t, rc.jobs[5].warn.list)
	assert.Empty(t, rc.jobs[6].warn.list)
	assert.Equal(t, 7+2, rc.jobs[5].warn.dropped+rc.jobs[6].warn.dropped)

	// A parse that reads old batches again keeps every text.
	rc = &rawCalendar{jobs: []*job{read(1000, true), read(3, true)}}
	(&parser{}).trimWarnings(rc)
	assert.Len(t, rc.jobs[1].warn.list, 3)
}

// Of the calendar properties read (METHOD, PRODID, X-WR-TIMEZONE) the first maxCalendarProps
// are kept, the first of each name that decodes being the one read; those past them are
// ignored with a warning, not copied (500,000 X-WR-TIMEZONE lines were 500,000 copies).
func TestCalendarPropertiesAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\nX-WR-TIMEZONE:Europe/Berlin\n")
	for range maxCalendarProps + 9 {
		b.WriteString("X-WR-TIMEZONE:Asia/Tokyo\n")
	}
	b.WriteString("BEGIN:VEVENT\nUID:floating@example.org\nDTSTART:20260610T090000\nDURATION:PT1H\nEND:VEVENT\nEND:VCALENDAR\n")
	cal, err := Parse([]byte(b.String()), ParseOptions{Name: "x", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	assert.Equal(t, "2026-06-10T07:00:00Z/2026-06-10T08:00:00Z", spanOf(one(t, res, "floating@example.org")), "the first X-WR-TIMEZONE")
	require.Len(t, res.Warnings, 10)
	assert.Equal(t, fmt.Sprintf(`line %d (property "X-WR-TIMEZONE") ignored: %d METHOD, PRODID and X-WR-TIMEZONE lines are kept already (the first of each that reads is used)`, maxCalendarProps+2, maxCalendarProps), res.Warnings[0].Reason)
}

func TestDuplicateUIDSequenceThenStamp(t *testing.T) {
	res := parseFixture(t, "duplicate_uid.ics", ParseOptions{}).Bookings(wide)
	// Higher SEQUENCE wins although it comes first and has the older DTSTAMP.
	assert.Equal(t, "2026-06-10T15:00:00Z/2026-06-10T16:00:00Z", spanOf(one(t, res, "dup-seq@example.org")))
	// Equal SEQUENCE: the later DTSTAMP wins although it comes first.
	assert.Equal(t, "2026-06-11T15:00:00Z/2026-06-11T16:00:00Z", spanOf(one(t, res, "dup-stamp@example.org")))
	// Indistinguishable copies: the later one in the feed is used, with a warning.
	assert.Equal(t, "2026-06-12T15:00:00Z/2026-06-12T16:00:00Z", spanOf(one(t, res, "dup-tie@example.org")))
	require.Len(t, res.Warnings, 1)
	assert.Equal(t, "dup-tie@example.org", res.Warnings[0].UID)
	assert.Contains(t, res.Warnings[0].Reason, "same UID, SEQUENCE and DTSTAMP")
}

func TestParseOptionsValidation(t *testing.T) {
	_, err := Parse(fixture(t, "lf_only.ics"), ParseOptions{Dialect: "outlook"})
	require.Error(t, err)
	_, err = Parse(fixture(t, "lf_only.ics"), ParseOptions{MaxBytes: -1})
	require.Error(t, err)
}

func TestConcurrentBookings(t *testing.T) {
	cal := parseFixture(t, "recur_overrides.ics", ParseOptions{})
	want := cal.Bookings(wide)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			got := cal.Bookings(wide)
			if len(got.Bookings) != len(want.Bookings) {
				errs <- errors.New("different result")
				return
			}
			errs <- nil
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
}

func TestUnusedPropertiesAndAlarmsAreNotDecoded(t *testing.T) {
	// A DESCRIPTION that would make go-ical panic, and a VALARM, do not matter: only the
	// properties bookings are made of go through the decoder.
	data := []byte("BEGIN:VCALENDAR\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\nBEGIN:VEVENT\r\nUID:alarm@example.org\r\n" +
		"DESCRIPTION;X-JUNK=\"a\"b:notes\r\nDTSTART:20260610T090000Z\r\nDTEND:20260610T100000Z\r\n" +
		"BEGIN:VALARM\r\nTRIGGER;RELATED=START:-PT15M\r\nACTION:DISPLAY\r\nEND:VALARM\r\n" +
		"ATTENDEE;CN=Uma Alarm:mailto:uma.alarm@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	cal, err := Parse(data, ParseOptions{Name: "x"})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	require.Empty(t, res.Warnings)
	b := one(t, res, "alarm@example.org")
	assert.Equal(t, "uma.alarm@example.org", b.Persons[0].Email)
	assert.Equal(t, []string{"Room 1"}, b.Resources)
}

func TestRepeatedLinesShareDecodingButNotResults(t *testing.T) {
	// Identical ATTENDEE/RESOURCES lines are decoded once; the bookings must still be
	// independent values.
	cal := parseFixture(t, "tz_utcoffset.ics", ParseOptions{})
	res := cal.Bookings(wide)
	require.Len(t, res.Bookings, 2)
	res.Bookings[0].Resources[0] = "changed"
	res.Bookings[0].Persons[0].Email = "changed@example.org"
	res.Bookings[0].Resources = append(res.Bookings[0].Resources, "appended")
	res.Bookings[0].Persons = append(res.Bookings[0].Persons, booking.Person{Email: "appended@example.org"})
	// Nor do the bookings of one answer share their copies.
	assert.Equal(t, []string{"Room 1"}, res.Bookings[1].Resources)
	require.Len(t, res.Bookings[1].Persons, 1)
	assert.Equal(t, "dev.patel@example.org", res.Bookings[1].Persons[0].Email)
	again := cal.Bookings(wide)
	assert.Equal(t, "Room 1", again.Bookings[0].Resources[0])
	assert.Equal(t, "Room 1", again.Bookings[1].Resources[0])
	assert.Equal(t, "dev.patel@example.org", again.Bookings[0].Persons[0].Email)
}

// A copy without DTSTAMP and one whose DTSTAMP is no UTC time have no usable stamp alike:
// they tie (the later in the feed wins, with the tie's warning), and any real stamp beats
// them, even one at the Unix epoch.
func TestMissingAndFloatingStampsTie(t *testing.T) {
	ev := func(uid, stamp, start string) string {
		if stamp != "" {
			stamp = "DTSTAMP:" + stamp + "\r\n"
		}
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\n" + stamp + "DTSTART:" + start + "\r\nDURATION:PT1H\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n"
	}
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
		ev("tie@example.org", "", "20260610T090000Z") + ev("tie@example.org", "20260101T000000", "20260611T090000Z") +
		ev("epoch@example.org", "19700101T000000Z", "20260612T090000Z") + ev("epoch@example.org", "", "20260613T090000Z") +
		"END:VCALENDAR\r\n"
	cal, err := Parse([]byte(feed), ParseOptions{Name: "stamps", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	assert.Equal(t, "2026-06-11T09:00:00Z/2026-06-11T10:00:00Z", spanOf(one(t, res, "tie@example.org")))
	assert.Equal(t, "2026-06-12T09:00:00Z/2026-06-12T10:00:00Z", spanOf(one(t, res, "epoch@example.org")))
	require.Len(t, res.Warnings, 1, "%v", res.Warnings)
	assert.Equal(t, "tie@example.org", res.Warnings[0].UID)
	assert.Contains(t, res.Warnings[0].Reason, "same UID, SEQUENCE and DTSTAMP")
}

// DTSTART and DTEND are read as their lines are decoded (readTimeLine), with what their
// prefix says taken once per prefix: the first of each wins over a later one (with a
// warning, as DTEND wins over a DURATION beside it), VALUE is read
// in any case and checked against the value, a prefix go-ical rejects costs the event, and
// one TZID prefix means each calendar's own VTIMEZONE of that name.
func TestDTSTARTAndDTENDAsTheirLinesAreRead(t *testing.T) {
	zoneOf := func(offset string) string {
		return "BEGIN:VTIMEZONE\r\nTZID:Custom\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n" +
			"TZOFFSETFROM:" + offset + "\r\nTZOFFSETTO:" + offset + "\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	}
	event := func(uid, lines string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\n" + lines + "ATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n"
	}
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + zoneOf("+0200") +
		event("two-starts", "DTSTART:20260105T100000Z\r\nDTSTART:20260105T080000Z\r\nDTEND:20260105T120000Z\r\n") +
		event("two-ends", "DTSTART:20260106T100000Z\r\nDTEND:20260106T110000Z\r\nDTEND:20260106T150000Z\r\n") +
		event("end-first", "DTEND:20260107T110000Z\r\nDTSTART:20260107T100000Z\r\n") +
		event("end-and-duration", "DTSTART:20260107T100000Z\r\nDURATION:PT3H\r\nDTEND:20260107T110000Z\r\n") +
		event("two-durations", "DTSTART:20260107T120000Z\r\nDURATION:PT1H\r\nDURATION:PT3H\r\n") +
		event("lower-value", "DTSTART;value=date:20260108\r\n") +
		event("custom-a", "DTSTART;TZID=Custom:20260109T100000\r\nDTEND;TZID=Custom:20260109T110000\r\n") +
		event("floating", "DTSTART:20260110T100000\r\nDTEND:20260110T110000\r\n") +
		event("date-but-time", "DTSTART;VALUE=DATE:20260111T100000\r\n") +
		event("date-but-both", "DTSTART;VALUE=DATE:20260111T200000\r\nDTEND;VALUE=DATE:20260111T220000\r\n") +
		event("time-but-date", "DTSTART:20260112T100000Z\r\nDTEND;VALUE=DATE-TIME:20260113\r\n") +
		event("broken-prefix", "DTSTART;TZID=\"Custom:20260114T100000\r\nDTSTART:20260114T100000Z\r\n") +
		event("bad-value", "DTSTART:2026011T100000Z\r\n") +
		"END:VCALENDAR\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + zoneOf("-0500") +
		event("custom-b", "DTSTART;TZID=Custom:20260109T100000\r\nDTEND;TZID=Custom:20260109T110000\r\n") +
		"END:VCALENDAR\r\n"
	cal, err := Parse([]byte(feed), ParseOptions{Name: "times", SiteLocation: newYork})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	got := map[string]string{}
	for _, b := range res.Bookings {
		got[b.UID] = spanOf(b)
	}
	assert.Equal(t, map[string]string{
		"two-starts":       "2026-01-05T10:00:00Z/2026-01-05T12:00:00Z",
		"two-ends":         "2026-01-06T10:00:00Z/2026-01-06T11:00:00Z",
		"end-first":        "2026-01-07T10:00:00Z/2026-01-07T11:00:00Z",
		"end-and-duration": "2026-01-07T10:00:00Z/2026-01-07T11:00:00Z",
		"two-durations":    "2026-01-07T12:00:00Z/2026-01-07T13:00:00Z",
		"lower-value":      "2026-01-08T05:00:00Z/2026-01-09T05:00:00Z", // a day of the site zone
		"custom-a":         "2026-01-09T08:00:00Z/2026-01-09T09:00:00Z",
		"floating":         "2026-01-10T15:00:00Z/2026-01-10T16:00:00Z",
		"custom-b":         "2026-01-09T15:00:00Z/2026-01-09T16:00:00Z", // the second calendar's Custom
		// VALUE=DATE with a time is the date-time it is (no DTEND: an instant), with a warning.
		"date-but-time": "2026-01-11T15:00:00Z/2026-01-11T15:00:00Z",
		"date-but-both": "2026-01-12T01:00:00Z/2026-01-12T03:00:00Z",
	}, got)
	reasons := map[string]string{}
	for _, w := range res.Warnings {
		reasons[w.UID] = w.Reason
	}
	assert.Len(t, reasons, 9, "%v", reasons)
	assert.Equal(t, "DTSTART appears 2 times: the first is read (VEVENT at line 11)", reasons["two-starts"])
	assert.Equal(t, "DTEND appears 2 times: the first is read (VEVENT at line 19)", reasons["two-ends"])
	assert.Equal(t, "both DTEND and DURATION: DTEND is read, DURATION ignored (VEVENT at line 34)", reasons["end-and-duration"])
	assert.Equal(t, "DURATION appears 2 times: the first is read (VEVENT at line 42)", reasons["two-durations"])
	assert.Equal(t, "DTSTART: VALUE=DATE but the value has a time of day: read as that date-time, not as a whole day (VEVENT at line 70)", reasons["date-but-time"])
	assert.Contains(t, reasons["date-but-both"], "DTSTART and DTEND: VALUE=DATE but the value has a time of day")
	assert.Contains(t, reasons["time-but-date"], `DTEND: "20260113" is a date but VALUE=DATE-TIME`)
	assert.Contains(t, reasons["broken-prefix"], `(property "DTSTART"): ical: malformed param value`)
	assert.Contains(t, reasons["bad-value"], `DTSTART: "2026011T100000Z" is not a date-time`)
}
