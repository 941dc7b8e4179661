package ical

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mixedRule is a MONTHLY or YEARLY rule whose BYDAY mixes plain and numbered weekdays, in the
// parts the brute-force reference below reads.
type mixedRule struct {
	yearly            bool
	interval          int
	months, monthDays []int
	plain             []time.Weekday
	numbered          []nthWeekday
	hours, setPos     []int
	count             int
	until             time.Time // zero: none
}

type nthWeekday struct {
	n   int
	day time.Weekday
}

var dayCodes = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

func (r mixedRule) String() string {
	ints := func(xs []int) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, ",")
	}
	parts := []string{"FREQ=MONTHLY"}
	if r.yearly {
		parts[0] = "FREQ=YEARLY"
	}
	if r.interval > 1 {
		parts = append(parts, fmt.Sprintf("INTERVAL=%d", r.interval))
	}
	if len(r.months) > 0 {
		parts = append(parts, "BYMONTH="+ints(r.months))
	}
	if len(r.monthDays) > 0 {
		parts = append(parts, "BYMONTHDAY="+ints(r.monthDays))
	}
	var days []string
	for _, d := range r.plain {
		days = append(days, dayCodes[d])
	}
	for _, d := range r.numbered {
		days = append(days, fmt.Sprintf("%d%s", d.n, dayCodes[d.day]))
	}
	parts = append(parts, "BYDAY="+strings.Join(days, ","))
	if len(r.hours) > 0 {
		parts = append(parts, "BYHOUR="+ints(r.hours))
	}
	if len(r.setPos) > 0 {
		parts = append(parts, "BYSETPOS="+ints(r.setPos))
	}
	if r.count > 0 {
		parts = append(parts, fmt.Sprintf("COUNT=%d", r.count))
	}
	if !r.until.IsZero() {
		parts = append(parts, "UNTIL="+r.until.Format("20060102T150405Z"))
	}
	return strings.Join(parts, ";")
}

