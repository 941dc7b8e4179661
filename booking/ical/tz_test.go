package ical

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInFeedFixedOffsetVTimezone(t *testing.T) {
	// Skedda: UTC-05 in winter, UTC-04 in summer; the UTC-04 VTIMEZONE comes after its event.
	res := parseFixture(t, "tz_fixed.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, "2026-01-28T22:00:00Z/2026-01-28T23:00:00Z", spanOf(one(t, res, "1001_639052344000000000")))
	assert.Equal(t, "2026-04-15T13:00:00Z/2026-04-15T14:30:00Z", spanOf(one(t, res, "1002_639118188000000000")))
}

func TestInFeedRuleVTimezone(t *testing.T) {
	res := parseFixture(t, "tz_rules.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	for uid, want := range map[string]string{
		"rules-winter@example.org": "2026-01-15T11:00:00Z/2026-01-15T12:00:00Z",
		"rules-summer@example.org": "2026-07-01T10:00:00Z/2026-07-01T11:00:00Z",
		// 02:30 on the spring-forward day does not exist: offset before the gap (+01:00).
		"rules-gap@example.org": "2026-03-29T01:30:00Z/2026-03-29T02:00:00Z",
		// 02:30 on the fall-back day happens twice: the first (+02:00).
		"rules-overlap@example.org": "2026-10-25T00:30:00Z/2026-10-25T02:30:00Z",
		// RDATE-only observances.
		"rdate-summer@example.org": "2026-06-01T08:00:00Z/2026-06-01T09:00:00Z",
		"rdate-winter@example.org": "2026-12-01T09:00:00Z/2026-12-01T10:00:00Z",
	} {
		assert.Equal(t, want, spanOf(one(t, res, uid)), uid)
	}
}

func TestIANAZonesAndPrecedence(t *testing.T) {
	res := parseFixture(t, "tz_iana.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, "2026-06-10T07:00:00Z/2026-06-10T08:00:00Z", spanOf(one(t, res, "iana-amsterdam@example.org")))
	assert.Equal(t, "2026-01-10T14:00:00Z/2026-01-10T15:00:00Z", spanOf(one(t, res, "iana-newyork@example.org")))
	// The feed defines "Europe/Berlin" as a fixed +05:00; the IANA database wins.
	assert.Equal(t, "2026-06-10T07:00:00Z/2026-06-10T08:00:00Z", spanOf(one(t, res, "iana-over-infile@example.org")))
	assert.Equal(t, "2026-06-10T08:00:00Z/2026-06-10T09:00:00Z", spanOf(one(t, res, "iana-prefixed@example.org")))
	// The IANA name itself behind the slash (python-icalendar issue 466).
	assert.Equal(t, "2026-06-10T07:00:00Z/2026-06-10T08:00:00Z", spanOf(one(t, res, "iana-slash@example.org")))
	// An IANA name in another case is that zone when the feed defines none of the name...
	assert.Equal(t, wallSpan("America/New_York", "2026-07-10T09:00", "2026-07-10T10:00"), spanOf(one(t, res, "iana-folded@example.org")))
	// ...and the feed's own definition when it does, unlike the exact name's: a Google export
	// defines Europe/lisbon as central European time (+01:00 in January), not Lisbon's +00:00.
	assert.Equal(t, "2027-01-12T08:00:00Z/2027-01-12T09:00:00Z", spanOf(one(t, res, "infile-over-folded-iana@example.org")))
	// A UTC value ignores its TZID, even an unknown one.
	assert.Equal(t, "2026-06-10T09:00:00Z/2026-06-10T10:00:00Z", spanOf(one(t, res, "utc-with-tzid@example.org")))
}

func TestWindowsZoneNames(t *testing.T) {
	res := parseFixture(t, "tz_windows.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, "2026-06-10T07:00:00Z/2026-06-10T08:00:00Z", spanOf(one(t, res, "win-berlin@example.org")))
	assert.Equal(t, "2026-01-10T14:00:00Z/2026-01-10T15:00:00Z", spanOf(one(t, res, "win-eastern@example.org")))
	// Exchange's name of UTC, without a VTIMEZONE, quoted or not.
	assert.Equal(t, "2026-01-10T20:30:00Z/2026-01-10T21:00:00Z", spanOf(one(t, res, "win-exchange-utc@example.org")))
	assert.Equal(t, "2026-01-11T20:30:00Z/2026-01-11T21:00:00Z", spanOf(one(t, res, "win-exchange-utc-unquoted@example.org")))
	// Every entry of the table names a zone the embedded database knows.
	for win, iana := range windowsZones {
		_, err := time.LoadLocation(iana)
		assert.NoError(t, err, "%s -> %s", win, iana)
	}
}

func TestUTCOffsetNames(t *testing.T) {
	res := parseFixture(t, "tz_utcoffset.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, "2026-06-10T03:30:00Z/2026-06-10T04:30:00Z", spanOf(one(t, res, "offset-india@example.org")))
	assert.Equal(t, "2026-06-10T12:00:00Z/2026-06-10T13:00:00Z", spanOf(one(t, res, "offset-minus@example.org")))
	for name, want := range map[string]int{"UTC+02": 7200, "utc-0430": -16200, "UTC+5": 18000, "UTC-12:00": -43200, "GMT+05:30": 19800, "gmt-03:30": -12600} {
		z := utcOffsetZone(name)
		require.NotNil(t, z, name)
		assert.Equal(t, want, z.offset, name)
	}
	for _, name := range []string{"UTC+15", "UTC+02:75", "GMT+2", "GMT+0530", "GMT+5:30", "GMT+15:00", "UTC", "UTC+"} {
		assert.Nil(t, utcOffsetZone(name), name)
	}
}

func TestUnresolvableZoneSkipsEventWithWarning(t *testing.T) {
	res := parseFixture(t, "tz_unresolvable.ics", ParseOptions{}).Bookings(wide)
	assert.Empty(t, byUID(res.Bookings)["bad-zone@example.org"], "never read as UTC")
	one(t, res, "good-zone@example.org")
	w, ok := warningFor(res, "bad-zone@example.org")
	require.True(t, ok)
	assert.Equal(t, "tz_unresolvable.ics", w.Source)
	assert.Contains(t, w.Reason, `"Mars/Olympus_Mons" cannot be resolved`)
	assert.Contains(t, w.Reason, "event skipped")
}

func TestResolverRejectsLocal(t *testing.T) {
	r := newResolver(nil)
	_, err := r.resolve("Local")
	require.Error(t, err, "Local would silently mean the server's zone")
	_, err = r.resolve("")
	require.Error(t, err)
}

func TestBrokenVTimezoneIsReported(t *testing.T) {
	data := []byte("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Broken/Zone\nBEGIN:STANDARD\nDTSTART:19700101T000000\nEND:STANDARD\nEND:VTIMEZONE\n" +
		"BEGIN:VEVENT\nUID:uses-broken@example.org\nDTSTART;TZID=Broken/Zone:20260610T090000\nEND:VEVENT\nEND:VCALENDAR\n")
	cal, err := Parse(data, ParseOptions{Name: "x"})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	assert.Empty(t, res.Bookings)
	require.Len(t, res.Warnings, 2)
	assert.Contains(t, res.Warnings[0].Reason, "VTIMEZONE at line 2 ignored")
	assert.Equal(t, "uses-broken@example.org", res.Warnings[1].UID)
}

func TestFloatingTimesUseSiteZone(t *testing.T) {
	res := parseFixture(t, "floating.ics", ParseOptions{SiteLocation: amsterdam}).Bookings(wide)
	assert.Equal(t, "2026-06-10T07:00:00Z/2026-06-10T08:00:00Z", spanOf(one(t, res, "floating@example.org")))
	res = parseFixture(t, "floating.ics", ParseOptions{SiteLocation: newYork}).Bookings(wide)
	assert.Equal(t, "2026-06-10T13:00:00Z/2026-06-10T14:00:00Z", spanOf(one(t, res, "floating@example.org")))
}

func TestXWRTimezoneWinsForFloatingAndDates(t *testing.T) {
	res := parseFixture(t, "floating_xwr.ics", ParseOptions{SiteLocation: amsterdam}).Bookings(wide)
	require.Empty(t, res.Warnings)
	assert.Equal(t, "2026-06-10T13:00:00Z/2026-06-10T14:00:00Z", spanOf(one(t, res, "floating-xwr@example.org")))
	assert.Equal(t, "2026-06-11T04:00:00Z/2026-06-12T04:00:00Z", spanOf(one(t, res, "allday-xwr@example.org")))
	assert.Contains(t, res.Notes, `floating times and all-day dates read in the feed's X-WR-TIMEZONE "America/New_York"`)

	res = parseFixture(t, "floating_xwr_bad.ics", ParseOptions{SiteLocation: amsterdam}).Bookings(wide)
	assert.Equal(t, "2026-06-10T07:00:00Z/2026-06-10T08:00:00Z", spanOf(one(t, res, "floating-xwr-bad@example.org")))
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0].Reason, `X-WR-TIMEZONE "Atlantis/Capital" ignored`)
}

// foldKey gives two strings the same key exactly when strings.EqualFold holds for them, also
// for the letters whose folds leave ASCII (the Kelvin sign K, the long s ſ) or have three
// forms (Σ σ ς), on random strings of such letters.
func TestFoldKeyIsEqualFold(t *testing.T) {
	letters := []rune("aAkKKsSſσΣςiIİıßẞ, /-1")
	rng := rand.New(rand.NewPCG(3, 4))
	word := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteRune(letters[rng.IntN(len(letters))])
		}
		return b.String()
	}
	for range 20_000 {
		a, b := word(), word()
		require.Equal(t, strings.EqualFold(a, b), foldKey(a) == foldKey(b), "%q and %q", a, b)
	}
}

