package ical

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/teambition/rrule-go"

	"github.com/net2booking/net2booking/booking"
)

func spans(bs []booking.Booking) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		out = append(out, spanOf(b))
	}
	return out
}

func TestRRuleWithExdateAndRdateLists(t *testing.T) {
	res := parseFixture(t, "recur_lists.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	got := byUID(res.Bookings)
	assert.Equal(t, []string{
		"2026-03-02T08:00:00Z/2026-03-02T09:00:00Z",
		// 9 and 16 March: EXDATE comma list with TZID.
		"2026-03-20T13:00:00Z/2026-03-20T14:00:00Z", // RDATE with TZID, series length
		"2026-03-21T10:00:00Z/2026-03-21T12:00:00Z", // RDATE PERIOD start/end
		"2026-03-22T10:00:00Z/2026-03-22T10:30:00Z", // RDATE PERIOD start/duration
		// 23 March: second EXDATE property, in UTC.
		"2026-03-30T07:00:00Z/2026-03-30T08:00:00Z", // after DST: still 09:00 local
		"2026-04-06T07:00:00Z/2026-04-06T08:00:00Z",
	}, spans(got["weekly-lists@example.org"]))
	for _, b := range got["weekly-lists@example.org"] {
		assert.Equal(t, b.Start, b.RecurrenceID, "an occurrence's RecurrenceID is its original start")
		assert.Equal(t, []string{"Room 7"}, b.Resources)
	}
	// DATE series, UNTIL as DATE (inclusive), EXDATE as DATE list; days of the site zone.
	assert.Equal(t, []string{
		"2026-05-31T22:00:00Z/2026-06-01T22:00:00Z",
		"2026-06-02T22:00:00Z/2026-06-03T22:00:00Z",
		"2026-06-04T22:00:00Z/2026-06-05T22:00:00Z",
	}, spans(got["daily-dates@example.org"]))
	for _, b := range got["daily-dates@example.org"] {
		assert.True(t, b.AllDay)
	}
}

func TestExpansionOnlyOverTheWindow(t *testing.T) {
	cal := parseFixture(t, "recur_lists.ics", ParseOptions{})
	res := cal.Bookings(win("2026-03-29T00:00:00Z", "2026-04-01T00:00:00Z"))
	assert.Equal(t, []string{"2026-03-30T07:00:00Z/2026-03-30T08:00:00Z"}, spans(res.Bookings))
	// An occurrence that started before the window but is still running overlaps it.
	res = cal.Bookings(win("2026-03-30T07:30:00Z", "2026-03-30T07:31:00Z"))
	assert.Len(t, res.Bookings, 1)
	res = cal.Bookings(win("2026-03-30T08:00:00Z", "2026-03-30T09:00:00Z"))
	assert.Empty(t, res.Bookings, "DTEND is exclusive")
}

func TestRecurrenceIDOverrides(t *testing.T) {
	cal := parseFixture(t, "recur_overrides.ics", ParseOptions{})
	res := cal.Bookings(win("2026-05-04T00:00:00Z", "2026-05-09T00:00:00Z"))
	require.Empty(t, res.Warnings)
	got := byUID(res.Bookings)
	daily := got["daily-series@example.org"]
	require.Len(t, daily, 4, "5 May moved out of the window")
	assert.Equal(t, "2026-05-04T08:00:00Z/2026-05-04T09:00:00Z", spanOf(daily[0]))
	assert.Equal(t, booking.StatusConfirmed, daily[0].Status)
	// Cancelled occurrence: reported, as cancelled.
	assert.Equal(t, "2026-05-06T08:00:00Z/2026-05-06T09:00:00Z", spanOf(daily[1]))
	assert.Equal(t, booking.StatusCancelled, daily[1].Status)
	assert.Equal(t, ts("2026-05-06T08:00:00Z"), daily[1].RecurrenceID)
	// Override by a UTC RECURRENCE-ID, other person and room, no DTEND: master's length.
	assert.Equal(t, "2026-05-07T10:00:00Z/2026-05-07T11:00:00Z", spanOf(daily[2]))
	assert.Equal(t, ts("2026-05-07T08:00:00Z"), daily[2].RecurrenceID)
	assert.Equal(t, []string{"Room 2"}, daily[2].Resources)
	assert.Equal(t, "ivo.standin@example.org", daily[2].Persons[0].Email)
	assert.Equal(t, "2026-05-08T08:00:00Z/2026-05-08T09:00:00Z", spanOf(daily[3]))
	// Moved into the window from June.
	june := got["june-series@example.org"]
	require.Len(t, june, 1)
	assert.Equal(t, "2026-05-07T13:00:00Z/2026-05-07T14:00:00Z", spanOf(june[0]))
	assert.Equal(t, ts("2026-06-02T08:00:00Z"), june[0].RecurrenceID)

	res = cal.Bookings(win("2026-05-15T00:00:00Z", "2026-05-25T00:00:00Z"))
	b := one(t, res, "daily-series@example.org")
	assert.Equal(t, "2026-05-20T08:00:00Z/2026-05-20T09:00:00Z", spanOf(b))
	assert.Equal(t, ts("2026-05-05T08:00:00Z"), b.RecurrenceID)

	res = cal.Bookings(win("2026-06-01T00:00:00Z", "2026-06-05T00:00:00Z"))
	assert.Equal(t, []string{
		"2026-06-01T08:00:00Z/2026-06-01T09:00:00Z",
		"2026-06-03T08:00:00Z/2026-06-03T09:00:00Z",
	}, spans(byUID(res.Bookings)["june-series@example.org"]), "2 June moved out")
}

func TestRangeThisAndFuture(t *testing.T) {
	res := parseFixture(t, "recur_overrides.ics", ParseOptions{}).Bookings(win("2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z"))
	bs := byUID(res.Bookings)["range-series@example.org"]
	assert.Equal(t, []string{
		"2026-09-07T07:00:00Z/2026-09-07T08:00:00Z",
		"2026-09-14T09:00:00Z/2026-09-14T11:00:00Z",
		"2026-09-21T09:00:00Z/2026-09-21T11:00:00Z",
		"2026-09-28T09:00:00Z/2026-09-28T11:00:00Z",
	}, spans(bs))
	assert.Equal(t, []string{"Room 4"}, bs[0].Resources)
	assert.Equal(t, []string{"Room 5"}, bs[3].Resources)
	assert.Equal(t, ts("2026-09-28T07:00:00Z"), bs[3].RecurrenceID)
}

func TestWeeklySeriesKeepsWallClockAcrossDST(t *testing.T) {
	res := parseFixture(t, "recur_dst.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	got := byUID(res.Bookings)
	assert.Equal(t, []string{
		"2026-03-16T08:00:00Z/2026-03-16T09:00:00Z",
		"2026-03-23T08:00:00Z/2026-03-23T09:00:00Z",
		"2026-03-30T07:00:00Z/2026-03-30T08:00:00Z",
		"2026-04-06T07:00:00Z/2026-04-06T08:00:00Z", // UNTIL in UTC is inclusive
	}, spans(got["weekly-ams@example.org"]))
	assert.Equal(t, []string{
		"2026-10-19T13:00:00Z/2026-10-19T14:00:00Z",
		"2026-10-26T13:00:00Z/2026-10-26T14:00:00Z",
		"2026-11-02T14:00:00Z/2026-11-02T15:00:00Z",
		"2026-11-09T14:00:00Z/2026-11-09T15:00:00Z",
	}, spans(got["weekly-ny@example.org"]))
	// An occurrence that falls into the gap uses the offset before it, like a single event.
	assert.Equal(t, []string{
		"2026-03-22T01:30:00Z/2026-03-22T02:30:00Z",
		"2026-03-29T01:30:00Z/2026-03-29T02:30:00Z",
		"2026-04-05T00:30:00Z/2026-04-05T01:30:00Z",
	}, spans(got["weekly-gap@example.org"]))
}

func recurFeed(rrule string, extra ...string) []byte {
	return []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:r@example.org\nDTSTART;TZID=Europe/Amsterdam:20260105T100000\n" +
		"DTEND;TZID=Europe/Amsterdam:20260105T110000\nRRULE:" + rrule + "\n" + strings.Join(extra, "\n") +
		"\nLOCATION:Room 1\nEND:VEVENT\nEND:VCALENDAR\n")
}

func TestOccurrenceCap(t *testing.T) {
	cal, err := Parse(recurFeed("FREQ=DAILY"), ParseOptions{Name: "x", MaxOccurrences: 10})
	require.NoError(t, err)
	res := cal.Bookings(win("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"))
	assert.Len(t, res.Bookings, 10)
	w, ok := warningFor(res, "r@example.org")
	require.True(t, ok)
	assert.Contains(t, w.Reason, "stopped after 10 occurrences")
	// A window before the cap is reached raises nothing.
	res = cal.Bookings(win("2026-01-01T00:00:00Z", "2026-01-06T00:00:00Z"))
	assert.Len(t, res.Bookings, 1)
	assert.Empty(t, res.Warnings)
}

func TestRRuleEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		rule  string
		count int    // bookings in January 2026
		warn  string // substring of the warning, "" for none
	}{
		{"FREQ=WEEKLY;X-NAME=FOO", 4, ""},
		{"freq=weekly;count=2;", 2, ""},
		{"FREQ=WEEKLY;UNTIL=20260112T100000", 2, ""}, // floating UNTIL: wall clock of the zone
		{"FREQ=WEEKLY;UNTIL=20260112", 2, ""},        // DATE UNTIL: that whole day
		{"FREQ=WEEKLY;UNTIL=20260112T085959Z", 1, ""},
		{"FREQ=HOURLY;INTERVAL=2;BYHOUR=5", 0, "never matches"},
		{"FREQ=MINUTELY;INTERVAL=2;BYMINUTE=1", 0, "never matches"},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", 1, "never matches"}, // only DTSTART, found up front
		// The warning quotes the whole rule, so the feed's owner can find it.
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9", 1, `RRULE "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9" ignored: rule never matches`},
		// A sub-daily period has one candidate per finer part: rrule-go would search these
		// period by period to the year 9999.
		{"FREQ=MINUTELY;BYSETPOS=2", 1, "never matches"},
		{"FREQ=SECONDLY;BYHOUR=18;BYSETPOS=-2", 1, "never matches"},
		{"FREQ=HOURLY;BYMINUTE=0,30;BYSETPOS=3", 1, "never matches"},
		{"FREQ=HOURLY;BYMINUTE=0,30;BYSETPOS=-2;COUNT=3", 3, ""},  // 10:00, 11:00, 12:00
		{"FREQ=MINUTELY;BYSECOND=0,30;BYSETPOS=2;COUNT=2", 3, ""}, // DTSTART, 10:00:30, 10:01:30
		{"FREQ=WEEKLY;RSCALE=GREGORIAN", 4, ""},                   // RFC 7529: RFC 5545's own calendar
		{"RSCALE=GREGORIAN;FREQ=WEEKLY;SKIP=OMIT", 4, ""},
		{"FREQ=WEEKLY;RSCALE=HEBREW", 0, "RSCALE=HEBREW is not supported"},
		{"RSCALE=GREGORIAN;FREQ=MONTHLY;SKIP=FORWARD", 0, "SKIP=FORWARD is not supported"},
		{"FREQ=WEEKLY;WEEKS=2", 0, "unsupported rule part WEEKS"},
		// An empty item of a BY list names nothing, as in EXDATE lists; a list of none is an
		// error (read as no list, it would widen the series).
		{"FREQ=WEEKLY;BYDAY=MO,", 4, ""},
		{"FREQ=WEEKLY;BYDAY=MO,,WE;COUNT=4", 4, ""}, // 5, 7, 12 and 14 January
		{"FREQ=MONTHLY;BYMONTH=1,;BYMONTHDAY=5,20,", 2, ""},
		{"FREQ=WEEKLY;BYDAY=", 0, "names no weekday"},
		{"FREQ=WEEKLY;BYDAY=,", 0, "names no weekday"},
		{"FREQ=DAILY;BYMONTH=,", 0, "names no value"},
		// Values in quotes, as markuspoerschke/iCal (PHP) wrote them before 0.14.
		{`FREQ=WEEKLY;BYDAY="MO,MO";COUNT="3"`, 3, ""},
		{`FREQ=WEEKLY;BYDAY="MO`, 0, "is not a weekday"},
		{"FREQ=WEEKLY;COUNT=0", 0, "COUNT"},
		{"FREQ=DAILY;INTERVAL=99999999999", 0, "INTERVAL"},
		{"FREQ=FORTNIGHTLY", 0, "unknown FREQ"},
		{"COUNT=3", 0, "FREQ is missing"},
		{"FREQ=WEEKLY;BYDAY=XX", 0, "weekday"},
		{"FREQ=MONTHLY;BYDAY=1MO,-1FR;COUNT=3", 2, ""}, // 5 and 30 January; 2 February is outside
	} {
		t.Run(tc.rule, func(t *testing.T) {
			cal, err := Parse(recurFeed(tc.rule), ParseOptions{Name: "x"})
			require.NoError(t, err)
			res := cal.Bookings(win("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"))
			assert.Len(t, res.Bookings, tc.count)
			if tc.warn == "" {
				assert.Empty(t, res.Warnings)
			} else {
				require.Len(t, res.Warnings, 1)
				assert.Contains(t, res.Warnings[0].Reason, tc.warn)
			}
		})
	}
}

