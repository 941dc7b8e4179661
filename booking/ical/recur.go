package ical

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/net2booking/net2booking/booking"
	"github.com/net2booking/net2booking/internal/arena"
)

// ruleSpec is a parsed, validated RRULE. We parse it ourselves instead of
// rrule.StrToROption: UNTIL must be read relative to DTSTART's zone (rrule-go reads a
// floating UNTIL as UTC), and some rules make rrule-go loop forever or allocate without
// bound, so they are rejected here first.
type ruleSpec struct {
	opt       rrule.ROption
	until     string    // raw UNTIL value, "" when absent
	untilWall time.Time // UNTIL as a wall-clock stand-in of DTSTART's zone (zero: none)
	// fromStart names what prepare took from DTSTART ("" when nothing): the rule's text no
	// longer says all it means, so the never-matches memo keys on it too.
	fromStart string
	// numbered are the numbered weekdays of a MONTHLY or YEARLY BYDAY that also names plain
	// ones (opt.Byweekday holds those), when COUNT or BYSETPOS counts or picks among the days
	// of both kinds together: such a rule is expanded by jointEach.
	numbered []rrule.Weekday
}

var weekdayNames = map[string]rrule.Weekday{
	"MO": rrule.MO, "TU": rrule.TU, "WE": rrule.WE, "TH": rrule.TH,
	"FR": rrule.FR, "SA": rrule.SA, "SU": rrule.SU,
}

// rruleWeekdays are rrule-go's weekdays by time.Weekday (Sunday first).
var rruleWeekdays = [7]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}

var freqNames = map[string]rrule.Frequency{
	"YEARLY": rrule.YEARLY, "MONTHLY": rrule.MONTHLY, "WEEKLY": rrule.WEEKLY,
	"DAILY": rrule.DAILY, "HOURLY": rrule.HOURLY, "MINUTELY": rrule.MINUTELY,
	"SECONDLY": rrule.SECONDLY,
}

// Bounds on rule parts beyond RFC 5545's own: a huge INTERVAL makes rrule-go's day
// arithmetic loop for a very long time.
const (
	maxInterval = 10_000
	maxCount    = 1_000_000
)

// parseRRule parses an RRULE (or EXRULE) value (RFC 5545 §3.3.10). X- parts are ignored; unknown parts
// are an error, since ignoring a constraint could widen the series. Of RFC 7529's parts,
// RSCALE=GREGORIAN with SKIP=OMIT (its default) is the rule RFC 5545 itself defines, and is
// read; another calendar or SKIP is an error.
func parseRRule(v string) (ruleSpec, error) {
	var rs ruleSpec
	seen := make(map[string]bool)
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return rs, fmt.Errorf("rule part %q has no value", part)
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		val = strings.ToUpper(strings.TrimSpace(val))
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			// `BYDAY="TH,TH"`, as markuspoerschke/iCal (PHP) wrote it before 0.14 (its issue 105).
			val = val[1 : len(val)-1]
		}
		if strings.HasPrefix(k, "X-") {
			continue
		}
		if seen[k] {
			return rs, fmt.Errorf("rule part %s appears twice", k)
		}
		seen[k] = true
		var err error
		switch k {
		case "FREQ":
			f, ok := freqNames[val]
			if !ok {
				return rs, fmt.Errorf("unknown FREQ %q", val)
			}
			rs.opt.Freq = f
		case "INTERVAL":
			rs.opt.Interval, err = boundedInt(val, 1, maxInterval)
		case "COUNT":
			rs.opt.Count, err = boundedInt(val, 1, maxCount)
		case "UNTIL":
			rs.until = val
		case "RSCALE":
			if val != "GREGORIAN" {
				return rs, fmt.Errorf("RSCALE=%s is not supported (only GREGORIAN)", val)
			}
		case "SKIP":
			if val != "OMIT" {
				return rs, fmt.Errorf("SKIP=%s is not supported (only OMIT, RFC 5545's own rule)", val)
			}
		case "WKST":
			wd, ok := weekdayNames[val]
			if !ok {
				return rs, fmt.Errorf("unknown WKST %q", val)
			}
			rs.opt.Wkst = wd
		case "BYSECOND":
			rs.opt.Bysecond, err = intList(val, 0, 59, false)
		case "BYMINUTE":
			rs.opt.Byminute, err = intList(val, 0, 59, false)
		case "BYHOUR":
			rs.opt.Byhour, err = intList(val, 0, 23, false)
		case "BYMONTHDAY":
			rs.opt.Bymonthday, err = intList(val, 1, 31, true)
		case "BYYEARDAY":
			rs.opt.Byyearday, err = intList(val, 1, 366, true)
		case "BYWEEKNO":
			rs.opt.Byweekno, err = intList(val, 1, 53, true)
		case "BYMONTH":
			rs.opt.Bymonth, err = intList(val, 1, 12, false)
		case "BYSETPOS":
			rs.opt.Bysetpos, err = intList(val, 1, 366, true)
		case "BYDAY":
			rs.opt.Byweekday, err = weekdayList(val)
		default:
			return rs, fmt.Errorf("unsupported rule part %s", k)
		}
		if err != nil {
			return rs, fmt.Errorf("%s: %w", k, err)
		}
	}
	if !seen["FREQ"] {
		return rs, fmt.Errorf("FREQ is missing")
	}
	return rs, nil
}

func boundedInt(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, lo, hi)
	}
	return n, nil
}