// A TZID that names a VTIMEZONE in another case resolves to it without comparing it with
// every VTIMEZONE of the feed, and of two VTIMEZONEs that differ only in case the last
// answers, as of two with one TZID: 30,000 of them and 30,000 events naming zones in another
// case or none at all took 20-27 s.
func TestTZIDsIgnoringCaseAmongManyVTimezones(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\n")
	vtz := func(tzid, offset string) {
		fmt.Fprintf(&b, "BEGIN:VTIMEZONE\r\nTZID:%s\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n", tzid, offset, offset)
	}
	for i := range 3000 {
		vtz(fmt.Sprintf("Zone %d", i), "+0100")
	}
	vtz("Twice", "+0200")
	vtz("TWICE", "+0300")
	vtz("Again", "+0400")
	vtz("Again", "+0500")
	event := func(uid, tzid string) {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTART;TZID=%s:20260603T090000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n", uid, tzid)
	}
	event("case@example.org", "ZONE 2999")
	event("twice@example.org", "twice")
	event("exact@example.org", "Twice")
	event("again@example.org", "Again")
	event("none@example.org", "Zone 3000")
	b.WriteString("END:VCALENDAR\r\n")
	cal, err := Parse([]byte(b.String()), ParseOptions{Name: "zones", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	assert.Equal(t, "2026-06-03T08:00:00Z/2026-06-03T09:00:00Z", spanOf(one(t, res, "case@example.org")))
	assert.Equal(t, "2026-06-03T06:00:00Z/2026-06-03T07:00:00Z", spanOf(one(t, res, "twice@example.org")), "the last of the two")
	assert.Equal(t, "2026-06-03T07:00:00Z/2026-06-03T08:00:00Z", spanOf(one(t, res, "exact@example.org")), "an exact TZID wins")
	assert.Equal(t, "2026-06-03T04:00:00Z/2026-06-03T05:00:00Z", spanOf(one(t, res, "again@example.org")), "the last of one TZID")
	w, ok := warningFor(res, "none@example.org")
	require.True(t, ok)
	assert.Contains(t, w.Reason, `"Zone 3000" cannot be resolved`)
}

// A parse looks names up in the zone database in vain at most maxParseIANAMisses times (each
// costs 20-50 µs of reading zone files); a name remembered from an earlier lookup, and the
// IANA name of a Windows zone, still resolve past that.
func TestVainZoneLookupsAreBounded(t *testing.T) {
	var misses atomic.Int32
	r := newResolver(&misses)
	bogus := func(i int) string { return fmt.Sprintf("Nowhere/Vain-%d-%d", time.Now().UnixNano(), i) }
	_, err := r.resolve(bogus(1))
	require.Error(t, err)
	require.EqualValues(t, 1, misses.Load(), "a vain lookup counts")
	_, err = r.resolve("Europe/Berlin")
	require.NoError(t, err)
	require.EqualValues(t, 1, misses.Load(), "a found one does not")

	misses.Store(maxParseIANAMisses)
	_, err = r.resolve(bogus(2))
	require.Error(t, err)
	assert.EqualValues(t, maxParseIANAMisses, misses.Load(), "past the bound, no lookup")
	for _, tzid := range []string{"Europe/Berlin", "W. Europe Standard Time", "Tokyo Standard Time"} {
		z, err := newResolver(&misses).resolve(tzid)
		require.NoError(t, err, tzid)
		require.NotNil(t, z, tzid)
	}
}

// An observance whose RRULE is not YEARLY is refused with its VTIMEZONE (a zone changes its
// offset a few times a year): a MINUTELY one made every instant in the zone cost milliseconds,
// 131 s for 50,000 events. Its events are skipped, never read in another offset.
func TestVTimezoneRulesMustBeYearly(t *testing.T) {
	for _, freq := range []string{"MINUTELY;INTERVAL=2", "DAILY", "WEEKLY", "MONTHLY"} {
		data := []byte("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Often\n" +
			"BEGIN:STANDARD\nDTSTART:16010101T000000\nRRULE:FREQ=" + freq + "\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\n" +
			"BEGIN:DAYLIGHT\nDTSTART:16010101T000100\nRRULE:FREQ=" + freq + "\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE\n" +
			"BEGIN:VEVENT\nUID:often@example.org\nDTSTART;TZID=Often:20260610T090000\nDURATION:PT1H\nEND:VEVENT\nEND:VCALENDAR\n")
		cal, err := Parse(data, ParseOptions{Name: "x"})
		require.NoError(t, err)
		res := cal.Bookings(wide)
		assert.Empty(t, res.Bookings, freq)
		require.Len(t, res.Warnings, 2, freq)
		assert.Contains(t, res.Warnings[0].Reason, "VTIMEZONE at line 2 ignored", freq)
		assert.Contains(t, res.Warnings[0].Reason, "FREQ must be YEARLY", freq)
		assert.Equal(t, "often@example.org", res.Warnings[1].UID, freq)
	}
}
