package ical

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

func TestDurations(t *testing.T) {
	res := parseFixture(t, "duration.ics", ParseOptions{}).Bookings(wide)
	// P1D is a nominal day: 12:00 CET to 12:00 CEST = 23 hours.
	assert.Equal(t, "2026-03-28T11:00:00Z/2026-03-29T10:00:00Z", spanOf(one(t, res, "p1d-across-dst@example.org")))
	// PT24H is exact.
	assert.Equal(t, "2026-03-28T11:00:00Z/2026-03-29T11:00:00Z", spanOf(one(t, res, "pt24h-across-dst@example.org")))
	// P1DT2H: a nominal day (25 h on the fall-back day) then 2 exact hours.
	assert.Equal(t, "2026-10-24T10:00:00Z/2026-10-25T13:00:00Z", spanOf(one(t, res, "p1dt2h@example.org")))
	// DATE-TIME start without end: zero length (no access time), but it is reported.
	z := one(t, res, "zero-length@example.org")
	assert.Equal(t, z.Start, z.End)
	for uid, reason := range map[string]string{
		"absurd-weeks@example.org":     "absurdly long",
		"too-long@example.org":         "longer than the limit",
		"negative@example.org":         "negative duration",
		"end-before-start@example.org": "before DTSTART",
	} {
		assert.Empty(t, byUID(res.Bookings)[uid], uid)
		w, ok := warningFor(res, uid)
		require.True(t, ok, uid)
		assert.Contains(t, w.Reason, reason, uid)
	}
	// The limit is an option.
	res = parseFixture(t, "duration.ics", ParseOptions{MaxDuration: 500 * 24 * time.Hour}).Bookings(wide)
	assert.Equal(t, "2026-03-28T12:00:00Z/2027-05-02T12:00:00Z", spanOf(one(t, res, "too-long@example.org")))
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]span{
		"P1D":       {days: 1},
		"P2W":       {days: 14},
		"PT1H30M5S": {exact: time.Hour + 30*time.Minute + 5*time.Second},
		"+P1DT1H":   {days: 1, exact: time.Hour},
		"p1dt1h":    {days: 1, exact: time.Hour},
		"P0D":       {},
		"P1DT":      {days: 1}, // a T without time, as some clients send it
		"P2WT":      {days: 14},
	} {
		got, err := parseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "P", "PT", "1D", "P1H", "PT1D", "PTT1H", "P1D2", "P9999999999D", "-P1D", "P1X", "P1DTT", "PT1HT"} {
		_, err := parseDuration(in)
		assert.Error(t, err, in)
	}
}

func TestParseTimeText(t *testing.T) {
	for _, tc := range []struct {
		in, vt string
		kind   timeKind
		want   string
	}{
		{"20260610T090000Z", "", kindUTC, "2026-06-10T09:00:00Z"},
		{"20260610t090000z", "", kindUTC, "2026-06-10T09:00:00Z"},
		{"20260610T090000", "", kindLocal, "2026-06-10T09:00:00Z"},
		{"20260610", "", kindDate, "2026-06-10T00:00:00Z"},
		{"20260610", "DATE", kindDate, "2026-06-10T00:00:00Z"},
		{"20260610Z", "", kindDate, "2026-06-10T00:00:00Z"}, // Google's RDATE:20131210Z
		{"20260610z", "DATE", kindDate, "2026-06-10T00:00:00Z"},
		{"20261231T235960Z", "", kindUTC, "2026-12-31T23:59:59Z"},
		// VALUE=DATE with a time, as producers write it: the date-time it is.
		{"20260610T090000", "DATE", kindLocal, "2026-06-10T09:00:00Z"},
		{"20260610T090000Z", "DATE", kindUTC, "2026-06-10T09:00:00Z"},
	} {
		w, k, err := parseTimeText(tc.in, tc.vt)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.kind, k, tc.in)
		assert.Equal(t, tc.want, w.Format(time.RFC3339), tc.in)
	}
	for _, tc := range [][2]string{{"20260230", ""}, {"20260610T0900", "DATE"}, {"20260610", "DATE-TIME"},
		{"20260610T250000", ""}, {"2026061OT090000", ""}, {"20260610T090000Z", "PERIOD"}, {"00000101", ""},
		{"20260610Z", "DATE-TIME"}, {"2026061XZ", ""}, {"20260230Z", ""}} {
		_, _, err := parseTimeText(tc[0], tc[1])
		assert.Error(t, err, tc[0])
	}
}