// intList parses a comma list of integers in [lo, hi] (or [-hi, -lo] when signed), sorted and
// without duplicates: rrule-go multiplies BYHOUR×BYMINUTE×BYSECOND, so duplicates would
// blow up its time set. In it and in weekdayList an empty item names nothing (a trailing
// comma, as EXDATE lists have it: eachItem), but a list of no item is an error: read as no
// list, it would widen the series.
func intList(s string, lo, hi int, signed bool) ([]int, error) {
	var out []int
	err := eachItem(s, func(item string) error {
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if ok := err == nil && (n >= lo && n <= hi || signed && n <= -lo && n >= -hi); !ok {
			return fmt.Errorf("%q is out of range", item)
		}
		out = append(out, n)
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%q names no value", s)
	}
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func weekdayList(s string) ([]rrule.Weekday, error) {
	var out []rrule.Weekday
	seen := make(map[string]bool)
	err := eachItem(s, func(item string) error {
		item = strings.TrimSpace(item)
		if len(item) < 2 {
			return fmt.Errorf("%q is not a weekday", item)
		}
		wd, ok := weekdayNames[item[len(item)-2:]]
		if !ok {
			return fmt.Errorf("%q is not a weekday", item)
		}
		if n := item[:len(item)-2]; n != "" {
			k, err := strconv.Atoi(n)
			if err != nil || k == 0 || k < -53 || k > 53 {
				return fmt.Errorf("%q is not a weekday", item)
			}
			wd = wd.Nth(k)
		}
		if key := wd.String(); !seen[key] {
			seen[key] = true
			out = append(out, wd)
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%q names no weekday", s)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepare resolves UNTIL against the series start and checks that the rule can be expanded.
// UNTIL in UTC becomes the wall clock of DTSTART's zone at that instant; a floating UNTIL is
// taken as that wall clock; a DATE UNTIL with a DATE-TIME start includes that whole day.
func (rs *ruleSpec) prepare(start tval) error {
	if rs.until != "" {
		wall, kind, err := parseTimeText(rs.until, "")
		if err != nil {
			return fmt.Errorf("UNTIL: %w", err)
		}
		switch {
		case kind == kindUTC && start.kind != kindUTC && start.zone != nil:
			wall = start.zone.wallOf(wall)
		case kind == kindDate && start.kind != kindDate:
			wall = wall.Add(24*time.Hour - time.Second)
		}
		rs.untilWall = wall
	}
	if start.kind == kindDate {
		rs.onlyDays()
	}
	if (rs.opt.Freq == rrule.YEARLY || rs.opt.Freq == rrule.WEEKLY) && len(rs.opt.Byweekno) > 0 && len(rs.opt.Byweekday) == 0 && len(rs.opt.Bymonthday) == 0 && len(rs.opt.Byyearday) == 0 {
		// RFC 5545 takes what a rule leaves open from DTSTART, as FREQ=YEARLY;BYMONTH=1 is
		// DTSTART's day of January: FREQ=YEARLY;BYWEEKNO=1 is DTSTART's weekday of week 1,
		// as ical.net's tests expect. rrule-go, like python-dateutil, would take every day of
		// the week: seven bookings a year for one. So for FREQ=WEEKLY;BYWEEKNO=2,4 (which RFC
		// 5545 does not allow: BYWEEKNO is YEARLY's), DTSTART's weekday in those weeks, as
		// KCalendarCore reads it, not six days of each.
		rs.opt.Byweekday = []rrule.Weekday{rruleWeekdays[start.wall.Weekday()]}
		rs.fromStart += "BYDAY=" + start.wall.Weekday().String()[:2] + ";"
	}
	if rs.opt.Freq == rrule.YEARLY && len(rs.opt.Bymonthday) > 0 && len(rs.opt.Bymonth) == 0 && len(rs.opt.Byweekday) == 0 && len(rs.opt.Byweekno) == 0 && len(rs.opt.Byyearday) == 0 {
		// The same for the month: FREQ=YEARLY;BYMONTHDAY=29 names no month, so it is
		// DTSTART's (29 February from a DTSTART of 29 February), as libical, ical.js and
		// KCalendarCore read it. rrule-go, like python-dateutil, would take the 29th of every
		// month: eleven bookings a year nobody made.
		rs.opt.Bymonth = []int{int(start.wall.Month())}
		rs.fromStart += "BYMONTH=" + strconv.Itoa(int(start.wall.Month())) + ";"
	}
	_, err := rs.build(start.wall)
	return err
}

// onlyDays makes the rule of a series of whole days (a DATE DTSTART) one of days. RFC 5545
// says BYHOUR, BYMINUTE and BYSECOND must not be given with a DATE DTSTART and must be
// ignored where they are (applications older than it write them); rrule-go would give the
// series' days times of day (FREQ=DAILY;BYHOUR=9 a "day" from 09:00 to 09:00), and several
// bookings of one day for BYMINUTE=1,2,3. A sub-daily FREQ (HOURLY, MINUTELY, SECONDLY) then
// meets a day only at its midnights, as libical reads it: every INTERVAL hours from midnight
// is midnight again every INTERVAL/gcd(INTERVAL, 24) days, so it is that DAILY rule, which
// counts the same occurrences for COUNT and never iterates hours.
func (rs *ruleSpec) onlyDays() {
	if len(rs.opt.Byhour) > 0 || len(rs.opt.Byminute) > 0 || len(rs.opt.Bysecond) > 0 || rs.opt.Freq > rrule.DAILY {
		rs.fromStart += "DATE;"
	}
	rs.opt.Byhour, rs.opt.Byminute, rs.opt.Bysecond = nil, nil, nil
	if rs.opt.Freq <= rrule.DAILY {
		return
	}
	perDay := int(periodSeconds(rrule.DAILY) / periodSeconds(rs.opt.Freq))
	interval := max(rs.opt.Interval, 1)
	rs.opt.Freq = rrule.DAILY
	rs.opt.Interval = interval / gcd(interval, perDay)
}

// nearWindow returns the rule and where to start iterating it to find its occurrences from
// lo on: a whole number of periods (INTERVAL weeks, days, hours, minutes or seconds; months;
// years) after dtstart and a period or more before lo, or dtstart itself. From there the
// rule has the same occurrences as from dtstart:
//   - its periods are the same ones: a week, day, hour, minute or second has a fixed length
//     on a wall-clock stand-in (no day is longer than another), and a MONTHLY or YEARLY rule
//     starts at the first instant of its month or year;
//   - the parts it takes from DTSTART when absent stay DTSTART's: whole weeks, days, hours or
//     minutes keep the weekday and the time of day, and for a MONTHLY or YEARLY rule the day
//     of the month (and the month) rrule-go would take from DTSTART are set explicitly, as
//     rrule-go itself does when a rule has no day parts;
//   - what differs is the first period alone (rrule-go leaves out its candidates before the
//     start, which shifts a BYSETPOS), and it ends before lo. The period to spare is a
//     margin: lo is already expansionSlack before the window.
//
// A rule with COUNT is iterated from dtstart, as its occurrences are counted from there.
// TestRulesNearTheWindowAsFromDTSTART compares the two starts on random rules.
func (rs ruleSpec) nearWindow(dtstart, lo time.Time) (ruleSpec, time.Time) {
	if !nearWindowStart || rs.opt.Count > 0 || !lo.After(dtstart) {
		return rs, dtstart
	}
	interval := int64(max(rs.opt.Interval, 1))
	clock := func(y int, m time.Month) time.Time {
		h, mi, sec := dtstart.Clock()
		return time.Date(y, m, 1, h, mi, sec, dtstart.Nanosecond(), time.UTC)
	}
	noDays := len(rs.opt.Byweekno) == 0 && len(rs.opt.Byyearday) == 0 && len(rs.opt.Bymonthday) == 0 && len(rs.opt.Byweekday) == 0
	switch rs.opt.Freq {
	case rrule.YEARLY:
		k := int64(lo.Year()-dtstart.Year())/interval - 1
		if k <= 0 {
			return rs, dtstart
		}
		if noDays {
			if len(rs.opt.Bymonth) == 0 {
				rs.opt.Bymonth = []int{int(dtstart.Month())}
			}
			rs.opt.Bymonthday = []int{dtstart.Day()}
		}
		return rs, clock(dtstart.Year()+int(k*interval), time.January)
	case rrule.MONTHLY:
		months := func(t time.Time) int64 { return int64(t.Year())*12 + int64(t.Month()) - 1 }
		k := (months(lo)-months(dtstart))/interval - 1
		if k <= 0 {
			return rs, dtstart
		}
		if noDays {
			rs.opt.Bymonthday = []int{dtstart.Day()}
		}
		m := months(dtstart) + k*interval
		return rs, clock(int(m/12), time.Month(m%12+1))
	}
	period := interval * periodSeconds(rs.opt.Freq)
	k := (lo.Unix()-dtstart.Unix())/period - 1 // Unix seconds: a 1601 DTSTART overflows a Duration
	if k <= 0 {
		return rs, dtstart
	}
	return rs, time.Unix(dtstart.Unix()+k*period, int64(dtstart.Nanosecond())).UTC()
}

// periodSeconds is the length in seconds of a WEEKLY, DAILY, HOURLY, MINUTELY or SECONDLY
// rule's period on a wall-clock stand-in, where no day is longer than another; 0 for MONTHLY
// and YEARLY, whose periods vary.
func periodSeconds(f rrule.Frequency) int64 {
	switch f {
	case rrule.WEEKLY:
		return 7 * 86400
	case rrule.DAILY:
		return 86400
	case rrule.HOURLY:
		return 3600
	case rrule.MINUTELY:
		return 60
	case rrule.SECONDLY:
		return 1
	}
	return 0
}

// nearWindowStart is whether nearWindow moves the start: tests turn it off to compare.
var nearWindowStart = true

// byDayParts returns the rule as rules rrule-go expands as RFC 5545 means it. A MONTHLY or
// YEARLY BYDAY that mixes numbered and plain weekdays (BYDAY=MO,1WE: every Monday and the
// first Wednesday) is read by rrule-go (as by python-dateutil) as days that are both, which
// none is; ical.js reads it as RFC 5545 means it. Such a rule is two rules, one with each
// kind, whose occurrences together are the rule's (an instant both give is one occurrence).
// With COUNT or BYSETPOS, which count or pick among the occurrences of both together, it is
// one rule with numbered set, expanded by jointEach.
func (rs ruleSpec) byDayParts() []ruleSpec {
	if rs.opt.Freq != rrule.MONTHLY && rs.opt.Freq != rrule.YEARLY {
		return []ruleSpec{rs}
	}
	var plain, numbered []rrule.Weekday
	for _, wd := range rs.opt.Byweekday {
		if wd.N() == 0 {
			plain = append(plain, wd)
		} else {
			numbered = append(numbered, wd)
		}
	}
	if len(plain) == 0 || len(numbered) == 0 {
		return []ruleSpec{rs}
	}
	if rs.opt.Count > 0 || len(rs.opt.Bysetpos) > 0 {
		rs.opt.Byweekday, rs.numbered = plain, numbered
		return []ruleSpec{rs}
	}
	a, b := rs, rs
	a.opt.Byweekday, b.opt.Byweekday = plain, numbered
	return []ruleSpec{a, b}
}

// kinds returns the two rules of a joint rule (numbered set): one for each kind of weekday,
// without COUNT and BYSETPOS, which jointEach applies to both together.
func (rs ruleSpec) kinds() [2]ruleSpec {
	a, b := rs, rs
	b.opt.Byweekday = rs.numbered
	for _, k := range []*ruleSpec{&a, &b} {
		k.numbered, k.opt.Count, k.opt.Bysetpos = nil, 0, nil
	}
	return [2]ruleSpec{a, b}
}

// periodBounds returns the first and the last instant of the period (month or year) of a
// MONTHLY or YEARLY rule that t is in.
func periodBounds(f rrule.Frequency, t time.Time) (first, last time.Time) {
	first = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	next := first.AddDate(0, 1, 0)
	if f == rrule.YEARLY {
		first = time.Date(t.Year(), time.January, 1, 0, 0, 0, 0, time.UTC)
		next = first.AddDate(1, 0, 0)
	}
	return first, next.Add(-time.Nanosecond)
}

// jointSetReachable reports whether some BYSETPOS of a joint rule (numbered set) can pick
// from a period's set, by an upper bound of that set's size: a plain weekday is at most 5
// days a month and a numbered one 1 (in a YEARLY rule without BYMONTH, 1 a year: counted as
// 1 a month, which still bounds it), at most BYMONTHDAY's days a month, in 1 month (MONTHLY)
// or BYMONTH's months of 12, each at every time of day of BYHOUR, BYMINUTE and BYSECOND.
// When it cannot, the rule never matches: with COUNT it would otherwise be searched from
// DTSTART to the window on every expansion.
func (rs ruleSpec) jointSetReachable() bool {
	if len(rs.opt.Bysetpos) == 0 {
		return true
	}
	perMonth := min(5*len(rs.opt.Byweekday)+len(rs.numbered), 31)
	if n := len(rs.opt.Bymonthday); n > 0 {
		perMonth = min(perMonth, n)
	}
	months := 1
	if rs.opt.Freq == rrule.YEARLY {
		months = 12
		if n := len(rs.opt.Bymonth); n > 0 {
			months = n
		}
	}
	bound := perMonth * months * max(len(rs.opt.Byhour), 1) * max(len(rs.opt.Byminute), 1) * max(len(rs.opt.Bysecond), 1)
	for _, p := range rs.opt.Bysetpos {
		if p <= bound && -p <= bound {
			return true
		}
	}
	return false
}

// jointEach calls f with the occurrences, in order, of a rule whose BYDAY mixes numbered and
// plain weekdays and that has COUNT or BYSETPOS (byDayParts), from the period that from is in
// (from is DTSTART or, without COUNT, nearWindow's start) to until, until f returns false.
// rrule-go expands each kind of weekday as a rule of its own (kinds), from the first instant
// of that period (with DTSTART's time of day as explicit BYHOUR, BYMINUTE and BYSECOND where
// the rule leaves them open, as rrule-go would take them from its start), so that BYSETPOS
// picks among the whole period's times, also those before DTSTART (as RFC 5545 and ical.js
// do); their occurrences are merged (an instant both give is one), BYSETPOS picks among each
// period's, and COUNT counts those from DTSTART on. Like a rule's own occurrences, the merged
// ones are capped at limit (a BYSETPOS that picks rarely, with COUNT, is otherwise searched
// from DTSTART to the window): capped reports that the cap stopped the expansion.
func (rs ruleSpec) jointEach(dtstart, from, until time.Time, limit int, f func(time.Time) bool) (capped bool, err error) {
	first, _ := periodBounds(rs.opt.Freq, from)
	_, last := periodBounds(rs.opt.Freq, until)
	var next [2]rrule.Next
	var head [2]time.Time
	var live [2]bool
	for i, k := range rs.kinds() {
		for _, part := range []struct {
			by *[]int
			of int
		}{{&k.opt.Byhour, dtstart.Hour()}, {&k.opt.Byminute, dtstart.Minute()}, {&k.opt.Bysecond, dtstart.Second()}} {
			if len(*part.by) == 0 {
				*part.by = []int{part.of}
			}
		}
		k.untilWall = last
		r, err := k.build(first)
		if err != nil {
			return false, err
		}
		next[i] = r.Iterator()
		head[i], live[i] = next[i]()
	}
	// merged yields the occurrences of both kinds in order, each instant once.
	n := 0
	merged := func() (time.Time, bool) {
		i := 0
		switch {
		case !live[0] && !live[1]:
			return time.Time{}, false
		case n == limit:
			capped = true
			return time.Time{}, false
		case !live[0] || live[1] && head[1].Before(head[0]):
			i = 1
		}
		t := head[i]
		for j := range head {
			for live[j] && !head[j].After(t) {
				head[j], live[j] = next[j]()
			}
		}
		n++
		return t, true
	}
	count := 0
	emit := func(t time.Time) bool {
		switch {
		case t.After(until):
			return false
		case t.Before(dtstart): // of DTSTART's period, for BYSETPOS only
			return true
		}
		count++
		return f(t) && (rs.opt.Count == 0 || count < rs.opt.Count)
	}
	if len(rs.opt.Bysetpos) == 0 {
		for t, ok := merged(); ok; t, ok = merged() {
			if !emit(t) {
				return false, nil
			}
		}
		return capped, nil
	}
	var set, picked []time.Time
	pick := func() bool {
		picked = picked[:0]
		for _, pos := range rs.opt.Bysetpos {
			i := pos - 1
			if pos < 0 {
				i = len(set) + pos
			}
			if i >= 0 && i < len(set) {
				picked = append(picked, set[i])
			}
		}
		slices.SortFunc(picked, time.Time.Compare)
		for _, t := range slices.CompactFunc(picked, time.Time.Equal) {
			if !emit(t) {
				return false
			}
		}
		return true
	}
	var setEnd time.Time // the last instant of set's period
	for t, ok := merged(); ok; t, ok = merged() {
		if len(set) > 0 && t.After(setEnd) {
			if !pick() {
				return false, nil
			}
			set = set[:0]
		}
		if len(set) == 0 {
			_, setEnd = periodBounds(rs.opt.Freq, t)
		}
		set = append(set, t)
	}
	if len(set) > 0 && !capped { // a capped period's set is not whole
		pick()
	}
	return capped, nil
}

// build makes a fresh rrule-go rule (they are not safe for concurrent iteration) on a
// wall-clock stand-in start.
func (rs *ruleSpec) build(dtstart time.Time) (r *rrule.RRule, err error) {
	opt := rs.opt
	opt.Dtstart = dtstart
	opt.Until = rs.untilWall
	if err := checkReachable(opt); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("recurrence rule cannot be expanded: %v", p)
		}
	}()
	return rrule.NewRRule(opt)
}

// checkReachable rejects sub-daily rules whose BYHOUR/BYMINUTE/BYSECOND can never be hit
// from DTSTART with the given INTERVAL (for example FREQ=HOURLY;INTERVAL=2;BYHOUR=5 from an
// even hour): rrule-go would search for the next match forever.
func checkReachable(opt rrule.ROption) error {
	if opt.Freq < rrule.HOURLY {
		return nil
	}
	interval := max(opt.Interval, 1)
	h0, m0, s0 := opt.Dtstart.Clock()
	hours, minutes, seconds := opt.Byhour, opt.Byminute, opt.Bysecond
	var unit, cycle, pos0 int
	switch opt.Freq {
	case rrule.HOURLY:
		unit, cycle, pos0 = 3600, 24, h0
		minutes, seconds = nil, nil
	case rrule.MINUTELY:
		unit, cycle, pos0 = 60, 1440, h0*60+m0
		seconds = nil
	default:
		unit, cycle, pos0 = 1, 86400, h0*3600+m0*60+s0
	}
	if len(hours) == 0 && len(minutes) == 0 && len(seconds) == 0 {
		return nil
	}
	g := gcd(interval, cycle)
	all := func(l []int, n int) []int {
		if len(l) > 0 {
			return l
		}
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	hs := all(hours, 24)
	ms, ss := []int{0}, []int{0}
	if unit <= 60 {
		ms = all(minutes, 60)
	}
	if unit == 1 {
		ss = all(seconds, 60)
	}
	for _, h := range hs {
		for _, m := range ms {
			for _, s := range ss {
				pos := (h*3600 + m*60 + s) / unit
				if ((pos-pos0)%g+g)%g == 0 {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("rule never matches its BYHOUR/BYMINUTE/BYSECOND with INTERVAL=%d from DTSTART", interval)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// series is a recurring event with its overrides, indexed for expansion.
type series struct {
	master     *event
	overrides  []*event
	byInstant  map[int64]*event  // override by original start instant
	byDate     map[string]*event // override with a DATE RECURRENCE-ID, by local date
	futures    []*event          // RANGE=THISANDFUTURE overrides, by original start
	exInstants []int64           // sorted (recurrence.exInstants)
	exDays     []int32           // sorted (recurrence.exDays)
	margin     time.Duration     // widest shift of a THISANDFUTURE override
}

func newSeries(m *event, overrides []*event) *series {
	s := &series{
		master:    m,
		overrides: overrides,
		byInstant: make(map[int64]*event),
		byDate:    make(map[string]*event),
	}
	for _, ov := range overrides {
		if ov.ov.rid.kind == kindDate {
			s.byDate[ov.ov.rid.dateKey()] = ov
		} else {
			s.byInstant[ov.ov.ridI.Unix()] = ov
		}
		if ov.ov.future {
			s.futures = append(s.futures, ov)
			d := ov.startI().Sub(ov.ov.ridI)
			if d < 0 {
				d = -d
			}
			s.margin = max(s.margin, d, ov.span.approx())
		}
	}
	sort.Slice(s.futures, func(i, j int) bool { return s.futures[i].ov.ridI.Before(s.futures[j].ov.ridI) })
	slices.Sort(m.rec.exInstants)
	slices.Sort(m.rec.exDays)
	s.exInstants, s.exDays = slices.Compact(m.rec.exInstants), slices.Compact(m.rec.exDays)
	return s
}

// Bookings expands the calendar over the window w: every single event, every occurrence of
// every series and every override that overlaps w (a zero-length booking when its instant
// lies in w), sorted with booking.SortBookings. Warnings from parsing come first, then any
// raised while expanding (an occurrence cap that was hit). It may be called any number of
// times, for any windows, concurrently.
func (c *Calendar) Bookings(w booking.Window) booking.FetchResult {
	warn := c.warnings
	warn.list = slices.Clone(warn.list)
	// Singles are kept sorted by start, UID and recurrence instant, so without series the
	// result is already in booking.SortBookings order. Only those starting from the window's
	// start less the longest single's length up to the window's end can overlap it.
	from, _ := slices.BinarySearchFunc(c.singles, w.Start.Add(-c.maxSpan), func(ev *event, t time.Time) int { return ev.startI().Compare(t) })
	to, _ := slices.BinarySearchFunc(c.singles, w.End, func(ev *event, t time.Time) int { return ev.startI().Compare(t) })
	to = max(to, from)
	out := c.singleBookings(c.singles[from:to], w)
	out = c.expandSeries(w, out, &warn)
	if !slices.IsSortedFunc(out, booking.Compare) {
		booking.SortBookings(out)
	}
	return booking.FetchResult{Bookings: out, Warnings: warn.result(), Notes: slices.Clone(c.notes)}
}

// expandSeries appends the occurrences of every series in w to out, and their warnings to
// warn, in series order. Many series are expanded in two halves on two cores; each part has
// warnings of its own, joined as if one had followed the other (a part that drops warnings
// past maxWarnings has filled warn by then).
func (c *Calendar) expandSeries(w booking.Window, out []booking.Booking, warn *warnings) []booking.Booking {
	n := 1
	if len(c.series) >= minParallelSeries && runtime.GOMAXPROCS(0) >= 2 {
		n = 2
	}
	var outs [][]booking.Booking
	var warns []warnings
	run := func(n int) (cut bool) {
		outs, warns = make([][]booking.Booking, n), make([]warnings, n)
		cuts := make([]bool, n)
		onParts(n, func(i int) {
			warns[i].source = warn.source
			cp := copies{left: c.maxFeed / n}
			for _, s := range c.series[i*len(c.series)/n : (i+1)*len(c.series)/n] {
				outs[i] = c.expand(s, w, outs[i], &warns[i], &cp)
			}
			cuts[i] = cp.cut
		})
		return slices.Contains(cuts, true)
	}
	// Each half may use half the cap. When one wanted more, the series are expanded again one
	// after the other with the whole cap, so that it falls where it does on one core.
	if run(n) && n > 1 {
		run(1)
	}
	total := len(out)
	for i := range outs {
		total += len(outs[i])
	}
	out = slices.Grow(out, total-len(out))
	for i := range outs {
		out = append(out, outs[i]...)
		for _, wa := range warns[i].list {
			warn.add(wa.UID, wa.Reason)
		}
		warn.dropped += warns[i].dropped
	}
	return out
}

// minParallelSeries is the number of series past which expandSeries uses two cores.
const minParallelSeries = 64

// singleBookings are the bookings of the singles that overlap w, in their order: counted,
// then built into one array (with the copies of their persons and resources cut from
// arenas of the counted sizes), in two halves on two cores for a large window.
func (c *Calendar) singleBookings(singles []*event, w booking.Window) []booking.Booking {
	np := parts(len(singles))
	type part struct {
		evs []*event
		n   int
		out []booking.Booking
		cp  copies
	}
	ps := make([]part, np)
	for i := range ps {
		ps[i].evs = singles[i*len(singles)/np : (i+1)*len(singles)/np]
	}
	onParts(np, func(i int) {
		pt := &ps[i]
		for _, ev := range pt.evs {
			if overlaps(ev.startI(), ev.endI(), w) {
				pt.n++
				pt.cp.persons.Chunk += len(ev.persons)
				pt.cp.resources.Chunk += len(ev.resources)
			}
		}
	})
	n := 0
	for _, pt := range ps {
		n += pt.n
	}
	out := make([]booking.Booking, n)
	n = 0
	for i := range ps {
		ps[i].out = out[n : n : n+ps[i].n]
		n += ps[i].n
	}
	onParts(np, func(i int) {
		pt := &ps[i]
		for _, ev := range pt.evs {
			if overlaps(ev.startI(), ev.endI(), w) {
				pt.out = append(pt.out, c.booking(ev, ev.start, ev.startI(), ev.endI(), ev.recID(), &pt.cp))
			}
		}
	})
	return out
}

// overlaps is booking.Booking.Overlaps without building the booking.
func overlaps(start, end time.Time, w booking.Window) bool {
	return booking.Booking{Start: start, End: end}.Overlaps(w)
}

// booking is one occurrence of ev. Its persons and resources are copies (events share
// theirs), cut from cp. days is the DTSTART whose type says whether the booking can be of
// whole days: ev's own, or its series' for an occurrence an override moved.
func (c *Calendar) booking(ev *event, days tval, start, end, rid time.Time, cp *copies) booking.Booking {
	return booking.Booking{
		Source:       c.name,
		UID:          ev.uid,
		RecurrenceID: rid,
		Resources:    copyInto(&cp.resources, ev.resources),
		Start:        start.UTC(),
		End:          end.UTC(),
		AllDay:       wholeDays(days, start, end),
		Status:       ev.status.booking(),
		Persons:      copyInto(&cp.persons, ev.persons),
	}
}

// wholeDays reports whether a booking from start to end of an event that starts at start is
// of whole days: its DTSTART is a DATE, and it runs from a midnight to a midnight of the
// days' zone. A DTEND or DURATION with a time of day beside a DATE DTSTART (which RFC 5545
// does not allow; python-recurring-ical-events issue 201 met DTEND:20230817T000000Z), or an
// RDATE with one, as KCalendarCore keeps it, gives the times the feed names, and the booking
// is not said to be of whole days.
func wholeDays(ev tval, start, end time.Time) bool {
	if ev.kind != kindDate {
		return false
	}
	midnight := func(t time.Time) bool {
		if ev.zone != nil {
			t = ev.zone.wallOf(t)
		}
		return isMidnight(t)
	}
	return midnight(start) && midnight(end)
}

// copies are the arenas that the copies of many bookings' persons and resources are cut
// from, instead of two small allocations a booking: of the counted sizes for singles, of
// the default chunks for the occurrences of series.
type copies struct {
	persons   arena.Arena[booking.Person]
	resources arena.Arena[string]
	cands     []candidate // expand's room for a series' candidates, reused series by series
	// left is what remains of the calendar's occurrence cap (maxFeed) for these series;
	// cut is set when a series wanted more.
	left int
	cut  bool
}

// copyInto is a's copy of src; an empty or nil src is returned as slices.Clone returns it.
func copyInto[T any](a *arena.Arena[T], src []T) []T {
	if len(src) == 0 {
		return slices.Clone(src)
	}
	return a.Copy(src)
}

// candidate is one start of a series before exclusions and overrides.
type candidate struct {
	wall   time.Time // wall clock in the series' zone (stand-in)
	inst   time.Time
	end    time.Time
	hasEnd bool // from an RDATE PERIOD
}

// expansionSlack widens the search window for occurrences: stand-ins differ from instants
// by at most a UTC offset (< 26 h).
const expansionSlack = 3 * 24 * time.Hour

// expand appends the occurrences of s that overlap w. Occurrences are generated in the
// wall-clock space of DTSTART's zone (rrule-go on UTC stand-ins), then each wall time is
// mapped to an instant with the RFC 5545 gap/overlap rules, so a weekly 09:00 series stays at
// 09:00 local across DST. A series whose rule cannot be expanded is skipped whole (fail
// closed) with a warning.
func (c *Calendar) expand(s *series, w booking.Window, out []booking.Booking, warn *warnings, cp *copies) (res []booking.Booking) {
	m := s.master
	orig := out
	defer func() {
		if p := recover(); p != nil {
			warn.add(m.uid, fmt.Sprintf("recurrence cannot be expanded (%v); series skipped (VEVENT at line %d)", p, m.line))
			res = orig
		}
	}()
	lo := w.Start.Add(-m.span.approx() - s.margin - expansionSlack).UTC()
	hi := w.End.Add(s.margin + expansionSlack).UTC()

	cands := append(cp.cands[:0], candidate{wall: m.start.wall, inst: m.startI()})
	defer func() { cp.cands = cands[:0] }() // the next series' room
	// cut: by the feed's cap, said once; the series' other rules add nothing.
	cut := false
	for i := range m.rec.rules {
		if cut {
			break
		}
		n := 0
		capped := func() {
			warn.add(m.uid, fmt.Sprintf("recurrence stopped after %d occurrences (the limit); later occurrences are missing (VEVENT at line %d)", c.maxOcc, m.line))
		}
		add := func(t time.Time) bool {
			if t.After(hi) {
				return false
			}
			if n >= c.maxOcc {
				capped()
				return false
			}
			if cp.left == 0 {
				cp.cut, cut = true, true
				warn.add(m.uid, fmt.Sprintf("recurrence stopped: the feed's series reached %d occurrences together (the limit of one feed); this series' later occurrences are missing (VEVENT at line %d)", c.maxFeed, m.line))
				return false
			}
			n++
			cp.left--
			if !t.Before(lo) {
				cands = append(cands, candidate{wall: t, inst: m.start.at(t).instant()})
			}
			return true
		}
		stopped, err := m.rec.rules[i].occurrences(m.start.wall, lo, hi, c.maxOcc, add)
		if stopped {
			capped()
		}
		if err != nil {
			warn.add(m.uid, fmt.Sprintf("RRULE: %v; series skipped (VEVENT at line %d)", err, m.line))
			return out
		}
	}
	// The EXRULEs' occurrences, as wall clocks; past exUntil one stopped at the limit, so
	// what it would exclude is unknown there, and the series' occurrences are missing.
	var exWalls []int64
	var exUntil time.Time
	for _, spec := range m.rec.exRules {
		n := 0
		stopped, err := spec.occurrences(m.start.wall, lo, hi, c.maxOcc, func(t time.Time) bool {
			if t.After(hi) {
				return false
			}
			if n >= c.maxOcc {
				exUntil = minTime(exUntil, t)
				return false
			}
			n++
			exWalls = append(exWalls, t.Unix())
			return true
		})
		if stopped {
			exUntil = minTime(exUntil, lo)
		}
		if err != nil {
			warn.add(m.uid, fmt.Sprintf("EXRULE: %v; series skipped (VEVENT at line %d)", err, m.line))
			return out
		}
	}
	if !exUntil.IsZero() {
		warn.add(m.uid, fmt.Sprintf("EXRULE stopped after %d occurrences (the limit); the series' occurrences after %s are missing (VEVENT at line %d)", c.maxOcc, exUntil.Format("2006-01-02 15:04"), m.line))
	}
	slices.Sort(exWalls)
	more := m.rec.rdateMore
	for i, at := range m.rec.rdates {
		var rm rdateMore
		if len(more) > 0 && int(more[0].at) == i {
			rm, more = more[0], more[1:]
		}
		inst := time.Unix(at, 0).UTC()
		if inst.Before(lo) || inst.After(hi) {
			continue
		}
		wall := inst
		switch {
		case rm.date:
			wall = time.Unix(rm.wall, 0).UTC()
		case m.start.zone != nil:
			wall = m.start.zone.wallOf(inst)
		}
		cd := candidate{wall: wall, inst: inst}
		if rm.period {
			cd.hasEnd, cd.end = true, time.Unix(rm.end, 0).UTC()
		}
		cands = append(cands, cd)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].inst.Before(cands[j].inst) })

	var prev time.Time
	for i, cd := range cands {
		if i > 0 && cd.inst.Equal(prev) {
			continue // DTSTART, RRULE and RDATE may name the same start
		}
		prev = cd.inst
		occ := m.start.at(cd.wall)
		key := cd.inst.Unix()
		_, exInst := slices.BinarySearch(s.exInstants, key)
		_, exDay := slices.BinarySearch(s.exDays, occ.dayNumber())
		_, exRule := slices.BinarySearch(exWalls, cd.wall.Unix())
		pastExRule := !exUntil.IsZero() && !cd.wall.Before(exUntil)
		if exInst || exDay || exRule || pastExRule || s.byInstant[key] != nil || len(s.byDate) > 0 && s.byDate[occ.dateKey()] != nil {
			continue
		}
		src, start, end := m, cd.inst, cd.end
		if !cd.hasEnd {
			end = endAt(occ, cd.inst, m.span)
		}
		if f := s.future(cd.inst); f != nil {
			// RANGE=THISANDFUTURE: later instances move like the override and take its
			// length, status, persons and resources.
			src = f
			start = cd.inst.Add(f.startI().Sub(f.ov.ridI))
			end = start.Add(f.endI().Sub(f.startI()))
		}
		if overlaps(start, end, w) {
			out = append(out, c.booking(src, m.start, start, end, cd.inst, cp))
		}
	}
	for _, ov := range s.overrides {
		if overlaps(ov.startI(), ov.endI(), w) {
			out = append(out, c.booking(ov, ov.start, ov.startI(), ov.endI(), ov.ov.ridI, cp))
		}
	}
	return out
}

// occurrences calls add with the wall clocks (stand-ins) of a series rule's occurrences in
// order, from near lo (nearWindow) up to hi at most, until add returns false. It ends at hi:
// rrule-go would otherwise stop 292 years after DTSTART, or search to the year 9999 after
// the last occurrence. And it starts near lo: a daily series of ten years costs its
// occurrences near the window, not 3,650 first, and an hourly one is not cut off by the
// limit first. stopped says jointEach's own limit stopped it. (A VTIMEZONE's rules take
// each, which knows neither COUNT nor joint rules and reads the common yearly rule itself.)
func (rs ruleSpec) occurrences(dtstart, lo, hi time.Time, limit int, add func(time.Time) bool) (stopped bool, err error) {
	if rs.untilWall.IsZero() || rs.untilWall.After(hi) {
		rs.untilWall = hi
	}
	rs, from := rs.nearWindow(dtstart, lo)
	if len(rs.numbered) > 0 {
		return rs.jointEach(dtstart, from, rs.untilWall, limit, add)
	}
	count := 0 // counted here instead of by rrule-go when its iteration starts before DTSTART
	// Only an iteration from DTSTART needs its whole first week: elsewhere nearWindow starts
	// a period or more before lo, and expand's lo is already early by the series' longest
	// booking, so a first week rrule-go cuts short there ends before any booking counts.
	if back := rs.intoItsWeek(from); from.Equal(dtstart) && back > 0 {
		rs, count = rs.fromWeekStart(dtstart)
		from = dtstart.AddDate(0, 0, -back)
	}
	r, err := rs.build(from)
	if err != nil {
		return false, err
	}
	next := r.Iterator()
	n := 0
	for t, ok := next(); ok; t, ok = next() {
		if t.Before(dtstart) {
			continue // the first week's days before DTSTART, which only BYSETPOS needed
		}
		n++
		if !add(t) || n == count {
			break
		}
	}
	return false, nil
}

// intoItsWeek is how many days into its week (by WKST) a WEEKLY rule with BYSETPOS starts at
// from; 0 for any other rule. BYSETPOS picks among the days of a whole week: "A set of
// recurrence instances starts at the beginning of the interval defined by the FREQ rule
// part" (RFC 5545 §3.3.10), as libical expands it. rrule-go, like python-dateutil, makes the
// first week's set of its days from DTSTART on only: FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;
// BYSETPOS=1,3 from a Wednesday would open the door on that Friday (the third of Wednesday
// to Friday) and not on the next Wednesday. Later weeks are whole, and so are the first
// month, year, day or hour of the other FREQs.
func (rs *ruleSpec) intoItsWeek(from time.Time) int {
	if rs.opt.Freq != rrule.WEEKLY || len(rs.opt.Bysetpos) == 0 {
		return 0
	}
	wkst := rs.opt.Wkst // rrule-go's zero Weekday is Monday, RFC 5545's default week start
	return (int(from.Weekday()) - (wkst.Day()+1)%7 + 7) % 7
}

// fromWeekStart is the rule to expand from the start of DTSTART's week, so that the first
// week's set is whole, and its COUNT, which occurrences counts from DTSTART on: rrule-go
// would count the days before it.
func (rs ruleSpec) fromWeekStart(dtstart time.Time) (ruleSpec, int) {
	count := rs.opt.Count
	rs.opt.Count = 0 // untilWall bounds the iteration
	if len(rs.opt.Byweekday) == 0 && len(rs.opt.Bymonthday) == 0 && len(rs.opt.Byyearday) == 0 && len(rs.opt.Byweekno) == 0 {
		rs.opt.Byweekday = []rrule.Weekday{rruleWeekdays[dtstart.Weekday()]} // rrule-go would take the week start's
	}
	return rs, count
}

// minTime is the earlier of a and b, where a zero a is later than any.
func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// recID is the RecurrenceID of an event emitted on its own: zero for a single event.
func (ev *event) recID() time.Time {
	if ev.ov == nil {
		return time.Time{}
	}
	return ev.ov.recID
}

// future returns the latest THISANDFUTURE override that starts before inst.
func (s *series) future(inst time.Time) *event {
	var f *event
	for _, ov := range s.futures {
		if ov.ov.ridI.Before(inst) {
			f = ov
		}
	}
	return f
}

// checkFeasible reports a rule whose date parts can never all be met, found up front instead
// of by rrule-go, which searches year after year up to 9999 for them (80–170 ms per series
// and expansion): a BYMONTHDAY no month of BYMONTH has (BYMONTH=2;BYMONTHDAY=30), an n-th
// weekday that no BYMONTHDAY day can be (BYDAY=1MO;BYMONTHDAY=15), a sixth weekday of a
// month, a BYYEARDAY outside BYMONTH, months or weekdays the INTERVAL never reaches from
// DTSTART (FREQ=MONTHLY;INTERVAL=12;BYMONTH=3 from January), a BYSETPOS beyond every set.
// Rules it passes may still be sparse (29 February on a Monday), never empty for these
// reasons; any other empty rule is neverMatches' (a search of one calendar cycle); sub-daily
// BYHOUR/BYMINUTE/BYSECOND reachability is checkReachable's.
func checkFeasible(opt rrule.ROption, dtstart time.Time) error {
	interval := max(opt.Interval, 1)
	months := opt.Bymonth
	if len(months) == 0 {
		months = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	}
	if opt.Freq == rrule.MONTHLY {
		var reach []int
		for _, m := range months {
			if ((m-int(dtstart.Month()))%gcd(interval, 12)+12)%gcd(interval, 12) == 0 {
				reach = append(reach, m)
			}
		}
		if len(reach) == 0 {
			return fmt.Errorf("rule never matches: BYMONTH %v is never reached every %d months from DTSTART", opt.Bymonth, interval)
		}
		months = reach
	}
	monthContext := opt.Freq == rrule.MONTHLY || opt.Freq == rrule.YEARLY && len(opt.Bymonth) > 0
	for _, wd := range opt.Byweekday {
		if n := wd.N(); monthContext && (n > 5 || n < -5) {
			return fmt.Errorf("rule never matches: a month has no weekday number %d", n)
		}
	}
	if opt.Freq == rrule.DAILY && len(opt.Byweekday) > 0 && interval%7 == 0 {
		found := false
		for _, wd := range opt.Byweekday {
			found = found || wd.Day() == (int(dtstart.Weekday())+6)%7
		}
		if !found {
			return fmt.Errorf("rule never matches: every %d days from DTSTART is always a %s", interval, dtstart.Weekday())
		}
	}
	if len(opt.Bymonthday) > 0 && len(opt.Byyearday) == 0 && len(opt.Byweekno) == 0 && !dayPossible(opt, months, monthContext) {
		return fmt.Errorf("rule never matches: no month of %v has a day %v that also fits BYDAY", months, opt.Bymonthday)
	}
	if len(opt.Byyearday) > 0 && len(opt.Bymonth) > 0 && !yeardayPossible(opt.Byyearday, months) {
		return fmt.Errorf("rule never matches: no day %v of the year lies in the months %v", opt.Byyearday, months)
	}
	if len(opt.Bysetpos) > 0 {
		if bound := setBound(opt); bound > 0 {
			ok := false
			for _, pos := range opt.Bysetpos {
				ok = ok || pos <= bound && pos >= -bound
			}
			if !ok {
				return fmt.Errorf("rule never matches: BYSETPOS %v beyond the at most %d candidates of a period", opt.Bysetpos, bound)
			}
		}
	}
	return nil
}

// neverMatches reports a rule that yields no occurrence at all, whatever its parts, by
// letting rrule-go expand it over one whole cycle of the calendar: the Gregorian calendar
// repeats every 400 years (146,097 days, weekdays and week numbers included), and a cycle
// that the rule's INTERVAL also keeps is 400·k/gcd(base, k) years (base: 400 years, 4,800
// months, 20,871 weeks or 146,097 days). The rule is moved a whole number of such cycles
// ahead, to just one cycle before rrule-go's last year, so that its search ends there
// instead of running year after year to 9999 on every expansion. A sub-daily rule is
// reduced to daily ones first (neverSubDaily). Only rules neverKey accepts are checked; for
// the others the answer is false.
func neverMatches(opt rrule.ROption, dtstart time.Time) bool {
	if opt.Freq >= rrule.HOURLY {
		return neverSubDaily(opt, dtstart)
	}
	cycle, ok := neverCycle(opt, dtstart)
	return ok && emptyOverCycle(opt, dtstart, cycle)
}

// emptyOverCycle lets rrule-go search the rule for its first occurrence over one cycle of
// the given years, placed just before rrule-go's last year.
func emptyOverCycle(opt rrule.ROption, dtstart time.Time, cycle int) (never bool) {
	n := (rrule.MAXYEAR - cycle - dtstart.Year()) / cycle
	opt.Dtstart = dtstart.AddDate(n*cycle, 0, 0) // whole 400-year cycles: same month, day, weekday
	opt.Until, opt.Count = time.Time{}, 0
	defer func() {
		if recover() != nil {
			never = false
		}
	}()
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return false
	}
	_, found := r.Iterator()()
	return !found
}

// neverCycle is the cycle neverMatches searches, in years, for the rules whose parts can
// empty each other (BYYEARDAY, BYWEEKNO, BYSETPOS, or two of BYMONTH, BYMONTHDAY and BYDAY)
// at a daily or coarser frequency, when the cycle fits before rrule-go's last year.
func neverCycle(opt rrule.ROption, dtstart time.Time) (int, bool) {
	filters := 0
	for _, has := range []bool{len(opt.Bymonth) > 0, len(opt.Bymonthday) > 0, len(opt.Byweekday) > 0} {
		if has {
			filters++
		}
	}
	if len(opt.Byyearday) == 0 && len(opt.Byweekno) == 0 && len(opt.Bysetpos) == 0 && filters < 2 {
		return 0, false
	}
	base := map[rrule.Frequency]int{rrule.YEARLY: 400, rrule.MONTHLY: 4800, rrule.WEEKLY: 20871, rrule.DAILY: daysPerCycle}[opt.Freq]
	if base == 0 {
		return 0, false
	}
	k := max(opt.Interval, 1)
	cycle := 400 * (k / gcd(base, k))
	return cycle, cycleFits(cycle, dtstart.Year())
}

// daysPerCycle is the length of the Gregorian calendar's 400-year cycle in days.
const daysPerCycle = 146097

// cycleFits reports whether a search of cycle years from year ends before rrule-go's last
// year, and is short enough to be worth it (at most 2,000 years).
func cycleFits(cycle, year int) bool {
	return cycle <= 2000 && year+cycle <= rrule.MAXYEAR
}

// neverSubDaily decides neverMatches for an HOURLY, MINUTELY or SECONDLY rule. rrule-go
// skips a day its day parts (BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY) reject, but
// it does so day after day up to 9999 (about 0.6 s a series and expansion) when none ever
// passes. The rule visits DTSTART + n·INTERVAL units; the visits whose time of day passes
// BYHOUR/BYMINUTE/BYSECOND come back to the same time of day every D days, so the days
// they fall on are a few classes of days modulo D, each from its first day on. The rule
// matches iff one class has a day its day parts accept: a DAILY rule with INTERVAL=D (or 1
// when every class is visited) and the same day parts, searched over its cycle. BYSETPOS,
// which picks among the times of one period, is left out: it can only remove occurrences,
// so a rule found to match without it is only not proven empty, never wrongly dropped.
func neverSubDaily(opt rrule.ROption, dtstart time.Time) bool {
	v, exact, ok := subDailyCheck(opt, dtstart)
	if !ok {
		return false
	}
	if !exact {
		v = visitedDays{every: 1, firstDays: []int{0}} // the day parts alone
	}
	if len(v.firstDays) == 0 {
		return true // no visit is at an allowed time of day (checkReachable's case)
	}
	day := rrule.ROption{Freq: rrule.DAILY, Interval: v.every, Wkst: opt.Wkst,
		Bymonth: opt.Bymonth, Bymonthday: opt.Bymonthday, Byweekday: opt.Byweekday,
		Byyearday: opt.Byyearday, Byweekno: opt.Byweekno}
	cycle := 400 * (v.every / gcd(daysPerCycle, v.every))
	for _, first := range v.firstDays {
		start := dtstart.AddDate(0, 0, first)
		if !cycleFits(cycle, start.Year()) {
			return false
		}
		if checkFeasible(day, start) == nil && !emptyOverCycle(day, start, cycle) {
			return false
		}
	}
	return true
}

// subDailyCheck says how neverSubDaily decides a rule: not at all when it has no day parts
// (ok false: emptiness by BYHOUR/BYMINUTE/BYSECOND alone is checkReachable's); exactly from
// the days it visits; or, when those make more than 64 classes or a cycle over 2,000 years
// (FREQ=HOURLY;INTERVAL=25;BYHOUR=9: 09:00 every 25 days), from its day parts alone (exact
// false): a rule they empty on every day is empty, any other is taken to match.
func subDailyCheck(opt rrule.ROption, dtstart time.Time) (v visitedDays, exact, ok bool) {
	if len(opt.Bymonth)+len(opt.Bymonthday)+len(opt.Byweekday)+len(opt.Byyearday)+len(opt.Byweekno) == 0 {
		return visitedDays{}, false, false
	}
	v, exact = subDailyVisits(opt, dtstart)
	if exact && v.every > 1 && !cycleFits(400*(v.every/gcd(daysPerCycle, v.every)), dtstart.Year()+1) {
		exact = false
	}
	return v, exact, true
}

// visitedDays are the days a sub-daily rule visits at an allowed time of day: every `every`
// days from each of firstDays (days after DTSTART's date).
type visitedDays struct {
	every     int
	firstDays []int
}

// subDailyVisits returns the days the rule visits; ok is false when they make more than 64
// classes, too many to check.
func subDailyVisits(opt rrule.ROption, dtstart time.Time) (visitedDays, bool) {
	const day = 86400
	unit := periodSeconds(opt.Freq)
	h, m, s := dtstart.Clock()
	pos := int64(h*3600 + m*60 + s)
	pos -= pos % unit // rrule-go visits the unit DTSTART is in
	step := int64(max(opt.Interval, 1)) * unit
	g := gcd(int(step%day), day)
	if step%day == 0 {
		g = day
	}
	visits, every := int64(day/g), int(step/int64(g)) // the time of day repeats after visits steps, every days
	timeParts := len(opt.Byhour) > 0 || unit <= 60 && len(opt.Byminute) > 0 || unit == 1 && len(opt.Bysecond) > 0
	if !timeParts && step <= day {
		return visitedDays{every: 1, firstDays: []int{0}}, true // every day, at any time
	}
	allowed := func(tod int64) bool {
		hh, mm, ss := int(tod/3600), int(tod/60%60), int(tod%60)
		return (len(opt.Byhour) == 0 || slices.Contains(opt.Byhour, hh)) &&
			(unit > 60 || len(opt.Byminute) == 0 || slices.Contains(opt.Byminute, mm)) &&
			(unit > 1 || len(opt.Bysecond) == 0 || slices.Contains(opt.Bysecond, ss))
	}
	first := map[int]int{} // class of days modulo every → its first day
	for n := int64(0); n < visits; n++ {
		at := pos + n*step
		if !allowed(at % day) {
			continue
		}
		d := int(at / day)
		if _, seen := first[d%every]; !seen {
			first[d%every] = d
		}
	}
	v := visitedDays{every: every}
	if len(first) == every { // every class: every day is visited, from some day on
		v.every = 1
		first = map[int]int{0: 0}
	}
	if len(first) > 64 {
		return visitedDays{}, false
	}
	for _, d := range first {
		v.firstDays = append(v.firstDays, d)
	}
	slices.Sort(v.firstDays)
	return v, true
}

// neverKey is what neverMatches' answer depends on besides the rule: nothing for a rule
// without INTERVAL that names its days (the whole cycle is searched from anywhere); else
// DTSTART's month, day and weekday (rrule-go takes missing day parts from DTSTART) and, with
// an INTERVAL, its year within the cycle (which periods the rule visits). A sub-daily rule's
// answer depends on DTSTART's time of day too, and on its year within the cycle of the days
// it visits, unless it visits every day. ok is false for a rule neverMatches does not check.
func neverKey(opt rrule.ROption, dtstart time.Time) (key string, ok bool) {
	if opt.Freq >= rrule.HOURLY {
		v, exact, ok := subDailyCheck(opt, dtstart)
		if !ok {
			return "", false
		}
		if !exact || v.every == 1 {
			return "daily", true // the answer is the day parts' alone
		}
		cycle := 400 * (v.every / gcd(daysPerCycle, v.every))
		return dtstart.Format("0102T150405") + dtstart.Weekday().String()[:2] + "/" + strconv.Itoa(dtstart.Year()%cycle), true
	}
	cycle, ok := neverCycle(opt, dtstart)
	if !ok {
		return "", false
	}
	days := len(opt.Byweekno) > 0 || len(opt.Byyearday) > 0 || len(opt.Bymonthday) > 0 || len(opt.Byweekday) > 0
	if opt.Interval <= 1 && days {
		return "", true
	}
	key = dtstart.Format("0102") + dtstart.Weekday().String()[:2]
	if opt.Interval > 1 {
		key += "/" + strconv.Itoa(dtstart.Year()%cycle)
	}
	return key, true
}

func monthLengths(m int) []int {
	switch m {
	case 2:
		return []int{28, 29}
	case 4, 6, 9, 11:
		return []int{30}
	}
	return []int{31}
}

// dayPossible reports whether some month of months, in some year, has a BYMONTHDAY day whose
// weekday position fits BYDAY.
func dayPossible(opt rrule.ROption, months []int, monthContext bool) bool {
	for _, m := range months {
		for _, l := range monthLengths(m) {
			for _, d := range opt.Bymonthday {
				dd := d
				if d < 0 {
					dd = l + 1 + d
				}
				if dd < 1 || dd > l {
					continue
				}
				if len(opt.Byweekday) == 0 {
					return true
				}
				for _, wd := range opt.Byweekday {
					n := wd.N()
					switch {
					case n == 0 || !monthContext:
						return true
					case n > 0 && (dd-1)/7+1 == n, n < 0 && (l-dd)/7+1 == -n:
						return true
					}
				}
			}
		}
	}
	return false
}

func yeardayPossible(days, months []int) bool {
	for _, leap := range []bool{false, true} {
		year := 2025
		if leap {
			year = 2024
		}
		n := 365
		if leap {
			n = 366
		}
		for _, d := range days {
			dd := d
			if d < 0 {
				dd = n + 1 + d
			}
			if dd < 1 || dd > n {
				continue
			}
			m := int(time.Date(year, 1, dd, 0, 0, 0, 0, time.UTC).Month())
			if slices.Contains(months, m) {
				return true
			}
		}
	}
	return false
}

// setBound is an upper bound of the candidates of one period a BYSETPOS selects from, or 0
// when no cheap bound is known. A sub-daily period (an hour, minute or second) has the times
// of its finer parts or none: the candidates of an hour are its BYMINUTE times BYSECOND
// (each one DTSTART's when absent), of a minute its BYSECOND, of a second itself; its BYHOUR,
// BYDAY... only decide whether it has them. So a BYSETPOS beyond that number empties the
// rule (FREQ=MINUTELY;BYSETPOS=2, which rrule-go would search minute by minute to 9999), and
// one within it keeps every period that has candidates.
func setBound(opt rrule.ROption) int {
	switch opt.Freq {
	case rrule.HOURLY:
		return max(len(opt.Byminute), 1) * max(len(opt.Bysecond), 1)
	case rrule.MINUTELY:
		return max(len(opt.Bysecond), 1)
	case rrule.SECONDLY:
		return 1
	}
	times := max(len(opt.Byhour), 1) * max(len(opt.Byminute), 1) * max(len(opt.Bysecond), 1)
	days := 0
	switch opt.Freq {
	case rrule.DAILY:
		days = 1
	case rrule.WEEKLY:
		days = 7
	case rrule.MONTHLY:
		days = 31
		if len(opt.Bymonthday) > 0 {
			days = len(opt.Bymonthday)
		} else if len(opt.Byweekday) > 0 {
			days = 0
			for _, wd := range opt.Byweekday {
				if wd.N() == 0 {
					days += 5
				} else {
					days++
				}
			}
		}
	case rrule.YEARLY:
		days = 366
	default:
		return 0
	}
	return days * times
}