// reference expands r from dtstart up to end the slow way, day by day, by RFC 5545's table of
// BYxxx parts (as python-dateutil reads numbered weekdays: within the month for MONTHLY and
// for YEARLY with BYMONTH, within the year otherwise): a day is in a period's set when its
// month is in BYMONTH, its day in BYMONTHDAY and it is one of BYDAY's weekdays (plain: any
// such weekday; numbered: the n-th of its month or year, from the end when negative). Each
// such day gives a time per BYHOUR, BYSETPOS picks among the period's times, and those from
// DTSTART on count for COUNT and UNTIL. DTSTART is an occurrence, as in every series.
func (r mixedRule) reference(dtstart, end time.Time) []time.Time {
	out := []time.Time{dtstart}
	hours := r.hours
	if len(hours) == 0 {
		hours = []int{dtstart.Hour()}
	}
	slices.Sort(hours)
	nth := func(d time.Time, lo, hi time.Time) bool { // d is the n-th of its weekday in [lo, hi]
		fromStart := int(d.Sub(lo).Hours()/24)/7 + 1
		fromEnd := -(int(hi.Sub(d).Hours()/24)/7 + 1)
		for _, w := range r.numbered {
			if w.day == d.Weekday() && (w.n == fromStart || w.n == fromEnd) {
				return true
			}
		}
		return false
	}
	count := 0
	step := 1
	if r.interval > 1 {
		step = r.interval
	}
	for k := 0; ; k += step {
		var first, next time.Time
		if r.yearly {
			first = time.Date(dtstart.Year()+k, 1, 1, 0, 0, 0, 0, time.UTC)
			next = first.AddDate(1, 0, 0)
		} else {
			first = time.Date(dtstart.Year(), dtstart.Month()+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
			next = first.AddDate(0, 1, 0)
		}
		if !first.Before(end) {
			return out
		}
		var set []time.Time
		for d := first; d.Before(next); d = d.AddDate(0, 0, 1) {
			if len(r.months) > 0 && !slices.Contains(r.months, int(d.Month())) {
				continue
			}
			monthStart := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
			monthEnd := monthStart.AddDate(0, 1, -1)
			if len(r.monthDays) > 0 && !slices.Contains(r.monthDays, d.Day()) && !slices.Contains(r.monthDays, d.Day()-monthEnd.Day()-1) {
				continue
			}
			lo, hi := monthStart, monthEnd
			if r.yearly && len(r.months) == 0 {
				lo, hi = first, next.AddDate(0, 0, -1)
			}
			if !slices.Contains(r.plain, d.Weekday()) && !nth(d, lo, hi) {
				continue
			}
			for _, h := range hours {
				set = append(set, time.Date(d.Year(), d.Month(), d.Day(), h, dtstart.Minute(), dtstart.Second(), 0, time.UTC))
			}
		}
		if len(r.setPos) > 0 {
			var picked []time.Time
			for _, p := range r.setPos {
				i := p - 1
				if p < 0 {
					i = len(set) + p
				}
				if i >= 0 && i < len(set) {
					picked = append(picked, set[i])
				}
			}
			slices.SortFunc(picked, time.Time.Compare)
			set = slices.CompactFunc(picked, time.Time.Equal)
		}
		for _, t := range set {
			if t.Before(dtstart) {
				continue
			}
			if !r.until.IsZero() && t.After(r.until) || !t.Before(end) {
				return out
			}
			if !t.Equal(dtstart) {
				out = append(out, t)
			}
			if count++; r.count > 0 && count == r.count {
				return out
			}
		}
	}
}

func randomMixedRule(rng *rand.Rand) mixedRule {
	r := mixedRule{yearly: rng.IntN(2) == 0}
	if rng.IntN(4) == 0 {
		r.interval = 2 + rng.IntN(2)
	}
	if r.yearly && rng.IntN(5) < 3 || !r.yearly && rng.IntN(5) == 0 {
		for _, m := range rng.Perm(12)[:1+rng.IntN(3)] {
			r.months = append(r.months, m+1)
		}
	}
	if rng.IntN(6) == 0 {
		for _, d := range rng.Perm(30)[:2+rng.IntN(5)] {
			if d >= 28 {
				d = 27 - d // -1, -2
			} else {
				d++
			}
			r.monthDays = append(r.monthDays, d)
		}
	}
	for _, d := range rng.Perm(7)[:1+rng.IntN(3)] {
		r.plain = append(r.plain, time.Weekday(d))
	}
	ns := []int{1, 2, 3, 4, 5, -1, -2, -5}
	if r.yearly && len(r.months) == 0 {
		ns = []int{1, 2, 10, 20, 52, 53, -1, -10, -53}
	}
	for range 1 + rng.IntN(2) {
		r.numbered = append(r.numbered, nthWeekday{ns[rng.IntN(len(ns))], time.Weekday(rng.IntN(7))})
	}
	if rng.IntN(6) == 0 {
		r.hours = []int{9, 14}
	}
	if rng.IntN(2) == 0 {
		pos := []int{1, 2, 3, -1, -2, 5, 7, -6, 10, 15, -12, 30}
		for _, i := range rng.Perm(len(pos))[:1+rng.IntN(2)] {
			r.setPos = append(r.setPos, pos[i])
		}
	}
	switch rng.IntN(4) {
	case 0, 1:
		r.count = 1 + rng.IntN(25)
	case 2:
		r.until = time.Date(2027, time.Month(1+rng.IntN(12)), 15, 0, 0, 0, 0, time.UTC)
	}
	if r.count == 0 && len(r.setPos) == 0 {
		r.count = 1 + rng.IntN(25)
	}
	return r
}

// A rule whose BYDAY mixes plain and numbered weekdays, with COUNT or BYSETPOS (which count
// or pick among the days of both kinds together), gives the occurrences RFC 5545 means: on
// 500 random rules, those of the day-by-day reference above, over three years from DTSTART,
// whatever the window of the answer.
func TestMixedWeekdaysWithCountOrSetPosAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	for i := range 500 {
		r := randomMixedRule(rng)
		// At 09:30 or 14:30: BYHOUR=9,14 then gives a time of day before DTSTART's too.
		dtstart := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), []int{9, 14}[rng.IntN(2)], 30, 0, 0, time.UTC)
		end := dtstart.AddDate(3, 0, 0)
		feed := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:mixed@example.org\r\nDTSTART:" + dtstart.Format("20060102T150405Z") +
			"\r\nDURATION:PT1H\r\nRRULE:" + r.String() + "\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		cal, err := Parse([]byte(feed), ParseOptions{Name: "mixed", SiteLocation: time.UTC})
		require.NoError(t, err)
		want := r.reference(dtstart, end)
		// The whole span, and a window that starts a year in (a series without COUNT is then
		// expanded from near it, not from DTSTART).
		for _, from := range []time.Time{dtstart, dtstart.AddDate(1, 0, 0)} {
			res := cal.Bookings(win(from.Format(time.RFC3339), end.Format(time.RFC3339)))
			for _, w := range res.Warnings { // a rule that never matches is dropped up front: DTSTART stays
				require.Contains(t, w.Reason, "never matches", "rule %d: %s", i, r)
			}
			var got []time.Time
			for _, b := range res.Bookings {
				got = append(got, b.Start)
			}
			var exp []time.Time
			for _, w := range want {
				if !w.Add(time.Hour).Before(from) && w.Add(time.Hour) != from {
					exp = append(exp, w)
				}
			}
			require.Equal(t, exp, got, "rule %d from %s: %s", i, from.Format(time.DateOnly), r)
		}
	}
}