func TestRecurrenceWithManyByValuesStaysBounded(t *testing.T) {
	// Repeated BY values must not multiply rrule-go's time set.
	hours := strings.TrimSuffix(strings.Repeat("1,", 5000), ",")
	cal, err := Parse(recurFeed("FREQ=DAILY;COUNT=3;BYHOUR="+hours+";BYMINUTE="+hours+";BYSECOND="+hours), ParseOptions{Name: "x"})
	require.NoError(t, err)
	res := cal.Bookings(win("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"))
	// DTSTART (10:00, not matching BYHOUR) is always an occurrence, then 3 from the rule.
	assert.Equal(t, []string{
		"2026-01-05T09:00:00Z/2026-01-05T10:00:00Z",
		"2026-01-06T00:01:01Z/2026-01-06T01:01:01Z",
		"2026-01-07T00:01:01Z/2026-01-07T01:01:01Z",
		"2026-01-08T00:01:01Z/2026-01-08T01:01:01Z",
	}, spans(res.Bookings))
}

func TestOrphanOverrideAndReplacedSingle(t *testing.T) {
	data := []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:orphan@example.org\nRECURRENCE-ID:20260610T090000Z\nDTSTART:20260610T120000Z\nDTEND:20260610T130000Z\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:single@example.org\nDTSTART:20260611T090000Z\nDTEND:20260611T100000Z\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:single@example.org\nRECURRENCE-ID:20260611T090000Z\nDTSTART:20260611T140000Z\nDTEND:20260611T150000Z\nEND:VEVENT\nEND:VCALENDAR\n")
	cal, err := Parse(data, ParseOptions{Name: "x"})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	o := one(t, res, "orphan@example.org")
	assert.Equal(t, "2026-06-10T12:00:00Z/2026-06-10T13:00:00Z", spanOf(o))
	assert.Equal(t, ts("2026-06-10T09:00:00Z"), o.RecurrenceID)
	s := one(t, res, "single@example.org")
	assert.Equal(t, "2026-06-11T14:00:00Z/2026-06-11T15:00:00Z", spanOf(s))
}