func TestAllDayAcrossDST(t *testing.T) {
	res := parseFixture(t, "allday_dst.ics", ParseOptions{SiteLocation: amsterdam}).Bookings(wide)
	require.Empty(t, res.Warnings)
	spring := one(t, res, "allday-spring@example.org")
	assert.True(t, spring.AllDay)
	assert.Equal(t, "2026-03-28T23:00:00Z/2026-03-29T22:00:00Z", spanOf(spring))
	assert.Equal(t, 23*time.Hour, spring.End.Sub(spring.Start))
	autumn := one(t, res, "allday-autumn@example.org")
	assert.Equal(t, "2026-10-24T22:00:00Z/2026-10-25T23:00:00Z", spanOf(autumn))
	assert.Equal(t, 25*time.Hour, autumn.End.Sub(autumn.Start))
	// DATE values written without VALUE=DATE, two days long.
	assert.Equal(t, "2026-05-31T22:00:00Z/2026-06-02T22:00:00Z", spanOf(one(t, res, "allday-plain-date@example.org")))
	// The same feed at a New York site.
	res = parseFixture(t, "allday_dst.ics", ParseOptions{SiteLocation: newYork}).Bookings(wide)
	assert.Equal(t, "2026-03-29T04:00:00Z/2026-03-30T04:00:00Z", spanOf(one(t, res, "allday-spring@example.org")))
}

