package ical

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// A VTIMEZONE with STANDARD/DAYLIGHT observances is evaluated from its rules near the instant
// asked for, whatever the year of the observances' DTSTART. Outlook and Exchange write every
// zone with DTSTART:16010101T…; expanding such a rule from 1601 with rrule-go stops after
// about 292 years (rrule-go caps a rule without UNTIL at DTSTART plus the largest
// time.Duration), which once gave every instant after 1893 one fixed offset all year. Instead,
// each yearly rule is restarted a whole number of its periods before the instant (the
// occurrences of a yearly rule in a year depend only on that year and the rule, never on how
// many years have passed since DTSTART), or of 400-year Gregorian cycles for one from 29
// February. Observances with rules of other frequencies are refused: a zone changes its
// offset a few times a year. Every expansion is given an explicit end, so nothing depends on
// rrule-go's cap.
//
// The transitions from 1970 to 2120 are computed once, when the zone is first used; an instant
// outside that range is evaluated on demand from the rules of the years around it.

// Limits for expanding the observances of a VTIMEZONE.
const (
	vtzTableFrom     = 1970
	vtzTableTo       = 2120
	vtzMaxPerRule    = 2000
	vtzMaxTransition = 20_000
	vtzMaxRules      = 100
)

type onset struct {
	at       int64
	from, to int
}

// observance is one STANDARD or DAYLIGHT component: its first onset (DTSTART, a wall-clock
// stand-in in the offset before the onset), further onsets by RDATE and RRULE.
type observance struct {
	start    time.Time
	from, to int
	rdates   []time.Time
	rules    []ruleSpec
	// startOnset is false when DTSTART is not an occurrence of the observance's RRULE:
	// Microsoft writes DTSTART:16010101T030000 for "since ever", which is not an onset (taken
	// as one, 1 January 1601 03:00 would switch the zone to that observance's offset).
	startOnset bool
}

// vtzRules are the observances of a rule-based VTIMEZONE.
type vtzRules struct {
	obs []observance
	// initial is the offset before the earliest onset (its TZOFFSETFROM).
	initial  int
	earliest int64
	// main is the table of the years from 1970 to 2120 (mainTable).
	once sync.Once
	main *table
	// pages caches tables of years outside the zone's main table (year -> *table).
	pages  sync.Map
	npages atomic.Int32
}