// Connect Daily (a room and resource calendar) exports each series as one VEVENT with its
// RRULE and a RECURRENCE-ID of its own, 1970's or DTSTART's (KCalendarCore's test data):
// "epoch" and "own". Read as an override on its own it would be one booking, and its booker
// locked out of the rest of the series; it is the series, and "own" has a moved occurrence
// beside it. The moved occurrences of a series the feed lacks, each with a copy of its rule,
// stay one booking each, as before, for which is the series is unknown: "split"; so does one
// alone, whose RECURRENCE-ID names another time than its own: "moved". And a later version
// without the rule is a series that became one booking: "became-single".
func TestSeriesWrittenWithARecurrenceIDOfItsOwn(t *testing.T) {
	res := parseFixture(t, "recur_own_recurrence_id.ics", ParseOptions{SiteLocation: time.UTC}).Bookings(win("2026-12-01T00:00:00Z", "2027-06-01T00:00:00Z"))
	got := byUID(res.Bookings)
	assert.Equal(t, []string{"2027-01-07T01:00:00Z/2027-01-07T03:00:00Z", "2027-01-14T01:00:00Z/2027-01-14T03:00:00Z", "2027-01-28T01:00:00Z/2027-01-28T03:00:00Z"}, spans(got["epoch"]))
	for _, b := range got["epoch"] {
		assert.Equal(t, b.Start, b.RecurrenceID, "occurrences of a series, not an override")
	}
	assert.Equal(t, []string{"2027-01-05T00:00:00Z/2027-01-06T00:00:00Z", "2027-01-20T00:00:00Z/2027-01-21T00:00:00Z", "2027-02-02T00:00:00Z/2027-02-03T00:00:00Z"}, spans(got["own"]))
	assert.Equal(t, []string{"2027-01-04T10:00:00Z/2027-01-04T11:00:00Z", "2027-01-05T11:00:00Z/2027-01-05T12:00:00Z"}, spans(got["split"]))
	assert.Equal(t, []string{"2027-01-04T09:00:00Z/2027-01-04T10:00:00Z"}, spans(got["became-single"]))
	assert.Equal(t, []string{"2027-01-05T10:00:00Z/2027-01-05T11:00:00Z"}, spans(got["moved"]))
	assert.Empty(t, res.Warnings)
}

func TestSeriesFromLongAgoReachesWindow(t *testing.T) {
	data := []byte(fmt.Sprintf("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:old@example.org\nDTSTART;TZID=Europe/Amsterdam:20000103T090000\nDURATION:PT1H\nRRULE:FREQ=WEEKLY\nEND:VEVENT\nEND:VCALENDAR\n"))
	cal, err := Parse(data, ParseOptions{Name: "x"})
	require.NoError(t, err)
	res := cal.Bookings(win("2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z"))
	require.Len(t, res.Bookings, 1)
	assert.Equal(t, "2026-06-01T07:00:00Z/2026-06-01T08:00:00Z", spanOf(res.Bookings[0]))
	assert.Equal(t, time.Monday, res.Bookings[0].Start.In(amsterdam).Weekday())
}

// An hourly series of seven years reaches the window without hitting the occurrence cap
// (iterated from DTSTART, 61,000 hours, it was cut off before the window), and a minutely
// BYSETPOS that no minute reaches is dropped at once instead of searched to 9999.
func TestOldFrequentSeriesReachWindow(t *testing.T) {
	data := []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:hourly@example.org\nDTSTART:20190105T090000Z\nDURATION:PT15M\nRRULE:FREQ=HOURLY\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:never@example.org\nDTSTART:20190105T090000Z\nDURATION:PT15M\nRRULE:FREQ=MINUTELY;BYSETPOS=2\nEND:VEVENT\nEND:VCALENDAR\n")
	cal, err := Parse(data, ParseOptions{Name: "x"})
	require.NoError(t, err)
	res := cal.Bookings(win("2026-06-01T10:00:00Z", "2026-06-01T13:00:00Z"))
	hourly := byUID(res.Bookings)["hourly@example.org"]
	require.Len(t, hourly, 3)
	assert.Equal(t, "2026-06-01T10:00:00Z/2026-06-01T10:15:00Z", spanOf(hourly[0]))
	require.Len(t, res.Warnings, 1)
	assert.Equal(t, "never@example.org", res.Warnings[0].UID)
	assert.Contains(t, res.Warnings[0].Reason, "never matches")
}