// A DATE DTSTART beside an end with a time of day, which RFC 5545 does not allow, keeps the
// times the feed names, and its booking is not said to be of whole days (AllDay):
// python-recurring-ical-events issue 201's DTEND:…T000000Z, "leave"; DURATION:PT5H, "hours";
// an RDATE with a time in a series of days, as KCalendarCore keeps it, "mixed". Google's
// holiday feeds write DURATION:PT86400S, a day, also the day summer time ends: "holiday".
func TestWholeDaysWithTimedEnds(t *testing.T) {
	res := parseFixture(t, "allday_timed_ends.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	leave := one(t, res, "leave")
	assert.Equal(t, "2026-07-23T22:00:00Z/2026-08-17T00:00:00Z", spanOf(leave))
	assert.False(t, leave.AllDay)
	holiday := one(t, res, "holiday")
	assert.Equal(t, "2026-10-24T22:00:00Z/2026-10-25T23:00:00Z", spanOf(holiday))
	assert.True(t, holiday.AllDay)
	hours := one(t, res, "hours")
	assert.Equal(t, "2026-10-31T23:00:00Z/2026-11-01T04:00:00Z", spanOf(hours))
	assert.False(t, hours.AllDay)
	mixed := byUID(res.Bookings)["mixed"]
	require.Len(t, mixed, 3)
	assert.Equal(t, []string{"2026-11-01T23:00:00Z/2026-11-02T23:00:00Z", "2026-11-02T23:00:00Z/2026-11-03T23:00:00Z", "2026-11-10T09:00:00Z/2026-11-11T09:00:00Z"}, spans(mixed))
	assert.Equal(t, []bool{true, true, false}, []bool{mixed[0].AllDay, mixed[1].AllDay, mixed[2].AllDay})
}

func TestBookingsOnDSTDays(t *testing.T) {
	res := parseFixture(t, "dst_days.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	for uid, want := range map[string]string{
		"ams-gap@example.org":     "2026-03-29T01:30:00Z/2026-03-29T02:00:00Z",
		"ams-overlap@example.org": "2026-10-25T00:30:00Z/2026-10-25T02:30:00Z",
		"ny-gap@example.org":      "2026-03-08T07:30:00Z/2026-03-08T08:00:00Z",
		"ny-overlap@example.org":  "2026-11-01T05:30:00Z/2026-11-01T07:30:00Z",
	} {
		assert.Equal(t, want, spanOf(one(t, res, uid)), uid)
	}
}

func TestStatuses(t *testing.T) {
	res := parseFixture(t, "status.ics", ParseOptions{}).Bookings(wide)
	for uid, want := range map[string]booking.Status{
		"cancelled@example.org":    booking.StatusCancelled,
		"canceled-us@example.org":  booking.StatusCancelled,
		"tentative@example.org":    booking.StatusTentative,
		"confirmed@example.org":    booking.StatusConfirmed,
		"weird-status@example.org": booking.StatusTentative,
	} {
		assert.Equal(t, want, one(t, res, uid).Status, uid)
	}
	w, ok := warningFor(res, "weird-status@example.org")
	require.True(t, ok)
	assert.Contains(t, w.Reason, `unknown STATUS "NEEDS-ACTION"`)
}

func TestMethodCancel(t *testing.T) {
	res := parseFixture(t, "method_cancel.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	series := byUID(res.Bookings)["weekly-meeting@example.org"]
	require.Len(t, series, 3)
	assert.Equal(t, booking.StatusConfirmed, series[0].Status)
	assert.Equal(t, booking.StatusCancelled, series[1].Status, "one instance cancelled by METHOD:CANCEL with RECURRENCE-ID")
	assert.Equal(t, ts("2026-06-08T09:00:00Z"), series[1].RecurrenceID)
	assert.Equal(t, booking.StatusConfirmed, series[2].Status)
	assert.Equal(t, booking.StatusCancelled, one(t, res, "one-off@example.org").Status, "whole event cancelled (higher SEQUENCE)")
}

func TestDaysInAgreesWithTime(t *testing.T) {
	for y := 1; y <= 2500; y++ {
		for m := 1; m <= 12; m++ {
			require.Equal(t, time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day(), daysIn(y, m), "%d-%02d", y, m)
		}
	}
}

// Date-times are read in one pass over their digits and counted to an instant directly
// (utcTime): for random values across the years 0001–9999, valid or not (a field out of
// range, a non-digit anywhere, a leap second), the instant is time.Date's and a value is
// rejected exactly when one of its fields is not a valid number in range.
func TestDateTimesAreTimeDates(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 17))
	for range 200_000 {
		y, mo, d := 1+r.IntN(9999), 1+r.IntN(13), 1+r.IntN(32)
		hh, mm, ss := r.IntN(25), r.IntN(61), r.IntN(62)
		text := []byte(fmt.Sprintf("%04d%02d%02dT%02d%02d%02d", y, mo, d, hh, mm, ss))
		if r.IntN(20) == 0 { // a stray byte anywhere
			text[r.IntN(len(text))] = "x/:9+ 0"[r.IntN(7)]
		}
		if r.IntN(2) == 0 {
			text = append(text, 'Z')
		}
		w, _, err := parseTimeText(text, "")
		var fields []int
		valid := text[8] == 'T' || text[8] == 't'
		for _, part := range [][2]int{{0, 4}, {4, 6}, {6, 8}, {9, 11}, {11, 13}, {13, 15}} {
			n, perr := strconv.Atoi(string(text[part[0]:part[1]]))
			valid = valid && perr == nil && text[part[0]] >= '0' && text[part[0]] <= '9'
			fields = append(fields, n)
		}
		valid = valid && validDate(fields[0], fields[1], fields[2]) && fields[3] <= 23 && fields[4] <= 59 && fields[5] <= 60
		if !valid {
			assert.Error(t, err, "%s", text)
			continue
		}
		require.NoError(t, err, "%s", text)
		want := time.Date(fields[0], time.Month(fields[1]), fields[2], fields[3], fields[4], min(fields[5], 59), 0, time.UTC)
		require.True(t, want == w, "%s: %v, want %v", text, w, want)
	}
	for _, y := range []int{1, 4, 100, 399, 400, 1600, 1601, 1900, 2000, 2024, 2100, 9999} {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}} {
			if validDate(y, md[0], md[1]) {
				require.True(t, time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC) == utcTime(y, md[0], md[1], 0), "%d-%d-%d", y, md[0], md[1])
			}
		}
	}
}