// The worked cases: ical.js 2.2.1 gives the same (from a Friday, 15 May 2026).
func TestMixedWeekdaysWithCountOrSetPos(t *testing.T) {
	for _, tc := range []struct{ rule, want string }{
		// Mondays and the first Wednesday, six of them.
		{"FREQ=MONTHLY;BYDAY=MO,1WE;COUNT=6", "05-15 05-18 05-25 06-01 06-03 06-08 06-15"},
		// The first of those each month: 4 May is before DTSTART, so May gives none.
		{"FREQ=MONTHLY;BYDAY=MO,1WE;BYSETPOS=1;COUNT=4", "05-15 06-01 07-01 08-03 09-02"},
		{"FREQ=MONTHLY;BYDAY=MO,1WE;BYSETPOS=2;COUNT=4", "05-15 06-03 07-06 08-05 09-07"},
		{"FREQ=MONTHLY;BYDAY=MO,1WE;BYSETPOS=-1;COUNT=4", "05-15 05-25 06-29 07-27 08-31"},
	} {
		feed := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m@example.org\r\nDTSTART:20260515T090000Z\r\nDURATION:PT1H\r\nRRULE:" +
			tc.rule + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		cal, err := Parse([]byte(feed), ParseOptions{Name: "x", SiteLocation: time.UTC})
		require.NoError(t, err)
		res := cal.Bookings(win("2026-05-01T00:00:00Z", "2027-01-01T00:00:00Z"))
		assert.Empty(t, res.Warnings, tc.rule)
		var got []string
		for _, b := range res.Bookings {
			got = append(got, b.Start.Format("01-02"))
		}
		assert.Equal(t, tc.want, strings.Join(got, " "), tc.rule)
	}
}

// A joint rule whose BYSETPOS no period's set can reach (a month has at most 5 Mondays and one
// first Tuesday) is dropped up front, as other rules that never match: with COUNT it would be
// searched from DTSTART, in 1601 here, on every expansion. One the bound lets through whose
// picks never come is stopped by the occurrence cap, with its warning.
func TestMixedWeekdaysThatNeverPick(t *testing.T) {
	for _, tc := range []struct {
		rule, start, warning string
		maxOcc               int
	}{
		{"FREQ=MONTHLY;BYDAY=MO,1TU;BYSETPOS=7;COUNT=5", "16010101T090000Z", "never matches", 0},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1,2;BYDAY=SU,1MO;BYSETPOS=3;COUNT=2", "16010101T090000Z", "never matches", 0},
		// 20 days a month hold at most 3 Mondays, 3 Tuesdays and the first Wednesday: 7 < 9.
		{"FREQ=MONTHLY;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20;BYDAY=MO,TU,1WE;BYSETPOS=9;COUNT=3", "20200101T090000Z", "recurrence stopped after 100 occurrences", 100},
	} {
		feed := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:never@example.org\r\nDTSTART:" + tc.start + "\r\nDURATION:PT1H\r\nRRULE:" +
			tc.rule + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		cal, err := Parse([]byte(feed), ParseOptions{Name: "x", SiteLocation: time.UTC, MaxOccurrences: tc.maxOcc})
		require.NoError(t, err)
		res := cal.Bookings(win("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"))
		assert.Empty(t, res.Bookings, tc.rule)
		require.Len(t, res.Warnings, 1, tc.rule)
		assert.Contains(t, res.Warnings[0].Reason, tc.warning, tc.rule)
	}
}