// neverMatches decides by searching one calendar cycle placed before rrule-go's last year;
// the ground truth is rrule-go's own search from DTSTART to the year 9999. Random rules whose
// parts can empty each other (the ones neverMatches checks) must get the same answer, and the
// rules of the issue that rrule-go searched to 9999 must be found.
func TestNeverMatchesAgreesWithAFullSearch(t *testing.T) {
	truth := func(opt rrule.ROption) bool { return fullSearchNever(t, opt) }
	check := func(rule string, dtstart time.Time) (checked, never bool) { return checkNever(t, rule, dtstart) }
	d2026 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, rule := range []string{
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=2",
		"FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6",
		"FREQ=MONTHLY;BYWEEKNO=53;BYMONTH=6",
		"FREQ=WEEKLY;BYWEEKNO=53;BYMONTH=6",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;INTERVAL=4",
	} {
		checked, never := check(rule, d2026)
		assert.True(t, checked && never, rule)
	}
	for _, rule := range []string{ // sparse, not empty
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
		"FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
		"FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
		"FREQ=YEARLY;BYWEEKNO=53",
		"FREQ=YEARLY;BYYEARDAY=366",
		"FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=1",
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYMONTH=6",
	} {
		checked, never := check(rule, d2026)
		assert.True(t, checked && !never, rule)
	}
	_, never := check("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", time.Date(2024, 2, 29, 9, 0, 0, 0, time.UTC))
	assert.False(t, never, "every 4 years from a leap day")

	// Random rules, starting late so that the full search stays short.
	rng := rand.New(rand.NewPCG(11, 5))
	freqs := []string{"YEARLY", "MONTHLY", "WEEKLY", "DAILY"}
	days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
	pick := func(n, lo, hi int) string {
		var parts []string
		for range 1 + rng.IntN(n) {
			v := lo + rng.IntN(hi-lo+1)
			if v == 0 {
				v = 1
			}
			parts = append(parts, strconv.Itoa(v))
		}
		return strings.Join(parts, ",")
	}
	checked, nevers := 0, 0
	for range 40 {
		freq := freqs[rng.IntN(len(freqs))]
		rule := "FREQ=" + freq
		if rng.IntN(3) == 0 {
			rule += ";INTERVAL=" + strconv.Itoa(2+rng.IntN(4))
		}
		if rng.IntN(2) == 0 {
			rule += ";BYMONTH=" + pick(2, 1, 12)
		}
		if rng.IntN(2) == 0 {
			rule += ";BYMONTHDAY=" + pick(2, -31, 31)
		}
		if rng.IntN(2) == 0 {
			d := days[rng.IntN(7)]
			if freq == "MONTHLY" || freq == "YEARLY" {
				if n := rng.IntN(7) - 3; n != 0 {
					d = strconv.Itoa(n) + d
				}
			}
			rule += ";BYDAY=" + d
		}
		if rng.IntN(4) == 0 && freq == "YEARLY" {
			rule += ";BYWEEKNO=" + pick(1, -53, 53)
		}
		if rng.IntN(4) == 0 && freq != "MONTHLY" && freq != "WEEKLY" {
			rule += ";BYYEARDAY=" + pick(1, -366, 366)
		}
		if rng.IntN(4) == 0 {
			rule += ";BYSETPOS=" + pick(1, -3, 3)
		}
		start := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 9, 0, 0, 0, time.UTC)
		start = start.AddDate(7000-2026, 0, 0) // the full search: 3,000 years
		if freq == "DAILY" || freq == "WEEKLY" {
			start = start.AddDate(1000, 0, 0)
		}
		if _, err := parseRRule(rule); err != nil {
			continue
		}
		if ok, never := check(rule, start); ok {
			checked++
			if never {
				nevers++
			}
			// The memo's key: another DTSTART with the same key has the same answer.
			rs, _ := parseRRule(rule)
			opt, other := rs.opt, start.AddDate(3, 2, 5)
			k1, _ := neverKey(opt, start)
			if k2, _ := neverKey(opt, other); k1 == k2 {
				opt.Dtstart = other
				assert.Equal(t, never, truth(opt), "%s from %s and from %s (key %q)", rule, start.Format("2006-01-02"), other.Format("2006-01-02"), k1)
			}
		}
	}
	assert.Greater(t, checked, 20, "random rules checked")
	assert.Greater(t, nevers, 3, "random rules that never match")
	assert.Less(t, nevers, checked-3, "random rules that match")
}