// buildVTimezone turns a VTIMEZONE into a zone: a fixed offset when every observance has the
// same TZOFFSETTO (Skedda's UTC+02), else its STANDARD and DAYLIGHT observances (DTSTART,
// RDATE and RRULE onsets) evaluated at any instant. The TZID is unescaped (`Kuala Lumpur\,
// Singapore` is the zone `Kuala Lumpur, Singapore`).
func buildVTimezone(c *goical.Component) (string, *zone, error) {
	p := c.Props.Get("TZID")
	if p == nil || strings.TrimSpace(p.Value) == "" {
		return "", nil, fmt.Errorf("VTIMEZONE without TZID")
	}
	tzid := strings.TrimSpace(unescapeText(p.Value))
	var obs []observance
	var firstAt []int64 // per observance: its earliest onset (an instant), for v.earliest
	rules := 0
	for _, ch := range c.Children {
		if ch.Name != "STANDARD" && ch.Name != "DAYLIGHT" {
			continue
		}
		var o observance
		var err error
		var firsts []time.Time // each rule's first onset within ten years of DTSTART
		tp, fp, sp := ch.Props.Get("TZOFFSETTO"), ch.Props.Get("TZOFFSETFROM"), ch.Props.Get("DTSTART")
		if tp == nil || fp == nil || sp == nil {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q: %s observance lacks DTSTART, TZOFFSETFROM or TZOFFSETTO", tzid, ch.Name)
		}
		if o.to, err = parseUTCOffset(tp.Value); err != nil {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q: TZOFFSETTO: %w", tzid, err)
		}
		if o.from, err = parseUTCOffset(fp.Value); err != nil {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q: TZOFFSETFROM: %w", tzid, err)
		}
		if o.start, _, err = parseTimeText(sp.Value, ""); err != nil {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q: DTSTART: %w", tzid, err)
		}
		for _, rp := range ch.Props.Values("RDATE") {
			for _, item := range strings.Split(rp.Value, ",") {
				if w, _, err := parseTimeText(item, strings.ToUpper(param(&rp, "VALUE"))); err == nil {
					o.rdates = append(o.rdates, w)
				}
			}
		}
		for _, rp := range ch.Props.Values("RRULE") {
			rs, err := parseRRule(rp.Value)
			if err == nil && rs.opt.Freq != rrule.YEARLY {
				// A zone changes its offset a few times a year; every VTIMEZONE seen writes
				// yearly rules. A MINUTELY one made each instant in the zone cost milliseconds
				// (50,000 events 131 s): its transitions are too many to tabulate.
				err = fmt.Errorf("FREQ must be YEARLY (a time zone changes its offset a few times a year)")
			}
			if err == nil && rs.until != "" {
				var w time.Time
				var k timeKind
				w, k, err = parseTimeText(rs.until, "")
				if k == kindUTC {
					w = w.Add(time.Duration(o.from) * time.Second) // UNTIL is UTC; onsets are local
				}
				rs.untilWall = w
			}
			if err == nil {
				// The rule's first onset within ten years of DTSTART (for earliest, below),
				// found by the expansion that also proves the rule can be expanded.
				first := time.Time{}
				err = rs.each(o.start, o.start, o.start.AddDate(10, 0, 0), 1, func(t time.Time) { first = t })
				if !first.IsZero() {
					firsts = append(firsts, first)
				}
			}
			if err != nil {
				return tzid, nil, fmt.Errorf("VTIMEZONE %q: RRULE: %w", tzid, err)
			}
			if rules++; rules > vtzMaxRules {
				return tzid, nil, fmt.Errorf("VTIMEZONE %q has too many rules", tzid)
			}
			o.rules = append(o.rules, rs)
		}
		o.startOnset = len(o.rules) == 0
		for _, first := range firsts {
			o.startOnset = o.startOnset || first.Equal(o.start)
		}
		if len(o.rdates) > vtzMaxTransition {
			return tzid, nil, fmt.Errorf("VTIMEZONE %q has too many transitions", tzid)
		}
		at := int64(maxInstant)
		if o.startOnset {
			at = o.start.Unix() - int64(o.from)
		}
		for _, w := range append(firsts, o.rdates...) {
			at = min(at, w.Unix()-int64(o.from))
		}
		obs, firstAt = append(obs, o), append(firstAt, at)
	}
	if len(obs) == 0 {
		return tzid, nil, fmt.Errorf("VTIMEZONE %q has no STANDARD or DAYLIGHT observance", tzid)
	}
	fixed := true
	for _, o := range obs {
		fixed = fixed && o.to == obs[0].to
	}
	if fixed {
		return tzid, fixedZone(tzid, obs[0].to), nil
	}

	v := &vtzRules{obs: obs, earliest: maxInstant}
	for i, o := range obs {
		if firstAt[i] < v.earliest {
			v.earliest, v.initial = firstAt[i], o.from
		}
	}
	return tzid, &zone{name: tzid, kind: zoneRules, vtz: v}, nil
}

// mainTable returns the zone's transitions from 1970 to 2120, computed when the zone is
// first used: a feed may define thousands of zones and use a few (expanding the rules of
// 150 years takes about a millisecond a zone). Should the rules not expand (more onsets than
// vtzMaxTransition), the table is empty and every instant is evaluated around its year.
func (v *vtzRules) mainTable() *table {
	v.once.Do(func() {
		tb, err := v.table(yearStart(vtzTableFrom), yearStart(vtzTableTo))
		if err != nil {
			tb = &table{}
		}
		v.main = tb
	})
	return v.main
}

func yearStart(y int) int64 { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Unix() }

// compact turns sorted onsets into transition instants and the offsets from them; of several
// onsets at one instant the last listed wins.
func compact(onsets []onset) (trans []int64, offs []int) {
	for _, on := range onsets {
		if n := len(trans); n > 0 && trans[n-1] == on.at {
			offs[n-1] = on.to
			continue
		}
		trans = append(trans, on.at)
		offs = append(offs, on.to)
	}
	return trans, offs
}

