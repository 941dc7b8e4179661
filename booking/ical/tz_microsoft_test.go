package ical

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/booking"
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

// euCustom is a rule-based VTIMEZONE whose TZID is not an IANA name (so the feed's own
// definition is used), with the EU rules since 1601.
func euCustom(tzid string) string {
	return "BEGIN:VTIMEZONE\r\nTZID:" + tzid + "\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
}

// Concatenated exports repeat one VTIMEZONE in every VCALENDAR: its text is built into a
// zone once per parse, a broken one is reported at every place it occurs, and a zone's
// rules and table of transitions are only kept once an event uses it.
func TestRepeatedVTimezonesAreBuiltOnce(t *testing.T) {
	dec, memo := newPropDecoder(), map[string]builtZone{}
	text := []byte(euCustom("Europe/Custom"))
	a, b := buildZone(dec, memo, text), buildZone(dec, memo, append([]byte(nil), text...))
	require.Empty(t, a.broken)
	assert.Equal(t, "Europe/Custom", a.tzid)
	assert.Same(t, a.z, b.z, "the same text gives the same zone")
	require.NotNil(t, a.z.lazy)
	assert.Nil(t, a.z.lazy.rules, "no rules, and no table, until the zone is used")
	off, _, _ := a.z.lookup(time.Date(2024, 7, 8, 9, 0, 0, 0, time.UTC).Unix())
	assert.Equal(t, 7200, off)
	require.NotNil(t, a.z.lazy.rules)
	assert.NotNil(t, a.z.lazy.rules.main)
	assert.Nil(t, a.z.lazy.text, "the text goes once the rules are built")
	other := buildZone(dec, memo, []byte(euCustom("Europe/Other")))
	assert.NotSame(t, a.z, other.z)

	var feed strings.Builder
	for i := range 3 {
		fmt.Fprintf(&feed, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n%s", euCustom("Europe/Custom"))
		feed.WriteString("BEGIN:VTIMEZONE\r\nTZID:Broken\r\nEND:VTIMEZONE\r\n")
		fmt.Fprintf(&feed, "BEGIN:VEVENT\r\nUID:cal-%d@example.org\r\nDTSTART;TZID=Europe/Custom:2024010%dT110000\r\nDURATION:PT1H\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", i, 8+i%2)
	}
	cal, err := Parse([]byte(feed.String()), ParseOptions{Name: "concat", SiteLocation: time.UTC})
	require.NoError(t, err)
	res := cal.Bookings(wide)
	require.Len(t, res.Bookings, 3)
	assert.Equal(t, "2024-01-08T10:00:00Z/2024-01-08T11:00:00Z", spanOf(one(t, res, "cal-0@example.org")))
	assert.Equal(t, "2024-01-09T10:00:00Z/2024-01-09T11:00:00Z", spanOf(one(t, res, "cal-1@example.org")))
	broken := 0
	for _, w := range res.Warnings {
		if strings.Contains(w.Reason, "VTIMEZONE at line") && strings.Contains(w.Reason, "ignored") {
			broken++
		}
	}
	assert.Equal(t, 3, broken, "%v", res.Warnings)
}

// A TZID that is not an IANA name is looked up in the tz database once: time.LoadLocation
// reads the zone files again on every miss.
func TestIANAMissesAreRemembered(t *testing.T) {
	name := fmt.Sprintf("Nowhere/Test-%d", time.Now().UnixNano())
	assert.Nil(t, loadIANA(name))
	_, remembered := ianaMisses.Load(name)
	assert.True(t, remembered)
	assert.Nil(t, loadIANA(name))
	assert.NotNil(t, loadIANA("Europe/Berlin"))
}

// BenchmarkConcatenatedCalendars parses 2,000 VCALENDARs that each define the same
// VTIMEZONE (not an IANA name) for their one event, as merged exports are written.
func BenchmarkConcatenatedCalendars(b *testing.B) {
	var feed strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&feed, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n%sBEGIN:VEVENT\r\nUID:cal-%d@example.org\r\nDTSTART;TZID=Europe/Custom:20260603T110000\r\nDURATION:PT1H\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", euCustom("Europe/Custom"), i)
	}
	data := []byte(feed.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cal, err := Parse(data, ParseOptions{Name: "concat", SiteLocation: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		if res := cal.Bookings(wide); len(res.Bookings) != 2000 {
			b.Fatalf("%d bookings", len(res.Bookings))
		}
	}
}

// The onsets of the rules VTIMEZONEs are written with (FREQ=YEARLY;BYMONTH=m;BYDAY=nWD, with
// INTERVAL and UNTIL or not), computed directly, are rrule-go's: for random rules, DTSTARTs
// from 1601 on, ranges and limits. Rules of another form still go to rrule-go.
func TestNthWeekdayOnsetsAreRRuleGos(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
	collect := func(each func(fn func(time.Time)) error) []time.Time {
		var out []time.Time
		require.NoError(t, each(func(t time.Time) { out = append(out, t) }))
		return out
	}
	checked := 0
	for range 3000 {
		n := rnd.IntN(5) + 1
		if rnd.IntN(2) == 0 {
			n = -n
		}
		rule := fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", rnd.IntN(12)+1, n, days[rnd.IntN(7)])
		if rnd.IntN(3) == 0 {
			rule += fmt.Sprintf(";INTERVAL=%d", rnd.IntN(3)+1)
		}
		dtstart := time.Date(1601+rnd.IntN(450), time.Month(rnd.IntN(12)+1), rnd.IntN(28)+1, rnd.IntN(24), rnd.IntN(4)*15, 0, 0, time.UTC)
		if rnd.IntN(4) == 0 {
			dtstart = time.Date(1601, 1, 1, 3, 0, 0, 0, time.UTC) // as Microsoft writes it
		}
		rs, err := parseRRule(rule)
		require.NoError(t, err, rule)
		if rnd.IntN(3) == 0 {
			rs.untilWall = dtstart.AddDate(rnd.IntN(300), rnd.IntN(12), 0)
		}
		_, _, _, ok := rs.nthWeekday()
		require.True(t, ok, rule)
		lo := dtstart.AddDate(rnd.IntN(400)-20, rnd.IntN(12), rnd.IntN(28))
		hi := lo.AddDate(rnd.IntN(12), rnd.IntN(12), 0)
		limit := []int{1, 3, 2000}[rnd.IntN(3)]
		fast := collect(func(fn func(time.Time)) error { return rs.each(dtstart, lo, hi, limit, fn) })
		slow := collect(func(fn func(time.Time)) error { return rs.eachByRRule(dtstart, lo, hi, limit, fn) })
		require.Equal(t, slow, fast, "%s from %s in [%s, %s], limit %d, until %s", rule, dtstart, lo, hi, limit, rs.untilWall)
		checked += len(fast)
	}
	assert.Greater(t, checked, 5000, "onsets compared")
	for _, rule := range []string{"FREQ=YEARLY;BYMONTH=3;BYDAY=SU", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU",
		"FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=5", "FREQ=MONTHLY;BYDAY=-1SU", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;BYHOUR=2"} {
		rs, err := parseRRule(rule)
		require.NoError(t, err, rule)
		_, _, _, ok := rs.nthWeekday()
		assert.False(t, ok, "%s is left to rrule-go", rule)
	}
}

// A calendar of thousands of VTIMEZONEs has its zones built in parts on every core, with the
// same answer as on one: warnings of broken ones in feed order, a TZID defined twice taking
// its later definition, repeated texts, and events in zones from both halves.
func TestManyVTimezonesOnAnyNumberOfCores(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Skedda Pty Ltd//Skedda//EN\r\n")
	zone := func(tzid string, std, dst int) {
		fmt.Fprintf(&b, "BEGIN:VTIMEZONE\r\nTZID:%s\r\n"+
			"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+%02d00\r\nTZOFFSETTO:+%02d00\r\nEND:STANDARD\r\n"+
			"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+%02d00\r\nTZOFFSETTO:+%02d00\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n",
			tzid, dst, std, std, dst)
	}
	const zones = 9000
	for i := range zones {
		switch {
		case i%1000 == 7:
			fmt.Fprintf(&b, "BEGIN:VTIMEZONE\r\nTZID:Broken %d\r\nEND:VTIMEZONE\r\n", i)
		case i%100 == 5:
			zone("Repeated", 1, 2) // one text, many times
		case i == zones-10:
			zone("Zone 10", 5, 6) // Zone 10 again, in the second half: this one counts
		default:
			zone(fmt.Sprintf("Zone %d", i), i%10, i%10+1)
		}
	}
	for i := range zones {
		if i%10 != 0 && i%10 != 9 { // the first and last of every ten, the parts' included
			continue
		}
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:z%d@example.org\r\nDTSTART;TZID=Zone %d:20260114T120000\r\nDURATION:PT1H\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\n", i, i)
	}
	b.WriteString("BEGIN:VEVENT\r\nUID:rep@example.org\r\nDTSTART;TZID=Repeated:20260714T120000\r\nDURATION:PT1H\r\nATTENDEE:mailto:a@example.org\r\nRESOURCES:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	feed := []byte(b.String())
	read := func(procs int) booking.FetchResult { return parseOnCores(t, feed, "zones", procs) }
	one := read(1)
	// Not an event in Zone 8990 (its definition was Zone 10's), with a warning.
	require.Equal(t, zones/5-1+1, len(one.Bookings))
	for i, w := range one.Warnings {
		if i < zones/1000 {
			assert.Contains(t, w.Reason, "VTIMEZONE at line", "the broken ones first")
		} else {
			assert.Contains(t, w.UID, "z", "then the events in the broken ones and in Repeated")
		}
	}
	got := byUID(one.Bookings)
	for uid, want := range map[string]string{
		"z10@example.org":   "2026-01-14T07:00:00Z", // the later Zone 10: +05 in winter
		"z19@example.org":   "2026-01-14T03:00:00Z", // +09
		"z4000@example.org": "2026-01-14T12:00:00Z", // +00
		"z4600@example.org": "2026-01-14T12:00:00Z",
		"z8900@example.org": "2026-01-14T12:00:00Z",
		"rep@example.org":   "2026-07-14T10:00:00Z", // +02 in summer
	} {
		require.Len(t, got[uid], 1, uid)
		assert.Equal(t, want, got[uid][0].Start.UTC().Format(time.RFC3339), uid)
	}
	for _, procs := range []int{2, 4} {
		assert.True(t, reflect.DeepEqual(one, read(procs)), "GOMAXPROCS=%d gives another answer", procs) // a diff would be huge
	}
}

// A VTIMEZONE read lazily from its compact form (compactZone) has the offsets of the same
// VTIMEZONE built from its text, at instants from 1601 to 2200: random rules of the form
// nthWeekday reads, with INTERVAL and UNTIL or not, DTSTARTs as Microsoft and others write
// them, and observances without a rule.
func TestCompactZonesHaveTheOffsetsOfTheirText(t *testing.T) {
	rnd := rand.New(rand.NewPCG(21, 22))
	days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
	offset := func(s int) string {
		sign := "+"
		if s < 0 {
			sign, s = "-", -s
		}
		return fmt.Sprintf("%s%02d%02d", sign, s/3600, s%3600/60)
	}
	compact := 0
	for z := range 300 {
		std, dst := (rnd.IntN(25)-12)*3600, 0
		dst = std + []int{1800, 3600, 7200}[rnd.IntN(3)]
		start := []string{"16010101T030000", "19700101T020000", fmt.Sprintf("%04d%02d%02dT%02d0000", 1900+rnd.IntN(150), rnd.IntN(12)+1, rnd.IntN(28)+1, rnd.IntN(24))}[rnd.IntN(3)]
		rule := func(month int) string {
			r := fmt.Sprintf("RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", month, []int{-1, 1, 2, 3, 4, -2}[rnd.IntN(6)], days[rnd.IntN(7)])
			if rnd.IntN(4) == 0 {
				r += fmt.Sprintf(";INTERVAL=%d", rnd.IntN(3)+1)
			}
			if rnd.IntN(4) == 0 {
				r += fmt.Sprintf(";UNTIL=%04d0101T000000Z", 1950+rnd.IntN(150))
			}
			return r + "\r\n"
		}
		text := fmt.Sprintf("BEGIN:VTIMEZONE\r\nTZID:Z%d\r\n", z) +
			"BEGIN:STANDARD\r\nDTSTART:" + start + "\r\n" + rule(10) + "TZOFFSETFROM:" + offset(dst) + "\r\nTZOFFSETTO:" + offset(std) + "\r\nEND:STANDARD\r\n" +
			"BEGIN:DAYLIGHT\r\nDTSTART:" + start + "\r\n" + rule(rnd.IntN(6)+1) + "TZOFFSETFROM:" + offset(std) + "\r\nTZOFFSETTO:" + offset(dst) + "\r\nEND:DAYLIGHT\r\n"
		if rnd.IntN(3) == 0 { // a historical observance: DTSTART only
			text += "BEGIN:STANDARD\r\nDTSTART:18930401T000000\r\nTZOFFSETFROM:+0019\r\nTZOFFSETTO:" + offset(std) + "\r\nEND:STANDARD\r\n"
		}
		text += "END:VTIMEZONE\r\n"
		lazy := buildZone(newPropDecoder(), map[string]builtZone{}, []byte(text))
		require.Empty(t, lazy.broken, text)
		cal, err := newPropDecoder().decodeCalendar(calBegin, []byte(text), calEnd)
		require.NoError(t, err)
		_, eager, err := buildVTimezone(cal.Children[0])
		require.NoError(t, err)
		if lazy.z.lazy.compact != nil {
			compact++
		}
		for range 40 {
			at := time.Date(1601+rnd.IntN(600), time.Month(rnd.IntN(12)+1), rnd.IntN(28)+1, rnd.IntN(24), 0, 0, 0, time.UTC).Unix()
			want, _, _ := eager.lookup(at)
			got, _, _ := lazy.z.lookup(at)
			require.Equal(t, want, got, "%s at %s", text, time.Unix(at, 0).UTC())
		}
	}
	assert.Equal(t, 300, compact, "every one of these has a compact form")
}

// decodeComponent makes of a VTIMEZONE's lines what go-ical's decoder makes of them, for
// every VTIMEZONE of the fixtures and for broken ones: the same component, or an error both
// give.
func TestDecodeComponentIsGoICals(t *testing.T) {
	var texts [][]byte
	files, err := filepath.Glob("testdata/*.ics")
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		lr := newBytesReader(data, 1<<30)
		var cur []byte
		for {
			ll, ok, err := lr.next()
			if err != nil || !ok {
				break
			}
			switch up := strings.ToUpper(string(ll.text)); {
			case up == "BEGIN:VTIMEZONE":
				cur = append([]byte(nil), "BEGIN:VTIMEZONE\r\n"...)
			case cur != nil:
				cur = append(append(cur, ll.text...), '\r', '\n')
				if up == "END:VTIMEZONE" {
					texts, cur = append(texts, cur), nil
				}
			}
		}
	}
	require.Greater(t, len(texts), 10)
	texts = append(texts,
		[]byte("BEGIN:VTIMEZONE\r\nTZID;X=\"a;b\":Quoted\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"),
		[]byte("BEGIN:VTIMEZONE\r\nTZID:Bad\r\nBEGIN:STANDARD\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"),
		[]byte("BEGIN:VTIMEZONE\r\nTZID;X:Bad param\r\nEND:VTIMEZONE\r\n"),
		[]byte("BEGIN:VTIMEZONE\r\nTZID:Lower\r\nbegin:standard\r\ntzoffsetto:+0100\r\nend:STANDARD\r\nEND:vtimezone\r\n"),
		[]byte("BEGIN:VTIMEZONE\r\nTZID:Open\r\nBEGIN:STANDARD\r\nEND:VTIMEZONE\r\n"),
	)
	for _, text := range texts {
		want, wantErr := newPropDecoder().decodeCalendar(calBegin, text, calEnd)
		got, err := newPropDecoder().decodeComponent(text)
		if wantErr != nil {
			assert.Error(t, err, "%s", text)
			continue
		}
		require.NoError(t, err, "%s", text)
		require.Len(t, want.Children, 1)
		assert.Equal(t, want.Children[0], got, "%s", text)
	}
}