// A sub-daily rule is reduced to the daily rules of the days it visits at an allowed time
// of day; the answer must be rrule-go's own full search (started late so that it stays
// short), for rules whose day parts empty each other, rules whose INTERVAL never brings a
// visit onto an accepted day, and sparse rules that do match.
func TestSubDailyNeverMatchesAgreesWithAFullSearch(t *testing.T) {
	check := func(rule string, dtstart time.Time) (checked, never bool) { return checkNever(t, rule, dtstart) }
	// Cycles of up to 2,000 years must fit between the start and rrule-go's last year.
	late := time.Date(7900, 1, 1, 9, 30, 0, 0, time.UTC) // a Monday
	require.Equal(t, time.Monday, late.Weekday())
	for rule, want := range map[string]bool{
		"FREQ=HOURLY;BYYEARDAY=60;BYMONTHDAY=28":                  true,
		"FREQ=MINUTELY;BYWEEKNO=53;BYMONTH=6":                     true,
		"FREQ=SECONDLY;INTERVAL=7;BYMONTH=2;BYDAY=MO;BYYEARDAY=1": true,
		"FREQ=HOURLY;INTERVAL=168;BYDAY=TU":                       true, // always a Monday
		"FREQ=HOURLY;INTERVAL=336;BYDAY=MO,TU":                    false,
		"FREQ=HOURLY;INTERVAL=48;BYDAY=TU":                        false, // Mon, Wed, ... Tue
		"FREQ=HOURLY;INTERVAL=5;BYHOUR=9;BYDAY=TU":                false, // 09:00 every 5 days
		"FREQ=MINUTELY;INTERVAL=1440;BYDAY=SU;BYHOUR=9":           false,
		"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO":            false, // sparse
		"FREQ=HOURLY;BYWEEKNO=53;BYDAY=TH":                        false,
		"FREQ=HOURLY;INTERVAL=72;BYMONTH=2;BYMONTHDAY=29":         false,
		// 09:00 every 25 days: a cycle of 10,000 years, decided by the day parts alone.
		"FREQ=HOURLY;INTERVAL=25;BYHOUR=9;BYYEARDAY=60;BYMONTHDAY=28": true,
		"FREQ=HOURLY;INTERVAL=25;BYHOUR=9;BYDAY=TU":                   false,
	} {
		checked, never := check(rule, late)
		assert.True(t, checked, rule)
		assert.Equal(t, want, never, rule)
	}
	_, ok := neverKey(mustRule(t, "FREQ=HOURLY;BYHOUR=9"), late)
	assert.False(t, ok, "no day parts: checkReachable decides")

	rng := rand.New(rand.NewPCG(7, 3))
	intervals := []int{1, 2, 3, 5, 7, 24, 25, 48, 72, 168, 336}
	days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
	checked, nevers := 0, 0
	for range 24 {
		rule := "FREQ=HOURLY;INTERVAL=" + strconv.Itoa(intervals[rng.IntN(len(intervals))])
		if rng.IntN(2) == 0 {
			rule += ";BYMONTH=" + strconv.Itoa(1+rng.IntN(12))
		}
		if rng.IntN(2) == 0 {
			rule += ";BYMONTHDAY=" + strconv.Itoa(1+rng.IntN(31))
		}
		if rng.IntN(2) == 0 {
			rule += ";BYDAY=" + days[rng.IntN(7)]
		}
		if rng.IntN(3) == 0 {
			rule += ";BYYEARDAY=" + strconv.Itoa(1+rng.IntN(366))
		}
		if rng.IntN(3) == 0 {
			rule += ";BYHOUR=" + strconv.Itoa(rng.IntN(24))
		}
		start := late.AddDate(0, rng.IntN(12), rng.IntN(28)).Add(time.Duration(rng.IntN(24)) * time.Hour)
		rs, err := parseRRule(rule)
		require.NoError(t, err)
		opt := rs.opt
		opt.Dtstart = start
		if checkReachable(opt) != nil {
			continue // rrule-go's own search would visit every hour to 9999
		}
		if ok, never := check(rule, start); ok {
			checked++
			if never {
				nevers++
			}
		}
	}
	t.Logf("%d random rules checked, %d never match", checked, nevers)
	assert.Greater(t, checked, 10, "random rules checked")
	assert.Greater(t, nevers, 1, "random rules that never match")
	assert.Less(t, nevers, checked-1, "random rules that match")
}

func mustRule(t *testing.T, rule string) rrule.ROption {
	t.Helper()
	rs, err := parseRRule(rule)
	require.NoError(t, err, rule)
	return rs.opt
}

// Long RDATE and EXDATE lists are held as instants: each excluded start still goes, each
// added one still comes, DATE and DATE-TIME exclusions apply as before, and a list split over
// many lines is read whole.
func TestLongDateListsKeepTheirMeaning(t *testing.T) {
	monday := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var ex, rd []string
	excluded := map[time.Time]bool{}
	for i := 0; i < 52; i += 2 { // every other Monday, as DATE-TIMEs
		d := monday.AddDate(0, 0, 7*i)
		ex, excluded[d] = append(ex, d.Format("20060102T150405Z")), true
	}
	for i := range 3000 { // starts that are no occurrence (10:00)
		ex = append(ex, monday.AddDate(0, 0, i).Add(time.Hour).Format("20060102T150405Z"))
	}
	added := map[time.Time]bool{}
	for i := range 1500 { // Tuesdays at 09:00, for 29 years
		d := monday.AddDate(0, 0, 7*i+1)
		rd = append(rd, d.Format("20060102T150405Z"))
		if d.Year() == 2026 {
			added[d] = true
		}
	}
	rd = append(rd, monday.AddDate(0, 0, 7).Format("20060102T150405Z")) // also an RRULE start
	slices.Reverse(ex)                                                  // lists need not be in order
	lines := func(name string, vals []string) string {
		var b strings.Builder
		for len(vals) > 0 {
			n := min(40, len(vals))
			b.WriteString(name + ":" + strings.Join(vals[:n], ",") + "\r\n")
			vals = vals[n:]
		}
		return b.String()
	}
	dateEx := monday.AddDate(0, 0, 7*51) // a Monday excluded by DATE
	excluded[dateEx] = true
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:lists@example.org\r\nDTSTART:20260105T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY\r\n" +
		lines("EXDATE", ex) + "EXDATE;VALUE=DATE:" + dateEx.Format("20060102") + "\r\n" + lines("RDATE", rd) +
		"ATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse([]byte(feed), ParseOptions{Name: "lists", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(win("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"))
	require.Empty(t, res.Warnings)
	want := map[time.Time]bool{}
	for d := monday; d.Year() == 2026; d = d.AddDate(0, 0, 7) {
		if !excluded[d] {
			want[d] = true
		}
	}
	for d := range added {
		want[d] = true
	}
	got := map[time.Time]bool{}
	for _, b := range res.Bookings {
		assert.False(t, got[b.Start], "twice: %s", b.Start)
		got[b.Start] = true
	}
	assert.Equal(t, len(want), len(got))
	for d := range want {
		assert.True(t, got[d], "missing %s", d)
	}
}

// fullSearchNever is the ground truth for neverMatches: rrule-go's own search for a first
// occurrence, from DTSTART to its last year.
func fullSearchNever(t *testing.T, opt rrule.ROption) bool {
	t.Helper()
	opt.Until, opt.Count = time.Time{}, 0
	r, err := rrule.NewRRule(opt)
	require.NoError(t, err)
	_, found := r.Iterator()()
	return !found
}

// checkNever compares neverMatches with the full search for a rule neverKey accepts
// (checked). An answer exact by construction must be equal; a sub-daily one decided by its
// day parts alone must be right when it says the rule never matches.
func checkNever(t *testing.T, rule string, dtstart time.Time) (checked, never bool) {
	t.Helper()
	opt := mustRule(t, rule)
	opt.Dtstart = dtstart
	if _, ok := neverKey(opt, dtstart); !ok {
		return false, false
	}
	never = neverMatches(opt, dtstart)
	exact := true
	if opt.Freq >= rrule.HOURLY {
		_, exact, _ = subDailyCheck(opt, dtstart)
	}
	switch {
	case exact:
		assert.Equal(t, fullSearchNever(t, opt), never, "%s from %s", rule, dtstart.Format(time.RFC3339))
	case never:
		assert.True(t, fullSearchNever(t, opt), "%s from %s", rule, dtstart.Format(time.RFC3339))
	}
	return true, never
}