// onsetsIn returns every onset in [lo, hi) (Unix seconds), sorted by instant; onsets at the
// same instant keep the order of the observances.
func (v *vtzRules) onsetsIn(lo, hi int64) ([]onset, error) {
	var out []onset
	add := func(wall time.Time, o *observance) {
		if at := wall.Unix() - int64(o.from); at >= lo && at < hi {
			out = append(out, onset{at: at, from: o.from, to: o.to})
		}
	}
	// Wall-clock stand-ins of the range, widened by more than any UTC offset.
	loW := time.Unix(lo, 0).UTC().Add(-2 * searchSpan * time.Second)
	hiW := time.Unix(hi, 0).UTC().Add(2 * searchSpan * time.Second)
	for i := range v.obs {
		o := &v.obs[i]
		if o.startOnset {
			add(o.start, o)
		}
		for _, rd := range o.rdates {
			add(rd, o)
		}
		for j := range o.rules {
			if err := o.rules[j].each(o.start, loW, hiW, vtzMaxPerRule, func(t time.Time) { add(t, o) }); err != nil {
				return nil, err
			}
		}
		if len(out) > vtzMaxTransition {
			return nil, fmt.Errorf("too many transitions")
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out, nil
}

// offsetBefore returns the offset in force just before instant x: that of the latest onset
// before x, or the initial offset when there is none.
func (v *vtzRules) offsetBefore(x int64) int {
	if x <= v.earliest {
		return v.initial
	}
	// Rules in real VTIMEZONEs recur every year: a few years back always holds an onset. A
	// rule that ended (UNTIL) long before x is looked for near its end.
	for _, back := range []int64{3, 30, 450} {
		lo := max(v.earliest, x-back*366*86400)
		if onsets, err := v.onsetsIn(lo, x); err == nil && len(onsets) > 0 {
			_, offs := compact(onsets)
			return offs[len(offs)-1]
		}
	}
	best, off := int64(minInstant), v.initial
	for i := range v.obs {
		o := &v.obs[i]
		for j := range o.rules {
			u := o.rules[j].untilWall
			if u.IsZero() {
				continue
			}
			end := min(x, u.Unix()-int64(o.from)+1)
			if onsets, err := v.onsetsIn(max(v.earliest, end-3*366*86400), end); err == nil && len(onsets) > 0 && onsets[len(onsets)-1].at > best {
				best, off = onsets[len(onsets)-1].at, onsets[len(onsets)-1].to
			}
		}
	}
	return off
}

// table is the transitions of a rule-based VTIMEZONE over [from, to): offs[i] is in force
// from trans[i] (Unix seconds) until trans[i+1]; before trans[0] the offset is initial.
type table struct {
	from, to int64
	initial  int
	trans    []int64
	offs     []int
}

func (v *vtzRules) table(from, to int64) (*table, error) {
	onsets, err := v.onsetsIn(from, to)
	if err != nil {
		return nil, err
	}
	tb := &table{from: from, to: to, initial: v.offsetBefore(from)}
	tb.trans, tb.offs = compact(onsets)
	return tb, nil
}

// lookup returns the offset at t (within the table) and its period, clipped to the table (a
// clipped bound is harmless: the offset is the same on both sides).
func (tb *table) lookup(t int64) (offset int, start, end int64) {
	start, end = tb.from, tb.to
	i := sort.Search(len(tb.trans), func(i int) bool { return tb.trans[i] > t }) - 1
	if i < 0 {
		if len(tb.trans) > 0 {
			end = tb.trans[0]
		}
		return tb.initial, start, end
	}
	if i+1 < len(tb.trans) {
		end = tb.trans[i+1]
	}
	return tb.offs[i], tb.trans[i], end
}

// maxPages bounds the tables kept per zone for years outside the main table.
const maxPages = 512

// lookupAround evaluates the observances for an instant outside the main table, from a table
// of the three years around it (kept for the next lookups in those years).
func (v *vtzRules) lookupAround(t int64) (offset int, start, end int64) {
	y := time.Unix(t, 0).UTC().Year()
	if p, ok := v.pages.Load(y); ok {
		return p.(*table).lookup(t)
	}
	tb, err := v.table(yearStart(y-1), yearStart(y+2))
	if err != nil {
		// Not expected (the rules expanded for the main table): the offset before the year.
		return v.offsetBefore(t), t, t + 1
	}
	if v.npages.Add(1) <= maxPages {
		v.pages.Store(y, tb)
	}
	return tb.lookup(t)
}

// cycleYears is the number of years after which the yearly rule's occurrences repeat
// exactly, in whole periods of the rule (observances have only yearly rules): its INTERVAL,
// unless it starts on 29 February, then a multiple of the 400-year Gregorian cycle that is
// also a multiple of the INTERVAL. 0 means the rule cannot be moved (a COUNT must be counted
// from DTSTART).
func (rs *ruleSpec) cycleYears(dtstart time.Time) int {
	if rs.opt.Count > 0 || rs.opt.Freq != rrule.YEARLY {
		return 0
	}
	iv := max(rs.opt.Interval, 1)
	if !(dtstart.Month() == time.February && dtstart.Day() == 29) {
		return iv
	}
	n := iv / gcd(iv, 400)
	if n > 20 {
		return 0 // the pattern repeats only after more than 8000 years: never worth moving
	}
	return 400 * n
}

// startNear returns DTSTART moved forward by whole cycles of the rule to at least one year
// before wall (unchanged when the rule cannot be moved or wall is near).
func (rs *ruleSpec) startNear(dtstart, wall time.Time) time.Time {
	c := rs.cycleYears(dtstart)
	if c == 0 {
		return dtstart
	}
	if k := (wall.Year() - 1 - dtstart.Year()) / c; k > 0 {
		return dtstart.AddDate(k*c, 0, 0)
	}
	return dtstart
}

// each calls fn with every occurrence of the rule (started at dtstart) in [lo, hi], wall-clock
// stand-ins, at most max of them; the work is bounded by the range, not by the distance
// from dtstart.
func (rs *ruleSpec) each(dtstart, lo, hi time.Time, limit int, fn func(time.Time)) error {
	if month, wd, n, ok := rs.nthWeekday(); ok {
		rs.eachNthWeekday(dtstart, lo, hi, limit, month, wd, n, fn)
		return nil
	}
	return rs.eachByRRule(dtstart, lo, hi, limit, fn)
}

// nthWeekday reports the month, weekday and ordinal of a rule of the form nearly every
// VTIMEZONE uses, FREQ=YEARLY;BYMONTH=m;BYDAY=nWD (the last Sunday of October: -1SU),
// optionally with INTERVAL and UNTIL. each computes its onsets directly: rrule-go builds the
// tables of a whole year for each year it steps through, which made a feed of 125,000
// distinct VTIMEZONEs take 5 seconds.
func (rs *ruleSpec) nthWeekday() (month time.Month, wd time.Weekday, n int, ok bool) {
	o := &rs.opt
	if o.Freq != rrule.YEARLY || o.Count != 0 || len(o.Bymonth) != 1 || len(o.Byweekday) != 1 ||
		len(o.Bysetpos)+len(o.Bymonthday)+len(o.Byyearday)+len(o.Byweekno)+len(o.Byhour)+len(o.Byminute)+len(o.Bysecond)+len(o.Byeaster) > 0 {
		return 0, 0, 0, false
	}
	n = o.Byweekday[0].N()
	if n == 0 || n < -5 || n > 5 || o.Bymonth[0] < 1 || o.Bymonth[0] > 12 {
		return 0, 0, 0, false
	}
	return time.Month(o.Bymonth[0]), time.Weekday((o.Byweekday[0].Day() + 1) % 7), n, true // rrule-go counts from Monday
}

// eachNthWeekday is each for a rule nthWeekday reads: the n-th (from the end when negative)
// weekday wd of the month, at DTSTART's time of day, every INTERVAL years from DTSTART's, never
// before DTSTART and never after UNTIL, as rrule-go gives them.
func (rs *ruleSpec) eachNthWeekday(dtstart, lo, hi time.Time, limit int, month time.Month, wd time.Weekday, n int, fn func(time.Time)) {
	until := hi
	if !rs.untilWall.IsZero() && rs.untilWall.Before(hi) {
		until = rs.untilWall
	}
	iv := max(rs.opt.Interval, 1)
	y := max(dtstart.Year(), lo.Year()-1)
	if r := (y - dtstart.Year()) % iv; r != 0 {
		y += iv - r
	}
	hh, mm, ss := dtstart.Clock()
	for count := 0; count < limit && y <= until.Year(); y += iv {
		day, ok := nthWeekdayOf(y, month, wd, n)
		if !ok {
			continue
		}
		t := time.Date(y, month, day, hh, mm, ss, 0, time.UTC)
		if t.After(until) {
			return
		}
		if !t.Before(dtstart) && !t.Before(lo) {
			fn(t)
			count++
		}
	}
}

// nthWeekdayOf returns the day of the n-th weekday wd of a month (n < 0: counted from its
// end), if the month has one.
func nthWeekdayOf(y int, m time.Month, wd time.Weekday, n int) (int, bool) {
	last := daysIn(y, int(m))
	if n > 0 {
		first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
		day := 1 + (int(wd)-int(first)+7)%7 + 7*(n-1)
		return day, day <= last
	}
	lastWd := time.Date(y, m, last, 0, 0, 0, 0, time.UTC).Weekday()
	day := last - (int(lastWd)-int(wd)+7)%7 - 7*(-n-1)
	return day, day >= 1
}

// eachByRRule is each by rrule-go, for any rule.
func (rs *ruleSpec) eachByRRule(dtstart, lo, hi time.Time, limit int, fn func(time.Time)) error {
	spec := *rs
	if spec.untilWall.IsZero() || spec.untilWall.After(hi) {
		spec.untilWall = hi
	}
	r, err := spec.build(rs.startNear(dtstart, lo))
	if err != nil {
		return err
	}
	next := r.Iterator()
	for n := 0; n < limit; {
		t, ok := next()
		if !ok || t.After(hi) {
			break
		}
		if !t.Before(lo) {
			fn(t)
			n++
		}
	}
	return nil
}

// compactObservance is an observance of the form nearly every VTIMEZONE is written with (no
// RDATE, at most one rule, and that one nthWeekday's), in 32 bytes instead of its text's
// hundreds: a feed may define 100,000 zones and use a few.
type compactObservance struct {
	start, until int64 // DTSTART and UNTIL as wall-clock stand-ins, Unix seconds; until 0: none
	from, to     int32
	interval     uint16
	month        uint8 // of the rule; 0: no rule
	weekday      uint8 // time.Weekday
	n            int8
	startOnset   bool
}

// compactZone appends the compact form of a zone's observances to out, or returns nil when
// one of them has another form.
func compactZone(out []compactObservance, v *vtzRules) []compactObservance {
	for i := range v.obs {
		o := &v.obs[i]
		if len(o.rdates) > 0 || len(o.rules) > 1 || o.from != int(int32(o.from)) || o.to != int(int32(o.to)) {
			return nil
		}
		c := compactObservance{start: o.start.Unix(), from: int32(o.from), to: int32(o.to), startOnset: o.startOnset}
		if len(o.rules) == 1 {
			rs := &o.rules[0]
			month, wd, n, ok := rs.nthWeekday()
			if !ok || rs.opt.Interval < 0 || rs.opt.Interval > math.MaxUint16 || (!rs.untilWall.IsZero() && rs.untilWall.Unix() == 0) {
				return nil
			}
			c.interval, c.month, c.weekday, c.n = uint16(rs.opt.Interval), uint8(month), uint8(wd), int8(n)
			if !rs.untilWall.IsZero() {
				c.until = rs.untilWall.Unix()
			}
		}
		out = append(out, c)
	}
	return out
}

// compactRules builds the observances of a compact zone again.
func compactRules(cs []compactObservance, initial int, earliest int64) *vtzRules {
	v := &vtzRules{initial: initial, earliest: earliest, obs: make([]observance, len(cs))}
	for i, c := range cs {
		o := observance{start: time.Unix(c.start, 0).UTC(), from: int(c.from), to: int(c.to), startOnset: c.startOnset}
		if c.month != 0 {
			wd := rruleWeekday(time.Weekday(c.weekday))
			rs := ruleSpec{opt: rrule.ROption{Freq: rrule.YEARLY, Interval: int(c.interval), Bymonth: []int{int(c.month)},
				Byweekday: []rrule.Weekday{wd.Nth(int(c.n))}}}
			if c.until != 0 {
				rs.untilWall = time.Unix(c.until, 0).UTC()
			}
			o.rules = []ruleSpec{rs}
		}
		v.obs[i] = o
	}
	return v
}

// rruleWeekday is rrule-go's weekday for a time.Weekday (rrule-go counts from Monday).
func rruleWeekday(d time.Weekday) rrule.Weekday {
	return [...]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}[d]
}
