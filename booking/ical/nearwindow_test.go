package ical

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
)

// TestRulesNearTheWindowAsFromDTSTART: a rule iterated from near the window (nearWindow)
// gives exactly the bookings and warnings it gives iterated from DTSTART, for random rules
// of every frequency and the parts that steer them (INTERVAL, BYDAY with and without
// ordinals, BYHOUR, BYMINUTE, BYSECOND, BYMONTH, BYMONTHDAY, BYSETPOS, WKST, UNTIL, COUNT),
// in a zone with DST and in UTC, and for windows before, across and long after DTSTART.
// Where iterating from DTSTART hit the occurrence cap before the window (a minutely rule of
// months), iterating from near the window finds those occurrences and more.
func TestRulesNearTheWindowAsFromDTSTART(t *testing.T) {
	defer func(v bool) { nearWindowStart = v }(nearWindowStart)
	rng := rand.New(rand.NewPCG(21, 4))
	const day, year = 24 * time.Hour, 365 * 24 * time.Hour
	freqs := []struct {
		name     string
		age      time.Duration // how long before the window DTSTART may be
		duration time.Duration // of the windows
	}{
		{"SECONDLY", 20 * time.Minute, 5 * time.Minute}, {"MINUTELY", day, 6 * time.Hour},
		{"HOURLY", 60 * day, 3 * day}, {"DAILY", 3 * year, 3 * day}, {"WEEKLY", 10 * year, 7 * day},
		{"MONTHLY", 12 * year, 7 * day}, {"YEARLY", 40 * year, 7 * day},
	}
	days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
	pick := func(n int, f func() string) string {
		seen := map[string]bool{}
		var out []string
		for range 1 + rng.IntN(n) {
			if v := f(); !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		return strings.Join(out, ",")
	}
	windowStart := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	moved, checked, uncapped := 0, 0, 0
	for i := range 300 {
		fr := freqs[rng.IntN(len(freqs))]
		rule := "FREQ=" + fr.name
		if rng.IntN(2) == 0 {
			rule += fmt.Sprintf(";INTERVAL=%d", 1+rng.IntN(4))
		}
		if rng.IntN(3) == 0 {
			// Numbered weekdays, or plain ones: rrule-go requires a day to match both kinds
			// when a rule mixes them (BYDAY=MO,1WE), and searches such a rule to 9999.
			numbered := (fr.name == "MONTHLY" || fr.name == "YEARLY") && rng.IntN(2) == 0
			rule += ";BYDAY=" + pick(3, func() string {
				if numbered {
					return fmt.Sprintf("%d%s", []int{1, 2, -1}[rng.IntN(3)], days[rng.IntN(7)])
				}
				return days[rng.IntN(7)]
			})
		}
		if rng.IntN(4) == 0 {
			rule += ";BYHOUR=" + pick(3, func() string { return fmt.Sprint(rng.IntN(24)) })
		}
		if rng.IntN(5) == 0 {
			rule += ";BYMINUTE=" + pick(2, func() string { return fmt.Sprint(rng.IntN(4) * 15) })
		}
		if rng.IntN(8) == 0 {
			rule += ";BYSECOND=" + pick(2, func() string { return fmt.Sprint(rng.IntN(2) * 30) })
		}
		if rng.IntN(6) == 0 {
			rule += ";BYMONTH=" + pick(4, func() string { return fmt.Sprint(1 + rng.IntN(12)) })
		}
		if rng.IntN(6) == 0 {
			rule += ";BYMONTHDAY=" + pick(3, func() string { return fmt.Sprint([]int{1, 15, 28, 31, -1}[rng.IntN(5)]) })
		}
		if strings.Contains(rule, "BY") && rng.IntN(5) == 0 {
			rule += fmt.Sprintf(";BYSETPOS=%d", []int{1, 2, -1}[rng.IntN(3)])
		}
		if rng.IntN(4) == 0 {
			rule += ";WKST=" + days[rng.IntN(7)]
		}
		start := windowStart.Add(-time.Duration(rng.Int64N(int64(fr.age)))).Truncate(time.Minute)
		switch rng.IntN(8) {
		case 0:
			rule += fmt.Sprintf(";COUNT=%d", 1+rng.IntN(500))
		case 1:
			rule += ";UNTIL=" + windowStart.Add(time.Duration(rng.IntN(96)-48)*time.Hour).Format("20060102T150405Z")
		}
		zone := []string{"", ";TZID=Europe/Berlin"}[rng.IntN(2)]
		startText := start.Format("20060102T150405")
		if zone == "" {
			startText += "Z"
		}
		feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n" +
			"BEGIN:VEVENT\r\nUID:r" + fmt.Sprint(i) + "\r\nDTSTART" + zone + ":" + startText + "\r\nDURATION:PT20M\r\n" +
			"RRULE:" + rule + "\r\nATTENDEE;CN=A:mailto:a@example.com\r\nRESOURCES:Room\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		cal, err := Parse([]byte(feed), ParseOptions{Name: "rules", SiteLocation: time.UTC, Dialect: DialectSkedda, MaxOccurrences: 1500})
		require.NoError(t, err, rule)
		for _, from := range []time.Time{windowStart, start.Add(-time.Minute), windowStart.Add(90 * day)} {
			w := booking.Window{Start: from, End: from.Add(fr.duration)}
			nearWindowStart = false
			want := cal.Bookings(w)
			nearWindowStart = true
			got := cal.Bookings(w)
			checked++
			if capped(want) {
				// From DTSTART the cap cut the series off before or in the window; from
				// near it, what was found is found again, and maybe more.
				found := map[string]bool{}
				for _, b := range got.Bookings {
					found[b.Key()] = true
				}
				for _, b := range want.Bookings {
					require.True(t, found[b.Key()], "RRULE:%s from %s in %v: %s", rule, startText, w, b.Key())
				}
				require.GreaterOrEqual(t, len(got.Bookings), len(want.Bookings), "RRULE:%s from %s in %v", rule, startText, w)
				uncapped++
				continue
			}
			require.Equal(t, want, got, "RRULE:%s from %s in %v", rule, startText, w)
			if len(got.Bookings) > 0 && w.Start.Sub(start) > 30*24*time.Hour {
				moved++
			}
		}
	}
	require.Greater(t, moved, 90, "windows long after DTSTART with occurrences")
	require.Greater(t, uncapped, 15, "series no longer cut off by the cap")
	t.Logf("%d expansions compared, %d with occurrences long after DTSTART, %d no longer cut off by the cap", checked, moved, uncapped)
}

// capped reports whether the occurrence cap cut a series off.
func capped(res booking.FetchResult) bool {
	for _, w := range res.Warnings {
		if strings.Contains(w.Reason, "recurrence stopped after") {
			return true
		}
	}
	return false
}