// RDATE and EXDATE lines after DTSTART (as producers write them) are read as they are decoded,
// those before it when the event is read: both give the same occurrences and the same first
// error. Floating values take DTSTART's zone, a DATE RDATE and a PERIOD keep what they say in
// feed order (of two RDATEs at one instant the first wins), and an RDATE error is given before
// an EXDATE one.
func TestDateListsBeforeAndAfterDTSTART(t *testing.T) {
	lists := "RDATE:20260320T140000\r\n" + // floating: 14:00 Amsterdam (CET)
		"RDATE;VALUE=PERIOD:20260321T100000Z/PT3H\r\nRDATE:20260322T100000Z\r\n" +
		"RDATE:20260321T100000Z\r\n" + // the same instant as the PERIOD: the PERIOD came first
		"RDATE;VALUE=PERIOD:20260323T110000Z/20260323T113000Z\r\n" +
		"RDATE:20260322T110000Z\r\n" +
		"RDATE;VALUE=DATE:20260324\r\n" + // a day of the site zone (New York), not of DTSTART's
		"EXDATE;TZID=America/New_York:20260309T040000\r\n" + // 09:00 Amsterdam, 9 March
		"EXDATE:20260316T090000\r\n" + // floating: 16 March 09:00 Amsterdam
		"EXDATE;VALUE=DATE:20260406\r\n"
	event := func(before, after string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:lists@example.org\r\n" + before +
			"DTSTART;TZID=Europe/Amsterdam:20260302T090000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=6\r\n" + after +
			"ATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	read := func(feed string) booking.FetchResult {
		cal, err := Parse([]byte(feed), ParseOptions{Name: "lists", SiteLocation: newYork})
		require.NoError(t, err)
		return cal.Bookings(win("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"))
	}
	want := []string{
		"2026-03-02T08:00:00Z/2026-03-02T09:00:00Z",
		"2026-03-20T13:00:00Z/2026-03-20T14:00:00Z",
		"2026-03-21T10:00:00Z/2026-03-21T13:00:00Z",
		"2026-03-22T10:00:00Z/2026-03-22T11:00:00Z",
		"2026-03-22T11:00:00Z/2026-03-22T12:00:00Z",
		"2026-03-23T08:00:00Z/2026-03-23T09:00:00Z",
		"2026-03-23T11:00:00Z/2026-03-23T11:30:00Z",
		"2026-03-24T04:00:00Z/2026-03-24T05:00:00Z",
		"2026-03-30T07:00:00Z/2026-03-30T08:00:00Z",
	}
	after, before := read(event("", lists)), read(event(lists, ""))
	require.Empty(t, after.Warnings)
	assert.Equal(t, want, spans(after.Bookings))
	assert.Equal(t, want, spans(before.Bookings), "lists before DTSTART")
	// An event body over batchBytes: held in chunks, its lists reserved at their size.
	pad := strings.Repeat("X-PAD:"+strings.Repeat("p", 70)+"\r\n", batchBytes/78+1000)
	big := read(event(pad, pad+lists+pad))
	require.Empty(t, big.Warnings)
	assert.Equal(t, want, spans(big.Bookings), "a large event")

	bad := "EXDATE:2026-03-16\r\nRDATE:20260320T140000\r\nRDATE:20260321T1000\r\nRDATE:20260399T100000Z\r\n"
	for _, feed := range []string{event("", bad), event(bad, ""), event("RDATE:20260320T140000\r\n", bad)} {
		res := read(feed)
		assert.Empty(t, res.Bookings)
		w, ok := warningFor(res, "lists@example.org")
		require.True(t, ok)
		assert.Contains(t, w.Reason, `RDATE: "20260321T1000" is not a date-time`)
		assert.Contains(t, w.Reason, "event skipped")
	}
	res := read(event("", "EXDATE:2026-03-16\r\n"))
	w, ok := warningFor(res, "lists@example.org")
	require.True(t, ok)
	assert.Contains(t, w.Reason, `EXDATE: "2026-03-16"`)
}

// Past minParallelSeries, series are expanded on two cores: the bookings and the warnings
// (each series hits the occurrence cap: more warnings than maxWarnings in each half) are
// those of one core, in series order.
func TestSeriesExpandAlikeOnAnyNumberOfCores(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:single@example.org\nDTSTART:20260601T090000Z\nDURATION:PT1H\nEND:VEVENT\n")
	for i := range 3 * maxWarnings {
		rule := []string{"FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=HOURLY;INTERVAL=5"}[i%3]
		fmt.Fprintf(&b, "BEGIN:VEVENT\nUID:s%d@example.org\nDTSTART:202605%02dT%02d0000Z\nDURATION:PT30M\nRRULE:%s\nEND:VEVENT\n", i, 1+i%28, i%24, rule)
	}
	b.WriteString("END:VCALENDAR\n")
	require.Greater(t, 3*maxWarnings, minParallelSeries)
	cal, err := Parse([]byte(b.String()), ParseOptions{Name: "x", MaxOccurrences: 4})
	require.NoError(t, err)
	w := win("2026-06-01T00:00:00Z", "2026-06-15T00:00:00Z")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := cal.Bookings(w)
	runtime.GOMAXPROCS(2)
	two := cal.Bookings(w)
	require.True(t, reflect.DeepEqual(one, two), "one core and two differ")
	require.NotEmpty(t, one.Bookings)
	require.Len(t, one.Warnings, maxWarnings+1, "capped warnings and the count of the others")
	assert.Contains(t, one.Warnings[0].Reason, "recurrence stopped after 4 occurrences")
	assert.Equal(t, "s0@example.org", one.Warnings[0].UID)
	assert.Equal(t, fmt.Sprintf("%d more warnings not shown", 2*maxWarnings), one.Warnings[maxWarnings].Reason)
}

