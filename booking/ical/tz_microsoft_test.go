package ical

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Item 1 of issue 11: Outlook/Exchange VTIMEZONEs whose observances start in 1601 (or in
// the year 1) with a yearly RRULE.
func TestMicrosoftVTimezonesFrom1601(t *testing.T) {
	res := parseFixture(t, "tz_microsoft.ics", ParseOptions{}).Bookings(wide)
	require.Empty(t, res.Warnings)
	for uid, want := range map[string]string{
		// 11:00 in winter is +01:00: 10:00Z (it came out 09:00Z when the 1601 rule stopped).
		"outlook-winter@example.org": "2024-01-08T10:00:00Z/2024-01-08T11:00:00Z",
		"outlook-summer@example.org": "2024-07-08T09:00:00Z/2024-07-08T10:00:00Z",
		// node-ical's test_with_int_tzid: TZID:1, observances from the year 0001.
		"int-tzid@example.org": "2024-01-08T10:00:00Z/2024-01-08T11:00:00Z",
		// Multi-era: the 1987–2006 US rules (DST from the first Sunday of April) ended by
		// UNTIL, the 2007 rules (second Sunday of March) in force after.
		"multi-era-2005@example.org": "2005-03-20T14:00:00Z/2005-03-20T15:00:00Z",
		"multi-era-2024@example.org": "2024-03-20T13:00:00Z/2024-03-20T14:00:00Z",
	} {
		assert.Equal(t, want, spanOf(one(t, res, uid)), uid)
	}
}

// reference is the offset of a zone at any instant and its transitions in a year.
type reference struct {
	name        string
	offset      func(time.Time) int
	transitions func(year int) []time.Time
}

// tzdata is the reference of an IANA zone of the embedded tz database.
func tzdata(loc *time.Location) reference {
	return reference{
		name:   loc.String(),
		offset: func(at time.Time) int { _, off := at.In(loc).Zone(); return off },
		transitions: func(year int) []time.Time {
			var out []time.Time
			at := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
			for {
				_, e := at.In(loc).ZoneBounds()
				if e.IsZero() || e.UTC().Year() > year {
					return out
				}
				if _, before := e.Add(-time.Second).In(loc).Zone(); before != func() int { _, o := e.In(loc).Zone(); return o }() {
					out = append(out, e.UTC())
				}
				at = e
			}
		},
	}
}

// nthSunday is the day of the n-th (n < 0: from the end) Sunday of a month, with time.Date
// and Weekday only: Go's own POSIX-rule code gets weekdays before 1970 wrong by one day, so
// for the years the tz database has no rules for, the rule is computed here.
func nthSunday(year int, month time.Month, n int, hourUTC int) time.Time {
	if n > 0 {
		d := time.Date(year, month, 1, hourUTC, 0, 0, 0, time.UTC)
		for d.Weekday() != time.Sunday {
			d = d.AddDate(0, 0, 1)
		}
		return d.AddDate(0, 0, 7*(n-1))
	}
	d := time.Date(year, month+1, 0, hourUTC, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// euRule is the EU rule every year (last Sunday of March to last Sunday of October, 01:00
// UTC, +01:00/+02:00): what the Microsoft "W. Europe Standard Time" VTIMEZONE says.
var euRule = reference{
	name: "EU rule",
	offset: func(at time.Time) int {
		if y := at.Year(); !at.Before(nthSunday(y, time.March, -1, 1)) && at.Before(nthSunday(y, time.October, -1, 1)) {
			return 7200
		}
		return 3600
	},
	transitions: func(y int) []time.Time {
		return []time.Time{nthSunday(y, time.March, -1, 1), nthSunday(y, time.October, -1, 1)}
	},
}

func TestMicrosoftVTimezoneAgainstTZData(t *testing.T) {
	berlin, newYorkZone := tzdata(mustZone("Europe/Berlin")), tzdata(newYork)
	// The hand-computed rule agrees with the tz database wherever both have the EU rules.
	for _, y := range []int{1996, 2024, 2100, 2250} {
		require.Equal(t, berlin.transitions(y), euRule.transitions(y), y)
	}
	cases := []struct {
		tzid  string
		ref   reference
		years []int
	}{
		{"Customized Time Zone", euRule, []int{1601, 1602, 1893, 1894, 1900, 1969}},
		{"Customized Time Zone", berlin, []int{1996, 2024, 2100, 2250}},
		{"1", euRule, []int{1, 2, 1601, 1894, 1900}},
		{"1", berlin, []int{2024, 2100}},
		{"Eastern Multi-Era", newYorkZone, []int{1990, 2005, 2006, 2007, 2024, 2100, 2300}},
	}
	for _, tc := range cases {
		z := mustVTimezone(t, "tz_microsoft.ics", tc.tzid)
		for _, year := range tc.years {
			t.Run(fmt.Sprintf("%s/%s/%d", tc.tzid, tc.ref.name, year), func(t *testing.T) {
				checkZoneYear(t, z, tc.ref, year)
			})
		}
	}
}

// checkZoneYear compares the offset of z with the reference every 6 hours of the year and
// every minute around each transition, and the wall-clock to instant mapping at every hour
// not within a day of a transition.
func checkZoneYear(t *testing.T, z *zone, ref reference, year int) {
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(1, 0, 0)
	mismatches := 0
	fail := func(format string, args ...any) {
		if mismatches++; mismatches <= 5 {
			t.Errorf(format, args...)
		}
	}
	check := func(at time.Time) {
		if got, _, _ := z.lookup(at.Unix()); got != ref.offset(at) {
			fail("%s: offset %d, reference says %d", at.Format(time.RFC3339), got, ref.offset(at))
		}
	}
	for at := start; at.Before(end); at = at.Add(6 * time.Hour) {
		check(at)
	}
	trans := ref.transitions(year)
	require.Len(t, trans, 2, "transitions in %d", year)
	for _, tr := range trans {
		for d := -90 * time.Minute; d <= 90*time.Minute; d += time.Minute {
			check(tr.Add(d))
		}
	}
	for w := start; w.Before(end); w = w.Add(time.Hour) {
		near := false
		for _, tr := range trans {
			near = near || w.Sub(tr).Abs() < 30*time.Hour
		}
		if near {
			continue
		}
		want := w.Add(-time.Duration(ref.offset(w)) * time.Second)
		if got := z.toInstant(w); !got.Equal(want) {
			fail("wall %s: instant %s, reference says %s", w.Format("2006-01-02T15:04"), got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
}