// BYDAY=MO,1WE in a MONTHLY or YEARLY rule is every Monday and the first Wednesday (RFC 5545),
// as two rules are; rrule-go alone finds no day that is both. With COUNT or BYSETPOS, which
// count or pick among both kinds together: joint_test.go.
func TestMixedNumberedAndPlainWeekdays(t *testing.T) {
	feed := func(rules ...string) []byte {
		return []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:m@example.org\nDTSTART:20260501T090000Z\nDURATION:PT1H\nRRULE:" +
			strings.Join(rules, "\nRRULE:") + "\nEND:VEVENT\nEND:VCALENDAR\n")
	}
	june := win("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z")
	for _, tc := range []struct {
		mixed string
		apart []string
		count int
	}{
		{"FREQ=MONTHLY;BYDAY=MO,1WE", []string{"FREQ=MONTHLY;BYDAY=MO", "FREQ=MONTHLY;BYDAY=1WE"}, 6},                            // 1, 3, 8, 15, 22, 29 June
		{"FREQ=MONTHLY;BYDAY=-1MO,MO", []string{"FREQ=MONTHLY;BYDAY=MO", "FREQ=MONTHLY;BYDAY=-1MO"}, 5},                          // the last Monday is a Monday
		{"FREQ=YEARLY;BYMONTH=6;BYDAY=2TU,FR", []string{"FREQ=YEARLY;BYMONTH=6;BYDAY=FR", "FREQ=YEARLY;BYMONTH=6;BYDAY=2TU"}, 5}, // 5, 9, 12, 19, 26 June
	} {
		cal, err := Parse(feed(tc.mixed), ParseOptions{Name: "x"})
		require.NoError(t, err)
		got := cal.Bookings(june)
		require.Empty(t, got.Warnings, tc.mixed)
		require.Len(t, got.Bookings, tc.count, tc.mixed)
		cal, err = Parse(feed(tc.apart...), ParseOptions{Name: "x"})
		require.NoError(t, err)
		require.Equal(t, cal.Bookings(june).Bookings, got.Bookings, tc.mixed)
	}
}

// The rules of all series together generate at most MaxFeedOccurrences occurrences for one
// answer: the series are expanded in feed order, the first ones whole, and those past the cap
// lose their later occurrences, each saying so in a warning. On two cores (past
// minParallelSeries) the answer is that of one core.
func TestFeedOccurrenceCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:single@example.org\nDTSTART:20260610T090000Z\nDURATION:PT1H\nEND:VEVENT\n")
	const series = 100
	whole := func(i int) int { // every tenth series has two rules: on the hour and half past
		if i%10 == 9 {
			return 48
		}
		return 24
	}
	for i := range series {
		rules := "RRULE:FREQ=HOURLY"
		if whole(i) == 48 {
			rules += "\nRRULE:FREQ=HOURLY;BYMINUTE=30"
		}
		fmt.Fprintf(&b, "BEGIN:VEVENT\nUID:s%03d@example.org\nDTSTART:20260601T000000Z\nDURATION:PT20M\n%s\nEND:VEVENT\n", i, rules)
	}
	b.WriteString("END:VCALENDAR\n")
	require.Greater(t, series, minParallelSeries)
	day := win("2026-06-10T00:00:00Z", "2026-06-11T00:00:00Z")
	perSeries := func(res booking.FetchResult) map[string]int {
		n := map[string]int{}
		for _, bk := range res.Bookings {
			n[bk.UID]++
		}
		return n
	}

	// The default cap leaves this feed whole.
	cal, err := Parse([]byte(b.String()), ParseOptions{Name: "x"})
	require.NoError(t, err)
	all := cal.Bookings(day)
	require.Empty(t, all.Warnings)
	for i := range series {
		require.Equal(t, whole(i), perSeries(all)[fmt.Sprintf("s%03d@example.org", i)])
	}

	cal, err = Parse([]byte(b.String()), ParseOptions{Name: "x", MaxFeedOccurrences: 5000})
	require.NoError(t, err)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := cal.Bookings(day)
	runtime.GOMAXPROCS(2)
	two := cal.Bookings(day)
	require.True(t, reflect.DeepEqual(one, two), "one core and two differ")

	// A prefix of the series is whole, one at most is cut short, the rest have nothing.
	counts, cut := perSeries(one), -1
	for i := range series {
		n := counts[fmt.Sprintf("s%03d@example.org", i)]
		switch {
		case cut < 0 && n == whole(i):
		case cut < 0:
			cut = i
		default:
			require.Zero(t, n, "series %d after the cut at %d", i, cut)
		}
	}
	require.Greater(t, cut, 0, "some series are whole and some are cut")
	assert.Equal(t, 1, counts["single@example.org"], "singles are not counted")
	var warned []string
	for _, w := range one.Warnings {
		require.Contains(t, w.Reason, "reached 5000 occurrences together (the limit of one feed)")
		warned = append(warned, w.UID)
	}
	var want []string
	for i := cut; i < series; i++ {
		want = append(want, fmt.Sprintf("s%03d@example.org", i))
	}
	assert.Equal(t, want, warned, "each cut series is named once (also one of two rules), in order")
}

// EXRULE (RFC 2445, deprecated by RFC 5545 and still written) excludes its occurrences as
// EXDATE does; ignored, a door would open at the times it excludes. recur_exrule.ics is
// written from KCalendarCore's LibICal_TestCase57 (every day of January but weekends, by two
// EXRULEs) and RFC 2445's EXRULE: "weekdays"; COUNT counts from DTSTART, so the first two
// Mondays are excluded, DTSTART among them: "count"; matched by the wall clock of the series'
// zone across the change to summer time: "zoned"; an EXRULE that never matches (or is empty)
// excludes nothing and says nothing: "never"; one that cannot be read costs the event, as an
// RRULE that cannot be read does, for read without it the series would open the door at
// times it excludes: "broken".
func TestEXRuleExcludesItsOccurrences(t *testing.T) {
	res := parseFixture(t, "recur_exrule.ics", ParseOptions{}).Bookings(win("2026-12-01T00:00:00Z", "2027-06-01T00:00:00Z"))
	got := byUID(res.Bookings)

	var want []string
	for d := 1; d <= 31; d++ {
		if day := time.Date(2027, 1, d, 9, 0, 0, 0, time.UTC); day.Weekday() != time.Saturday && day.Weekday() != time.Sunday {
			want = append(want, day.Format("2006-01-02T15:04:05Z")+"/"+day.Add(time.Hour).Format("2006-01-02T15:04:05Z"))
		}
	}
	assert.Equal(t, want, spans(got["weekdays"]))
	assert.Equal(t, []string{"2027-01-18T09:00:00Z/2027-01-18T10:00:00Z", "2027-01-25T09:00:00Z/2027-01-25T10:00:00Z", "2027-02-01T09:00:00Z/2027-02-01T10:00:00Z"}, spans(got["count"]))
	var zoned []string
	for _, b := range got["zoned"] {
		zoned = append(zoned, b.Start.In(amsterdam).Format("Mon 02 15:04"))
	}
	assert.Equal(t, []string{"Mon 22 09:00", "Tue 23 09:00", "Wed 24 09:00", "Thu 25 09:00", "Fri 26 09:00",
		"Mon 29 09:00", "Tue 30 09:00", "Wed 31 09:00", "Thu 01 09:00", "Fri 02 09:00"}, zoned)
	assert.Len(t, got["never"], 3)
	_, warned := warningFor(res, "never")
	assert.False(t, warned)
	assert.Empty(t, got["broken"])
	w, ok := warningFor(res, "broken")
	require.True(t, ok)
	assert.Contains(t, w.Reason, `EXRULE: `)
	assert.Contains(t, w.Reason, "BYWHEN")
	assert.Len(t, res.Warnings, 1)
}

// An EXRULE stopped by the occurrence limit leaves the series' later occurrences out, with a
// warning, instead of letting them through unexcluded.
func TestEXRuleAtTheLimitFailsClosed(t *testing.T) {
	feed := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:dense\r\nDTSTART:20270104T090000Z\r\nDURATION:PT30M\r\n" +
		"RRULE:FREQ=DAILY\r\nEXRULE:FREQ=HOURLY;BYHOUR=0,1,2,3,4,5,6,7,8,10,11,12\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	res := parseText(t, feed, ParseOptions{Name: "x", MaxOccurrences: 60}).Bookings(win("2027-01-04T00:00:00Z", "2027-01-20T00:00:00Z"))
	require.NotEmpty(t, res.Bookings)
	last := res.Bookings[len(res.Bookings)-1].Start
	assert.True(t, last.Before(ts("2027-01-10T00:00:00Z")), "occurrences past the EXRULE's limit are left out: last %s", last)
	for _, b := range res.Bookings {
		assert.Equal(t, 9, b.Start.Hour())
	}
	w, ok := warningFor(res, "dense")
	require.True(t, ok)
	assert.Contains(t, w.Reason, "EXRULE stopped after 60 occurrences (the limit)")
}

// Readings of RFC 5545 that rrule-go (like python-dateutil) does not make, checked against
// libical's recurrence tests (src/test/icalrecur_test.txt) and KCalendarCore, whose expected
// occurrences recur_rfc_readings.ics is written from:
//   - FREQ=YEARLY;BYMONTHDAY names no month, so the month is DTSTART's (libical, ical.js and
//     KCalendarCore agree): 29 February in leap years, not the 29th of every month:
//     "leapday", "monthend". With a BYDAY the days are the year's: "friday13". A BYWEEKNO
//     in a WEEKLY rule (which RFC 5545 keeps to YEARLY) is DTSTART's weekday of those weeks,
//     as KCalendarCore reads it, not six days of each: "weekno-weekly".
//   - BYSETPOS picks among the days of a whole week, also in DTSTART's week (by WKST): not
//     that Friday, the third of Wednesday to Friday, but Monday and Wednesday each week:
//     "setpos"; by a week from Sunday, the second of SU,TU,TH is Tuesday: "setpos-wkst".
//   - A series of whole days ignores BYHOUR, BYMINUTE and BYSECOND (RFC 5545 §3.3.10), and a
//     sub-daily FREQ meets its days at midnight: whole days, one booking each, not days
//     from 09:00 to 09:00 or four bookings of one day: "day-hours", "day-minutes",
//     "day-hourly" (every 36 hours from midnight is midnight every third day).
func TestRRuleReadingsOfRFC5545(t *testing.T) {
	res := parseFixture(t, "recur_rfc_readings.ics", ParseOptions{}).Bookings(win("2024-01-01T00:00:00Z", "2033-01-01T00:00:00Z"))
	assert.Empty(t, res.Warnings)
	got := byUID(res.Bookings)
	local := func(uid string) []string {
		var out []string
		for _, b := range got[uid] {
			s := b.Start.In(amsterdam).Format("Mon 2006-01-02 15:04") + "/" + b.End.In(amsterdam).Format("01-02 15:04")
			if b.AllDay {
				s += " all day"
			}
			out = append(out, s)
		}
		return out
	}
	assert.Equal(t, []string{"Thu 2024-02-29 00:00/03-01 00:00 all day", "Tue 2028-02-29 00:00/03-01 00:00 all day", "Sun 2032-02-29 00:00/03-01 00:00 all day"}, local("leapday"))
	assert.Equal(t, []string{"Fri 2025-01-31 10:00/01-31 11:00", "Sat 2026-01-31 10:00/01-31 11:00", "Sun 2027-01-31 10:00/01-31 11:00"}, local("monthend"))
	assert.Equal(t, []string{"Fri 2026-02-13 10:00/02-13 11:00", "Fri 2026-03-13 10:00/03-13 11:00", "Fri 2026-11-13 10:00/11-13 11:00", "Fri 2027-08-13 10:00/08-13 11:00"}, local("friday13"))
	assert.Equal(t, []string{"Wed 2026-10-21 09:00/10-21 10:00", "Mon 2026-10-26 09:00/10-26 10:00", "Wed 2026-10-28 09:00/10-28 10:00", "Mon 2026-11-02 09:00/11-02 10:00", "Wed 2026-11-04 09:00/11-04 10:00"}, local("setpos"))
	assert.Equal(t, []string{"Tue 2026-10-20 09:00/10-20 10:00", "Tue 2026-10-27 09:00/10-27 10:00", "Tue 2026-11-03 09:00/11-03 10:00"}, local("setpos-wkst"))
	assert.Equal(t, []string{"Sun 2027-01-17 10:00/01-17 11:00", "Sun 2027-01-31 10:00/01-31 11:00", "Sun 2028-01-16 10:00/01-16 11:00"}, local("weekno-weekly"))
	assert.Equal(t, []string{"Mon 2026-10-19 00:00/10-20 00:00 all day", "Wed 2026-10-21 00:00/10-22 00:00 all day", "Fri 2026-10-23 00:00/10-24 00:00 all day"}, local("day-hours"))
	assert.Equal(t, []string{"Mon 2026-10-19 00:00/10-20 00:00 all day", "Tue 2026-10-20 00:00/10-21 00:00 all day", "Wed 2026-10-21 00:00/10-22 00:00 all day"}, local("day-minutes"))
	assert.Equal(t, []string{"Mon 2026-10-19 00:00/10-20 00:00 all day", "Thu 2026-10-22 00:00/10-23 00:00 all day", "Sun 2026-10-25 00:00/10-26 00:00 all day"}, local("day-hourly"))
}
